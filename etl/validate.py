"""Validate one raw file against its contract in SQL: typed rows in, the rest to quarantine.

Every field's kind becomes a conversion; a value that does not convert, a missing required
value, a broken row rule and a key repeated within the file each give one quarantine entry
naming file, line, column, value and reason. A row with any entry is not loaded. The typed
table keeps each field's raw text beside its typed value, so every check is a filter on one
table. Keys repeated across files are checked once per source afterwards (``cross_file``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .contracts import Contract, sql_literal
from .readers import RawFile

QUARANTINE_DDL = """CREATE TABLE IF NOT EXISTS quarantine_stage (
    file_name VARCHAR, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR)"""


@dataclass(frozen=True)
class FileCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw(index: int) -> str:
    return f'"__raw_{index}"'


def validate_file(con: duckdb.DuckDBPyConnection, raw: RawFile, contract: Contract, file_name: str,
                  extract_date: date, file_municipality: int | None) -> FileCounts:
    con.execute(QUARANTINE_DDL)
    selects = ["_line AS source_line", f"{sql_literal(file_name)} AS source_file",
               f"DATE '{extract_date.isoformat()}' AS extract_date"]
    if "municipality" in contract.pattern.groupindex:
        selects.append(f"CAST({file_municipality} AS SMALLINT) AS file_municipality_code")
    for index, spec in enumerate(contract.fields):
        # Qualified, so that a subquery in a kind never mistakes a reference table's column for this one.
        source = "raw_file." + _ident(spec.source)
        selects.append(f"{spec.sql(source, contract.system)} AS {_ident(spec.target)}")
        if spec.lookup is not None:
            selects.append(f"{source} AS {_ident(spec.target + '__raw')}")
        selects.append(f"{source} AS {_raw(index)}")
    con.execute("CREATE OR REPLACE TEMP TABLE typed_file AS SELECT " + ", ".join(selects) + " FROM raw_file")

    checks = []
    for index, spec in enumerate(contract.fields):
        column = sql_literal(spec.source)
        if spec.required:
            checks.append(f"SELECT source_line, {column}, NULL, 'mangler værdi' FROM typed_file "
                          f"WHERE {_raw(index)} IS NULL")
        checks.append(f"SELECT source_line, {column}, {_raw(index)}, {sql_literal(spec.problem())} FROM typed_file "
                      f"WHERE {_raw(index)} IS NOT NULL AND {_ident(spec.target)} IS NULL")
    for rule in contract.rules:
        checks.append(f"SELECT source_line, {sql_literal(rule.column)}, {rule.value_sql}, {sql_literal(rule.reason)} "
                      f"FROM typed_file WHERE {rule.violated}")
    if contract.key:
        keys = ", ".join(_ident(k) for k in contract.key)
        present = " AND ".join(f"{_ident(k)} IS NOT NULL" for k in contract.key)
        checks.append(
            f"SELECT source_line, {sql_literal(' + '.join(contract.key))}, {key_text(contract)}, "
            f"'dublet: samme nøgle som linje ' || CAST(first_line AS VARCHAR) "
            f"FROM (SELECT *, row_number() OVER w AS occurrence, first_value(source_line) OVER w AS first_line "
            f"FROM typed_file WHERE {present} WINDOW w AS (PARTITION BY {keys} ORDER BY source_line)) "
            f"WHERE occurrence > 1")

    con.execute("CREATE OR REPLACE TEMP TABLE file_problems (line INTEGER, column_name VARCHAR, value VARCHAR, "
                "reason VARCHAR)")
    problems = [(p.line, p.column, p.value, p.reason) for p in raw.problems]
    if problems:
        con.executemany("INSERT INTO file_problems VALUES (?, ?, ?, ?)", problems)
    con.execute("INSERT INTO file_problems " + " UNION ALL ".join(checks))
    con.execute(f"INSERT INTO quarantine_stage SELECT {sql_literal(file_name)}, line, column_name, value, reason "
                "FROM file_problems ORDER BY line, column_name")

    typed_table = f"typed_{contract.source}"
    raw_columns = ", ".join(_raw(index) for index in range(len(contract.fields)))
    con.execute(f"CREATE TABLE IF NOT EXISTS {typed_table} AS SELECT * EXCLUDE ({raw_columns}) FROM typed_file "
                "WHERE false")
    loaded = con.execute(
        f"INSERT INTO {typed_table} SELECT * EXCLUDE ({raw_columns}) FROM typed_file "
        "ANTI JOIN file_problems p ON p.line = typed_file.source_line").fetchall()[0][0]
    quarantined = con.execute("SELECT count(DISTINCT line) FROM file_problems").fetchall()[0][0]
    if loaded + quarantined != raw.rows_read:
        raise AssertionError(f"{file_name}: {raw.rows_read} rækker læst, men {loaded} indlæst "
                             f"og {quarantined} i karantæne")
    return FileCounts(raw.rows_read, loaded, quarantined)


def key_text(contract: Contract, prefix: str = "") -> str:
    return " || '/' || ".join(f"CAST({prefix}{_ident(k)} AS VARCHAR)" for k in contract.key)
