"""Properties of decompositions, checked on many random cases.

1. On the hand-made scenario: walk random paths down the tree of random KPIs; at every step the
   children add up to their parent as kpi/decompose.py promises, the root is the engine's figure, and
   the fact rows behind the node the walk ends at re-aggregate to its figures.
2. On random aggregate tables loaded into a real DuckDB file: every child, and the comparison group's
   value of every child, equals what plain Python makes of the generated rows - Σ numerator / Σ
   denominator over the group's members, never an average of their ratios.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from duckdb_engine import Dialect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.schema import CreateTable

from data_access import fact_sources
from data_access.scope import Role
from data_access.warehouse import Warehouse
from data_access.warehouse_schema import metadata
from kpi.decompose import choices_at, decompose
from kpi.engine import period_label
from kpi.node import DETAIL_DIMENSIONS, LARGEST_DIFFERENCE, NUMERATOR_DENOMINATOR, follow, parse_period, root, source
from kpi.trace import trace

from .decomposition import PEERS, UNSUPPRESSED, pinned_catalogue, pinned_engine
from .helpers import scope

SCENARIO_MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
NODES = [(date(2026, 1, 1), "year"), (date(2026, 1, 1), "quarter"), *[(m, "month") for m in SCENARIO_MONTHS]]
TOLERANCE = {"rel": 1e-9, "abs": 1e-9}


@pytest.fixture(scope="module")
def engine(small):
    return pinned_engine(small)


# --- 1. random paths over the scenario ------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kpi_index=st.integers(0, 10_000), node=st.sampled_from(NODES), municipality=st.sampled_from([479, 420, 410]),
       steps=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=4))
def test_children_add_up_along_random_paths(engine, small, kpi_index, node, municipality, steps):
    kpis = sorted(engine.catalogue.kpis)
    kpi = engine.catalogue.kpis[kpis[kpi_index % len(kpis)]]
    who = scope(Role.LEADER, municipality)  # the municipality's own leader: nothing is hidden
    period, granularity = node
    path = []
    for number, (split_choice, child_choice) in enumerate(steps):
        at = follow(engine.catalogue, root(kpi, municipality, period, granularity), path)
        options = [name for name, _ in choices_at(engine, who, at) if name != LARGEST_DIFFERENCE]
        if not options:
            return
        by = options[split_choice % len(options)]
        result = decompose(engine, who, kpi.id, municipality, period, granularity, path, by, appstate=small.appstate)
        if number == 0:
            _is_the_engines_figure(engine, who, kpi, municipality, period, granularity, result.parent)
        _adds_up(engine, at, result)
        if result.children.empty:
            break
        key = result.children["key"].iloc[child_choice % len(result.children)]
        path.append(("period", key) if by in ("period", "month") else ("side", key) if by == NUMERATOR_DENOMINATOR
                    else (by, key))
    _traces_back(engine, small, who, kpi, municipality, period, granularity, path)


def _traces_back(engine, small, who, kpi, municipality, period, granularity, path):
    """The fact rows behind the node the walk ended at re-aggregate to its figures."""
    node = follow(engine.catalogue, root(kpi, municipality, period, granularity), path)
    if not all(fact_sources.supported(engine.catalogue.facts[side.fact].table) for _, side in node.sides()
               if side.fact):
        return
    traced = trace(engine, who, kpi.id, municipality, period, granularity, path, appstate=small.appstate)
    for side in traced.sides.values():
        assert side.matches, (side.role, side.figure, side.traced)


def _is_the_engines_figure(engine, who, kpi, municipality, period, granularity, parent):
    node = root(kpi, municipality, period, granularity)
    values = engine.values(who, kpi.id, [municipality], node.start, node.end, granularity).iloc[0]
    for column in ("numerator", "denominator", "value"):
        expected = values[column]
        if pd.isna(expected):
            assert pd.isna(parent[column]) or parent["denominator"] == 0
        else:
            assert parent[column] == pytest.approx(expected, **TOLERANCE)


def _adds_up(engine, node, result):
    children, parent = result.children, result.parent
    if result.by == NUMERATOR_DENOMINATOR:
        assert children["numerator"].tolist() == pytest.approx([parent["numerator"], parent["denominator"]])
        return
    if parent["numerator"]:
        assert children["share_of_parent"].sum() == pytest.approx(1, **TOLERANCE)
    if result.by in ("period", "month"):
        for role in ("numerator",) if node.side else ("numerator", "denominator"):
            side = getattr(node.kpi, node.side or role)
            column = "numerator" if node.side else role
            assert _combined(engine, side, children, column) == pytest.approx(parent[column], **TOLERANCE)
        return
    assert children["numerator"].sum() == pytest.approx(parent["numerator"], **TOLERANCE)
    if node.side is not None:
        return
    dimension = next(d for d in _dimensions(engine) if d.name == result.by)
    if children.empty:
        assert parent["numerator"] == 0
    elif source(engine.catalogue, dimension, node.kpi.denominator) is not None:
        assert children["denominator"].sum() == pytest.approx(parent["denominator"], **TOLERANCE)
    else:
        assert set(children["denominator"]) == {parent["denominator"]}
        if parent["denominator"]:
            assert children["value"].sum() == pytest.approx(parent["value"], **TOLERANCE)


def _dimensions(engine):
    return [*engine.catalogue.dimensions.values(), *DETAIL_DIMENSIONS.values()]


def _combined(engine, side, children, column) -> float:
    """The children's figures combined as the side's measure says, from their months and days."""
    how = engine.catalogue.facts[side.fact].measures[side.measure].over_time if side.fact else "average"
    months = {key: [m for m in SCENARIO_MONTHS if period_label(m, parse_period(key)[1]) == key]
              for key in children["key"]}
    days = {key: sum(pd.Timestamp(m).days_in_month for m in ms) for key, ms in months.items()}
    figures = dict(zip(children["key"], children[column], strict=True))
    if how == "sum":
        return sum(figures.values())
    if how == "last":
        return figures[max(figures, key=lambda k: max(months[k]))]
    weight = {k: len(months[k]) for k in figures} if how == "average" else days
    return sum(figures[k] * weight[k] for k in figures) / sum(weight.values())


# --- 2. random aggregate tables -------------------------------------------------------------------

OWN, OUTSIDER = 479, 461  # the outsider is in no one's group here
MEMBERS = [OWN, *PEERS[OWN], OUTSIDER]
SPLITS = ["age_band", "sex", "placement_type", "legal_basis"]

person_rows = st.lists(st.tuples(
    st.sampled_from(MEMBERS), st.integers(0, 2), st.sampled_from(["placement", "supportive"]),
    st.sampled_from(["PF-ALMEN", "BUH-OPH", None]), st.sampled_from(["BL-46", "BL-47"]), st.integers(0, 30),
    st.sampled_from(["M", "K"]), st.integers(1, 9)), max_size=40)
population_rows = st.lists(st.tuples(
    st.sampled_from(MEMBERS), st.integers(0, 2), st.integers(0, 30), st.sampled_from(["M", "K"]),
    st.integers(0, 900)), max_size=30)


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory) -> Path:
    """A warehouse file with every table and no rows, copied for each example."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    with duckdb.connect(str(path)) as connection:
        for table in metadata.sorted_tables:
            connection.execute(str(CreateTable(table).compile(dialect=Dialect())))
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(persons=person_rows, population=population_rows, months=st.integers(1, 3), by=st.sampled_from(SPLITS))
def test_group_children_are_sums_over_the_members_of_random_aggregates(empty_warehouse, small, persons, population,
                                                                       months, by):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warehouse.duckdb"
        shutil.copy(empty_warehouse, path)
        month_list = SCENARIO_MONTHS[:months]
        _load(path, month_list, persons, population)
        warehouse = Warehouse(path)
        try:
            engine = pinned_engine(small)
            engine.warehouse = warehouse
            result = decompose(engine, scope(Role.LEADER, OWN), UNSUPPRESSED, OWN, date(2026, 1, 1), "quarter", (),
                               by, compare=True, appstate=small.appstate)
        finally:
            warehouse.close()
    expected = _by_hand(persons, population, month_list, by)
    got = result.children.set_index("key")
    keys = {k for k, v in expected.items() if any(v)}
    assert {None if pd.isna(k) else k for k in got.index} >= keys
    for key, (n, d, big_n, big_d) in expected.items():
        child = got.loc[key] if key is not None else got.loc[got.index.isna()].iloc[0]
        assert child["numerator"] == pytest.approx(n, **TOLERANCE)
        assert child["group_numerator"] == pytest.approx(big_n, **TOLERANCE)
        if _splits_population(by):
            assert child["denominator"] == pytest.approx(d, **TOLERANCE)
            assert child["group_denominator"] == pytest.approx(big_d, **TOLERANCE)
        if child["group_denominator"]:
            assert child["group_value"] == pytest.approx(big_n * 1000 / child["group_denominator"], **TOLERANCE)
        else:
            assert math.isnan(child["group_value"])
    assert got["numerator"].sum() == pytest.approx(result.parent["numerator"], **TOLERANCE)
    assert got["group_numerator"].sum() == pytest.approx(result.parent["group_numerator"], **TOLERANCE)


def _load(path: Path, months: list[date], persons, population) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.executemany(
            "INSERT INTO dim_month (month, year, quarter, month_of_year, days_in_month) VALUES (?, ?, ?, ?, ?)",
            [[m, m.year, (m.month - 1) // 3 + 1, m.month, pd.Timestamp(m).days_in_month] for m in months])
        placed = [[months[index], code, code, group, placement, legal, age, sex, count, count * 28]
                  for code, index, group, placement, legal, age, sex, count in persons if index < len(months)]
        if placed:
            connection.executemany(
                "INSERT INTO agg_persons_month (month, paying_municipality_code, acting_municipality_code, area, "
                "measure_group, placement_type_code, legal_basis_code, age, sex, persons, person_days) "
                "VALUES (?, ?, ?, 'children', ?, ?, ?, ?, ?, ?, ?)", placed)
        residents = [[months[index], code, age, sex, count]
                     for code, index, age, sex, count in population if index < len(months)]
        if residents:
            connection.executemany("INSERT INTO agg_population_month (month, municipality_code, age, sex, persons) "
                                   "VALUES (?, ?, ?, ?, ?)", residents)


def _splits_population(by: str) -> bool:
    return by in ("age_band", "sex")


def _key(by: str, age: int, sex: str, placement: str | None, legal: str) -> str | None:
    if by == "age_band":
        bands = pinned_catalogue().dimensions["age_band"].bands
        return next((f"{low}-{high}" for low, high, _ in bands if low <= age <= high), None)
    return {"sex": sex, "placement_type": placement, "legal_basis": legal}[by]


def _by_hand(persons, population, months, by) -> dict:
    """key → (own numerator, own denominator, group numerator, group denominator), each the average over
    the months of Σ over the rows: placed 0-22 and residents 0-22, the group being 410 and 420."""
    result: dict = {}

    def add(key, slot, amount):
        result.setdefault(key, [0.0, 0.0, 0.0, 0.0])[slot] += amount / len(months)

    for code, index, group, placement, legal, age, sex, count in persons:
        if index < len(months) and group == "placement" and age <= 22 and code != OUTSIDER:
            add(_key(by, age, sex, placement, legal), 0 if code == OWN else 2, count)
    for code, index, age, sex, count in population:
        if index < len(months) and age <= 22 and code != OUTSIDER and _splits_population(by):
            add(_key(by, age, sex, None, ""), 1 if code == OWN else 3, count)
    return {key: tuple(values) for key, values in result.items()}
