"""Measuring helpers shared by the demo and national benchmarks."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl.sources import source_for

from .server import ROOT

LATIN_ENCODINGS = ("cp1252", "iso-8859-1")


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


def run_measured(arguments: list[str], env: dict[str, str]) -> dict:
    """Wall time and peak resident memory of one child process (its own, not the largest child so far)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *arguments], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} sluttede med kode {process.returncode}:\n{output[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_memory_mib": round(usage.ru_maxrss / 1024, 1),
            "last_line": output.strip().splitlines()[-1] if output.strip() else ""}


def duckdb_read_seconds(inbox: Path) -> float:
    """DuckDB alone reading every delivery file into a table, with the file's own delimiter and encoding.

    The floor for any loader: no validation, no history, no derived tables. DuckDB has no XML
    reader, so an XML file counts as reading its bytes.
    """
    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    started = time.perf_counter()
    for _, reader, parameters in _deliveries(inbox):
        connection.execute(f"CREATE OR REPLACE TABLE delivery AS SELECT * FROM {reader}", parameters)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def duckdb_read_and_store_seconds(inbox: Path, database: Path) -> float:
    """DuckDB alone reading every delivery file, as above, and keeping its rows as text in a database
    file on disk: one table per source, checkpointed.

    The floor for a loader that keeps what it reads. The ETL's target is set against the read
    alone; this shows how much of that budget storing the rows takes before any typing, checking,
    history, person-months or aggregates.
    """
    connection = duckdb.connect(str(database))
    connection.execute("SET threads = 2")
    started = time.perf_counter()
    created = set()
    for source, reader, parameters in _deliveries(inbox):
        table = f"delivery_{source}"
        if table in created:
            connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {reader}", parameters)
        else:
            connection.execute(f"CREATE TABLE {table} AS SELECT * FROM {reader}", parameters)
            created.add(table)
    connection.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _deliveries(inbox: Path) -> Iterator[tuple[str, str, list]]:
    """(source, DuckDB reader, its parameters) for each delivery file in ``inbox``, in name order."""
    for path in sorted(inbox.iterdir()):
        match = source_for(path.name)
        if match is None:
            continue
        contract = match[0].contract
        if contract.format == "jsonl":
            yield contract.source, "read_json(?, format = 'newline_delimited')", [str(path)]
        elif contract.format == "xml":
            yield contract.source, "read_blob(?)", [str(path)]
        else:
            encoding = "latin-1" if contract.encoding in LATIN_ENCODINGS else "utf-8"
            reader = "read_csv(?, delim = ?, header = true, all_varchar = true, encoding = ?)"
            yield contract.source, reader, [str(path), contract.delimiter, encoding]


def delivery_size(inbox: Path) -> dict:
    files = [p for p in inbox.iterdir() if p.is_file()]
    return {"files": len(files), "mib": round(sum(p.stat().st_size for p in files) / 2**20, 1)}
