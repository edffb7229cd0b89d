"""Comparison groups (sammenligningskommuner): whom each municipality is measured against."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from data_access.settings import CONFIG_DIR

GROUPS_FILE = CONFIG_DIR / "comparison_groups.yaml"


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    region_name: str


@dataclass(frozen=True)
class ComparisonGroups:
    peers_by_municipality: dict[int, tuple[int, ...]]
    municipalities: dict[int, Municipality]

    def peers(self, code: int) -> tuple[int, ...]:
        """The configured group; without one, the other municipalities of the same region."""
        configured = self.peers_by_municipality.get(code)
        if configured is not None:
            return configured
        region = self.municipalities[code].region_code
        return tuple(m for m, info in self.municipalities.items() if info.region_code == region and m != code)

    def name(self, code: int) -> str:
        return self.municipalities[code].name


@cache
def load_groups(path: Path = GROUPS_FILE) -> ComparisonGroups:
    municipalities = {}
    with open(CONFIG_DIR / "municipalities.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = int(row["municipality_code"])
            municipalities[code] = Municipality(code, row["name"], int(row["region_code"]), row["region_name"])
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    peers = {}
    for key, members in (document.get("groups") or {}).items():
        code = int(key)
        unknown = [m for m in [code, *members] if m not in municipalities]
        if unknown:
            raise ValueError(f"{path}: ukendte kommunekoder {unknown}")
        if code in members:
            raise ValueError(f"{path}: kommune {code} står i sin egen sammenligningsgruppe")
        peers[code] = tuple(int(m) for m in members)
    return ComparisonGroups(peers, municipalities)
