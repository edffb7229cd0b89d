"""A node of a decomposition tree: one KPI, municipality and period, narrowed by a path of choices.

A path is a list of ``(name, value)`` choices, made one after the other from the top:

- ``("period", "2026-Q1")``: a finer period inside the node's (a quarter or month of a year, a month
  of a quarter); labels as ``kpi.engine.period_label`` writes them (2026, 2026-Q1, 2026-03);
- ``("side", "numerator")`` or ``("side", "denominator")``: that side on its own; the node's value is
  then the side's amount, and it splits by the dimensions of that side's fact;
- ``(dimension, key)``: one child of a dimension split, e.g. ``("sex", "K")``, ``("age_band", "6-11")``
  or ``("placement_type", None)`` for rows with no placement type registered.

A dimension applies to a side when the side's fact has its column. On the aggregate (the KPI's own
fact) it applies to every municipality; on the facts behind the aggregate (provider, caseworker, unit
of a person-month), only to a leader's own municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from data_access.fact_sources import DETAIL_COLUMNS

from .catalogue import Catalogue, Dimension, Kpi, Side

PERIOD, MONTH, SIDE = "period", "month", "side"
NUMERATOR_DENOMINATOR, LARGEST_DIFFERENCE = "numerator_denominator", "largest_difference"
GRANULARITY_ORDER = ("month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}

# Splits the aggregates lack; their rows come from the person-level facts (a leader's own municipality).
DETAIL_DIMENSIONS = {
    "provider": Dimension("provider", "Leverandør", "provider_key"),
    "caseworker": Dimension("caseworker", "Sagsbehandler", "caseworker_key"),
    "unit": Dimension("unit", "Enhed", "unit"),
}


class Source(StrEnum):
    AGGREGATE = "aggregate"
    FACTS = "facts"


class PathError(ValueError):
    """A path or split that does not fit the KPI; the message is Danish."""


@dataclass(frozen=True)
class Node:
    kpi: Kpi
    municipality: int
    start: date  # first month of the period
    granularity: str
    side: str | None = None  # None: the KPI's ratio; "numerator" or "denominator": that side alone
    choices: tuple[tuple[Dimension, str | None], ...] = ()

    @property
    def end(self) -> date:
        """The first day of the period's last month."""
        month = self.start.month + MONTHS_IN[self.granularity] - 1
        return date(self.start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    def sides(self) -> list[tuple[str, Side]]:
        if self.side is not None:
            return [(self.side, getattr(self.kpi, self.side))]
        return [("numerator", self.kpi.numerator), ("denominator", self.kpi.denominator)]

    @property
    def focus(self) -> Side:
        """The side whose dimensions split the node: the numerator, or the side chosen on the path."""
        return getattr(self.kpi, self.side or "numerator")

    def uses_facts(self, catalogue: Catalogue) -> bool:
        return any(source(catalogue, dimension, side) is Source.FACTS
                   for dimension, _ in self.choices for _, side in self.sides())


def source(catalogue: Catalogue, dimension: Dimension, side: Side) -> Source | None:
    """Where ``dimension`` splits ``side``: on its aggregate, on the facts behind it, or not at all."""
    if not side.fact:  # a count KPI's denominator: one per municipality with data
        return None
    fact = catalogue.facts[side.fact]
    if dimension.column in fact.columns:
        return Source.AGGREGATE
    if dimension.column in DETAIL_COLUMNS.get(fact.table, ()):
        return Source.FACTS
    return None


def dimension(catalogue: Catalogue, name: str) -> Dimension:
    found = catalogue.dimensions.get(name) or DETAIL_DIMENSIONS.get(name)
    if found is None:
        raise PathError(f"ukendt opdeling: {name}")
    return found


def allowed_dimensions(catalogue: Catalogue, kpi: Kpi) -> list[Dimension]:
    """The KPI's own dimensions, then the person-level ones its numerator's facts have."""
    named = [catalogue.dimensions[name] for name in kpi.dimensions]
    detail = [catalogue.dimensions.get(name, d) for name, d in DETAIL_DIMENSIONS.items() if name not in kpi.dimensions]
    return named + [d for d in detail if source(catalogue, d, kpi.numerator) is Source.FACTS]


def open_dimensions(catalogue: Catalogue, node: Node) -> list[Dimension]:
    """Dimensions that still split the node: allowed, not chosen yet, and applying to its focus side."""
    chosen = {d.name for d, _ in node.choices}
    return [d for d in allowed_dimensions(catalogue, node.kpi)
            if d.name not in chosen and source(catalogue, d, node.focus) is not None]


def root(kpi: Kpi, municipality: int, period: date, granularity: str) -> Node:
    if granularity not in MONTHS_IN:
        raise PathError(f"ukendt periodelængde: {granularity}")
    size = MONTHS_IN[granularity]
    return Node(kpi, municipality, date(period.year, (period.month - 1) // size * size + 1, 1), granularity)


def follow(catalogue: Catalogue, node: Node, path) -> Node:
    for name, value in path:
        node = _step(catalogue, node, name, value)
    return node


def _step(catalogue: Catalogue, node: Node, name: str, value) -> Node:
    if name == PERIOD:
        start, granularity = parse_period(value)
        if not (finer(granularity, node.granularity) and node.start <= start <= node.end):
            raise PathError(f"{value} ligger ikke inden for perioden")
        return replace(node, start=start, granularity=granularity)
    if name == SIDE:
        if node.side is not None or value not in ("numerator", "denominator"):
            raise PathError("vælg tæller eller nævner én gang, fra nøgletallet selv")
        if value == "denominator" and node.kpi.is_count:
            raise PathError(f"{node.kpi.id} er et antal og har ingen nævner")
        return replace(node, side=value)
    chosen = dimension(catalogue, name)
    if chosen not in open_dimensions(catalogue, node):
        raise PathError(f"{node.kpi.id} kan ikke opdeles efter {chosen.label.lower()} her")
    return replace(node, choices=(*node.choices, (chosen, None if value is None else str(value))))


def parse_period(label: str) -> tuple[date, str]:
    """2026 → year, 2026-Q1 → quarter, 2026-03 → month."""
    try:
        if "-Q" in label:
            year, quarter = label.split("-Q")
            return date(int(year), (int(quarter) - 1) * 3 + 1, 1), "quarter"
        if "-" in label:
            year, month = label.split("-")
            return date(int(year), int(month), 1), "month"
        return date(int(label), 1, 1), "year"
    except ValueError:
        raise PathError(f"{label!r} er ikke en periode (ÅÅÅÅ, ÅÅÅÅ-Qn eller ÅÅÅÅ-MM)") from None


def finer(granularity: str, than: str) -> bool:
    return GRANULARITY_ORDER.index(granularity) < GRANULARITY_ORDER.index(than)


def next_finer(granularity: str) -> str | None:
    index = GRANULARITY_ORDER.index(granularity)
    return GRANULARITY_ORDER[index - 1] if index else None

