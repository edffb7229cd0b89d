"""The caseworker's views, on the real demo warehouse: my cases beside the area, the citizen page, the transition
16-19 worklist and the paying-municipality check. Rights are proved by calling the data layer as each role:
rows outside the caseworker's own cases never come back, whatever the arguments, and every person-level read
and every CPR reveal is in the audit log. Expected figures come from plain SQL on the warehouse."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from data_access import caseload, citizen, paying_municipality, to_server, transition
from data_access.appstate import AppState, audit_log
from data_access.identity import IDENTITY_NAME
from data_access.scope import AccessDenied, Role
from data_access.server_warehouse import ServerWarehouse
from etl.build import DAYS_PER_MONTH
from etl.generate.profiles import DEMO
from locale_da import kroner, number

from .helpers import scope
from .test_pages import APP

OWN = "479:AZ47901"  # the demo user sagsbehandler
COLLEAGUE = "479:AZ47902"
SARA = scope(Role.CASEWORKER, 479, OWN, username="sagsbehandler")
AS_OF = DEMO.as_of  # 1 November 2026: data up to 31 October
LAST_DAY = AS_OF - timedelta(days=1)
PERIOD = (date(2016, 1, 1), date(2026, 10, 1))  # every month of the demo's history


@pytest.fixture
def store(tmp_path) -> AppState:
    """A fresh audit log per test."""
    return AppState(f"sqlite:///{tmp_path / 'appstate.sqlite'}")


def sql(installation, query: str) -> pd.DataFrame:
    return installation.warehouse.query(text(query))


def logged(store: AppState) -> pd.DataFrame:
    with store.engine.connect() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])


def own_citizens(installation, caseworker: str = OWN) -> set[str]:
    return set(sql(installation, f"SELECT DISTINCT citizen_key FROM fact_grant WHERE caseworker_key = '{caseworker}' "
                                 "AND acting_municipality_code = 479")["citizen_key"])


def only_mine(installation) -> str:
    """A citizen on the caseworker's cases and on none of the colleague's."""
    return sorted(own_citizens(installation) - own_citizens(installation, COLLEAGUE))[0]


# --- Rights -------------------------------------------------------------------------------------------------------

def every_person_read(installation, who, store, citizen_key):
    warehouse = installation.warehouse
    return {
        "my_cases": lambda: caseload.my_cases(who, warehouse, store),
        "area_totals": lambda: caseload.area_totals(who, ["5.28.22"], warehouse),
        "my_citizens": lambda: citizen.my_citizens(who, warehouse, store),
        "citizen_file": lambda: citizen.citizen_file(who, citizen_key, *PERIOD, warehouse, store),
        "reveal_cpr": lambda: citizen.reveal_cpr(who, citizen_key, warehouse, store),
        "transition": lambda: transition.transition_worklist(who, warehouse, store),
        "paying": lambda: paying_municipality.paying_municipality_check(who, warehouse, store),
    }


@pytest.mark.parametrize("role", [Role.LEADER, Role.POLITICIAN, Role.ADMIN])
def test_no_other_role_reaches_a_caseworker_function(demo, store, role):
    # Even with the caseworker's own identity attached, another role gets nothing.
    who = scope(role, 479, OWN)
    for name, call in every_person_read(demo, who, store, only_mine(demo)).items():
        with pytest.raises(AccessDenied, match="giver ikke adgang"):
            call()
        assert logged(store)["action"].isin(["reveal_cpr", "view_citizen"]).sum() == 0, name


@pytest.mark.parametrize("who", [
    scope(Role.CASEWORKER, 479, COLLEAGUE, username="kollega"),  # a colleague in the same municipality
    scope(Role.CASEWORKER, 410, OWN, username="fremmed"),  # the caseworker's key used from another municipality
    scope(Role.CASEWORKER, 410, "410:AZ41001", username="middelfart"),  # another municipality's caseworker
], ids=["colleague", "key-from-410", "caseworker-410"])
def test_a_citizen_not_on_own_cases_is_refused_in_danish_and_the_attempt_logged(demo, store, who):
    key = only_mine(demo)
    with pytest.raises(AccessDenied) as refused:
        citizen.citizen_file(who, key, *PERIOD, demo.warehouse, store)
    assert str(refused.value) == "Du har ikke adgang til denne borger: borgeren er ikke på dine sager."
    with pytest.raises(AccessDenied, match="ikke på dine sager"):
        citizen.reveal_cpr(who, key, demo.warehouse, store)
    actions = logged(store)
    assert actions["action"].tolist() == ["refused_citizen", "refused_citizen"]
    assert set(actions["username"]) == {who.username}


@pytest.mark.parametrize("citizen_key", ["", "x' OR '1'='1", "%", None])
def test_whatever_the_citizen_argument_nothing_comes_back_for_a_stranger(demo, store, citizen_key):
    with pytest.raises(AccessDenied):
        citizen.citizen_file(SARA, citizen_key, *PERIOD, demo.warehouse, store)
    with pytest.raises(AccessDenied):
        citizen.reveal_cpr(SARA, citizen_key, demo.warehouse, store)


def test_a_caseworker_without_a_case_system_identity_is_refused_everywhere(demo, store):
    who = scope(Role.CASEWORKER, 479, None)
    for call in every_person_read(demo, who, store, only_mine(demo)).values():
        with pytest.raises(AccessDenied, match="ikke knyttet til en sagsbehandler"):
            call()


@pytest.mark.parametrize("who", [SARA, scope(Role.CASEWORKER, 479, COLLEAGUE, username="kollega"),
                                 scope(Role.CASEWORKER, 479, "479:AZ47905", username="henrik")])
def test_every_list_holds_only_the_caseworkers_own_citizens_in_the_own_municipality(demo, store, who):
    mine = own_citizens(demo, who.caseworker_key)
    assert set(citizen.my_citizens(who, demo.warehouse, store)["citizen_key"]) == mine
    cases = caseload.my_cases(who, demo.warehouse, store)
    assert set(cases["citizen_key"]) <= mine
    assert set(transition.transition_worklist(who, demo.warehouse, store)["citizen_key"]) <= mine
    findings = paying_municipality.paying_municipality_check(who, demo.warehouse, store)
    owners = sql(demo, "SELECT grant_key, caseworker_key, acting_municipality_code FROM fact_grant").set_index(
        "grant_key")
    assert set(owners.loc[findings["grant_key"], "caseworker_key"]) <= {who.caseworker_key}
    assert set(owners.loc[findings["grant_key"], "acting_municipality_code"]) <= {479}


def test_a_citizen_file_has_only_the_own_municipalitys_grants_and_payments(demo, store):
    # A citizen with grants or postings in another municipality too, so that something must be left out.
    shared = sql(demo, f"""
        SELECT citizen_key FROM fact_grant WHERE caseworker_key = '{OWN}' AND acting_municipality_code = 479
        INTERSECT (SELECT citizen_key FROM fact_grant WHERE acting_municipality_code <> 479
                   UNION SELECT citizen_key FROM fact_payment WHERE municipality_code <> 479)""")["citizen_key"]
    key = sorted(shared)[0] if len(shared) else only_mine(demo)
    file = citizen.citizen_file(SARA, key, *PERIOD, demo.warehouse, store)
    expected_grants = sql(demo, f"SELECT grant_key FROM fact_grant WHERE citizen_key = '{key}' "
                                "AND acting_municipality_code = 479")
    assert sorted(file.grants["grant_key"]) == sorted(expected_grants["grant_key"])
    paid = sql(demo, f"SELECT coalesce(sum(amount), 0) AS total, count(*) AS n FROM fact_payment "
                     f"WHERE citizen_key = '{key}' AND municipality_code = 479").iloc[0]
    assert file.payments["amount"].sum() == pytest.approx(float(paid["total"]))
    assert file.payments["postings"].sum() == paid["n"]


# --- Audit ---------------------------------------------------------------------------------------------------------

def test_every_person_level_read_and_every_cpr_reveal_is_audit_logged(demo, store):
    key = only_mine(demo)
    reads = every_person_read(demo, SARA, store, key)
    for name in ("my_cases", "my_citizens", "citizen_file", "reveal_cpr", "reveal_cpr", "transition", "paying"):
        reads[name]()
    actions = logged(store)
    assert actions["action"].tolist() == ["view_caseload", "list_citizens", "view_citizen", "reveal_cpr",
                                          "reveal_cpr", "view_transition", "view_paying_municipality"]
    assert set(actions["username"]) == {"sagsbehandler"}
    reveals = actions[actions["action"] == "reveal_cpr"]
    assert reveals["detail"].str.contains(key).all()
    cpr = citizen.reveal_cpr(SARA, key, demo.warehouse, store)
    assert not logged(store)["detail"].str.contains(cpr.replace("-", "")[6:] + "$", regex=True).any()
    assert not logged(store)["detail"].str.contains(cpr, regex=False).any()  # the log names, never shows, the number


def test_a_revealed_cpr_number_is_the_one_in_the_identity_file(demo, store):
    key = only_mine(demo)
    with duckdb.connect(str(demo.warehouse_dir / IDENTITY_NAME), read_only=True) as identity:
        (number_on_file,) = identity.execute("SELECT cpr FROM citizen_identity WHERE citizen_key = ?",
                                             [key]).fetchone()
    revealed = citizen.reveal_cpr(SARA, key, demo.warehouse, store)
    assert revealed == f"{number_on_file[:6]}-{number_on_file[6:]}"
    masked = sql(demo, f"SELECT masked_cpr FROM dim_citizen WHERE citizen_key = '{key}'").iloc[0, 0]
    assert masked == f"{number_on_file[:6]}-xxxx"


# --- My cases and the area --------------------------------------------------------------------------------------

def test_over_and_under_use_is_spend_this_year_against_the_days_active(demo, store):
    cases = caseload.my_cases(SARA, demo.warehouse, store).set_index("grant_key")
    expected = sql(demo, f"""
        WITH g AS (SELECT * FROM fact_grant WHERE caseworker_key = '{OWN}' AND acting_municipality_code = 479
                   AND start_date < DATE '{AS_OF}' AND (end_date IS NULL OR end_date >= DATE '{AS_OF}'))
        SELECT g.grant_key,
               (SELECT coalesce(sum(amount), 0) FROM fact_payment p WHERE p.grant_key = g.grant_key
                AND p.municipality_code = 479 AND p.period_month >= DATE '2026-01-01') AS spent,
               g.monthly_cost * (DATE '{LAST_DAY}' - greatest(g.start_date, DATE '2026-01-01') + 1)
                   / {DAYS_PER_MONTH} AS due
        FROM g""").set_index("grant_key")
    assert sorted(cases.index) == sorted(expected.index)
    difference = expected["spent"].astype(float) - expected["due"].astype(float)
    assert cases["over_under_use"].to_numpy() == pytest.approx(difference.loc[cases.index].to_numpy(), abs=0.01)
    # A grant whose payments stopped shows as under-use of about a year's cost.
    stopped = cases[cases["spent_this_year"] == 0]
    assert (stopped["over_under_use"] < 0).all()


def test_the_area_filter_narrows_my_cases_to_the_grants_area(demo, store):
    every = caseload.my_cases(SARA, demo.warehouse, store)
    areas = sql(demo, "SELECT grant_key, area FROM fact_grant").set_index("grant_key").loc[every["grant_key"], "area"]
    for area in ("children", "adults"):
        narrowed = caseload.my_cases(SARA, demo.warehouse, store, area=area)
        assert sorted(narrowed["grant_key"]) == sorted(areas[areas == area].index)
    assert len(caseload.my_cases(SARA, demo.warehouse, store, area="economy")) == len(every)


def test_the_areas_totals_are_the_municipalitys_figures_from_the_facts(demo, store):
    functions = sorted(caseload.my_cases(SARA, demo.warehouse, store)["function_code"].unique())
    totals = caseload.area_totals(SARA, functions, demo.warehouse).set_index("function_code")
    listed = ", ".join(f"'{f}'" for f in functions)
    spent = sql(demo, f"SELECT function_code, sum(amount) AS s FROM fact_payment WHERE municipality_code = 479 "
                      f"AND function_code IN ({listed}) "
                      f"AND period_month BETWEEN DATE '2026-01-01' AND DATE '{LAST_DAY}' GROUP BY 1").set_index(
        "function_code")["s"]
    committed = sql(demo, f"""
        SELECT function_code,
               sum(round(monthly_cost * (least(coalesce(end_date, DATE '2026-12-31'), DATE '2026-12-31')
                                         - DATE '{LAST_DAY}') / {DAYS_PER_MONTH}, 2)) AS c
        FROM fact_grant WHERE paying_municipality_code = 479 AND function_code IN ({listed})
         AND start_date <= DATE '{LAST_DAY}' AND coalesce(end_date, DATE '9999-12-31') > DATE '{LAST_DAY}'
        GROUP BY 1""").set_index("function_code")["c"]
    budget = sql(demo, f"SELECT function_code, sum(corrected_budget) AS b FROM fact_budget WHERE year = 2026 "
                       f"AND municipality_code = 479 AND function_code IN ({listed}) GROUP BY 1").set_index(
        "function_code")["b"]
    assert list(totals.index) == functions
    for function in functions:
        assert totals.at[function, "spent_this_year"] == pytest.approx(float(spent.get(function, 0)))
        assert totals.at[function, "committed_rest_of_year"] == pytest.approx(float(committed.get(function, 0)))
        assert totals.at[function, "budget_full_year"] == pytest.approx(float(budget.get(function, 0)))


# --- Transition 16-19 ---------------------------------------------------------------------------------------------

def test_the_transition_list_is_every_own_young_person_with_a_childrens_measure_since_16(demo, store):
    for caseworker in (OWN, "479:AZ47905"):
        who = scope(Role.CASEWORKER, 479, caseworker)
        worklist = transition.transition_worklist(who, demo.warehouse, store).set_index("citizen_key")
        expected = sql(demo, f"""
            SELECT DISTINCT g.citizen_key FROM fact_grant g JOIN dim_citizen c USING (citizen_key)
            WHERE g.citizen_key IN (SELECT citizen_key FROM fact_grant WHERE caseworker_key = '{caseworker}'
                                    AND acting_municipality_code = 479)
              AND g.acting_municipality_code = 479 AND g.area = 'children' AND g.start_date <= DATE '{LAST_DAY}'
              AND (g.end_date IS NULL OR g.end_date >= c.birth_date + INTERVAL 16 YEAR)
              AND c.birth_date + INTERVAL 16 YEAR <= DATE '{LAST_DAY}'
              AND c.birth_date + INTERVAL 20 YEAR > DATE '{LAST_DAY}'""")
        assert sorted(worklist.index) == sorted(expected["citizen_key"])
        assert worklist["age"].between(16, 19).all()
        assessed = set(sql(demo, """SELECT citizen_key FROM fact_grant WHERE area = 'children'
            AND acting_municipality_code = 479 AND adult_need_assessed""")["citizen_key"]) & set(worklist.index)
        assert set(worklist.index[worklist["adult_need_assessed"].eq(True)]) <= assessed
        assert (worklist["turns_18"].diff().dropna() >= pd.Timedelta(0)).all()  # soonest 18th birthday first
        adults = set(sql(demo, "SELECT citizen_key FROM fact_grant WHERE area = 'adults' AND "
                               f"acting_municipality_code = 479 AND start_date <= DATE '{LAST_DAY}'")["citizen_key"])
        without = worklist[worklist["status"].isin([transition.STATUS_NO_ADULT_YET, transition.STATUS_ENDED_WITHOUT])]
        assert not set(without.index) & adults
        assert set(worklist.index) & adults == set(worklist.index) - set(without.index)
        followed = worklist[worklist["status"].isin([transition.STATUS_ADULT_CASE, transition.STATUS_GAP])]
        for _, row in followed.iterrows():
            gap = 0 if pd.isna(row["children_end"]) else max(0, (row["adult_start"] - row["children_end"]).days - 1)
            assert row["gap_days"] == gap
            assert (row["status"] == transition.STATUS_GAP) == (gap > 0)


def test_transition_statuses_and_gaps_worked_out_by_hand():
    born = date(2008, 5, 10)  # 18 on 10 May 2026

    def person(*grants):
        return pd.DataFrame([{"citizen_key": "k", "name": "Ung", "masked_cpr": "100508-xxxx", "birth_date": born,
                              "area": area, "measure_text": measure, "legal_basis_code": basis,
                              "start_date": pd.Timestamp(start), "end_date": pd.Timestamp(end) if end else pd.NaT,
                              "adult_need_assessed": need[0] if need else None, "caseworker_name": "X"}
                             for area, measure, basis, start, end, *need in grants])

    placement = ("children", "Anbringelse", "BL-46", date(2020, 1, 1), date(2026, 5, 9))
    gap = transition._transition(person(placement, ("adults", "Botilbud", "SEL-107", date(2026, 6, 1), None)),
                                 LAST_DAY)
    assert (gap["status"], gap["gap_days"], gap["days_to_18"]) == (transition.STATUS_GAP, 22, -174)
    follows = transition._transition(person(placement, ("adults", "Støtte", "SEL-85", date(2026, 5, 10), None)),
                                     LAST_DAY)
    assert (follows["status"], follows["gap_days"]) == (transition.STATUS_ADULT_CASE, 0)
    ended = transition._transition(person(placement), LAST_DAY)
    assert (ended["status"], ended["gap_days"]) == (transition.STATUS_ENDED_WITHOUT, None)
    still = transition._transition(person(("children", "Efterværn", "BL-114", date(2020, 1, 1), None)), LAST_DAY)
    assert still["status"] == transition.STATUS_NO_ADULT_YET and still["children_end"] is None
    before_16 = transition._transition(person(("children", "Aflastning", "BL-32", date(2020, 1, 1),
                                               date(2024, 5, 9))), LAST_DAY)
    assert before_16 is None  # ended the day before the 16th birthday: not in the transition window
    # The adult-need assessment: unknown when no children's grant records it, yes when any says yes.
    assert ended["adult_need_assessed"] is None
    contact = ("children", "Kontaktperson", "BL-32", date(2024, 6, 1), date(2025, 6, 1), False)
    assessed = transition._transition(person(contact, (*placement[:5], True)), LAST_DAY)
    assert assessed["adult_need_assessed"] is True
    assert transition._transition(person(contact), LAST_DAY)["adult_need_assessed"] is False


# --- Paying municipality ----------------------------------------------------------------------------------------

def test_the_paying_municipality_check_lists_the_etls_findings_on_own_grants_with_their_cpr_residence(demo, store):
    for caseworker in (OWN, "479:AZ47905"):
        who = scope(Role.CASEWORKER, 479, caseworker)
        findings = paying_municipality.paying_municipality_check(who, demo.warehouse, store).set_index("grant_key")
        expected = sql(demo, f"""
            SELECT f.grant_key, f.amount FROM fact_grant_flag f JOIN fact_grant g USING (grant_key)
            WHERE f.flag_code = 'PAYING_MUNICIPALITY_MISMATCH' AND g.caseworker_key = '{caseworker}'
              AND g.acting_municipality_code = 479""").set_index("grant_key")
        assert sorted(findings.index) == sorted(expected.index)
        assert findings["amount_at_stake"].sum() == pytest.approx(float(expected["amount"].sum()))
        for _, row in findings.iterrows():
            # The residence shown is where the ETL's finding says, and differs from the registered one.
            assert f"kommune {row['residence_code']} fra {row['moved_in']:%d-%m-%Y}" in row["detail"]
            assert row["residence_code"] != row["registered_paying_code"]
            assert row["direction"] == ("recover" if row["registered_paying_code"] == 479 else
                                        "owe" if row["residence_code"] == 479 else "other")


# --- Pages (AppTest) ------------------------------------------------------------------------------------------------

@pytest.fixture
def caseworker_app(demo, use_installation):
    use_installation(demo)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("sagsbehandler")
    at.text_input[1].input("demo-sagsbehandler")
    at.button[0].click().run()
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_transition_page_counts_each_status(caseworker_app, demo, store):
    expected = transition.transition_worklist(SARA, demo.warehouse, store)
    at = caseworker_app.switch_page("pages/caseworker_transition.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Overgang 16-19 år"
    metrics = {m.label: m.value for m in at.metric}
    for status in (transition.STATUS_NO_ADULT_YET, transition.STATUS_ENDED_WITHOUT, transition.STATUS_GAP,
                   transition.STATUS_ADULT_CASE):
        assert metrics[status] == number(int((expected["status"] == status).sum()))
    assert len(at.dataframe[0].value) == len(expected)


def test_the_paying_page_sums_the_money_at_stake(caseworker_app, demo):
    at = caseworker_app.switch_page("pages/caseworker_paying.py").run()
    assert not at.exception, at.exception
    amount = sql(demo, f"SELECT sum(f.amount) FROM fact_grant_flag f JOIN fact_grant g USING (grant_key) "
                       f"WHERE f.flag_code = 'PAYING_MUNICIPALITY_MISMATCH' AND g.caseworker_key = '{OWN}' "
                       "AND g.acting_municipality_code = 479").iloc[0, 0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Beløb på spil i alt"] == kroner(float(amount or 0))


def test_the_citizen_page_shows_an_own_citizen_and_refuses_a_stranger(caseworker_app, demo):
    key = only_mine(demo)
    name = sql(demo, f"SELECT name FROM dim_citizen WHERE citizen_key = '{key}'").iloc[0, 0]
    at = caseworker_app
    at.query_params["borger"] = key
    at.switch_page("pages/caseworker_citizen.py").run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.subheader[0].value == name
    stranger = sql(demo, "SELECT citizen_key FROM dim_citizen WHERE citizen_key NOT IN (SELECT citizen_key FROM "
                         f"fact_grant WHERE caseworker_key = '{OWN}') ORDER BY citizen_key LIMIT 1").iloc[0, 0]
    at.query_params["borger"] = stranger
    at.run()
    assert [e.value for e in at.error] == ["Du har ikke adgang til denne borger: borgeren er ikke på dine sager."]
    assert not at.metric and not at.dataframe


# --- PostgreSQL ----------------------------------------------------------------------------------------------------

def test_the_caseworker_views_read_the_same_from_postgresql(postgres, demo, store, use_installation):
    use_installation(demo)  # the identity file is found beside the configured warehouse folder
    url = postgres.create_database("caseworker_views")
    with redirect_stdout(io.StringIO()):
        assert to_server.main(["--url", url, "--warehouse", str(demo.warehouse_dir)]) == 0
    server, duck = ServerWarehouse(url), demo.warehouse
    henrik = scope(Role.CASEWORKER, 479, "479:AZ47905", username="henrik")  # has young people with adult cases
    key = sorted(citizen.my_citizens(SARA, duck, store)["citizen_key"])[0]
    try:
        for who in (SARA, henrik):
            for read in (caseload.my_cases, citizen.my_citizens, transition.transition_worklist,
                         paying_municipality.paying_municipality_check):
                expected, found = read(who, duck, store), read(who, server, store)
                assert len(expected) > 0, read.__name__
                pd.testing.assert_frame_equal(found, expected, check_exact=False, check_dtype=False, obj=read.__name__)
        functions = sorted(caseload.my_cases(SARA, duck, store)["function_code"].unique())
        pd.testing.assert_frame_equal(caseload.area_totals(SARA, functions, server),
                                      caseload.area_totals(SARA, functions, duck), check_dtype=False)
        on_duck, on_server = (citizen.citizen_file(SARA, key, *PERIOD, w, store) for w in (duck, server))
        for part in ("grants", "payments", "relations", "moves"):
            pd.testing.assert_frame_equal(getattr(on_server, part), getattr(on_duck, part), check_dtype=False,
                                          obj=part)
        assert citizen.reveal_cpr(SARA, key, server, store) == citizen.reveal_cpr(SARA, key, duck, store)
        with pytest.raises(AccessDenied):
            citizen.citizen_file(scope(Role.CASEWORKER, 479, COLLEAGUE), key, *PERIOD, server, store)
    finally:
        server.close()
