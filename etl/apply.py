"""Apply staged deliveries to the warehouse: upserts keep every earlier version, appends add rows.

For a versioned table T (see ``VERSIONED_KEYS``), the incoming rows of each delivery are merged
with the current versions of the keys they touch, in extraction-date order. A row equal to the
version before it is dropped; every other row closes its predecessor (``valid_to``) and becomes
current. ``T`` itself always holds exactly the current versions. Lineage columns (file, line,
run) do not make a row different.
"""

from __future__ import annotations

import duckdb

from data_access.warehouse_schema import VERSIONED_KEYS, metadata

from .contracts import sql_identifier

LINEAGE = ("source_file", "source_line", "etl_run_id")


def apply_versioned(con: duckdb.DuckDBPyConnection, table: str, incoming_sql: str) -> int:
    """Merge rows (every column of ``table`` plus ``valid_from``) into its history; returns the new versions."""
    keys = VERSIONED_KEYS[table]
    columns = [c.name for c in metadata.tables[table].columns]
    attributes = [c for c in columns if c not in keys and c not in LINEAGE]
    column_list = ", ".join(sql_identifier(c) for c in columns)
    key_list = ", ".join(sql_identifier(k) for k in keys)
    on = " AND ".join(f"t.{sql_identifier(k)} = v.{sql_identifier(k)}" for k in keys)
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {incoming_sql}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT {key_list} FROM incoming")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE merged AS
        WITH candidates AS (
            SELECT {column_list}, v.valid_from, 0 AS incoming FROM wh.{table}_version v
            WHERE v.valid_to IS NULL AND EXISTS (SELECT 1 FROM touched t WHERE {on})
            UNION ALL
            SELECT {column_list}, valid_from, 1 AS incoming FROM incoming
        ), hashed AS (
            SELECT *, hash({", ".join(sql_identifier(a) for a in attributes)}) AS row_hash FROM candidates
        ), ordered AS (
            SELECT *, lag(row_hash) OVER (PARTITION BY {key_list} ORDER BY valid_from, incoming) AS previous_hash
            FROM hashed
        ), kept AS (
            SELECT * FROM ordered WHERE incoming = 0 OR previous_hash IS NULL OR previous_hash <> row_hash
        )
        SELECT {column_list}, valid_from,
               lead(valid_from) OVER (PARTITION BY {key_list} ORDER BY valid_from, incoming) AS valid_to,
               incoming
        FROM kept""")
    using = " AND ".join(f"wh.{table}_version.{sql_identifier(k)} = t.{sql_identifier(k)}" for k in keys)
    con.execute(f"DELETE FROM wh.{table}_version USING touched t WHERE {using} AND wh.{table}_version.valid_to IS NULL")
    con.execute(f"INSERT INTO wh.{table}_version SELECT {column_list}, valid_from, valid_to FROM merged")
    current = " AND ".join(f"wh.{table}.{sql_identifier(k)} = t.{sql_identifier(k)}" for k in keys)
    con.execute(f"DELETE FROM wh.{table} USING touched t WHERE {current}")
    con.execute(f"INSERT INTO wh.{table} SELECT {column_list} FROM merged WHERE valid_to IS NULL")
    return con.execute("SELECT count(*) FROM merged WHERE incoming = 1").fetchall()[0][0]


def append(con: duckdb.DuckDBPyConnection, table: str, rows_sql: str) -> int:
    """Add rows, matched to the table's columns by name; returns how many."""
    return con.execute(f"INSERT INTO wh.{table} BY NAME {rows_sql}").fetchall()[0][0]
