"""What the simulation grants: measures with their prevalence, duration, cost and accounts.

Magnitudes follow the domain primer §5 (per-1,000 rates, durations, 2025 rate ranges);
costs are monthly DKK at 2025 level and indexed by ``INDEX_PER_YEAR``.
"""

from __future__ import annotations

from dataclasses import dataclass

FEE_UNIT_MONTHLY = 4_900  # one foster-family fee (vederlag) per month, 2025
BOARD_MONTHLY = 6_700  # board and lodging to a foster family per month, 2025
INDEX_PER_YEAR = 0.025


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    area: str  # children | adults
    service: str  # the case system's service text (Ydelse)
    code: str  # legal basis from 2024 (or the only one for adults)
    old_code: str | None  # SEL code before Barnets Lov, 1 Jan 2024
    placement_type: str | None
    account: str  # function + dranst + grouping, e.g. 528221002
    cost: tuple[int, int]  # monthly DKK, 2025
    mean_months: float
    per_1000: float  # stock per 1,000 of the base population
    base_ages: tuple[int, int]
    start_ages: tuple[int, int]
    target_groups: tuple[str, ...]
    ends_at_age: int | None = None  # ends the day before this birthday
    fees: tuple[int, int] | None = None  # foster-family fee count
    daily_rate: bool = False
    new_starts: bool = True  # False: only entered by a transition at 18

    @property
    def time_limited(self) -> bool:
        """Support granted for a planned period: its end date is known from the start."""
        return self.area == "children" and self.placement_type is None and self.key != "efterværn_doegn"

    @property
    def function(self) -> str:
        a = self.account
        return f"{a[0]}.{a[1:3]}.{a[3:5]}"


CHILD_SOCIAL = "Børn og unge med sociale problemer"
CHILD_DISABLED = "Børn og unge med handicap"
ADULT_GROUPS = ("Sindslidende", "Udviklingshæmmede", "Socialt udsatte", "Fysisk handicappede")


def _placement(key, service, ptype, account, cost, months, per_1000, start_ages, fees=None,
               daily=False, groups=(CHILD_SOCIAL,)) -> MeasureSpec:
    return MeasureSpec(key, "children", service, "BL-46", "SEL-52-3-7", ptype, account, cost, months,
                       per_1000, (0, 22), start_ages, groups, ends_at_age=18, fees=fees, daily_rate=daily)


def _supportive(key, service, code, old_code, cost, months, per_1000, start_ages) -> MeasureSpec:
    return MeasureSpec(key, "children", service, code, old_code, None, "528211001", cost, months,
                       per_1000, (0, 22), start_ages, (CHILD_SOCIAL, CHILD_DISABLED), ends_at_age=18)


def _adult(key, service, code, account, cost, months, per_1000, start_ages, daily=False,
           groups=ADULT_GROUPS) -> MeasureSpec:
    return MeasureSpec(key, "adults", service, code, None, None, account, cost, months, per_1000,
                       (18, 120), start_ages, groups, daily_rate=daily)


PLACEMENTS = (
    _placement("pf_almen", "Anbringelse i almen plejefamilie", "PF-ALMEN", "528221002", (0, 0), 36, 2.05,
               (0, 15), fees=(2, 4)),
    _placement("pf_forst", "Anbringelse i forstærket plejefamilie", "PF-FORST", "528221002", (0, 0), 30, 1.15,
               (2, 16), fees=(4, 7)),
    _placement("pf_spec", "Anbringelse i specialiseret plejefamilie", "PF-SPEC", "528221002", (0, 0), 36, 0.40,
               (2, 16), fees=(7, 10)),
    _placement("pf_net", "Anbringelse i netværksplejefamilie", "PF-NET", "528221002", (7_000, 15_000), 40, 1.05,
               (0, 15)),
    _placement("buh_di_beh", "Døgninstitution, sociale adfærdsproblemer", "BUH-DI", "528231002",
               (80_000, 150_000), 18, 0.75, (11, 17), daily=True),
    _placement("buh_di_hand", "Døgninstitution, nedsat funktionsevne", "BUH-DI", "528231001",
               (80_000, 150_000), 30, 0.55, (4, 17), daily=True, groups=(CHILD_DISABLED,)),
    _placement("buh_oph", "Anbringelse på socialpædagogisk opholdssted", "BUH-OPH", "528201003",
               (70_000, 130_000), 20, 1.05, (10, 17)),
    _placement("eget_vaer", "Anbringelse på eget værelse", "EGET-VAER", "528201003", (15_000, 30_000), 14, 0.30,
               (15, 17)),
    _placement("kost", "Anbringelse på kostskole/efterskole", "KOST", "528201003", (20_000, 35_000), 10, 0.15,
               (14, 17)),
    _placement("sikret", "Anbringelse på sikret døgninstitution", "SIKRET", "528241001", (250_000, 360_000), 3,
               0.04, (13, 17), daily=True),
)

SUPPORTIVE = (
    _supportive("kontaktperson", "Fast kontaktperson", "BL-32-1-3", "SEL-52-3-6", (4_000, 12_000), 12, 9.0,
                (6, 17)),
    _supportive("familiebehandling", "Familiebehandling", "BL-32-1-5", "SEL-52-3-3", (10_000, 25_000), 9, 7.0,
                (0, 17)),
    _supportive("hjemmestoette", "Praktisk pædagogisk støtte i hjemmet", "BL-32-1-2", "SEL-52-3-2",
                (8_000, 20_000), 10, 4.0, (0, 14)),
    _supportive("aflastning", "Støtteophold (aflastning)", "BL-32-1-7", "SEL-52-3-5", (10_000, 30_000), 18, 4.0,
                (3, 17)),
    _supportive("anden_hjaelp", "Anden hjælp", "BL-32-1-8", "SEL-52-3-9", (5_000, 15_000), 8, 4.0, (0, 17)),
    _supportive("dagtilbud", "Ophold i dagtilbud eller klub", "BL-32-1-1", "SEL-52-3-1", (3_000, 8_000), 12, 2.0,
                (0, 14)),
)

# Young people 18-22 enter these only from a placement that ends at 18.
CONTINUED_STAY = MeasureSpec(
    "efterværn_doegn", "children", "Opretholdelse af anbringelse efter 18 år", "BL-114-1-1", "SEL-76-3-1",
    None, "528201003", (0, 0), 18, 0.8, (0, 22), (18, 18), (CHILD_SOCIAL,), ends_at_age=23, new_starts=False)
YOUTH_CONTACT = MeasureSpec(
    "efterværn_kontakt", "children", "Fast kontaktperson 18-22 år", "BL-114-1-2", "SEL-76-3-2", None,
    "528211001", (3_000, 8_000), 14, 0.6, (0, 22), (18, 18), (CHILD_SOCIAL,), ends_at_age=23, new_starts=False)

ADULTS = (
    _adult("sel85_hjem", "Socialpædagogisk støtte i eget hjem", "SEL-85", "538381005", (6_000, 25_000), 30, 8.0,
           (18, 75)),
    _adult("sel85_bolig", "Støtte i botilbudslignende tilbud (ABL § 105)", "SEL-85", "538511001",
           (20_000, 45_000), 48, 3.0, (18, 70), groups=("Udviklingshæmmede", "Sindslidende")),
    _adult("sel97", "Ledsageordning", "SEL-97", "538531001", (3_000, 6_000), 48, 2.0, (18, 80),
           groups=("Fysisk handicappede", "Udviklingshæmmede")),
    _adult("sel103", "Beskyttet beskæftigelse", "SEL-103", "538581001", (10_000, 20_000), 60, 1.5, (18, 60),
           groups=("Udviklingshæmmede", "Sindslidende")),
    _adult("sel104", "Aktivitets- og samværstilbud", "SEL-104", "538591001", (15_000, 35_000), 48, 2.5, (18, 80)),
    _adult("sel107", "Midlertidigt botilbud", "SEL-107", "538521001", (50_000, 110_000), 20, 1.3, (18, 45)),
    _adult("sel108", "Længerevarende botilbud", "SEL-108", "538501001", (60_000, 130_000), 96, 1.2, (18, 75),
           daily=True, groups=("Udviklingshæmmede", "Fysisk handicappede", "Sindslidende")),
    _adult("sel110", "Ophold på forsorgshjem/herberg", "SEL-110", "538421001", (33_000, 49_000), 3, 0.4,
           (20, 70), daily=True, groups=("Socialt udsatte",)),
)

ALL_MEASURES = PLACEMENTS + SUPPORTIVE + (CONTINUED_STAY, YOUTH_CONTACT) + ADULTS

# Share of placements decided without consent (primer §5.1: about 19-20 %).
WITHOUT_CONSENT_SHARE = 0.19
WITHOUT_CONSENT_CODES = {"BL-46": "BL-47", "SEL-52-3-7": "SEL-58"}
