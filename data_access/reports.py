"""Saved reports (F-REP-USERDEF): a name, an owner, a visibility and a versioned definition.

A report belongs to its owner's municipality. Who may do what, whatever the caller asks:

- create, and copy a report they can read: leaders;
- read: the owner; the leaders of the same municipality when the report is shared; nobody in
  another municipality, and a private report of someone else reads as if it did not exist;
- edit (which stores a new version of the definition), share or delete: only the owner.

The definition is a JSON document checked by ``reports.definition`` before it is stored; this module
keeps each version so an earlier one can be looked up. Deleting marks the report deleted, so the
delivery log of its subscriptions still names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    or_,
    select,
    update,
)

from .appstate import AppState, current_appstate, metadata, now
from .scope import AccessDenied, Role, UserScope

PRIVATE, SHARED = "private", "shared"
VISIBILITIES = {PRIVATE: "Kun mig", SHARED: "Delt med kommunens ledere"}
AUTHORS = (Role.LEADER,)
MAX_NAME = 200

report = Table(
    "report",
    metadata,
    Column("report_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_NAME), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("municipality_code", SmallInteger, nullable=False, index=True),
    Column("visibility", String(10), nullable=False),
    Column("version", Integer, nullable=False),  # the current version of the definition
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("deleted_at", DateTime),
)

report_version = Table(
    "report_version",
    metadata,
    Column("report_id", Integer, ForeignKey("report.report_id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", Text, nullable=False),  # JSON
    Column("saved_by", String(64), nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

class ReportError(ValueError):
    """A report that cannot be stored as asked; the message is Danish."""


@dataclass(frozen=True)
class SavedReport:
    report_id: int
    name: str
    owner: str
    municipality_code: int
    visibility: str
    version: int
    definition: dict
    updated_at: datetime

    def owned_by(self, scope: UserScope) -> bool:
        return self.owner == scope.username and self.municipality_code == scope.municipality_code


def create_report(scope: UserScope, name: str, definition: dict, visibility: str = PRIVATE,
                  appstate: AppState | None = None) -> int:
    """Store a new report owned by the user, as version 1; returns its id."""
    _require_author(scope)
    name, visibility = _checked_name(name), _checked_visibility(visibility)
    stamp = now()
    store = _store(appstate)
    with store.engine.begin() as connection:
        report_id = int(connection.execute(insert(report).values(
            name=name, owner=scope.username, municipality_code=scope.municipality_code, visibility=visibility,
            version=1, created_at=stamp, updated_at=stamp)).inserted_primary_key[0])
        connection.execute(insert(report_version).values(
            report_id=report_id, version=1, definition=json.dumps(definition, ensure_ascii=False),
            saved_by=scope.username, saved_at=stamp))
    store.audit(scope, "create_report", f"rapport {report_id}: {name}")
    return report_id


def open_report(scope: UserScope, report_id: int, version: int | None = None,
                appstate: AppState | None = None) -> SavedReport:
    """A report the user may read, at its current version or an earlier one."""
    with _store(appstate).engine.connect() as connection:
        row = connection.execute(select(report).where(report.c.report_id == report_id,
                                                      report.c.deleted_at.is_(None))).mappings().first()
        if row is None or not _readable(scope, row):
            # Another municipality's or someone's private report reads like a missing one: no hint it exists.
            raise AccessDenied("Rapporten findes ikke, eller du har ikke adgang til den.")
        wanted = row["version"] if version is None else version
        stored = connection.execute(select(report_version.c.definition).where(
            report_version.c.report_id == report_id, report_version.c.version == wanted)).scalar()
    if stored is None:
        raise ReportError(f"Rapporten har ingen version {wanted}.")
    return SavedReport(row["report_id"], row["name"], row["owner"], row["municipality_code"], row["visibility"],
                       wanted, json.loads(stored), row["updated_at"])


def list_reports(scope: UserScope, appstate: AppState | None = None) -> list[SavedReport]:
    """The user's own reports and the ones shared within their municipality, by name."""
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(
            select(report, report_version.c.definition)
            .join(report_version, (report_version.c.report_id == report.c.report_id)
                  & (report_version.c.version == report.c.version))
            .where(report.c.municipality_code == scope.municipality_code, report.c.deleted_at.is_(None),
                   or_(report.c.owner == scope.username, report.c.visibility == SHARED))
            .order_by(report.c.name, report.c.report_id)
        ).mappings().all()
    return [SavedReport(r["report_id"], r["name"], r["owner"], r["municipality_code"], r["visibility"],
                        r["version"], json.loads(r["definition"]), r["updated_at"])
            for r in rows if _readable(scope, r)]


def save_report(scope: UserScope, report_id: int, definition: dict, name: str | None = None,
                visibility: str | None = None, appstate: AppState | None = None) -> int:
    """Store a new version of one of the user's own reports (and its new name or visibility); returns
    the version number."""
    store = _store(appstate)
    current = _owned(scope, report_id, store)
    changes = {"updated_at": now(), "version": current.version + 1}
    if name is not None:
        changes["name"] = _checked_name(name)
    if visibility is not None:
        changes["visibility"] = _checked_visibility(visibility)
    with store.engine.begin() as connection:
        connection.execute(insert(report_version).values(
            report_id=report_id, version=changes["version"], definition=json.dumps(definition, ensure_ascii=False),
            saved_by=scope.username, saved_at=changes["updated_at"]))
        connection.execute(update(report).where(report.c.report_id == report_id).values(**changes))
    store.audit(scope, "save_report", f"rapport {report_id} version {changes['version']}")
    return changes["version"]


def copy_report(scope: UserScope, report_id: int, name: str, appstate: AppState | None = None) -> int:
    """A private copy, owned by the user, of a report they can read; returns the copy's id."""
    original = open_report(scope, report_id, appstate=appstate)
    return create_report(scope, name, original.definition, PRIVATE, appstate)


def delete_report(scope: UserScope, report_id: int, appstate: AppState | None = None) -> None:
    store = _store(appstate)
    _owned(scope, report_id, store)
    with store.engine.begin() as connection:
        connection.execute(update(report).where(report.c.report_id == report_id).values(deleted_at=now()))
    store.audit(scope, "delete_report", f"rapport {report_id}")


def versions(scope: UserScope, report_id: int, appstate: AppState | None = None) -> list[tuple[int, datetime, str]]:
    """(version, saved at, saved by) of a report the user can read, newest first."""
    open_report(scope, report_id, appstate=appstate)
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(
            select(report_version.c.version, report_version.c.saved_at, report_version.c.saved_by)
            .where(report_version.c.report_id == report_id).order_by(report_version.c.version.desc())).all()
    return [tuple(row) for row in rows]


def _readable(scope: UserScope, row) -> bool:
    if row["municipality_code"] != scope.municipality_code:
        return False
    return row["owner"] == scope.username or (row["visibility"] == SHARED and scope.role in AUTHORS)


def _owned(scope: UserScope, report_id: int, store: AppState) -> SavedReport:
    _require_author(scope)
    current = open_report(scope, report_id, appstate=store)
    if not current.owned_by(scope):
        raise AccessDenied("Du kan kun rette og slette dine egne rapporter. Lav en kopi for at ændre den.")
    return current


def _require_author(scope: UserScope) -> None:
    if scope.role not in AUTHORS:
        raise AccessDenied("Kun ledere kan oprette og rette rapporter.")


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ReportError("Rapporten skal have et navn.")
    if len(name) > MAX_NAME:
        raise ReportError(f"Navnet er for langt: højst {MAX_NAME} tegn.")
    return name


def _checked_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise ReportError(f"Ukendt synlighed {visibility!r}; vælg {' eller '.join(VISIBILITIES)}.")
    return visibility


def _store(appstate: AppState | None) -> AppState:
    """The store, with the report tables in it: a store created before this module was imported lacks them."""
    return (appstate or current_appstate()).ensure_tables(report, report_version)
