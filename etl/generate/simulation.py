"""A stock-and-flow simulation of one municipality's citizens, cases and grants.

Each measure keeps a stock near ``per_1000`` of its base population: ongoing grants at
the start of the window, then Poisson-distributed new grants every month with
exponential durations. Children move up the intervention staircase (a supportive
measure ends when a placement starts), placed young people may continue after 18, and
some go on to adult measures, as in real case histories.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import ClassVar

from etl.cpr import synthetic_cpr
from etl.dates import add_months, birthday, months_between

from .measures import (
    ADULTS,
    BOARD_MONTHLY,
    CONTINUED_STAY,
    FEE_UNIT_MONTHLY,
    PLACEMENTS,
    SUPPORTIVE,
    WITHOUT_CONSENT_SHARE,
    YOUTH_CONTACT,
    MeasureSpec,
)
from .names import FIRST_NAMES_FEMALE, FIRST_NAMES_MALE, PLACE_WORDS, SURNAMES
from .population import age_profile, count_in_ages
from .profiles import Municipality, Profile

DAYS_PER_MONTH = 30.44
_CONTINUABLE = ("pf_almen", "pf_forst", "pf_net", "buh_oph", "eget_vaer")
BARNETS_LOV = date(2024, 1, 1)


@dataclass
class Citizen:
    cpr: str
    first_name: str
    last_name: str
    sex: str  # M | K
    born: date
    municipality: int


@dataclass(frozen=True)
class Caseworker:
    source_id: str
    name: str
    unit: str


@dataclass(frozen=True)
class Provider:
    cvr: str  # empty for foster families and the municipality's own units
    name: str


@dataclass
class Grant:
    number: int
    citizen: Citizen
    spec: MeasureSpec
    case_id: str
    caseworker: Caseworker
    provider: Provider
    placement_type: str | None
    account: str
    start: date
    end: date  # the real end; may lie after the extraction date
    decided: date
    registered: date
    monthly_cost_2025: float
    fees: int | None
    without_consent: bool
    target_group: str
    municipality: int
    code_converted: bool  # a pre-2024 grant whose paragraph the system moved to Barnets Lov
    ended_by_age: bool = False

    def is_open(self, as_of: date) -> bool:
        return self.end >= as_of


@dataclass
class MunicipalityWorld:
    municipality: Municipality
    grants: list[Grant] = field(default_factory=list)
    citizens: dict[str, Citizen] = field(default_factory=dict)
    caseworkers: list[Caseworker] = field(default_factory=list)
    age_shares: list[float] = field(default_factory=list)


class ProviderPool:
    """Regional providers shared by all municipalities, made deterministically per kind."""

    _KINDS: ClassVar[dict[str, tuple[str, int]]] = {
        "BUH-DI": ("Døgninstitutionen {}", 6), "BUH-OPH": ("Opholdsstedet {}", 12),
        "EGET-VAER": ("Ungeboligerne {}", 4), "KOST": ("{} Efterskole", 6),
        "SIKRET": ("Sikret Institution {}", 2), "private_family": ("Familiecentret {} ApS", 5),
        "sel85_bolig": ("Bofællesskabet {}", 8), "sel103": ("Værkstedet {}", 4),
        "sel104": ("Aktivitetscentret {}", 5), "sel107": ("Botilbuddet {}", 6),
        "sel108": ("Bocentret {}", 6), "sel110": ("Herberget {}", 2),
    }

    def __init__(self, seed: int):
        self._pools: dict[str, list[Provider]] = {}
        for kind, (pattern, size) in self._KINDS.items():
            rng = random.Random(f"{seed}:providers:{kind}")
            places = rng.sample(PLACE_WORDS, size)
            self._pools[kind] = [Provider(str(rng.randrange(10_000_000, 45_000_000)), pattern.format(p))
                                 for p in places]

    def pick(self, kind: str, rng: random.Random) -> Provider:
        return rng.choice(self._pools[kind])


@cache
def _effective_months(spec: MeasureSpec) -> float:
    """Mean duration once measures that end at an age limit are cut short, so that starts keep the stock steady."""
    if spec.ends_at_age is None:
        return spec.mean_months
    rng = random.Random(f"duration:{spec.key}")
    low, high = spec.start_ages
    total = 0.0
    for _ in range(4000):
        months_left = (spec.ends_at_age - rng.uniform(low, high + 1)) * 12
        total += min(max(14 / DAYS_PER_MONTH, rng.expovariate(1 / spec.mean_months)), months_left)
    return total / 4000


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class MunicipalitySimulation:
    def __init__(self, municipality: Municipality, profile: Profile, seed: int,
                 providers: ProviderPool, taken_cprs: set[str]):
        self.m = municipality
        self.as_of = profile.as_of
        self.window_start = add_months(profile.as_of, -profile.history_months)
        self.rng = random.Random(f"{seed}:{municipality.code}:cases")
        self.providers = providers
        self.taken_cprs = taken_cprs
        self.world = MunicipalityWorld(municipality, age_shares=age_profile(
            random.Random(f"{seed}:{municipality.code}:ages")))
        self._next_grant_number = self.rng.randrange(100_000, 400_000)
        self._cases: dict[tuple[str, str], tuple[str, Caseworker]] = {}
        self._staff: dict[str, list[Caseworker]] = {}
        self._foster_families: list[Provider] = []
        self._need = municipality.socio_index / 100

    # --- public -----------------------------------------------------------------------------

    def run(self) -> MunicipalityWorld:
        self._hire_caseworkers()
        for spec in SUPPORTIVE:
            self._simulate(spec)
        for spec in PLACEMENTS:
            self._simulate(spec)
        for spec in (CONTINUED_STAY, YOUTH_CONTACT):
            self._simulate(spec)
        self._transitions_at_18()
        for spec in ADULTS:
            self._simulate(spec)
        self.world.grants.sort(key=lambda g: g.number)
        return self.world

    # --- stock and flow ----------------------------------------------------------------------

    def _stock(self, spec: MeasureSpec) -> float:
        base = count_in_ages(self.m.population, self.world.age_shares, *spec.base_ages)
        need = self._need ** 1.5 if spec.area == "children" else self._need
        return spec.per_1000 / 1000 * base * need

    def _simulate(self, spec: MeasureSpec) -> None:
        stock = self._stock(spec)
        for _ in range(_poisson(self.rng, stock)):
            self._ongoing_grant(spec)
        if not spec.new_starts:
            return
        starts_per_month = stock / _effective_months(spec)
        for month in months_between(self.window_start, self.as_of - timedelta(days=1)):
            for _ in range(_poisson(self.rng, starts_per_month)):
                start = month + timedelta(days=self.rng.randrange(28))
                if start < self.as_of:
                    self._new_grant(spec, start)

    def _ongoing_grant(self, spec: MeasureSpec) -> None:
        """A grant already running when the window opens (length-biased: elapsed and rest are both exponential)."""
        for _ in range(20):
            elapsed = self.rng.expovariate(1 / spec.mean_months) * DAYS_PER_MONTH
            start = self.window_start - timedelta(days=max(1, int(elapsed)))
            citizen = self._citizen_for(spec, start)
            if spec is CONTINUED_STAY:
                grant = self._continued_stay(citizen, start, placement=None)
            else:
                grant = self._make_grant(spec, citizen, start)
            if grant.end >= self.window_start:
                self._register(grant)
                return

    def _new_grant(self, spec: MeasureSpec, start: date) -> None:
        citizen = None
        if spec in PLACEMENTS and self.rng.random() < 0.3:
            citizen = self._child_leaving_support(spec, start)
        elif spec.key in ("sel97", "sel103", "sel104") and self.rng.random() < 0.35:
            citizen = self._adult_in_other_measure(spec, start)
        grant = self._make_grant(spec, citizen or self._citizen_for(spec, start), start)
        if grant.end >= start:
            self._register(grant)

    def _make_grant(self, spec: MeasureSpec, citizen: Citizen, start: date, *, placement_type: str | None = None,
                    provider: Provider | None = None, cost: float | None = None, fees: int | None = None,
                    account: str | None = None) -> Grant:
        duration = max(14.0, self.rng.expovariate(1 / spec.mean_months) * DAYS_PER_MONTH)
        end = start + timedelta(days=int(duration))
        ended_by_age = False
        if spec.ends_at_age is not None:
            limit = birthday(citizen.born, spec.ends_at_age) - timedelta(days=1)
            if end >= limit:
                end, ended_by_age = limit, True
        if cost is None:
            fees, cost = self._cost(spec)
        case_id, caseworker = self._case(citizen, spec.area)
        decided = start - timedelta(days=self.rng.randrange(0, 21))
        number = self._next_grant_number
        self._next_grant_number += self.rng.randrange(1, 40)
        return Grant(
            number=number, citizen=citizen, spec=spec, case_id=case_id, caseworker=caseworker,
            provider=provider or self._provider(spec, citizen), placement_type=placement_type or spec.placement_type,
            account=account or spec.account, start=start, end=end, decided=decided,
            registered=decided + timedelta(days=self.rng.randrange(0, 8)), monthly_cost_2025=cost, fees=fees,
            without_consent=spec in PLACEMENTS and self.rng.random() < WITHOUT_CONSENT_SHARE,
            target_group=self.rng.choice(spec.target_groups), municipality=self.m.code,
            code_converted=self.rng.random() < 0.7, ended_by_age=ended_by_age,
        )

    def _register(self, grant: Grant) -> None:
        self.world.grants.append(grant)
        self.world.citizens[grant.citizen.cpr] = grant.citizen

    def _cost(self, spec: MeasureSpec) -> tuple[int | None, float]:
        if spec.fees:
            fees = self.rng.randint(*spec.fees)
            return fees, float(fees * FEE_UNIT_MONTHLY + BOARD_MONTHLY)
        cost = self.rng.uniform(*spec.cost)
        if spec.key == "sel108" and self.rng.random() < 0.05:
            cost *= self.rng.uniform(1.8, 2.6)  # the long tail of very expensive residents
        return None, float(round(cost, -2))

    # --- people and cases ---------------------------------------------------------------------

    def _citizen_for(self, spec: MeasureSpec, start: date) -> Citizen:
        low, high = spec.start_ages
        age_days = int(self.rng.uniform(low, high + 1) * 365.25)
        if spec.area == "adults" and high - low > 20:
            # Adults in these measures are mostly young: a triangular draw leaning to the low end.
            age_days = int(self.rng.triangular(low, high + 1, low + 4) * 365.25)
        born = start - timedelta(days=max(age_days, 1))
        return self._new_citizen(born, child=spec.area == "children")

    def _new_citizen(self, born: date, child: bool) -> Citizen:
        female = self.rng.random() < (0.45 if child else 0.47)
        first = self.rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
        return Citizen(
            cpr=synthetic_cpr(born, female, self.rng, self.taken_cprs), first_name=first,
            last_name=self.rng.choice(SURNAMES), sex="K" if female else "M", born=born, municipality=self.m.code,
        )

    def _hire_caseworkers(self) -> None:
        children_stock = sum(self._stock(s) for s in SUPPORTIVE + PLACEMENTS)
        adult_stock = sum(self._stock(s) for s in ADULTS)
        teams = (("children", "Børn og Familie", max(3, math.ceil(children_stock / 30))),
                 ("adults", "Voksenområdet", max(3, math.ceil(adult_stock / 45))))
        number = 1
        for area, unit, size in teams:
            staff = []
            for _ in range(size):
                female = self.rng.random() < 0.8
                name = f"{self.rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)} " \
                       f"{self.rng.choice(SURNAMES)}"
                staff.append(Caseworker(f"AZ{self.m.code:03d}{number:02d}", name, unit))
                number += 1
            self._staff[area] = staff
            self.world.caseworkers.extend(staff)

    def _case(self, citizen: Citizen, area: str) -> tuple[str, Caseworker]:
        key = (citizen.cpr, area)
        if key not in self._cases:
            case_id = f"{self.m.code:03d}-{'B' if area == 'children' else 'V'}-{len(self._cases) + 1:06d}"
            self._cases[key] = (case_id, self.rng.choice(self._staff[area]))
        return self._cases[key]

    def _provider(self, spec: MeasureSpec, citizen: Citizen) -> Provider:
        kind = spec.placement_type or spec.key
        if kind in ("PF-ALMEN", "PF-FORST", "PF-SPEC"):
            if self._foster_families and self.rng.random() < 0.25:
                return self.rng.choice(self._foster_families)
            family = Provider("", f"Plejefamilien {self.rng.choice(SURNAMES)}, {self.rng.choice(PLACE_WORDS)}")
            self._foster_families.append(family)
            return family
        if kind == "PF-NET":
            return Provider("", f"Netværksplejefamilien {citizen.last_name}")
        if spec.area == "children" and spec.placement_type is None:
            if self.rng.random() < 0.3:
                return self.providers.pick("private_family", self.rng)
            return Provider("", f"{self.m.name} Kommune, Familiehuset")
        if kind in ("sel85_hjem", "sel97"):
            return Provider("", f"{self.m.name} Kommune, {'Bostøtten' if kind == 'sel85_hjem' else 'Ledsageordningen'}")
        return self.providers.pick(kind, self.rng)

    # --- moves between measures ----------------------------------------------------------------

    def _child_leaving_support(self, spec: MeasureSpec, start: date) -> Citizen | None:
        low, high = spec.start_ages
        candidates = [g for g in self.world.grants if g.spec in SUPPORTIVE and g.start < start <= g.end
                      and low <= (start - g.citizen.born).days / 365.25 < high + 1]
        if not candidates:
            return None
        support = self.rng.choice(candidates)
        support.end = start - timedelta(days=1)  # up the staircase: support ends when placement starts
        support.ended_by_age = False
        return support.citizen

    def _adult_in_other_measure(self, spec: MeasureSpec, start: date) -> Citizen | None:
        candidates = [g.citizen for g in self.world.grants
                      if g.spec.area == "adults" and g.spec is not spec and g.start <= start <= g.end]
        return self.rng.choice(candidates) if candidates else None

    def _continued_stay(self, citizen: Citizen, start: date, placement: Grant | None) -> Grant:
        """A placement kept beyond 18 at the same place and rate (or a typical one, when it began before the window)."""
        if placement is None:
            template = self.rng.choice([s for s in PLACEMENTS if s.key in _CONTINUABLE])
            fees, cost = self._cost(template)
            placement_type, provider = template.placement_type, self._provider(template, citizen)
        else:
            fees, cost = placement.fees, placement.monthly_cost_2025
            placement_type, provider = placement.placement_type, placement.provider
        in_foster_care = placement_type.startswith("PF-")
        return self._make_grant(CONTINUED_STAY, citizen, start, placement_type=placement_type, provider=provider,
                                cost=cost, fees=fees, account="528221002" if in_foster_care else "528201003")

    def _transitions_at_18(self) -> None:
        """Placements that end at 18 may continue as youth support, and some lead to adult measures."""
        leaving = [g for g in self.world.grants if g.spec in PLACEMENTS and g.ended_by_age
                   and self.window_start <= g.end < self.as_of]
        for placement in leaving:
            eighteen = placement.end + timedelta(days=1)
            draw = self.rng.random()
            if draw < 0.55:
                self._register(self._continued_stay(placement.citizen, eighteen, placement))
            elif draw < 0.80:
                self._register(self._make_grant(YOUTH_CONTACT, placement.citizen, eighteen))
            if self.rng.random() < 0.2:
                adult_spec = ADULTS[0] if self.rng.random() < 0.7 else ADULTS[5]
                start = eighteen + timedelta(days=self.rng.randrange(0, 240))
                if start < self.as_of:
                    self._register(self._make_grant(adult_spec, placement.citizen, start))
