"""Political targets (måltal) and how far the actual figures are from them."""

from __future__ import annotations

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


def targets_for(catalogue: Catalogue, municipality: int, year: int) -> list[Target]:
    return [t for t in load_targets(catalogue) if t.municipality == municipality and t.year == year]


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
