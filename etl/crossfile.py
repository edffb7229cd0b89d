"""Checks that need every file of a run at once, done as one set-based pass per source.

- A key repeated in a later file of the same run (for upsert sources: of the same delivery date).
- For append sources, a key that an earlier run already loaded.
- A posting or assessment naming a grant its case system never registered.

Rows found go to quarantine and leave the typed table; their files' counts are adjusted.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from .sources import SOURCES
from .validate import key_text

_GRANT_SOURCES = {"typed_kmd_grants": "KMD", "typed_dubu_measures": "DUBU", "typed_as2007_grants": "AS2007"}


def run_checks(con: duckdb.DuckDBPyConnection, files: Iterable, incremental: bool) -> None:
    by_name = {f.file_name: f for f in files}
    _known_grants(con)
    for source in SOURCES:
        contract = source.contract
        typed = f"typed_{contract.source}"
        if not table_exists(con, typed):
            continue
        if contract.key:
            scope = list(contract.key) + (["extract_date"] if contract.semantics == "upsert" else [])
            keys = ", ".join(f'"{k}"' for k in scope)
            _quarantine(con, typed, " + ".join(contract.key), f"""
                SELECT source_file, source_line, {key_text(contract)} AS value,
                       'dublet: findes allerede i ' || first_file || ' linje ' || CAST(first_line AS VARCHAR) AS reason
                FROM (SELECT *, first_value(source_file) OVER w AS first_file,
                             first_value(source_line) OVER w AS first_line
                      FROM {typed} WINDOW w AS (PARTITION BY {keys} ORDER BY extract_date, source_file, source_line))
                WHERE first_file <> source_file""", by_name)
        if incremental and contract.semantics == "append" and contract.loaded_keys:
            on = " AND ".join(f't."{k}" = e."{k}"' for k in contract.key)
            _quarantine(con, typed, " + ".join(contract.key), f"""
                SELECT t.source_file, t.source_line, {key_text(contract, 't.')} AS value,
                       'dublet: findes allerede i ' || e.source_file || ' linje ' || CAST(e.source_line AS VARCHAR)
                       AS reason
                FROM {typed} t JOIN ({contract.loaded_keys}) e ON {on}""", by_name)
        if contract.names_grant:
            column = next(f.source for f in contract.fields if f.target == "reference")
            _quarantine(con, typed, column, f"""
                SELECT t.source_file, t.source_line, t.source_system || ':' || t.reference AS value,
                       'henviser til en bevilling, som ikke findes i fagsystemet' AS reason
                FROM {typed} t
                WHERE t.source_system IS NOT NULL AND t.reference IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM known_grants k WHERE k.source_system = t.source_system
                      AND k.municipality_code = t.file_municipality_code AND k.source_grant_id = t.reference)""",
                        by_name)


def _known_grants(con: duckdb.DuckDBPyConnection) -> None:
    known = ["SELECT source_system, acting_municipality_code AS municipality_code, source_grant_id FROM wh.fact_grant"]
    known += [f"SELECT '{system}', acting_municipality_code, source_grant_id FROM {table}"
              for table, system in _GRANT_SOURCES.items() if table_exists(con, table)]
    con.execute("CREATE OR REPLACE TEMP TABLE known_grants AS " + " UNION ".join(known))


def _quarantine(con: duckdb.DuckDBPyConnection, typed: str, column: str, found_sql: str, by_name: dict) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE found_rows AS {found_sql}")
    counts = con.execute("SELECT source_file, count(DISTINCT source_line) FROM found_rows GROUP BY 1").fetchall()
    if not counts:
        return
    con.execute(f"INSERT INTO quarantine_stage SELECT source_file, source_line, '{column}', value, reason "
                "FROM found_rows")
    con.execute(f"DELETE FROM {typed} USING found_rows f WHERE {typed}.source_file = f.source_file "
                f"AND {typed}.source_line = f.source_line")
    for file_name, rows in counts:
        by_name[file_name].rows_loaded -= rows
        by_name[file_name].rows_quarantined += rows


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])
