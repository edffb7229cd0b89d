"""Decompositions and traces give the same figures on DuckDB and on PostgreSQL (the small scenario).

The statements are SQLAlchemy Core, so both engines run them; this checks that they also agree,
to 1e-9 as in tests/test_postgres.py (each engine sums doubles in its own order).
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from data_access import to_server
from data_access.scope import Role
from data_access.server_warehouse import ServerWarehouse
from kpi.decompose import decompose
from kpi.trace import trace

from .decomposition import FULL_YEAR_COUNT, pinned_engine
from .helpers import scope

LEADER = scope(Role.LEADER, 479)
Q1, FEB = date(2026, 1, 1), date(2026, 2, 1)
TOLERANCE = 1e-9
STEPS = [
    ("K-UBU-PLAC-1000", Q1, "quarter", (), "numerator_denominator"),
    ("K-UBU-PLAC-1000", Q1, "quarter", (), "period"),
    ("K-UBU-PLAC-1000", Q1, "year", (), "month"),
    ("K-UBU-PLAC-1000", Q1, "quarter", (), "age_band"),
    ("K-UBU-PLAC-1000", Q1, "quarter", (("sex", "K"),), "placement_type"),
    ("K-UBU-PLAC-1000", Q1, "quarter", (("side", "denominator"),), "sex"),
    ("K-UBU-PLAC-1000", Q1, "quarter", (), "provider"),
    ("K-UBU-PLAC-1000", FEB, "month", (), "largest_difference"),
    ("K-ECO-BUDGET-USE", Q1, "quarter", (), "account_function"),
    (FULL_YEAR_COUNT, Q1, "quarter", (), "period"),
    (FULL_YEAR_COUNT, FEB, "month", (), "placement_type"),
]


def _both_engines(postgres, installation, database: str):
    """The installation's engine on its DuckDB file, and the same engine on a PostgreSQL copy of it."""
    url = postgres.create_database(database)
    with redirect_stdout(io.StringIO()):
        assert to_server.main(["--url", url, "--warehouse", str(installation.warehouse_dir)]) == 0
    duck = pinned_engine(installation)
    server = replace(duck, warehouse=ServerWarehouse(url))
    yield duck, server
    server.warehouse.close()


@pytest.fixture(scope="module")
def engines(postgres, small):
    yield from _both_engines(postgres, small, "decompose_small")


@pytest.mark.parametrize(("kpi_id", "period", "granularity", "path", "by"), STEPS,
                         ids=[f"{s[0]}-{s[2]}-{s[4]}-{len(s[3])}" for s in STEPS])
def test_a_decomposition_step_is_the_same_on_both_engines(engines, small, kpi_id, period, granularity, path, by):
    duck, server = (decompose(engine, LEADER, kpi_id, 479, period, granularity, path, by, compare=True,
                              appstate=small.appstate) for engine in engines)
    assert len(duck.children) > 0
    pd.testing.assert_frame_equal(server.children, duck.children, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)
    assert server.parent == pytest.approx(duck.parent, rel=TOLERANCE, abs=TOLERANCE, nan_ok=True)


@pytest.mark.parametrize("kpi_id", ["K-UBU-PLAC-1000", "K-ECO-BUDGET-USE", FULL_YEAR_COUNT])
def test_a_trace_is_the_same_on_both_engines(engines, small, kpi_id):
    duck, server = (trace(engine, LEADER, kpi_id, 479, Q1, "quarter", appstate=small.appstate) for engine in engines)
    for role, side in duck.sides.items():
        other = server.sides[role]
        assert other.matches and side.matches
        assert other.traced == pytest.approx(side.traced, rel=TOLERANCE)
        assert len(other.rows) == len(side.rows)


# Kerteminde (440) and Nyborg (450): one trace through each aggregate that tests/scenario.py leaves empty.
KERTEMINDE_TRACES = [
    ("K-UBU-STARTS", 450, date(2025, 2, 1)), ("K-VH-110-DAYS", 440, Q1), ("K-DQ-MISSING", 440, Q1),
    ("K-DQ-LATE", 440, Q1), ("K-ECO-REIMB-GAP", 440, Q1), ("K-EFF-VUM-6", 450, Q1),
    ("K-EFF-WELL-12", 450, Q1), ("K-EFF-STEPDOWN", 450, Q1), ("K-UBU-NOTPLAC-1Y", 450, Q1),
]


@pytest.fixture(scope="module")
def kerteminde_engines(postgres, kerteminde):
    yield from _both_engines(postgres, kerteminde, "decompose_kerteminde")


@pytest.mark.parametrize(("kpi_id", "municipality", "period"), KERTEMINDE_TRACES, ids=[t[0] for t in KERTEMINDE_TRACES])
def test_a_trace_through_grants_findings_outcomes_and_follow_ups_is_the_same_on_both_engines(
        kerteminde_engines, kerteminde, kpi_id, municipality, period):
    leader = scope(Role.LEADER, municipality)
    duck, server = (trace(engine, leader, kpi_id, municipality, period, "quarter", appstate=kerteminde.appstate)
                    for engine in kerteminde_engines)
    assert duck.numerator.traced != 0
    for role, side in duck.sides.items():
        other = server.sides[role]
        assert other.matches and side.matches
        assert other.traced == pytest.approx(side.traced, rel=TOLERANCE)
        columns = ["month", "amount", "source_file", "source_line"]
        ordered = [frame[columns].astype({"amount": float}).sort_values(columns).reset_index(drop=True)
                   for frame in (side.rows, other.rows)]
        pd.testing.assert_frame_equal(*ordered, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)
