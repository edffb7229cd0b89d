"""The ETL's write access: an in-memory workspace with the new warehouse and identity files attached.

Staging tables live in memory (spilling to disk when large) and never reach the published files;
the star schema lives in the attached ``wh`` database and the CPR mapping in ``idn``. An
incremental run starts from copies of the published files; a full run from empty ones.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy import MetaData
from sqlalchemy.schema import CreateTable

from .identity import IDENTITY_ALIAS, identity_metadata
from .warehouse_schema import metadata

WAREHOUSE_ALIAS = "wh"
_DIALECT = DuckDBDialect()


def _ddl(schema: MetaData, alias: str) -> list[str]:
    statements = []
    for table in schema.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=_DIALECT))
        qualified = f"CREATE TABLE IF NOT EXISTS {alias}.{table.name}"
        statements.append(ddl.replace(f"CREATE TABLE {table.name}", qualified, 1))
    return statements


def schema_fingerprint() -> str:
    """Changes whenever a table or column changes; a warehouse built on another schema is rebuilt in full."""
    text = "\n".join(_ddl(metadata, WAREHOUSE_ALIAS) + _ddl(identity_metadata, IDENTITY_ALIAS))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _SlowStatements:
    """With OVERBLIK_PROFILE_SQL=1: the connection, reporting every statement slower than a second."""

    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self._connection = connection

    def execute(self, sql: str, *args):
        started = time.perf_counter()
        result = self._connection.execute(sql, *args)
        seconds = time.perf_counter() - started
        if seconds >= 1:
            print(f"  [{seconds:6.1f} s] {' '.join(sql.split())[:160]}", file=sys.stderr)
        return result

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


def open_build_workspace(warehouse_file: Path, identity_file: Path, temp_dir: Path,
                         base: tuple[Path, Path] | None = None, memory_limit: str = "6GB") -> duckdb.DuckDBPyConnection:
    """Attach the new files (copied from ``base`` for an incremental run) and make sure every table exists."""
    if base is not None:
        shutil.copyfile(base[0], warehouse_file)
        shutil.copyfile(base[1], identity_file)
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"SET temp_directory = '{temp_dir}'")
    connection.execute("SET preserve_insertion_order = true")
    connection.execute(f"ATTACH '{warehouse_file}' AS {WAREHOUSE_ALIAS}")
    connection.execute(f"ATTACH '{identity_file}' AS {IDENTITY_ALIAS}")
    os.chmod(identity_file, 0o600)
    for ddl in _ddl(metadata, WAREHOUSE_ALIAS) + _ddl(identity_metadata, IDENTITY_ALIAS):
        connection.execute(ddl)
    return _SlowStatements(connection) if os.environ.get("OVERBLIK_PROFILE_SQL") else connection


def close_build_workspace(connection: duckdb.DuckDBPyConnection) -> None:
    """Checkpoint and detach the new files so that they are complete on disk."""
    for alias in (WAREHOUSE_ALIAS, IDENTITY_ALIAS):
        connection.execute(f"CHECKPOINT {alias}")
        connection.execute(f"DETACH {alias}")
    connection.close()


def read_catalog(warehouse_file: Path) -> tuple[str | None, list[tuple]]:
    """The schema fingerprint and the files a published warehouse was built from
    (name, sha256, size, modification time, source, extraction date)."""
    connection = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "meta_schema" not in tables:
            return None, []
        fingerprint = connection.execute("SELECT fingerprint FROM meta_schema").fetchall()[0][0]
        files = connection.execute("SELECT file_name, sha256, size, mtime_ns, source, extract_date "
                                   "FROM meta_load_file").fetchall()
        return fingerprint, files
    finally:
        connection.close()
