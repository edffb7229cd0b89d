"""Every report a reader can open: the standard ones shipped per area and the saved ones they may read.

A report is named by a reference: ``standard:<key>`` for one in config/standard_reports.yaml,
``saved:<id>`` for one in the application-state store (data_access/reports.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from data_access import reports as store
from data_access.appstate import AppState
from data_access.scope import AccessDenied, UserScope
from data_access.settings import CONFIG_DIR
from kpi.catalogue import load_catalogue

from .definition import checked

STANDARD_FILE = CONFIG_DIR / "standard_reports.yaml"
STANDARD, SAVED = "standard", "saved"
AREAS = {"children": "Børn og unge", "adults": "Voksne", "economy": "Økonomi", "effect": "Effekt",
         "data_quality": "Datakvalitet"}


@dataclass(frozen=True)
class ReportEntry:
    ref: str
    name: str
    definition: dict
    source: str  # standard | own | shared
    area: str | None = None
    owner: str | None = None
    visibility: str | None = None
    version: int | None = None

    @property
    def saved_id(self) -> int | None:
        return int(self.ref.removeprefix(f"{SAVED}:")) if self.ref.startswith(f"{SAVED}:") else None


def standard_reports(path: Path = STANDARD_FILE) -> list[ReportEntry]:
    return list(_standard(str(path)))


@functools.cache
def _standard(path: str) -> tuple[ReportEntry, ...]:
    catalogue = load_catalogue()
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = []
    for spec in document["reports"]:
        if spec["area"] not in AREAS:
            raise ValueError(f"{path}: {spec['key']} har et ukendt område {spec['area']!r}")
        entries.append(ReportEntry(f"{STANDARD}:{spec['key']}", spec["name"], checked(spec["definition"], catalogue),
                                   STANDARD, area=spec["area"]))
    return tuple(entries)


def saved_reports(scope: UserScope, appstate: AppState | None = None) -> list[ReportEntry]:
    return [_entry(scope, saved) for saved in store.list_reports(scope, appstate)]


def all_reports(scope: UserScope, appstate: AppState | None = None) -> list[ReportEntry]:
    return [*standard_reports(), *saved_reports(scope, appstate)]


def resolve(scope: UserScope, ref: str, appstate: AppState | None = None) -> ReportEntry:
    """The report a reference names, if the reader may open it."""
    if ref.startswith(f"{STANDARD}:"):
        for entry in standard_reports():
            if entry.ref == ref:
                return entry
        raise AccessDenied("Standardrapporten findes ikke.")
    try:
        report_id = int(ref.removeprefix(f"{SAVED}:"))
    except ValueError:
        raise AccessDenied("Rapporten findes ikke, eller du har ikke adgang til den.") from None
    return _entry(scope, store.open_report(scope, report_id, appstate=appstate))


def saved_ref(report_id: int) -> str:
    return f"{SAVED}:{report_id}"


def _entry(scope: UserScope, saved: store.SavedReport) -> ReportEntry:
    return ReportEntry(saved_ref(saved.report_id), saved.name, saved.definition,
                       "own" if saved.owned_by(scope) else "shared", area=None, owner=saved.owner,
                       visibility=saved.visibility, version=saved.version)
