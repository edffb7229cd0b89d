"""Largest difference: the split that best shows where a municipality differs from its group.

For a node with own value V = k·n/d and group value G = k·N/D (k the KPI's scale, group figures
summed over the comparison group), each dimension's children i split the gap exactly:

    V − G = Σ_i c_i,   c_i = k·n_i/d − k·N_i/D   (the child's contribution, own minus group)

When the dimension also splits the denominator (age band and sex split the population), each c_i
is split further by the Kitagawa (symmetric shift-share) decomposition into mix and rate:

    s_i = d_i/d, S_i = D_i/D          (composition: the child's share of the denominator)
    r_i = k·n_i/d_i, R_i = k·N_i/D_i  (the child's own rate)
    mix_i  = (s_i − S_i)·(r_i + R_i)/2   the part due to a different make-up (more 12-17-year-olds)
    rate_i = (r_i − R_i)·(s_i + S_i)/2   the part due to a different rate within the child

and c_i = mix_i + rate_i. A child with no denominator on one side borrows the other side's rate
(both empty: 0), and any remainder (persons counted against no population) is rate. When the
dimension does not split the denominator (placement type: the population has none), the children's
denominators are the node's, s_i = S_i, so mix_i = 0 and rate_i = c_i.

A dimension's explained share is the largest c_i / (V − G) among its children that may be shown:
how much of the gap one child of the split accounts for (above 1 when other children pull the other
way). The dimension with the largest explained share is chosen and split; the explanation lists
every dimension weighed, with its total mix and rate effects and its leading child.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from locale_da import number

from .decompose import (
    Decomposition,
    assemble_keeping_figures,
    choices_at,
    comparable_dimensions,
    order_children,
)
from .gather import gather
from .labels import dimension_labels
from .node import PathError

EXPLANATION_COLUMNS = ["dimension", "label", "gap", "mix", "rate", "explained_share", "top_key", "top_label"]
SHIFT_SHARE_COLUMNS = ["own_contribution", "group_contribution", "difference", "mix", "rate"]


def shift_share(own: pd.DataFrame, group: pd.DataFrame, own_parent: dict, group_parent: dict, scale: float,
                split_denominator: bool) -> pd.DataFrame:
    """Per child (same index in ``own`` and ``group``): contributions, their difference, mix and rate."""
    n, d, big_n, big_d = own["numerator"], own["denominator"], group["numerator"], group["denominator"]
    frame = pd.DataFrame(index=own.index)
    frame["own_contribution"] = scale * n / own_parent["denominator"]
    frame["group_contribution"] = scale * big_n / group_parent["denominator"]
    frame["difference"] = frame["own_contribution"] - frame["group_contribution"]
    if split_denominator:
        s, big_s = d / own_parent["denominator"], big_d / group_parent["denominator"]
        r = (scale * n / d.where(d != 0)).astype(float)
        big_r = (scale * big_n / big_d.where(big_d != 0)).astype(float)
        r, big_r = r.fillna(big_r).fillna(0.0), big_r.fillna(r).fillna(0.0)
        frame["mix"] = (s - big_s) * (r + big_r) / 2
    else:
        frame["mix"] = 0.0
    frame["rate"] = frame["difference"] - frame["mix"]
    return frame


def largest_difference(engine, scope, node, appstate) -> Decomposition:
    candidates = comparable_dimensions(engine, node)
    if not candidates:
        raise PathError("Her er ingen opdeling, som sammenligningsgruppen også kan opdeles efter.")
    gathered = gather(engine, scope, node, candidates, True, appstate)
    weighed, results = [], {}
    for candidate in candidates:
        figures = {role: gathered.side(role, candidate) for role, _ in node.sides()}
        applies = gathered.split_applies(candidate)
        shown, unhidden = assemble_keeping_figures(scope, gathered, figures, applies)
        (own, own_parent), (group, group_parent) = unhidden["own"], unhidden["group"]
        split_denominator = applies.get("denominator", False)
        if not (own_parent["denominator"] and group_parent["denominator"]):
            continue
        parts = shift_share(own, group, own_parent, group_parent, node.kpi.scale, split_denominator)
        parts.index = shown.children.index
        hidden = shown.children["suppressed"] | shown.children["group_suppressed"]
        weighed.append(_weigh(candidate, shown, parts, hidden))  # totals over every child, the leader among those shown
        parts.loc[hidden, SHIFT_SHARE_COLUMNS] = np.nan
        shown.children = shown.children.join(parts)
        results[candidate.name] = (candidate, shown, gathered.labels)
    explanation = pd.DataFrame(weighed, columns=EXPLANATION_COLUMNS)
    if explanation.empty or explanation["gap"].isna().all():
        raise PathError("Kommunen eller sammenligningsgruppen har ingen tal her, eller tallene hviler på for få "
                        "personer til at kunne sammenlignes.")
    if not explanation["gap"].abs().gt(0).any():
        raise PathError("Der er ingen forskel mellem kommunen og sammenligningsgruppen her.")
    if explanation["explained_share"].isna().all():
        raise PathError("Opdelingerne af sammenligningsgruppen hviler på for få personer til at kunne vises.")
    explanation["top_label"] = [_top_label(engine, scope, results, row) for row in explanation.itertuples()]
    best = explanation.loc[explanation["explained_share"].idxmax()]
    candidate, result, known = results[best["dimension"]]
    labels = dimension_labels(engine.warehouse, scope, candidate, list(result.children["key"]), known)
    result.children.insert(1, "label", [labels[k] for k in result.children["key"]])
    result = order_children(result, candidate)
    result.by, result.by_label = candidate.name, candidate.label
    result.explanation = explanation
    result.available = choices_at(engine, scope, node)
    decimals = node.kpi.decimals
    result.notes = [f"Forskellen til sammenligningsgruppen ({number(best['gap'], decimals)} {node.kpi.unit}) ligger "
                    f"især i {candidate.label.lower()}: {best['top_label']} står for "
                    f"{number(best['explained_share'] * best['gap'], decimals)} af den."]
    return result


def _weigh(candidate, shown: Decomposition, parts: pd.DataFrame, hidden: pd.Series) -> dict:
    gap = shown.parent["value"] - shown.parent["group_value"]
    row = {"dimension": candidate.name, "label": candidate.label, "gap": gap, "mix": parts["mix"].sum(),
           "rate": parts["rate"].sum(), "explained_share": np.nan, "top_key": None, "top_label": None}
    visible = parts.loc[~hidden, "difference"].dropna()
    if gap and np.isfinite(gap) and len(visible):
        shares = visible / gap
        top = shares.idxmax()
        row.update(explained_share=float(shares[top]), top_key=shown.children.loc[top, "key"])
    return row


def _top_label(engine, scope, results, row) -> str | None:
    if row.dimension not in results or pd.isna(row.explained_share):
        return None
    candidate, _, known = results[row.dimension]
    key = None if pd.isna(row.top_key) else row.top_key
    return dimension_labels(engine.warehouse, scope, candidate, [key], known)[key]
