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
import threading
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


class BuildWorkspace:
    """An in-memory connection at once, and the new warehouse and identity files attached when ``attach`` is
    called: for an incremental run they are copies of the published files, made in a thread meanwhile, so that
    the deliveries can be read while the (cold, two-gigabyte) warehouse is copied."""

    def __init__(self, warehouse_file: Path, identity_file: Path, temp_dir: Path,
                 base: tuple[Path, Path] | None = None, memory_limit: str = "6GB"):
        self.files = (warehouse_file, identity_file)
        connection = duckdb.connect(":memory:")
        connection.execute(f"SET memory_limit = '{memory_limit}'")
        connection.execute(f"SET temp_directory = '{temp_dir}'")
        connection.execute("SET preserve_insertion_order = true")
        self.connection = _SlowStatements(connection) if os.environ.get("OVERBLIK_PROFILE_SQL") else connection
        self.attached = False
        self._copy_error: BaseException | None = None
        self._copy: threading.Thread | None = None
        if base is not None:
            self._copy = threading.Thread(target=self._copy_base, args=(base,), name="copy-published", daemon=True)
            self._copy.start()

    def _copy_base(self, base: tuple[Path, Path]) -> None:
        try:
            for source, target in zip(base, self.files, strict=True):
                shutil.copyfile(source, target)
        except BaseException as error:  # handed to the thread that attaches
            self._copy_error = error

    def wait_for_copy(self) -> None:
        if self._copy is not None:
            self._copy.join()
            self._copy = None
        if self._copy_error is not None:
            raise self._copy_error

    def attach(self) -> None:
        """Attach the new files (waiting for their copies) and make sure every table exists; once."""
        if self.attached:
            return
        self.wait_for_copy()
        warehouse_file, identity_file = self.files
        self.connection.execute(f"ATTACH '{warehouse_file}' AS {WAREHOUSE_ALIAS}")
        self.connection.execute(f"ATTACH '{identity_file}' AS {IDENTITY_ALIAS}")
        os.chmod(identity_file, 0o600)
        for ddl in _ddl(metadata, WAREHOUSE_ALIAS) + _ddl(identity_metadata, IDENTITY_ALIAS):
            self.connection.execute(ddl)
        self.attached = True

    def abandon(self) -> None:
        """Close without saving, once no thread writes the files any more (the caller removes them)."""
        if self._copy is not None:
            self._copy.join()
        self.connection.close()


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
