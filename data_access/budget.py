"""The fact-based budget (F-KOM-FACTBUDGET) for a leader's own municipality.

At the end of a month: what has been spent so far this year, what the active grants commit to
31 December (the disposition, rounded per grant as the caseworker sees it), their sum against the
year's corrected budget, per account function (5.28.xx, 5.38.xx). The figures are the ETL's
agg_forecast_month, agg_spend_month and agg_budget_month, so they add up to K-ECO-DISPOSED,
K-ECO-FORECAST-USE and K-ECO-OVERUNDER.

Two reads go below the aggregates, and so are a leader's, for their own municipality only: the
month-by-month path of the commitments to year end (for the forecast chart; sums, no persons), and
the grants driving over-use (person level, audit-logged).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Date, and_, case, column, func, literal, or_, select, values

from etl.build import DAYS_PER_MONTH  # the ETL's: agg_forecast_month adds up these same dispositions

from .appstate import AppState, current_appstate
from .providers import require_own_detail, service_areas
from .scope import UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    agg_budget_month,
    agg_forecast_month,
    agg_spend_month,
    dim_account_function,
    dim_caseworker,
    dim_citizen,
    dim_provider,
    fact_grant,
    fact_payment,
)


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def by_function(scope: UserScope, municipality: int, month: date, area: str | None = None,
                warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Per account function at the end of ``month``: spent_ytd, committed, forecast, budget, over_budget and
    forecast_use (forecast in % of the budget)."""
    require_own_detail(scope, municipality)
    warehouse = warehouse or current_warehouse()
    forecast, spend, budget = agg_forecast_month, agg_spend_month, agg_budget_month

    def same_cell(table):
        return and_(table.c.month == forecast.c.month, table.c.municipality_code == forecast.c.municipality_code,
                    table.c.function_code == forecast.c.function_code)

    statement = (
        select(forecast.c.function_code, dim_account_function.c.name, forecast.c.area,
               func.coalesce(spend.c.amount_ytd, 0).label("spent_ytd"),
               forecast.c.committed_rest_of_year.label("committed"), forecast.c.forecast_year.label("forecast"),
               func.coalesce(budget.c.budget_full_year, 0).label("budget"),
               forecast.c.forecast_over_budget.label("over_budget"))
        .select_from(forecast.join(dim_account_function,
                                   dim_account_function.c.function_code == forecast.c.function_code)
                     .outerjoin(spend, same_cell(spend)).outerjoin(budget, same_cell(budget)))
        .where(forecast.c.municipality_code == municipality, forecast.c.month == month,
               forecast.c.area.in_(service_areas(area)))
        .order_by(forecast.c.function_code)
    )
    frame = warehouse.fetch_aggregate(scope, statement)
    for name in ("spent_ytd", "committed", "forecast", "budget", "over_budget"):
        frame[name] = frame[name].astype(float)
    frame["forecast_use"] = 100 * frame["forecast"] / frame["budget"].where(frame["budget"] != 0)
    return frame


def forecast_path(scope: UserScope, municipality: int, month: date, area: str | None = None,
                  warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Every month of ``month``'s year: ``actual`` cumulative spend up to ``month``, then ``forecast``: the spend
    so far plus what the grants active at its end commit up to each later month's end (so December's is the
    year's forecast), with ``budget`` (the year's corrected budget) and ``budget_pro_rata``."""
    require_own_detail(scope, municipality)
    warehouse = warehouse or current_warehouse()
    areas = service_areas(area)
    year_months = [date(month.year, m, 1) for m in range(1, 13)]
    spend, budget = agg_spend_month, agg_budget_month
    actual = warehouse.fetch_aggregate(scope, (
        select(spend.c.month, func.sum(spend.c.amount_ytd).label("actual"))
        .where(spend.c.municipality_code == municipality, spend.c.month.between(year_months[0], month),
               spend.c.area.in_(areas))
        .group_by(spend.c.month)))
    budgeted = warehouse.fetch_aggregate(scope, (
        select(func.sum(budget.c.budget_full_year).label("budget"))
        .where(budget.c.municipality_code == municipality, budget.c.month == month, budget.c.area.in_(areas))))
    committed = _commitment_path(warehouse, municipality, month, areas)
    frame = pd.DataFrame({"month": pd.to_datetime(year_months)})
    frame = frame.merge(actual.assign(month=pd.to_datetime(actual["month"])), on="month", how="left")
    frame = frame.merge(committed.assign(month=pd.to_datetime(committed["month"])), on="month", how="left")
    frame["actual"] = frame["actual"].astype(float)
    spent = float(frame.loc[frame["month"] == pd.Timestamp(month), "actual"].fillna(0).sum())
    later = frame["month"] > pd.Timestamp(month)
    frame["forecast"] = (spent + frame["committed"].astype(float).fillna(0)).where(later)
    frame.loc[frame["month"] == pd.Timestamp(month), "forecast"] = spent  # the forecast line starts at today
    frame.loc[later, "actual"] = float("nan")
    full_year = float(budgeted.iloc[0, 0] or 0)
    frame["budget"] = full_year
    frame["budget_pro_rata"] = full_year * frame["month"].dt.month / 12
    return frame[["month", "actual", "forecast", "budget", "budget_pro_rata"]]


def overuse_drivers(scope: UserScope, municipality: int, month: date, area: str | None = None, limit: int = 50,
                    warehouse: Warehouse | None = None, appstate: AppState | None = None) -> pd.DataFrame:
    """The grants paid more this year, up to the end of ``month``, than their registered rate gives for the days
    they were active (``over_expected``), largest first: the citizens behind an over-use. Person level, for a
    leader's own municipality, audit-logged. The forecast adds the disposition to 31 December."""
    require_own_detail(scope, municipality)
    warehouse = warehouse or current_warehouse()
    year_start, last_day = date(month.year, 1, 1), month_end(month)
    year_end = date(month.year, 12, 31)
    grant, payment = fact_grant, fact_payment
    paid = (
        select(payment.c.grant_key, func.sum(payment.c.amount).label("spent_ytd"))
        .where(payment.c.municipality_code == municipality, payment.c.period_month.between(year_start, month))
        .group_by(payment.c.grant_key)
        .subquery("paid")
    )
    first_day = func.greatest(grant.c.start_date, year_start)
    last_active = func.least(func.coalesce(grant.c.end_date, last_day), last_day)
    days_this_year = func.greatest(last_active - first_day + 1, 0)  # date - date: days, on both engines
    active_at_end = and_(grant.c.start_date <= last_day,
                         or_(grant.c.end_date.is_(None), grant.c.end_date > last_day))
    days_left = func.least(func.coalesce(grant.c.end_date, year_end), year_end) - last_day
    committed = case((active_at_end, func.round(grant.c.monthly_cost * days_left / DAYS_PER_MONTH, 2)), else_=0)
    statement = (
        select(grant.c.grant_key, grant.c.case_id, grant.c.citizen_key, dim_citizen.c.name.label("citizen_name"),
               dim_citizen.c.masked_cpr, dim_caseworker.c.name.label("caseworker_name"), dim_caseworker.c.unit,
               grant.c.function_code, grant.c.measure_text, dim_provider.c.name.label("provider_name"),
               grant.c.start_date, grant.c.end_date, grant.c.monthly_cost, paid.c.spent_ytd,
               func.round(grant.c.monthly_cost * days_this_year / DAYS_PER_MONTH, 2).label("expected_ytd"),
               committed.label("committed"))
        .select_from(
            grant.join(paid, paid.c.grant_key == grant.c.grant_key)
            .join(dim_account_function, dim_account_function.c.function_code == grant.c.function_code)
            .outerjoin(dim_citizen, dim_citizen.c.citizen_key == grant.c.citizen_key)
            .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == grant.c.caseworker_key)
            .outerjoin(dim_provider, dim_provider.c.provider_key == grant.c.provider_key))
        .where(grant.c.paying_municipality_code == municipality,
               dim_account_function.c.area.in_(service_areas(area)))
    )
    frame = warehouse.query(statement)
    for name in ("monthly_cost", "spent_ytd", "expected_ytd", "committed"):
        frame[name] = frame[name].astype(float)
    frame["over_expected"] = frame["spent_ytd"] - frame["expected_ytd"]
    frame["forecast"] = frame["spent_ytd"] + frame["committed"]
    frame = (frame[frame["over_expected"] > 0].sort_values("over_expected", ascending=False)
             .head(limit).reset_index(drop=True))
    (appstate or current_appstate()).audit(
        scope, "view_budget_overuse",
        f"{len(frame)} bevillinger, {frame['citizen_key'].nunique()} borgere i kommune {municipality}, "
        f"{month:%m-%Y}")
    return frame


def _commitment_path(warehouse: Warehouse, municipality: int, month: date, areas: tuple[str, ...]) -> pd.DataFrame:
    """Per later month of the year: what the grants active at ``month``'s end commit up to that month's end,
    rounded per grant as agg_forecast_month rounds the whole rest of the year (so December's sum is its)."""
    last_day, year_end = month_end(month), date(month.year, 12, 31)
    later = [date(month.year, m, 1) for m in range(month.month + 1, 13)]
    if not later:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "committed": pd.Series(dtype=float)})
    ends = values(column("month", Date), column("until", Date), name="later_months").data(
        [(m, month_end(m)) for m in later])
    grant = fact_grant
    until = func.least(func.coalesce(grant.c.end_date, year_end), year_end, ends.c.until)
    days = func.greatest(until - last_day, 0)
    statement = (
        select(ends.c.month, func.sum(func.round(grant.c.monthly_cost * days / DAYS_PER_MONTH, 2)).label("committed"))
        .select_from(grant.join(ends, literal(True))
                     .join(dim_account_function, dim_account_function.c.function_code == grant.c.function_code))
        .where(grant.c.paying_municipality_code == municipality, grant.c.start_date <= last_day,
               or_(grant.c.end_date.is_(None), grant.c.end_date > last_day),
               dim_account_function.c.area.in_(areas))
        .group_by(ends.c.month)
    )
    return warehouse.query(statement)
