"""The KPI engine's quick paths give exactly what the plain ones give.

- Monthly figures: the engine fetches only each side's sums (``compile_sides``) and lays them on the
  municipality × month spine in numpy (kpi/grid.py); ``compile_values`` joins the spine in SQL.
- Disclosure control: the cells hidden from a viewer are kept under a digest of the counts they were
  worked out from (kpi/engine.py), so different counts must never get old cells.
- ``fetch_columns``: the warehouse's columns without a DataFrame, NULLs as a DataFrame has them.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Double, SmallInteger, case, cast, func, select

from data_access.scope import Role
from data_access.warehouse import Warehouse, frame_columns
from data_access.warehouse_schema import dim_month
from kpi import suppression
from kpi.catalogue import load_catalogue
from kpi.compiler import compile_values
from kpi.engine import KpiEngine, _disclosure_key
from kpi.groups import load_groups

from .helpers import scope

KPI_IDS = list(load_catalogue().kpis)
LEADER = scope(Role.LEADER, 479)
# (municipalities, start, end): everything; two municipalities and a code no municipality has, over a year;
# months after the data (no cell at all).
FILTERS = {
    "alt": (None, None, None),
    "udsnit": ([479, 101, 999], date(2025, 3, 1), date(2026, 2, 1)),
    "tomt": (None, date(2099, 1, 1), None),
}


@pytest.fixture(scope="module", params=["small", "kerteminde", "demo"])
def engine(request) -> KpiEngine:
    return KpiEngine(load_catalogue(), load_groups(), request.getfixturevalue(request.param).warehouse)


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("kpi_id", KPI_IDS)
def test_monthly_figures_on_the_spine_are_the_compiled_statements(engine, kpi_id, filters):
    kpi = engine.kpi(kpi_id)
    municipalities, start, end = FILTERS[filters]
    plain = engine.warehouse.fetch_aggregate(LEADER, compile_values(engine.catalogue, kpi, municipalities, start, end))
    quick = engine._unsuppressed(LEADER, kpi, municipalities, start, end)
    assert list(quick.columns) == list(plain.columns)
    assert len(quick) == len(plain)
    np.testing.assert_array_equal(quick["municipality_code"].to_numpy(), plain["municipality_code"].to_numpy())
    assert quick["period"].tolist() == [p.date() for p in plain["period"]]
    for column in ("numerator", "denominator", "value"):
        assert quick[column].dtype == plain[column].dtype == np.float64, column
        # The same doubles in the same order; only DuckDB's parallel sums of doubles may differ in the last bit.
        np.testing.assert_allclose(quick[column], plain[column], rtol=1e-12, atol=0, equal_nan=True, err_msg=column)


def test_the_quick_path_is_not_vacuous(engine):
    """The comparison above means something: the warehouses have figures for most KPIs."""
    with_figures = [k for k in KPI_IDS if engine._unsuppressed(LEADER, engine.kpi(k), None, None, None)["numerator"]
                    .abs().sum() > 0]
    assert len(with_figures) >= 20


def test_a_newly_published_warehouse_gets_its_own_spine(small, tmp_path):
    """The spine is kept per published file: after the ETL publishes one with another month, it is in the figures."""
    published = small.warehouse_dir / "current.duckdb"
    first = tmp_path / "overblik-first.duckdb"
    shutil.copyfile(os.path.realpath(published), first)
    link = tmp_path / "current.duckdb"
    link.symlink_to(first.name)
    warehouse = Warehouse(link)
    try:
        engine = KpiEngine(load_catalogue(), load_groups(), warehouse)
        before = engine.values(LEADER, "K-UBU-PLAC-1000", municipalities=[479])
        last = max(warehouse.query(select(dim_month.c.month))["month"]).date()
        added = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        second = tmp_path / "overblik-second.duckdb"
        shutil.copyfile(first, second)
        with duckdb.connect(str(second)) as connection:
            connection.execute("INSERT INTO dim_month SELECT ?, ?, ?, ?, 30", [added, added.year,
                                                                               (added.month - 1) // 3 + 1, added.month])
        (tmp_path / "next.duckdb").symlink_to(second.name)
        os.replace(tmp_path / "next.duckdb", link)  # as the ETL publishes
        after = engine.values(LEADER, "K-UBU-PLAC-1000", municipalities=[479])
    finally:
        warehouse.close()
    assert added not in set(before["period"])
    assert list(after["period"]) == [*before["period"], added]
    assert after.iloc[-1]["numerator"] == 0  # a month with no rows on either side


def test_disclosure_is_kept_by_the_counts_it_rests_on(small):
    engine = KpiEngine(load_catalogue(), load_groups(), small.warehouse)
    kpi = engine.kpi("K-UBU-PLAC-1000")
    monthly = engine._unsuppressed(LEADER, kpi, None, None, None)
    first = engine._unknown_cells(LEADER, kpi, monthly)
    # The scenario hides Middelfart's single placed child in March, and Assens' 5 (secondary) from Svendborg.
    assert first.cells.sum() == 2
    assert engine._unknown_cells(LEADER, kpi, monthly.copy()) is first  # the same counts: kept
    with pytest.raises(ValueError):
        first.cells[0, 0] = not first.cells[0, 0]  # shared, so nobody may change it
    # Six placed children in Middelfart in March: nothing to hide any more, never the kept cells.
    changed = monthly.copy()
    march = (changed["period"] == date(2026, 3, 1)) & (changed["municipality_code"] == 410)
    changed.loc[march, kpi.counted] = 6
    again = engine._unknown_cells(LEADER, kpi, changed)
    fresh = suppression.unknown(changed, kpi.counted, engine._layout, 479, kpi.min_count)
    assert again is not first
    np.testing.assert_array_equal(again.cells, fresh.cells)
    assert again.cells.sum() == 0
    # Another viewer of the same counts has cells of its own (Middelfart sees its own child), from what the
    # viewers share.
    other = engine._unknown_cells(scope(Role.LEADER, 410), kpi, monthly)
    np.testing.assert_array_equal(
        other.cells, suppression.unknown(monthly, kpi.counted, engine._layout, 410, kpi.min_count).cells)
    assert not np.array_equal(other.cells, first.cells)
    # Fractions (full-year persons) go month by month for each viewer, and are kept all the same.
    fractions = changed.assign(**{kpi.counted: changed[kpi.counted] + 0.5})
    for viewer in (479, 410):
        kept = engine._unknown_cells(scope(Role.LEADER, viewer), kpi, fractions)
        assert engine._unknown_cells(scope(Role.LEADER, viewer), kpi, fractions) is kept
        np.testing.assert_array_equal(
            kept.cells, suppression.unknown(fractions, kpi.counted, engine._layout, viewer, kpi.min_count).cells)


def test_the_disclosure_key_reads_dates_by_value():
    monthly = {"municipality_code": np.array([101, 147], dtype=np.int16),
               "period": np.array([date(2026, 1, 1), date(2026, 2, 1)], dtype=object), "persons": np.array([1.0, 7.0])}
    same = dict(monthly, period=np.array([date(2026, 1, 1), date(2026, 2, 1)], dtype=object))  # other objects
    swapped = dict(monthly, period=np.array([date(2026, 2, 1), date(2026, 1, 1)], dtype=object))
    key = _disclosure_key(monthly, "persons", 5)
    assert _disclosure_key(same, "persons", 5) == key
    assert _disclosure_key(swapped, "persons", 5) != key
    assert _disclosure_key(monthly, "persons", 3) != key
    assert _disclosure_key(dict(monthly, persons=np.array([2.0, 7.0])), "persons", 5) != key


def test_repeated_values_are_the_same(small):
    engine = KpiEngine(load_catalogue(), load_groups(), small.warehouse)
    first = engine.values(LEADER, "K-UBU-PLAC-1000")
    assert first["suppressed"].any()
    pd.testing.assert_frame_equal(engine.values(LEADER, "K-UBU-PLAC-1000"), first)


def test_fetch_columns_gives_nulls_as_a_dataframe_has_them(small):
    # The two first months, the second with every column NULL.
    first = select(func.min(dim_month.c.month)).scalar_subquery()
    is_first = dim_month.c.month == first
    statement = (select(cast(case((is_first, 7)), SmallInteger).label("whole"),
                        cast(case((is_first, 1.5)), Double).label("double"),
                        case((is_first, dim_month.c.month)).label("month"))
                 .order_by(dim_month.c.month).limit(2))
    columns = small.warehouse.fetch_columns(LEADER, statement)
    frame = small.warehouse.fetch_aggregate(LEADER, statement)
    assert columns["whole"].dtype == np.int16 and columns["whole"].mask.tolist() == [False, True]
    assert columns["whole"][0] == 7
    assert not np.ma.isMaskedArray(columns["double"])  # NaN, as in the DataFrame
    np.testing.assert_array_equal(columns["double"], frame["double"].to_numpy())
    assert np.ma.getmaskarray(columns["month"]).tolist() == [False, True]
    # What the server warehouse gives, from a DataFrame with a nullable column of whole numbers.
    from_frame = frame_columns(pd.DataFrame({"whole": pd.array([7, None], dtype="Int16"), "double": [1.5, np.nan]}))
    assert from_frame["whole"].dtype == np.int16 and from_frame["whole"].mask.tolist() == [False, True]
    np.testing.assert_array_equal(from_frame["double"], [1.5, np.nan])
