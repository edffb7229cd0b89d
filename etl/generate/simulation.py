"""An event-driven simulation of one municipality's citizens, cases and grants over a fixed horizon.

Each measure keeps a stock near ``per_1000`` of its base population: grants already running
when the history starts, then Poisson-distributed new grants every month with exponential
durations, processed in date order. Children move up the intervention staircase (a supportive
measure ends when a placement starts), placed young people may continue after 18 and some go on
to adult measures, families move, and the case system learns of each event on a date of its own
(registration, end date, a new paying municipality) - so that any extraction date can be viewed.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import ClassVar

from etl.cpr import synthetic_cpr
from etl.dates import add_months, birthday, months_between

from . import transitions
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
from .profiles import DefectRates, Municipality, Profile

DAYS_PER_MONTH = 30.44
BARNETS_LOV = date(2024, 1, 1)
FOSTER_CARE_REFORM = date(2020, 1, 1)  # municipal foster families became general/reinforced ones
RENAMED_IN_2020 = ("PF-ALMEN", "PF-FORST")
KEPT_OLD_TYPE_TENTHS = 3
_CONTINUABLE = ("pf_almen", "pf_forst", "pf_net", "buh_oph", "eget_vaer")
MOVES_PER_YEAR = 0.02  # share of families with a case who move to another municipality in a year
ASSESSED = {"sel85_hjem": "VUM", "sel85_bolig": "VUM", "sel104": "VUM", "sel107": "VUM", "sel108": "VUM"}


@dataclass
class Citizen:
    cpr: str
    first_name: str
    last_name: str
    sex: str  # M | K
    born: date
    residence: list[tuple[date, int]]  # (moved in, municipality), oldest first
    parents: list[Citizen] = field(default_factory=list)

    def municipality_on(self, day: date) -> int:
        current = self.residence[0][1]
        for moved_in, municipality in self.residence:
            if moved_in <= day:
                current = municipality
        return current


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
    provider: Provider | None  # None: registered without a provider
    placement_type: str | None
    account: str
    start: date
    end: date | None  # the real end; None when it lies beyond the horizon
    planned_end: date | None  # for time-limited support: the end set when it was granted
    decided: date
    registered: date  # when the grant appeared in the case system
    end_registered: date | None  # when its end date appeared; None: never registered
    paying: list[tuple[date, int]]  # (registered on, paying municipality), oldest first
    monthly_cost_2025: float
    fees: int | None
    without_consent: bool
    target_group: str
    municipality: int  # acting municipality
    code_converted: bool  # a pre-2024 grant whose paragraph the system moved to Barnets Lov
    ended_by_age: bool = False
    assessments: list[tuple[date, float]] = field(default_factory=list)
    ended_early: bool = False  # a supportive measure ended because a placement began
    end_reason: str | None = None  # conformed code (config/end_reasons.csv), registered with the end
    need_assessed: date | None = None  # when the caseworker registered that adult support will be needed

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


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


class _ActivePool:
    """Grants active on the simulation's current date, for drawing a citizen already in a measure."""

    def __init__(self):
        self._grants: list[Grant] = []

    def add(self, grant: Grant) -> None:
        self._grants.append(grant)

    def draw(self, rng: random.Random, day: date, accept) -> Grant | None:
        for _ in range(8):
            if not self._grants:
                return None
            index = rng.randrange(len(self._grants))
            grant = self._grants[index]
            if grant.end is not None and grant.end < day:
                self._grants[index] = self._grants[-1]  # ended for good: drop it
                self._grants.pop()
                continue
            if grant.start < day and accept(grant):
                return grant
        return None


class MunicipalitySimulation:
    def __init__(self, municipality: Municipality, profile: Profile, seed: int, providers: ProviderPool,
                 taken_cprs: set[str], neighbours: list[int]):
        self.m = municipality
        self.seed = seed
        self.window_start = profile.history_start
        self.horizon = add_months(profile.as_of, profile.horizon_months)
        self.defects: DefectRates = profile.defects
        self.rng = random.Random(f"{seed}:{municipality.code}:cases")
        self.providers = providers
        self.taken_cprs = taken_cprs
        self.neighbours = neighbours or [municipality.code]
        self.world = MunicipalityWorld(municipality, age_shares=age_profile(
            random.Random(f"{seed}:{municipality.code}:ages")))
        self._next_grant_number = self.rng.randrange(100_000, 400_000)
        self._cases: dict[tuple[str, str], tuple[str, Caseworker]] = {}
        self._staff: dict[str, list[Caseworker]] = {}
        self._foster_families: list[Provider] = []
        self._need = municipality.socio_index / 100
        self._events: list[tuple[date, int, str, object]] = []
        self._sequence = 0
        self._supported_children = _ActivePool()
        self._adults = _ActivePool()

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> MunicipalityWorld:
        self._hire_caseworkers()
        for spec in (*SUPPORTIVE, *PLACEMENTS, CONTINUED_STAY, YOUTH_CONTACT, *ADULTS):
            for _ in range(_poisson(self.rng, self._stock(spec))):
                self._ongoing_grant(spec)
        for spec in (*SUPPORTIVE, *PLACEMENTS, *ADULTS):
            starts_per_month = self._stock(spec) / _effective_months(spec)
            for month in months_between(self.window_start, self.horizon - timedelta(days=1)):
                for _ in range(_poisson(self.rng, starts_per_month)):
                    self._schedule(month + timedelta(days=self.rng.randrange(28)), "start", spec)
        while self._events:
            day, _, kind, payload = heapq.heappop(self._events)
            if kind == "start":
                self._new_grant(payload, day)
            else:
                self._turns_18(payload)
        self._family_moves()
        self._assessments()
        transitions.adult_needs(self)
        transitions.end_reasons(self)
        self.world.grants.sort(key=lambda g: g.number)
        return self.world

    def _schedule(self, day: date, kind: str, payload) -> None:
        if day < self.horizon:
            self._sequence += 1
            heapq.heappush(self._events, (day, self._sequence, kind, payload))

    # --- stock and flow ----------------------------------------------------------------------

    def _stock(self, spec: MeasureSpec) -> float:
        base = count_in_ages(self.m.population, self.world.age_shares, *spec.base_ages)
        need = self._need ** 1.5 if spec.area == "children" else self._need
        return spec.per_1000 / 1000 * base * need

    def _ongoing_grant(self, spec: MeasureSpec) -> None:
        """A grant already running when the history starts (length-biased: elapsed and rest both exponential)."""
        for _ in range(20):
            elapsed = self.rng.expovariate(1 / spec.mean_months) * DAYS_PER_MONTH
            start = self.window_start - timedelta(days=max(1, int(elapsed)))
            citizen = self._citizen_for(spec, start)
            if spec is CONTINUED_STAY:
                grant = self._continued_stay(citizen, start, placement=None)
            else:
                grant = self._make_grant(spec, citizen, start)
            if grant.end is None or grant.end >= self.window_start:
                self._register(grant)
                return

    def _new_grant(self, spec: MeasureSpec, start: date) -> None:
        citizen = None
        if spec in PLACEMENTS and self.rng.random() < 0.3:
            low, high = spec.start_ages
            support = self._supported_children.draw(
                self.rng, start, lambda g: low <= (start - g.citizen.born).days / 365.25 < high + 1)
            if support is not None:
                self._end_early(support, start - timedelta(days=1))  # up the staircase
                citizen = support.citizen
        elif spec.key in ("sel97", "sel103", "sel104") and self.rng.random() < 0.35:
            other = self._adults.draw(self.rng, start, lambda g: g.spec is not spec)
            citizen = other.citizen if other is not None else None
        self._register(self._make_grant(spec, citizen or self._citizen_for(spec, start), start))

    def _make_grant(self, spec: MeasureSpec, citizen: Citizen, start: date, *, placement_type: str | None = None,
                    provider: Provider | None = None, cost: float | None = None, fees: int | None = None,
                    account: str | None = None) -> Grant:
        duration = max(14.0, self.rng.expovariate(1 / spec.mean_months) * DAYS_PER_MONTH)
        end: date | None = start + timedelta(days=int(duration))
        ended_by_age = False
        if spec.ends_at_age is not None:
            limit = birthday(citizen.born, spec.ends_at_age) - timedelta(days=1)
            if end >= limit:
                end, ended_by_age = limit, True
        if end >= self.horizon:
            end, ended_by_age = None, False
        if cost is None:
            fees, cost = self._cost(spec)
        case_id, caseworker = self._case(citizen, spec.area)
        decided = start - timedelta(days=self.rng.randrange(0, 21))
        if self.rng.random() < self.defects.late_registration:
            registered = start + timedelta(days=self.rng.randrange(30, 91))
        else:
            registered = decided + timedelta(days=self.rng.randrange(0, 8))
        number = self._next_grant_number
        self._next_grant_number += self.rng.randrange(1, 40)
        placement_type = placement_type or spec.placement_type
        if placement_type in RENAMED_IN_2020 and start < FOSTER_CARE_REFORM and number % 10 < KEPT_OLD_TYPE_TENTHS:
            # Foster placements from before the 2020 reform often still carry the old municipal type. Decided
            # by the grant number, not the random stream, so that adding this left every other draw as it was.
            placement_type = "PF-KOMM"
        grant = Grant(
            number=number, citizen=citizen, spec=spec, case_id=case_id, caseworker=caseworker,
            provider=provider or self._provider(spec, citizen), placement_type=placement_type,
            account=account or spec.account, start=start, end=end,
            planned_end=end if spec.time_limited else None, decided=decided, registered=registered,
            end_registered=None, paying=[(registered, self._paying_at_registration())],
            monthly_cost_2025=cost, fees=fees,
            without_consent=spec in PLACEMENTS and self.rng.random() < WITHOUT_CONSENT_SHARE,
            target_group=self.rng.choice(spec.target_groups), municipality=self.m.code,
            code_converted=self.rng.random() >= self.defects.unconverted_legal_basis, ended_by_age=ended_by_age,
        )
        if self.rng.random() < self.defects.unknown_provider:
            grant.provider = None
        grant.end_registered = self._end_registration(grant)
        return grant

    def _end_registration(self, grant: Grant) -> date | None:
        """When the case system learns the end date: at once for planned support, later (or never) for others."""
        if grant.end is None:
            return None
        if grant.spec.time_limited:
            return grant.registered
        draw = self.rng.random()
        if draw < self.defects.missing_end_date:
            return None
        lag = self.rng.randrange(30, 121) if draw < self.defects.missing_end_date + self.defects.late_end_registration \
            else self.rng.randrange(0, 11)
        return max(grant.registered, grant.end + timedelta(days=lag))

    def _end_early(self, grant: Grant, day: date) -> None:
        grant.end, grant.ended_by_age, grant.ended_early = day, False, True
        grant.end_registered = max(grant.registered, day)

    def _paying_at_registration(self) -> int:
        if self.rng.random() < self.defects.wrong_paying_at_registration:
            return self.rng.choice(self.neighbours)
        return self.m.code

    def _register(self, grant: Grant) -> None:
        self.world.grants.append(grant)
        self.world.citizens[grant.citizen.cpr] = grant.citizen
        if grant.spec in SUPPORTIVE:
            self._supported_children.add(grant)
        elif grant.spec.area == "adults":
            self._adults.add(grant)
        if grant.spec in PLACEMENTS and grant.ended_by_age and grant.end >= self.window_start:
            self._schedule(grant.end + timedelta(days=1), "turn18", grant)

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
        citizen = self._person(born, female=self.rng.random() < (0.45 if spec.area == "children" else 0.47))
        if spec.area == "children":
            mother = self._person(born - timedelta(days=self.rng.randrange(19 * 365, 41 * 365)), female=True,
                                  last_name=citizen.last_name)
            citizen.parents.append(mother)
            if self.rng.random() < 0.75:
                citizen.parents.append(self._person(
                    mother.born - timedelta(days=self.rng.randrange(-3 * 365, 9 * 365)), female=False,
                    last_name=citizen.last_name))
        return citizen

    def _person(self, born: date, female: bool, last_name: str | None = None) -> Citizen:
        first = self.rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
        adult_from = birthday(born, 18)
        moved_in = born if self.rng.random() < 0.5 or adult_from >= self.window_start else date.fromordinal(
            self.rng.randrange(adult_from.toordinal(), self.window_start.toordinal()))
        return Citizen(
            cpr=synthetic_cpr(born, female, self.rng, self.taken_cprs), first_name=first,
            last_name=last_name or self.rng.choice(SURNAMES), sex="K" if female else "M", born=born,
            residence=[(moved_in, self.m.code)],
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

    # --- moves between measures and municipalities ------------------------------------------------

    def _continued_stay(self, citizen: Citizen, start: date, placement: Grant | None) -> Grant:
        """A placement kept beyond 18 at the same place and rate (a typical one if it began before the history)."""
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

    def _turns_18(self, placement: Grant) -> None:
        """A placement that ends at 18 may continue as youth support, and some lead to adult measures."""
        eighteen = placement.end + timedelta(days=1)
        draw = self.rng.random()
        if draw < 0.55:
            self._register(self._continued_stay(placement.citizen, eighteen, placement))
        elif draw < 0.80:
            self._register(self._make_grant(YOUTH_CONTACT, placement.citizen, eighteen))
        if self.rng.random() < 0.2:
            adult_spec = ADULTS[0] if self.rng.random() < 0.7 else ADULTS[5]
            start = eighteen + timedelta(days=self.rng.randrange(0, 240))
            if start < self.horizon:
                self._register(self._make_grant(adult_spec, placement.citizen, start))

    def _family_moves(self) -> None:
        """Some families move to a neighbouring municipality; the case system may or may not follow."""
        by_citizen: dict[str, list[Grant]] = {}
        for grant in self.world.grants:
            by_citizen.setdefault(grant.citizen.cpr, []).append(grant)
        for cpr in sorted(by_citizen):
            grants = by_citizen[cpr]
            first = max(self.window_start, min(g.start for g in grants))
            last = min(self.horizon - timedelta(days=1), max(g.end or self.horizon for g in grants))
            years = (last - first).days / 365.25
            if years <= 0 or self.rng.random() >= 1 - (1 - MOVES_PER_YEAR) ** years:
                continue
            day = date.fromordinal(self.rng.randrange(first.toordinal(), last.toordinal() + 1))
            destination = self.rng.choice(self.neighbours)
            citizen = grants[0].citizen
            for person in (citizen, *citizen.parents):
                person.residence.append((day, destination))
            for grant in grants:
                if grant.active_on(day) and self.rng.random() >= self.defects.paying_not_updated:
                    grant.paying.append((max(grant.registered, day) + timedelta(days=self.rng.randrange(7, 46)),
                                         destination))

    def _assessments(self) -> None:
        """Outcome measurements: well-being for children, functional level (VUM) for adults, twice a year."""
        for grant in self.world.grants:
            instrument = "TRIVSEL" if grant.spec.area == "children" else ASSESSED.get(grant.spec.key)
            if instrument is None:
                continue
            effect = _provider_effect(grant.provider)
            score = self.rng.gauss(4.5, 1.2) if instrument == "TRIVSEL" else self.rng.gauss(2.6, 0.6)
            day = max(grant.start, self.window_start) + timedelta(days=self.rng.randrange(0, 31))
            last = min(grant.end or self.horizon, self.horizon - timedelta(days=1))
            while day <= last:
                bounded = min(10.0, max(0.0, score)) if instrument == "TRIVSEL" else min(4.0, max(0.0, score))
                grant.assessments.append((day, round(bounded, 1)))
                step = effect + self.rng.gauss(0, 0.4)
                score += step if instrument == "TRIVSEL" else -step * 0.35
                day += timedelta(days=self.rng.randrange(160, 205))


def _provider_effect(provider: Provider | None) -> float:
    """Some places help more than others: a stable improvement per half year for each provider."""
    if provider is None:
        return 0.1
    return random.Random(f"effect:{provider.name}").uniform(-0.2, 0.7)
