"""Deliveries: every source system's files on an extraction date, in full or as one night's delta.

Both are views of one simulated world (see docs/design-deliveries.md), so a full delivery on X and
a full delivery on X-1 followed by the delta for X describe the same registrations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from etl.dates import add_months

from . import notification_writers, notifications, reimbursement, writers
from .extraction import changed_on, first_seen, moves_on, visible
from .finance import GrantLedger, budget_view, budgets, postings
from .population import population_table
from .profiles import Municipality, Profile, Systems, load_municipalities, systems_for
from .simulation import Citizen, Grant, MunicipalitySimulation, MunicipalityWorld, ProviderPool

PUBLICATION_LAG = timedelta(days=42)  # DST publishes a quarter's population about six weeks after it starts
_STAMP = re.compile(r"_(\d{8})\.(csv|jsonl|xml)$")


class DeliveryError(ValueError):
    """The delivery cannot be made as asked; the message says why."""


@dataclass
class Summary:
    extraction: date
    kind: str  # full | delta
    files: int = 0
    rows: int = 0
    grants: int = 0
    people: int = 0

    def wrote(self, rows: int) -> None:
        self.files += 1
        self.rows += rows


@dataclass
class _Simulated:
    municipality: Municipality
    systems: Systems
    world: MunicipalityWorld
    ledger: GrantLedger
    budget_rows: list[dict]
    system_of: dict[int, str] = field(default_factory=dict)
    references: dict[int, str] = field(default_factory=dict)
    notifications: list[notifications.Notification] = field(default_factory=list)
    transfers: list[reimbursement.Transfer] = field(default_factory=list)


def generate_delivery(profile: Profile, seed: int, out: Path, extraction: date | None = None) -> Summary:
    """The full delivery on ``extraction`` (default: the profile's extraction date)."""
    return _deliver(profile, seed, out, extraction or profile.as_of, delta=False)


def generate_next_night(profile: Profile, seed: int, out: Path) -> Summary:
    """The delta for the night after the newest delivery in ``out``."""
    stamps = [m.group(1) for p in out.iterdir() if (m := _STAMP.search(p.name))] if out.is_dir() else []
    if not stamps:
        raise DeliveryError(f"{out} har ingen leverancer endnu; generér først en fuld leverance")
    last = date(int(max(stamps)[:4]), int(max(stamps)[4:6]), int(max(stamps)[6:]))
    return _deliver(profile, seed, out, last + timedelta(days=1), delta=True)


def simulate(profile: Profile, seed: int) -> Iterator[_Simulated]:
    """Each municipality's world, grants, postings and budgets, one municipality at a time."""
    municipalities = load_municipalities(seed)
    codes = sorted(profile.municipality_codes or municipalities)
    systems = systems_for(profile, codes, seed)
    providers = ProviderPool(seed)
    taken_cprs: set[str] = set()
    notified: set[str] = set()  # the notified children's own numbers, apart from taken_cprs
    horizon = add_months(profile.as_of, profile.horizon_months)
    for code in codes:
        municipality = municipalities[code]
        neighbours = [c for c in codes if c != code and municipalities[c].region_code == municipality.region_code]
        world = MunicipalitySimulation(municipality, profile, seed, providers, taken_cprs, neighbours).run()
        chosen = systems[code]
        system_of = {g.number: chosen.children if g.spec.area == "children" else chosen.adults for g in world.grants}
        references = {g.number: writers.grant_reference(system_of[g.number], seed, g) for g in world.grants}
        ledger = postings(world.grants, system_of, references, profile.history_start, horizon, profile.defects, seed,
                          code)
        notes = notifications.notifications(world, profile.history_start, horizon, seed, profile.defects, notified)
        yield _Simulated(municipality, chosen, world, ledger,
                         budgets(ledger, profile.history_start, horizon, seed, code), system_of, references, notes,
                         reimbursement.transfers(world.grants, ledger, code, horizon, seed))


def _deliver(profile: Profile, seed: int, out: Path, extraction: date, delta: bool) -> Summary:
    horizon = add_months(profile.as_of, profile.horizon_months)
    if not profile.history_start < extraction <= horizon:
        raise DeliveryError(f"udtræksdatoen {extraction} ligger uden for den simulerede periode "
                            f"({profile.history_start} - {horizon})")
    out.mkdir(parents=True, exist_ok=True)
    stamp = extraction.strftime("%Y%m%d")
    day = extraction - timedelta(days=1)
    summary = Summary(extraction, "delta" if delta else "full")
    people: dict[str, Citizen] = {}
    seen: dict[str, date] = {}
    children: dict[str, Citizen] = {}
    population: dict[str, dict] = {}
    quarters = _quarters(profile.history_start, horizon)
    transfers: list[reimbursement.Transfer] = []
    finance: dict[int, str] = {}
    for simulated in simulate(profile, seed):
        code = simulated.municipality.code
        transfers += simulated.transfers
        finance[code] = simulated.systems.finance
        grants = simulated.world.grants
        shown = [g for g in grants if (changed_on(g, day) if delta else visible(g, extraction))]
        _write_case_files(out, stamp, code, shown, simulated, extraction, seed, summary)
        notes = [n for n in simulated.notifications
                 if (notifications.changed_on(n, day) if delta else notifications.visible(n, extraction))]
        if notes or not delta:
            summary.wrote(notification_writers.write(simulated.systems.children, out, code, stamp, notes, extraction,
                                                     seed))
        first = day if delta else profile.history_start
        selected = simulated.ledger.between(first, day)
        if len(selected) or not delta:
            table = simulated.ledger.table(selected)
            if simulated.systems.finance == "PRISME":
                summary.wrote(writers.write_prisme_postings(out / f"PRISME_POSTERINGER_{code:04d}_{stamp}.csv", table))
            else:
                summary.wrote(writers.write_opus_postings(out / f"OPUS_POSTERINGER_{code:04d}_{stamp}.csv", table))
        if not delta or day.day == 1:
            rows = [r for r in budget_view(simulated.budget_rows, extraction) if not delta or r["year"] == day.year]
            if simulated.systems.finance == "PRISME":
                summary.wrote(writers.write_prisme_budget(out / f"PRISME_BUDGET_{code:04d}_{stamp}.csv", rows))
            else:
                summary.wrote(writers.write_opus_budget(out / f"OPUS_BUDGET_{code:04d}_{stamp}.csv", rows))
        measured = [(g.citizen.cpr, when, "TRIVSEL" if g.spec.area == "children" else "VUM", score,
                     simulated.system_of[g.number], simulated.references[g.number])
                    for g in grants if visible(g, extraction) for when, score in g.assessments
                    if (when == day if delta else profile.history_start <= when <= day)]
        if measured or not delta:
            summary.wrote(writers.write_assessments(out / f"MAALINGER_{code:04d}_{stamp}.csv", sorted(measured)))
        for cpr, when in first_seen(grants).items():
            seen[cpr] = min(when, seen.get(cpr, when))
        for grant in grants:
            people[grant.citizen.cpr] = grant.citizen
            children.update({grant.citizen.cpr: grant.citizen} if grant.citizen.parents else {})
            people.update({parent.cpr: parent for parent in grant.citizen.parents})
        population[simulated.municipality.name] = population_table(
            simulated.municipality.population, simulated.world.age_shares, quarters)
        summary.grants += len(shown)
    _write_cpr(out, stamp, extraction, people, seen, children, delta, summary)
    # Reimbursements go into the paying municipality's books too, known only once its debtors are simulated.
    vouchers = reimbursement.numbered(transfers)
    for code in sorted(finance):
        booked = [(v, t) for v, t in vouchers
                  if t.municipality == code and (t.day == day if delta else t.day <= day)]
        if booked:
            system = "PRISME" if finance[code] == "PRISME" else "OPUS"
            summary.rows += reimbursement.append_postings(
                out / f"{system}_POSTERINGER_{code:04d}_{stamp}.csv", finance[code], booked)
    published = [q for q in quarters if (q + PUBLICATION_LAG == day if delta else q + PUBLICATION_LAG <= day)]
    if published or not delta:
        tables = {name: {k: v for k, v in table.items() if k[0] in published} for name, table in population.items()}
        summary.wrote(writers.write_dst_population(out / f"DST_FOLK1A_{stamp}.csv", tables))
    return summary


def _write_case_files(out: Path, stamp: str, code: int, shown: list[Grant], simulated: _Simulated, extraction: date,
                      seed: int, summary: Summary) -> None:
    by_system: dict[str, list[Grant]] = {}
    for grant in shown:
        by_system.setdefault(simulated.system_of[grant.number], []).append(grant)
    full = summary.kind == "full"
    for system in sorted({simulated.systems.children, simulated.systems.adults}):
        grants = by_system.get(system, [])
        if not grants and not full:
            continue
        if system == "KMD":
            summary.wrote(writers.write_kmd_grants(out / f"KMD_BV_BEVILLINGER_{code:04d}_{stamp}.csv", grants,
                                                   extraction))
        elif system == "DUBU":
            summary.wrote(writers.write_dubu_measures(out / f"DUBU_INDSATSER_{code:04d}_{stamp}.jsonl", grants,
                                                      extraction, seed))
        else:
            summary.wrote(writers.write_as2007_grants(out / f"AS2007_BEVILLINGER_{code:04d}_{stamp}.xml", grants,
                                                      extraction, code))


def _write_cpr(out: Path, stamp: str, extraction: date, people: dict[str, Citizen], seen: dict[str, date],
               children: dict[str, Citizen], delta: bool, summary: Summary) -> None:
    """Persons who appear in a case system (with their parents), where they have lived, and who is whose parent.

    A delta holds the persons seen for the first time and those who moved that day: for a move,
    the address period that closed and the one that began.
    """
    day = extraction - timedelta(days=1)
    new = {cpr for cpr, when in seen.items() if when == day} if delta else set()
    if delta:
        moved = {cpr for cpr, person in people.items() if seen.get(cpr, extraction) < day and moves_on(person, day)}
        chosen = sorted(new | moved)
        if not chosen:
            return
    else:
        chosen = sorted(cpr for cpr, when in seen.items() if when < extraction)
    persons = [people[cpr] for cpr in chosen]
    summary.people += len(persons)
    summary.wrote(writers.write_cpr_persons(out / f"CPR_PERSONER_{stamp}.csv", persons, extraction))
    periods = []
    for person in persons:
        history = [(moved_in, code) for moved_in, code in person.residence if moved_in <= day]
        for index, (moved_in, code) in enumerate(history):
            moved_out = history[index + 1][0] - timedelta(days=1) if index + 1 < len(history) else None
            if not delta or person.cpr in new or moved_in == day or moved_out == day - timedelta(days=1):
                periods.append((person.cpr, code, moved_in, moved_out))
    summary.wrote(writers.write_cpr_addresses(out / f"CPR_ADRESSER_{stamp}.csv", periods))
    related = [children[cpr] for cpr in chosen if cpr in children and (not delta or cpr in new)]
    if related or not delta:
        summary.wrote(writers.write_cpr_relations(out / f"CPR_RELATIONER_{stamp}.csv", related))


def _quarters(history_start: date, horizon: date) -> list[date]:
    first = date(history_start.year, (history_start.month - 1) // 3 * 3 + 1, 1)
    quarters, current = [], first
    while current < horizon:
        quarters.append(current)
        current = add_months(current, 3)
    return quarters
