"""One ETL run: read and validate every file, conform, build the star schema, publish.

The run either publishes a complete new warehouse or leaves the last good one in place;
either way it is recorded in the run log with per-file counts.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from data_access.appstate import AppState, now
from data_access.build import close_build_workspace, open_build_workspace
from data_access.settings import secret
from locale_da import number

from .build import build_star, check_reconciled, load_reference, pseudonymise
from .contracts import MACROS
from .publish import RunLock, building_dir, clear_stale_builds, publish
from .readers import FileRejected, read_raw
from .sources import SOURCES, source_for
from .sources.common import STAGING_DDL
from .validate import validate_file


class RunFailed(RuntimeError):
    """The run did not publish; the message says why, in Danish."""


@dataclass
class FileOutcome:
    file_name: str
    source: str
    status: str  # loaded | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    extract_date: date | None = None
    sha256: str = ""

    title: str = ""  # the source in Danish, for the run log

    def as_dict(self) -> dict:
        return {"source": self.title or self.source, **{k: getattr(self, k) for k in (
            "file_name", "status", "rows_read", "rows_loaded", "rows_quarantined", "message")}}


@dataclass
class RunResult:
    run_id: str
    published: Path | None
    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    data_as_of: date | None = None

    def total(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


def run_etl(inbox: Path, warehouse_dir: Path, appstate: AppState, out: TextIO = sys.stdout,
            today: date | None = None) -> RunResult:
    """Load ``inbox`` into a new warehouse and publish it; raises RunFailed (after logging) if it cannot."""
    today = today or date.today()
    run_id = new_run_id()
    started = time.perf_counter()
    result = RunResult(run_id, None)
    with RunLock(warehouse_dir):
        for leftover in clear_stale_builds(warehouse_dir):
            print(f"Fjernede rester af en afbrudt kørsel: {leftover}", file=out)
        appstate.start_run(run_id, str(inbox))
        workdir = building_dir(warehouse_dir) / run_id
        workdir.mkdir()
        new_file = workdir / f"overblik-{run_id}.duckdb"
        try:
            _build(inbox, new_file, workdir, run_id, today, result, out)
            result.published = publish(new_file, warehouse_dir)
        except Exception as error:
            shutil.rmtree(workdir, ignore_errors=True)
            message = str(error) if isinstance(error, RunFailed) else f"uventet fejl: {type(error).__name__}: {error}"
            appstate.finish_run(run_id, status="failed", message=message, warehouse_file=None,
                                files=[f.as_dict() for f in result.files])
            raise RunFailed(message) from error
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    appstate.finish_run(run_id, status="succeeded", message=_summary(result), warehouse_file=result.published.name,
                        files=[f.as_dict() for f in result.files])
    return result


def _build(inbox: Path, new_file: Path, workdir: Path, run_id: str, today: date, result: RunResult,
           out: TextIO) -> None:
    if not inbox.is_dir():
        raise RunFailed(f"indbakken {inbox} findes ikke")
    files = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise RunFailed(f"indbakken {inbox} er tom")
    con = open_build_workspace(new_file, workdir)
    try:
        con.execute("SET VARIABLE run_id = ?", [run_id])
        for macro in MACROS:
            con.execute(macro)
        load_reference(con)
        for ddl in STAGING_DDL:
            con.execute(ddl)
        for path in files:
            outcome = _load_file(con, path, today)
            result.files.append(outcome)
            _report(outcome, out)
        rejected = [f for f in result.files if f.status == "rejected"]
        if rejected:
            raise RunFailed(f"{len(rejected)} fil(er) afvist, intet publiceret: "
                            + "; ".join(f"{f.file_name}: {f.message}" for f in rejected))
        for source in SOURCES:
            typed = f"typed_{source.contract.source}"
            if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [typed]).fetchone()[0]:
                con.execute(f"INSERT INTO {source.stage_table} BY NAME {source.conform_sql}")
        result.data_as_of = max(f.extract_date for f in result.files)
        pseudonymise(con, secret("pseudonym_key"))
        build_star(con, result.data_as_of)
        check_reconciled(con)
        _write_metadata(con, run_id, inbox, result)
    except BaseException:
        con.close()  # the half-built file is thrown away; checkpointing it could hide the real error
        raise
    close_build_workspace(con)


def _load_file(con, path: Path, today: date) -> FileOutcome:
    match = source_for(path.name)
    if match is None:
        return FileOutcome(path.name, "unknown", "rejected", title="Ukendt kilde",
                           message="filnavnet matcher ingen kendt kilde (se docs/sources.md)")
    source, groups = match
    contract = source.contract
    outcome = FileOutcome(path.name, contract.source, "loaded", sha256=_sha256(path), title=contract.title)
    try:
        outcome.extract_date = datetime.strptime(groups["date"], "%Y%m%d").date()
    except ValueError:
        return _rejected(outcome, f"ugyldig dato i filnavnet: {groups['date']}")
    if outcome.extract_date > today:
        return _rejected(outcome, f"filen er dateret {outcome.extract_date:%d-%m-%Y}, som ligger i fremtiden")
    municipality = int(groups["municipality"]) if groups.get("municipality") else None
    if municipality is not None and not con.execute(
            "SELECT count(*) FROM wh.dim_municipality WHERE municipality_code = ?", [municipality]).fetchone()[0]:
        return _rejected(outcome, f"ukendt kommunekode {groups['municipality']} i filnavnet")
    try:
        raw = read_raw(path, contract)
    except FileRejected as error:
        return _rejected(outcome, str(error))
    counts = validate_file(con, raw, contract, path.name, outcome.extract_date, municipality)
    outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined = (
        counts.rows_read, counts.rows_loaded, counts.rows_quarantined)
    outcome.message = "; ".join(raw.notes)
    return outcome


def _rejected(outcome: FileOutcome, message: str) -> FileOutcome:
    outcome.status, outcome.message = "rejected", message
    return outcome


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_metadata(con, run_id: str, inbox: Path, result: RunResult) -> None:
    con.execute("INSERT INTO wh.quarantine SELECT ?, file_name, line, column_name, value, reason "
                "FROM quarantine_stage", [run_id])
    con.executemany("INSERT INTO wh.meta_load_file VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        (run_id, f.file_name, f.source, f.extract_date, f.sha256, f.rows_read, f.rows_loaded, f.rows_quarantined)
        for f in result.files])
    con.execute("INSERT INTO wh.meta_load VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, now(), now(), result.data_as_of, str(inbox), len(result.files), result.total("rows_read"),
        result.total("rows_loaded"), result.total("rows_quarantined")])


def _report(outcome: FileOutcome, out: TextIO) -> None:
    if outcome.status == "rejected":
        print(f"  AFVIST  {outcome.file_name}: {outcome.message}", file=out)
        return
    quarantine = f", {outcome.rows_quarantined} i karantæne" if outcome.rows_quarantined else ""
    note = f" ({outcome.message})" if outcome.message else ""
    print(f"  ok      {outcome.file_name}: {number(outcome.rows_loaded)} rækker{quarantine}{note}", file=out)


def _summary(result: RunResult) -> str:
    return (f"{len(result.files)} filer, {number(result.total('rows_read'))} rækker læst, "
            f"{number(result.total('rows_loaded'))} indlæst, {number(result.total('rows_quarantined'))} i karantæne")
