"""Registration practice (F-KOM-REGPRACTICE): the data-quality KPIs per source system, unit and caseworker
in a leader's own municipality, and the grants behind the findings, so they can be put right at the source.

The KPIs count in the acting municipality, from agg_grants_month and agg_dq_month as the catalogue does:
over a period, flagged grants summed over its months against active grants summed over the same months
(K-DQ-MISSING, K-ECO-REIMB-GAP, double payments), and late registrations against grants started
(K-DQ-LATE). Findings are never corrections (F-DATA-NOCORRECT): the registration stays as it was made.
Units and caseworkers are named from dim_caseworker and the rows to fix are person level, so both are a
leader's, for their own municipality only; the rows are audit-logged.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import and_, func, or_, select

from etl.derive import MISSING_FIELD_FLAGS

from .appstate import AppState, current_appstate
from .budget import month_end
from .providers import UNKNOWN, require_own_detail, service_areas
from .scope import UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    agg_dq_month,
    agg_grants_month,
    dim_caseworker,
    dim_citizen,
    dim_provider,
    fact_grant,
    fact_grant_flag,
)

ANY_MISSING = "ANY_MISSING_FIELD"
LATE = "LATE_REGISTRATION"
MISMATCH = "PAYING_MUNICIPALITY_MISMATCH"
DOUBLE_PAYMENT = "DOUBLE_PAYMENT"
FINDINGS = {  # flag code → Danish text, for the rows to fix
    "MISSING_TARGET_GROUP": "Målgruppe mangler",
    "MISSING_PLACEMENT_TYPE": "Anbringelsesform mangler",
    "MISSING_PROVIDER": "Leverandør mangler",
    "MISSING_END_DATE": "Slutdato mangler (betalingerne er stoppet)",
    LATE: "Registreret mere end 30 dage efter start",
    MISMATCH: "Betalingskommunen passer ikke med CPR",
    DOUBLE_PAYMENT: "Mulig dobbeltbetaling",
}
BY = ("source_system", "unit", "caseworker")
SOURCE_NAMES = {"KMD": "KMD Børn og Voksne", "DUBU": "DUBU", "AS2007": "CGI AS2007"}


def practice(scope: UserScope, municipality: int, start: date, end: date, by: str = "source_system",
             area: str | None = None, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """One row per source system, unit or caseworker: active grants (average per month), grants started,
    and in % missing_share (K-DQ-MISSING), late_share (K-DQ-LATE), mismatch_share (K-ECO-REIMB-GAP) and
    double_payment_share; plus the sums each share is built from."""
    require_own_detail(scope, municipality)
    if by not in BY:
        raise ValueError(f"Registreringspraksis kan ikke opdeles efter {by}.")
    warehouse = warehouse or current_warehouse()
    areas = service_areas(area)
    grants, findings = agg_grants_month, agg_dq_month
    months = select(func.count(func.distinct(grants.c.month))).where(grants.c.month.between(start, end))
    active = warehouse.fetch_aggregate(scope, (
        select(grants.c.source_system, grants.c.caseworker_key, func.sum(grants.c.grants_active).label("active"),
               func.sum(grants.c.grants_started).label("started"))
        .where(grants.c.acting_municipality_code == municipality, grants.c.month.between(start, end),
               grants.c.area.in_(areas))
        .group_by(grants.c.source_system, grants.c.caseworker_key)))
    flagged = warehouse.fetch_aggregate(scope, (
        select(findings.c.source_system, findings.c.caseworker_key, findings.c.flag_code,
               func.sum(findings.c.grants_flagged).label("flagged"))
        .where(findings.c.acting_municipality_code == municipality, findings.c.month.between(start, end),
               findings.c.area.in_(areas), findings.c.flag_code.in_([ANY_MISSING, LATE, MISMATCH, DOUBLE_PAYMENT]))
        .group_by(findings.c.source_system, findings.c.caseworker_key, findings.c.flag_code)))
    month_count = int(warehouse.fetch_aggregate(scope, months).iloc[0, 0]) or 1
    wide = flagged.pivot_table(index=["source_system", "caseworker_key"], columns="flag_code", values="flagged",
                               aggfunc="sum").reset_index() if len(flagged) else flagged[["source_system",
                                                                                         "caseworker_key"]]
    frame = active.merge(wide, on=["source_system", "caseworker_key"], how="outer")
    for code in (ANY_MISSING, LATE, MISMATCH, DOUBLE_PAYMENT, "active", "started"):
        frame[code] = frame[code].astype(float).fillna(0) if code in frame else 0.0
    frame = _grouped(warehouse, frame, by)
    share = {"missing_share": (ANY_MISSING, "active"), "late_share": (LATE, "started"),
             "mismatch_share": (MISMATCH, "active"), "double_payment_share": (DOUBLE_PAYMENT, "active")}
    for name, (numerator, denominator) in share.items():
        frame[name] = 100 * frame[numerator] / frame[denominator].where(frame[denominator] > 0)
    frame["active_per_month"] = frame["active"] / month_count
    frame = frame.rename(columns={ANY_MISSING: "missing", LATE: "late", MISMATCH: "mismatch",
                                  DOUBLE_PAYMENT: "double_payment"})
    return frame.sort_values("missing_share", ascending=False, na_position="last").reset_index(drop=True)


def rows_to_fix(scope: UserScope, municipality: int, start: date, end: date, area: str | None = None,
                warehouse: Warehouse | None = None, appstate: AppState | None = None) -> pd.DataFrame:
    """Every finding on a grant the municipality acts on that counts in the period: on a grant active in one of
    its months, a late registration only when the grant started in the period. One row per grant and finding,
    with the registration as it stands (person level, audit-logged)."""
    require_own_detail(scope, municipality)
    warehouse = warehouse or current_warehouse()
    grant, flag = fact_grant, fact_grant_flag
    last_day = month_end(end)
    # etl/derive.grant_months: active on a day of the period; an end before the start never was.
    active = and_(grant.c.start_date <= last_day,
                  or_(grant.c.end_date.is_(None),
                      and_(grant.c.end_date >= start, grant.c.end_date >= grant.c.start_date)))
    counted = or_(flag.c.flag_code != LATE, grant.c.start_date >= start)
    statement = (
        select(grant.c.grant_key, grant.c.source_system, grant.c.source_grant_id, grant.c.case_id,
               grant.c.caseworker_key, dim_caseworker.c.name.label("caseworker_name"), dim_caseworker.c.unit,
               grant.c.citizen_key, dim_citizen.c.name.label("citizen_name"), dim_citizen.c.masked_cpr,
               grant.c.area, grant.c.measure_text, dim_provider.c.name.label("provider_name"),
               grant.c.target_group, grant.c.placement_type_code, grant.c.start_date, grant.c.end_date,
               grant.c.registered_date, flag.c.flag_code, flag.c.detail, flag.c.amount.label("amount_at_stake"))
        .select_from(
            flag.join(grant, grant.c.grant_key == flag.c.grant_key)
            .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == grant.c.caseworker_key)
            .outerjoin(dim_citizen, dim_citizen.c.citizen_key == grant.c.citizen_key)
            .outerjoin(dim_provider, dim_provider.c.provider_key == grant.c.provider_key))
        .where(grant.c.acting_municipality_code == municipality, grant.c.area.in_(service_areas(area)), active,
               counted)
        .order_by(dim_caseworker.c.name, grant.c.case_id, grant.c.grant_key, flag.c.flag_code)
    )
    frame = warehouse.query(statement)
    frame["amount_at_stake"] = frame["amount_at_stake"].astype(float)
    frame["finding"] = frame["flag_code"].map(FINDINGS).fillna(frame["flag_code"])
    frame["missing_field"] = frame["flag_code"].isin(MISSING_FIELD_FLAGS)
    (appstate or current_appstate()).audit(
        scope, "view_registration_rows",
        f"{len(frame)} fund på {frame['grant_key'].nunique()} bevillinger i kommune {municipality}, "
        f"{start:%m-%Y} til {end:%m-%Y}")
    return frame


def _grouped(warehouse: Warehouse, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    sums = ["active", "started", ANY_MISSING, LATE, MISMATCH, DOUBLE_PAYMENT]
    if by == "source_system":
        grouped = frame.groupby("source_system", as_index=False)[sums].sum()
        grouped.insert(0, "key", grouped.pop("source_system"))
        grouped.insert(1, "label", grouped["key"].map(SOURCE_NAMES).fillna(grouped["key"]))
        return grouped
    keys = [k for k in frame["caseworker_key"].unique() if isinstance(k, str)]
    people = warehouse.query(select(dim_caseworker.c.caseworker_key, dim_caseworker.c.name, dim_caseworker.c.unit)
                             .where(dim_caseworker.c.caseworker_key.in_(keys)))
    frame = frame.merge(people, on="caseworker_key", how="left")
    if by == "unit":
        frame["unit"] = frame["unit"].fillna(UNKNOWN)
        grouped = frame.groupby("unit", as_index=False)[sums].sum()
        grouped.insert(0, "key", grouped["unit"])
        grouped.insert(1, "label", grouped.pop("unit"))
        return grouped
    grouped = frame.groupby(["caseworker_key"], as_index=False, dropna=False).agg(
        {**dict.fromkeys(sums, "sum"), "name": "first", "unit": "first"})
    grouped.insert(0, "key", grouped.pop("caseworker_key"))
    grouped.insert(1, "label", grouped.pop("name").fillna(grouped["key"]))
    grouped["unit"] = grouped["unit"].fillna(UNKNOWN)
    return grouped
