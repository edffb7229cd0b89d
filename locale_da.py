"""Danish number and date formatting, for everything a user reads (screens, messages, files)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

MONTH_NAMES = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
               "oktober", "november", "december")
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def missing(value: object) -> bool:
    """None, NaN or pandas' NA/NaT: nothing to show."""
    try:
        return value is None or bool(value != value)  # noqa: PLR0124 - NaN is the only value unequal to itself
    except TypeError:  # pandas.NA refuses truth tests
        return True


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234567.891 → '1.234.567,89' (thousands point, decimal comma); None → '–'.

    A value that rounds to zero reads '0', never '-0': sums of fractions can land a hair below zero."""
    if missing(value) or math.isinf(value):
        return "–"
    text = f"{value:z,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def kroner(value: float | None) -> str:
    return "–" if missing(value) else f"{number(value)} kr."


def percent(value: float | None, decimals: int = 1) -> str:
    return "–" if missing(value) else f"{number(value, decimals)} %"


def long_date(day: date | datetime) -> str:
    """date(2026, 11, 1) → '1. november 2026'."""
    return f"{day.day}. {MONTH_NAMES[day.month - 1]} {day.year}"


def month_label(day: date) -> str:
    """date(2026, 10, 1) → 'okt. 2026'."""
    return f"{MONTH_ABBREVIATIONS[day.month - 1]}. {day.year}"


def month_name(day: date) -> str:
    """date(2026, 10, 1) → 'oktober 2026'."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def local_time(utc: datetime) -> datetime:
    """A naive UTC timestamp (as stored) in Danish local time."""
    return utc.replace(tzinfo=UTC).astimezone(COPENHAGEN)
