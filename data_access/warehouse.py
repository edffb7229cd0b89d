"""Read-only access to the published warehouse.

The ETL publishes each new DuckDB file by switching the ``current.duckdb`` link in one
rename. We keep one read-only connection per published file and give every query its
own cursor, so Streamlit's session threads never share a cursor; when the link moves,
the next query opens the new file and older connections are closed after a grace period.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy import Table
from sqlalchemy.sql import ClauseElement, visitors
from sqlalchemy.sql.elements import TextClause

from .scope import AccessDenied, Role, UserScope
from .settings import load_settings
from .warehouse_schema import TABLE_ACCESS, Access

if TYPE_CHECKING:
    from .server_warehouse import ServerWarehouse

_DIALECT = DuckDBDialect(paramstyle="numeric_dollar")
_KEEP_OLD_CONNECTIONS = 2
_CHECKED_KEPT = 2048  # statements checked and rendered once, kept while asked for again

ANALYST_ROLES = (Role.CASEWORKER, Role.LEADER, Role.POLITICIAN)


class WarehouseMissing(RuntimeError):
    """No warehouse has been published yet; the message is Danish."""


class Warehouse:
    """The published warehouse behind a ``current.duckdb`` link (or a plain file)."""

    def __init__(self, published: Path):
        self.published = Path(published)
        self._lock = threading.Lock()
        self._connections: dict[Path, duckdb.DuckDBPyConnection] = {}
        self._checked: dict[int, tuple[ClauseElement, str, list]] = {}  # id → (statement, SQL, parameters)

    @property
    def version(self) -> str:
        """Names the published file, so caches keyed on it expire when the ETL publishes."""
        return self._resolve().name

    def _resolve(self) -> Path:
        target = Path(os.path.realpath(self.published))
        if not target.exists():
            raise WarehouseMissing(
                f"Der er endnu ikke indlæst data ({self.published} findes ikke). Kør dataindlæsningen: make etl."
            )
        return target

    def _connection(self) -> duckdb.DuckDBPyConnection:
        target = self._resolve()
        with self._lock:
            connection = self._connections.get(target)
            if connection is None:
                connection = duckdb.connect(str(target), read_only=True)
                self._connections[target] = connection
                for stale in list(self._connections)[:-_KEEP_OLD_CONNECTIONS - 1]:
                    self._connections.pop(stale).close()
            return connection.cursor()

    def query(self, statement: ClauseElement) -> pd.DataFrame:
        """Run a SQLAlchemy Core statement. For ``data_access`` modules only: no scope check."""
        return self._run(*_rendered(statement))

    def fetch_aggregate(self, scope: UserScope, statement: ClauseElement) -> pd.DataFrame:
        """Run a statement that may read only aggregate tables, for an analyst role. A statement object asked for
        again (the KPI engine keeps its compiled ones) is checked and rendered only the first time."""
        return self._run(*self._checked_sql(scope, statement))

    def fetch_columns(self, scope: UserScope, statement: ClauseElement) -> dict[str, np.ndarray]:
        """``fetch_aggregate`` column by column as numpy arrays, for code that computes on arrays: DuckDB gives them
        without building a DataFrame, which on a KPI's few thousand rows costs as much as a quick query. A NULL is
        NaN in a column of doubles and masked (a numpy masked array) in any other."""
        return nulls_as_nan(self._run(*self._checked_sql(scope, statement), fetch=duckdb.DuckDBPyConnection.fetchnumpy))

    def _checked_sql(self, scope: UserScope, statement: ClauseElement) -> tuple[str, list]:
        scope.require(*ANALYST_ROLES)
        with self._lock:
            known = self._checked.get(id(statement))
        if known is None or known[0] is not statement:
            check_aggregate_only(statement)
            known = (statement, *_rendered(statement))  # the statement kept alive, so its id stays its own
            with self._lock:
                if len(self._checked) >= _CHECKED_KEPT:
                    self._checked.clear()
                self._checked[id(statement)] = known
        return known[1], known[2]

    def _run(self, sql: str, parameters: list, fetch=duckdb.DuckDBPyConnection.df):
        """The statement on a cursor of its own, its result taken by ``fetch`` (a DataFrame unless said)."""
        cursor = self._connection()
        try:
            return fetch(cursor.execute(sql, parameters))
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()


def nulls_as_nan(columns: dict) -> dict[str, np.ndarray]:
    """Masked columns of doubles filled with NaN, as a DataFrame would have them; other columns as they are."""
    return {name: column.filled(np.nan) if np.ma.isMaskedArray(column) and column.dtype.kind == "f" else column
            for name, column in columns.items()}


def frame_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A DataFrame as ``Warehouse.fetch_columns`` gives its columns: a nullable column of whole numbers with a NULL
    as a masked array; NaN and NaT stay as they are."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        numpy_dtype = getattr(column.dtype, "numpy_dtype", None)
        if numpy_dtype is not None and numpy_dtype.kind in "iub" and column.isna().any():
            columns[name] = np.ma.masked_array(column.to_numpy(numpy_dtype, na_value=0), mask=column.isna().to_numpy())
        else:
            columns[name] = column.to_numpy()
    return columns


def _rendered(statement: ClauseElement) -> tuple[str, list]:
    """The statement as DuckDB runs it: SQL text and positional parameters."""
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    return str(compiled), [compiled.params[name] for name in compiled.positiontup or []]


def check_aggregate_only(statement: ClauseElement) -> None:
    """Refuse statements that touch person-level or admin tables, or hide their tables in text."""
    for element in visitors.iterate(statement):
        if isinstance(element, TextClause):
            raise AccessDenied("Forespørgslen kan ikke kontrolleres (rå SQL er ikke tilladt her).")
        if isinstance(element, Table) and TABLE_ACCESS.get(element.name) is not Access.AGGREGATE:
            raise AccessDenied(f"Tabellen {element.name} indeholder persondata og kan ikke bruges til nøgletal.")


def current_warehouse() -> Warehouse | ServerWarehouse:
    """The warehouse configured by the environment (a server engine when ``OVERBLIK_WAREHOUSE_URL``
    is set), one shared instance per location."""
    settings = load_settings()
    if settings.warehouse_url:
        return _server_warehouse_at(settings.warehouse_url)
    return _warehouse_at(settings.published_warehouse)


@functools.cache
def _warehouse_at(published: Path) -> Warehouse:
    return Warehouse(published)


@functools.cache
def _server_warehouse_at(url: str) -> ServerWarehouse:
    # Imported here: server_warehouse builds on this module, and a DuckDB installation never loads psycopg.
    from .server_warehouse import ServerWarehouse

    return ServerWarehouse(url)
