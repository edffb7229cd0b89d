"""The paying-municipality check (F-UBV-PAYMUNI): a caseworker's own grants where CPR's residence history points
to another paying municipality than the one registered, with the money at stake.

The findings are the ETL's (fact_grant_flag, PAYING_MUNICIPALITY_MISMATCH: where the citizen, for a child the
mother, else the father, lived on the grant's last day or the data date; the amount is what was paid on the grant
since they moved there). Beside each we show the CPR residence it rests on. Person-level data: only the
caseworker's own grants; each read is written to the audit log.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import select

from .appstate import AppState, current_appstate
from .caseload import own_grants, require_caseworker
from .meta import load_info
from .scope import UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    dim_citizen,
    dim_municipality,
    fact_grant,
    fact_grant_flag,
    fact_relation,
    fact_residence,
)

FLAG = "PAYING_MUNICIPALITY_MISMATCH"
RESIDENT_LABELS = {"self": "Borgeren", "MOR": "Mor", "FAR": "Far"}


def paying_municipality_check(scope: UserScope, warehouse: Warehouse | None = None,
                              appstate: AppState | None = None) -> pd.DataFrame:
    """One row per own grant with a paying-municipality finding, the most money at stake first.

    Columns: grant_key, citizen_key, name, masked_cpr, measure_text, legal_basis_code, start_date, end_date,
    registered_paying (name), registered_paying_code, amount_at_stake, detail (the ETL's), resident (whose address
    decides), residence (municipality name), residence_code, moved_in, direction: ``recover`` (we pay, CPR points
    elsewhere: claim the money back), ``owe`` (another municipality pays, CPR points to us) or ``other``.
    """
    require_caseworker(scope)
    warehouse = warehouse or current_warehouse()
    last_day = load_info(warehouse).data_as_of - timedelta(days=1)
    paying = dim_municipality.alias("paying")
    statement = (
        select(fact_grant.c.grant_key, fact_grant.c.citizen_key, dim_citizen.c.name, dim_citizen.c.masked_cpr,
               fact_grant.c.area, fact_grant.c.measure_text, fact_grant.c.legal_basis_code, fact_grant.c.start_date,
               fact_grant.c.end_date, paying.c.name.label("registered_paying"),
               fact_grant.c.paying_municipality_code.label("registered_paying_code"),
               fact_grant_flag.c.amount.label("amount_at_stake"), fact_grant_flag.c.detail)
        .select_from(fact_grant_flag.join(fact_grant, fact_grant.c.grant_key == fact_grant_flag.c.grant_key)
                     .join(dim_citizen, dim_citizen.c.citizen_key == fact_grant.c.citizen_key)
                     .outerjoin(paying, paying.c.municipality_code == fact_grant.c.paying_municipality_code))
        .where(fact_grant_flag.c.flag_code == FLAG, *own_grants(scope))
        .order_by(fact_grant_flag.c.amount.desc(), fact_grant.c.grant_key)
    )
    findings = warehouse.query(statement)
    findings = findings.merge(_evidence(findings, last_day, warehouse), on="grant_key", how="left")
    findings["residence_code"] = findings["residence_code"].astype("Int64")
    findings["direction"] = [_direction(scope.municipality_code, registered, residence) for registered, residence
                             in zip(findings["registered_paying_code"], findings["residence_code"], strict=True)]
    (appstate or current_appstate()).audit(scope, "view_paying_municipality",
                                           f"{len(findings)} bevillinger med anden betalingskommune ifølge CPR")
    return findings


def _direction(own: int, registered: int, residence) -> str:
    if pd.isna(residence):
        return "other"
    if registered == own and residence != own:
        return "recover"
    if registered != own and residence == own:
        return "owe"
    return "other"


def _evidence(findings: pd.DataFrame, last_day, warehouse: Warehouse) -> pd.DataFrame:
    """Whose address decides (for a child the mother, else the father, else the child), and where they lived
    on the grant's last day (or the day before the data date, if it is still running)."""
    columns = ["grant_key", "resident", "residence_code", "residence", "moved_in"]
    if findings.empty:
        return pd.DataFrame(columns=columns)
    citizens = findings["citizen_key"].unique().tolist()
    parents = warehouse.query(select(fact_relation.c.child_key, fact_relation.c.parent_key, fact_relation.c.relation)
                              .where(fact_relation.c.child_key.in_(citizens)))
    chosen = {}
    for child, rows in parents.groupby("child_key"):
        for relation in ("MOR", "FAR"):
            keys = sorted(rows.loc[rows["relation"] == relation, "parent_key"])
            if keys:
                chosen[child] = (keys[0], relation)
                break
    residents = findings[["grant_key", "citizen_key", "area", "end_date"]].copy()
    residents[["resident_key", "resident"]] = [
        chosen.get(key, (key, "self")) if area == "children" else (key, "self")
        for key, area in zip(residents["citizen_key"], residents["area"], strict=True)]
    residents["day"] = pd.to_datetime(residents["end_date"]).fillna(pd.Timestamp(last_day)).clip(
        upper=pd.Timestamp(last_day))
    addresses = warehouse.query(
        select(fact_residence.c.citizen_key.label("resident_key"), fact_residence.c.moved_in,
               fact_residence.c.moved_out, fact_residence.c.municipality_code.label("residence_code"),
               dim_municipality.c.name.label("residence"))
        .select_from(fact_residence.outerjoin(
            dim_municipality, dim_municipality.c.municipality_code == fact_residence.c.municipality_code))
        .where(fact_residence.c.citizen_key.in_(residents["resident_key"].unique().tolist())))
    lived = residents.merge(addresses, on="resident_key")
    lived = lived[(pd.to_datetime(lived["moved_in"]) <= lived["day"])
                  & (lived["moved_out"].isna() | (pd.to_datetime(lived["moved_out"]) >= lived["day"]))]
    lived = lived.sort_values("moved_in").drop_duplicates("grant_key", keep="last")
    lived["resident"] = lived["resident"].map(RESIDENT_LABELS)
    return lived[columns]
