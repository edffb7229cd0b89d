"""How children's measures end: the end reason on each ended grant, and the adult-need assessment at 17.

Runs after the rest of a municipality's simulation and draws only from random streams seeded by the
grant number, so adding it left every other draw (and so every existing grant) as it was.

End reasons (config/end_reasons.csv), primer §5.1: about 4.7-5.5 % of the placements active in a year
end in breakdown, 64 % of breakdowns at age 13-17, fewest in foster families and most in residential
homes and institutions. On the demo profile (seed 42) the shares below give 4.8-5.6 % a year (stays kept
up after 18 count as placements, and can break down too), about 1-4 % in foster families and 8-11 % at
residential homes and institutions, and 62 % of breakdowns at 13-17 (most placements that end before 18
are teenagers' anyway). Most other placement ends are a return home.

Adult need (F-KOM-TRANSITION, BL §§ 122-123): around 17 1/2 the caseworker assesses whether the young
person will need adult support. Of the assessed, most get an adult measure within 30 days of the
children's measures ending, some later and some never: the transition gap K-UBU-TRANS-GAP counts.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from etl.dates import birthday

from .measures import ADULTS, CHILD_DISABLED, CONTINUED_STAY, PLACEMENTS, YOUTH_CONTACT

if TYPE_CHECKING:
    from .simulation import Grant, MunicipalitySimulation

# Of placements that end before 18 (and not by a move), the share that breaks down, by placement type.
BREAKDOWN_SHARE = {"PF-ALMEN": 0.10, "PF-FORST": 0.12, "PF-SPEC": 0.12, "PF-KOMM": 0.10, "PF-NET": 0.06,
                   "BUH-OPH": 0.28, "BUH-DI": 0.24, "EGET-VAER": 0.18, "KOST": 0.05, "SIKRET": 0.12}
TEENAGE_FROM = 13
TEENAGE_FACTOR, CHILD_FACTOR = 1.1, 1.0  # teenagers break down far more often than young children
CHILD_LEAVES_TEEN, CHILD_LEAVES_YOUNG = 0.6, 0.2  # who ends it: the young person, or else the place
HOME_SHARE, PLANNED_SHARE = 0.65, 0.22  # the other placement ends; the rest 'other' (e.g. boarding school ends)
MOVE_DAYS = 90  # a supportive measure ending within this long after the family moved away ended by the move

# The adult-need assessment: when, and how likely, by what the young person has at 17 1/2.
ASSESSED_FROM_DAYS, ASSESSED_SPREAD_DAYS = 183, 120
NEED_SHARE = {"disabled": 0.55, "placement": 0.30, "supportive": 0.10}
# Of the assessed without an adult measure in time: within 30 days, later (31-330 days), or never.
WITHIN_30, LATER = 0.72, 0.15
ADULT_CHOICE = {"disabled": (("sel85_bolig", 0.3), ("sel108", 0.2), ("sel104", 0.2), ("sel85_hjem", 0.3)),
                "social": (("sel85_hjem", 0.6), ("sel107", 0.3), ("sel104", 0.1))}
_YOUTH_SUPPORT = (CONTINUED_STAY, YOUTH_CONTACT)
_ADULT_SPEC = {spec.key: spec for spec in ADULTS}


def _rng(sim: MunicipalitySimulation, grant: Grant, purpose: str) -> random.Random:
    return random.Random(f"{sim.seed}:{sim.m.code}:{grant.number}:{purpose}")


def _age(grant: Grant, day: date) -> float:
    return (day - grant.citizen.born).days / 365.25


def end_reasons(sim: MunicipalitySimulation) -> None:
    """The reason registered with the end of every ended children's grant (a few left without one)."""
    for grant in sim.world.grants:
        if grant.spec.area != "children" or grant.end is None:
            continue
        rng = _rng(sim, grant, "end")
        reason = _reason(grant, rng)
        grant.end_reason = None if rng.random() < sim.defects.missing_end_reason else reason


def _reason(grant: Grant, rng: random.Random) -> str:
    if grant.spec is YOUTH_CONTACT or (grant.spec is CONTINUED_STAY and grant.ended_by_age):
        return "PLANLAGT" if grant.ended_by_age or rng.random() < 0.7 else "ANDET"
    if grant.ended_by_age:
        return "FYLDT-18"
    if grant.spec in PLACEMENTS or grant.spec is CONTINUED_STAY:  # a stay kept up after 18 can break down too
        teenager = _age(grant, grant.end) >= TEENAGE_FROM
        share = BREAKDOWN_SHARE.get(grant.placement_type, 0.1) * (TEENAGE_FACTOR if teenager else CHILD_FACTOR)
        if rng.random() < share:
            leaves = CHILD_LEAVES_TEEN if teenager else CHILD_LEAVES_YOUNG
            return "SAMMENBRUD-UNG" if rng.random() < leaves else "SAMMENBRUD-STED"
        draw = rng.random()
        if grant.placement_type == "KOST":
            return "PLANLAGT" if draw < 0.7 else "HJEMGIVET"
        return "HJEMGIVET" if draw < HOME_SHARE else "PLANLAGT" if draw < HOME_SHARE + PLANNED_SHARE else "ANDET"
    if grant.ended_early:
        return "ANDET"  # ended because a placement began
    moves = [day for day, code in grant.citizen.residence[1:] if code != grant.municipality]
    if any(timedelta(0) <= grant.end - day <= timedelta(days=MOVE_DAYS) for day in moves):
        return "FRAFLYTTET"
    return "PLANLAGT" if rng.random() < 0.85 else "ANDET"


def adult_needs(sim: MunicipalitySimulation) -> None:
    """Assess the young people with a children's measure at 17 1/2; give most of the assessed an adult measure."""
    by_citizen: dict[str, list[Grant]] = {}
    for grant in sim.world.grants:
        by_citizen.setdefault(grant.citizen.cpr, []).append(grant)
    for cpr in sorted(by_citizen):
        grants = by_citizen[cpr]
        children = [g for g in grants if g.spec.area == "children" and g.spec not in _YOUTH_SUPPORT]
        if not children:
            continue
        first = min(children, key=lambda g: g.number)
        rng = _rng(sim, first, "adult_need")
        born = first.citizen.born
        day = birthday(born, 17) + timedelta(days=ASSESSED_FROM_DAYS + rng.randrange(ASSESSED_SPREAD_DAYS))
        active = [g for g in children if g.active_on(day)]
        if not active or day >= min(birthday(born, 18), sim.horizon):
            continue
        disabled = any(g.target_group == CHILD_DISABLED for g in active)
        kind = "disabled" if disabled else "placement" if any(g.spec in PLACEMENTS for g in active) else "supportive"
        if rng.random() >= NEED_SHARE[kind]:
            continue
        for grant in active:
            grant.need_assessed = day
        _adult_measure(sim, grants, rng, "disabled" if disabled else "social")


def _adult_measure(sim: MunicipalitySimulation, grants: list[Grant], rng: random.Random, kind: str) -> None:
    """An adult measure after the children's measures end: within 30 days, later or never."""
    children = [g for g in grants if g.spec.area == "children"]
    if any(g.end is None for g in children):
        return  # still supported as a child (or beyond the horizon)
    ended = max(g.end for g in children)
    if any(g.spec.area == "adults" and g.start <= ended + timedelta(days=30) and (g.end is None or g.end >= ended)
           for g in grants):
        return
    draw = rng.random()
    if draw < WITHIN_30:
        start = ended + timedelta(days=1 + rng.randrange(30))
    elif draw < WITHIN_30 + LATER:
        start = ended + timedelta(days=31 + rng.randrange(300))
    else:
        return
    if start >= sim.horizon:
        return
    keys, weights = zip(*ADULT_CHOICE[kind], strict=True)
    spec = _ADULT_SPEC[rng.choices(keys, weights)[0]]
    main_stream, sim.rng = sim.rng, rng  # the grant's own draws come from this stream too
    try:
        sim._register(sim._make_grant(spec, children[0].citizen, start))
    finally:
        sim.rng = main_stream
