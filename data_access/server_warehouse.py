"""The published warehouse on a server engine (PostgreSQL), selected by a SQLAlchemy URL.

``python -m data_access.to_server`` copies a published DuckDB warehouse into the schema
``overblik`` and swaps it in within one transaction, so readers see the old tables or the new
ones, never a half-loaded set. Frames come back with the column types the DuckDB warehouse
gives (dates and timestamps as naive ``datetime64``, decimals as ``float64``, integers as
``int16``/``int32``/``int64``), so code above ``data_access`` cannot tell the engines apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import psycopg
from psycopg.errors import InvalidSchemaName, UndefinedTable
from sqlalchemy import create_engine, make_url, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.sql import ClauseElement

from .scope import UserScope
from .warehouse import ANALYST_ROLES, WarehouseMissing, check_aggregate_only, frame_columns
from .warehouse_schema import meta_load

SCHEMA = "overblik"

_INTEGERS = {"int2": "int16", "int4": "int32", "int8": "int64"}
_FLOATS = {"float4": "float32", "float8": "float64", "numeric": "float64"}


def server_url(url: str) -> URL:
    """The URL with psycopg as driver: ``postgresql://`` alone would ask for psycopg2, which we do not ship."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed


class ServerWarehouse:
    """The same surface as ``Warehouse`` (query, fetch_aggregate, version, close), on a database server."""

    def __init__(self, url: str):
        self.engine = create_engine(server_url(url), pool_pre_ping=True)

    @property
    def published(self) -> str:
        """Where the warehouse is, without the password (for messages and cache keys)."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def version(self) -> str:
        """The ETL run that built the loaded warehouse, so caches keyed on it expire when a new one is loaded."""
        newest = self.query(select(meta_load.c.run_id).order_by(meta_load.c.finished_at.desc()).limit(1))
        if newest.empty:
            raise self._missing()
        return str(newest.iloc[0, 0])

    def query(self, statement: ClauseElement) -> pd.DataFrame:
        """Run a SQLAlchemy Core statement. For ``data_access`` modules only: no scope check."""
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(schema_translate_map={None: SCHEMA}).execute(statement)
                type_names = [_type_name(column.type_code) for column in result.cursor.description]
                names = list(result.keys())
                rows = result.fetchall()
        except ProgrammingError as error:
            if isinstance(error.orig, UndefinedTable | InvalidSchemaName):
                raise self._missing() from error
            raise
        # Column by column: several times faster than pandas reading a million rows one by one.
        values = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        frame = pd.DataFrame({i: like_duckdb(pd.Series(column), type_name)
                              for i, (column, type_name) in enumerate(zip(values, type_names, strict=True))})
        frame.columns = names
        return frame

    def fetch_aggregate(self, scope: UserScope, statement: ClauseElement) -> pd.DataFrame:
        """Run a statement that may read only aggregate tables, for an analyst role."""
        scope.require(*ANALYST_ROLES)
        check_aggregate_only(statement)
        return self.query(statement)

    def fetch_columns(self, scope: UserScope, statement: ClauseElement) -> dict[str, np.ndarray]:
        """``Warehouse.fetch_columns``: the columns of ``fetch_aggregate``, NULLs as there."""
        return frame_columns(self.fetch_aggregate(scope, statement))

    def close(self) -> None:
        self.engine.dispose()

    def _missing(self) -> WarehouseMissing:
        return WarehouseMissing(
            f"Der er endnu ikke indlæst data i {self.published} (skemaet {SCHEMA} mangler eller er tomt). "
            f"Indlæs det publicerede datagrundlag med: python -m data_access.to_server --url …")


def _type_name(oid: int) -> str:
    info = psycopg.postgres.types.get(oid)
    return info.name if info is not None else ""


def like_duckdb(column: pd.Series, type_name: str) -> pd.Series:
    """A column as DuckDB's ``.df()`` would give it. PostgreSQL's ``date_trunc`` of a date gives a
    timestamp with time zone at local midnight: its local wall-clock time is the period's first day."""
    if type_name in _INTEGERS:
        dtype = _INTEGERS[type_name]
        return column.astype(dtype.capitalize() if column.isna().any() else dtype)
    if type_name in _FLOATS:
        return column.astype(_FLOATS[type_name])
    if type_name == "bool":
        return column.astype("boolean" if column.isna().any() else "bool")
    if type_name in ("date", "timestamp"):
        return pd.to_datetime(column).astype("datetime64[us]")
    if type_name == "timestamptz":
        return pd.to_datetime(column).dt.tz_localize(None).astype("datetime64[us]")
    return column
