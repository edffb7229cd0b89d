"""Trying to recover suppressed values from everything the KPI engine shows a user, and failing.

First the hand-made scenario (tests/scenario.py) loaded by the real ETL; placed children per month:
    479: 1, 2, 2    420: 5, 5, 5    410: 0, 0, 1      (residents 0-22: 1,250, 500, 2,000)
all three in Region Syddanmark; 410, 420 and 479 are in each other's chosen cluster. Then generated
worlds (hypothesis) on an engine fed synthetic cells, attacked by brute force.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access.scope import Role, UserScope, command_line_scope
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from . import scenario as s
from .disclosure_oracle import pinned_down
from .helpers import scope

KPI = "K-UBU-PLAC-1000"  # placed children per 1,000 aged 0-22; the numerator counts persons, threshold 5
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
SERIES = ("group", "region", "country")


@pytest.fixture
def engine(small) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), small.warehouse)


def cells_seen(values: pd.DataFrame) -> tuple[set, dict]:
    """The hidden cells (municipality, period) and the shown numerators of engine.values."""
    hidden = {(r.municipality_code, r.period) for r in values.itertuples() if r.suppressed}
    known = {(r.municipality_code, r.period): r.numerator for r in values.itertuples() if not r.suppressed}
    return hidden, known


def sums_from_totals(engine: KpiEngine, user: UserScope, compared: list[int], hidden: set, known: dict) -> list:
    """Every shown group, region and country total, as a sum over hidden cells (the shown ones subtracted)."""
    sums = []
    for municipality in compared:
        frame = engine.benchmark(user, KPI, municipality)
        members = {"group": engine.groups.peers(municipality),
                   "region": engine.groups.region_members(municipality), "country": list(engine.groups.municipalities)}
        for row in frame.itertuples():
            for series in SERIES:
                total = getattr(row, f"{series}_numerator")
                if not math.isnan(total):
                    cells = {(m, row.period) for m in members[series]}
                    sums.append((frozenset(cells & hidden), total - sum(known.get(c, 0) for c in cells - hidden)))
    return sums


def sums_from_quarters(engine: KpiEngine, user: UserScope, hidden: set, known: dict) -> list:
    """Every shown quarter: an average of persons, so three times it is the sum of its months."""
    sums = []
    for row in engine.values(user, KPI, granularity="quarter").itertuples():
        if not row.suppressed:
            cells = {(row.municipality_code, m) for m in MONTHS}
            sums.append((frozenset(cells & hidden), 3 * row.numerator - sum(known.get(c, 0) for c in cells - hidden)))
    return sums


SMALL_COUNTS = {(m, MONTHS[n - 1]): count for (m, n), count in s.PLACED.items()}


@pytest.mark.parametrize("user", [scope(Role.LEADER, 479), scope(Role.LEADER, 420), scope(Role.POLITICIAN, 410),
                                  command_line_scope()], ids=["479", "420", "410", "command line"])
def test_no_small_count_of_another_municipality_can_be_recovered_from_any_output(engine, user):
    hidden, known = cells_seen(engine.values(user, KPI))
    sums = sums_from_totals(engine, user, [479, 420, 410], hidden, known) + sums_from_quarters(engine, user, hidden,
                                                                                               known)
    small_ones = [cell for cell in hidden if 0 < SMALL_COUNTS[cell] < 5]
    assert small_ones, "the scenario must hide something from every user"
    assert pinned_down(small_ones, sums, 5) == []


def test_middelfart_cannot_subtract_the_shown_members_from_its_group(engine):
    user = scope(Role.POLITICIAN, 410)
    values = engine.values(user, KPI).set_index(["municipality_code", "period"])
    group = engine.benchmark(user, KPI).set_index("period")
    # January: the group (Assens and Svendborg) has 5 + 1 = 6 placed. Svendborg's 1 is hidden, and so is
    # Assens' 5, or 6 - 5 would give Svendborg's 1; all Middelfart learns is that the two hold 6.
    assert group.loc[MONTHS[0], "group_numerator"] == 6
    assert values.loc[(479, MONTHS[0]), "suppressed"] and values.loc[(420, MONTHS[0]), "suppressed"]


def test_svendborg_sees_the_totals_and_cannot_take_the_country_apart(engine):
    user = scope(Role.LEADER, 479)
    values = engine.values(user, KPI).set_index(["municipality_code", "period"])
    frame = engine.benchmark(user, KPI).set_index("period")
    # March: 2 + 5 + 1 = 8 placed in the country. Svendborg knows its own 2; Middelfart's 1 and Assens' 5
    # are both hidden, so 8 - 2 = 6 is all it learns: Middelfart could have anything from 1 to 5.
    assert frame.loc[MONTHS[2], "country_numerator"] == 8
    assert values.loc[(410, MONTHS[2]), "suppressed"] and values.loc[(420, MONTHS[2]), "suppressed"]
    # January and February: only Svendborg's own figure is small, so Assens' 5 is shown to Svendborg.
    assert values.loc[(420, MONTHS[0]), "numerator"] == 5 and values.loc[(420, MONTHS[1]), "numerator"] == 5


def test_assens_gets_no_total_that_would_give_svendborg_away(engine):
    frame = engine.benchmark(scope(Role.LEADER, 420), KPI).set_index("period")
    # January: Assens knows its own 5 and sees Middelfart's 0; the region's total (6) would leave Svendborg's 1.
    for series in SERIES:
        assert math.isnan(frame.loc[MONTHS[0], f"{series}_numerator"]), series
    assert frame.loc[MONTHS[0], "own_numerator"] == 5


def test_the_region_is_a_series_of_its_own(engine):
    frame = engine.benchmark(scope(Role.LEADER, 479), KPI).set_index("period")
    assert frame.attrs["region_name"] == "Syddanmark" and frame.attrs["group_kind"].label == "Valgt klynge"
    # All three municipalities with data are in Syddanmark: the region is the country here. February:
    # (2 + 5 + 0) / (1,250 + 500 + 2,000) × 1,000 = 7 / 3,750 × 1,000 = 1.8667.
    assert frame.loc[MONTHS[1], "region_value"] == pytest.approx(7 / 3750 * 1000)
    assert frame.loc[MONTHS[1], "region_value"] == frame.loc[MONTHS[1], "country_value"]


# --- generated worlds -----------------------------------------------------------------------------

# Funen's chosen cluster and Odense in Syddanmark, København and Frederiksberg in Hovedstaden.
CANDIDATES = (410, 420, 430, 440, 450, 479, 480, 461, 101, 147)


@st.composite
def worlds(draw):
    municipalities = draw(st.lists(st.sampled_from(CANDIDATES), min_size=2, max_size=6, unique=True))
    months = MONTHS[:draw(st.integers(1, 2))]
    rows = [(m, month, draw(st.integers(0, 8)), draw(st.integers(100, 3000)))
            for m in municipalities for month in months]
    frame = pd.DataFrame(rows, columns=["municipality_code", "period", "numerator", "denominator"])
    frame["value"] = frame["numerator"] * 1000 / frame["denominator"]
    viewer = draw(st.sampled_from([0, *municipalities]))
    return frame, viewer


@cache
def catalogue():
    return load_catalogue()


def engine_on(frame: pd.DataFrame) -> KpiEngine:
    """The real engine, with the warehouse's figures replaced by ``frame`` (monthly, every municipality)."""
    engine = KpiEngine(catalogue(), load_groups(), warehouse=None)

    def fetch(scope, kpi, municipalities, start, end, granularity="month"):
        assert granularity == "month"
        columns = {name: frame[name].to_numpy() for name in frame.columns}
        columns["period"] = pd.to_datetime(frame["period"]).to_numpy()  # as the warehouse gives them
        return columns
    engine._fetch = fetch
    return engine


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_generated_worlds_group_values_are_pooled_and_nothing_small_can_be_recovered(world):
    frame, viewer = world
    engine = engine_on(frame)
    user = command_line_scope() if viewer == 0 else scope(Role.LEADER, viewer)
    counts = {(r.municipality_code, r.period): r.numerator for r in frame.itertuples()}
    compared = sorted(set(frame["municipality_code"]))
    for municipality in compared:
        result = engine.benchmark(user, KPI, municipality).set_index("period")
        peers = frame[frame["municipality_code"].isin(engine.groups.peers(municipality))].groupby("period").sum()
        for period, row in result.iterrows():
            if not math.isnan(row["group_value"]):  # Σ numerator / Σ denominator, never a mean of ratios
                pooled = peers.loc[period, "numerator"] / peers.loc[period, "denominator"] * 1000
                assert row["group_value"] == pytest.approx(pooled)
    hidden, known = cells_seen(engine.values(user, KPI))
    assert all(cell in hidden for cell, count in counts.items() if 0 < count < 5 and cell[0] != viewer)
    sums = sums_from_totals(engine, user, compared, hidden, known)
    assert pinned_down([c for c in hidden if 0 < counts[c] < 5], sums, 5) == []
