"""kpi/suppression.py (all months at once, in numpy) against kpi/disclosure.py (month by month, the rules as
written): the same hidden cells for every viewer, on generated worlds and on the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi import disclosure as d
from kpi import suppression as s

MONTHS = [np.datetime64(f"2026-{month:02d}-01", "us") for month in range(1, 7)]


@st.composite
def worlds(draw):
    """Up to four regions of one to six municipalities, groups of up to five peers, one to six months of
    counts 0-12 (some municipalities missing in some months), a viewer (0: an outsider) and a threshold."""
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    codes = iter(range(101, 200, 3))
    regions = {1081 + r: frozenset(next(codes) for _ in range(size)) for r, size in enumerate(sizes)}
    members = sorted(frozenset().union(*regions.values()))
    groups = {m: frozenset(draw(st.sets(st.sampled_from(members), max_size=5))) - {m} for m in members}
    rows = []
    for month in MONTHS[:draw(st.integers(1, len(MONTHS)))]:
        for m in members:
            if draw(st.integers(0, 9)):  # now and then a municipality without a row
                rows.append((m, month, float(draw(st.integers(0, 12)))))
    frame = pd.DataFrame(rows, columns=["municipality_code", "period", "numerator"])
    viewer = draw(st.sampled_from([0, *members]))
    return d.Layout(regions, groups), frame, viewer, draw(st.integers(2, 6))


def month_by_month(layout: d.Layout, frame: pd.DataFrame, viewer: int, min_count: int) -> dict:
    counts = d.month_counts(frame, "numerator")
    found = d.unknown_by_month(counts, layout, viewer, min_count)
    return {pd.Timestamp(month): cells for month, cells in found.items() if cells}


def all_at_once(layout: d.Layout, frame: pd.DataFrame, viewer: int, min_count: int) -> dict:
    table = s.unknown(frame, "numerator", layout, viewer, min_count)
    return {pd.Timestamp(month): frozenset(table.codes[cells].tolist())
            for month, cells in zip(table.months, table.cells, strict=True) if cells.any()}


@settings(max_examples=400, deadline=None)
@given(worlds())
def test_every_month_hides_the_same_cells_as_the_rules_month_by_month(world):
    layout, frame, viewer, min_count = world
    assert all_at_once(layout, frame, viewer, min_count) == month_by_month(layout, frame, viewer, min_count)


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_shuffled_rows_change_nothing(world):
    layout, frame, viewer, min_count = world
    shuffled = frame.sample(frac=1.0, random_state=7)
    assert all_at_once(layout, shuffled, viewer, min_count) == month_by_month(layout, frame, viewer, min_count)


def test_fractions_go_month_by_month_through_the_rules():
    # Full-year persons: 1.5 and 0.5 are primary, and the comparisons with thresholds rest on disclosure.py's sums.
    layout = d.Layout({1: frozenset({101, 102, 103})}, {101: frozenset({102}), 102: frozenset(), 103: frozenset()})
    frame = pd.DataFrame({"municipality_code": [101, 102, 103], "period": [MONTHS[0]] * 3,
                          "numerator": [1.5, 7.25, 0.5]})
    assert all_at_once(layout, frame, 0, 5) == month_by_month(layout, frame, 0, 5) != {}


def test_periods_as_dates_and_a_quarter_with_a_hidden_month():
    layout = d.Layout({1: frozenset({101, 102, 103})}, {})
    frame = pd.DataFrame({"municipality_code": [101, 102, 103, 101, 102, 103],
                          "period": [date(2026, 1, 1)] * 3 + [date(2026, 2, 1)] * 3,
                          "numerator": [2.0, 7.0, 9.0, 6.0, 7.0, 9.0]})
    table = s.unknown(frame, "numerator", layout, 0, 5)
    assert table.months.tolist() == [date(2026, 1, 1)]  # only months with a primary cell
    assert frozenset(table.codes[table.cells[0]].tolist()) == {101, 102, 103}
    quarter = pd.DataFrame({"municipality_code": [101, 102, 103], "period": [date(2026, 1, 1)] * 3,
                            "numerator": [14.0, 7.0, 1.0]})
    months = s.Unknown(np.array(MONTHS[:2]), np.array([101, 102, 103]), np.array([[False, True, False]] * 2))
    quarter["period"] = pd.to_datetime(quarter["period"]).to_numpy()
    # 102: a hidden month; 103: too few in the quarter itself; 101: neither.
    assert s.hidden_rows(quarter, months, "numerator", "quarter", 5).tolist() == [False, True, True]
