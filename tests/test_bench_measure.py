"""The ETL bench's comparison: DuckDB alone reading the delivery and storing it, and how the bench reports it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
from sqlalchemy import select

from bench import national
from bench.measure import duckdb_read_and_store_seconds
from data_access.warehouse_schema import meta_load_file
from etl.sources import source_for


def test_reading_and_storing_keeps_every_row_the_etl_read(demo, tmp_path):
    database = tmp_path / "stored.duckdb"
    assert duckdb_read_and_store_seconds(demo.inbox, database) > 0
    stored: Counter[str] = Counter()
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = [row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            for path, rows in connection.execute(f"SELECT filename, count(*) FROM {table} GROUP BY ALL").fetchall():
                stored[Path(path).name] += rows
    files = demo.warehouse.query(select(meta_load_file.c.file_name, meta_load_file.c.rows_read))
    read = dict(zip(files["file_name"], files["rows_read"], strict=True))
    formats = set()
    for name, rows_read in read.items():
        fmt = source_for(name)[0].contract.format
        formats.add(fmt)
        # DuckDB has no XML reader: an XML file is stored as its bytes, one row.
        assert stored[name] == (1 if fmt == "xml" else rows_read), name
    assert formats == {"delimited", "jsonl", "xml"} and set(stored) == set(read)
    assert len(tables) == len({source_for(name)[0].contract.source for name in read})


def test_the_comparison_line_divides_by_the_measured_read_and_store():
    results = {"duckdb_read_seconds": 25.0, "duckdb_read_and_store_seconds": 50.0,
               "etl_full": {"seconds": 200.0, "times_duckdb_read": 8.0, "times_duckdb_read_and_store": 4.0}}
    [line] = national.comparison_lines(results)
    assert "læser filerne på 25.0 s" in line and "gemmer dem på 50.0 s (2.0× læsningen)" in line
    assert line.endswith("fuld ETL er 4.0× det at læse og gemme")
    assert national.comparison_lines({"duckdb_read_seconds": 25.0}) == []
