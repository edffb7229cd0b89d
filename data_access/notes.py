"""Notes on a KPI (F-BENCH-NOTES): a leader or caseworker explains a figure for a municipality and period.

The municipalities' registrations are never corrected (F-DATA-NOCORRECT), so a note is where an odd
month or a known registration problem is explained. A note belongs to a KPI, a municipality and a
period (``2026-10``, ``2026-Q3`` or ``2026``, as kpi.engine.period_label writes them). Who may do what:

- write: leaders and caseworkers, in their own municipality only;
- edit or delete: only the note's author;
- read: leaders, caseworkers and politicians, the notes of their own municipality only; nobody reads
  another municipality's notes, whatever they ask for (there is no parameter to ask with).

The table lives in the application-state store beside users and the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Column, DateTime, Integer, SmallInteger, String, Table, delete, insert, select, update

from .appstate import AppState, current_appstate, metadata, now, users
from .scope import AccessDenied, Role, UserScope

MAX_LENGTH = 2000
PERIOD = re.compile(r"^\d{4}(-\d{2}|-Q[1-4])?$")
WRITERS = (Role.LEADER, Role.CASEWORKER)
READERS = (Role.LEADER, Role.CASEWORKER, Role.POLITICIAN)
NOTE_COLUMNS = ["note_id", "kpi_id", "period", "text", "author", "author_name", "created_at", "updated_at"]

kpi_note = Table(
    "kpi_note",
    metadata,
    Column("note_id", Integer, primary_key=True, autoincrement=True),
    Column("municipality_code", SmallInteger, nullable=False, index=True),
    Column("kpi_id", String(60), nullable=False),
    Column("period", String(10), nullable=False),
    Column("text", String(MAX_LENGTH), nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

class NoteError(ValueError):
    """A note that cannot be stored as written; the message is Danish."""


def add_note(scope: UserScope, kpi_id: str, period: str, text: str, appstate: AppState | None = None) -> int:
    """Store a note on ``kpi_id`` for the user's own municipality and ``period``; returns its id."""
    if scope.role not in WRITERS:
        raise AccessDenied("Kun ledere og sagsbehandlere kan skrive noter til nøgletallene.")
    if not PERIOD.match(period):
        raise NoteError(f"{period!r} er ikke en periode (ÅÅÅÅ, ÅÅÅÅ-Qn eller ÅÅÅÅ-MM).")
    stamp = now()
    with _store(appstate).engine.begin() as connection:
        result = connection.execute(insert(kpi_note).values(
            municipality_code=scope.municipality_code, kpi_id=kpi_id, period=period, text=_checked(text),
            author=scope.username, created_at=stamp, updated_at=stamp))
        return int(result.inserted_primary_key[0])


def edit_note(scope: UserScope, note_id: int, text: str, appstate: AppState | None = None) -> None:
    """Change the text of one of the user's own notes."""
    store = _store(appstate)
    _require_author(store, scope, note_id)
    with store.engine.begin() as connection:
        connection.execute(update(kpi_note).where(kpi_note.c.note_id == note_id).values(
            text=_checked(text), updated_at=now()))


def delete_note(scope: UserScope, note_id: int, appstate: AppState | None = None) -> None:
    """Remove one of the user's own notes."""
    store = _store(appstate)
    _require_author(store, scope, note_id)
    with store.engine.begin() as connection:
        connection.execute(delete(kpi_note).where(kpi_note.c.note_id == note_id))


def notes(scope: UserScope, kpi_ids: Iterable[str] | None = None, periods: Iterable[str] | None = None,
          appstate: AppState | None = None) -> pd.DataFrame:
    """The notes of the user's own municipality (NOTE_COLUMNS), newest first, optionally for some KPIs
    and periods only; ``author_name`` is the author's display name."""
    if scope.role not in READERS:
        raise AccessDenied("Din rolle giver ikke adgang til noterne om nøgletallene.")
    statement = (
        select(kpi_note.c.note_id, kpi_note.c.kpi_id, kpi_note.c.period, kpi_note.c.text, kpi_note.c.author,
               users.c.display_name.label("author_name"), kpi_note.c.created_at, kpi_note.c.updated_at)
        .select_from(kpi_note.outerjoin(users, users.c.username == kpi_note.c.author))
        .where(kpi_note.c.municipality_code == scope.municipality_code)
        .order_by(kpi_note.c.created_at.desc(), kpi_note.c.note_id.desc())
    )
    if kpi_ids is not None:
        statement = statement.where(kpi_note.c.kpi_id.in_(list(kpi_ids)))
    if periods is not None:
        statement = statement.where(kpi_note.c.period.in_(list(periods)))
    with _store(appstate).engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    frame = pd.DataFrame(rows, columns=NOTE_COLUMNS)
    frame["author_name"] = frame["author_name"].fillna(frame["author"])
    return frame


def _require_author(store: AppState, scope: UserScope, note_id: int) -> None:
    if scope.role not in WRITERS:
        raise AccessDenied("Kun ledere og sagsbehandlere kan rette noter til nøgletallene.")
    with store.engine.connect() as connection:
        row = connection.execute(select(kpi_note.c.author, kpi_note.c.municipality_code).where(
            kpi_note.c.note_id == note_id)).first()
    # Someone else's note and a note that does not exist get the same answer: neither reveals the other.
    if row is None or row.author != scope.username or row.municipality_code != scope.municipality_code:
        raise AccessDenied("Du kan kun rette dine egne noter.")


def _checked(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise NoteError("Noten er tom.")
    if len(text) > MAX_LENGTH:
        raise NoteError(f"Noten er for lang: højst {MAX_LENGTH} tegn.")
    return text


def _store(appstate: AppState | None) -> AppState:
    """The store, with the notes table in it: a store created before this module was imported lacks it."""
    return (appstate or current_appstate()).ensure_tables(kpi_note)
