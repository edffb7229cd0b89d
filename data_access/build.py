"""The ETL's write access: a private in-memory workspace with the new warehouse file attached.

Staging tables live in memory (spilling to disk when large) and never reach the
published file; only the star schema is created in the attached ``wh`` database.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy.schema import CreateTable

from .warehouse_schema import metadata

WAREHOUSE_ALIAS = "wh"


def open_build_workspace(new_file: Path, temp_dir: Path, memory_limit: str = "6GB") -> duckdb.DuckDBPyConnection:
    """An in-memory connection with ``new_file`` attached as ``wh`` and the star schema created in it."""
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"SET temp_directory = '{temp_dir}'")
    connection.execute("SET preserve_insertion_order = true")
    connection.execute(f"ATTACH '{new_file}' AS {WAREHOUSE_ALIAS}")
    dialect = DuckDBDialect()
    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        connection.execute(ddl.replace(f"CREATE TABLE {table.name}", f"CREATE TABLE {WAREHOUSE_ALIAS}.{table.name}", 1))
    return connection


def close_build_workspace(connection: duckdb.DuckDBPyConnection) -> None:
    """Checkpoint and detach the new warehouse file so that it is complete on disk."""
    connection.execute(f"CHECKPOINT {WAREHOUSE_ALIAS}")
    connection.execute(f"DETACH {WAREHOUSE_ALIAS}")
    connection.close()
