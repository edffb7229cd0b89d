"""Copy the published DuckDB warehouse into a server engine (PostgreSQL), for ``OVERBLIK_WAREHOUSE_URL``.

    python -m data_access.to_server --url postgresql+psycopg://USER@HOST/DATABASE [--warehouse DIR]
                                    [--reader ROLE] [--aggregates-only]

The tables are created from data_access/warehouse_schema.py in a loading schema and filled by
COPY, in batches that DuckDB hands over as Arrow and pyarrow writes as CSV: decimals and dates
travel as text and doubles in their shortest round-trip form, so every value arrives exact. Each
table's row count is checked, and the loading schema replaces the published one in the same
transaction, so readers never see half a load and a failed load leaves the previous one in place.
Exit codes: 0 loaded, 1 failed (what the server had is unchanged), 2 usage.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import duckdb
from psycopg import Cursor, sql
from pyarrow import csv
from sqlalchemy import REAL, Float, MetaData, Table, create_engine

from locale_da import number

from .server_warehouse import SCHEMA, server_url
from .settings import PUBLISHED_NAME, load_settings
from .warehouse import WarehouseMissing
from .warehouse_schema import TABLE_ACCESS, Access, meta_load, metadata

LOADING_SCHEMA = f"{SCHEMA}_loading"
BATCH_ROWS = 100_000
# Any fixed number: two loads into one database queue on it instead of both building the loading schema.
LOAD_LOCK = 4_790_001
# Nulls unquoted and every value quoted: PostgreSQL's CSV reads an unquoted empty field as NULL, "" as ''.
_CSV = csv.WriteOptions(include_header=False, quoting_style="all_valid", batch_size=BATCH_ROWS)


class LoadFailed(RuntimeError):
    """The server did not take what was sent; the message is Danish."""


@dataclass(frozen=True)
class LoadResult:
    source: Path
    rows: dict[str, int]
    seconds: float


def tables_to_load(aggregates_only: bool = False) -> list[Table]:
    """Every warehouse table; or only what the KPIs may read, plus the run log that ``version`` names."""
    tables = metadata.sorted_tables
    if aggregates_only:
        tables = [t for t in tables if TABLE_ACCESS[t.name] is Access.AGGREGATE or t is meta_load]
    return list(tables)


def load_into_server(published: Path, url: str, aggregates_only: bool = False, reader: str | None = None
                     ) -> LoadResult:
    """Replace the server's warehouse by the DuckDB file ``published`` (the ``current.duckdb`` link) points to;
    ``reader`` is a role the app signs in as, given read access only."""
    started = time.monotonic()
    # Resolved once: a nightly run may move the link while we copy, and the file we opened stays readable.
    source = Path(os.path.realpath(published))
    if not source.exists():
        raise WarehouseMissing(f"Der er intet publiceret datagrundlag at indlæse ({published} findes ikke).")
    tables = tables_to_load(aggregates_only)
    engine = create_engine(server_url(url))
    duck = duckdb.connect(str(source), read_only=True)
    try:
        with engine.begin() as connection:
            cursor = connection.connection.driver_connection.cursor()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK])
            cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(LOADING_SCHEMA)))
            server_tables = as_stored_by_duckdb(tables)
            server_tables[0].metadata.create_all(connection, tables=server_tables, checkfirst=False)
            rows = {table.name: _copy(duck, cursor, table) for table in tables}
            _publish(cursor, reader)
    finally:
        duck.close()
        engine.dispose()
    return LoadResult(source, rows, time.monotonic() - started)


def as_stored_by_duckdb(tables: list[Table]) -> list[Table]:
    """The tables in the loading schema, typed as DuckDB stores them. SQLAlchemy's ``Float`` is a 4-byte
    REAL in DuckDB but an 8-byte double in PostgreSQL; REAL keeps exactly the values the warehouse holds."""
    loading = MetaData()
    copies = [table.to_metadata(loading, schema=LOADING_SCHEMA) for table in tables]
    for column in (column for table in copies for column in table.columns):
        if type(column.type) is Float and column.type.precision is None:
            column.type = REAL()
    return copies


def _publish(cursor: Cursor, reader: str | None) -> None:
    """Put the loading schema in the published one's place; readers see the switch when we commit."""
    names = {"loading": sql.Identifier(LOADING_SCHEMA), "published": sql.Identifier(SCHEMA)}
    if reader:  # the schema is new on every load, and so are its grants
        names["reader"] = sql.Identifier(reader)
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {loading} TO {reader}").format(**names))
        cursor.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {loading} TO {reader}").format(**names))
    cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {published} CASCADE").format(**names))
    cursor.execute(sql.SQL("ALTER SCHEMA {loading} RENAME TO {published}").format(**names))


def _copy(duck: duckdb.DuckDBPyConnection, cursor: Cursor, table: Table) -> int:
    names = [column.name for column in table.columns]
    batches = duck.table(table.name).select(*map(duckdb.ColumnExpression, names)).to_arrow_reader(BATCH_ROWS)
    target = sql.Identifier(LOADING_SCHEMA, table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names)))
    sent = 0
    with cursor.copy(statement) as copy:
        for batch in batches:
            buffer = io.BytesIO()
            csv.write_csv(batch, buffer, _CSV)
            copy.write(buffer.getbuffer())
            sent += batch.num_rows
    if cursor.rowcount != sent:
        raise LoadFailed(f"{table.name}: serveren modtog {number(cursor.rowcount)} af {number(sent)} rækker")
    cursor.execute(sql.SQL("ANALYZE {}").format(target))  # the planner would otherwise guess at empty tables
    return sent


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.to_server",
                                     description=__doc__.strip().splitlines()[0])
    parser.add_argument("--url", default=settings.warehouse_url,
                        help="SQLAlchemy URL of the server database (default: OVERBLIK_WAREHOUSE_URL)")
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_dir,
                        help="folder holding the published warehouse (current.duckdb)")
    parser.add_argument("--reader", help="a database role to give read access (the one in OVERBLIK_WAREHOUSE_URL)")
    parser.add_argument("--aggregates-only", action="store_true",
                        help="only the dimensions and aggregates the KPIs read: no person-level tables")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("angiv serveren med --url eller OVERBLIK_WAREHOUSE_URL")

    shown = server_url(args.url).render_as_string(hide_password=True)
    try:
        result = load_into_server(args.warehouse / PUBLISHED_NAME, args.url, args.aggregates_only, args.reader)
    except WarehouseMissing as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the server refused or went away: the operator needs the whole story
        traceback.print_exc()
        print(f"FEJL: indlæsningen i {shown} blev ikke gennemført: {error}", file=sys.stderr)
        print("Det datagrundlag, serveren havde, er uændret.", file=sys.stderr)
        return 1
    print(f"Indlæst {result.source.name} i {shown}: {len(result.rows)} tabeller, "
          f"{number(sum(result.rows.values()))} rækker; {number(result.seconds, 1)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
