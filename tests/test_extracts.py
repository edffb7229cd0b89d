"""Extracts: record-level rows of the own municipality, pseudonymised; KPI values of all, disclosure-controlled."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from data_access.appstate import audit_log
from data_access.extracts import DATASETS
from data_access.scope import AccessDenied, Role
from data_access.warehouse_schema import dim_citizen, fact_grant
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from reports.extracts import kpi_file, raw_file

from .helpers import scope

LEADER = scope(Role.LEADER, 479, username="extract_leader")
ADMIN = scope(Role.ADMIN, 479, username="extract_admin")


def audited(demo, username: str) -> list[tuple[str, str]]:
    with demo.appstate.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(audit_log.c.action, audit_log.c.detail).where(
            audit_log.c.username == username).order_by(audit_log.c.id))]


@pytest.mark.parametrize("who", [LEADER, ADMIN], ids=["leader", "admin"])
def test_grants_of_the_own_municipality_only_pseudonymised_and_audited(demo, who):
    frame = pd.read_parquet(io.BytesIO(raw_file(who, "grants", "parquet", demo.warehouse, demo.appstate)))
    expected = demo.warehouse.query(select(fact_grant.c.grant_key).where(
        fact_grant.c.acting_municipality_code == 479))
    assert sorted(frame["grant_key"]) == sorted(expected["grant_key"])
    assert set(frame["acting_municipality_code"]) == {479}
    # Nothing that names a person or leads straight to the case file leaves: only the pseudonym.
    people = demo.warehouse.query(select(dim_citizen.c.name, dim_citizen.c.masked_cpr, dim_citizen.c.citizen_key))
    assert not {"case_id", "source_grant_id", "name", "cpr"} & set(frame.columns)
    assert set(frame["citizen_key"]) <= set(people["citizen_key"])
    text = frame.astype(str).to_numpy().ravel()
    assert not set(people["name"]) & set(text)
    assert audited(demo, who.username)[-1] == ("extract_raw", f"Bevillinger: {len(frame)} rækker for kommune 479")


def test_every_dataset_stays_inside_the_municipality(demo):
    for name, spec in DATASETS.items():
        frame = pd.read_csv(io.BytesIO(raw_file(LEADER, name, "csv", demo.warehouse, demo.appstate)))
        assert len(frame) > 0, name
        assert set(frame[spec.municipality]) == {479}, name


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.POLITICIAN])
def test_other_roles_get_no_extracts(demo, role):
    who = scope(role, 479, "479:AZ47901", username="extract_refused")
    with pytest.raises(AccessDenied):
        raw_file(who, "grants", "csv", demo.warehouse, demo.appstate)
    with pytest.raises(AccessDenied):
        kpi_file(who, ["K-UBU-PLAC-1000"], "csv", engine=KpiEngine(load_catalogue(), load_groups(), demo.warehouse),
                 appstate=demo.appstate)


@pytest.mark.parametrize("who", [LEADER, ADMIN], ids=["leader", "admin"])
def test_kpi_values_of_all_municipalities_keep_the_engines_disclosure_control(demo, who):
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    start, end = date(2026, 1, 1), date(2026, 10, 1)
    data = kpi_file(who, ["K-UBU-PLAC-NET"], "csv", start, end, "month", engine, demo.appstate)
    frame = pd.read_csv(io.BytesIO(data))
    # Independently: the values a politician of Svendborg sees (aggregates only) for the same KPI and months.
    expected = engine.values(scope(Role.POLITICIAN, 479), "K-UBU-PLAC-NET", None, start, end)
    expected = expected[~((expected["numerator"] == 0) & (expected["denominator"] == 0))]
    assert len(frame) == len(expected) and frame["municipality_code"].nunique() > 1
    assert frame["suppressed"].any()  # the demo has municipalities with too few in network foster care
    assert frame.loc[frame["suppressed"], "value"].isna().all()
    merged = frame.assign(period=pd.to_datetime(frame["period"]).dt.date).merge(
        expected, on=["municipality_code", "period"], suffixes=("", "_engine"))
    assert merged["value"].tolist() == pytest.approx(merged["value_engine"].tolist(), nan_ok=True)
    assert audited(demo, who.username)[-1][0] == "extract_kpi"
