"""One ETL run: load the new deliveries in the inbox onto the published warehouse and publish the result.

The warehouse keeps a catalog of every file it was built from. A run reads only files it has not
loaded; with none, nothing changes. The first run, a changed schema or ``full=True`` builds from
scratch out of every file in the inbox. Either way the run publishes a complete new warehouse or
leaves the last good one in place, and is recorded in the run log with per-file counts.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import duckdb

from data_access.appstate import AppState, now
from data_access.build import close_build_workspace, open_build_workspace, read_catalog, schema_fingerprint
from data_access.identity import IDENTITY_NAME
from data_access.settings import PUBLISHED_NAME, secret
from locale_da import long_date, number

from .build import apply_deliveries, load_reference, pseudonymise
from .contracts import MACROS, Contract
from .derive import derive
from .progress import Progress
from .publish import RunLock, building_dir, clear_stale_builds, publish, published_file
from .readers import FileRejected, read_into
from .sources import SOURCES, Source, source_for
from .sources.common import STAGING_DDL
from .validate import validate_file


class RunFailed(RuntimeError):
    """The run did not publish; the message says why, in Danish."""


@dataclass
class FileOutcome:
    file_name: str
    source: str
    status: str  # loaded | rejected
    title: str = ""  # the source in Danish, for the run log
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    extract_date: date | None = None
    municipality: int | None = None
    sha256: str = ""
    size: int = 0
    mtime_ns: int = 0

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
    full: bool = False
    unchanged: bool = False  # no new files: the published warehouse stays as it was

    def total(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)


@dataclass
class _Plan:
    base: tuple[Path, Path] | None  # the published warehouse and identity files to build on; None: from scratch
    new: list[tuple[Path, Source, dict]]
    rejected: list[FileOutcome]
    latest: dict[tuple[str, int | None], date]  # newest extraction loaded per source and municipality
    loaded_dates: list[date]
    today: date
    note: str = ""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


def run_etl(inbox: Path, warehouse_dir: Path, appstate: AppState, out: TextIO = sys.stdout,
            today: date | None = None, full: bool = False) -> RunResult:
    """Load what is new in ``inbox`` and publish; raises RunFailed (after logging it) if it cannot."""
    today = today or date.today()
    run_id = new_run_id()
    started = time.perf_counter()
    result = RunResult(run_id, None)
    with RunLock(warehouse_dir):
        for leftover in clear_stale_builds(warehouse_dir):
            print(f"Fjernede rester af en afbrudt kørsel: {leftover}", file=out)
        appstate.start_run(run_id, str(inbox))
        workdir = building_dir(warehouse_dir) / run_id
        try:
            plan = _plan(inbox, warehouse_dir, full, today)
            result.full = plan.base is None
            if plan.note:
                print(plan.note, file=out)
            result.files.extend(plan.rejected)
            if not plan.new and not plan.rejected:
                result.unchanged = True
            else:
                workdir.mkdir()
                new_file = workdir / f"overblik-{run_id}.duckdb"
                identity_file = workdir / f"identity-{run_id}.duckdb"
                _build(plan, new_file, identity_file, workdir, run_id, inbox, result, out)
                result.published = publish(new_file, warehouse_dir, PUBLISHED_NAME, "overblik-")
                publish(identity_file, warehouse_dir, IDENTITY_NAME, "identity-")
        except Exception as error:
            shutil.rmtree(workdir, ignore_errors=True)
            message = str(error) if isinstance(error, RunFailed) else f"uventet fejl: {type(error).__name__}: {error}"
            appstate.finish_run(run_id, status="failed", message=message, warehouse_file=None,
                                files=[f.as_dict() for f in result.files])
            raise RunFailed(message) from error
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    current = published_file(warehouse_dir, PUBLISHED_NAME)
    appstate.finish_run(run_id, status="succeeded", message=summary(result),
                        warehouse_file=current.name if current else None, files=[f.as_dict() for f in result.files])
    return result


def summary(result: RunResult) -> str:
    if result.unchanged:
        return "Ingen nye filer i indbakken; det publicerede datagrundlag er uændret"
    kind = "fuld opbygning" if result.full else "tilføjet"
    return (f"{len(result.files)} nye filer ({kind}), {number(result.total('rows_read'))} rækker læst, "
            f"{number(result.total('rows_loaded'))} indlæst, {number(result.total('rows_quarantined'))} i karantæne; "
            f"data pr. {long_date(result.data_as_of)}")


def _plan(inbox: Path, warehouse_dir: Path, full: bool, today: date) -> _Plan:
    if not inbox.is_dir():
        raise RunFailed(f"indbakken {inbox} findes ikke")
    files = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
    base_file = published_file(warehouse_dir, PUBLISHED_NAME)
    identity_file = published_file(warehouse_dir, IDENTITY_NAME)
    catalog: dict[str, tuple] = {}
    note = ""
    base = None
    if base_file is not None and identity_file is not None and not full:
        fingerprint, loaded = read_catalog(base_file)
        if fingerprint == schema_fingerprint():
            base = (base_file, identity_file)
            catalog = {row[0]: row for row in loaded}
        else:
            note = "Lagerets skema er ændret siden sidste kørsel: bygger forfra ud fra alle filer i indbakken."
    if not files and base is None:
        raise RunFailed(f"indbakken {inbox} er tom")
    latest: dict[tuple[str, int | None], date] = {}
    for name, _sha, _size, _mtime, source, extract_date in catalog.values():
        match = source_for(name)
        municipality = int(match[1]["municipality"]) if match and match[1].get("municipality") else None
        latest[(source, municipality)] = max(extract_date, latest.get((source, municipality), extract_date))
    new, rejected = [], []
    for path in files:
        known = catalog.get(path.name)
        if known is not None:
            stat = path.stat()
            if (stat.st_size, stat.st_mtime_ns) != (known[2], known[3]) and _sha256(path) != known[1]:
                rejected.append(FileOutcome(path.name, known[4], "rejected", message=(
                    "filen er allerede indlæst med et andet indhold; en rettet leverance skal have et nyt navn "
                    "(en ny udtræksdato)")))
            continue
        match = source_for(path.name)
        if match is None:
            rejected.append(FileOutcome(path.name, "unknown", "rejected", title="Ukendt kilde",
                                        message="filnavnet matcher ingen kendt kilde (se docs/sources.md)"))
            continue
        new.append((path, *match))
    new.sort(key=lambda item: (item[2]["date"], item[0].name))
    return _Plan(base, new, rejected, latest, [row[5] for row in catalog.values()], today, note)


def _build(plan: _Plan, new_file: Path, identity_file: Path, workdir: Path, run_id: str, inbox: Path,
           result: RunResult, out: TextIO) -> None:
    started = now()
    con = open_build_workspace(new_file, identity_file, workdir, plan.base)
    try:
        con.execute("SET VARIABLE run_id = ?", [run_id])
        for macro in MACROS:
            con.execute(macro)
        load_reference(con)
        for ddl in STAGING_DDL:
            con.execute(ddl)
        progress = Progress(out, Counter(source.contract.title for _, source, _ in plan.new))
        for path, source, groups in plan.new:
            outcome = _load_file(con, path, source.contract, groups, plan, workdir)
            result.files.append(outcome)
            progress.file_done(source.contract.title, path.name, outcome.status, outcome.rows_loaded,
                               outcome.rows_quarantined, outcome.message)
        if plan.base is not None:
            _quarantine_already_loaded(con, result)
        _quarantine_unknown_grants(con, result)
        rejected = [f for f in result.files if f.status == "rejected"]
        if rejected:
            raise RunFailed(f"{len(rejected)} fil(er) afvist, intet publiceret: "
                            + "; ".join(f"{f.file_name}: {f.message}" for f in rejected))
        progress.step("Tilpasser til fælles datamodel og pseudonymiserer …")
        for source in SOURCES:
            if _exists(con, f"typed_{source.contract.source}"):
                con.execute(f"INSERT INTO {source.stage_table} BY NAME {source.conform_sql}")
        result.data_as_of = max([*plan.loaded_dates, *(f.extract_date for f in result.files)])
        pseudonymise(con, secret("pseudonym_key"))
        progress.step("Opdaterer fakta med historik …")
        apply_deliveries(con)
        progress.step("Beregner personmåneder, datakvalitet og aggregater …")
        derive(con, result.data_as_of, full=plan.base is None)
        _write_metadata(con, run_id, inbox, result, started)
    except BaseException:
        con.close()  # the half-built files are thrown away; checkpointing them could hide the real error
        raise
    close_build_workspace(con)


def _load_file(con: duckdb.DuckDBPyConnection, path: Path, contract: Contract, groups: dict, plan: _Plan,
               workdir: Path) -> FileOutcome:
    stat = path.stat()
    outcome = FileOutcome(path.name, contract.source, "loaded", title=contract.title, sha256=_sha256(path),
                          size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    try:
        outcome.extract_date = datetime.strptime(groups["date"], "%Y%m%d").date()
    except ValueError:
        return _rejected(outcome, f"ugyldig dato i filnavnet: {groups['date']}")
    if outcome.extract_date > plan.today:
        return _rejected(outcome, f"filen er dateret {outcome.extract_date:%d-%m-%Y}, som ligger i fremtiden")
    outcome.municipality = int(groups["municipality"]) if groups.get("municipality") else None
    known = "SELECT count(*) FROM wh.dim_municipality WHERE municipality_code = ?"
    if outcome.municipality is not None and not con.execute(known, [outcome.municipality]).fetchall()[0][0]:
        return _rejected(outcome, f"ukendt kommunekode {groups['municipality']} i filnavnet")
    newest = plan.latest.get((contract.source, outcome.municipality))
    if newest is not None and outcome.extract_date <= newest:
        return _rejected(outcome, f"leverancen er dateret {outcome.extract_date:%d-%m-%Y}, men en leverance fra "
                                  f"{newest:%d-%m-%Y} er allerede indlæst; ældre leverancer kan ikke indlæses bagefter")
    try:
        raw = read_into(con, path, contract, workdir)
    except FileRejected as error:
        return _rejected(outcome, str(error))
    counts = validate_file(con, raw, contract, path.name, outcome.extract_date, outcome.municipality)
    outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined = (
        counts.rows_read, counts.rows_loaded, counts.rows_quarantined)
    outcome.message = "; ".join(raw.notes)
    return outcome


def _quarantine_already_loaded(con: duckdb.DuckDBPyConnection, result: RunResult) -> None:
    """Append sources: a key loaded by an earlier run is a duplicate, found in one join per source."""
    by_name = {f.file_name: f for f in result.files}
    for source in SOURCES:
        contract = source.contract
        typed = f"typed_{contract.source}"
        if contract.semantics != "append" or not contract.loaded_keys or not _exists(con, typed):
            continue
        keys = " AND ".join(f't."{k}" = e."{k}"' for k in contract.key)
        value = " || '/' || ".join(f'CAST(t."{k}" AS VARCHAR)' for k in contract.key)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE repeated AS
            SELECT t.source_file, t.source_line, {value} AS value,
                   'dublet: findes allerede i ' || e.source_file || ' linje '
                   || CAST(e.source_line AS VARCHAR) AS reason
            FROM {typed} t JOIN ({contract.loaded_keys}) e ON {keys}""")
        counts = con.execute("SELECT source_file, count(*) FROM repeated GROUP BY 1").fetchall()
        if not counts:
            continue
        column = " + ".join(contract.key)
        con.execute(f"INSERT INTO quarantine_stage SELECT source_file, source_line, '{column}', value, reason "
                    "FROM repeated")
        con.execute(f"DELETE FROM {typed} USING repeated r WHERE {typed}.source_file = r.source_file "
                    f"AND {typed}.source_line = r.source_line")
        for file_name, repeated in counts:
            by_name[file_name].rows_loaded -= repeated
            by_name[file_name].rows_quarantined += repeated


_GRANT_SOURCES = {"typed_kmd_grants": "KMD", "typed_dubu_measures": "DUBU", "typed_as2007_grants": "AS2007"}


def _quarantine_unknown_grants(con: duckdb.DuckDBPyConnection, result: RunResult) -> None:
    """A posting or assessment that names a grant its case system never registered cannot be placed: quarantine."""
    known = ["SELECT source_system, acting_municipality_code AS municipality_code, source_grant_id FROM wh.fact_grant"]
    known += [f"SELECT '{system}', acting_municipality_code, source_grant_id FROM {table}"
              for table, system in _GRANT_SOURCES.items() if _exists(con, table)]
    con.execute("CREATE OR REPLACE TEMP TABLE known_grants AS " + " UNION ".join(known))
    by_name = {f.file_name: f for f in result.files}
    for source in SOURCES:
        typed = f"typed_{source.contract.source}"
        if not source.contract.names_grant or not _exists(con, typed):
            continue
        con.execute(f"""CREATE OR REPLACE TEMP TABLE orphans AS
            SELECT t.source_file, t.source_line, t.source_system || ':' || t.reference AS value
            FROM {typed} t
            WHERE t.source_system IS NOT NULL AND t.reference IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM known_grants k WHERE k.source_system = t.source_system
                  AND k.municipality_code = t.file_municipality_code AND k.source_grant_id = t.reference)""")
        counts = con.execute("SELECT source_file, count(*) FROM orphans GROUP BY 1").fetchall()
        if not counts:
            continue
        column = next(f.source for f in source.contract.fields if f.target == "reference")
        con.execute(f"INSERT INTO quarantine_stage SELECT source_file, source_line, '{column}', value, "
                    "'henviser til en bevilling, som ikke findes i fagsystemet' FROM orphans")
        con.execute(f"DELETE FROM {typed} USING orphans o WHERE {typed}.source_file = o.source_file "
                    f"AND {typed}.source_line = o.source_line")
        for file_name, orphaned in counts:
            by_name[file_name].rows_loaded -= orphaned
            by_name[file_name].rows_quarantined += orphaned


def _rejected(outcome: FileOutcome, message: str) -> FileOutcome:
    outcome.status, outcome.message = "rejected", message
    return outcome


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_metadata(con: duckdb.DuckDBPyConnection, run_id: str, inbox: Path, result: RunResult,
                    started: datetime) -> None:
    con.execute("DELETE FROM wh.meta_schema")
    con.execute("INSERT INTO wh.meta_schema VALUES (?)", [schema_fingerprint()])
    con.execute("INSERT INTO wh.quarantine SELECT ?, file_name, line, column_name, value, reason "
                "FROM quarantine_stage", [run_id])
    con.executemany("INSERT INTO wh.meta_load_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (run_id, f.file_name, f.source, f.extract_date, f.sha256, f.size, f.mtime_ns, f.rows_read, f.rows_loaded,
         f.rows_quarantined) for f in result.files])
    con.execute("INSERT INTO wh.meta_load VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, started, now(), result.data_as_of, result.full, str(inbox), len(result.files),
        result.total("rows_read"), result.total("rows_loaded"), result.total("rows_quarantined")])
