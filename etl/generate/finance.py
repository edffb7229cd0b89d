"""Money: monthly payment postings per grant and budgets per account function and year."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from etl.dates import days_in_month, month_end, months_between, overlap_days

from .measures import INDEX_PER_YEAR
from .simulation import DAYS_PER_MONTH, Grant


@dataclass(frozen=True)
class Posting:
    posting_date: date
    account: str
    art: str
    amount: float
    cpr: str
    system: str
    reference: str
    text: str


def index_factor(year: int) -> float:
    return (1 + INDEX_PER_YEAR) ** (year - 2025)


def monthly_cost(grant: Grant, year: int) -> float:
    return round(grant.monthly_cost_2025 * index_factor(year), 2)


def daily_rate(grant: Grant, year: int) -> float:
    return round(grant.monthly_cost_2025 * index_factor(year) / DAYS_PER_MONTH, 2)


def rate_on(grant: Grant, day: date) -> float:
    """The rate as the case system shows it on ``day``: per day or per month."""
    return daily_rate(grant, day.year) if grant.spec.daily_rate else monthly_cost(grant, day.year)


def postings(grant: Grant, system: str, reference: str, window_start: date, as_of: date) -> list[Posting]:
    """One posting per month of service, paid in advance; months before registration are caught up later."""
    if grant.registered >= as_of:
        return []
    last_day = as_of - timedelta(days=1)
    result = []
    for month in months_between(max(grant.start, window_start), min(grant.end, last_day)):
        days = overlap_days(grant.start, grant.end, month, min(month_end(month), last_day))
        if days == 0:
            continue
        if grant.spec.daily_rate:
            amount = round(daily_rate(grant, month.year) * days, 2)
        else:
            amount = round(monthly_cost(grant, month.year) * days / days_in_month(month), 2)
        posted = max(month, grant.registered)
        art = "59" if (grant.placement_type or "").startswith("PF-") else "40"
        text = f"{grant.spec.service} {month:%m-%Y}"
        result.append(Posting(posted, grant.account, art, amount, grant.citizen.cpr, system, reference, text))
    return result


def budgets(all_postings: list[Posting], window_start: date, as_of: date, seed: int, municipality: int) -> list[dict]:
    """Budgets per year and function near the actual spend, as a municipality would have set them."""
    rng = random.Random(f"{seed}:{municipality}:budget")
    spent: dict[tuple[int, str], float] = defaultdict(float)
    for posting in all_postings:
        account = posting.account
        spent[(posting.posting_date.year, f"{account[0]}.{account[1:3]}.{account[3:5]}")] += posting.amount
    months_in_year = defaultdict(int)
    for month in months_between(window_start, as_of - timedelta(days=1)):
        months_in_year[month.year] += 1
    rows = []
    for (year, function), amount in sorted(spent.items()):
        full_year = amount * 12 / months_in_year[year]
        original = round(full_year * rng.gauss(1.0, 0.04), -3)
        corrected = round(original * rng.gauss(1.01, 0.02), -3)
        rows.append({"year": year, "function": function, "original": original, "corrected": corrected})
    return rows
