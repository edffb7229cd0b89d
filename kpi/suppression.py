"""Rules 1 and 2 of kpi/disclosure.py for every month of a KPI at once, in numpy.

kpi/disclosure.py states the rules and checks them one month at a time over dicts; this module
gives the same cells with each step done for all months together, on a months × municipalities
table of counts (tests/test_suppression.py compares the two). What makes that possible:

- Regions split the country, so rule 2's region pass runs for all regions side by side.
- A total that is safe stays safe when more cells are hidden: every cell rule 2 adds is a shown
  cell with persons, so it counts min_count or more, and the unknowns only get more room. Taking the
  groups in order and hiding until each is safe is therefore the same as, per month, hiding one
  more cell for the first group still unsafe, again and again: rounds over all months at once.
- A group that gains a hidden cell that way is safe at once, so a round only ever has to look again
  at the groups it did not touch.
- For the same reason a secondary cell that protects another municipality's primary cell with every
  hidden cell in place protects it with fewer too, so it is never shown to a viewer (rule 2, last
  part). Only the others are taken one by one, smallest first as the rule says: step k looks at
  every month's k-th such cell, with the sums of regions, groups and the viewer's own group kept up
  to date as cells are shown.

Sums of whole-number counts are the same in any order; counts with fractions (full-year persons) go
month by month through kpi/disclosure.py, whose comparisons with the thresholds rest on its sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import disclosure

WHOLE_ROWS = 20_000  # cells up to which a check over all columns beats one region at a time
Columns = Mapping[str, np.ndarray] | pd.DataFrame  # municipality_code, period and figures, column by column


@dataclass(frozen=True)
class Unknown:
    """The cells a viewer does not see, per month: ``cells[i, j]`` for ``months[i]`` and ``codes[j]``."""

    months: np.ndarray  # datetime64, ascending
    codes: np.ndarray  # municipality codes, ascending
    cells: np.ndarray  # bool, months × codes


@dataclass(frozen=True)
class Totals:
    """The layout's totals as membership tables over a fixed list of municipalities (columns)."""

    codes: np.ndarray
    regions: list[np.ndarray]  # each region's columns, ascending
    region_of: np.ndarray  # column → row of ``region_masks`` (the last row, all False, for none)
    region_masks: np.ndarray  # bool, regions + 1 × columns
    groups: np.ndarray  # bool, groups (by owner code) × columns
    group_weights: np.ndarray  # float, columns × groups: the same as 0/1, to take a column out of its groups' sums
    groups_of: np.ndarray  # the groups of column 0, then of column 1, ... (``first_group`` says where each begins)
    first_group: np.ndarray
    group_count: np.ndarray
    by_group: _Segments
    by_region: _Segments

    def per_group(self, cells: np.ndarray) -> np.ndarray:
        """Months × groups: the sum of ``cells`` (months × columns) over each group's members."""
        return self.by_group.sums(cells)

    def per_region(self, cells: np.ndarray, how=np.add) -> np.ndarray:
        return self.by_region.sums(cells, how)

    @classmethod
    def of(cls, layout: disclosure.Layout, codes: np.ndarray) -> Totals:
        column = {code: j for j, code in enumerate(codes.tolist())}

        def columns(members) -> np.ndarray:
            return np.array(sorted(column[m] for m in members if m in column), dtype=np.int64)

        regions = [columns(members) for _, members in sorted(layout.regions.items())]
        masks = np.zeros((len(regions) + 1, len(codes)), dtype=bool)
        region_of = np.full(len(codes), len(regions), dtype=np.int64)
        for row, cols in enumerate(regions):
            masks[row, cols] = True
            region_of[cols] = row
        groups = np.zeros((len(layout.groups), len(codes)), dtype=bool)
        for row, (_, members) in enumerate(sorted(layout.groups.items())):
            groups[row, columns(members)] = True
        column_of, groups_of = np.nonzero(groups.T)
        count = np.bincount(column_of, minlength=len(codes))
        return cls(codes, regions, region_of, masks, groups, groups.T.astype(float), groups_of,
                   np.cumsum(count) - count, count, _Segments.of(groups), _Segments.of(masks[:-1]))


@dataclass(frozen=True)
class _Segments:
    """Sets of columns, for sums per set: each set's columns padded to the largest set's size with a column of
    zeros, gathered and summed along the short last axis. On tables this small that is quicker than
    ``np.add.reduceat``, and unlike a matrix product it leaves the BLAS threads (which spin on a busy machine)
    alone."""

    columns: np.ndarray  # sets × width; the padding points at the column after the last

    @classmethod
    def of(cls, members: np.ndarray) -> _Segments:
        width = max(int(members.sum(axis=1).max(initial=0)), 1)
        columns = np.full((len(members), width), members.shape[1], dtype=np.int64)
        for row, cells in enumerate(members):
            found = np.flatnonzero(cells)
            columns[row, :len(found)] = found
        return cls(columns)

    def sums(self, cells: np.ndarray, how=np.add) -> np.ndarray:
        """Per set, ``how`` (a ufunc: add, minimum) over its columns; the padding is its identity."""
        padded = np.full((len(cells), cells.shape[1] + 1), np.inf if how.identity is None else how.identity, float)
        padded[:, :-1] = cells
        return how.reduce(padded[:, self.columns.ravel()].reshape(len(cells), *self.columns.shape), axis=2)


@dataclass(frozen=True)
class Shared:
    """Rules 1 and 2 for every month with a primary cell: the cells hidden from every viewer alike, on a months ×
    municipalities table of counts. ``for_viewer`` takes it from there (the last part of rule 2)."""

    months: np.ndarray  # datetime64, ascending
    codes: np.ndarray  # municipality codes, ascending
    counts: np.ndarray  # months × codes
    present: np.ndarray  # bool: a row for the cell
    primary: np.ndarray
    hidden: np.ndarray
    totals: Totals | None  # None with no month to hide anything in

    def for_viewer(self, layout: disclosure.Layout, viewer: int, min_count: int) -> Unknown:
        """The cells ``viewer``'s users do not see."""
        if not len(self.months):
            return Unknown(self.months, self.codes, np.zeros((0, len(self.codes)), dtype=bool))
        return Unknown(self.months, self.codes, _unknown_cells(self.counts, self.present, self.primary, self.hidden,
                                                               self.totals, layout, viewer, min_count))


def unknown(monthly: Columns, counted: str, layout: disclosure.Layout, viewer: int, min_count: int,
            totals: dict[bytes, Totals] | None = None) -> Unknown:
    """The cells ``viewer``'s users do not see, for a frame of municipality_code, period (months) and ``counted``;
    ``totals`` caches the layout's tables by the municipalities' codes. Only the months with a primary cell
    are in the result: no other month hides anything."""
    table = shared(monthly, counted, layout, min_count, totals)
    if table is None:  # fractions, no figure, or vast figures: kpi/disclosure.py's own sums, month by month
        return month_by_month(monthly, counted, layout, viewer, min_count)
    return table.for_viewer(layout, viewer, min_count)


def shared(monthly: Columns, counted: str, layout: disclosure.Layout, min_count: int,
           totals: dict[bytes, Totals] | None = None) -> Shared | None:
    """What ``unknown`` works out alike for every viewer; None where the counts are not whole numbers (or are
    missing or vast), which go month by month through kpi/disclosure.py for each viewer (the table's sums are
    exact for whole numbers only)."""
    persons = np.asarray(monthly[counted], dtype=float)
    month_of, months, with_primary = _primary_months(monthly, persons, min_count)
    if not with_primary.any():
        none = np.zeros((0, 0), dtype=bool)
        return Shared(months[:0], np.zeros(0, dtype=np.int64), np.zeros((0, 0)), none, none, none, None)
    if (persons != np.round(persons)).any() or persons.max() > 2**40:
        return None
    order = np.argsort(months[with_primary])
    months = months[with_primary][order]
    row_of = np.full(len(with_primary), -1)
    row_of[np.flatnonzero(with_primary)[order]] = np.arange(len(order))
    row = np.where(month_of >= 0, row_of[month_of], -1)
    keep = row >= 0
    code_of, codes = pd.factorize(np.asarray(monthly["municipality_code"], dtype=np.int64)[keep], sort=True)
    codes = np.asarray(codes)
    counts = np.zeros((len(months), len(codes)))
    present = np.zeros((len(months), len(codes)), dtype=bool)
    counts[row[keep], code_of] = persons[keep]
    present[row[keep], code_of] = True
    key = codes.tobytes()
    shape = totals.get(key) if totals is not None else None
    if shape is None:
        shape = Totals.of(layout, codes)
        if totals is not None:
            totals[key] = shape
    primary = (counts > 0) & (counts < min_count)
    return Shared(months, codes, counts, present, primary, hidden_cells(counts, primary, shape, min_count), shape)


def _primary_months(monthly: Columns, persons: np.ndarray, min_count: int):
    """Each row's month (-1: none), the distinct months, and which of them have a primary cell."""
    small = (persons > 0) & (persons < min_count)
    # Hashing (factorize) rather than sorting the rows: the distinct months and codes are few.
    month_of, months = pd.factorize(np.asarray(monthly["period"]), sort=False)
    months = np.asarray(months)
    with_primary = np.zeros(len(months), dtype=bool)
    with_primary[month_of[small & (month_of >= 0)]] = True  # -1: no period
    return month_of, months, with_primary




def hidden_cells(counts: np.ndarray, primary: np.ndarray, totals: Totals, min_count: int) -> np.ndarray:
    """``disclosure.hidden_cells`` for every month (row) at once."""
    hidden = primary.copy()
    _settle_regions(hidden, counts, primary, totals, min_count)
    _settle_groups(hidden, counts, primary, totals, min_count)
    return hidden


def _settle_regions(hidden: np.ndarray, counts: np.ndarray, primary: np.ndarray, totals: Totals,
                    min_count: int) -> None:
    """Rule 2 for the regions, all of them in every month at once (they share no cells): while a region is unsafe,
    hide its smallest shown cell with persons, the lower code on equal counts."""
    columns = np.arange(len(totals.codes))
    # Count, then column, in one number: its minimum is the cell to hide. Exact while the counts stay far
    # below 2**53 / columns; persons do.
    rank = counts * (len(columns) + 1) + columns
    rows = np.flatnonzero((totals.per_region(primary) > 0).any(axis=1))
    while rows.size:
        inside, cells, primaries = hidden[rows], counts[rows], primary[rows]
        unsafe = _unsafe_regions(inside, cells, primaries, totals, min_count)
        options = np.where(~inside & (cells > 0), rank[rows], np.inf)
        best = totals.per_region(options, np.minimum)
        act = unsafe & np.isfinite(best)  # unsafe with nothing left to hide: rule 3 withholds the total
        row, region = np.nonzero(act)
        hidden[rows[row], (best[row, region] % (len(columns) + 1)).astype(np.int64)] = True
        rows = rows[act.any(axis=1)]


def _unsafe_regions(inside: np.ndarray, cells: np.ndarray, primary: np.ndarray, totals: Totals,
                    min_count: int) -> np.ndarray:
    """``disclosure._unsafe`` for every region (months × regions): ``inside`` the hidden cells."""
    hidden_primary = inside & primary
    primaries = totals.per_region(hidden_primary)
    number, total = totals.per_region(inside), totals.per_region(np.where(inside, cells, 0.0))
    unsafe = _exposes(number, total, min_count)
    # Its own municipalities' users each know one of the cells: the others' sum, for every cell.
    of_cell = totals.region_of

    def spread(figures):  # a region's figure on each of its cells (no region: 0)
        return np.concatenate([figures, np.zeros((len(figures), 1))], axis=1)[:, of_cell]

    knowable = inside & ~((spread(primaries) == 1) & hidden_primary)
    exposing = knowable & _exposes(spread(number) - 1, spread(total) - cells, min_count)
    return (unsafe | (totals.per_region(exposing) > 0)) & (primaries > 0)


def _settle_groups(hidden: np.ndarray, counts: np.ndarray, primary: np.ndarray, totals: Totals,
                   min_count: int) -> None:
    """Rule 2 for the groups, by owner code, in every month: rounds of one more cell for the first unsafe group
    that still has a shown cell with persons (a group safe once stays safe, see the module's docstring). A group
    that gains a hidden cell is safe from then on: the cell counts min_count or more, which leaves every hidden
    cell of the group room for 1..min_count - 1."""
    weights = totals.group_weights
    options = ~hidden & (counts > 0)
    left = totals.per_group(options)  # shown cells with persons, per month and group
    persons = totals.per_group(np.where(hidden, counts, 0.0))
    wanting = (totals.per_group(primary) > 0) & (left > 0) & _exposes(totals.per_group(hidden), persons, min_count)
    rows = np.flatnonzero(wanting.any(axis=1))
    while rows.size:
        group = wanting[rows].argmax(axis=1)
        choice = np.where(totals.groups[group] & options[rows], counts[rows], np.inf)
        pick = choice.argmin(axis=1)  # the first of equal counts: the lower code
        hidden[rows, pick] = True
        options[rows, pick] = False
        member = weights[pick]
        left[rows] -= member
        wanting[rows] &= (member == 0) & (left[rows] > 0)
        rows = rows[wanting[rows].any(axis=1)]


def _unsafe(inside: np.ndarray, cells: np.ndarray, primary: np.ndarray, is_region: bool,
            min_count: int) -> np.ndarray:
    """``disclosure._unsafe`` per row: ``inside`` the hidden cells of the total, ``primary`` those that count."""
    hidden_primary = inside & primary
    primaries = hidden_primary.sum(axis=1)
    number = inside.sum(axis=1)
    total = np.where(inside, cells, 0.0).sum(axis=1)
    unsafe = _exposes(number, total, min_count)
    if is_region:  # its own municipalities' users each know one of the cells
        knowable = inside & ~((primaries == 1)[:, None] & hidden_primary)
        unsafe |= (knowable & _exposes((number - 1)[:, None], total[:, None] - cells, min_count)).any(axis=1)
    return unsafe & (primaries > 0)


def _exposes(cells, total, min_count: int):
    """``disclosure._sum_exposes`` elementwise: with two or more cells the others may hold all but one person
    each, so the range is 1..total - (cells - 1); one cell is its sum exactly."""
    return (cells != 0) & ((total - cells + 1 < min_count - 1) | ((cells == 1) & (total > 1)))


def _unknown_cells(counts: np.ndarray, present: np.ndarray, primary: np.ndarray, hidden: np.ndarray,
                   totals: Totals, layout: disclosure.Layout, viewer: int, min_count: int) -> np.ndarray:
    """``disclosure.unknown_cells`` for every month: the hidden cells but the viewer's, less the secondary cells
    shown to them."""
    own = totals.codes == viewer
    cells = hidden & ~own
    if not (cells & ~primary).any():
        return cells
    if (totals.region_of[present.any(axis=0)] == len(totals.regions)).any():  # a municipality in no region
        for row in np.flatnonzero((cells & ~primary).any(axis=1)).tolist():
            month = dict(zip(totals.codes[present[row]].tolist(), counts[row, present[row]].tolist(), strict=True))
            seen = disclosure.unknown_cells(month, frozenset(totals.codes[hidden[row]].tolist()), layout, viewer,
                                            min_count)
            cells[row] = np.isin(totals.codes, list(seen))
        return cells
    return cells & ~_Release(counts, primary, hidden, totals, layout, viewer, min_count).shown()


class _Release:
    """The last part of rule 2 for every month at once: each month's secondary cells, smallest first (lower code
    on ties), are shown to the viewer when no other municipality's primary cell needs them and no total the
    viewer sees is lost; step k looks at every month's k-th cell. Regions and groups are kept as running sums
    over the cells still hidden, and so is each region's share of the viewer's own group, which is what
    ``disclosure.exposed`` needs to check the group's total across the regions."""

    def __init__(self, counts, primary, hidden, totals: Totals, layout: disclosure.Layout, viewer: int,
                 min_count: int):
        self.counts, self.primary, self.totals, self.min_count = counts, primary, totals, min_count
        self.own = totals.codes == viewer
        self.remaining = hidden.copy()
        self.released = np.zeros(len(counts), dtype=bool)  # months where a cell has been shown
        self.others = hidden & primary & ~self.own  # never released, so fixed
        self.group_cells = totals.per_group(hidden)
        self.group_persons = totals.per_group(np.where(hidden, counts, 0.0))
        self.guarded = totals.per_group(self.others) > 0
        unknown = hidden & ~self.own
        self.block_cells = totals.per_region(unknown)
        self.block_persons = totals.per_region(np.where(unknown, counts, 0.0))
        self.block_primary = totals.per_region(self.others)
        self.small_region = _too_few(totals.per_region(counts), min_count)
        self.small_country = _too_few(counts.sum(axis=1), min_count)
        every = np.arange(len(counts))
        self.regions_shown = self._shown(self.block_cells, self.block_persons, self.block_primary, every)
        self.country = self._country(self.regions_shown, self.block_cells, self.block_persons, self.block_primary,
                                     every)
        group = np.isin(totals.codes, list(layout.groups.get(viewer, frozenset())))
        self.group = group if group.any() else None  # else its total is always shown (nothing in it to hide)
        group_shown = None
        if self.group is not None:
            self.small_group = _too_few(np.where(group, counts, 0.0).sum(axis=1), min_count)
            self.in_group = totals.per_region(unknown & group)
            self.in_group_persons = totals.per_region(np.where(unknown & group, counts, 0.0))
            self.in_group_primary = totals.per_region(self.others & group)
            group_shown = self._group_shown(self.regions_shown, self.country, self.block_cells, self.block_persons,
                                            self.block_primary, self.in_group, self.in_group_persons,
                                            self.in_group_primary, every)
        self.baseline = (self.regions_shown.copy(), self.country.copy(), group_shown)

    def shown(self) -> np.ndarray:
        """The secondary cells shown to the viewer."""
        secondary = self.remaining & ~self.primary & ~self.own
        rows, cols = np.nonzero(secondary)
        # A cell needed with every hidden cell in place stays needed as others are shown (module docstring):
        # only the rest are taken in turn.
        spare = ~self._needed_by_others(rows, cols)
        rows, cols = rows[spare], cols[spare]
        order = np.lexsort((cols, self.counts[rows, cols], rows))
        rows, cols = rows[order], cols[order]
        step = np.arange(len(rows)) - np.searchsorted(rows, rows)  # each cell's place in its month
        for k in range(int(step.max(initial=-1)) + 1):
            at = step == k
            self._consider(rows[at], cols[at])
        return secondary & ~self.remaining

    def _consider(self, rows: np.ndarray, cols: np.ndarray) -> None:
        """Show each month's cell (rows[k], cols[k]) if it may be, under the cells still hidden."""
        # Not needed with every hidden cell in place (``shown``), so only where one has been shown since.
        again = self.released[rows]
        spare = np.ones(len(rows), dtype=bool)
        spare[again] = ~self._needed_by_others(rows[again], cols[again])
        rows, cols = rows[spare], cols[spare]
        if not rows.size:
            return
        region = self.totals.region_of[cols]
        at = np.arange(len(rows))
        block_cells, block_persons = self.block_cells[rows], self.block_persons[rows]
        block_primary = self.block_primary[rows]
        block_cells[at, region] -= 1
        block_persons[at, region] -= self.counts[rows, cols]
        regions_shown = self._shown(block_cells, block_persons, block_primary, rows)
        country = self._country(regions_shown, block_cells, block_persons, block_primary, rows)
        shown_before, country_before, group_before = self.baseline
        covers = (regions_shown | ~shown_before[rows]).all(axis=1) & (country | ~country_before[rows])
        if self.group is not None:
            in_group, in_group_persons = self.in_group[rows], self.in_group_persons[rows]
            member = self.group[cols]
            in_group[at[member], region[member]] -= 1
            in_group_persons[at[member], region[member]] -= self.counts[rows[member], cols[member]]
            group_shown = self._group_shown(regions_shown, country, block_cells, block_persons, block_primary,
                                            in_group, in_group_persons, self.in_group_primary[rows], rows)
            covers &= group_shown | ~group_before[rows]
            self.in_group[rows[covers]] = in_group[covers]
            self.in_group_persons[rows[covers]] = in_group_persons[covers]
        rows, cols = rows[covers], cols[covers]
        self.remaining[rows, cols] = False
        self.released[rows] = True
        member = self.totals.group_weights[cols]
        self.group_cells[rows] -= member
        self.group_persons[rows] -= self.counts[rows, cols][:, None] * member
        self.block_cells[rows], self.block_persons[rows] = block_cells[covers], block_persons[covers]
        self.regions_shown[rows], self.country[rows] = regions_shown[covers], country[covers]

    def _needed_by_others(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``disclosure._needed_by_others`` for each cell (rows[k], cols[k]) with the cells still hidden."""
        totals = self.totals
        if len(rows) * len(totals.codes) <= WHOLE_ROWS:  # few cells: every column, the other regions masked
            inside = totals.region_masks[totals.region_of[cols]] & self.remaining[rows]
            inside[np.arange(len(rows)), cols] = False
            needed = _unsafe(inside, self.counts[rows], self.others[rows], True, self.min_count)
        else:  # many: region by region, on its own columns
            needed = np.zeros(len(rows), dtype=bool)
            region = totals.region_of[cols]
            for number, members in enumerate(totals.regions):
                at = np.flatnonzero(region == number)
                if at.size:
                    cells = np.ix_(rows[at], members)
                    inside = self.remaining[cells]
                    inside[np.arange(at.size), np.searchsorted(members, cols[at])] = False
                    needed[at] = _unsafe(inside, self.counts[cells], self.others[cells], True, self.min_count)
        # Each group the cell is in, one entry per (cell, group).
        count = totals.group_count[cols]
        pair = np.repeat(np.arange(len(cols)), count)
        entry = totals.first_group[cols][pair] + np.arange(len(pair)) - (np.cumsum(count) - count)[pair]
        group, month = totals.groups_of[entry], rows[pair]
        persons = self.group_persons[month, group] - self.counts[month, cols[pair]]
        unsafe = self.guarded[month, group] & _exposes(self.group_cells[month, group] - 1, persons, self.min_count)
        return needed | (np.bincount(pair, weights=unsafe, minlength=len(cols)) > 0)

    def _shown(self, cells, persons, primaries, rows) -> np.ndarray:
        """Each region's total: shown unless small or its hidden cells' sum narrows a primary cell (rule 3)."""
        return ~self.small_region[rows] & ~(_exposes(cells, persons, self.min_count) & (primaries > 0))

    def _country(self, regions_shown, cells, persons, primaries, rows) -> np.ndarray:
        """The country's total: the withheld regions' hidden cells together are its one block."""
        withheld = ~regions_shown
        number, total = (cells * withheld).sum(axis=1), np.where(withheld, persons, 0.0).sum(axis=1)
        narrows = _exposes(number, total, self.min_count) & ((primaries * withheld).sum(axis=1) > 0)
        return ~self.small_country[rows] & ~narrows

    def _group_shown(self, regions_shown, country, cells, persons, primaries, inside, inside_persons,
                     inside_primaries, rows) -> np.ndarray:
        """The viewer's own group total (``month_visible`` with ``disclosure.exposed``): shown unless small or,
        beside the sums the viewer knows (each shown region's hidden cells, and the withheld regions' together
        when the country is shown), it narrows a primary cell. Arrays are months × regions, for the hidden
        cells: their number, persons and primary cells, and the same for those in the group."""
        withheld = ~regions_shown
        known = np.concatenate([regions_shown, country[:, None]], axis=1)

        def blocks(figures):  # the known blocks: the regions, then the withheld ones as one
            withheld_sum = np.where(withheld, figures, 0.0).sum(axis=1)
            return np.where(known, np.concatenate([figures, withheld_sum[:, None]], axis=1), 0.0)

        number, total, primary = blocks(cells), blocks(persons), blocks(primaries)
        ins, ins_primary = blocks(inside), blocks(inside_primaries)
        outs = number - ins
        # group cells in no known block: what the group's own sum alone says of them
        loose = np.where(country, 0.0, np.where(withheld, inside, 0.0).sum(axis=1))
        loose_primary = np.where(country, 0.0, np.where(withheld, inside_primaries, 0.0).sum(axis=1))
        group_total = inside_persons.sum(axis=1)
        # _share_ranges: each block's share of the group total (a piece where the group holds part of it)
        piece = ins > 0
        low = np.where(piece, np.where(outs > 0, ins, total), 0.0)
        high = np.where(piece, total - outs, 0.0)
        lows = low.sum(axis=1) + loose
        highs = high.sum(axis=1)
        others_high = (highs + np.where(loose > 0, np.inf, 0.0))[:, None] - high
        share_low = np.where(piece, np.maximum(low, group_total[:, None] - others_high), 0.0)
        share_high = np.where(piece, np.minimum(high, group_total[:, None] - (lows[:, None] - low)), 0.0)
        exposed = (_narrowed(ins, ins_primary, share_low, share_high, self.min_count)
                   | _narrowed(outs, primary - ins_primary, total - share_high, total - share_low, self.min_count))
        loose_range = np.maximum(loose, group_total - highs), group_total - (lows - loose)
        exposed_loose = _narrowed(loose, loose_primary, *loose_range, self.min_count)
        safe = (primaries.sum(axis=1) == 0) | ~(exposed.any(axis=1) | exposed_loose)
        return ~self.small_group[rows] & safe


def _narrowed(cells, primaries, low, high, min_count: int) -> np.ndarray:
    """``disclosure._narrowed`` elementwise, as a flag: ``cells`` hidden cells, ``primaries`` of them primary,
    their sum within low..high."""
    several = cells > 1  # one cell can be as small as 1 while the others take the rest
    low, high = np.where(several, 1, low), np.where(several, high - (cells - 1), high)
    return (cells > 0) & (primaries > 0) & ~((low <= 1) & (high >= min_count - 1))


def _too_few(persons: np.ndarray, min_count: int) -> np.ndarray:
    return (persons > 0) & (persons < min_count)


def month_by_month(monthly: Columns, counted: str, layout: disclosure.Layout, viewer: int,
                   min_count: int) -> Unknown:
    """``unknown`` through kpi/disclosure.py's own month-by-month path, as a table: for counts ``shared`` cannot
    take (its sums are exact for whole numbers only)."""
    _, months, with_primary = _primary_months(monthly, np.asarray(monthly[counted], dtype=float), min_count)
    months = np.sort(months[with_primary])
    monthly = pd.DataFrame({name: monthly[name] for name in ("municipality_code", "period", counted)})
    small = disclosure.months_with_primary(monthly, counted, min_count)
    found = disclosure.unknown_by_month(disclosure.month_counts(small, counted), layout, viewer, min_count)
    codes = np.unique(monthly["municipality_code"].to_numpy(dtype=np.int64))
    cells = np.zeros((len(months), len(codes)), dtype=bool)
    key = pd.Timestamp if months.dtype.kind == "M" else _same
    row = {key(month): i for i, month in enumerate(months)}
    for month, seen in found.items():
        if seen and key(month) in row:
            cells[row[key(month)]] = np.isin(codes, list(seen))
    return Unknown(months, codes, cells)


def _same(value):
    return value


def hidden_rows(frame: Columns, unknown: Unknown, counted: str, granularity: str, min_count: int) -> np.ndarray:
    """Rules 1 and 4 for a frame of municipality_code and period (months, quarters or years): hidden where the
    period counts too few persons itself or where any of its months is unknown."""
    persons = np.asarray(frame[counted], dtype=float)
    hidden = (persons > 0) & (persons < min_count)
    if not unknown.cells.any() or not len(persons):
        return hidden
    # The months are in order, so each period's months are consecutive rows of the table.
    month_buckets = _bucket(unknown.months, granularity)
    first = np.flatnonzero(np.r_[True, month_buckets[1:] != month_buckets[:-1]])
    buckets, covered = month_buckets[first], np.logical_or.reduceat(unknown.cells, first, axis=0)
    # Each row's place in that table, looked up through the frame's few distinct periods and codes.
    which, periods = pd.factorize(np.asarray(frame["period"]), sort=False)  # -1: no period
    period_buckets = _bucket(np.asarray(periods), granularity)
    at = np.minimum(np.searchsorted(buckets, period_buckets), len(buckets) - 1)
    row = np.append(np.where(buckets[at] == period_buckets, at, -1), -1)[which]
    codes = np.asarray(frame["municipality_code"], dtype=np.int64)
    which, distinct = pd.factorize(codes, sort=False)
    at = np.minimum(np.searchsorted(unknown.codes, distinct), len(unknown.codes) - 1)
    col = np.where(unknown.codes[at] == distinct, at, -1)[which]
    found = (row >= 0) & (col >= 0)
    return hidden | (found & covered[np.maximum(row, 0), np.maximum(col, 0)])


def _bucket(periods: np.ndarray, granularity: str) -> np.ndarray:
    """The month number (months since 1970) of the first month of each period's month, quarter or year."""
    months = periods.astype("datetime64[M]").astype(np.int64)
    if granularity == "year":
        return months - months % 12
    if granularity == "quarter":
        return months - months % 3
    return months
