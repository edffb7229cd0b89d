"""One ETL run: load the new deliveries in the inbox onto the published warehouse and publish the result.

The warehouse keeps a catalog of every file it was built from. A run reads only files it has not
loaded; with none, nothing changes. The first run, a changed schema or ``full=True`` builds from
scratch out of every file in the inbox. Either way the run publishes a complete new warehouse or
leaves the last good one in place, and is recorded in the run log with per-file counts.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO, TypeVar

import duckdb

from data_access.appstate import AppState, now
from data_access.build import BuildWorkspace, close_build_workspace, read_catalog, schema_fingerprint
from data_access.identity import IDENTITY_NAME
from data_access.settings import PUBLISHED_NAME, secret
from locale_da import long_date, number

from .build import apply_deliveries, load_reference, municipality_codes, pseudonymise
from .contracts import MACROS, Contract
from .crossfile import run_checks, table_exists
from .derive import derive
from .invariants import BrokenKey, assert_unique_keys
from .progress import Progress
from .publish import RunLock, building_dir, clear_stale_builds, publish, published_file
from .readers import FileRejected, PreparedFile, load_prepared, prepare, sha256_of
from .sources import SOURCES, Source, source_for
from .sources.common import STAGING_DDL
from .validate import BatchFile, FileCounts, ValidationBatch, validate_file

SMALL_FILE_ROWS = 50_000  # a file with fewer rows is validated in a batch with others of its source
BATCH_ROWS = 500_000  # a batch is validated once it holds this many rows
Job = TypeVar("Job")
PREPARE_AHEAD = 3  # files prepared ahead of DuckDB; bounds what parsed XML files hold in memory meanwhile

# A plausible CPR number (day 01-31, or 61-91 for replacement numbers; month 01-12), alone or with a dash.
CPR_LIKE = r"\b((?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])(?:0[1-9]|1[0-2])[0-9]{2})-?[0-9]{4}\b"


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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for operators and benchmarks

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
            if (stat.st_size, stat.st_mtime_ns) != (known[2], known[3]) and sha256_of(path) != known[1]:
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


class _Stopwatch:
    def __init__(self, timings: dict[str, float]):
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, stage: str) -> None:
        current = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + current - self.last
        self.last = current


def _build(plan: _Plan, new_file: Path, identity_file: Path, workdir: Path, run_id: str, inbox: Path,
           result: RunResult, out: TextIO) -> None:
    started = now()
    watch = _Stopwatch(result.timings)
    workspace = BuildWorkspace(new_file, identity_file, workdir, plan.base)  # copies the published files meanwhile
    con = workspace.connection
    watch.lap("forbered")

    def attached() -> None:
        """The files attached and the reference data loaded: what validation needs (and all after it)."""
        if not workspace.attached:
            workspace.attach()
            load_reference(con)

    try:
        con.execute("SET VARIABLE run_id = ?", [run_id])
        for macro in MACROS:
            con.execute(macro)
        for ddl in STAGING_DDL:
            con.execute(ddl)
        progress = Progress(out, Counter(source.contract.title for _, source, _ in plan.new))
        result.files.extend(_Loader(con, plan, workdir, progress, attached).load_all(plan.new))
        attached()
        watch.lap("læs og valider")
        run_checks(con, result.files, incremental=plan.base is not None)
        watch.lap("tjek på tværs af filer")
        rejected = [f for f in result.files if f.status == "rejected"]
        if rejected:
            raise RunFailed(f"{len(rejected)} fil(er) afvist, intet publiceret: "
                            + "; ".join(f"{f.file_name}: {f.message}" for f in rejected))
        progress.step("Tilpasser til fælles datamodel og pseudonymiserer …")
        _stage_views(con)
        result.data_as_of = max([*plan.loaded_dates, *(f.extract_date for f in result.files)])
        pseudonymise(con, secret("pseudonym_key"))
        watch.lap("fælles model og pseudonymer")
        progress.step("Opdaterer fakta med historik …")
        apply_deliveries(con)
        _drop_staging(con)
        watch.lap("fakta med historik")
        progress.step("Beregner personmåneder, datakvalitet og aggregater …")
        derive(con, result.data_as_of, full=plan.base is None, watch=watch)
        try:
            assert_unique_keys(con, this_run_only=plan.base is not None)
        except BrokenKey as error:
            raise RunFailed(str(error)) from None
        watch.lap("nøglekontrol")
        _write_metadata(con, run_id, inbox, result, started)
    except BaseException:
        workspace.abandon()  # the half-built files are thrown away; checkpointing them could hide the real error
        raise
    close_build_workspace(con)
    watch.lap("gem")


class _Loader:
    """Reads every file at once; validates a large file alone and small ones in batches per source."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: _Plan, workdir: Path, progress: Progress,
                 attached: Callable[[], None]):
        """``attached`` makes the warehouse ready for validation: files are read before, and validated after."""
        self.con, self.plan, self.workdir, self.progress, self.attached = con, plan, workdir, progress, attached
        self.batches: dict[str, tuple[ValidationBatch, list[FileOutcome]]] = {}
        self.read: list[FileOutcome] = []  # in inbox order, so the log lists files in that order too
        self.finished: set[int] = set()
        self.reported = 0
        self.municipalities = municipality_codes(con)

    def load_all(self, files: list[tuple[Path, Source, dict]]) -> list[FileOutcome]:
        """Every file's outcome, in order. A thread prepares the next files (Python passes over their bytes)
        while DuckDB reads and validates the current one: each leaves a core idle on its own."""
        outcomes = [_prepare(path, source.contract, groups, self.plan, self.municipalities)
                    for path, source, groups in files]
        jobs = [(path, source.contract, outcome) for (path, source, _), outcome in zip(files, outcomes, strict=True)]

        def prepared(job: tuple[Path, Contract, FileOutcome]) -> PreparedFile | None:
            path, contract, outcome = job
            return None if outcome.status == "rejected" else prepare(path, contract, self.workdir)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overblik-prepare")
        try:
            for (path, contract, outcome), future in _ahead(pool, jobs, prepared, PREPARE_AHEAD):
                self._load(path, contract, outcome, future)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        self.finish()
        return outcomes

    def _load(self, path: Path, contract: Contract, outcome: FileOutcome, prepared: Future) -> None:
        self.read.append(outcome)
        if outcome.status == "rejected":
            outcome.sha256 = sha256_of(path)
            self._done(outcome)
            return
        try:
            raw = load_prepared(self.con, prepared.result(), contract)
        except FileRejected as error:
            outcome.sha256 = sha256_of(path)
            self._done(_rejected(outcome, str(error)))
            return
        outcome.sha256 = raw.sha256
        outcome.message = "; ".join(raw.notes)
        if raw.rows_read >= SMALL_FILE_ROWS:
            self.attached()
            self._record(outcome, validate_file(self.con, raw, contract, path.name, outcome.extract_date,
                                                outcome.municipality))
            return
        batch, waiting = self.batches.setdefault(contract.source, (ValidationBatch(contract), []))
        batch.add(self.con, BatchFile(path.name, outcome.extract_date, outcome.municipality, raw))
        waiting.append(outcome)
        if batch.rows >= BATCH_ROWS:
            self._validate(contract.source)

    def finish(self) -> None:
        for source in list(self.batches):
            self._validate(source)

    def _validate(self, source: str) -> None:
        self.attached()
        batch, waiting = self.batches.pop(source)
        counts = batch.validate(self.con)
        for outcome in waiting:
            self._record(outcome, counts[outcome.file_name])

    def _record(self, outcome: FileOutcome, counts: FileCounts) -> None:
        outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined = (
            counts.rows_read, counts.rows_loaded, counts.rows_quarantined)
        self._done(outcome)

    def _done(self, outcome: FileOutcome) -> None:
        self.finished.add(id(outcome))
        while self.reported < len(self.read) and id(self.read[self.reported]) in self.finished:
            done = self.read[self.reported]
            self.progress.file_done(done.title, done.file_name, done.status, done.rows_loaded,
                                    done.rows_quarantined, done.message)
            self.reported += 1


def _ahead(pool: ThreadPoolExecutor, jobs: Iterable[Job], work: Callable[[Job], object],
           depth: int) -> Iterator[tuple[Job, Future]]:
    """Each job with its future, in order, while ``work`` runs on up to ``depth`` jobs after it."""
    pending: deque[tuple[Job, Future]] = deque()
    for job in jobs:
        pending.append((job, pool.submit(work, job)))
        if len(pending) > depth:
            yield pending.popleft()
    yield from pending


def _prepare(path: Path, contract: Contract, groups: dict, plan: _Plan, municipalities: set[int]) -> FileOutcome:
    """The file's outcome so far: rejected already if its name, date or municipality rules it out."""
    stat = path.stat()
    outcome = FileOutcome(path.name, contract.source, "loaded", title=contract.title,
                          size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    try:
        outcome.extract_date = datetime.strptime(groups["date"], "%Y%m%d").date()
    except ValueError:
        return _rejected(outcome, f"ugyldig dato i filnavnet: {groups['date']}")
    if outcome.extract_date > plan.today:
        return _rejected(outcome, f"filen er dateret {outcome.extract_date:%d-%m-%Y}, som ligger i fremtiden")
    outcome.municipality = int(groups["municipality"]) if groups.get("municipality") else None
    if outcome.municipality is not None and outcome.municipality not in municipalities:
        return _rejected(outcome, f"ukendt kommunekode {groups['municipality']} i filnavnet")
    newest = plan.latest.get((contract.source, outcome.municipality))
    if newest is not None and outcome.extract_date <= newest:
        return _rejected(outcome, f"leverancen er dateret {outcome.extract_date:%d-%m-%Y}, men en leverance fra "
                                  f"{newest:%d-%m-%Y} er allerede indlæst; ældre leverancer kan ikke indlæses bagefter")
    return outcome


def _drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Once applied, the typed deliveries only take memory the derived tables need."""
    for (view,) in con.execute("SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'stg\\_%' ESCAPE '\\' "
                               "AND NOT internal").fetchall():
        con.execute(f"DROP VIEW {view}")
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory' "
                                "AND (table_name LIKE 'typed\\_%' ESCAPE '\\' OR table_name IN "
                                "('incoming', 'merged', 'staged_cpr'))").fetchall():
        con.execute(f"DROP TABLE {table}")


def _stage_views(con: duckdb.DuckDBPyConnection) -> None:
    """stg_x: the empty template (for columns and types) and every loaded source's conformed rows."""
    parts: dict[str, list[str]] = {}
    for source in SOURCES:
        parts.setdefault(source.stage_table, [f"SELECT * FROM stg_template_{source.stage_table[4:]}"])
        if table_exists(con, f"typed_{source.contract.source}"):
            parts[source.stage_table].append(source.conform_sql)
    for table, selects in parts.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS " + " UNION ALL BY NAME ".join(
            f"({select})" for select in selects))


def _rejected(outcome: FileOutcome, message: str) -> FileOutcome:
    outcome.status, outcome.message = "rejected", message
    return outcome


def _write_metadata(con: duckdb.DuckDBPyConnection, run_id: str, inbox: Path, result: RunResult,
                    started: datetime) -> None:
    con.execute("DELETE FROM wh.meta_schema")
    con.execute("INSERT INTO wh.meta_schema VALUES (?)", [schema_fingerprint()])
    # The warehouse holds no CPR numbers, not even in a rejected value: file and line find the row.
    con.execute("INSERT INTO wh.quarantine SELECT ?, file_name, line, column_name, "
                f"regexp_replace(value, '{CPR_LIKE}', '\\1-xxxx', 'g'), reason FROM quarantine_stage", [run_id])
    con.executemany("INSERT INTO wh.meta_load_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (run_id, f.file_name, f.source, f.extract_date, f.sha256, f.size, f.mtime_ns, f.rows_read, f.rows_loaded,
         f.rows_quarantined) for f in result.files])
    con.execute("INSERT INTO wh.meta_load VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, started, now(), result.data_as_of, result.full, str(inbox), len(result.files),
        result.total("rows_read"), result.total("rows_loaded"), result.total("rows_quarantined")])
