"""The local administrator's functions in data_access, called directly as every role, and the politician's reach.

Users and the audit log live in a store of each test's own (seeded with the demo users and a second
municipality's), over the real demo warehouse; uploads go to a temporary inbox, and one is loaded by
the real ETL into an installation of its own.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import bcrypt
import duckdb
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access import audit, caseload, quarantine, trace, uploads, users
from data_access.appstate import DEMO_USERS_FILE, AppState, UserRecord, audit_log
from data_access.scope import AccessDenied, Role
from data_access.users import NewUser, UserProblem
from data_access.warehouse_schema import TABLE_ACCESS, Access, fact_budget, metadata
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from .helpers import load, make_installation, scope
from .scenario import write_small_delivery

ADMIN_479 = scope(Role.ADMIN, 479, username="admin")
ADMIN_410 = scope(Role.ADMIN, 410, username="admin_middelfart")
OTHER_ROLES = [scope(Role.LEADER, 479, username="leder"), scope(Role.CASEWORKER, 479, "479:AZ47901", "sagsbehandler"),
               scope(Role.POLITICIAN, 479, username="politiker")]
TODAY = date(2026, 11, 24)
PRISME_HEADER = "År;Funktion;Oprindeligt budget;Korrigeret budget\r\n"


@pytest.fixture
def store(tmp_path) -> AppState:
    """The demo users of Svendborg and two users of Middelfart, in a store of the test's own."""
    state = AppState(f"sqlite:///{tmp_path / 'appstate.sqlite'}")
    state.seed_users(DEMO_USERS_FILE)
    state.add_user(UserRecord("admin_middelfart", "Mads Middelfart", None, Role.ADMIN, 410, None), "hemmelig-1")
    state.add_user(UserRecord("leder_middelfart", "Mia Middelfart", None, Role.LEADER, 410, None), "hemmelig-2")
    return state


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def admin_calls(demo, store, inbox):
    """Every administrator function, as a callable of the scope."""
    good = ("\ufeff" + PRISME_HEADER + "2027;5.28.22;1000,00;1000,00\r\n").encode()
    return {
        "list_users": lambda s: users.list_users(s, store),
        "caseworkers": lambda s: users.caseworkers(s, demo.warehouse),
        "create_user": lambda s: users.create_user(s, NewUser("ny", "Ny Bruger", None, Role.LEADER), store,
                                                   demo.warehouse),
        "disable_user": lambda s: users.set_active(s, "leder", False, store),
        "enable_user": lambda s: users.set_active(s, "leder", True, store),
        "reset_password": lambda s: users.reset_password(s, "leder", store),
        "change_role": lambda s: users.change_role(s, "leder", Role.POLITICIAN, None, store, demo.warehouse),
        "audit_entries": lambda s: audit.audit_entries(s, appstate=store),
        "logged_actions": lambda s: audit.logged_actions(s, store),
        "quarantine_files": lambda s: quarantine.quarantine_files(s, demo.warehouse),
        "quarantined_rows": lambda s: quarantine.quarantined_rows(s, warehouse=demo.warehouse),
        "budget_source": lambda s: uploads.budget_source(s, demo.warehouse),
        "check_upload": lambda s: uploads.check_upload(s, "prisme_budgets", "b.csv", good, demo.warehouse, TODAY,
                                                       inbox),
        "store_upload": lambda s: uploads.store_upload(s, "prisme_budgets", "b.csv", good, demo.warehouse, store,
                                                       TODAY, inbox),
        "pending_files": lambda s: uploads.pending_files(s, demo.warehouse, inbox),
    }


ADMIN_FUNCTIONS = ["list_users", "caseworkers", "create_user", "disable_user", "enable_user", "reset_password",
                   "change_role", "audit_entries", "logged_actions", "quarantine_files", "quarantined_rows",
                   "budget_source", "check_upload", "store_upload", "pending_files"]
ON_ANOTHER_MUNICIPALITYS_USER = ["disable_user", "enable_user", "reset_password", "change_role"]


@pytest.mark.parametrize("function", ADMIN_FUNCTIONS)
@pytest.mark.parametrize("who", OTHER_ROLES, ids=lambda s: s.role.value)
def test_no_other_role_reaches_an_administrator_function(demo, store, inbox, function, who):
    before = users.list_users(ADMIN_479, store)
    with pytest.raises(AccessDenied):
        admin_calls(demo, store, inbox)[function](who)
    assert users.list_users(ADMIN_479, store).equals(before)
    assert list(inbox.iterdir()) == []


@pytest.mark.parametrize("function", ON_ANOTHER_MUNICIPALITYS_USER)
def test_an_administrator_cannot_touch_another_municipalitys_user(demo, store, inbox, function):
    hash_before = store.credentials()["usernames"]["leder"]["password"]
    with pytest.raises(AccessDenied, match="findes ikke i din kommune"):
        admin_calls(demo, store, inbox)[function](ADMIN_410)
    assert store.user("leder").role is Role.LEADER
    assert store.credentials()["usernames"]["leder"]["password"] == hash_before
    assert audit.audit_entries(ADMIN_410, appstate=store).empty and audit.audit_entries(ADMIN_479, appstate=store).empty


def test_an_administrator_lists_and_creates_users_in_the_own_municipality_only(demo, store):
    assert users.list_users(ADMIN_410, store)["username"].tolist() == ["admin_middelfart", "leder_middelfart"]
    listed = users.list_users(ADMIN_479, store)
    assert listed["username"].tolist() == ["admin", "leder", "politiker", "sagsbehandler"]
    assert "password_hash" not in listed.columns
    password = users.create_user(ADMIN_410, NewUser("Ny.Bruger", "Ny Bruger", "ny@middelfart.example",
                                                    Role.POLITICIAN), store, demo.warehouse)
    created = store.user("ny.bruger")
    assert (created.municipality_code, created.role, created.email) == (410, Role.POLITICIAN, "ny@middelfart.example")
    assert "ny.bruger" not in set(users.list_users(ADMIN_479, store)["username"])
    stored_hash = store.credentials()["usernames"]["ny.bruger"]["password"]
    assert stored_hash.startswith("$2b$") and password not in stored_hash
    assert bcrypt.checkpw(password.encode(), stored_hash.encode()) and len(password) >= 12
    with pytest.raises(UserProblem, match="optaget"):
        users.create_user(ADMIN_479, NewUser("ny.bruger", "X", None, Role.LEADER), store, demo.warehouse)


def test_a_caseworker_is_linked_only_to_a_caseworker_of_the_own_municipality(demo, store):
    known = duckdb.connect(str(demo.warehouse_dir / "current.duckdb"), read_only=True).execute(
        "SELECT caseworker_key FROM dim_caseworker WHERE municipality_code = 479 ORDER BY caseworker_key").fetchall()
    assert users.caseworkers(ADMIN_479, demo.warehouse)["caseworker_key"].sort_values().tolist() == [
        k for (k,) in known]
    with pytest.raises(UserProblem, match="skal knyttes"):
        users.create_user(ADMIN_479, NewUser("cw1", "CW", None, Role.CASEWORKER), store, demo.warehouse)
    with pytest.raises(UserProblem, match="479:AZ47901 findes ikke"):
        users.create_user(ADMIN_410, NewUser("cw1", "CW", None, Role.CASEWORKER, "479:AZ47901"), store, demo.warehouse)
    with pytest.raises(UserProblem, match="findes ikke"):
        users.create_user(ADMIN_479, NewUser("cw1", "CW", None, Role.CASEWORKER, "479:NOBODY"), store, demo.warehouse)
    assert store.user("cw1") is None
    users.create_user(ADMIN_479, NewUser("cw1", "CW", None, Role.CASEWORKER, known[-1][0]), store, demo.warehouse)
    assert store.user("cw1").scope().caseworker_key == known[-1][0]
    users.change_role(ADMIN_479, "cw1", Role.LEADER, known[-1][0], store, demo.warehouse)
    assert (store.user("cw1").role, store.user("cw1").caseworker_key) == (Role.LEADER, None)
    users.change_role(ADMIN_479, "cw1", Role.CASEWORKER, known[0][0], store, demo.warehouse)
    assert store.user("cw1").caseworker_key == known[0][0]


def test_disabling_locks_out_at_once_and_an_administrator_cannot_disable_or_demote_themself(demo, store):
    users.set_active(ADMIN_479, "leder", False, store)
    assert store.user("leder") is None and "leder" not in store.credentials()["usernames"]
    assert users.list_users(ADMIN_479, store).set_index("username").at["leder", "active"] == False  # noqa: E712
    users.set_active(ADMIN_479, "leder", True, store)
    assert store.user("leder") is not None
    with pytest.raises(UserProblem, match="egen bruger"):
        users.set_active(ADMIN_479, "admin", False, store)
    with pytest.raises(UserProblem, match="egen administratorrolle"):
        users.change_role(ADMIN_479, "admin", Role.LEADER, None, store, demo.warehouse)
    assert store.user("admin").role is Role.ADMIN


def test_a_password_reset_replaces_the_hash_and_every_change_is_audit_logged(demo, store):
    password = users.reset_password(ADMIN_479, "politiker", store)
    stored = store.credentials()["usernames"]["politiker"]["password"].encode()
    assert bcrypt.checkpw(password.encode(), stored) and not bcrypt.checkpw(b"demo-politiker", stored)
    users.set_active(ADMIN_479, "politiker", False, store)
    users.create_user(ADMIN_479, NewUser("ny", "Ny", None, Role.LEADER), store, demo.warehouse)
    with store.engine.connect() as connection:
        logged = connection.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                                    .order_by(audit_log.c.id)).all()
    assert [tuple(row) for row in logged] == [("admin", "reset_password", "politiker"),
                                               ("admin", "disable_user", "politiker"),
                                               ("admin", "create_user", "ny: leder")]
    assert password not in " ".join(row.detail for row in logged)


def test_the_audit_log_shows_the_own_municipalitys_users_filtered_by_user_action_and_date(store):
    lines = [("2026-11-01 10:00", "sagsbehandler", "view_caseload"), ("2026-11-02 12:00", "leder", "trace_kpi"),
             ("2026-11-02 23:30", "sagsbehandler", "reveal_cpr"),  # 00:30 on 3 November in Copenhagen
             ("2026-11-02 13:00", "leder_middelfart", "trace_kpi"), ("2026-11-03 09:00", "ukendt", "view_caseload")]
    with store.engine.begin() as connection:
        for at, username, action in lines:
            connection.execute(insert(audit_log).values(at=_utc(at), username=username, action=action, detail="x"))
    everything = audit.audit_entries(ADMIN_479, appstate=store)
    assert everything["username"].tolist() == ["sagsbehandler", "leder", "sagsbehandler"]
    assert everything["display_name"].tolist()[0] == "Sara Sagsbehandler"
    assert audit.audit_entries(ADMIN_410, appstate=store)["username"].tolist() == ["leder_middelfart"]
    assert audit.logged_actions(ADMIN_479, store) == ["reveal_cpr", "trace_kpi", "view_caseload"]
    assert audit.audit_entries(ADMIN_479, "SAGSBEHANDLER", appstate=store)["action"].tolist() == [
        "reveal_cpr", "view_caseload"]
    assert audit.audit_entries(ADMIN_479, actions=["trace_kpi"], appstate=store)["username"].tolist() == ["leder"]
    assert audit.audit_entries(ADMIN_479, start=date(2026, 11, 3), end=date(2026, 11, 3),
                               appstate=store)["action"].tolist() == ["reveal_cpr"]
    assert audit.audit_entries(ADMIN_479, username="leder_middelfart", appstate=store).empty


def test_the_quarantine_shows_the_own_municipalitys_files_and_the_national_ones(demo):
    connection = duckdb.connect(str(demo.warehouse_dir / "current.duckdb"), read_only=True)
    everything = connection.execute("SELECT file_name, line, column_name, value, reason FROM quarantine").df()
    assert everything["file_name"].str.contains("_0410_").any()  # the demo has quarantine elsewhere too

    def expected(code: int):
        own = everything[[_municipality_in_name(name) in (None, code) for name in everything["file_name"]]]
        return sorted(map(tuple, own.astype(str).to_numpy()))

    for admin in (ADMIN_479, ADMIN_410):
        rows = quarantine.quarantined_rows(admin, warehouse=demo.warehouse)
        assert len(rows) and sorted(map(tuple, rows.drop(columns="run_id").astype(str).to_numpy())) == expected(
            admin.municipality_code)
        files = quarantine.quarantine_files(admin, demo.warehouse)
        assert set(files["file_name"]) == set(rows["file_name"])
        assert files["rows_quarantined"].sum() == len(rows)
    foreign = everything.loc[everything["file_name"].str.contains("_0410_"), "file_name"].iloc[0]
    assert quarantine.quarantined_rows(ADMIN_479, foreign, warehouse=demo.warehouse).empty


# --- uploads -------------------------------------------------------------------------------------

def prisme(*rows: str, header: str = PRISME_HEADER) -> bytes:
    return ("\ufeff" + header + "".join(row + "\r\n" for row in rows)).encode("utf-8")


@pytest.mark.parametrize(("data", "problems"), [
    (prisme("2027;5.28.22;100,00", header="År;Funktion;Budget\r\n"),
     ["budget-2027.csv: mangler kolonnen/kolonnerne Oprindeligt budget, Korrigeret budget"]),
    (prisme("2027;5.28.22;1000,00;1000,00", "2027;5.28.23;1.000,50;1000,00"),
     ["budget-2027.csv, linje 3, kolonne Oprindeligt budget: ugyldigt beløb (forventet fx 1234,50 med decimalkomma "
      "og uden tusindtalsseparator) (værdi: '1.000,50')"]),
    (prisme("2027;5.99.99;1000,00;1000,00", "2027;5.28.22;1000,00;abc"),
     ["budget-2027.csv, linje 2, kolonne Funktion: ukendt funktion i kontoplanen (værdi: '5.99.99')",
      "budget-2027.csv, linje 3, kolonne Korrigeret budget: ugyldigt beløb (forventet fx 1234,50 med decimalkomma "
      "og uden tusindtalsseparator) (værdi: 'abc')"]),
    (prisme("2027;5.28.22;1000,00;1000,00", "2027;5.28.22;5,00;5,00"),
     ["budget-2027.csv, linje 3, kolonne file_municipality_code + year + function_code: dublet: samme nøgle som "
      "linje 2 (værdi: '479/2027/5.28.22')"]),
    (prisme(), ["budget-2027.csv: filen har ingen rækker under overskriften"]),
    (b"", ["budget-2027.csv: filen er tom"]),
], ids=["wrong-columns", "bad-amount", "unknown-function-and-bad-amount", "repeated-key", "no-rows", "empty"])
def test_a_bad_budget_file_is_refused_naming_file_row_and_problem_and_nothing_is_written(demo, store, inbox, data,
                                                                                          problems):
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.store_upload(ADMIN_479, "prisme_budgets", "budget-2027.csv", data, demo.warehouse, store, TODAY, inbox)
    assert refused.value.problems == problems
    assert list(inbox.iterdir()) == []
    assert audit.audit_entries(ADMIN_479, appstate=store).empty


def test_an_opus_budget_is_checked_against_opus_own_contract(demo, store, inbox):
    data = b"AAR|FUNKTION|OPR_BUDGET|KORR_BUDGET\n2027|52822|1000.5|1000,5\n"
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.store_upload(ADMIN_479, "opus_budgets", "opus.csv", data, demo.warehouse, store, TODAY, inbox)
    assert refused.value.problems == ["opus.csv, linje 2, kolonne KORR_BUDGET: ugyldigt tal (forventet fx 1234.5) "
                                      "(værdi: '1000,5')"]
    assert list(inbox.iterdir()) == []


def test_a_measurement_file_never_shows_a_cpr_number_in_its_problems(demo, store, inbox):
    data = b"CPR;Dato;Instrument;Score;Fagsystem;Bevillingsreference\n0101901234;2026-10-01;VUM;7,0;;\n"
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.store_upload(ADMIN_479, "assessments", "maal.csv", data, demo.warehouse, store, TODAY, inbox)
    assert refused.value.problems == ["maal.csv, linje 2, kolonne Score: scoren ligger uden for instrumentets skala "
                                      "(VUM 0-4, trivsel 0-10) (værdi: '7.00')"]
    assert "1234" not in str(refused.value)


def test_a_good_budget_goes_into_the_inbox_under_its_contracts_name_and_is_listed_as_pending(demo, store, inbox):
    data = prisme("2027;5.28.22;1000,00;1200,50", "2027;5.38.50;0;0")
    assert uploads.budget_source(ADMIN_479, demo.warehouse) == "prisme_budgets"
    assert uploads.budget_source(scope(Role.ADMIN, 430), demo.warehouse) == "opus_budgets"
    check = uploads.store_upload(ADMIN_479, "prisme_budgets", "budget 2027.csv", data, demo.warehouse, store, TODAY,
                                 inbox)
    assert (check.inbox_name, check.rows) == ("PRISME_BUDGET_0479_20261124.csv", 2)
    assert (inbox / check.inbox_name).read_bytes() == data
    assert [p.name for p in inbox.iterdir()] == [check.inbox_name]  # no half-written leftovers
    (inbox / "PRISME_BUDGET_0410_20261124.csv").write_bytes(data)  # another municipality's is not listed
    (inbox / "CPR_PERSONER_20261124.csv").write_bytes(b"x")  # a national file is
    assert uploads.pending_files(ADMIN_479, demo.warehouse, inbox)["file_name"].tolist() == [
        "CPR_PERSONER_20261124.csv", check.inbox_name]
    entry = audit.audit_entries(ADMIN_479, appstate=store).iloc[0]
    assert (entry["action"], entry["detail"]) == (
        "upload_file", "budget 2027.csv → PRISME_BUDGET_0479_20261124.csv: 2 rækker (Prisme, budgetter)")
    again = uploads.check_upload(ADMIN_479, "prisme_budgets", "b.csv", data, demo.warehouse, TODAY, inbox)
    assert again.valid and again.notes == ["erstatter PRISME_BUDGET_0479_20261124.csv, som blev uploadet tidligere "
                                           "i dag og endnu ikke er indlæst"]


def test_a_file_dated_no_later_than_a_loaded_delivery_is_refused_before_the_etl_would(demo, store, inbox):
    loaded_day = date(2026, 11, 1)  # the demo's extraction date
    with pytest.raises(uploads.UploadRejected, match="allerede indlæst en fil af denne slags fra i dag"):
        uploads.store_upload(ADMIN_479, "prisme_budgets", "b.csv", prisme("2027;5.28.22;1;1"), demo.warehouse,
                             store, loaded_day, inbox)
    with pytest.raises(uploads.UploadRejected, match="dateret 01-11-2026"):
        uploads.store_upload(ADMIN_479, "prisme_budgets", "b.csv", prisme("2027;5.28.22;1;1"), demo.warehouse,
                             store, loaded_day - timedelta(days=1), inbox)
    assert list(inbox.iterdir()) == []


def test_the_next_etl_run_loads_an_uploaded_budget(tmp_path):
    installation = make_installation(tmp_path / "installation")
    write_small_delivery(installation.inbox)
    load(installation, today=date(2026, 4, 2))
    day = date(2026, 5, 1)
    check = uploads.store_upload(ADMIN_479, "prisme_budgets", "budget.csv", prisme("2026;5.28.22;450000,00;451000,50"),
                                 installation.warehouse, installation.appstate, day, installation.inbox)
    result = load(installation, today=day)
    assert [f.file_name for f in result.files] == [check.inbox_name]
    assert (result.files[0].rows_loaded, result.files[0].rows_quarantined) == (1, 0)
    budget = installation.warehouse.query(select(fact_budget).where(
        fact_budget.c.municipality_code == 479, fact_budget.c.function_code == "5.28.22", fact_budget.c.year == 2026))
    assert [tuple(row) for row in budget[["original_budget", "corrected_budget", "source_file"]].to_numpy()] == [
        (450000.0, 451000.5, check.inbox_name)]
    assert uploads.pending_files(ADMIN_479, installation.warehouse, installation.inbox).empty


# --- the politician ------------------------------------------------------------------------------

POLITICIAN = scope(Role.POLITICIAN, 479, username="politiker")
PERSON_TABLES = sorted(name for name, access in TABLE_ACCESS.items() if access is not Access.AGGREGATE)


@pytest.mark.parametrize("table", PERSON_TABLES)
def test_the_politicians_figures_can_never_read_a_person_or_admin_table(demo, table):
    with pytest.raises(AccessDenied):
        demo.warehouse.fetch_aggregate(POLITICIAN, select(metadata.tables[table]))


def test_the_politician_is_refused_every_person_level_read(demo, store):
    with pytest.raises(AccessDenied):
        caseload.my_cases(POLITICIAN, demo.warehouse, store)
    with pytest.raises(AccessDenied, match="samlede tal"):
        trace.fact_rows(POLITICIAN, "agg_persons_month", "persons", "paying_municipality_code", 479,
                        [date(2026, 10, 1)], {}, warehouse=demo.warehouse, appstate=store)
    assert audit.audit_entries(ADMIN_479, appstate=store).empty  # nothing was read, so nothing was logged


def test_the_politicians_page_data_are_aggregates_of_the_chosen_period(demo):
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    frame = engine.benchmark(POLITICIAN, "K-UBU-PLAC-1000", 479, date(2026, 1, 1), date(2026, 10, 1))
    assert [p.month for p in frame["period"]] == list(range(1, 11))
    assert {re.sub(r"^(own|group|region|country)_", "", c) for c in frame.columns} == {
        "period", "numerator", "denominator", "value"}


def _municipality_in_name(file_name: str) -> int | None:
    found = re.search(r"_(\d{4})_\d{8}\.", file_name)
    return int(found.group(1)) if found else None


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


# --- the pages -----------------------------------------------------------------------------------

ADMIN_PAGES = {"pages/admin_users.py": "Brugere og roller", "pages/admin_quarantine.py": "Karantæne",
               "pages/admin_uploads.py": "Upload af data", "pages/admin_audit.py": "Logbog"}
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def signed_in(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input(f"demo-{username}")
    at.button[0].click().run()
    return at.run()


@pytest.mark.parametrize("script", ADMIN_PAGES)
def test_every_administrator_page_draws_for_the_administrator_and_refuses_everyone_else(demo, use_installation,
                                                                                        script):
    use_installation(demo)
    at = signed_in("admin").switch_page(script).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [ADMIN_PAGES[script]] and not at.error
    for username in ("leder", "politiker", "sagsbehandler"):
        refused = signed_in(username).switch_page(script).run()
        assert [e.value for e in refused.error] == ["Siden hører ikke til din rolle."]
        assert not refused.dataframe and not refused.title


def test_the_users_page_lists_the_own_municipalitys_users_without_password_hashes(demo, use_installation):
    use_installation(demo)
    at = signed_in("admin").switch_page("pages/admin_users.py").run()
    listed = at.dataframe[0].value
    assert set(listed["Brugernavn"]) == set(users.list_users(ADMIN_479, demo.appstate)["username"])
    assert {"admin", "leder", "politiker", "sagsbehandler"} <= set(listed["Brugernavn"])
    assert "leder_kbh" not in set(listed["Brugernavn"])  # Copenhagen's leader, if another test added one
    assert not any("$2b$" in str(value) for value in listed.to_numpy().ravel())
