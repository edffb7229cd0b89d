"""Validate raw files against their contract in SQL: typed rows in, the rest to quarantine.

Every field's kind becomes a conversion; a value that does not convert, a missing required
value, a broken row rule and a key repeated within the file each give one quarantine entry
naming file, line, column, value and reason. A row with any entry is not loaded. Typed rows go
straight into ``typed_<source>`` (one copy of the data, not two), marked suspect where a value is
NULL but should not be; only suspect rows are joined back to their raw text for the quarantine, and
the rows with an entry are deleted again. Keys repeated across files are checked once per source
afterwards (``cross_file``).
A large file is validated alone; small files of one source are validated together in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .contracts import Contract, sql_identifier, sql_literal
from .readers import RawFile

QUARANTINE_DDL = """CREATE TABLE IF NOT EXISTS quarantine_stage (
    file_name VARCHAR, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR)"""


@dataclass(frozen=True)
class FileCounts:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


@dataclass(frozen=True)
class BatchFile:
    """One file's rows in a batch: its name, date, municipality and what its reader found."""

    name: str
    extract_date: date
    municipality: int | None
    raw: RawFile


class ValidationBatch:
    """Small files of one source, gathered so that one SQL pass validates them all.

    A night's delta is hundreds of files of a few hundred rows; validating each alone costs
    more in planning its statements than in running them. Rows keep their file and line.
    """

    def __init__(self, contract: Contract):
        self.contract = contract
        self.table = f"raw_batch_{contract.source}"
        self.files: list[BatchFile] = []
        self.rows = 0

    def add(self, con: duckdb.DuckDBPyConnection, file: BatchFile) -> None:
        """Copy ``raw_file`` (just read) into the batch."""
        columns = "_line, " + ", ".join(sql_identifier(f.source) for f in self.contract.fields)
        marks = (f"{sql_literal(file.name)} AS _file, DATE '{file.extract_date.isoformat()}' AS _extract_date, "
                 f"CAST({_null(file.municipality)} AS SMALLINT) AS _file_municipality")
        if not self.files:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} AS SELECT {marks}, {columns} FROM raw_file")
        else:
            con.execute(f"INSERT INTO {self.table} SELECT {marks}, {columns} FROM raw_file")
        self.files.append(file)
        self.rows += file.raw.rows_read

    def validate(self, con: duckdb.DuckDBPyConnection) -> dict[str, FileCounts]:
        counts = validate_rows(con, self.table, self.contract, self.files)
        con.execute(f"DROP TABLE {self.table}")
        self.files, self.rows = [], 0
        return counts


def validate_file(con: duckdb.DuckDBPyConnection, raw: RawFile, contract: Contract, file_name: str,
                  extract_date: date, file_municipality: int | None) -> FileCounts:
    """Validate the file just read into ``raw_file`` on its own (a large file: no copy into a batch)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_single AS SELECT {sql_literal(file_name)} AS _file, "
                f"DATE '{extract_date.isoformat()}' AS _extract_date, "
                f"CAST({_null(file_municipality)} AS SMALLINT) AS _file_municipality, * FROM raw_file")
    counts = validate_rows(con, "raw_single", contract, [BatchFile(file_name, extract_date, file_municipality, raw)])
    con.execute("DROP VIEW raw_single")
    return counts[file_name]


def validate_rows(con: duckdb.DuckDBPyConnection, relation: str, contract: Contract,
                  files: list[BatchFile]) -> dict[str, FileCounts]:
    """Typed rows of ``relation`` (raw text plus _file, _extract_date, _file_municipality) into
    ``typed_<source>``, the rest into ``quarantine_stage``; rows read, loaded and quarantined per file."""
    con.execute(QUARANTINE_DDL)
    typed_table = f"typed_{contract.source}"
    selects = ["_line AS source_line", "_file AS source_file", "_extract_date AS extract_date"]
    if "municipality" in contract.pattern.groupindex:
        selects.append("_file_municipality AS file_municipality_code")
    outer = [name.rsplit(" AS ", 1)[1] for name in selects]
    suspect = []
    for index, spec in enumerate(contract.fields):
        # Qualified, so that a subquery in a kind never mistakes a reference table's column for this one.
        source = "raw_file." + sql_identifier(spec.source)
        target = sql_identifier(spec.target)
        selects += [f"{spec.sql(source, contract.system)} AS {target}", f"{source} AS {_raw(index)}"]
        outer.append(target)
        if spec.lookup is not None:
            selects.append(f"{source} AS {sql_identifier(spec.target + '__raw')}")
            outer.append(sql_identifier(spec.target + '__raw'))
        # Every kind turns a missing value into NULL: a value is suspect where it is NULL but should not be.
        suspect.append(f"{target} IS NULL" if spec.required else f"({target} IS NULL AND {_raw(index)} IS NOT NULL)")
    # The rows go straight into typed_<source>; those found wanting are deleted from it again below. Only
    # the few suspect rows are joined back to their raw text, for the quarantine.
    outer.append(f"({' OR '.join(suspect)}) AS _suspect")

    def typed_select(batch: int) -> str:
        return (f"SELECT {', '.join(outer)}, CAST({batch} AS INTEGER) AS _batch "
                f"FROM (SELECT {', '.join(selects)} FROM {relation} AS raw_file)")

    con.execute(f"CREATE TABLE IF NOT EXISTS {typed_table} AS {typed_select(0)} WHERE false")
    # Each validation numbers its rows, so that the checks read only this batch's row groups. (Not row ids:
    # after a delete, DuckDB gives new rows ids below ones it gave before.)
    batch = con.execute(f"SELECT coalesce(max(_batch), 0) + 1 FROM {typed_table}").fetchall()[0][0]
    inserted = con.execute(f"INSERT INTO {typed_table} {typed_select(batch)}").fetchall()[0][0]
    con.execute(f"CREATE OR REPLACE TEMP VIEW typed_file AS SELECT * FROM {typed_table} WHERE _batch = {batch}")
    raw_columns = ", ".join(f"r.{sql_identifier(spec.source)} AS {_raw(index)}"
                            for index, spec in enumerate(contract.fields))
    con.execute(f"CREATE OR REPLACE TEMP TABLE suspect_rows AS SELECT t.*, {raw_columns} "
                f"FROM (SELECT * FROM typed_file WHERE _suspect) t "
                f"JOIN {relation} r ON r._file = t.source_file AND r._line = t.source_line")

    checks = []
    for index, spec in enumerate(contract.fields):
        column = sql_literal(spec.source)
        if spec.required:
            checks.append(f"SELECT source_file, source_line, {column}, NULL, 'mangler værdi' FROM suspect_rows "
                          f"WHERE {_raw(index)} IS NULL")
        checks.append(f"SELECT source_file, source_line, {column}, {_raw(index)}, {sql_literal(spec.problem())} "
                      f"FROM suspect_rows WHERE {_raw(index)} IS NOT NULL AND {sql_identifier(spec.target)} IS NULL")
    for rule in contract.rules:
        checks.append(f"SELECT source_file, source_line, {sql_literal(rule.column)}, {rule.value_sql}, "
                      f"{sql_literal(rule.reason)} FROM typed_file WHERE {rule.violated}")
    if contract.key:
        keys = ", ".join(sql_identifier(k) for k in contract.key)
        present = " AND ".join(f"{sql_identifier(k)} IS NOT NULL" for k in contract.key)
        checks.append(
            f"SELECT source_file, source_line, {sql_literal(' + '.join(contract.key))}, {key_text(contract)}, "
            f"'dublet: samme nøgle som linje ' || CAST(first_line AS VARCHAR) "
            f"FROM (SELECT *, row_number() OVER w AS occurrence, first_value(source_line) OVER w AS first_line "
            f"FROM typed_file WHERE {present} WINDOW w AS (PARTITION BY source_file, {keys} ORDER BY source_line)) "
            f"WHERE occurrence > 1")

    con.execute("CREATE OR REPLACE TEMP TABLE file_problems (file_name VARCHAR, line INTEGER, column_name VARCHAR, "
                "value VARCHAR, reason VARCHAR)")
    problems = [(f.name, p.line, p.column, p.value, p.reason) for f in files for p in f.raw.problems]
    if problems:
        con.executemany("INSERT INTO file_problems VALUES (?, ?, ?, ?, ?)", problems)
    con.execute("INSERT INTO file_problems " + " UNION ALL ".join(checks))
    con.execute("INSERT INTO quarantine_stage SELECT file_name, line, column_name, value, reason "
                "FROM file_problems ORDER BY file_name, line, column_name")

    typed_rows = dict(con.execute("SELECT source_file, count(*) FROM typed_file GROUP BY ALL").fetchall())
    # A line the reader could not split is quarantined but was never a typed row.
    problem_lines = {name: (all_lines, typed) for name, all_lines, typed in con.execute(
        "SELECT p.file_name, count(*), count(t.source_line) "
        "FROM (SELECT DISTINCT file_name, line FROM file_problems) p "
        "LEFT JOIN typed_file t ON t.source_file = p.file_name AND t.source_line = p.line GROUP BY ALL").fetchall()}
    removed = con.execute(f"DELETE FROM {typed_table} USING file_problems p WHERE {typed_table}._batch = {batch} "
                          f"AND {typed_table}.source_file = p.file_name AND {typed_table}.source_line = p.line"
                          ).fetchall()[0][0]
    loaded_total = inserted - removed
    counts = {}
    for file in files:
        quarantined, quarantined_typed = problem_lines.get(file.name, (0, 0))
        loaded = typed_rows.get(file.name, 0) - quarantined_typed
        if loaded + quarantined != file.raw.rows_read:
            raise AssertionError(f"{file.name}: {file.raw.rows_read} rækker læst, men {loaded} indlæst "
                                 f"og {quarantined} i karantæne")
        counts[file.name] = FileCounts(file.raw.rows_read, loaded, quarantined)
    if loaded_total != sum(c.rows_loaded for c in counts.values()):
        raise AssertionError(f"{contract.title}: {loaded_total} rækker indlæst, men filerne giver "
                             f"{sum(c.rows_loaded for c in counts.values())}")
    return counts


def _raw(index: int) -> str:
    return f'"__raw_{index}"'


def _null(value: int | None) -> str:
    return "NULL" if value is None else str(int(value))


def key_text(contract: Contract, prefix: str = "") -> str:
    return " || '/' || ".join(f"CAST({prefix}{sql_identifier(k)} AS VARCHAR)" for k in contract.key)
