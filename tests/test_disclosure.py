"""Primary and secondary suppression (kpi/disclosure.py), each rule on small worked examples, then
hypothesis worlds attacked by brute force (tests/disclosure_oracle.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi import disclosure as d

from .disclosure_oracle import pinned_down

ONE_REGION = {1: frozenset({1, 2, 3, 4})}
NONE: frozenset[int] = frozenset()


def layout(regions: dict, **groups: set) -> d.Layout:
    """Regions, and groups given as g<owner>={peers}."""
    return d.Layout(regions, {int(owner[1:]): frozenset(peers) for owner, peers in groups.items()})


def test_a_lone_small_cell_takes_the_smallest_shown_cells_of_its_region_with_it():
    # 1 has 2 persons (primary). Hidden alone, the region total minus 2, 3 and 4 gives it, so the smallest
    # shown cell with persons, 3 (6), is hidden too. Then 3's own users know 6 and could take 1 = total - 6 -
    # 7 - 9, so the next smallest, 2 (7), goes as well. Now whoever knows one of the three hidden cells still
    # has two unknowns: 1 + 3 = 8 (user of 2) leaves 1 anywhere in 1..7, 1 + 2 = 9 in 1..8.
    counts = {1: 2, 2: 7, 3: 6, 4: 9}
    assert d.hidden_cells(counts, layout(ONE_REGION), 5) == {1, 2, 3}


def test_equal_counts_go_to_the_lower_code_and_cells_without_persons_are_never_hidden():
    # 1 has 2; 2 and 3 have 6 each, 4 has none. First 2 (lower code), then 3 for 2's own users' sake.
    assert d.hidden_cells({1: 2, 2: 6, 3: 6, 4: 0}, layout(ONE_REGION), 5) == {1, 2, 3}
    # Nothing small: nothing hidden.
    assert d.hidden_cells({1: 5, 2: 0, 3: 12}, layout(ONE_REGION), 5) == NONE


def test_when_the_region_runs_out_of_cells_the_total_is_withheld_from_those_who_could_use_it():
    # The small scenario's January: 479 has 1 child, 420 5, 410 none. Hiding 420 protects 479 from everyone
    # but 420's own users, who know their 5: 1 + 5 + 0 - 5 = 1. Nothing else has persons to hide.
    counts = {479: 1, 420: 5, 410: 0}
    region = {1083: frozenset(counts)}
    hidden = d.hidden_cells(counts, layout(region), 5)
    assert hidden == {479, 420}
    seen_by_420 = d.visible_totals(counts, hidden - {420}, region, frozenset({410, 479}), True, 5)
    assert seen_by_420 == d.Visible({1083: False}, False, False)
    # 410's users see the total (6) and their group's (479 + 420 = 6): 479 could still be anything from 1 to 5.
    seen_by_410 = d.visible_totals(counts, hidden, region, frozenset({420, 479}), True, 5)
    assert seen_by_410 == d.Visible({1083: True}, True, True)


def test_two_small_cells_hidden_together_must_leave_room_for_each_other():
    # 1 and 2 hold 1 + 2 = 3 persons: each could only be 1 or 2, so 3 (20) is hidden with them.
    assert d.hidden_cells({1: 1, 2: 2, 3: 20}, layout(ONE_REGION), 5) == {1, 2, 3}


def test_a_secondary_cell_is_shown_to_the_user_whose_own_figure_it_protects():
    counts = {479: 1, 420: 5, 410: 0}
    cluster = layout({1083: frozenset(counts)}, g479={410, 420}, g420={410, 479}, g410={420, 479})
    hidden = d.hidden_cells(counts, cluster, 5)
    # Svendborg (479) may see Assens' 5: it protects only Svendborg's own 1, and every total stays visible.
    assert d.unknown_cells(counts, hidden, cluster, 479, 5) == NONE
    # Middelfart (410) may not: with 5 and its own 0, the total of 6 would give Svendborg's 1.
    assert d.unknown_cells(counts, hidden, cluster, 410, 5) == {479, 420}


def test_a_group_that_cuts_a_block_in_two_can_give_a_cell_away():
    counts = {1: 2, 2: 3, 3: 10}
    block = frozenset(counts)
    # Region total 15 and group total 3 + 10 = 13: 1 = 15 - 13 = 2 exactly.
    assert d.exposed([block], frozenset({2, 3}), counts, frozenset({1, 2}), 5) == {1}
    # The group holds all three: no new sum, nothing narrows (1 and 2 range over 1..13 and more).
    assert d.exposed([block], block, counts, frozenset({1, 2}), 5) == NONE


def test_a_group_across_two_regions_leaves_one_degree_of_freedom():
    # Region sums p + s = 2 + 6 = 8 and q + t = 3 + 7 = 10, group p + q = 5. Moving k persons from s to p,
    # from q to t keeps all three sums: p = 2 + k for k in -1..2 (s, q ≥ 1), so p is anything in 1..4,
    # and q = 3 - k likewise.
    counts = {"p": 2, "s": 6, "q": 3, "t": 7}
    blocks = [frozenset({"p", "s"}), frozenset({"q", "t"})]
    assert d.exposed(blocks, frozenset({"p", "q"}), counts, frozenset({"p", "q"}), 5) == NONE
    # With a threshold of 6, p would need to reach 5: p + q = 5 with q ≥ 1 stops it at 4.
    assert d.exposed(blocks, frozenset({"p", "q"}), counts, frozenset({"p", "q"}), 6) == {"p", "q"}


def test_another_municipalitys_group_is_shown_only_without_cells_the_user_cannot_see():
    counts = {1: 2, 2: 7, 3: 6, 4: 9}
    hidden = d.hidden_cells(counts, layout(ONE_REGION), 5)  # {1, 2, 3}, as worked out above
    assert d.visible_totals(counts, hidden, ONE_REGION, frozenset({2, 4}), False, 5).group is False
    assert d.visible_totals(counts, hidden, ONE_REGION, frozenset({4}), False, 5).group is True


def test_a_quarter_with_a_hidden_month_is_hidden_and_so_is_a_small_quarter():
    frame = pd.DataFrame({"municipality_code": [1, 2, 3], "period": [date(2026, 1, 1)] * 3,
                          "numerator": [7.0, 7.0, 2.0]})
    unknown = {date(2026, 1, 1): frozenset(), date(2026, 2, 1): frozenset({1}), date(2026, 4, 1): frozenset({2})}
    # 1: February hidden → Q1 hidden. 2: only April (Q2) hidden → Q1 shown. 3: 2 persons on average → hidden.
    hidden = d.hidden_periods(frame, unknown, "numerator", "quarter", 5)
    assert hidden.tolist() == [True, False, True]


def test_a_group_holding_a_single_hidden_cell_takes_its_smallest_shown_member_with_it():
    # Region: 1 (2 persons) is primary; 4 (6) and 5 (8) go with it as above: 1 + 5 = 10 for 4's users, 1 + 4 = 8
    # for 5's. Municipality 6's group is 1, 2 and 3: its total minus 2 and 3 would give 1, so the group's
    # smallest shown member with persons, 2 (30), is hidden too. Then 6 sees its group total, 32 = 1 + 2: 1 in 1..31.
    counts = {1: 2, 2: 30, 3: 40, 4: 6, 5: 8, 6: 50}
    world = layout({1: frozenset(counts)}, g6={1, 2, 3})
    hidden = d.hidden_cells(counts, world, 5)
    assert hidden == {1, 2, 4, 5}
    # 4 was hidden for the region's sake before 2 was; with 2 hidden, 1 is safe without 4 (users of 2 know
    # 1 + 5 = 10, users of 5 know 1 + 2 = 32), so 4 protects nothing and 6 may see it. 2 and 5 it may not.
    unknown = d.unknown_cells(counts, hidden, world, 6, 5)
    assert unknown == {1, 2, 5}
    assert d.visible_totals(counts, unknown, world.regions, world.groups[6], True, 5).group


@st.composite
def worlds(draw):
    """Up to three regions of one to three municipalities, counts 0-8, a group for each, a viewer (0: an
    outsider) and a threshold."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    codes = iter(range(1, 10))
    regions = {r: frozenset(next(codes) for _ in range(size)) for r, size in enumerate(sizes)}
    members = sorted(frozenset().union(*regions.values()))
    counts = {m: draw(st.integers(0, 8)) for m in members}
    groups = {m: frozenset(draw(st.sets(st.sampled_from(members), max_size=4))) - {m} for m in members}
    viewer = draw(st.sampled_from([0, *members]))
    return d.Layout(regions, groups), counts, viewer, draw(st.integers(2, 6))


def sums_seen(counts, unknown, world: d.Layout, group, seen: d.Visible) -> list:
    """The sums over hidden cells that a user learns from the totals shown to them."""
    sets = [world.regions[r] for r, shown in seen.regions.items() if shown]
    sets += [frozenset(counts)] if seen.country else []
    sets += [group] if seen.group else []
    return [(unknown & s, sum(counts[m] for m in unknown & s)) for s in sets]


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_no_hidden_small_cell_can_be_narrowed_from_what_a_user_sees(world):
    layout_, counts, viewer, min_count = world
    hidden = d.hidden_cells(counts, layout_, min_count)
    primary = {m for m, c in counts.items() if 0 < c < min_count}
    assert primary <= hidden
    unknown = d.unknown_cells(counts, hidden, layout_, viewer, min_count)
    assert primary - {viewer} <= unknown <= hidden - {viewer}
    group = layout_.groups.get(viewer, frozenset())
    seen = d.visible_totals(counts, unknown, layout_.regions, group, True, min_count)
    sums = sums_seen(counts, unknown, layout_, group, seen)
    assert pinned_down(sorted(primary & unknown), sums, min_count) == []
