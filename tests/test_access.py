"""Who may see what, enforced in data_access: out-of-scope rows never come back, whatever is asked."""

from __future__ import annotations

import pytest
from sqlalchemy import or_, select, text

from data_access.appstate import audit_log
from data_access.caseload import my_cases
from data_access.scope import AccessDenied, Role
from data_access.warehouse_schema import dim_citizen, dim_municipality, fact_grant
from etl.generate.profiles import DEMO

from .helpers import scope

DAYS_APRIL_TO_DECEMBER = 275  # 1 April - 31 December 2026


def cases(installation, who):
    return my_cases(who, installation.warehouse, installation.appstate)


def test_a_caseworker_sees_own_active_grants_with_spend_and_commitment(small):
    frame = cases(small, scope(Role.CASEWORKER, 479, "479:AZ47901", username="sara")).set_index("grant_key")
    # A (open) and C (to 31 December) are active on 1 April; B ended 10 March; D belongs to AZ47909.
    assert sorted(frame.index) == ["KMD:479:1001", "KMD:479:1003"]
    a, c = frame.loc["KMD:479:1001"], frame.loc["KMD:479:1003"]
    assert (a["citizen_name"], a["masked_cpr"]) == ("Alfred Andersen", "700512-xxxx")
    assert a["spent_this_year"] == 90_000 and c["spent_this_year"] == 0  # C's only posting was quarantined
    assert a["committed_rest_of_year"] == pytest.approx(round(30_000 * DAYS_APRIL_TO_DECEMBER / 30.44, 2))
    assert c["committed_rest_of_year"] == pytest.approx(round(8_000 * DAYS_APRIL_TO_DECEMBER / 30.44, 2))
    assert "cpr" not in frame.columns


def test_caseload_reads_are_audit_logged(small):
    cases(small, scope(Role.CASEWORKER, 479, "479:AZ47901", username="audited"))
    with small.appstate.engine.connect() as connection:
        logged = connection.execute(select(audit_log).where(audit_log.c.username == "audited")).mappings().all()
    assert [row["action"] for row in logged] == ["view_caseload"]
    assert "2 bevillinger" in logged[0]["detail"]


@pytest.mark.parametrize(("municipality", "caseworker"), [
    (479, "479:AZ47902"),  # a colleague with no grants
    (410, "479:AZ47901"),  # someone else's key used from another municipality
    (479, "410:AZ41001"),  # another municipality's caseworker key
])
def test_no_rows_outside_the_caseworkers_own_cases(small, municipality, caseworker):
    assert cases(small, scope(Role.CASEWORKER, municipality, caseworker)).empty


@pytest.mark.parametrize("role", [Role.LEADER, Role.POLITICIAN, Role.ADMIN])
def test_other_roles_get_no_case_list(small, role):
    with pytest.raises(AccessDenied):
        cases(small, scope(role, 479, "479:AZ47901"))


def test_a_caseworker_without_a_caseworker_identity_is_refused(small):
    with pytest.raises(AccessDenied, match="ikke knyttet til en sagsbehandler"):
        cases(small, scope(Role.CASEWORKER, 479, None))


def test_aggregate_queries_refuse_person_tables_raw_sql_and_admins(small):
    analyst = scope(Role.POLITICIAN)
    allowed = select(dim_municipality.c.name).where(dim_municipality.c.municipality_code == 479)
    assert small.warehouse.fetch_aggregate(analyst, allowed).iloc[0, 0] == "Svendborg"
    for forbidden in (
        select(fact_grant.c.citizen_key),
        select(dim_municipality.c.name).where(dim_municipality.c.name.in_(select(dim_citizen.c.name))),
        select(text("* FROM fact_grant")),
        select(dim_municipality.c.name).where(text("1 = 1")),
    ):
        with pytest.raises(AccessDenied):
            small.warehouse.fetch_aggregate(analyst, forbidden)
    with pytest.raises(AccessDenied):
        small.warehouse.fetch_aggregate(scope(Role.ADMIN), allowed)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.LEADER, Role.POLITICIAN])
def test_only_administrators_read_the_run_log(small, role):
    with pytest.raises(AccessDenied):
        small.appstate.etl_runs(scope(role))
    assert not small.appstate.etl_runs(scope(Role.ADMIN)).empty


def test_demo_caseworker_list_matches_the_warehouse(demo):
    frame = cases(demo, scope(Role.CASEWORKER, 479, "479:AZ47901", username="sagsbehandler"))
    as_of = DEMO.as_of  # data up to 31 October 2026
    expected = demo.warehouse.query(select(fact_grant.c.grant_key).where(
        fact_grant.c.caseworker_key == "479:AZ47901", fact_grant.c.acting_municipality_code == 479,
        fact_grant.c.start_date < as_of, or_(fact_grant.c.end_date.is_(None), fact_grant.c.end_date >= as_of),
    ))
    assert len(frame) > 0
    assert sorted(frame["grant_key"]) == sorted(expected["grant_key"])
