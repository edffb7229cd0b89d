"""Political targets (måltal) and how far the actual figures are from them.

Targets come from config/targets.yaml and from files an administrator uploads later (stored in the
application-state store); an uploaded target replaces the configured one for the same municipality,
KPI and year.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from data_access.settings import CONFIG_DIR

from .catalogue import Catalogue, Direction, Kpi

TARGETS_FILE = CONFIG_DIR / "targets.yaml"
AT_RISK_MARGIN = 0.05  # within 5 % of the target on the wrong side: at risk, not yet off track


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return {"on_track": "På rette vej", "at_risk": "I risiko", "off_track": "Ikke på rette vej"}[self.value]


@dataclass(frozen=True)
class Target:
    municipality: int
    kpi_id: str
    year: int
    value: float
    comparison: str  # at_most | at_least | around
    note: str = ""


def default_comparison(kpi: Kpi) -> str:
    return {Direction.LOWER_BETTER: "at_most", Direction.HIGHER_BETTER: "at_least"}.get(kpi.direction, "around")


def load_targets(catalogue: Catalogue, path: Path = TARGETS_FILE) -> tuple[Target, ...]:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    targets = []
    for number, entry in enumerate(document.get("targets") or [], start=1):
        kpi = catalogue.kpis.get(entry.get("kpi"))
        if kpi is None:
            raise ValueError(f"{path}: mål nr. {number} henviser til et ukendt nøgletal {entry.get('kpi')!r}")
        comparison = entry.get("comparison") or default_comparison(kpi)
        if comparison not in ("at_most", "at_least", "around"):
            raise ValueError(f"{path}: mål nr. {number}: comparison skal være at_most, at_least eller around")
        targets.append(Target(int(entry["municipality"]), kpi.id, int(entry["year"]), float(entry["target"]),
                              comparison, entry.get("note", "")))
    return tuple(targets)


def targets_for(catalogue: Catalogue, municipality: int, year: int,
                uploaded: Iterable[Mapping] = ()) -> list[Target]:
    """The municipality's targets for the year: configured ones, replaced by uploaded ones for the same KPI."""
    chosen = {t.kpi_id: t for t in load_targets(catalogue) if t.municipality == municipality and t.year == year}
    for row in uploaded:
        if row["municipality_code"] == municipality and row["year"] == year and row["kpi_id"] in catalogue.kpis:
            chosen[row["kpi_id"]] = Target(municipality, row["kpi_id"], year, float(row["target"]),
                                           row["comparison"], row.get("note") or "")
    return sorted(chosen.values(), key=lambda t: list(catalogue.kpis).index(t.kpi_id))


# --- uploaded target files ----------------------------------------------------------------------

UPLOAD_COLUMNS = ("kommune", "nøgletal", "år", "mål")  # and optionally sammenligning, note
COMPARISON_WORDS = {"højst": "at_most", "mindst": "at_least", "omkring": "around",
                    "at_most": "at_most", "at_least": "at_least", "around": "around"}


class TargetFileError(ValueError):
    """An uploaded target file with problems; nothing from it is stored. ``problems`` are Danish lines."""

    def __init__(self, file_name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{file_name}: " + "; ".join(problems))


def parse_target_file(data: bytes, file_name: str, catalogue: Catalogue, municipality: int) -> list[Target]:
    """Targets from a CSV file (semicolon or comma, UTF-8 or Windows-1252, decimal comma or point) for the
    uploader's own municipality. Every problem is reported with its line; one problem rejects the file."""
    text = _decode(data, file_name)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise TargetFileError(file_name, ["filen er tom"])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in UPLOAD_COLUMNS if name not in header]
    if missing:
        raise TargetFileError(file_name, ["mangler kolonnen/kolonnerne " + ", ".join(missing)
                                          + " (forventet: kommune;nøgletal;år;mål;sammenligning;note)"])
    reader.fieldnames = header
    problems, targets, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in raw.items() if key is not None}
        if not any(row.values()):
            continue
        found = _target_row(row, catalogue, municipality)
        if isinstance(found, str):
            problems.append(f"linje {line}: {found}")
            continue
        key = (found.kpi_id, found.year)
        if key in seen:
            problems.append(f"linje {line}: {found.kpi_id} for {found.year} står også i linje {seen[key]}")
            continue
        seen[key] = line
        targets.append(found)
    if problems:
        raise TargetFileError(file_name, problems)
    if not targets:
        raise TargetFileError(file_name, ["filen indeholder ingen mål"])
    return targets


def as_row(target: Target) -> dict:
    """A target as the application-state store keeps it."""
    return {"municipality_code": target.municipality, "kpi_id": target.kpi_id, "year": target.year,
            "target": target.value, "comparison": target.comparison, "note": target.note}


def _decode(data: bytes, file_name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise TargetFileError(file_name, ["filen kan hverken læses som UTF-8 eller Windows-1252"]) from None


def _target_row(row: dict, catalogue: Catalogue, municipality: int) -> Target | str:
    """The row's target, or what is wrong with it."""
    try:
        code = int(row["kommune"])
    except ValueError:
        return f"kommune skal være et kommunenummer, ikke {row['kommune']!r}"
    if code != municipality:
        return f"kommune {code} er ikke din kommune ({municipality}); du kan kun uploade jeres egne mål"
    kpi = catalogue.kpis.get(row["nøgletal"])
    if kpi is None:
        return f"ukendt nøgletal {row['nøgletal']!r}"
    try:
        year = int(row["år"])
    except ValueError:
        return f"år skal være et årstal, ikke {row['år']!r}"
    if not 2000 <= year <= 2100:
        return f"året {year} ligger uden for 2000-2100"
    raw = row["mål"].replace(".", "").replace(",", ".") if "," in row["mål"] else row["mål"]
    try:
        value = float(raw)
    except ValueError:
        return f"mål skal være et tal, ikke {row['mål']!r}"
    word = row.get("sammenligning", "").lower()
    if word and word not in COMPARISON_WORDS:
        return f"sammenligning skal være højst, mindst eller omkring, ikke {row['sammenligning']!r}"
    comparison = COMPARISON_WORDS[word] if word else default_comparison(kpi)
    return Target(municipality, kpi.id, year, value, comparison, row.get("note", ""))


def status(kpi: Kpi, target: Target, actual: float) -> Status:
    if target.comparison == "around":
        low, high = _band(kpi, target)
        if low <= actual <= high:
            return Status.ON_TRACK
        width = high - low
        return Status.AT_RISK if low - width <= actual <= high + width else Status.OFF_TRACK
    margin = abs(target.value) * AT_RISK_MARGIN
    if target.comparison == "at_most":
        gap = actual - target.value
    else:
        gap = target.value - actual
    if gap <= 0:
        return Status.ON_TRACK
    return Status.AT_RISK if gap <= margin else Status.OFF_TRACK


def attainment(target: Target, actual: float) -> float:
    """Actual as a percentage of the target (K-TGT-ACHIEVE)."""
    return actual / target.value * 100 if target.value else float("nan")


def _band(kpi: Kpi, target: Target) -> tuple[float, float]:
    if kpi.target_band is not None:
        half = (kpi.target_band[1] - kpi.target_band[0]) / 2
    else:
        half = abs(target.value) * AT_RISK_MARGIN
    return target.value - half, target.value + half
