"""The same warehouse on DuckDB and on PostgreSQL gives the same figures: every KPI, every period, every row.

The small scenario and the generated demo are each loaded into a private PostgreSQL cluster with
``python -m data_access.to_server``. Figures are compared to 1e-9 (relative, and absolute near zero)
rather than exactly: a quarter or a year sums or averages monthly doubles, and each engine adds
them up in its own order, so a quarter's spend can differ in its last bit (about 2e-16 relative on
the demo) and changes that cancel out come to -1.1e-16 on one engine and -8.3e-17 on the other.
Months, keys, row counts and every copied table are compared exactly.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError
from streamlit.testing.v1 import AppTest

from data_access import meta, to_server
from data_access.caseload import my_cases
from data_access.scope import AccessDenied, Role
from data_access.server_warehouse import ServerWarehouse
from data_access.warehouse import WarehouseMissing, current_warehouse
from data_access.warehouse_schema import dim_municipality, fact_grant, meta_load
from kpi.catalogue import GRANULARITIES, load_catalogue
from kpi.compiler import compile_values
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import number

from .helpers import scope
from .postgres_cluster import server_binaries
from .test_pages import APP

# Read when the tests are collected, so that every KPI added to the catalogue is covered.
KPI_IDS = list(load_catalogue().kpis)
INSTALLATIONS = ("small", "demo")
LEADER = scope(Role.LEADER, 479)
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def loaded(postgres, small, demo) -> dict[str, tuple[KpiEngine, KpiEngine]]:
    """Per installation: a KPI engine on its DuckDB warehouse and one on the copy in PostgreSQL."""
    catalogue, groups = load_catalogue(), load_groups()
    engines = {}
    for name, installation in (("small", small), ("demo", demo)):
        url = postgres.create_database(name)
        output = io.StringIO()
        with redirect_stdout(output):
            assert to_server.main(["--url", url, "--warehouse", str(installation.warehouse_dir)]) == 0
        assert output.getvalue().startswith("Indlæst overblik-")
        engines[name] = (KpiEngine(catalogue, groups, installation.warehouse),
                         KpiEngine(catalogue, groups, ServerWarehouse(url)))
    yield engines
    for duck, server in engines.values():
        duck.warehouse.close()
        server.warehouse.close()


def assert_same(duck: pd.DataFrame, server: pd.DataFrame) -> None:
    """Same columns, types, rows and keys; numbers equal to 1e-9."""
    assert len(duck) > 0, "nothing to compare"
    pd.testing.assert_frame_equal(server, duck, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("installation", INSTALLATIONS)
def test_every_table_arrives_exact(loaded, installation):
    duck, server = (engine.warehouse for engine in loaded[installation])
    # The demo's person-level tables add only time: the scenario has every column type, and the
    # demo's aggregates hold more rows than one COPY batch.
    largest = 0
    for table in to_server.tables_to_load(aggregates_only=installation == "demo"):
        ordered = select(table).order_by(*table.columns)
        expected, copied = duck.query(ordered), server.query(ordered)
        assert len(copied) == len(expected), table.name
        if len(expected):  # DuckDB types the columns of an empty result as objects
            pd.testing.assert_frame_equal(copied, expected, check_exact=True, obj=table.name)
        largest = max(largest, len(expected))
    if installation == "demo":
        assert largest > to_server.BATCH_ROWS


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("kpi_id", KPI_IDS)
@pytest.mark.parametrize("installation", INSTALLATIONS)
def test_kpi_values_are_the_same_on_both_engines(loaded, installation, kpi_id, granularity):
    duck, server = loaded[installation]
    statement = compile_values(duck.catalogue, duck.kpi(kpi_id), granularity=granularity)
    unsuppressed = duck.warehouse.fetch_aggregate(LEADER, statement)
    assert_same(unsuppressed, server.warehouse.fetch_aggregate(LEADER, statement))
    if installation == "demo":  # the hand-made scenario leaves some KPIs without any case
        assert unsuppressed["value"].notna().any(), "no value to compare"
    assert_same(duck.values(LEADER, kpi_id, granularity=granularity),
                server.values(LEADER, kpi_id, granularity=granularity))


@pytest.mark.parametrize("kpi_id", KPI_IDS)
@pytest.mark.parametrize("installation", INSTALLATIONS)
def test_benchmarks_are_the_same_on_both_engines(loaded, installation, kpi_id):
    duck, server = loaded[installation]
    expected, found = duck.benchmark(LEADER, kpi_id), server.benchmark(LEADER, kpi_id)
    assert_same(expected, found)
    assert found.attrs == expected.attrs


def test_periods_are_first_days_whatever_the_server_time_zone(loaded):
    """PostgreSQL truncates a date to a timestamp with time zone; the server here runs in Copenhagen time."""
    duck, server = loaded["demo"]
    statement = compile_values(duck.catalogue, duck.kpi(KPI_IDS[0]), granularity="quarter")
    periods = server.warehouse.fetch_aggregate(LEADER, statement)["period"]
    assert str(periods.dtype) == "datetime64[us]"
    assert (periods.dt.day == 1).all() and periods.dt.month.isin([1, 4, 7, 10]).all()
    assert (periods == periods.dt.normalize()).all()


def test_without_postgresql_the_tests_fail_and_say_how_to_install_it(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="run `make test`"):
        server_binaries(tmp_path)
    (tmp_path / "15" / "bin").mkdir(parents=True)
    (tmp_path / "15" / "bin" / "initdb").touch()
    assert server_binaries(tmp_path) == tmp_path / "15" / "bin"


@pytest.mark.parametrize("change", ["value", "row", "period"])
def test_the_comparison_catches_a_difference(change):
    frame = pd.DataFrame({"municipality_code": np.array([479, 479], dtype="int16"),
                          "period": pd.to_datetime(["2026-01-01", "2026-02-01"]).astype("datetime64[us]"),
                          "value": [1 / 3, 2.0]})
    changed = frame.copy()
    if change == "value":
        changed.loc[0, "value"] *= 1 + 1e-8
    elif change == "row":
        changed = changed.iloc[:1]
    else:
        changed.loc[1, "period"] = pd.Timestamp("2026-03-01")
    assert_same(frame, frame.copy())
    with pytest.raises(AssertionError):
        assert_same(frame, changed)


def test_the_server_keeps_the_access_rules(loaded):
    server = loaded["small"][1].warehouse
    analyst = scope(Role.POLITICIAN)
    allowed = select(dim_municipality.c.name).where(dim_municipality.c.municipality_code == 479)
    assert server.fetch_aggregate(analyst, allowed).iloc[0, 0] == "Svendborg"
    for forbidden in (select(fact_grant.c.citizen_key), select(text("* FROM fact_grant"))):
        with pytest.raises(AccessDenied):
            server.fetch_aggregate(analyst, forbidden)
    with pytest.raises(AccessDenied):
        server.fetch_aggregate(scope(Role.ADMIN), allowed)


def test_caseload_and_load_information_read_the_same_from_the_server(loaded, small):
    duck, server = (engine.warehouse for engine in loaded["small"])
    assert meta.load_info(server) == meta.load_info(duck)
    caseworker = scope(Role.CASEWORKER, 479, "479:AZ47901", username="sara")
    expected = my_cases(caseworker, duck, small.appstate)
    pd.testing.assert_frame_equal(my_cases(caseworker, server, small.appstate), expected, check_exact=True)
    assert len(expected) == 2


def test_the_url_setting_selects_the_server(loaded, monkeypatch):
    duck, server = (engine.warehouse for engine in loaded["small"])
    monkeypatch.setenv("OVERBLIK_WAREHOUSE_URL", server.engine.url.render_as_string(hide_password=False))
    configured = current_warehouse()
    assert isinstance(configured, ServerWarehouse)
    newest = duck.query(select(meta_load.c.run_id).order_by(meta_load.c.finished_at.desc()).limit(1)).iloc[0, 0]
    assert configured.version == newest
    assert KpiEngine.default().months_covered(LEADER) == loaded["small"][0].months_covered(LEADER)


def test_the_app_runs_on_the_server_by_url(loaded, demo, use_installation, monkeypatch):
    use_installation(demo)
    server = loaded["demo"][1].warehouse
    monkeypatch.setenv("OVERBLIK_WAREHOUSE_URL", server.engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("leder")
    at.text_input[1].input("demo-leder")
    at.button[0].click().run()
    at.run()
    assert not at.exception, at.exception
    latest = loaded["demo"][0].benchmark(LEADER, "K-UBU-PLAC-1000").iloc[-1]
    metrics = {m.label: m.value for m in at.metric}  # the leader lands on the KPI tiles
    assert metrics["Anbragte pr. 1.000 0-22-årige"] == f"{number(latest['own_value'], 1)} pr. 1.000"


def test_an_empty_database_asks_for_a_load(postgres):
    server = ServerWarehouse(postgres.create_database("empty"))
    with pytest.raises(WarehouseMissing, match=r"python -m data_access\.to_server"):
        _ = server.version
    server.close()


def test_a_new_load_replaces_the_old_at_once_and_a_failed_one_changes_nothing(postgres, small, demo, monkeypatch):
    url = postgres.create_database("reloaded")
    server = ServerWarehouse(url)
    to_server.load_into_server(small.warehouse_dir / "current.duckdb", url)
    first = server.version
    to_server.load_into_server(demo.warehouse_dir / "current.duckdb", url, aggregates_only=True)
    second = server.version
    assert second != first
    assert KpiEngine(load_catalogue(), load_groups(), server).months_covered(LEADER) == (
        KpiEngine(load_catalogue(), load_groups(), demo.warehouse).months_covered(LEADER))
    with pytest.raises(WarehouseMissing):  # --aggregates-only leaves the person-level tables out
        server.query(select(fact_grant.c.grant_key))

    copy = to_server._copy
    def failing_copy(duck, cursor, table):
        if table.name == "agg_persons_month":
            raise to_server.LoadFailed("the server went away")
        return copy(duck, cursor, table)
    monkeypatch.setattr(to_server, "_copy", failing_copy)
    with pytest.raises(to_server.LoadFailed):
        to_server.load_into_server(small.warehouse_dir / "current.duckdb", url)
    assert server.version == second
    schemas = server.query(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'overblik%'"))
    assert list(schemas["nspname"]) == ["overblik"]
    server.close()


def test_the_app_can_read_as_a_role_that_may_only_read(postgres, small):
    url = postgres.create_database("read_only")
    postgres.execute("CREATE ROLE overblik_app LOGIN")
    to_server.load_into_server(small.warehouse_dir / "current.duckdb", url, reader="overblik_app")
    as_app = ServerWarehouse(url.replace("postgres@", "overblik_app@"))
    assert KpiEngine(load_catalogue(), load_groups(), as_app).months_covered(LEADER) == (
        KpiEngine(load_catalogue(), load_groups(), small.warehouse).months_covered(LEADER))
    with pytest.raises(ProgrammingError, match="permission denied"), as_app.engine.begin() as connection:
        connection.execute(text("DELETE FROM overblik.agg_persons_month"))
    as_app.close()


def test_the_command_needs_a_server_and_a_warehouse(postgres, tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        to_server.main(["--warehouse", str(tmp_path)])
    assert usage.value.code == 2
    assert to_server.main(["--url", postgres.url("postgres"), "--warehouse", str(tmp_path)]) == 1
    assert "intet publiceret datagrundlag" in capsys.readouterr().err
