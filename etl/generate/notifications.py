"""Notifications (underretninger, BL §§ 132-138): concerns about children reported to the municipality.

Drawn from a random stream of their own (seeded by the municipality), after the cases are simulated,
so that adding them changed no other figure. Rates (PRIMER §5): 97,288 notifications in 2015 and
137,986 in 2019 about 79,001 children, i.e. about 1.7 per child notified and a few per cent of the
0-17-year-olds a year, rising through the 2010s and levelling off since. Children who get a measure
were usually notified about first; the others are children the case system knows only from the
notification, with replacement-style CPR numbers of their own (seventh digit 9, which the case
simulation never uses, so the two never collide).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .population import count_in_ages
from .profiles import DefectRates
from .simulation import MunicipalityWorld, _poisson

PER_1000_IN_2019 = 118.0  # notifications per 1,000 0-17-year-olds a year (137,986 / about 1.17 million)
GROWTH_UNTIL_2019, GROWTH_SINCE = 0.075, 0.02  # 97,288 (2015) -> 137,986 (2019), then flatter
BEFORE_A_MEASURE = 0.5  # share of children's measures preceded by notifications about the child
EXTRA_PER_CHILD = 0.7  # a notified child gets 1 + Poisson(0.7) notifications: about 1.7 each
NOTIFIERS = (("SKOLE", 0.22), ("DAGTILBUD", 0.07), ("SUNDHED", 0.14), ("POLITI", 0.24), ("BORGER", 0.13),
             ("ANDET", 0.20))
URGENT = 0.08
ASSESSED_LATE = 0.06  # assessed 2-6 days after, not within the 24 hours BL § 133 demands


@dataclass(frozen=True)
class Notification:
    number: int  # per municipality, in order of receipt
    cpr: str
    received: datetime
    notifier: str  # conformed code; each writer shows its own
    urgent: bool
    assessed: datetime | None  # None: no assessment registered


def per_1000(year: int) -> float:
    growth = GROWTH_UNTIL_2019 if year < 2019 else GROWTH_SINCE
    return PER_1000_IN_2019 * (1 + growth) ** (year - 2019)


def notifications(world: MunicipalityWorld, history_start: date, horizon: date, seed: int, defects: DefectRates,
                  taken: set[str]) -> list[Notification]:
    municipality = world.municipality
    rng = random.Random(f"{seed}:{municipality.code}:notifications")
    found: list[tuple[str, date]] = []
    for grant in world.grants:
        if grant.spec.area != "children" or grant.start < history_start or rng.random() >= BEFORE_A_MEASURE:
            continue
        for _ in range(1 + _poisson(rng, EXTRA_PER_CHILD)):
            day = grant.start - timedelta(days=rng.randrange(0, 365))
            if day >= history_start and 0 <= (day - grant.citizen.born).days < 18 * 365:
                found.append((grant.citizen.cpr, day))
    children = count_in_ages(municipality.population, world.age_shares, 0, 17) * municipality.socio_index / 100
    linked = {}
    for _, day in found:
        linked[day.year] = linked.get(day.year, 0) + 1
    for year in range(history_start.year, horizon.year + 1):
        first, last = max(history_start, date(year, 1, 1)), min(horizon - timedelta(days=1), date(year, 12, 31))
        if first > last:
            continue
        share = ((last - first).days + 1) / 365.25
        rest = max(0.0, per_1000(year) / 1000 * children * share - linked.get(year, 0))
        for _ in range(_poisson(rng, rest / (1 + EXTRA_PER_CHILD))):
            day = first + timedelta(days=rng.randrange((last - first).days + 1))
            cpr = _child_cpr(day - timedelta(days=rng.randrange(1, 18 * 365)), rng, taken)
            found.append((cpr, day))
            for _ in range(_poisson(rng, EXTRA_PER_CHILD)):
                found.append((cpr, first + timedelta(days=rng.randrange((last - first).days + 1))))
    result = []
    for cpr, day in sorted(found, key=lambda f: (f[1], f[0])):
        received = datetime(day.year, day.month, day.day, rng.randrange(7, 17), rng.randrange(60))
        urgent = rng.random() < URGENT
        draw = rng.random()
        if draw < defects.missing_assessment:
            assessed = None
        elif urgent:
            assessed = received + timedelta(minutes=rng.randrange(10, 240))
        elif draw < defects.missing_assessment + ASSESSED_LATE:
            assessed = received + timedelta(days=rng.randrange(2, 7), hours=rng.randrange(0, 3))
        else:
            assessed = received + timedelta(hours=rng.randrange(1, 24))
        mistyped = rng.random() < defects.invalid_notification_cpr
        notifier = rng.choices([n for n, _ in NOTIFIERS], [w for _, w in NOTIFIERS])[0]
        result.append(Notification(len(result) + 1, "00" + cpr[2:] if mistyped else cpr,  # day 00: no such date
                                   received, notifier, urgent, assessed))
    return result


def _child_cpr(born: date, rng: random.Random, taken: set[str]) -> str:
    """A replacement-style number with seventh digit 9 (1937-2036 births), which no case citizen has."""
    prefix = f"{born.day + 60:02d}{born.month:02d}{born.year % 100:02d}9"
    for _ in range(1000):
        number = f"{prefix}{rng.randrange(1000):03d}"
        if number not in taken:
            taken.add(number)
            return number
    raise RuntimeError(f"no free CPR number left for a notified child born {born}")


def visible(note: Notification, extraction: date) -> bool:
    return note.received.date() < extraction


def changed_on(note: Notification, day: date) -> bool:
    return note.received.date() == day or (note.assessed is not None and note.assessed.date() == day)


def assessed_by(note: Notification, extraction: date) -> datetime | None:
    """The assessment as the case system shows it on the extraction date."""
    return note.assessed if note.assessed is not None and note.assessed.date() < extraction else None
