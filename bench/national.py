"""The national profile: all 98 municipalities, ten years, measured against the ETL's targets.

Generation, a full ETL beside DuckDB alone reading the same files, the next night's delta
generated and loaded incrementally, and KPI queries on the national warehouse (bench/kpis.py: every
KPI beside hand-written SQL and the pandas way, against the KPI issue's targets). Each ETL step runs
as its own process, so its wall time and peak memory are its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from data_access.scope import Role, UserScope
from data_access.warehouse import Warehouse
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from . import kpis
from .measure import delivery_size, duckdb_read_and_store_seconds, duckdb_read_seconds, run_measured, summary, timed

# (what, measured value path, limit, unit) from the ETL issue
TARGETS = (
    ("generering", ("generate", "seconds"), 600, "s"),
    ("fuld ETL", ("etl_full", "seconds"), 300, "s"),
    ("fuld ETL / DuckDB-læsning", ("etl_full", "times_duckdb_read"), 3, "×"),
    ("hukommelse, fuld ETL", ("etl_full", "peak_memory_mib"), 8192, "MiB"),
    ("natlig delta", ("etl_delta", "seconds"), 30, "s"),
    *kpis.TARGETS,
)


def measure(root: Path, env: dict[str, str], seed: int = 1) -> dict:
    inbox, warehouse = root / "inbox", root / "warehouse"
    results: dict = {}
    progress("genererer den nationale leverance (op til 10 min) …")
    results["generate"] = run_measured(["-m", "etl.generate", "--profile", "national", "--seed", str(seed),
                                        "--out", str(inbox)], env)
    results["delivery"] = delivery_size(inbox)
    progress("DuckDB læser de samme filer …")
    results["duckdb_read_seconds"] = round(duckdb_read_seconds(inbox), 2)
    progress("DuckDB læser de samme filer og gemmer dem i en databasefil …")
    stored = root / "read-and-store.duckdb"
    results["duckdb_read_and_store_seconds"] = round(duckdb_read_and_store_seconds(inbox, stored), 2)
    stored.unlink()
    progress("fuld ETL (op til 5 min) …")
    results["etl_full"] = run_measured(["-m", "etl.run", "--full", "--inbox", str(inbox), "--warehouse",
                                        str(warehouse)], env)
    results["etl_full"]["times_duckdb_read"] = round(
        results["etl_full"]["seconds"] / results["duckdb_read_seconds"], 1)
    results["etl_full"]["times_duckdb_read_and_store"] = round(
        results["etl_full"]["seconds"] / results["duckdb_read_and_store_seconds"], 1)
    results["etl_full"]["warehouse_mib"] = round((warehouse / "current.duckdb").resolve().stat().st_size / 2**20, 1)
    progress("KPI-forespørgsler på det nationale lager …")
    results["queries"] = queries(warehouse)
    progress("hvert nøgletal ved siden af håndskrevet SQL og pandas-måden, opdelingstræ …")
    results["kpis"] = kpis.measure(warehouse)
    progress("genererer næste nats delta …")
    results["generate_next_night"] = run_measured(["-m", "etl.generate", "--profile", "national", "--seed",
                                                   str(seed), "--next-night", "--out", str(inbox)], env)
    progress("indlæser deltaen …")
    results["etl_delta"] = run_measured(["-m", "etl.run", "--inbox", str(inbox), "--warehouse", str(warehouse)], env)
    results["targets"] = verdicts(results)
    return results


def queries(warehouse_dir: Path) -> dict:
    warehouse = Warehouse(warehouse_dir / "current.duckdb")
    engine = KpiEngine(load_catalogue(), load_groups(), warehouse)
    leader = UserScope("bench", Role.LEADER, 101)
    result = {}
    for kpi_id in engine.catalogue.kpis:
        engine.benchmark(leader, kpi_id)  # warm the connection and the page cache
        result[f"benchmark {kpi_id}"] = summary(timed(lambda k=kpi_id: engine.benchmark(leader, k), 10))
        result[f"values {kpi_id}, all municipalities"] = summary(timed(lambda k=kpi_id: engine.values(leader, k), 10))
    return result


def verdicts(results: dict, targets=TARGETS) -> list[dict]:
    """Each target met or not; ``met`` is None for a figure that was not measured (e.g. a module not there yet)."""
    rows = []
    for label, (step, key), limit, unit in targets:
        value = results[step][key]
        met = None if value is None else value <= limit
        rows.append({"target": label, "value": value, "limit": limit, "unit": unit, "met": met})
    return rows


def verdict_lines(targets: list[dict]) -> list[str]:
    def verdict(met: bool | None) -> str:
        return "IKKE MÅLT" if met is None else "OK" if met else "IKKE NÅET"

    return [f"{verdict(t['met'])}: {t['target']} {t['value']} {t['unit']} (mål ≤ {t['limit']} {t['unit']})"
            for t in targets]


def comparison_lines(results: dict) -> list[str]:
    """The full ETL beside DuckDB reading and storing the same files: for comparison, not a target."""
    if "duckdb_read_and_store_seconds" not in results:
        return []
    read, stored = results["duckdb_read_seconds"], results["duckdb_read_and_store_seconds"]
    return [f"Til sammenligning: DuckDB læser filerne på {read} s og læser og gemmer dem på {stored} s "
            f"({stored / read:.1f}× læsningen); fuld ETL er {results['etl_full']['times_duckdb_read_and_store']}× "
            "det at læse og gemme"]


def progress(text: str) -> None:
    print(f"[national] {text}", file=sys.stderr, flush=True)
