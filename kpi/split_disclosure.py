"""Hiding the children of a split that rest on too few persons, with the secondary suppression a sum invites.

A child counting 1 to min_count - 1 persons on the KPI's counted side is hidden (primary). Since
the children add up to their parent, one hidden child could be worked out from the parent and its
siblings, so when exactly one is hidden the smallest other non-empty child is hidden too
(secondary). A parent that is itself hidden hides every child. (Cells of whole municipalities
follow kpi/disclosure.py; this is the same idea one level down, inside one municipality or group.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Kpi


def too_few(kpi: Kpi, count: float | None) -> bool:
    return count is not None and kpi.min_count > 1 and 0 < count < kpi.min_count


def hide_small(kpi: Kpi, children: pd.DataFrame, parent_hidden: bool, counted: str | None,
               columns: list[str]) -> pd.Series:
    """Blank ``columns`` of the children that could disclose persons; returns which were hidden.
    ``counted`` names the column holding the counted persons per child (None: the split does not
    divide them, so only the parent matters)."""
    hidden = pd.Series(parent_hidden, index=children.index)
    if kpi.counted is None or kpi.min_count <= 1:
        return hidden & False
    if not parent_hidden and counted is not None:
        counts = children[counted].astype(float)
        hidden = (counts > 0) & (counts < kpi.min_count)
        if hidden.sum() == 1:
            others = counts[(~hidden) & (counts > 0)]
            if len(others):
                hidden[others.idxmin()] = True
    children.loc[hidden, columns] = np.nan
    return hidden
