"""What the decomposition and trace tests share: a fixed comparison group and two KPIs of their own.

The tests must not move when config/comparison_groups.yaml or config/kpis.yaml are edited, so
Svendborg's group is pinned to the scenario's Middelfart and Assens, and the full-year and count
cases use KPIs defined here on the catalogue's own facts.
"""

from __future__ import annotations

from dataclasses import replace

from kpi.catalogue import COUNT_SIDE_LABEL, Catalogue, Measure, Side, load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups

PEERS = {479: (410, 420)}  # tests/scenario.py: Middelfart and Assens
FULL_YEAR_COUNT = "T-FULL-YEAR-PERSONS"  # every person-month of the municipality, in full-year persons
UNSUPPRESSED = "T-PLAC-1000-UNSUPPRESSED"  # K-UBU-PLAC-1000 with no disclosure threshold: small group cells shown


class PinnedPeers:
    """The real comparison groups, except that 479 is compared with 410 and 420 only."""

    def __init__(self, groups):
        self._groups = groups

    def peers(self, code: int) -> tuple[int, ...]:
        return PEERS.get(code, ())

    def __getattr__(self, name):
        return getattr(self._groups, name)


def pinned_catalogue() -> Catalogue:
    catalogue = load_catalogue()
    persons = catalogue.facts["persons"]
    full_year = Measure("person_days", "Helårspersoner", False, "full_year")
    facts = {**catalogue.facts, "persons": replace(persons, measures={**persons.measures, "test_full_year": full_year})}
    placements = catalogue.kpis["K-UBU-PLAC-1000"]
    kpis = {
        **catalogue.kpis,
        FULL_YEAR_COUNT: replace(
            placements, id=FULL_YEAR_COUNT, name="Helårspersoner i alt",
            numerator=Side("persons", "test_full_year", {}, "Helårspersoner"),
            denominator=Side("", "", {}, COUNT_SIDE_LABEL), is_count=True, scale=1.0,
            dimensions=("placement_type", "measure_group", "sex"), min_count=0, counted=None),
        UNSUPPRESSED: replace(placements, id=UNSUPPRESSED, min_count=0, counted=None),
    }
    return Catalogue(facts, catalogue.dimensions, kpis)


def pinned_engine(installation) -> KpiEngine:
    return KpiEngine(pinned_catalogue(), PinnedPeers(load_groups()), installation.warehouse)

