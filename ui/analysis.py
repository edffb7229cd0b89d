"""Cached data for the leader's KPI pages: tiles, benchmarks, ranks, map points, decomposition, trace, notes.

Every cache is keyed by the user's scope, the municipality and period asked for and the published
warehouse (ui/data.py's pattern); the rights are enforced below, in kpi/ and data_access/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from data_access import notes as note_store
from data_access.scope import UserScope
from kpi.catalogue import Direction, Kpi
from kpi.decompose import Decomposition, choices_at, decompose
from kpi.engine import period_label
from kpi.geography import municipality_points
from kpi.node import MONTHS_IN, follow, root
from kpi.trace import Trace, trace
from locale_da import number
from reports.periods import last_month, whole_periods

from .data import CACHE_SECONDS, benchmark, engine, kpis, months, version

Path = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Tile:
    """One KPI on the overview: the latest month of the period with a value for the municipality."""

    kpi: Kpi
    period: date | None
    own: float | None
    group: float | None
    country: float | None
    trend: list[float]  # the municipality's values over the period, oldest first
    verdict: str | None  # better | worse | level | inside | outside, or None where the KPI says nothing


def tiles(scope: UserScope, area: str | None, municipality: int, start: date, end: date) -> list[Tile]:
    return [tile(k, benchmark(scope, k.id, municipality, start, end)) for k in kpis(area)]


def tile(kpi: Kpi, frame: pd.DataFrame) -> Tile:
    shown = frame.dropna(subset=["own_value"])
    if shown.empty:
        return Tile(kpi, None, None, None, None, [], None)
    latest = shown.iloc[-1]
    own, group, country = (_figure(latest[f"{s}_value"]) for s in ("own", "group", "country"))
    return Tile(kpi, latest["period"], own, group, country, [float(v) for v in shown["own_value"]],
                verdict(kpi, own, group))


def verdict(kpi: Kpi, own: float | None, group: float | None) -> str | None:
    """How the value compares, by the KPI's direction: with the group, or with the target band."""
    if own is None:
        return None
    if kpi.direction is Direction.TARGET_BAND and kpi.target_band:
        low, high = kpi.target_band
        return "inside" if low <= own <= high else "outside"
    if group is None or kpi.direction not in (Direction.HIGHER_BETTER, Direction.LOWER_BETTER):
        return None
    difference = round(own, kpi.decimals) - round(group, kpi.decimals)
    if difference == 0:
        return "level"
    return "better" if (difference > 0) == (kpi.direction is Direction.HIGHER_BETTER) else "worse"


def difference_text(kpi: Kpi, own: float, group: float) -> str:
    """The own value minus the group's as the reader sees them, rounded first: 8,7 and 8,3 give +0,4."""
    difference = round(own, kpi.decimals) - round(group, kpi.decimals)
    return f"{'+' if difference > 0 else ''}{number(difference, kpi.decimals)}"


def amount_decimals(values) -> int:
    """Counts without decimals, averages and kroner with two: persons in a month are whole, in a quarter not."""
    series = pd.Series(values, dtype=float).dropna()
    return 0 if (series == series.round()).all() else 2


def amount_text(value) -> str:
    return number(value, amount_decimals([value]))


def over_time(scope: UserScope, kpi_id: str, municipality: int, start: date, end: date,
              granularity: str) -> pd.DataFrame:
    """``benchmark`` over the sidebar's period by month, quarter or year. Only whole quarters and years with data,
    from the one holding ``start`` (as the reports show them, reports/periods.py): a part of a quarter beside whole
    ones would mislead. Empty when the period holds none."""
    if granularity == "month":
        return benchmark(scope, kpi_id, municipality, start, end)
    covered = months(scope)
    periods = whole_periods(start, end, granularity, covered[-1], covered[0])
    if not periods:
        return pd.DataFrame(columns=["period"])
    return benchmark(scope, kpi_id, municipality, periods[0], last_month(periods[-1], granularity), granularity)


def analysed_period(kpi: Kpi, start: date, end: date) -> tuple[date, str]:
    """The KPI's own kind of period (month, quarter or year) to rank and decompose: the last one wholly inside
    the sidebar's period, else the one the period ends in."""
    size = MONTHS_IN[kpi.granularity]
    first = date(end.year, (end.month - 1) // size * size + 1, 1)
    if first.month + size - 1 != end.month:  # the sidebar's period ends part-way through it: take the one before
        index = first.year * 12 + first.month - 1 - size
        earlier = date(index // 12, index % 12 + 1, 1)
        if earlier >= start:
            first = earlier
    return first, kpi.granularity


def ranking(scope: UserScope, kpi_id: str, period: date, granularity: str, municipality: int) -> pd.DataFrame:
    return _ranking(scope, kpi_id, period, granularity, municipality, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Rangerer kommunerne …")
def _ranking(scope: UserScope, kpi_id: str, period: date, granularity: str, municipality: int,
             warehouse_version: str) -> pd.DataFrame:
    frame = engine().ranking(scope, kpi_id, period, period, granularity, municipality)
    return frame[frame["period"] == period].reset_index(drop=True)


def position(scope: UserScope, kpi_id: str, period: date, granularity: str, municipality: int) -> pd.DataFrame:
    return _position(scope, kpi_id, period, granularity, municipality, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _position(scope: UserScope, kpi_id: str, period: date, granularity: str, municipality: int,
              warehouse_version: str) -> pd.DataFrame:
    return engine().position(scope, kpi_id, period, period, granularity, municipality)


def map_points(scope: UserScope) -> pd.DataFrame:
    return _map_points(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _map_points(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return municipality_points(engine().warehouse, scope)


def split_options(scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str,
                  path: Path) -> list[tuple[str, str]]:
    """What the node at ``path`` can be split by: (name, Danish label)."""
    return _split_options(scope, kpi_id, municipality, period, granularity, path, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _split_options(scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str, path: Path,
                   warehouse_version: str) -> list[tuple[str, str]]:
    kpis_engine = engine()
    node = follow(kpis_engine.catalogue, root(kpis_engine.kpi(kpi_id), municipality, period, granularity), path)
    return choices_at(kpis_engine, scope, node)


def decomposition(scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str, path: Path,
                  by: str) -> Decomposition:
    return _decomposition(scope, kpi_id, municipality, period, granularity, path, by, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Opdeler tallet …")
def _decomposition(scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str, path: Path,
                   by: str, warehouse_version: str) -> Decomposition:
    return decompose(engine(), scope, kpi_id, municipality, period, granularity, path, by, compare=True)


def traced(scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str, path: Path) -> Trace:
    """The rows behind a node; each read is written to the audit log (data_access/trace.py), so not cached."""
    return trace(engine(), scope, kpi_id, municipality, period, granularity, path)


def periods_between(start: date, end: date) -> list[str]:
    """Labels of every month, quarter and year that overlaps the period: the periods a note there may be about."""
    months = [d.date() for d in pd.date_range(start, end, freq="MS")]
    return sorted({period_label(m, g) for m in months for g in ("month", "quarter", "year")})


def notes(scope: UserScope, kpi_ids: list[str] | None, start: date, end: date) -> pd.DataFrame:
    """The own municipality's notes on the KPIs about periods overlapping the sidebar's (not cached: they change
    as users write)."""
    return note_store.notes(scope, kpi_ids, periods_between(start, end))


def add_note(scope: UserScope, kpi_id: str, period: str, text: str) -> int:
    return note_store.add_note(scope, kpi_id, period, text)


def edit_note(scope: UserScope, note_id: int, text: str) -> None:
    note_store.edit_note(scope, note_id, text)


def delete_note(scope: UserScope, note_id: int) -> None:
    note_store.delete_note(scope, note_id)


def _figure(value) -> float | None:
    return None if pd.isna(value) else float(value)
