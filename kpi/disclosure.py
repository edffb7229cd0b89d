"""Disclosure control for figures that cross municipalities: primary and secondary suppression.

A cell is one municipality's figure for one month; its count is the persons on the KPI's counted
side. Who might try to work a hidden cell out: any user, combining everything Overblik shows them
(every municipality's cells, the totals of every region and the country, their own group's
total, months, quarters and years) with their own municipality's figures, which they always see.
What they are assumed to know of a hidden cell: that it counts at least one person.

1. Primary: a cell counting 1 to min_count - 1 persons is hidden.
2. Secondary, cells: while a total alone would let someone narrow a primary cell down to less than
   1..min_count - 1, the smallest shown cell with persons among its members is hidden too (equal
   counts: the lower code first). Regions first - their own municipalities' users, who know their
   own cell, included - then every municipality's group, whose total only its owner sees. These
   cells are hidden from every user alike, since a cell shown to one user and hidden from another
   would undo it, with two exceptions for a user's own eyes: their own municipality's cells, and a
   secondary cell that protects nothing but their own figure and costs them no total.
3. Secondary, totals: a group, region or country total is shown to a user only when, with all
   else that user sees, no primary cell of another municipality narrows; so is a total resting on
   1..min_count - 1 persons. Another municipality's group is shown only when it holds no hidden
   cell the user does not know, so that asking for many groups tells nothing new. Rule 2 only
   keeps totals visible; this rule is what makes them safe.
4. Periods: a municipality's quarter or year is hidden when any of its months is, since the
   period minus its shown months would give the hidden one.

The check of a set of totals (``exposed``) is exact for the totals Overblik shows: regions split
the country, so the hidden cells fall into disjoint blocks whose sums are known, and a user's own
group adds one more known sum across blocks.

Speed: the checks here run per month in plain Python, where a month's cells are a small dict; what every
check of a month needs again (its primary cells, which totals are small) is worked out once per month
(``Month``), a total holding no primary cell is never looked at (it cannot be unsafe), and a month without a
primary cell hides nothing and is not looked at at all. The engine runs the same rules for all months at once
in numpy (kpi/suppression.py, checked against this module), and comes here only for counts with fractions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

Counts = Mapping[int, float]  # municipality → persons counted in one period
NO_LIMIT = math.inf


def too_few(count: float, min_count: int) -> bool:
    return 0 < count < min_count


def too_few_mask(counts: pd.Series, min_count: int) -> pd.Series:
    return (counts > 0) & (counts < min_count)


def exposed(blocks: Iterable[frozenset[int]], group: frozenset[int], counts: Counts, primary: frozenset[int],
            min_count: int) -> frozenset[int]:
    """The primary cells someone could pin down more closely than 1..min_count - 1, knowing the sum of
    each block (disjoint sets of hidden cells), the sum of ``group`` (hidden cells, possibly empty) and
    that every hidden cell counts at least one person. A cell in neither is free."""
    blocks = [b for b in blocks if b]
    if not group:  # each block's sum alone: the one-sum case of _unsafe
        return frozenset(m for b in blocks if _sum_exposes(len(b), sum(map(counts.__getitem__, b)), min_count)
                         for m in b & primary)
    parts = [(b & group, b - group, sum(counts[m] for m in b)) for b in blocks]
    loose = group.difference(*blocks)
    # The group's share of a block: at least one person per group cell, at most what leaves one per other
    # cell; all of it when the group holds the whole block.
    pieces = [(len(inside) if outside else total, total - len(outside)) for inside, outside, total in parts if inside]
    if loose:
        pieces.append((len(loose), NO_LIMIT))
    shares = iter(_share_ranges(pieces, sum(counts[m] for m in group)))
    found: set[int] = set()
    for inside, outside, total in parts:
        low, high = next(shares) if inside else (0, 0)
        found |= _narrowed(inside, low, high, primary, min_count)
        found |= _narrowed(outside, total - high, total - low, primary, min_count)
    if loose:
        found |= _narrowed(loose, *next(shares), primary, min_count)
    return frozenset(found)


def _share_ranges(pieces: list[tuple[float, float]], total: float) -> list[tuple[float, float]]:
    """For shares s_i within low_i..high_i that add up to ``total``: the range each s_i can take."""
    lows = sum(low for low, _ in pieces)
    highs = [high for _, high in pieces]
    ranges = []
    for index, (low, high) in enumerate(pieces):
        others_high = sum(highs[:index] + highs[index + 1:])
        ranges.append((max(low, total - others_high), min(high, total - (lows - low))))
    return ranges


def _narrowed(cells: frozenset[int], low: float, high: float, primary: frozenset[int], min_count: int) -> set[int]:
    """Primary cells among ``cells``, whose sum lies in low..high, that cannot take every value 1..min_count - 1."""
    if not cells:
        return set()
    if len(cells) > 1:  # one cell can be as small as 1 while the others take the rest
        low, high = 1, high - (len(cells) - 1)
    if low <= 1 and high >= min_count - 1:
        return set()
    return set(cells & primary)


@dataclass(frozen=True)
class Layout:
    """Who is in which total: the regions, which split the country, and each municipality's group."""

    regions: Mapping[int, frozenset[int]]
    groups: Mapping[int, frozenset[int]]  # owner → its peers

    def region_of(self, code: int) -> frozenset[int]:
        return self._region_by_member.get(code, frozenset())

    @cached_property
    def totals(self) -> list[tuple[frozenset[int], bool]]:
        """Rule 2's totals in the order it makes them safe: regions, then groups, each by code; True for a region."""
        return [(members, True) for _, members in sorted(self.regions.items())] + \
            [(members, False) for _, members in sorted(self.groups.items())]

    def groups_with(self, code: int) -> list[frozenset[int]]:
        """The groups ``code`` is a member of."""
        return self._groups_by_member.get(code, [])

    @cached_property
    def _region_by_member(self) -> dict[int, frozenset[int]]:
        return {code: members for members in self.regions.values() for code in members}

    @cached_property
    def _groups_by_member(self) -> dict[int, list[frozenset[int]]]:
        index: dict[int, list[frozenset[int]]] = {}
        for members in self.groups.values():
            for code in members:
                index.setdefault(code, []).append(members)
        return index


class Month:
    """One month's cells, with what the checks of that month need again and again."""

    def __init__(self, counts: Counts, regions: Mapping[int, frozenset[int]], min_count: int):
        self.counts = counts
        self.regions = regions
        self.min_count = min_count
        self.primary = frozenset(m for m, c in counts.items() if too_few(c, min_count))

    @cached_property
    def small_regions(self) -> dict[int, bool]:
        return {r: self.small(members) for r, members in self.regions.items()}

    @cached_property
    def small_country(self) -> bool:
        return self.small(self.counts)

    def small(self, members: Iterable[int]) -> bool:
        """Does the total of ``members`` rest on too few persons?"""
        return too_few(sum(self.counts.get(m, 0) for m in members), self.min_count)


def hidden_cells(counts: Counts, layout: Layout, min_count: int, month: Month | None = None) -> frozenset[int]:
    """The cells hidden from every user but their own municipality's, for one month (rules 1 and 2)."""
    primary = (month or Month(counts, layout.regions, min_count)).primary
    hidden = set(primary)
    keys = counts.keys()
    for members, is_region in layout.totals:
        if members.isdisjoint(primary):  # _unsafe needs a hidden primary cell inside, and primary ⊆ hidden
            continue
        present = members & keys
        while _unsafe(frozenset(hidden & present), is_region, counts, primary, min_count):
            candidates = [(counts[m], m) for m in present - hidden if counts[m] > 0]
            if not candidates:
                break  # nothing left to hide: the total is withheld from those who could use it (rule 3)
            hidden.add(min(candidates)[1])
    return frozenset(hidden)


def _unsafe(inside: frozenset[int], is_region: bool, counts: Counts, primary: frozenset[int], min_count: int) -> bool:
    """Could someone narrow a primary cell from this total alone? A region's total is seen by its own
    municipalities' users, who know their own cell; a group's only by its owner, who is not in it.

    ``exposed([], cells, ...)`` worked out for one known sum (the hot path: every total, every month):
    the hidden cells' share is exactly their sum, so only their number and sum matter."""
    hidden_primary = inside & primary
    if not hidden_primary:  # exposed() only ever finds primary cells
        return False
    total = sum(map(counts.__getitem__, inside))
    if _sum_exposes(len(inside), total, min_count):
        return True
    if not is_region:
        return False
    lone_primary = len(hidden_primary) == 1
    return any(_sum_exposes(len(inside) - 1, total - counts[insider], min_count)
               for insider in inside if not (lone_primary and insider in hidden_primary))


def _sum_exposes(cells: int, total: float, min_count: int) -> bool:
    """_narrowed for ``cells`` hidden cells (at least one primary) whose sum ``total`` is known."""
    if cells == 0:
        return False
    low, high = (max(1, total), total) if cells == 1 else (1, total - (cells - 1))
    return not (low <= 1 and high >= min_count - 1)


def _needed_by_others(cell: int, hidden: frozenset[int], others: frozenset[int], counts: Counts, layout: Layout,
                      min_count: int) -> bool:
    """Does ``cell`` protect one of the primary cells ``others`` (the hidden ones but the viewer's), under rule 2?"""
    without = hidden - {cell}
    region = layout.region_of(cell)
    if _unsafe(without & region, True, counts, others, min_count):
        return True
    return any(_unsafe(without & members, False, counts, others, min_count)
               for members in layout.groups_with(cell))


@dataclass(frozen=True)
class Visible:
    regions: dict[int, bool]
    country: bool
    group: bool

    def covers(self, other: Visible) -> bool:
        """Is every total shown in ``other`` shown here too?"""
        return all(self.regions[r] or not shown for r, shown in other.regions.items()) and \
            (self.country or not other.country) and (self.group or not other.group)


def visible_totals(counts: Counts, unknown: frozenset[int], regions: Mapping[int, frozenset[int]],
                   group: frozenset[int], own_group: bool, min_count: int) -> Visible:
    """Which totals of one month a user who does not see the cells ``unknown`` may see (rule 3). ``group`` is
    the compared municipality's group, ``own_group`` whether that municipality is the user's own."""
    return month_visible(Month(counts, regions, min_count), unknown, group, own_group)


def month_visible(month: Month, unknown: frozenset[int], group: frozenset[int], own_group: bool) -> Visible:
    """``visible_totals`` for a month already worked out."""
    counts, regions, min_count = month.counts, month.regions, month.min_count
    primary = unknown & month.primary

    def block(members: Iterable[int]) -> frozenset[int]:
        return unknown.intersection(members)

    def safe(blocks: list[frozenset[int]], group_block: frozenset[int] = frozenset()) -> bool:
        # exposed() only ever finds primary cells: without one among the unknown cells every set of sums is safe
        return not primary or not exposed(blocks, group_block, counts, primary, min_count)

    shown = {r: not month.small_regions[r] and safe([block(members)]) for r, members in regions.items()}
    withheld = frozenset().union(*(block(regions[r]) for r, ok in shown.items() if not ok))
    country = not month.small_country and safe([withheld])
    group_block = block(group)
    if own_group:
        known_sums = [block(regions[r]) for r, ok in shown.items() if ok] + ([withheld] if country else [])
        group_shown = not month.small(group) and safe(known_sums, group_block)
    else:
        group_shown = not group_block and not month.small(group)
    return Visible(shown, country, group_shown)


def unknown_cells(counts: Counts, hidden: frozenset[int], layout: Layout, viewer: int,
                  min_count: int, month: Month | None = None) -> frozenset[int]:
    """The hidden cells ``viewer``'s users do not see in one month: not their own, and not a secondary cell
    that protects nothing but their own figure and whose showing costs them no total (rule 2, last part)."""
    month = month or Month(counts, layout.regions, min_count)
    own_group = layout.groups.get(viewer, frozenset())
    baseline = month_visible(month, hidden - {viewer}, own_group, True)
    # Only secondary cells are ever released, so the hidden primary cells stay the same throughout.
    others = (hidden & month.primary) - {viewer}
    released: set[int] = set()
    for _, cell in sorted((counts[m], m) for m in hidden - {viewer} if not too_few(counts[m], min_count)):
        remaining = hidden - released
        if _needed_by_others(cell, remaining, others, counts, layout, min_count):
            continue
        seen = month_visible(month, remaining - {viewer, cell}, own_group, True)
        if seen.covers(baseline):
            released.add(cell)
    return hidden - released - {viewer}


def unknown_by_month(counts_by_month: Mapping, layout: Layout, viewer: int, min_count: int) -> dict:
    """Period → the cells ``viewer``'s users do not see that month (rules 1 and 2).

    A month without a small cell hides nothing (no primary cell, so no complementary one): it is skipped,
    which is most months for most KPIs nationally."""
    unknown = {}
    for period, counts in counts_by_month.items():
        month = Month(counts, layout.regions, min_count)
        unknown[period] = unknown_cells(counts, hidden_cells(counts, layout, min_count, month), layout, viewer,
                                        min_count, month) if month.primary else frozenset()
    return unknown


def months_with_primary(monthly: pd.DataFrame, counted: str, min_count: int) -> pd.DataFrame:
    """The rows of the months that have a primary cell, in the frame's order."""
    small = too_few_mask(monthly[counted], min_count).to_numpy()
    if small.all() or not small.any():
        return monthly if small.any() else monthly.iloc[:0]
    return monthly[monthly["period"].isin(monthly["period"].to_numpy()[small])]


def month_counts(monthly: pd.DataFrame, counted: str) -> dict:
    """Period → {municipality: persons counted}, from a frame of municipality_code, period and ``counted``;
    periods in order of first appearance, municipalities in the frame's order within each."""
    index, periods = pd.factorize(monthly["period"], sort=False)
    order = np.argsort(index, kind="stable")
    starts = np.searchsorted(index[order], np.arange(len(periods) + 1))
    codes = monthly["municipality_code"].to_numpy()[order].tolist()
    persons = monthly[counted].to_numpy()[order].tolist()
    return {period: dict(zip(codes[starts[i]:starts[i + 1]], persons[starts[i]:starts[i + 1]], strict=True))
            for i, period in enumerate(periods)}


def period_start(month: date, granularity: str) -> date:
    if granularity == "year":
        return date(month.year, 1, 1)
    if granularity == "quarter":
        return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    return month


def hidden_periods(frame: pd.DataFrame, unknown: Mapping, counted: str, granularity: str,
                   min_count: int) -> pd.Series:
    """Rules 1 and 4 for a frame of municipality_code and period (months, quarters or years): hidden where the
    period counts too few persons itself or where any of its months is unknown (``unknown_by_month``)."""
    index, periods = pd.factorize(frame["period"], sort=False)
    position = {period: i for i, period in enumerate(periods)}
    codes = frame["municipality_code"].to_numpy(dtype=np.int64)
    # (period, municipality) → covered, as a table; codes are small whole numbers (the official ones, < 1000)
    covered = np.zeros((len(periods), int(codes.max(initial=0)) + 1), dtype=bool)
    for month, cells in unknown.items():
        row = position.get(period_start(month, granularity))
        inside = [m for m in cells if 0 <= m < covered.shape[1]]
        if row is not None and inside:
            covered[row, inside] = True
    hidden = covered[index, codes] & (index >= 0) if len(frame) else np.zeros(0, dtype=bool)  # -1: no period
    return too_few_mask(frame[counted], min_count) | pd.Series(hidden, index=frame.index)
