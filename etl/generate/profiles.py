"""Generator profiles: which municipalities, which case systems, how much history."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date

from data_access.settings import CONFIG_DIR


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    population: int
    socio_index: float  # 100 = national average; drives the need for measures


@dataclass(frozen=True)
class Profile:
    name: str
    municipality_codes: tuple[int, ...]
    dubu_for_children: frozenset[int]  # the rest register children in KMD Børn og Voksne
    history_months: int
    as_of: date  # extraction date: the deliveries hold data up to the day before


# Seven Funen municipalities of similar size: one natural comparison group.
DEMO = Profile(
    name="demo",
    municipality_codes=(410, 420, 430, 440, 450, 479, 480),
    dubu_for_children=frozenset({420, 430, 450, 480}),
    history_months=36,
    as_of=date(2026, 11, 1),
)

PROFILES = {DEMO.name: DEMO}

# Primer §4.1: higher need on these, lower on those; the rest spread around 100.
_HIGH_NEED = {"Lolland", "Guldborgsund", "Odsherred", "Ishøj", "Brøndby", "Albertslund", "Langeland",
              "Bornholm", "København"}
_LOW_NEED = {"Rudersdal", "Gentofte", "Hørsholm", "Lyngby-Taarbæk", "Allerød", "Egedal", "Skanderborg",
             "Solrød", "Dragør"}


def load_municipalities(seed: int) -> dict[int, Municipality]:
    rng = random.Random(f"{seed}:socio-index")
    result = {}
    with open(CONFIG_DIR / "municipalities.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["name"]
            offset = 18 if name in _HIGH_NEED else -18 if name in _LOW_NEED else 0
            code = int(row["municipality_code"])
            result[code] = Municipality(
                code=code, name=name, region_code=int(row["region_code"]),
                population=round(float(row["population_thousands"]) * 1000),
                socio_index=round(100 + offset + rng.gauss(0, 8), 1),
            )
    return result
