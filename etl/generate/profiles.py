"""Generator profiles: which municipalities, which systems they run, how much history, which defects."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from datetime import date

from data_access.settings import CONFIG_DIR

CHILD_SYSTEMS = ("DUBU", "KMD", "AS2007")
ADULT_SYSTEMS = ("KMD", "AS2007")
FINANCE_SYSTEMS = ("PRISME", "OPUS")


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    population: int
    socio_index: float  # 100 = national average; drives the need for measures


@dataclass(frozen=True)
class Systems:
    children: str  # DUBU | KMD | AS2007
    adults: str  # KMD | AS2007 (DUBU holds children only)
    finance: str  # PRISME | OPUS


@dataclass(frozen=True)
class DefectRates:
    """How often the simulated registrations go wrong, as in real case and finance systems."""

    late_registration: float = 0.06  # grant registered 30-90 days after it started
    late_end_registration: float = 0.05  # end date registered 30-120 days after the end
    missing_end_date: float = 0.03  # an ended grant whose end date is never registered
    missing_end_reason: float = 0.04  # an ended children's grant registered without its end reason
    unconverted_legal_basis: float = 0.3  # KMD grant still on its SEL paragraph after 1 Jan 2024
    unknown_provider: float = 0.01  # grant registered without provider
    paying_not_updated: float = 0.3  # a family moved, but the paying municipality was not changed
    wrong_paying_at_registration: float = 0.004  # paying municipality mistyped when the grant was made
    duplicate_posting_line: float = 0.0005  # the same posting line delivered twice
    double_payment: float = 0.001  # a month paid twice (a second voucher)
    reversed_payment: float = 0.002  # a payment booked by mistake and reversed a few days later
    missing_assessment: float = 0.02  # a notification whose assessment was never registered
    invalid_notification_cpr: float = 0.0005  # a notification registered with a mistyped CPR number


NO_DEFECTS = DefectRates(**dict.fromkeys(DefectRates.__dataclass_fields__, 0.0))
DEFECT_PRESETS = {"normal": DefectRates(), "none": NO_DEFECTS,
                  "high": DefectRates(**{k: min(1.0, v * 5) for k, v in DefectRates().__dict__.items()})}


@dataclass(frozen=True)
class Profile:
    name: str
    municipality_codes: tuple[int, ...] | None  # None: all 98
    history_start: date  # first month of the history in a full delivery
    as_of: date  # extraction date of the full delivery: data up to the day before
    horizon_months: int = 24  # months simulated after as_of, for the nights that follow
    fixed_systems: dict[int, Systems] = field(default_factory=dict)
    defects: DefectRates = DefectRates()

    def with_defects(self, preset: str) -> Profile:
        return replace(self, defects=DEFECT_PRESETS[preset])


# Seven Funen municipalities of similar size: one natural comparison group, covering every source format.
DEMO = Profile(
    name="demo",
    municipality_codes=(410, 420, 430, 440, 450, 479, 480),
    history_start=date(2023, 11, 1),
    as_of=date(2026, 11, 1),
    fixed_systems={
        410: Systems("KMD", "KMD", "PRISME"), 479: Systems("KMD", "KMD", "PRISME"),
        440: Systems("AS2007", "AS2007", "PRISME"), 420: Systems("DUBU", "KMD", "PRISME"),
        430: Systems("DUBU", "KMD", "OPUS"), 450: Systems("DUBU", "AS2007", "OPUS"),
        480: Systems("DUBU", "KMD", "PRISME"),
    },
)

# All 98 municipalities, ten years of monthly history.
NATIONAL = Profile(name="national", municipality_codes=None, history_start=date(2016, 11, 1), as_of=date(2026, 11, 1))

PROFILES = {p.name: p for p in (DEMO, NATIONAL)}

def load_municipalities(seed: int) -> dict[int, Municipality]:
    """The municipalities with the socioeconomic index of config/municipalities.csv, so the simulated need
    and the comparison groups (config/comparison_groups.yaml) rest on the same figures; ``seed`` plays no part."""
    result = {}
    with open(CONFIG_DIR / "municipalities.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = int(row["municipality_code"])
            result[code] = Municipality(
                code=code, name=row["name"], region_code=int(row["region_code"]),
                population=round(float(row["population_thousands"]) * 1000),
                socio_index=float(row["socio_index"]),
            )
    return result


def systems_for(profile: Profile, codes: list[int], seed: int) -> dict[int, Systems]:
    """The systems each municipality runs: fixed in the profile, else a realistic mix.

    Most municipalities register children in DUBU (80 of 98 by 2022) and adults in KMD; some run
    KMD Børn og Voksne or CGI AS2007 for both. Finance is split between Prisme and KMD Opus.
    """
    rng = random.Random(f"{seed}:systems")
    chosen = {}
    for code in sorted(codes):
        draw = rng.random()
        children = "DUBU" if draw < 0.72 else "KMD" if draw < 0.88 else "AS2007"
        adults = children if children != "DUBU" else ("KMD" if rng.random() < 0.75 else "AS2007")
        finance = "PRISME" if rng.random() < 0.45 else "OPUS"
        chosen[code] = profile.fixed_systems.get(code, Systems(children, adults, finance))
    return chosen
