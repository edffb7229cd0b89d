"""Nightly deltas on top of a full load: history kept, incremental equal to a rebuild, findings flagged."""

from __future__ import annotations

import shutil
import stat
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from sqlalchemy import select, text

from data_access.build import IDENTITY_ALIAS, WAREHOUSE_ALIAS
from data_access.history import grant_as_registered, grant_versions
from data_access.scope import AccessDenied, Role
from data_access.warehouse_schema import fact_grant_flag, fact_person_month
from etl.generate.delivery import generate_delivery, generate_next_night
from etl.generate.profiles import DEMO
from etl.invariants import BrokenKey, assert_unique_keys

from . import deliveries as d
from . import scenario as s
from .helpers import Installation, content, load, make_installation, scope

NIGHT = "20260402"
MOTHER_OF_B = "6501854122"  # born 1985-01-05, replacement style
LEADER = scope(Role.LEADER, 479)


@pytest.fixture
def site(small, tmp_path) -> Installation:
    shutil.copytree(small.data_dir, tmp_path / "site", symlinks=True)
    return make_installation(tmp_path / "site")


def write_night(folder) -> None:
    """The night of 1 April: A's placement ended on 15 March (registered late), B's mother moved to Middelfart
    on 1 February, and March was paid twice for A."""
    d.write_kmd(folder, 479, NIGHT, [
        d.kmd_grant(479, "1001", s.A, "BL-46", date(2025, 6, 1), date(2026, 3, 15), "30000,00", caseworker="AZ47901",
                    placement="Almen plejefamilie"),
    ])
    d.write_postings(folder, 479, NIGHT, [
        d.posting(20, date(2026, 4, 1), "528221002", "30000,00", s.A, "KMD", "1001") | {"Tekst": "Pleje 03-2026"},
        d.posting(21, date(2026, 4, 1), "528221002", "30000,00", s.A, "KMD", "1001") | {"Tekst": "Pleje 03-2026"},
    ])
    d.write_cpr(folder, NIGHT, [(MOTHER_OF_B, "Maja", "Berg", "K", date(1985, 1, 5), 410)])
    (folder / f"CPR_RELATIONER_{NIGHT}.csv").write_text(
        f"PNR_BARN;PNR_FORAELDER;RELATION\n{s.B};{MOTHER_OF_B};MOR\n", encoding="utf-8")
    (folder / f"CPR_ADRESSER_{NIGHT}.csv").write_text(
        "PNR;KOMKOD;TILFLYTNINGSDATO;FRAFLYTNINGSDATO\n"
        f"{MOTHER_OF_B};0479;2005-01-01;2026-01-31\n{MOTHER_OF_B};0410;2026-02-01;\n", encoding="utf-8")


def test_an_earlier_registration_stays_queryable(site):
    write_night(site.inbox)
    load(site)
    versions = grant_versions(LEADER, "KMD:479:1001", site.warehouse)
    assert [v.date() for v in versions["valid_from"]] == [s.AS_OF, date(2026, 4, 2)]
    assert versions.iloc[0]["valid_to"].date() == date(2026, 4, 2) and pd.isna(versions.iloc[1]["valid_to"])
    before = grant_as_registered(LEADER, "KMD:479:1001", s.AS_OF, site.warehouse)
    after = grant_as_registered(LEADER, "KMD:479:1001", date(2026, 4, 2), site.warehouse)
    assert pd.isna(before["end_date"]) and after["end_date"].date() == date(2026, 3, 15)
    with pytest.raises(LookupError):
        grant_as_registered(LEADER, "KMD:479:1001", date(2025, 1, 1), site.warehouse)


def test_history_is_scoped_like_the_cases_themselves(site):
    assert grant_versions(scope(Role.LEADER, 410), "KMD:479:1001", site.warehouse).empty
    assert grant_versions(scope(Role.CASEWORKER, 479, "479:AZ47909"), "KMD:479:1001", site.warehouse).empty
    assert len(grant_versions(scope(Role.CASEWORKER, 479, "479:AZ47901"), "KMD:479:1001", site.warehouse)) == 1
    with pytest.raises(AccessDenied):
        grant_versions(scope(Role.POLITICIAN), "KMD:479:1001", site.warehouse)


def test_a_late_end_date_changes_the_months_already_counted(site):
    write_night(site.inbox)
    load(site)
    months = site.warehouse.query(select(fact_person_month).where(fact_person_month.c.grant_key == "KMD:479:1001"))
    by_month = {m.month: days for m, days in zip(months["month"], months["days_active"], strict=True)}
    assert by_month == {1: 31, 2: 28, 3: 15}  # ended 15 March, though only registered on 1 April


def test_findings_are_flagged_not_corrected(site):
    write_night(site.inbox)
    load(site)
    flags = site.warehouse.query(select(fact_grant_flag)).set_index(["grant_key", "flag_code"])
    # B is paid for by Svendborg, but her mother has lived in Middelfart since 1 February: the postings
    # on B's grant from then on (50,000.00 + 16,129.03) are at stake.
    mismatch = flags.loc[("KMD:479:1002", "PAYING_MUNICIPALITY_MISMATCH")]
    assert float(mismatch["amount"]) == pytest.approx(66_129.03)
    assert "410" in mismatch["detail"] and "01-02-2026" in mismatch["detail"]
    double = flags.loc[("KMD:479:1001", "DOUBLE_PAYMENT")]
    assert float(double["amount"]) == pytest.approx(30_000) and "03-2026" in double["detail"]
    grants = site.warehouse.query(select(fact_grant_flag.c.grant_key)).grant_key.tolist()
    assert "KMD:479:1003" not in grants  # nothing wrong with C's grant


def test_incremental_nights_give_the_same_warehouse_as_a_full_rebuild(demo, tmp_path):
    nightly = make_installation(tmp_path / "nightly")
    shutil.copytree(demo.inbox, nightly.inbox)
    load(nightly)
    for _ in range(3):
        generate_next_night(DEMO, 1, nightly.inbox)
        result = load(nightly)
        assert not result.full and result.files
    rebuilt = make_installation(tmp_path / "rebuilt")
    shutil.copytree(nightly.inbox, rebuilt.inbox)
    assert load(rebuilt).full
    assert content(nightly) == content(rebuilt)



def test_a_night_that_adds_a_month_gives_the_same_warehouse_as_a_full_rebuild(tmp_path):
    """The delivery of 31 October covers September; the night of 1 November adds October, which every
    incremental aggregate must count for everyone, not only for the grants that changed."""
    nightly = make_installation(tmp_path / "nightly")
    generate_delivery(DEMO, 1, nightly.inbox, DEMO.as_of - timedelta(days=1))
    load(nightly)
    months_before = nightly.warehouse.query(text("SELECT max(month) AS m FROM dim_month")).iloc[0]["m"]
    generate_next_night(DEMO, 1, nightly.inbox)
    assert not load(nightly).full
    months_after = nightly.warehouse.query(text("SELECT max(month) AS m FROM dim_month")).iloc[0]["m"]
    assert (months_before.month, months_after.month) == (9, 10)
    rebuilt = make_installation(tmp_path / "rebuilt")
    shutil.copytree(nightly.inbox, rebuilt.inbox)
    assert load(rebuilt).full
    assert content(nightly) == content(rebuilt)

def test_cpr_numbers_live_only_in_the_identity_file(site):
    write_night(site.inbox)
    load(site)
    published = duckdb.connect(str(site.warehouse_dir / "current.duckdb"), read_only=True)
    numbers = {s.A, s.B, s.C, s.D, MOTHER_OF_B}
    for table, column in published.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                           "WHERE data_type = 'VARCHAR' AND schema_name = 'main' "
                                           "AND NOT internal").fetchall():
        found = published.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" IN ?', [list(numbers)]).fetchall()
        assert found[0][0] == 0, (table, column)
    published.close()
    identity = site.warehouse_dir / "identity.duckdb"
    assert stat.S_IMODE(identity.resolve().stat().st_mode) == 0o600
    mapping = duckdb.connect(str(identity), read_only=True)
    assert {row[0] for row in mapping.execute("SELECT cpr FROM citizen_identity").fetchall()} >= numbers
    mapping.close()


def workspace_copy(site: Installation, folder, *statements: str) -> duckdb.DuckDBPyConnection:
    """A build workspace on copies of the published warehouse and identity file, after ``statements``."""
    warehouse, identity = folder / "w.duckdb", folder / "i.duckdb"
    shutil.copy(site.warehouse_dir / "current.duckdb", warehouse)
    shutil.copy(site.warehouse_dir / "identity.duckdb", identity)
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS {WAREHOUSE_ALIAS}")
    con.execute(f"ATTACH '{identity}' AS {IDENTITY_ALIAS}")
    for statement in statements:
        con.execute(statement)
    return con


def test_a_repeated_key_is_refused_without_naming_a_cpr_number(site, tmp_path):
    def broken_copy(statement: str) -> duckdb.DuckDBPyConnection:
        return workspace_copy(site, tmp_path, statement)

    assert_unique_keys(broken_copy("SELECT 1"))  # the published warehouse keeps its keys

    con = broken_copy(f"INSERT INTO {WAREHOUSE_ALIAS}.fact_grant SELECT * FROM {WAREHOUSE_ALIAS}.fact_grant "
                     "WHERE grant_key = 'KMD:479:1001'")
    repeated = r"fact_grant \(grant_key\): 1 nøgle\(r\) optræder flere gange, fx KMD:479:1001"
    with pytest.raises(BrokenKey, match=repeated):
        assert_unique_keys(con)
    con.close()

    con = broken_copy(f"INSERT INTO {IDENTITY_ALIAS}.citizen_identity VALUES ('another-pseudonym', '{s.A}')")
    with pytest.raises(BrokenKey, match=r"citizen_identity \(cpr\)") as raised:
        assert_unique_keys(con)
    assert s.A not in str(raised.value)
    con.close()


def test_a_delta_checks_the_keys_it_wrote(site, tmp_path):
    """A nightly delta checks only the keys of the rows it loaded and the citizens it added: a repeat among
    them is refused, while an old row it did not touch is not looked at again (it was checked when published)."""
    def delta_copy(statement: str) -> duckdb.DuckDBPyConnection:
        return workspace_copy(site, tmp_path, "SET VARIABLE run_id = 'tonight'",
                              "CREATE TEMP TABLE new_citizens (citizen_key VARCHAR)", statement)

    repeat_grant = (f"INSERT INTO {WAREHOUSE_ALIAS}.fact_grant SELECT * REPLACE ('{{run}}' AS etl_run_id) "
                    f"FROM {WAREHOUSE_ALIAS}.fact_grant WHERE grant_key = 'KMD:479:1001'")
    con = delta_copy(repeat_grant.format(run="tonight"))
    with pytest.raises(BrokenKey, match=r"fact_grant \(grant_key\): 1 nøgle\(r\)"):
        assert_unique_keys(con, this_run_only=True)
    con.close()
    con = delta_copy(repeat_grant.format(run="an earlier night"))
    assert_unique_keys(con, this_run_only=True)  # not written tonight
    with pytest.raises(BrokenKey):
        assert_unique_keys(con)  # a full check finds it
    con.close()

    con = delta_copy(f"INSERT INTO {IDENTITY_ALIAS}.citizen_identity VALUES ('tonights-pseudonym', '{s.A}')")
    assert_unique_keys(con, this_run_only=True)
    con.execute("INSERT INTO new_citizens VALUES ('tonights-pseudonym')")
    with pytest.raises(BrokenKey, match=r"citizen_identity \(cpr\)") as raised:
        assert_unique_keys(con, this_run_only=True)
    assert s.A not in str(raised.value)
    con.close()
