"""The monthly rows behind a decomposition node, fetched once per step and combined into figures.

Every side of the node (numerator and denominator, or the one side chosen on the path) is read for
every split asked for: from the aggregates in one statement (kpi/splits.py), for the municipality
and, when compared, its comparison group; and where a choice or split needs a column only the
person-level facts have, from data_access for the municipality alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from data_access.appstate import AppState
from data_access.scope import UserScope
from data_access.trace import fact_totals

from . import splits
from .catalogue import Catalogue, Dimension
from .engine import KpiEngine, period_label
from .figures import figures
from .node import Node, PathError, Source, source

ROW_COLUMNS = ["part", "who", "key", "month", "total"]


@dataclass
class Gathered:
    node: Node
    catalogue: Catalogue
    months: pd.DataFrame  # month, days: the warehouse's months in the node's period
    rows: pd.DataFrame  # ROW_COLUMNS, every part
    labels: dict[str, str]  # labels the person-level facts gave (providers, caseworkers)
    compared: bool  # group rows are present
    cell_hidden: bool  # another municipality's figure for the node's period is itself hidden
    _figures: dict = field(default_factory=dict)

    def over_time(self, role: str) -> str:
        side = getattr(self.node.kpi, role)
        return self.catalogue.facts[side.fact].measures[side.measure].over_time if side.fact else "average"

    def split_applies(self, split: Dimension | None) -> dict[str, bool]:
        return {role: split is not None and source(self.catalogue, split, side) is not None
                for role, side in self.node.sides()}

    def part(self, role: str, split: Dimension | None) -> str:
        return splits.part_name(role, split if self.split_applies(split)[role] else None)

    def side(self, role: str, split: Dimension | None,
             bucket_of: Callable[[date], str] | None = None) -> pd.DataFrame:
        """Figure rows (who, key, figure, contribution) of one side under one split."""
        if bucket_of not in self._figures:
            how = {name: self.over_time(name.split(":")[0]) for name in self.rows["part"].unique()}
            self._figures[bucket_of] = figures(self.rows, self.months, how, bucket_of)
        table = self._figures[bucket_of]
        return table[table["part"] == self.part(role, split)]


def gather(engine: KpiEngine, scope: UserScope, node: Node, candidates: Sequence[Dimension | None], compare: bool,
           appstate: AppState | None) -> Gathered:
    """Every side's monthly rows for each candidate split."""
    catalogue = engine.catalogue
    on_facts = node.uses_facts(catalogue) or any(
        c is not None and source(catalogue, c, side) is Source.FACTS for c in candidates for _, side in node.sides())
    compared = compare and not on_facts
    peers = [p for p in engine.groups.peers(node.municipality) if p != node.municipality] if compared else []
    parts = {splits.MONTHS_PART: splits.months_part(node.start, node.end)}
    from_facts = []
    for role, side in node.sides():
        choices = [(d, k) for d, k in node.choices if source(catalogue, d, side) is not None]
        applying = [c if c is not None and source(catalogue, c, side) else None for c in candidates]
        wanted = list({c.name if c else "": c for c in applying}.values())
        if any(source(catalogue, d, side) is Source.FACTS for d, _ in choices):
            from_facts += [(role, side, choices, split) for split in wanted]
            continue
        from_facts += [(role, side, choices, s) for s in wanted if s and source(catalogue, s, side) is Source.FACTS]
        on_aggregate = [s for s in wanted if not (s and source(catalogue, s, side) is Source.FACTS)]
        if on_aggregate:
            parts.update(splits.side_parts(catalogue, node.kpi, side, role, node.municipality, peers, node.start,
                                           node.end, choices, on_aggregate))
    frame = engine.warehouse.fetch_aggregate(scope, splits.statement(list(parts.values())))
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    is_month = frame["part"] == splits.MONTHS_PART
    months = (frame[is_month].rename(columns={"total": "days"})[["month", "days"]]
              .sort_values("month", ignore_index=True))
    if months.empty:
        raise PathError(f"der er ingen tal for {period_label(node.start, node.granularity)} i datagrundlaget")
    rows, labels = [frame[~is_month][ROW_COLUMNS]], {}
    for role, side, choices, split in from_facts:
        part, found = _from_facts(engine, scope, node, role, side, choices, split, list(months["month"]), appstate)
        rows.append(part)
        labels.update(found)
    return Gathered(node, catalogue, months, pd.concat(rows, ignore_index=True), labels, compared,
                    _cell_hidden(engine, scope, node))


def _cell_hidden(engine: KpiEngine, scope: UserScope, node: Node) -> bool:
    """Whether the engine hides the municipality's own figure for the period (its own users see it)."""
    if node.municipality == scope.municipality_code:
        return False
    values = engine.values(scope, node.kpi.id, [node.municipality], node.start, node.end, node.granularity)
    return bool(values["suppressed"].any())


def _from_facts(engine, scope, node: Node, role, side, choices, split, months, appstate):
    fact = engine.catalogue.facts[side.fact]
    totals = fact_totals(
        scope, fact.table, fact.measures[side.measure].column, fact.municipality_column(node.kpi.municipality_basis),
        node.municipality, months, side.where, [(d.column, d.bands, k) for d, k in choices],
        (split.column, split.bands) if split is not None else None,
        purpose=f"{node.kpi.id} {period_label(node.start, node.granularity)} {role}", warehouse=engine.warehouse,
        appstate=appstate)
    totals["month"] = pd.to_datetime(totals["month"]).dt.date
    labels = {k: v for k, v in zip(totals["key"], totals["label"], strict=True) if k is not None and v is not None}
    return totals.assign(part=splits.part_name(role, split), who="own")[ROW_COLUMNS], labels
