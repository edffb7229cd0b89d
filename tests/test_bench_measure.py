"""The ETL bench's comparison: DuckDB alone reading the delivery and storing it, and how the bench reports it."""

from __future__ import annotations

from collections import Counter

import duckdb
from sqlalchemy import select

from bench import national
from bench.measure import duckdb_read_and_store_seconds
from data_access.warehouse_schema import meta_load_file
from etl.sources import source_for


def test_reading_and_storing_keeps_every_row_the_etl_read(demo, tmp_path):
    database = tmp_path / "stored.duckdb"
    assert duckdb_read_and_store_seconds(demo.inbox, database) > 0
    with duckdb.connect(str(database), read_only=True) as connection:
        stored = {table[len("delivery_"):]: connection.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                  for (table,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    files = demo.warehouse.query(select(meta_load_file.c.file_name, meta_load_file.c.rows_read))
    expected: Counter[str] = Counter()
    formats = set()
    for name, rows_read in zip(files["file_name"], files["rows_read"], strict=True):
        contract = source_for(name)[0].contract
        formats.add(contract.format)
        # DuckDB has no XML reader: an XML file is stored as its bytes, one row.
        expected[contract.source] += 1 if contract.format == "xml" else rows_read
    assert formats == {"delimited", "jsonl", "xml"}
    assert stored == dict(expected)


def test_the_comparison_line_divides_by_the_measured_read_and_store():
    results = {"duckdb_read_seconds": 25.0, "duckdb_read_and_store_seconds": 50.0,
               "etl_full": {"seconds": 200.0, "times_duckdb_read": 8.0, "times_duckdb_read_and_store": 4.0}}
    [line] = national.comparison_lines(results)
    assert "læser filerne på 25.0 s" in line and "gemmer dem på 50.0 s (2.0× læsningen)" in line
    assert line.endswith("fuld ETL er 4.0× det at læse og gemme")
    assert national.comparison_lines({"duckdb_read_seconds": 25.0}) == []
