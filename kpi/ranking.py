"""Rank among all municipalities, and position within the comparison group, period by period.

Rank 1 is the best value where the KPI says which way is better: the highest for higher_better,
the lowest for lower_better. Where it does not (neutral, target_band) rank 1 is the lowest value,
an order and not a judgement. Values are compared as they are shown, rounded to the KPI's
decimals; equal values share the better rank and the next rank skips it (1, 2, 2, 4). Only values
the user may see are ranked: a hidden value, or a municipality without one (no denominator), gets
no rank and moves no one else's, so a rank tells nothing about a hidden value.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from .catalogue import Direction, Kpi

RANK_COLUMNS = ["period", "municipality_code", "numerator", "denominator", "value", "suppressed", "rank",
                "ranked", "in_group", "group_rank", "group_ranked"]
POSITION_COLUMNS = ["period", "value", "rank", "ranked", "group_rank", "group_ranked", "group_size", "group_text"]


def ascending(kpi: Kpi) -> bool:
    return kpi.direction is not Direction.HIGHER_BETTER


def order_text(kpi: Kpi) -> str:
    """What rank 1 means, in Danish."""
    if kpi.direction is Direction.HIGHER_BETTER:
        return "Nr. 1 har den højeste værdi, som er bedst."
    if kpi.direction is Direction.LOWER_BETTER:
        return "Nr. 1 har den laveste værdi, som er bedst."
    return "Nr. 1 har den laveste værdi; rækkefølgen siger ikke, hvad der er bedst."


def ranks(values: pd.DataFrame, kpi: Kpi, group: Collection[int]) -> pd.DataFrame:
    """Rank and group rank for each row of ``values`` (engine.values: municipality, period, value, suppressed),
    among the shown values of the same period; ``group`` is the own municipality and its peers."""
    frame = values.copy()
    shown = frame["value"].notna() & ~frame["suppressed"]
    frame["in_group"] = frame["municipality_code"].isin(list(group))
    compared = frame["value"].round(kpi.decimals)
    for prefix, included in (("", shown), ("group_", shown & frame["in_group"])):
        by_period = compared.where(included).groupby(frame["period"])
        frame[prefix + "rank"] = by_period.rank(method="min", ascending=ascending(kpi)).astype("Int64")
        frame[prefix + "ranked"] = included.groupby(frame["period"]).transform("sum").astype(int)
    return frame[RANK_COLUMNS]


def position(ranked: pd.DataFrame, municipality: int, group_size: int) -> pd.DataFrame:
    """One municipality's rows of ``ranks``, with its place in the group in words ("3 af 7")."""
    own = ranked[ranked["municipality_code"] == municipality].copy()
    own["group_size"] = group_size
    own["group_text"] = [_group_text(r, n, group_size) for r, n in zip(own["group_rank"], own["group_ranked"],
                                                                        strict=True)]
    return own[POSITION_COLUMNS].reset_index(drop=True)


def _group_text(rank, ranked: int, size: int) -> str:
    if pd.isna(rank):
        return ""
    text = f"{rank} af {ranked}"
    missing = size - ranked
    if missing:
        text += f" ({missing} {'kommune' if missing == 1 else 'kommuner'} uden et tal, der kan vises)"
    return text
