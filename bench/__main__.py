"""Measure Overblik and write the figures to bench/results/.

    python -m bench                     (make bench) the demo, then the national profile
    python -m bench --profile demo      (make bench PROFILE=demo) the demo only, about a minute
    python -m bench kpis --warehouse W  the KPI queries alone, on the existing warehouse W (a directory
                                        with current.duckdb, or a .duckdb file; default: the configured one)
    python -m bench kpis --kpi ID ...   some KPIs only (repeatable); written to --output or the temporary
                                        directory, never over latest-kpis.json

Demo: generation, the ETL beside DuckDB alone reading the same files, KPI and caseload queries,
server start and, in the real browser, each role's time from pressing "Log ind" to its page
being drawn. National: see bench/national.py (about 15 minutes on two cores). KPIs: see bench/kpis.py
(a few minutes on the national warehouse); written as bench/results/latest-kpis.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from data_access.appstate import DEMO_USERS_FILE, AppState
from data_access.caseload import my_cases
from data_access.scope import Role, UserScope
from data_access.settings import load_settings
from data_access.warehouse import Warehouse
from etl.generate.delivery import generate_delivery
from etl.generate.profiles import DEMO
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from . import kpis, national
from .measure import delivery_size, duckdb_read_seconds, run_measured, summary, timed
from .server import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start_server, wait_until_healthy

RESULTS = ROOT / "bench" / "results"
ROLES = (("sagsbehandler", "Mine sager"), ("leder", "Nøgletal og sammenligning"),
         ("politiker", "Mål og resultater"), ("admin", "Dataindlæsning"))


def queries(root: Path, appstate: AppState) -> dict:
    warehouse = Warehouse(root / "warehouse" / "current.duckdb")
    engine = KpiEngine(load_catalogue(), load_groups(), warehouse)
    leader = UserScope("bench", Role.LEADER, 479)
    caseworker = UserScope("bench", Role.CASEWORKER, 479, "479:AZ47901")
    result = {}
    for kpi_id in engine.catalogue.kpis:
        engine.benchmark(leader, kpi_id)  # warm the connection
        result[f"benchmark {kpi_id}"] = summary(timed(lambda k=kpi_id: engine.benchmark(leader, k), 20))
        result[f"values {kpi_id}, all municipalities"] = summary(timed(lambda k=kpi_id: engine.values(leader, k), 20))
    result["caseload of a caseworker"] = summary(timed(lambda: my_cases(caseworker, warehouse, appstate), 20))
    return result


def browser(env: dict[str, str]) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    process = start_server(env, port, RESULTS / "streamlit-bench.log")
    url = f"http://127.0.0.1:{port}"
    result = {}
    try:
        result["server_start_seconds"] = round(wait_until_healthy(url, process), 2)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for username, heading in ROLES:
                timings = []
                for _ in range(3):
                    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
                    page = context.new_page()
                    page.goto(url)
                    page.get_by_label("Brugernavn").fill(username)
                    page.get_by_label("Adgangskode").fill(f"demo-{username}")
                    started = time.perf_counter()
                    page.get_by_role("button", name="Log ind").click()
                    page.wait_for_function(
                        """heading => [...document.querySelectorAll('h1')].some(h => h.textContent.trim() === heading)
                           && !document.querySelector('input[aria-label="Brugernavn"]')
                           && document.querySelector('[data-testid="stApp"]')
                                      .getAttribute('data-test-script-state') === 'notRunning'""",
                        arg=heading, timeout=60_000, polling=20)
                    timings.append(time.perf_counter() - started)
                    context.close()
                result[f"login to page drawn: {username}"] = summary(timings)
            chromium.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    return result


def demo(root: Path, env: dict[str, str]) -> dict:
    results = {"generate_seconds": round(timed(lambda: generate_delivery(DEMO, 1, root / "inbox"))[0], 2),
               "delivery": delivery_size(root / "inbox"),
               "duckdb_read_seconds": round(duckdb_read_seconds(root / "inbox"), 2)}
    results["etl"] = run_measured(["-m", "etl.run", "--inbox", str(root / "inbox"), "--warehouse",
                                   str(root / "warehouse")], env)
    results["etl"]["times_duckdb_read"] = round(results["etl"]["seconds"] / results["duckdb_read_seconds"], 1)
    appstate = AppState(env["OVERBLIK_APPSTATE_URL"])
    appstate.seed_users(DEMO_USERS_FILE)
    results["queries"] = queries(root, appstate)
    results["browser"] = browser(env)
    return results


def header(profile: str) -> dict:
    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "profile": profile,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}}


def measure(profile: str) -> dict:
    results = header(profile)
    with tempfile.TemporaryDirectory(prefix=f"overblik-bench-{profile}-") as folder:
        root = Path(folder)
        env = {**os.environ, "OVERBLIK_DATA_DIR": str(root), "OVERBLIK_WAREHOUSE_DIR": str(root / "warehouse"),
               "OVERBLIK_APPSTATE_URL": f"sqlite:///{root / 'appstate.sqlite'}"}
        os.environ.update(env)
        results.update(demo(root, env) if profile == "demo" else national.measure(root, env))
    return results


def write(results: dict, output: Path | None = None) -> Path:
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
        return output
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{results['profile']}-{stamp}.json").write_text(text, encoding="utf-8")
    latest = RESULTS / f"latest-{results['profile']}.json"
    latest.write_text(text, encoding="utf-8")
    return latest


def measure_kpis(warehouse: Path | None, runs: int, kpi_ids: list[str] | None = None) -> dict:
    """The KPI queries alone, on an existing warehouse: nothing is generated or loaded."""
    results = header("kpis")
    results["kpis"] = kpis.measure(warehouse or load_settings().warehouse_dir, runs, kpi_ids=kpi_ids)
    results["targets"] = national.verdicts(results, kpis.TARGETS)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.strip().splitlines()[0])
    parser.add_argument("part", nargs="?", choices=("kpis",),
                        help="kpis: only the KPI queries, on an existing warehouse")
    parser.add_argument("--profile", choices=("demo", "national", "all"), default="all")
    parser.add_argument("--warehouse", type=Path, help="with kpis: the warehouse directory or .duckdb file")
    parser.add_argument("--runs", type=int, default=kpis.RUNS, help="with kpis: timed runs per query")
    parser.add_argument("--kpi", action="append", metavar="ID", help="with kpis: only this KPI (repeatable)")
    parser.add_argument("--output", type=Path, help="with kpis: write the results here instead of bench/results/")
    args = parser.parse_args(argv)
    if args.part is None and (args.warehouse, args.kpi, args.output) != (None, None, None):
        parser.error("--warehouse, --kpi og --output hører til kpis (python -m bench kpis --warehouse …)")
    if args.kpi and args.output is None:  # a partial run never replaces latest-kpis.json
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.output = Path(tempfile.gettempdir()) / f"overblik-kpis-partial-{stamp}.json"
    profiles = ("kpis",) if args.part == "kpis" else ("demo", "national") if args.profile == "all" else (
        args.profile,)
    missed = 0
    for profile in profiles:
        results = measure_kpis(args.warehouse, args.runs, args.kpi) if profile == "kpis" else measure(profile)
        path = write(results, args.output)
        print(json.dumps(results, indent=2, ensure_ascii=False))
        if "kpis" in results:
            print()
            for line in kpis.report_lines(results["kpis"]):
                print(line)
        for line in national.verdict_lines(results.get("targets", [])) + national.comparison_lines(results):
            print(line)
        missed += sum(t["met"] is False for t in results.get("targets", []))
        print(f"\nResultater skrevet til {path}")
    if missed:
        print(f"{missed} mål er ikke nået (se ovenfor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
