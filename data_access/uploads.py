"""Files a local administrator uploads by hand, checked by the ETL's own reader and validator.

A file that passes is written into the inbox under the name its source's contract expects
(own municipality, today's date), where the next nightly run loads it like any delivery; a file
with any problem is refused whole, with every problem named by file, line and column, and
nothing is written. Checks across files (a measurement naming a grant the case system never
registered) are left to the nightly run, which puts such rows in quarantine.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import select

from etl.contracts import MACROS, Contract
from etl.pipeline import CPR_LIKE
from etl.readers import FileRejected, read_into
from etl.sources import source_for
from etl.sources.assessments import ASSESSMENTS
from etl.sources.opus import BUDGETS as OPUS_BUDGETS
from etl.sources.prisme import BUDGETS as PRISME_BUDGETS
from etl.validate import validate_file

from .appstate import AppState, current_appstate
from .quarantine import file_municipality
from .scope import Role, UserScope
from .settings import Settings, load_settings
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import dim_account_function, dim_municipality, meta_load_file

# What an administrator may upload: (contract, the inbox name it gets, a Danish description).
UPLOADABLE: dict[str, tuple[Contract, str, str]] = {
    PRISME_BUDGETS.source: (PRISME_BUDGETS, "PRISME_BUDGET_{municipality:04d}_{day:%Y%m%d}.csv",
                            "Budget i Prismes format: År;Funktion;Oprindeligt budget;Korrigeret budget "
                            "(semikolon, decimalkomma, UTF-8)"),
    OPUS_BUDGETS.source: (OPUS_BUDGETS, "OPUS_BUDGET_{municipality:04d}_{day:%Y%m%d}.csv",
                          "Budget i KMD Opus' format: AAR|FUNKTION|OPR_BUDGET|KORR_BUDGET "
                          "(lodret streg, decimalpunktum, UTF-8)"),
    ASSESSMENTS.source: (ASSESSMENTS, "MAALINGER_{municipality:04d}_{day:%Y%m%d}.csv",
                         "Lokale effektmålinger: CPR;Dato;Instrument;Score;Fagsystem;Bevillingsreference "
                         "(semikolon, decimalkomma, UTF-8)"),
}
BUDGET_SOURCES = (PRISME_BUDGETS.source, OPUS_BUDGETS.source)
MAX_PROBLEMS = 200  # beyond this many, the rest are counted, not listed
_CPR = re.compile(CPR_LIKE)


class UploadRejected(ValueError):
    """The file has problems and nothing was stored; ``problems`` are Danish sentences."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class UploadCheck:
    file_name: str  # as uploaded
    inbox_name: str  # as the next run will find it in the inbox
    title: str  # the source in Danish
    rows: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def inbox_dir(settings: Settings | None = None) -> Path:
    """The inbox the nightly run reads (``python -m etl.run``'s default)."""
    return (settings or load_settings()).data_dir / "inbox"


def budget_source(scope: UserScope, warehouse: Warehouse | None = None) -> str:
    """The budget format the municipality's deliveries have come in so far (Prisme when none has)."""
    scope.require(Role.ADMIN)
    loaded = _loaded_files(warehouse or current_warehouse())
    own = loaded[loaded["source"].isin(BUDGET_SOURCES) & (loaded["municipality"] == scope.municipality_code)]
    return own.sort_values("extract_date")["source"].iloc[-1] if len(own) else PRISME_BUDGETS.source


def check_upload(scope: UserScope, source: str, file_name: str, data: bytes, warehouse: Warehouse | None = None,
                 today: date | None = None, inbox: Path | None = None) -> UploadCheck:
    """Everything the nightly run would say about the file, without storing anything."""
    scope.require(Role.ADMIN)
    contract, name_template, _ = UPLOADABLE[source]
    warehouse = warehouse or current_warehouse()
    today = today or datetime.now(UTC).date()
    inbox_name = name_template.format(municipality=scope.municipality_code, day=today)
    assert source_for(inbox_name)[0].contract is contract, inbox_name
    loaded = _loaded_files(warehouse)
    if inbox_name in set(loaded["file_name"]):
        return UploadCheck(file_name, inbox_name, contract.title, 0, [
            f"{file_name}: der er allerede indlæst en fil af denne slags fra i dag ({inbox_name}); en ny kan "
            "først indlæses i morgen"])
    own = loaded[(loaded["source"] == source) & (loaded["municipality"] == scope.municipality_code)]
    newest = own["extract_date"].max() if len(own) else None
    if newest is not None and pd.Timestamp(newest).date() >= today:
        return UploadCheck(file_name, inbox_name, contract.title, 0, [
            f"{file_name}: der er indlæst en leverance dateret {pd.Timestamp(newest):%d-%m-%Y}; en fil dateret i dag "
            "ville blive afvist som ældre"])
    notes = []
    if (inbox or inbox_dir()).joinpath(inbox_name).exists():
        notes.append(f"erstatter {inbox_name}, som blev uploadet tidligere i dag og endnu ikke er indlæst")
    rows, problems, reader_notes = _validate(contract, file_name, inbox_name, data, warehouse, today,
                                             scope.municipality_code)
    return UploadCheck(file_name, inbox_name, contract.title, rows, problems, notes + reader_notes)


def store_upload(scope: UserScope, source: str, file_name: str, data: bytes, warehouse: Warehouse | None = None,
                 appstate: AppState | None = None, today: date | None = None,
                 inbox: Path | None = None) -> UploadCheck:
    """Check the file and, only if it has no problem at all, put it in the inbox; raises UploadRejected."""
    inbox = inbox or inbox_dir()
    check = check_upload(scope, source, file_name, data, warehouse, today, inbox)
    if not check.valid:
        raise UploadRejected(check.problems)
    inbox.mkdir(parents=True, exist_ok=True)
    # Written beside it under a dot name (which the ETL skips) and renamed: a run never sees half a file.
    partial = inbox / f".upload-{secrets.token_hex(4)}.tmp"
    partial.write_bytes(data)
    os.replace(partial, inbox / check.inbox_name)
    (appstate or current_appstate()).audit(
        scope, "upload_file", f"{file_name} → {check.inbox_name}: {check.rows} rækker ({check.title})")
    return check


def pending_files(scope: UserScope, warehouse: Warehouse | None = None, inbox: Path | None = None) -> pd.DataFrame:
    """Files in the inbox the next run will read: the own municipality's and the national ones."""
    scope.require(Role.ADMIN)
    inbox = inbox or inbox_dir()
    loaded = set(_loaded_files(warehouse or current_warehouse())["file_name"])
    rows = []
    for path in sorted(inbox.iterdir()) if inbox.is_dir() else []:
        if not path.is_file() or path.name.startswith(".") or path.name in loaded:
            continue
        municipality = file_municipality(path.name)
        if municipality not in (None, scope.municipality_code):
            continue
        match = source_for(path.name)
        stat = path.stat()
        rows.append({"file_name": path.name,
                     "title": match[0].contract.title if match else "Ukendt kilde: filen vil blive afvist",
                     "size": stat.st_size,
                     "modified": datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)})
    return pd.DataFrame(rows, columns=["file_name", "title", "size", "modified"])


def _validate(contract: Contract, file_name: str, inbox_name: str, data: bytes, warehouse: Warehouse, today: date,
              municipality: int) -> tuple[int, list[str], list[str]]:
    """Rows read, problems and the reader's notes, from the ETL's reader and validator on a scratch database."""
    if not data:
        return 0, [f"{file_name}: filen er tom"], []
    connection = duckdb.connect(":memory:")
    try:
        # The reference tables the contract's kinds look codes up in, under the names the ETL gives them.
        connection.execute("CREATE SCHEMA wh")
        for table in (dim_municipality, dim_account_function):
            connection.register("reference_rows", warehouse.query(select(table)))
            connection.execute(f"CREATE TABLE wh.{table.name} AS SELECT * FROM reference_rows")
            connection.unregister("reference_rows")
        for macro in MACROS:
            connection.execute(macro)
        with tempfile.TemporaryDirectory(prefix="overblik-upload-") as workdir:
            path = Path(workdir) / inbox_name
            path.write_bytes(data)
            try:
                raw = read_into(connection, path, contract, Path(workdir))
            except FileRejected as error:
                return 0, [f"{file_name}: {error}"], []
            counts = validate_file(connection, raw, contract, inbox_name, today, municipality)
        found = connection.execute("SELECT line, column_name, value, reason FROM quarantine_stage "
                                   "ORDER BY line, column_name").fetchall()
    finally:
        connection.close()
    problems = [_problem(file_name, *row) for row in found[:MAX_PROBLEMS]]
    if len(found) > MAX_PROBLEMS:
        problems.append(f"{file_name}: og {len(found) - MAX_PROBLEMS} problemer mere")
    if counts.rows_read == 0:
        problems.append(f"{file_name}: filen har ingen rækker under overskriften")
    return counts.rows_read, problems, raw.notes


def _problem(file_name: str, line: int, column: str | None, value: str | None, reason: str) -> str:
    where = f"{file_name}, linje {line}" + (f", kolonne {column}" if column else "")
    masked = None if value is None else _CPR.sub(r"\1-xxxx", value)  # as the ETL masks them in quarantine
    shown = "" if masked is None else f" (værdi: {masked!r})"
    return f"{where}: {reason}{shown}"


def _loaded_files(warehouse: Warehouse) -> pd.DataFrame:
    files = warehouse.query(select(meta_load_file.c.file_name, meta_load_file.c.source,
                                   meta_load_file.c.extract_date))
    files["municipality"] = [file_municipality(name) for name in files["file_name"]]
    return files
