"""The application-state store: what users and the ETL write, behind a SQLAlchemy URL.

SQLite (a file under ``data/``) by default; any SQLAlchemy URL, e.g. PostgreSQL, in
production. Kept apart from the warehouse, which the app only ever reads.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import pandas as pd
import yaml
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)

from .scope import AccessDenied, Role, UserScope
from .settings import CONFIG_DIR, load_settings

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(200)),
    Column("role", String(20), nullable=False),
    Column("municipality_code", SmallInteger, nullable=False),
    Column("caseworker_key", String(64)),
    Column("password_hash", String(100), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

etl_run = Table(
    "etl_run",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(20), nullable=False),  # running | succeeded | failed
    Column("inbox", String(500), nullable=False),
    Column("warehouse_file", String(500)),
    Column("files", Integer),
    Column("rows_read", Integer),
    Column("rows_loaded", Integer),
    Column("rows_quarantined", Integer),
    Column("message", String(4000)),
)

etl_run_file = Table(
    "etl_run_file",
    metadata,
    Column("run_id", String(40), ForeignKey("etl_run.run_id"), nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("source", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # loaded | rejected
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("message", String(4000)),
)

# Targets (måltal) uploaded by a municipality's administrator; they replace config/targets.yaml's
# for the same municipality, KPI and year.
political_target = Table(
    "political_target",
    metadata,
    Column("municipality_code", SmallInteger, primary_key=True),
    Column("kpi_id", String(60), primary_key=True),
    Column("year", SmallInteger, primary_key=True),
    Column("target", Float, nullable=False),
    Column("comparison", String(20), nullable=False),  # at_most | at_least | around
    Column("note", String(1000)),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(64), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", String(2000)),
)

RUN_STATUS_LABELS = {"running": "I gang", "succeeded": "Gennemført", "failed": "Fejlet"}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


@dataclass(frozen=True)
class UserRecord:
    username: str
    display_name: str
    email: str | None
    role: Role
    municipality_code: int
    caseworker_key: str | None
    password: str | None = None  # only when seeding; never stored in clear

    def scope(self) -> UserScope:
        return UserScope(self.username, self.role, self.municipality_code, self.caseworker_key)


class AppState:
    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        metadata.create_all(self.engine)
        self._ensured: set[str] = set()

    def ensure_tables(self, *tables: Table) -> AppState:
        """Create tables that modules imported after this store was opened define on its metadata (notes,
        reports, subscriptions), once per store."""
        missing = [t for t in tables if t.name not in self._ensured]
        if missing:
            metadata.create_all(self.engine, tables=missing, checkfirst=True)
            self._ensured.update(t.name for t in missing)
        return self

    # --- users ---------------------------------------------------------------------------

    def add_user(self, user: UserRecord, password: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(users).values(
                username=user.username.lower(), display_name=user.display_name, email=user.email,
                role=user.role.value, municipality_code=user.municipality_code,
                caseworker_key=user.caseworker_key, password_hash=hash_password(password),
                active=True, created_at=now(),
            ))

    def user(self, username: str) -> UserRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(users).where(users.c.username == username.lower(), users.c.active.is_(True))
            ).mappings().first()
        if row is None:
            return None
        return UserRecord(row["username"], row["display_name"], row["email"], Role(row["role"]),
                          row["municipality_code"], row["caseworker_key"])

    def credentials(self) -> dict:
        """Active users in the form streamlit-authenticator takes, with bcrypt hashes."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(users).where(users.c.active.is_(True))).mappings().all()
        return {"usernames": {
            row["username"]: {"name": row["display_name"], "email": row["email"] or "",
                              "password": row["password_hash"], "roles": [row["role"]]}
            for row in rows
        }}

    def seed_users(self, path: Path) -> list[str]:
        """Add the users listed in a YAML file that are not there yet; returns the added names."""
        added = []
        for user in load_user_file(path):
            if self._username_taken(user.username):
                continue
            self.add_user(user, user.password)
            added.append(user.username)
        return added

    def _username_taken(self, username: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(
                select(users.c.username).where(users.c.username == username.lower())
            ).first() is not None

    # --- ETL run log ---------------------------------------------------------------------

    def start_run(self, run_id: str, inbox: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(etl_run).values(
                run_id=run_id, started_at=now(), status="running", inbox=inbox))

    def finish_run(self, run_id: str, *, status: str, message: str, warehouse_file: str | None,
                   files: list[dict]) -> None:
        totals = {key: sum(f[key] for f in files) for key in ("rows_read", "rows_loaded", "rows_quarantined")}
        with self.engine.begin() as connection:
            connection.execute(update(etl_run).where(etl_run.c.run_id == run_id).values(
                finished_at=now(), status=status, message=message[:4000], warehouse_file=warehouse_file,
                files=len(files), **totals))
            if files:
                connection.execute(insert(etl_run_file), [
                    {"run_id": run_id, **{key: f[key] for key in (
                        "file_name", "source", "status", "rows_read", "rows_loaded", "rows_quarantined")},
                     "message": (f.get("message") or "")[:4000]}
                    for f in files
                ])

    def etl_runs(self, scope: UserScope, limit: int = 50) -> pd.DataFrame:
        scope.require(Role.ADMIN)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(etl_run).order_by(etl_run.c.started_at.desc(), etl_run.c.run_id.desc()).limit(limit)
            ).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in etl_run.columns])

    def etl_run_files(self, scope: UserScope, run_id: str) -> pd.DataFrame:
        scope.require(Role.ADMIN)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(etl_run_file).where(etl_run_file.c.run_id == run_id).order_by(etl_run_file.c.file_name)
            ).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in etl_run_file.columns])

    # --- political targets -----------------------------------------------------------------

    def store_targets(self, scope: UserScope, file_name: str, targets: list[dict]) -> None:
        """An administrator's upload for the own municipality, all rows or none; replaces the same KPI and year."""
        scope.require(Role.ADMIN)
        if any(t["municipality_code"] != scope.municipality_code for t in targets):
            raise AccessDenied("Du kan kun uploade mål for din egen kommune.")
        stamp = now()
        with self.engine.begin() as connection:
            for target in targets:
                connection.execute(delete(political_target).where(
                    political_target.c.municipality_code == target["municipality_code"],
                    political_target.c.kpi_id == target["kpi_id"], political_target.c.year == target["year"]))
            connection.execute(insert(political_target), [
                {**target, "uploaded_by": scope.username, "uploaded_at": stamp} for target in targets])
            connection.execute(insert(audit_log).values(
                at=stamp, username=scope.username, action="upload_targets",
                detail=f"{file_name}: {len(targets)} mål for kommune {scope.municipality_code}"))

    def uploaded_targets(self, municipality: int) -> list[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(political_target).where(
                political_target.c.municipality_code == municipality)).mappings().all()
        return [dict(row) for row in rows]

    # --- audit ----------------------------------------------------------------------------

    def audit(self, scope: UserScope, action: str, detail: str = "") -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(audit_log).values(
                at=now(), username=scope.username, action=action, detail=detail[:2000]))


def load_user_file(path: Path) -> list[UserRecord]:
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["users"]
    records = []
    for entry in entries:
        try:
            role = Role(entry["role"])
        except ValueError:
            raise ValueError(f"{path}: ukendt rolle {entry['role']!r} for bruger {entry['username']!r}") from None
        if role is Role.CASEWORKER and not entry.get("caseworker_key"):
            raise ValueError(f"{path}: sagsbehandleren {entry['username']!r} mangler caseworker_key")
        if len(entry.get("password") or "") < 8:
            raise ValueError(f"{path}: brugeren {entry['username']!r} skal have en adgangskode på mindst 8 tegn")
        records.append(UserRecord(
            username=entry["username"].lower(), display_name=entry["name"], email=entry.get("email"),
            role=role, municipality_code=int(entry["municipality_code"]),
            caseworker_key=entry.get("caseworker_key"), password=entry.get("password"),
        ))
    return records


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the app read while the nightly ETL writes its run log.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        return engine
    return create_engine(url, pool_pre_ping=True)


def current_appstate() -> AppState:
    """The store configured by the environment, one shared instance (and connection pool) per URL."""
    return _appstate_at(load_settings().appstate_url)


@functools.cache
def _appstate_at(url: str) -> AppState:
    return AppState(url)


DEMO_USERS_FILE = CONFIG_DIR / "demo_users.yaml"
