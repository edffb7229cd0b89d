"""An attacker for the disclosure tests, independent of kpi/disclosure.py: brute force over whole numbers.

Given the sums an attacker has seen (each over a set of hidden cells, the shown cells already
subtracted) and that every hidden cell counts at least one person, ``possible`` tells which values
one hidden cell can still take. A cell in no sum can take any value.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

Sums = Sequence[tuple[frozenset[Hashable], float]]


def possible(cell: Hashable, value: int, sums: Sums) -> bool:
    """Is there an assignment of whole numbers ≥ 1 to the hidden cells with ``cell`` = ``value`` that gives
    every sum?"""
    sums = [(set(cells), total) for cells, total in sums if cells]
    cells = sorted({c for members, _ in sums for c in members} - {cell}, key=repr)
    remaining = [total - (value if cell in members else 0) for members, total in sums]
    open_cells = [len(members - {cell}) for members, _ in sums]
    return _search(cells, 0, sums, remaining, open_cells, set())


def _search(cells: list, index: int, sums, remaining: list[float], open_cells: list[int], failed: set) -> bool:
    """Depth first over the cells' values. Which cells are open follows from ``index``, so (index, what each sum
    still needs) is the whole state: one found to fail is never searched again, which keeps an unlucky world
    (many cells, large sums) from taking hours."""
    if any(r < n for r, n in zip(remaining, open_cells, strict=True)):  # each open cell needs at least 1
        return False
    if index == len(cells):
        return all(r == 0 for r in remaining)
    state = (index, tuple(remaining))
    if state in failed:
        return False
    cell = cells[index]
    touching = [i for i, (members, _) in enumerate(sums) if cell in members]
    highest = min(remaining[i] - (open_cells[i] - 1) for i in touching)
    for value in range(1, int(highest) + 1):
        for i in touching:
            remaining[i] -= value
            open_cells[i] -= 1
        found = _search(cells, index + 1, sums, remaining, open_cells, failed)
        for i in touching:
            remaining[i] += value
            open_cells[i] += 1
        if found:
            return True
    failed.add(state)
    return False


def pinned_down(primaries: dict[Hashable, int], sums: Sums, min_count: int) -> list[Hashable]:
    """The hidden primary cells that cannot take every value 1..min_count - 1 under the sums seen."""
    return [cell for cell in primaries if not all(possible(cell, v, sums) for v in range(1, min_count))]
