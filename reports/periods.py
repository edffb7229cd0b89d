"""Which periods a report covers, from its filters and the months the warehouse has."""

from __future__ import annotations

from datetime import date

import pandas as pd

from locale_da import month_name

MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def parse_month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, granularity: str) -> date:
    size = MONTHS_IN[granularity]
    return date(day.year, (day.month - 1) // size * size + 1, 1)


def last_month(period: date, granularity: str) -> date:
    """The last month of the month, quarter or year that begins with ``period``."""
    return add_months(period, MONTHS_IN[granularity] - 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def chosen_months(filters: dict, first: date, last: date) -> tuple[date, date]:
    """The first and last month the filters ask for, inside the months covered (first..last)."""
    end = min(parse_month(filters["period_to"]), last) if filters.get("period_to") else last
    if filters.get("last_months"):
        start = add_months(end, 1 - int(filters["last_months"]))
    elif filters.get("period_from"):
        start = parse_month(filters["period_from"])
    else:
        start = first
    return max(start, first), end


def whole_periods(start: date, end: date, granularity: str, last: date, first: date | None = None) -> list[date]:
    """The first months of the periods from the one holding ``start`` to the last one that is complete
    by ``last`` (a quarter whose last month has no data yet would compare part of it with whole ones);
    with ``first``, the first month with data, a period that began before it is left out for the same reason."""
    periods, current = [], period_start(start, granularity)
    while current <= end and last_month(current, granularity) <= last:
        if first is None or current >= first:
            periods.append(current)
        current = add_months(current, MONTHS_IN[granularity])
    return periods


def period_text(period: date, granularity: str) -> str:
    """oktober 2026, 3. kvartal 2026 or 2026: how a reader names a period."""
    if granularity == "year":
        return str(period.year)
    if granularity == "quarter":
        return f"{(period.month - 1) // 3 + 1}. kvartal {period.year}"
    return month_name(period)


def as_date(value) -> date:
    return pd.Timestamp(value).date()
