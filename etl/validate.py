"""Validate one raw file against its contract in SQL: typed rows in, the rest to quarantine.

Every field's kind becomes a conversion; a value that does not convert, a missing
required value, a broken row rule and a repeated key each give one quarantine entry
naming file, line, column, value and reason. A row with any entry is not loaded.
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


def validate_file(con: duckdb.DuckDBPyConnection, raw: RawFile, contract: Contract, file_name: str,
                  extract_date: date, file_municipality: int | None) -> FileCounts:
    con.execute(QUARANTINE_DDL)

    selects = ["_line AS source_line", f"{sql_literal(file_name)} AS source_file",
               f"DATE '{extract_date.isoformat()}' AS extract_date"]
    if "municipality" in contract.pattern.groupindex:
        selects.append(f"CAST({file_municipality} AS SMALLINT) AS file_municipality_code")
    for spec in contract.fields:
        # Qualified, so that a subquery in a kind never mistakes a reference table's column for this one.
        selects.append(f"{spec.sql('raw_file.' + _ident(spec.source), contract.system)} AS {_ident(spec.target)}")
        if spec.lookup is not None:
            selects.append(f"{_ident(spec.source)} AS {_ident(spec.target + '__raw')}")
    con.execute("CREATE OR REPLACE TEMP TABLE typed_file AS SELECT " + ", ".join(selects) + " FROM raw_file")

    checks = []
    for spec in contract.fields:
        source_column, typed, column = _ident(spec.source), _ident(spec.target), sql_literal(spec.source)
        if spec.required:
            checks.append(f"SELECT _line, {column}, NULL, 'mangler værdi' FROM raw_file WHERE {source_column} IS NULL")
        checks.append(
            f"SELECT r._line, {column}, r.{source_column}, {sql_literal(spec.problem())} FROM raw_file r "
            f"JOIN typed_file t ON t.source_line = r._line "
            f"WHERE r.{source_column} IS NOT NULL AND t.{typed} IS NULL")
    for rule in contract.rules:
        checks.append(f"SELECT source_line, {sql_literal(rule.column)}, {rule.value_sql}, {sql_literal(rule.reason)} "
                      f"FROM typed_file WHERE {rule.violated}")
    checks.extend(_key_checks(con, contract))

    problems = [(p.line, p.column, p.value, p.reason) for p in raw.problems]
    con.execute("CREATE OR REPLACE TEMP TABLE file_problems (line INTEGER, column_name VARCHAR, value VARCHAR, "
                "reason VARCHAR)")
    if problems:
        con.executemany("INSERT INTO file_problems VALUES (?, ?, ?, ?)", problems)
    con.execute("INSERT INTO file_problems " + " UNION ALL ".join(checks))
    con.execute(f"INSERT INTO quarantine_stage SELECT {sql_literal(file_name)}, line, column_name, value, reason "
                "FROM file_problems ORDER BY line, column_name")

    typed_table = f"typed_{contract.source}"
    con.execute(f"CREATE TABLE IF NOT EXISTS {typed_table} AS SELECT * FROM typed_file WHERE false")
    loaded = con.execute(
        f"INSERT INTO {typed_table} SELECT * FROM typed_file "
        "WHERE source_line NOT IN (SELECT line FROM file_problems)").fetchall()[0][0]
    quarantined = con.execute("SELECT count(DISTINCT line) FROM file_problems").fetchall()[0][0]
    if loaded + quarantined != raw.rows_read:
        raise AssertionError(f"{file_name}: {raw.rows_read} rækker læst, men {loaded} indlæst "
                             f"og {quarantined} i karantæne")
    return FileCounts(raw.rows_read, loaded, quarantined)


def _key_checks(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Repeated keys in this run: within a delivery for upsert sources (a later delivery may bring the key
    again), across all of them for append sources. Keys loaded by earlier runs are checked once per source
    after all files are read (pipeline._quarantine_already_loaded)."""
    if not contract.key:
        return []
    scope = list(contract.key) + (["extract_date"] if contract.semantics == "upsert" else [])
    keys = ", ".join(_ident(k) for k in scope)
    present = " AND ".join(f"{_ident(k)} IS NOT NULL" for k in contract.key)
    column = sql_literal(" + ".join(contract.key))
    value = _key_text(contract)
    checks = [
        f"SELECT source_line, {column}, {value}, 'dublet: samme nøgle som linje ' || CAST(first_line AS VARCHAR) "
        f"FROM (SELECT *, row_number() OVER w AS occurrence, first_value(source_line) OVER w AS first_line "
        f"FROM typed_file WHERE {present} WINDOW w AS (PARTITION BY {keys} ORDER BY source_line)) "
        f"WHERE occurrence > 1"
    ]
    earlier = []
    typed_table = f"typed_{contract.source}"
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [typed_table]).fetchall()[0][0]:
        earlier.append(f"SELECT {', '.join(_ident(k) for k in scope)}, source_file, source_line FROM {typed_table}")
    for source in earlier:
        join = " AND ".join(f"t.{_ident(k)} = e.{_ident(k)}" for k in scope)
        checks.append(
            f"SELECT t.source_line, {column}, {_key_text(contract, 't.')}, "
            f"'dublet: findes allerede i ' || e.source_file || ' linje ' || CAST(e.source_line AS VARCHAR) "
            f"FROM typed_file t JOIN ({source}) e ON {join}")
    return checks


def _key_text(contract: Contract, prefix: str = "") -> str:
    return " || '/' || ".join(f"CAST({prefix}{_ident(k)} AS VARCHAR)" for k in contract.key)
