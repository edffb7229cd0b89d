"""One complete delivery: every source system's files for every municipality in a profile."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

from etl.dates import add_months, month_start

from . import writers
from .finance import budgets, postings
from .population import population_table
from .profiles import Profile, load_municipalities
from .simulation import MunicipalitySimulation, ProviderPool


def published_quarters(window_start: date, as_of: date) -> list[date]:
    """Quarters DST has published by ``as_of``: figures for the 1st of a quarter come about six weeks later."""
    first = date(window_start.year, (window_start.month - 1) // 3 * 3 + 1, 1)
    latest = as_of - timedelta(days=42)
    quarters, current = [], first
    while current <= latest:
        quarters.append(current)
        current = add_months(current, 3)
    return quarters


def generate_delivery(profile: Profile, seed: int, out: Path, as_of: date | None = None) -> dict:
    if as_of is not None:
        profile = dataclasses.replace(profile, as_of=month_start(as_of))
    out.mkdir(parents=True, exist_ok=True)
    stamp = profile.as_of.strftime("%Y%m%d")
    municipalities = load_municipalities(seed)
    providers = ProviderPool(seed)
    taken_cprs: set[str] = set()
    window_start = add_months(profile.as_of, -profile.history_months)
    quarters = published_quarters(window_start, profile.as_of)
    summary = {"files": 0, "rows": 0, "grants": 0, "citizens": 0}
    all_citizens, population = {}, {}

    def wrote(rows: int) -> None:
        summary["files"] += 1
        summary["rows"] += rows

    for code in profile.municipality_codes:
        municipality = municipalities[code]
        world = MunicipalitySimulation(municipality, profile, seed, providers, taken_cprs).run()
        # A grant registered after the extraction is not in the system yet.
        grants = [g for g in world.grants if g.registered < profile.as_of]
        in_dubu = code in profile.dubu_for_children
        kmd = [g for g in grants if not (in_dubu and g.spec.area == "children")]
        dubu = [g for g in grants if in_dubu and g.spec.area == "children"]
        wrote(writers.write_kmd_grants(out / f"KMD_BV_BEVILLINGER_{code:04d}_{stamp}.csv", kmd, profile.as_of))
        if dubu:
            wrote(writers.write_dubu_grants(out / f"DUBU_INDSATSER_{code:04d}_{stamp}.jsonl", dubu, profile.as_of,
                                            seed))
        money = [p for g in kmd for p in postings(g, "KMD", str(g.number), window_start, profile.as_of)]
        money += [p for g in dubu for p in postings(g, "DUBU", writers.dubu_id(seed, g), window_start, profile.as_of)]
        wrote(writers.write_prisme_postings(out / f"PRISME_POSTERINGER_{code:04d}_{stamp}.csv", money,
                                            first_voucher=code * 1_000_000))
        wrote(writers.write_prisme_budget(out / f"PRISME_BUDGET_{code:04d}_{stamp}.csv",
                                          budgets(money, window_start, profile.as_of, seed, code)))
        population[municipality.name] = population_table(municipality.population, world.age_shares, quarters)
        summary["grants"] += len(grants)
        all_citizens.update({g.citizen.cpr: g.citizen for g in grants})

    wrote(writers.write_cpr(out / f"CPR_PERSONER_{stamp}.csv", list(all_citizens.values()), seed))
    wrote(writers.write_dst_population(out / f"DST_FOLK1A_{stamp}.csv", population))
    summary["citizens"] = len(all_citizens)
    return summary
