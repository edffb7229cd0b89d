"""Computed comparison groups: each municipality's nearest neighbours on its reference figures.

Every feature is standardised over the 98 municipalities (z = (x - mean) / sd), so that no unit
outweighs another, and weighted; the distance between two municipalities is the weighted
Euclidean distance. A municipality's group is its five nearest, plus the sixth to eighth nearest
when they lie within 10 % of the fifth's distance, so a near tie at the cut is not settled by
chance. Equal distances (to nine decimals) go to the lower municipality code. The same figures
always give the same groups; docs/comparison-groups.md explains the choices.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean, pstdev

from data_access.settings import CONFIG_DIR

MUNICIPALITIES_FILE = CONFIG_DIR / "municipalities.csv"
MIN_PEERS, MAX_PEERS = 5, 8
NEAR_TIE = 1.10  # a 6th-8th neighbour joins when at most 10 % further away than the 5th


@dataclass(frozen=True)
class Feature:
    column: str
    label: str
    weight: float
    transform: Callable[[float], float]


# Need in the specialised social area follows the socioeconomic conditions most, then size (economies of
# scale, how stable rates are), then how many children and young people there are, then urbanity.
FEATURES = (
    Feature("socio_index", "socioøkonomisk indeks", 0.40, float),
    Feature("population_thousands", "indbyggertal (logaritme)", 0.25, math.log),
    Feature("share_0_22_pct", "andel 0-22-årige", 0.20, float),
    Feature("big_city_km", "afstand til nærmeste storby (logaritme af 1 + km)", 0.15, math.log1p),
)


@dataclass(frozen=True)
class Reference:
    code: int
    name: str
    figures: tuple[float, ...]  # one per feature, transformed but not standardised


def read_reference(path: Path = MUNICIPALITIES_FILE) -> list[Reference]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = [f.column for f in FEATURES if f.column not in rows[0]]
    if missing:
        raise ValueError(f"{path}: mangler kolonnerne {', '.join(missing)}")
    return [Reference(int(r["municipality_code"]), r["name"], tuple(f.transform(float(r[f.column])) for f in FEATURES))
            for r in rows]


def weighted_scores(references: list[Reference]) -> dict[int, tuple[float, ...]]:
    """Each municipality's standardised figures times the square root of their weights, so that the plain
    Euclidean distance between two score vectors is the weighted distance."""
    columns = list(zip(*(r.figures for r in references), strict=True))
    scales = [(fmean(c), pstdev(c), math.sqrt(f.weight)) for c, f in zip(columns, FEATURES, strict=True)]
    return {r.code: tuple((x - mean) / sd * root for x, (mean, sd, root) in zip(r.figures, scales, strict=True))
            for r in references}


def nearest_neighbours(scores: dict[int, tuple[float, ...]]) -> dict[int, tuple[int, ...]]:
    groups = {}
    for code, own in scores.items():
        ranked = sorted((round(math.dist(own, other), 9), peer) for peer, other in scores.items() if peer != code)
        cut = ranked[MIN_PEERS - 1][0] * NEAR_TIE
        chosen = ranked[:MIN_PEERS] + [r for r in ranked[MIN_PEERS:MAX_PEERS] if r[0] <= cut]
        groups[code] = tuple(peer for _, peer in chosen)
    return groups


def computed_groups(path: Path = MUNICIPALITIES_FILE) -> dict[int, tuple[int, ...]]:
    return nearest_neighbours(weighted_scores(read_reference(path)))
