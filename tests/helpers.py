"""Helpers shared by tests: an installation (data folder, warehouse, app state) and user scopes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import text

from data_access.appstate import AppState
from data_access.scope import Role, UserScope
from data_access.warehouse import Warehouse
from data_access.warehouse_schema import metadata
from etl.pipeline import RunResult, run_etl

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@dataclass
class Installation:
    """A data folder with a published warehouse and an application-state store, as `make run` leaves it."""

    data_dir: Path
    inbox: Path
    warehouse_dir: Path
    appstate: AppState

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_dir / "current.duckdb")

    def env(self) -> dict[str, str]:
        return {"OVERBLIK_DATA_DIR": str(self.data_dir), "OVERBLIK_WAREHOUSE_DIR": str(self.warehouse_dir),
                "OVERBLIK_APPSTATE_URL": self.appstate.url}


def make_installation(root: Path) -> Installation:
    root.mkdir(parents=True, exist_ok=True)
    return Installation(root, root / "inbox", root / "warehouse", AppState(f"sqlite:///{root / 'appstate.sqlite'}"))


def load(installation: Installation, today: date | None = None, full: bool = False) -> RunResult:
    return run_etl(installation.inbox, installation.warehouse_dir, installation.appstate, out=io.StringIO(),
                   today=today, full=full)


def scope(role: Role, municipality: int = 479, caseworker: str | None = None, username: str = "tester") -> UserScope:
    return UserScope(username, role, municipality, caseworker)


def content(installation: Installation) -> dict[str, tuple[int, str]]:
    """Row count and an exact content hash of every data table (run metadata, quarantine and run ids aside)."""
    result = {}
    for table in metadata.sorted_tables:
        if table.name.startswith("meta_") or table.name == "quarantine":
            continue
        columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "etl_run_id")
        fingerprint = text(f"SELECT count(*) AS n, CAST(coalesce(sum(hash({columns})), 0) AS VARCHAR) AS h "
                           f"FROM {table.name}")
        row = installation.warehouse.query(fingerprint).iloc[0]
        result[table.name] = (int(row["n"]), row["h"])
    return result
