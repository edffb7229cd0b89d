"""Traceability: the fact rows behind a figure, with their source file, line and ETL run.

``trace(engine, scope, kpi_id, municipality, period, granularity, path)`` takes the same node as a
decomposition (kpi/node.py) and returns, for the numerator and the denominator separately, every
fact row counted in the figure (data_access/fact_sources.py says which rows each aggregate cell is
built from), each with

- ``month`` and ``weight``: the month it counts in and that month's weight in the period
  (kpi/figures.py: 1 for a flow, 1/months for a stock, 1/days for full-year persons, 1 for the
  last month of a year-to-date figure),
- ``amount`` (what it adds to the month's aggregate) and ``contribution`` = amount × weight,
- the row's own columns (the citizen's pseudonym ``citizen_key``, never a CPR number), and its
  lineage: ``source_file``, ``source_line``, ``etl_run_id`` and ``etl_run_finished_at``.

The contributions re-aggregate to the figure: ``side.traced`` must equal ``side.figure`` (computed
from the aggregates), and ``side.matches`` says whether it does. A caseworker sees only the rows of
their own cases (``complete`` is then False and the rest is left out); politicians and
administrators are refused in data_access.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from data_access.appstate import AppState
from data_access.scope import Role, UserScope
from data_access.trace import PERSON_FREE, fact_rows

from .catalogue import Side
from .engine import KpiEngine, period_label
from .figures import weights
from .gather import gather
from .node import Node, follow, root, source

LEADING_COLUMNS = ["month", "weight", "amount", "contribution"]
LINEAGE_COLUMNS = ["source_file", "source_line", "etl_run_id", "etl_run_finished_at"]


@dataclass
class SideTrace:
    role: str  # numerator | denominator
    label: str
    figure: float  # the side's figure for the node, from the aggregates
    rows: pd.DataFrame
    complete: bool  # False: the scope sees only some of the rows (a caseworker's own cases)
    note: str = ""

    @property
    def traced(self) -> float:
        return float(self.rows["contribution"].sum())

    @property
    def matches(self) -> bool:
        return math.isclose(self.traced, self.figure, rel_tol=1e-9, abs_tol=1e-6)


@dataclass
class Trace:
    kpi_id: str
    municipality: int
    period: str
    path: tuple
    sides: dict[str, SideTrace]
    value: float

    @property
    def numerator(self) -> SideTrace:
        return self.sides["numerator"]

    @property
    def denominator(self) -> SideTrace | None:
        return self.sides.get("denominator")


def trace(engine: KpiEngine, scope: UserScope, kpi_id: str, municipality: int, period: date, granularity: str,
          path: Sequence[tuple[str, str | None]] = (), appstate: AppState | None = None) -> Trace:
    node = follow(engine.catalogue, root(engine.kpi(kpi_id), municipality, period, granularity), path)
    gathered = gather(engine, scope, node, [None], False, appstate)
    sides = {}
    for role, side in node.sides():
        how = gathered.over_time(role)
        figure = float(gathered.side(role, None)["contribution"].sum())
        weight = weights(gathered.months, how)
        weight = weight[weight != 0]
        if side.fact:
            rows = _fact_rows(engine, scope, node, role, side, list(weight.index), appstate)
            complete = scope.role is not Role.CASEWORKER or engine.catalogue.facts[side.fact].table in PERSON_FREE
            note = ""
        else:
            rows = _months_with_data(gathered.rows, gathered.part(role, None), list(weight.index))
            complete, note = True, "Et antal har ingen nævner: den er 1 for hver måned med befolkningstal."
        rows.insert(1, "weight", rows["month"].map(weight).astype(float))
        rows.insert(3, "contribution", rows["amount"].astype(float) * rows["weight"])
        sides[role] = SideTrace(role, side.label, figure, _ordered(rows), complete, note)
    value = _value(node, sides)
    return Trace(kpi_id, municipality, period_label(node.start, node.granularity), tuple(path), sides, value)


def _fact_rows(engine, scope, node: Node, role: str, side: Side, months: list[date], appstate) -> pd.DataFrame:
    fact = engine.catalogue.facts[side.fact]
    choices = [(d.column, d.bands, key) for d, key in node.choices if source(engine.catalogue, d, side) is not None]
    rows = fact_rows(scope, fact.table, fact.measures[side.measure].column,
                     fact.municipality_column(node.kpi.municipality_basis), node.municipality, months, side.where,
                     choices, purpose=f"{node.kpi.id} {period_label(node.start, node.granularity)} {role}",
                     warehouse=engine.warehouse, appstate=appstate)
    rows["month"] = pd.to_datetime(rows["month"]).dt.date
    return rows


def _months_with_data(rows: pd.DataFrame, part: str, months: list[date]) -> pd.DataFrame:
    own = rows[(rows["part"] == part) & (rows["who"] == "own") & rows["month"].isin(months)]
    return pd.DataFrame({"month": own["month"].to_numpy(), "amount": own["total"].to_numpy()})


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    lineage = [c for c in LINEAGE_COLUMNS if c in rows.columns]
    middle = [c for c in rows.columns if c not in LEADING_COLUMNS and c not in lineage]
    return rows[LEADING_COLUMNS + middle + lineage].reset_index(drop=True)


def _value(node: Node, sides: dict[str, SideTrace]) -> float:
    if node.side is not None:
        return sides[node.side].figure
    denominator = sides["denominator"].figure
    return sides["numerator"].figure * node.kpi.scale / denominator if denominator else math.nan
