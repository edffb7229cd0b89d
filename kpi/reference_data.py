"""The project's own reference figures per municipality, written into config/municipalities.csv.

    python -m kpi.reference_data

Real per-municipality figures (the ministry's socioeconomic index, DST's age structure) were not
at hand, so the shipped values are synthetic but deterministic and plausible (primer §4.1):

- ``big_city_km``: real geometry, the great-circle distance from the municipality's point to the
  nearest municipality of at least 200,000 inhabitants (København, Aarhus, Odense, Aalborg).
- ``socio_index``: 100 = national average, sd 12. Higher for the municipalities the primer names as
  high-need, lower for the low-need ones, a little higher the further from a big city, plus a
  fixed per-municipality term drawn from a SHA-256 hash of its code (no random seed involved).
- ``share_0_22_pct``: residents aged 0-22 in per cent, around 27: lower the further from a big
  city and on the small islands, plus its own hash term.

Operators replace the three columns with real figures; docs/comparison-groups.md says how.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from statistics import NormalDist, fmean, pstdev

from data_access.settings import CONFIG_DIR

MUNICIPALITIES_FILE = CONFIG_DIR / "municipalities.csv"
BIG_CITY_THOUSANDS = 200
EARTH_RADIUS_KM = 6371.0

# Primer §4.1: higher need on these, lower on those.
HIGH_NEED = {"Lolland", "Guldborgsund", "Odsherred", "Ishøj", "Brøndby", "Albertslund", "Langeland",
             "Bornholm", "København"}
LOW_NEED = {"Rudersdal", "Gentofte", "Hørsholm", "Lyngby-Taarbæk", "Allerød", "Egedal", "Skanderborg",
            "Solrød", "Dragør"}
SMALL_ISLAND_THOUSANDS = 13  # Læsø, Samsø, Fanø, Ærø, Langeland: older populations, young people move away

# Weights of the terms before scaling to mean 100, sd 12; the named offset dominates on purpose.
SOCIO_NAMED, SOCIO_REMOTE, SOCIO_OWN = 2.0, 0.5, 0.6
CENTRAL_KM = 20  # within this distance of a big city a municipality counts as central, whatever the exact figure
SHARE_MEAN, SHARE_REMOTE, SHARE_OWN, SHARE_ISLAND = 27.0, 1.2, 1.0, 4.0


def own_term(code: int, purpose: str) -> float:
    """A standard normal number fixed by the municipality's code: the same on every machine, forever."""
    digest = hashlib.sha256(f"{purpose}:{code}".encode()).digest()
    uniform = (int.from_bytes(digest[:8], "big") + 0.5) / 2**64
    return NormalDist().inv_cdf(uniform)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlon = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def standardised(values: list[float]) -> list[float]:
    mean, sd = fmean(values), pstdev(values)
    return [(v - mean) / sd for v in values]


def reference_columns(rows: list[dict]) -> list[dict]:
    """socio_index, share_0_22_pct and big_city_km for each row of municipalities.csv."""
    cities = [r for r in rows if float(r["population_thousands"]) >= BIG_CITY_THOUSANDS]
    km = [min(distance_km(float(r["latitude"]), float(r["longitude"]), float(c["latitude"]), float(c["longitude"]))
              for c in cities) for r in rows]
    remote = standardised([math.log1p(max(d, CENTRAL_KM)) for d in km])
    raw_socio = []
    shares = []
    for row, far in zip(rows, remote, strict=True):
        code, name = int(row["municipality_code"]), row["name"]
        named = 1 if name in HIGH_NEED else -1 if name in LOW_NEED else 0
        raw_socio.append(SOCIO_NAMED * named + SOCIO_REMOTE * far + SOCIO_OWN * own_term(code, "socio"))
        island = float(row["population_thousands"]) < SMALL_ISLAND_THOUSANDS
        shares.append(SHARE_MEAN - SHARE_REMOTE * far + SHARE_OWN * own_term(code, "age")
                      - (SHARE_ISLAND if island else 0))
    socio = [100 + 12 * z for z in standardised(raw_socio)]
    return [{"socio_index": f"{s:.1f}", "share_0_22_pct": f"{a:.1f}", "big_city_km": f"{d:.0f}"}
            for s, a, d in zip(socio, shares, km, strict=True)]


def rewritten(text: str) -> str:
    """municipalities.csv with the reference columns set (added or replaced), other columns untouched."""
    rows = list(csv.DictReader(io.StringIO(text)))
    base = [f for f in rows[0] if f not in ("socio_index", "share_0_22_pct", "big_city_km")]
    out = io.StringIO()
    writer = csv.DictWriter(out, [*base, "socio_index", "share_0_22_pct", "big_city_km"], lineterminator="\n")
    writer.writeheader()
    for row, extra in zip(rows, reference_columns(rows), strict=True):
        writer.writerow({**{f: row[f] for f in base}, **extra})
    return out.getvalue()


if __name__ == "__main__":
    MUNICIPALITIES_FILE.write_text(rewritten(MUNICIPALITIES_FILE.read_text(encoding="utf-8")), encoding="utf-8")
