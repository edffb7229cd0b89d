"""Monthly totals combined into the figures of a node and its children, as each measure's over_time says.

Every way a measure combines months is a weighted sum of its monthly totals over the period's months
M (the months the warehouse covers; a month without rows has total 0):

    sum        w(m) = 1                 (a flow: spend in the month)
    average    w(m) = 1 / |M|           (a stock: persons in the month)
    full_year  w(m) = 1 / Σ_M days      (person-days over days: full-year persons)
    last       w(m) = 1 if m = max M    (a year-to-date figure: the period's last month)

so a figure is additive over any split of the rows, and a period's figure is the sum of its
sub-periods' *contributions*: each sub-period's monthly totals weighted by the period's weights.
A child's own figure uses its own months' weights; its contribution uses the parent's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

NO_KEY = "\x00"  # stands for NULL keys inside pandas, where None and NaN do not group reliably


def weights(months: pd.DataFrame, how: str) -> pd.Series:
    """Per month of ``months`` (columns month, days): its weight in the period they make up."""
    if how == "sum":
        weight = np.ones(len(months))
    elif how == "average":
        weight = np.full(len(months), 1.0 / len(months))
    elif how == "full_year":
        weight = np.full(len(months), 1.0 / months["days"].sum())
    elif how == "last":
        weight = (months["month"] == months["month"].max()).astype(float).to_numpy()
    else:
        raise ValueError(f"ukendt over_time: {how}")
    return pd.Series(weight, index=months["month"].to_numpy())


def figures(rows: pd.DataFrame, months: pd.DataFrame, how_of_part: dict[str, str],
            bucket_of: Callable[[date], str] | None = None) -> pd.DataFrame:
    """Rows of (part, who, key, month, total) into (part, who, key, figure, contribution).

    ``how_of_part`` says how each part's measure combines months. With ``bucket_of`` the node is
    split into periods: each month's rows go to the child its bucket names (the key), and the
    child's figure uses the bucket's own weights."""
    if rows.empty:
        return pd.DataFrame({"part": [], "who": [], "key": [], "figure": [], "contribution": []})
    table = []
    for how in set(how_of_part.values()):
        part = months[["month"]].assign(how=how, node_weight=weights(months, how).to_numpy())
        if bucket_of is None:
            part["own_weight"] = part["node_weight"]
        else:
            part["bucket"] = [bucket_of(m) for m in months["month"]]
            part["own_weight"] = 0.0
            for _, group in months.groupby(part["bucket"]):
                part.loc[group.index, "own_weight"] = weights(group, how).to_numpy()
        table.append(part)
    weighted = rows.assign(how=rows["part"].map(how_of_part)).merge(pd.concat(table), on=["how", "month"])
    if bucket_of is not None:
        weighted["key"] = weighted["bucket"]
    # Not fillna: on a column that is NULL throughout (object dtype), pandas fills "\x00" as "".
    weighted["key"] = pd.Series([NO_KEY if pd.isna(k) else k for k in weighted["key"]], index=weighted.index,
                                dtype=object)
    weighted["figure"] = weighted["total"] * weighted["own_weight"]
    weighted["contribution"] = weighted["total"] * weighted["node_weight"]
    return weighted.groupby(["part", "who", "key"], as_index=False, sort=False)[["figure", "contribution"]].sum()


def children(numerator: pd.DataFrame, denominator: pd.DataFrame | None, denominator_split: bool, scale: float,
             who: str, keys: list[str]) -> tuple[pd.DataFrame, dict]:
    """The children (indexed by key) and the node's own figures, for one ``who``, from figure rows
    (who, key, figure, contribution) of each side.

    Without a denominator (a side on its own) the value is the numerator. When the split does not
    apply to the denominator, every child keeps the node's denominator."""
    figure, contribution = _by_key(numerator, who)
    parent_numerator = sum(contribution.values())
    own = np.array([figure.get(k, 0.0) for k in keys], dtype=float)
    share = np.array([contribution.get(k, 0.0) for k in keys], dtype=float)
    frame = pd.DataFrame({"numerator": own,
                          "share_of_parent": share / parent_numerator if parent_numerator else np.nan},
                         index=pd.Index(keys, name="key"))
    if denominator is None:
        frame["denominator"] = np.nan
        frame["value"] = own
        return frame, {"numerator": parent_numerator, "denominator": np.nan, "value": parent_numerator}
    figure, contribution = _by_key(denominator, who)
    parent_denominator = sum(contribution.values())
    if denominator_split:
        frame["denominator"] = [figure.get(k, 0.0) for k in keys]
    else:
        frame["denominator"] = float(parent_denominator)
    frame["value"] = ratio(frame["numerator"], frame["denominator"], scale)
    parent = {"numerator": parent_numerator, "denominator": parent_denominator,
              "value": parent_numerator * scale / parent_denominator if parent_denominator else np.nan}
    return frame, parent


def _by_key(side: pd.DataFrame, who: str) -> tuple[dict, dict]:
    mine = side[side["who"] == who]
    return (dict(zip(mine["key"], mine["figure"].astype(float), strict=True)),
            dict(zip(mine["key"], mine["contribution"].astype(float), strict=True)))


def ratio(numerator: pd.Series, denominator: pd.Series, scale: float) -> pd.Series:
    denominator = denominator.astype(float)
    return numerator.astype(float) * scale / denominator.where(denominator != 0, np.nan)
