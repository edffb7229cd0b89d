"""A caseworker's own cases: grants, rates, spend so far, what is committed to year end, and over- or under-use.

Person-level data: only a caseworker's own grants in their own municipality ever come back,
whatever the caller asks, and each read is written to the audit log. The area's totals beside them
come from the nightly aggregates only (no other persons).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Select, case, func, or_, select

from etl.build import DAYS_PER_MONTH  # the ETL's: its forecast aggregate adds up these same dispositions

from .appstate import AppState, current_appstate
from .meta import load_info
from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    agg_budget_month,
    agg_forecast_month,
    agg_spend_month,
    dim_account_function,
    dim_citizen,
    dim_legal_basis,
    dim_placement_type,
    dim_provider,
    fact_grant,
    fact_payment,
)

# Sidebar areas that narrow a case list; the others (economy, effect, data quality) keep every case.
GRANT_AREAS = ("children", "adults")


def require_caseworker(scope: UserScope) -> None:
    """A caseworker with an identity in the case systems; anyone else is refused (Danish message)."""
    scope.require(Role.CASEWORKER)
    if not scope.caseworker_key:
        raise AccessDenied("Din bruger er ikke knyttet til en sagsbehandler i fagsystemerne. Kontakt din lokale "
                           "administrator.")


def own_grants(scope: UserScope) -> list:
    """Conditions on fact_grant that keep the caseworker's own grants in their own municipality."""
    return [fact_grant.c.caseworker_key == scope.caseworker_key,
            fact_grant.c.acting_municipality_code == scope.municipality_code]


def own_citizens(scope: UserScope) -> Select:
    """The citizens a caseworker may look up: everyone they have (or had) a grant for in their municipality."""
    require_caseworker(scope)
    return select(fact_grant.c.citizen_key).where(*own_grants(scope)).distinct()


def my_cases(scope: UserScope, warehouse: Warehouse | None = None, appstate: AppState | None = None, *,
             area: str | None = None) -> pd.DataFrame:
    """The caseworker's grants active on the data date, one row per grant (only ``area``'s if it is
    children or adults)."""
    require_caseworker(scope)
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
            *own_grants(scope),
            grant.c.start_date <= last_day,
            or_(grant.c.end_date.is_(None), grant.c.end_date >= as_of),
        )
        .order_by(dim_citizen.c.name, grant.c.start_date)
    )
    if area in GRANT_AREAS:
        statement = statement.where(grant.c.area == area)
    frame = warehouse.query(statement)
    frame["committed_rest_of_year"] = committed_to_year_end(frame, as_of)
    frame["expected_this_year"] = expected_so_far(frame, as_of)
    frame["over_under_use"] = (frame["spent_this_year"].astype(float) - frame["expected_this_year"]).round(2)
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


def expected_so_far(frame: pd.DataFrame, as_of: date) -> pd.Series:
    """What the grant should have cost this year up to the data date: the monthly cost for each day it was active
    from 1 January (or its start) to the day before the data date (or its end). Spend above it is over-use."""
    last_day = pd.Timestamp(as_of - timedelta(days=1))
    year_start = pd.Timestamp(date(last_day.year, 1, 1))
    starts = pd.to_datetime(frame["start_date"]).clip(lower=year_start)
    ends = pd.to_datetime(frame["end_date"]).fillna(last_day).clip(upper=last_day)
    days = ((ends - starts).dt.days + 1).clip(lower=0)
    return (frame["monthly_cost"].astype(float) * days / DAYS_PER_MONTH).round(2)


def area_totals(scope: UserScope, function_codes: list[str], warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The own municipality's figures for the account functions a caseworker's grants are booked on, from the
    aggregates at the last complete month: spend so far this year, committed to 31 December and the budget.

    Columns: function_code, function_name, spent_this_year, committed_rest_of_year, budget_full_year.
    """
    require_caseworker(scope)
    warehouse = warehouse or current_warehouse()
    month = load_info(warehouse).last_complete_month
    own = scope.municipality_code

    def summed(table, column, municipality_column="municipality_code"):
        return (select(table.c.function_code, func.sum(table.c[column]).label(column))
                .where(table.c.month == month, table.c[municipality_column] == own,
                       table.c.function_code.in_(function_codes))
                .group_by(table.c.function_code).subquery())

    spend = summed(agg_spend_month, "amount_ytd")
    committed = summed(agg_forecast_month, "committed_rest_of_year")
    budget = summed(agg_budget_month, "budget_full_year")
    functions = dim_account_function
    statement = (
        select(functions.c.function_code, functions.c.name.label("function_name"),
               func.coalesce(spend.c.amount_ytd, 0).label("spent_this_year"),
               func.coalesce(committed.c.committed_rest_of_year, 0).label("committed_rest_of_year"),
               func.coalesce(budget.c.budget_full_year, 0).label("budget_full_year"))
        .select_from(functions.outerjoin(spend, spend.c.function_code == functions.c.function_code)
                     .outerjoin(committed, committed.c.function_code == functions.c.function_code)
                     .outerjoin(budget, budget.c.function_code == functions.c.function_code))
        .where(functions.c.function_code.in_(function_codes))
        .order_by(functions.c.function_code)
    )
    return warehouse.fetch_aggregate(scope, statement)
