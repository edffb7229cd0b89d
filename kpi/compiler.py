"""Compile a KPI definition into one SQLAlchemy Core statement.

The statement returns one row per municipality and month of a spine (every requested
municipality × every month in the warehouse), so a month with no placements shows a
numerator of 0 rather than disappearing. Numerator and denominator are summed
separately, per municipality and month, and only then divided. A quarter or a year combines
each side's months as its measure says (average, sum, last month or full-year persons) before
dividing; a period the warehouse covers only in part rests on the months it has. A count KPI (no
denominator) divides by 1 for each municipality with population figures in the month. Two sides on
the same fact are summed in one scan of its table (each side's filter on its own sum).

``compile_sides`` gives only the sums behind a month's figures, where there are any; the engine lays
them on the spine itself (kpi/grid.py), which on a sparse KPI costs a fraction of joining it in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    CompoundSelect,
    Date,
    Double,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from data_access.warehouse_schema import agg_population_month, dim_month, dim_municipality, metadata

from .catalogue import Catalogue, Kpi, Side


def compile_values(catalogue: Catalogue, kpi: Kpi, municipalities: Sequence[int] | None = None,
                   start: date | None = None, end: date | None = None, granularity: str = "month",
                   ordered: bool = True) -> Select:
    """Rows of (municipality_code, period, numerator, denominator, value) for ``kpi``; ``period`` is the
    first day of the month, quarter or year. Ordered by municipality and period unless ``ordered`` is False
    (the engine orders the rows itself: on a few thousand rows DuckDB's sort costs more than the query)."""
    if granularity == "month":
        statement = _monthly(catalogue, kpi, municipalities, start, end, with_days=False)
        spine = statement.selected_columns
        return statement.order_by(spine.municipality_code, spine.period) if ordered else statement
    monthly = _monthly(catalogue, kpi, municipalities, start, end).subquery("monthly")
    return _over_periods(catalogue, kpi, monthly, granularity, ordered)


def compile_sides(catalogue: Catalogue, kpi: Kpi, municipalities: Sequence[int] | None = None,
                  start: date | None = None, end: date | None = None) -> Select | CompoundSelect:
    """Rows of (municipality_code, period, numerator_total, denominator_total) per month, each total as a double,
    for the municipalities and months with rows on either side (no spine, in no order); a side without rows in
    a month is NULL there. ``compile_values`` by month is these sums on the spine, a full-year side divided by
    the month's days (kpi/grid.py does that)."""
    def doubles(side, numerator_total, denominator_total) -> Select:
        return select(side.c.municipality_code, side.c.period, cast(numerator_total, Double).label("numerator_total"),
                      cast(denominator_total, Double).label("denominator_total"))

    numerator, denominator = _sums(catalogue, kpi, municipalities, start, end)
    if denominator is None:
        both = numerator.subquery("sides")
        return doubles(both, both.c.numerator_total, both.c.denominator_total)
    numerator, denominator = numerator.subquery("numerator_side"), denominator.subquery("denominator_side")
    # Each side has one row per municipality and month: stacked, not joined, and added up on the spine.
    return union_all(doubles(numerator, numerator.c.total, null()), doubles(denominator, null(), denominator.c.total))


def _sums(catalogue: Catalogue, kpi: Kpi, municipalities: Sequence[int] | None, start: date | None,
          end: date | None) -> tuple[Select, Select | None]:
    """Each side's sums per municipality and month: one statement for both (``numerator_total``,
    ``denominator_total``) and None when they share a fact, else one each (``total``)."""
    if not kpi.is_count and kpi.numerator.fact == kpi.denominator.fact:
        return _both_sides(catalogue, kpi, municipalities, start, end), None
    return (_side(catalogue, kpi, kpi.numerator, municipalities, start, end),
            _municipalities_with_data(municipalities, start, end) if kpi.is_count
            else _side(catalogue, kpi, kpi.denominator, municipalities, start, end))


def _monthly(catalogue: Catalogue, kpi: Kpi, municipalities: Sequence[int] | None,
             start: date | None, end: date | None, with_days: bool = True) -> Select:
    spine_filters = []
    if municipalities is not None:
        spine_filters.append(dim_municipality.c.municipality_code.in_(list(municipalities)))
    month_filters = []
    if start is not None:
        month_filters.append(dim_month.c.month >= start)
    if end is not None:
        month_filters.append(dim_month.c.month <= end)

    numerator, denominator = _sums(catalogue, kpi, municipalities, start, end)
    if denominator is None:
        numerator = denominator = numerator.cte("sides")
        numerator_total, denominator_total = numerator.c.numerator_total, numerator.c.denominator_total
    else:
        numerator, denominator = numerator.cte("numerator_side"), denominator.cte("denominator_side")
        numerator_total, denominator_total = numerator.c.total, denominator.c.total
    spine = (
        select(dim_municipality.c.municipality_code, dim_month.c.month.label("period"),
               dim_month.c.days_in_month)
        .select_from(dim_municipality.join(dim_month, literal(True)))
        .where(*spine_filters, *month_filters)
        .cte("spine")
    )
    num = _per_month(catalogue, kpi.numerator, cast(func.coalesce(numerator_total, 0), Double), spine)
    den = _per_month(catalogue, kpi.denominator, cast(func.coalesce(denominator_total, 0), Double), spine)
    value = case((den != 0, num * kpi.scale / den), else_=None)
    days = [spine.c.days_in_month] if with_days else []  # what a quarter or a year weighs its months by
    return (
        select(
            spine.c.municipality_code,
            spine.c.period,
            *days,
            num.label("numerator"),
            den.label("denominator"),
            value.label("value"),
        )
        .select_from(_joined(spine, numerator, denominator))
    )


def _joined(spine, numerator, denominator):
    def on(side):
        return and_(side.c.municipality_code == spine.c.municipality_code, side.c.period == spine.c.period)

    joined = spine.outerjoin(numerator, on(numerator))
    return joined if denominator is numerator else joined.outerjoin(denominator, on(denominator))


def over_time(catalogue: Catalogue, side: Side) -> str:
    return catalogue.facts[side.fact].measures[side.measure].over_time if side.fact else "average"


def _per_month(catalogue: Catalogue, side: Side, total, spine):
    """A full-year measure counts days: a month's full-year persons are its person-days over its days."""
    if over_time(catalogue, side) == "full_year":
        return total / cast(spine.c.days_in_month, Double)
    return total


def _over_periods(catalogue: Catalogue, kpi: Kpi, monthly, granularity: str, ordered: bool) -> Select:
    # A date on both engines (PostgreSQL's date_trunc of a date is a timestamp with time zone).
    bucket = cast(func.date_trunc(granularity, monthly.c.period), Date)
    ranked = select(
        monthly.c.municipality_code, monthly.c.period, monthly.c.numerator, monthly.c.denominator,
        monthly.c.days_in_month, bucket.label("bucket"),
        func.max(monthly.c.period).over(partition_by=[monthly.c.municipality_code, bucket]).label("last_month"),
    ).subquery("ranked")

    def combined(side: Side, column):
        how = over_time(catalogue, side)
        if how == "full_year":  # Σ person-days / Σ days, from the months' full-year persons
            days = cast(ranked.c.days_in_month, Double)
            return func.sum(column * days) / func.sum(days)
        if how == "sum":
            return func.sum(column)
        if how == "last":
            return func.sum(case((ranked.c.period == ranked.c.last_month, column), else_=0))
        return func.avg(column)

    num = cast(combined(kpi.numerator, ranked.c.numerator), Double)
    den = cast(combined(kpi.denominator, ranked.c.denominator), Double)
    value = case((den != 0, num * kpi.scale / den), else_=None)
    statement = (
        select(ranked.c.municipality_code, ranked.c.bucket.label("period"), num.label("numerator"),
               den.label("denominator"), value.label("value"))
        .group_by(ranked.c.municipality_code, ranked.c.bucket)
    )
    return statement.order_by(ranked.c.municipality_code, ranked.c.bucket) if ordered else statement


def _side(catalogue: Catalogue, kpi: Kpi, side: Side, municipalities: Sequence[int] | None,
          start: date | None, end: date | None) -> Select:
    fact = catalogue.facts[side.fact]
    table = metadata.tables[fact.table]
    municipality = table.c[fact.municipality_column(kpi.municipality_basis)]
    conditions = [_condition(table.c[column], rule) for column, rule in side.where.items()]
    measure = table.c[fact.measures[side.measure].column]
    return (
        select(municipality.label("municipality_code"), table.c.month.label("period"), func.sum(measure).label("total"))
        .where(*conditions, *_scope_conditions(municipality, table.c.month, municipalities, start, end))
        .group_by(municipality, table.c.month)
    )


def _both_sides(catalogue: Catalogue, kpi: Kpi, municipalities: Sequence[int] | None,
                start: date | None, end: date | None) -> Select:
    """Numerator and denominator on the same fact, per municipality and month, in one scan: rows that either
    side's filter takes, each side summing only its own (the same sums as two scans)."""
    fact = catalogue.facts[kpi.numerator.fact]
    table = metadata.tables[fact.table]
    municipality = table.c[fact.municipality_column(kpi.municipality_basis)]
    numerator, denominator = kpi.numerator, kpi.denominator
    shared = numerator.where == denominator.where

    def filters(side: Side) -> list:
        return [_condition(table.c[column], rule) for column, rule in side.where.items()]

    def total(side: Side, label: str):
        measure = func.sum(table.c[fact.measures[side.measure].column])
        return (measure if shared or not side.where else measure.filter(and_(*filters(side)))).label(label)

    if shared:
        conditions = filters(numerator)
    elif numerator.where and denominator.where:
        conditions = [or_(and_(true(), *filters(numerator)), and_(true(), *filters(denominator)))]
    else:  # one side takes every row
        conditions = []
    return (
        select(municipality.label("municipality_code"), table.c.month.label("period"),
               total(numerator, "numerator_total"), total(denominator, "denominator_total"))
        .where(*conditions, *_scope_conditions(municipality, table.c.month, municipalities, start, end))
        .group_by(municipality, table.c.month)
    )


def _scope_conditions(municipality, period, municipalities: Sequence[int] | None, start: date | None,
                      end: date | None) -> list:
    conditions = []
    if municipalities is not None:
        conditions.append(municipality.in_(list(municipalities)))
    if start is not None:
        conditions.append(period >= start)
    if end is not None:
        conditions.append(period <= end)
    return conditions


def _municipalities_with_data(municipalities: Sequence[int] | None, start: date | None,
                              end: date | None) -> Select:
    """1 per municipality and month with population figures: the denominator of a count KPI."""
    table = agg_population_month
    conditions = []
    if municipalities is not None:
        conditions.append(table.c.municipality_code.in_(list(municipalities)))
    if start is not None:
        conditions.append(table.c.month >= start)
    if end is not None:
        conditions.append(table.c.month <= end)
    return (select(table.c.municipality_code, table.c.month.label("period"), literal(1).label("total"))
            .where(*conditions).group_by(table.c.municipality_code, table.c.month))


def _condition(column, rule):
    if isinstance(rule, dict):
        low, high = rule["between"]
        return column.between(low, high)
    if isinstance(rule, list):
        return column.in_(rule)
    return column == rule
