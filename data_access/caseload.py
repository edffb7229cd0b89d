"""A caseworker's own cases: grants, rates, spend so far and what is committed to year end.

Person-level data: only a caseworker's own grants in their own municipality ever come
back, whatever the caller asks, and each read is written to the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import case, func, or_, select

from etl.build import DAYS_PER_MONTH  # the ETL's: its forecast aggregate adds up these same dispositions

from .appstate import AppState, current_appstate
from .meta import load_info
from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    dim_citizen,
    dim_legal_basis,
    dim_placement_type,
    dim_provider,
    fact_grant,
    fact_payment,
)


def my_cases(scope: UserScope, warehouse: Warehouse | None = None, appstate: AppState | None = None) -> pd.DataFrame:
    """The caseworker's grants active on the data date, one row per grant."""
    scope.require(Role.CASEWORKER)
    if not scope.caseworker_key:
        raise AccessDenied("Din bruger er ikke knyttet til en sagsbehandler i fagsystemerne. Kontakt din lokale "
                           "administrator.")
    warehouse = warehouse or current_warehouse()
    as_of = load_info(warehouse).data_as_of
    last_day = as_of - timedelta(days=1)
    year_start = date(last_day.year, 1, 1)

    grant = fact_grant
    paid = (
        select(
            fact_payment.c.grant_key,
            func.sum(case((fact_payment.c.period_month >= year_start, fact_payment.c.amount), else_=0)).label(
                "spent_this_year"),
            func.sum(fact_payment.c.amount).label("spent_total"),
        )
        .where(fact_payment.c.municipality_code == scope.municipality_code)
        .group_by(fact_payment.c.grant_key)
        .subquery()
    )
    statement = (
        select(
            grant.c.grant_key, grant.c.case_id, grant.c.citizen_key, dim_citizen.c.name.label("citizen_name"),
            dim_citizen.c.masked_cpr, dim_citizen.c.birth_date, grant.c.measure_text, grant.c.legal_basis_code,
            dim_legal_basis.c.text.label("legal_basis_text"), dim_placement_type.c.name.label("placement_type"),
            dim_provider.c.name.label("provider_name"), grant.c.grant_date, grant.c.start_date, grant.c.end_date,
            grant.c.rate, grant.c.rate_unit, grant.c.fee_count, grant.c.monthly_cost, grant.c.function_code,
            func.coalesce(paid.c.spent_this_year, 0).label("spent_this_year"),
            func.coalesce(paid.c.spent_total, 0).label("spent_total"),
        )
        .select_from(
            grant.join(dim_citizen, dim_citizen.c.citizen_key == grant.c.citizen_key)
            .join(dim_legal_basis, dim_legal_basis.c.legal_basis_code == grant.c.legal_basis_code)
            .outerjoin(dim_placement_type, dim_placement_type.c.placement_type_code == grant.c.placement_type_code)
            .outerjoin(dim_provider, dim_provider.c.provider_key == grant.c.provider_key)
            .outerjoin(paid, paid.c.grant_key == grant.c.grant_key)
        )
        .where(
            grant.c.caseworker_key == scope.caseworker_key,
            grant.c.acting_municipality_code == scope.municipality_code,
            grant.c.start_date <= last_day,
            or_(grant.c.end_date.is_(None), grant.c.end_date >= as_of),
        )
        .order_by(dim_citizen.c.name, grant.c.start_date)
    )
    frame = warehouse.query(statement)
    frame["committed_rest_of_year"] = committed_to_year_end(frame, as_of)
    (appstate or current_appstate()).audit(scope, "view_caseload", f"{len(frame)} bevillinger, "
                                           f"{frame['citizen_key'].nunique()} borgere")
    return frame


def committed_to_year_end(frame: pd.DataFrame, as_of: date) -> pd.Series:
    """The disposition: monthly cost for each remaining day from the data date to 31 December or the grant's end."""
    year_end = pd.Timestamp(date(as_of.year, 12, 31))
    start = pd.Timestamp(as_of)
    ends = pd.to_datetime(frame["end_date"]).fillna(year_end).clip(upper=year_end)
    days = ((ends - start).dt.days + 1).clip(lower=0)
    return (frame["monthly_cost"].astype(float) * days / DAYS_PER_MONTH).round(2).where(days > 0, np.float64(0))
