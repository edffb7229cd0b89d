"""Decomposition trees (opdelingstræ, F-ANA-NUMDEN/TIME/DIMS/TREE): a KPI split step by step.

``decompose(engine, scope, kpi_id, municipality, period, granularity, path, by)`` takes a node (the
KPI for a municipality and period, narrowed by the ``path`` of choices made so far, see kpi/node.py)
and splits it ``by`` a dimension name, ``"period"`` (the next finer period), ``"month"``,
``"numerator_denominator"`` or ``"largest_difference"`` (kpi/difference.py). Each child has a key
(to put on the path), a Danish label, numerator, denominator, value and share_of_parent.

What "add up" means (tested for every KPI in tests/test_decompose*.py):

- Dimension split: the children's numerators sum to the node's numerator. If the dimension applies
  to the denominator's fact (sex for the population), their denominators sum to the node's
  denominator and each value is the child's own rate. If not (placement type: the population has
  none), every child keeps the node's denominator, so the values are contributions that sum to the
  node's value. Rows with no value for the dimension form a child of their own ("Uoplyst").
- Period split (year → quarters or months, quarter → months): each child is its own period's figure,
  and the node's numerator (and denominator) is the children's combined as the measure's over_time
  says: the sum for a flow; the average weighted by months for a stock; weighted by days for
  full-year persons; the last child's for a year-to-date figure (see kpi/figures.py). The value is
  then numerator / denominator, never an average of the children's values.
- A side on its own (path ``("side", "numerator")``): the children's amounts sum to the node's.
- share_of_parent is each child's part of the node's numerator (for a period split, its months
  weighted as in the node), so the shares of all children sum to 1.

All sides come from the aggregates in one statement, filtered to the municipality (and its
comparison group when asked) and the period; only a split the aggregates lack (provider, caseworker,
unit) reads the person-level facts through data_access, for a leader's own municipality.
Values for another municipality, and the group's values, are hidden where they rest on too few
persons (kpi/split_disclosure.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from data_access.appstate import AppState
from data_access.scope import Role, UserScope

from .catalogue import Dimension
from .engine import KpiEngine, period_label
from .figures import NO_KEY, children
from .gather import Gathered, gather
from .labels import dimension_labels
from .node import (
    LARGEST_DIFFERENCE,
    MONTH,
    NUMERATOR_DENOMINATOR,
    PERIOD,
    Node,
    PathError,
    Source,
    follow,
    next_finer,
    open_dimensions,
    root,
    source,
)
from .split_disclosure import hide_small, too_few

CHILD_COLUMNS = ["key", "label", "numerator", "denominator", "value", "share_of_parent", "suppressed"]
GROUP_COLUMNS = ["group_numerator", "group_denominator", "group_value", "group_suppressed"]
_FINER_LABEL = {"quarter": "Kvartaler", "month": "Måneder"}


@dataclass
class Decomposition:
    kpi_id: str
    by: str  # what the node was split by (for largest_difference: the dimension it chose)
    by_label: str
    parent: dict  # numerator, denominator, value of the node (and group_* when compared)
    children: pd.DataFrame  # CHILD_COLUMNS (+ GROUP_COLUMNS when compared)
    available: list[tuple[str, str]]  # what the node can still be split by: (name, Danish label)
    explanation: pd.DataFrame | None = None  # largest_difference: one row per dimension weighed
    notes: list[str] = field(default_factory=list)  # Danish remarks for the reader


def decompose(engine: KpiEngine, scope: UserScope, kpi_id: str, municipality: int, period: date,
              granularity: str, path: Sequence[tuple[str, str | None]] = (), by: str = NUMERATOR_DENOMINATOR,
              compare: bool = False, appstate: AppState | None = None) -> Decomposition:
    node = follow(engine.catalogue, root(engine.kpi(kpi_id), municipality, period, granularity), path)
    if by == LARGEST_DIFFERENCE:
        from .difference import largest_difference

        return largest_difference(engine, scope, node, appstate)
    available = choices_at(engine, scope, node)
    if by not in dict(available):
        raise PathError(f"{kpi_id} kan ikke opdeles efter {by!r} her; muligt er: "
                        + ", ".join(name for name, _ in available))
    if by in (PERIOD, MONTH):
        finer = MONTH if by == MONTH else next_finer(node.granularity)
        result = split_by_period(engine, scope, node, finer, compare, appstate)
    elif by == NUMERATOR_DENOMINATOR:
        result = split_into_sides(engine, scope, node, compare, appstate)
    else:
        chosen = next(d for d in open_dimensions(engine.catalogue, node) if d.name == by)
        result = split_by_dimension(engine, scope, node, chosen, compare, appstate)
    result.available = available
    return result


def choices_at(engine: KpiEngine, scope: UserScope, node: Node) -> list[tuple[str, str]]:
    """What a node can be split by, in the order a reader would look: sides, time, dimensions."""
    found = []
    if node.side is None and not node.kpi.is_count:
        found.append((NUMERATOR_DENOMINATOR, "Tæller og nævner"))
    finer = next_finer(node.granularity)
    if finer:
        found.append((PERIOD, _FINER_LABEL[finer]))
    if node.granularity == "year":
        found.append((MONTH, "Måneder"))
    detail_allowed = may_split_on_facts(scope, node.municipality)
    for candidate in open_dimensions(engine.catalogue, node):
        if source(engine.catalogue, candidate, node.focus) is Source.FACTS and not detail_allowed:
            continue
        found.append((candidate.name, candidate.label))
    if node.side is None and comparable_dimensions(engine, node):
        found.append((LARGEST_DIFFERENCE, "Største forskel til sammenligningsgruppen"))
    return found


def may_split_on_facts(scope: UserScope, municipality: int) -> bool:
    """Splits on person-level facts are for a leader's own municipality (data_access enforces it too)."""
    return scope.role is Role.LEADER and municipality == scope.municipality_code


def comparable_dimensions(engine: KpiEngine, node: Node) -> list[Dimension]:
    """Dimensions the group can be split by too: on the aggregates, with no person-level choice above."""
    if node.uses_facts(engine.catalogue):
        return []
    return [d for d in open_dimensions(engine.catalogue, node)
            if source(engine.catalogue, d, node.focus) is Source.AGGREGATE]


def split_by_dimension(engine, scope, node: Node, split: Dimension, compare: bool, appstate) -> Decomposition:
    gathered = gather(engine, scope, node, [split], compare, appstate)
    figures = {role: gathered.side(role, split) for role, _ in node.sides()}
    result = assemble(scope, gathered, figures, gathered.split_applies(split))
    result.children.insert(1, "label", _labels(engine, scope, split, result.children["key"], gathered.labels))
    result.by, result.by_label = split.name, split.label
    return order_children(result, split)


def split_by_period(engine, scope, node: Node, finer: str, compare: bool, appstate) -> Decomposition:
    gathered = gather(engine, scope, node, [None], compare, appstate)

    def bucket(month: date) -> str:
        return period_label(month, finer)

    figures = {role: gathered.side(role, None, bucket) for role, _ in node.sides()}
    # Every period is a child, with 0 where nothing happened, as compile_values shows empty months.
    periods = sorted({bucket(m) for m in gathered.months["month"]})
    result = assemble(scope, gathered, figures, dict.fromkeys(figures, True), periods)
    result.children.insert(1, "label", result.children["key"])
    result.by, result.by_label = (MONTH if finer == "month" else PERIOD), _FINER_LABEL[finer]
    result.children = result.children.sort_values("key", ignore_index=True)
    return result


def split_into_sides(engine, scope, node: Node, compare: bool, appstate) -> Decomposition:
    """The numerator and the denominator as two children, each an amount of its own."""
    gathered = gather(engine, scope, node, [None], compare, appstate)
    totals = {role: gathered.side(role, None).groupby("who")["contribution"].sum() for role, _ in node.sides()}
    frame = pd.DataFrame({"key": [role for role, _ in node.sides()], "label": [s.label for _, s in node.sides()]})
    parent = {}
    for who, prefix, hidden_cell in (("own", "", gathered.cell_hidden), ("group", "group_", False)):
        if who == "group" and not gathered.compared:
            continue
        amounts = [float(totals[role].get(who, 0.0)) for role, _ in node.sides()]
        figures = {"numerator": amounts[0], "denominator": amounts[1]}
        figures["value"] = amounts[0] * node.kpi.scale / amounts[1] if amounts[1] else float("nan")
        hidden = (who == "group" or node.municipality != scope.municipality_code) and (
            hidden_cell or too_few(node.kpi, figures.get(node.kpi.counted or "")))
        frame[f"{prefix}numerator"] = float("nan") if hidden else amounts
        frame[f"{prefix}denominator"] = float("nan")
        frame[f"{prefix}value"] = frame[f"{prefix}numerator"]
        frame[f"{prefix}suppressed"] = hidden
        parent.update({f"{prefix}{k}": float("nan") if hidden else v for k, v in figures.items()})
    frame["share_of_parent"] = float("nan")
    columns = CHILD_COLUMNS + (GROUP_COLUMNS if gathered.compared else [])
    return Decomposition(node.kpi.id, NUMERATOR_DENOMINATOR, "Tæller og nævner", parent, frame[columns], [])


# --- children from figures ------------------------------------------------------------------------


def assemble(scope: UserScope, gathered: Gathered, figures: dict[str, pd.DataFrame], applies: dict[str, bool],
             keys: list[str] | None = None) -> Decomposition:
    """Children of the node for its own municipality (and group), with small figures hidden; the
    children are ``keys``, or every key with figures on a side the split applies to."""
    return assemble_keeping_figures(scope, gathered, figures, applies, keys)[0]


def assemble_keeping_figures(scope: UserScope, gathered: Gathered, figures: dict[str, pd.DataFrame],
                             applies: dict[str, bool], keys: list[str] | None = None,
                             ) -> tuple[Decomposition, dict[str, tuple[pd.DataFrame, dict]]]:
    """``assemble``, and the children and parent of each ``who`` as they were before any was hidden."""
    node, compared = gathered.node, gathered.compared
    numerator = figures[node.sides()[0][0]]
    denominator = figures.get("denominator") if node.side is None else None
    split_denominator = node.side is None and applies.get("denominator", False)
    if keys is None:
        found = set(numerator["key"])
        if split_denominator:
            found |= set(denominator["key"])
        keys = sorted(found)
    own, parent = children(numerator, denominator, split_denominator, node.kpi.scale, "own", keys)
    unhidden = {"own": (own.copy(), dict(parent))}
    counted = _counted_column(node, split_denominator)
    own["suppressed"] = False
    if node.municipality != scope.municipality_code:
        hidden = gathered.cell_hidden or too_few(node.kpi, _parent_count(node, parent))
        own["suppressed"] = hide_small(node.kpi, own, hidden, counted,
                                       ["numerator", "denominator", "value", "share_of_parent"])
        if hidden:
            parent = dict.fromkeys(parent, float("nan"))
    result = own.reset_index()
    if compared:
        group, group_parent = children(numerator, denominator, split_denominator, node.kpi.scale, "group", keys)
        unhidden["group"] = (group.copy(), dict(group_parent))
        group = group.rename(columns={c: f"group_{c}" for c in group.columns})
        hidden = too_few(node.kpi, _parent_count(node, group_parent))
        group["group_suppressed"] = hide_small(node.kpi, group, hidden, f"group_{counted}" if counted else None,
                                               ["group_numerator", "group_denominator", "group_value"])
        result = result.join(group[GROUP_COLUMNS], on="key")
        if hidden:
            group_parent = dict.fromkeys(group_parent, float("nan"))
        parent.update({f"group_{k}": v for k, v in group_parent.items()})
    result["key"] = pd.Series([None if k == NO_KEY else k for k in result["key"]], dtype=object)
    columns = [c for c in CHILD_COLUMNS if c != "label"] + (GROUP_COLUMNS if compared else [])
    return Decomposition(node.kpi.id, "", "", parent, result[columns], []), unhidden


def _counted_column(node: Node, split_denominator: bool) -> str | None:
    """Which child column counts the persons the disclosure rule protects, if the split divides them."""
    if node.kpi.counted is None:
        return None
    if node.side is not None:
        return "numerator" if node.side == node.kpi.counted else None
    if node.kpi.counted == "denominator" and not split_denominator:
        return None
    return node.kpi.counted


def _parent_count(node: Node, parent: dict) -> float | None:
    if node.kpi.counted is None:
        return None
    if node.side is not None:
        return parent["numerator"] if node.side == node.kpi.counted else None
    return parent[node.kpi.counted]


def _labels(engine, scope, split: Dimension, keys: pd.Series, known: dict) -> list[str]:
    labels = dimension_labels(engine.warehouse, scope, split, list(keys), known)
    return [labels[k] for k in keys]


def order_children(result: Decomposition, split: Dimension) -> Decomposition:
    """Bands in their own order; other children largest first, 'Uoplyst' last."""
    frame = result.children
    if split.bands:
        order = {f"{low}-{high}": i for i, (low, high, _) in enumerate(split.bands)}
        frame = frame.assign(_order=[order.get(k, len(order)) for k in frame["key"]])
        result.children = frame.sort_values("_order", ignore_index=True).drop(columns="_order")
    else:
        frame = frame.assign(_unknown=frame["key"].isna(), _size=-frame["numerator"].fillna(0))
        result.children = frame.sort_values(["_unknown", "_size", "label"], ignore_index=True).drop(
            columns=["_unknown", "_size"])
    return result
