"""Measure Overblik end to end on the demo delivery and write the figures to bench/results/.

    python -m bench            (make bench)

Generation, the ETL (wall time and peak memory, beside DuckDB alone reading the same
files), KPI and caseload queries, server start and, in the real browser, each role's time
from pressing "Log ind" to its page being drawn.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from data_access.appstate import DEMO_USERS_FILE, AppState
from data_access.caseload import my_cases
from data_access.scope import Role, UserScope
from data_access.warehouse import Warehouse
from etl.generate.delivery import generate_delivery
from etl.generate.profiles import DEMO
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

from .server import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start_server, wait_until_healthy

RESULTS = ROOT / "bench" / "results"
ROLES = (("sagsbehandler", "Mine sager"), ("leder", "Nøgletal og sammenligning"),
         ("politiker", "Mål og resultater"), ("admin", "Dataindlæsning"))


def timed(function, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
            "runs": len(ordered)}


def duckdb_read_seconds(inbox: Path) -> float:
    """DuckDB alone counting the rows of every delivery file: the floor for any loader."""
    connection = duckdb.connect()
    started = time.perf_counter()
    for path in sorted(inbox.iterdir()):
        if path.suffix == ".jsonl":
            connection.execute("SELECT count(*) FROM read_json(?, format = 'newline_delimited')", [str(path)])
        else:
            encoding = "latin-1" if path.name.startswith("KMD_") else "utf-8"
            connection.execute("SELECT count(*) FROM read_csv(?, delim = ';', header = true, all_varchar = true, "
                               "encoding = ?)", [str(path), encoding])
    return time.perf_counter() - started


def etl(root: Path, env: dict[str, str]) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl.run", "--inbox", str(root / "inbox"), "--warehouse",
                    str(root / "warehouse")], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    published = (root / "warehouse" / "current.duckdb").resolve()
    return {"seconds": round(seconds, 2), "peak_memory_mib": round(max(peak_kib, before) / 1024, 1),
            "warehouse_mib": round(published.stat().st_size / 2**20, 1)}


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


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "profile": "demo",
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}}
    with tempfile.TemporaryDirectory(prefix="overblik-bench-") as folder:
        root = Path(folder)
        env = {**os.environ, "OVERBLIK_DATA_DIR": str(root), "OVERBLIK_WAREHOUSE_DIR": str(root / "warehouse"),
               "OVERBLIK_APPSTATE_URL": f"sqlite:///{root / 'appstate.sqlite'}"}
        os.environ.update(env)
        results["generate_seconds"] = round(timed(lambda: generate_delivery(DEMO, 1, root / "inbox"))[0], 2)
        results["delivery_mib"] = round(sum(p.stat().st_size for p in (root / "inbox").iterdir()) / 2**20, 1)
        results["duckdb_read_seconds"] = round(duckdb_read_seconds(root / "inbox"), 2)
        results["etl"] = etl(root, env)
        results["etl"]["times_duckdb_read"] = round(results["etl"]["seconds"] / results["duckdb_read_seconds"], 1)
        appstate = AppState(env["OVERBLIK_APPSTATE_URL"])
        appstate.seed_users(DEMO_USERS_FILE)
        results["queries"] = queries(root, appstate)
        results["browser"] = browser(env)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"demo-{stamp}.json").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\nResultater skrevet til {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
