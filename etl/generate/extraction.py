"""What the source systems show on an extraction date X (data up to X-1), and what changed on one day.

A full delivery shows everything visible on X; a nightly delta for X holds what changed on X-1.
"""

from __future__ import annotations

from datetime import date, timedelta

from .measures import INDEX_PER_YEAR
from .simulation import DAYS_PER_MONTH, Citizen, Grant


def visible(grant: Grant, extraction: date) -> bool:
    return grant.registered < extraction


def shown_end(grant: Grant, extraction: date) -> date | None:
    if grant.end_registered is not None and grant.end_registered < extraction:
        return grant.end
    return grant.planned_end


def end_reason_day(grant: Grant) -> date | None:
    """When the end reason is registered: with the end, but not before the grant has actually ended."""
    if grant.end_reason is None or grant.end_registered is None:
        return None
    return max(grant.end_registered, grant.end)


def end_reason_shown(grant: Grant, extraction: date) -> str | None:
    day = end_reason_day(grant)
    return grant.end_reason if day is not None and day < extraction else None


def adult_need_shown(grant: Grant, extraction: date) -> bool | None:
    """A children's grant shows whether adult need has been assessed (None: an adult grant has no such field)."""
    if grant.spec.area != "children":
        return None
    return grant.need_assessed is not None and grant.need_assessed < extraction


def paying_on(grant: Grant, extraction: date) -> int:
    current = grant.paying[0][1]
    for registered, municipality in grant.paying:
        if registered < extraction:
            current = municipality
    return current


def index_factor(year: int) -> float:
    return (1 + INDEX_PER_YEAR) ** (year - 2025)


def monthly_cost(grant: Grant, year: int) -> float:
    return round(grant.monthly_cost_2025 * index_factor(year), 2)


def daily_rate(grant: Grant, year: int) -> float:
    return round(grant.monthly_cost_2025 * index_factor(year) / DAYS_PER_MONTH, 2)


def rate_shown(grant: Grant, extraction: date) -> float:
    """The rate on the system's last day with data, or on the grant's last day if it has ended."""
    day = extraction - timedelta(days=1)
    end = shown_end(grant, extraction)
    if end is not None and end < day:
        day = end
    year = max(day, grant.start).year
    return daily_rate(grant, year) if grant.spec.daily_rate else monthly_cost(grant, year)


def changed_on(grant: Grant, day: date) -> bool:
    """Did the grant's record change in the case system on ``day``? (New, ended, re-paid, or re-indexed.)"""
    if grant.registered > day:
        return False
    if day in (grant.registered, grant.end_registered, end_reason_day(grant), grant.need_assessed) \
            or any(r == day for r, _ in grant.paying[1:]):
        return True
    return day.month == 1 and day.day == 1 and grant.active_on(day)


def first_seen(grants: list[Grant]) -> dict[str, date]:
    """The day each citizen first appears in a case system (and so in the CPR extract, with parents)."""
    seen: dict[str, date] = {}
    for grant in grants:
        for person in (grant.citizen, *grant.citizen.parents):
            if person.cpr not in seen or grant.registered < seen[person.cpr]:
                seen[person.cpr] = grant.registered
    return seen


def moves_on(citizen: Citizen, day: date) -> bool:
    return any(moved_in == day for moved_in, _ in citizen.residence[1:])
