"""What a report shows: its kind, KPIs, dimensions, filters and chart, as a versioned plain document.

A definition is a dict that survives JSON and YAML unchanged, so the same document is stored in the
application-state store, shipped in config/standard_reports.yaml and exchanged as a template::

    schema_version: 1
    kind: benchmark            # benchmark: own vs comparison group vs country, period by period
                               # analysis: own municipality's figures split by dimensions
    kpis: [K-UBU-PLAC-1000]
    dimensions: [age_band]     # analysis only
    filters:
      municipality: null       # null: the reader's own; a code: that municipality (benchmark only)
      last_months: 12          # or period_from / period_to as YYYY-MM (last_months wins)
      period_from: null
      period_to: null
      granularity: month       # month | quarter | year (whole periods only, for both kinds)
    chart: line                # line | bar | none

``checked`` fills in defaults and refuses anything the catalogue does not know, in Danish.
"""

from __future__ import annotations

import copy
import re

from kpi.catalogue import GRANULARITIES, Catalogue
from kpi.node import DETAIL_DIMENSIONS, allowed_dimensions

SCHEMA_VERSION = 1
BENCHMARK, ANALYSIS = "benchmark", "analysis"
KINDS = {BENCHMARK: "Benchmarkrapport", ANALYSIS: "Analyserapport"}
CHARTS = {"line": "Linjediagram", "bar": "Søjlediagram", "none": "Ingen diagrammer"}
GRANULARITY_LABELS = {"month": "Måned", "quarter": "Kvartal", "year": "År"}
MONTH_TEXT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_KPIS = 20
MAX_MONTHS = 120
DEFAULT_FILTERS = {"municipality": None, "last_months": 12, "period_from": None, "period_to": None,
                   "granularity": "month"}
KNOWN_KEYS = {"schema_version", "kind", "kpis", "dimensions", "filters", "chart", "description"}


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` lists each in Danish."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def new_definition(kind: str = BENCHMARK, kpis: list[str] | None = None, **filters) -> dict:
    return {"schema_version": SCHEMA_VERSION, "kind": kind, "kpis": list(kpis or []), "dimensions": [],
            "filters": {**DEFAULT_FILTERS, **filters}, "chart": "line", "description": ""}


def dimension_names(catalogue: Catalogue) -> dict[str, str]:
    """Every dimension a report can split by: name → Danish label."""
    names = {name: d.label for name, d in catalogue.dimensions.items()}
    names.update({name: d.label for name, d in DETAIL_DIMENSIONS.items()})
    return names


def checked(definition: object, catalogue: Catalogue) -> dict:
    """The definition with defaults filled in; raises DefinitionError listing every problem."""
    if not isinstance(definition, dict):
        raise DefinitionError(["Rapportdefinitionen skal være en samling af felter (kind, kpis, filters ...)."])
    problems: list[str] = []
    result = copy.deepcopy(definition)
    version = result.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version < 1:
        raise DefinitionError([f"Ukendt skemaversion {version!r}; den skal være et helt tal fra 1."])
    if version > SCHEMA_VERSION:
        raise DefinitionError([f"Skabelonen er lavet med skemaversion {version}, som er nyere end denne "
                               f"installations (version {SCHEMA_VERSION}). Opdater Overblik for at indlæse den."])
    result["schema_version"] = SCHEMA_VERSION
    unknown_keys = sorted(set(result) - KNOWN_KEYS)
    if unknown_keys:
        problems.append("Ukendte felter: " + ", ".join(unknown_keys))
    kind = result.setdefault("kind", BENCHMARK)
    if kind not in KINDS:
        problems.append(f"Ukendt rapporttype {kind!r}; vælg benchmark eller analysis.")
    kpis = result.setdefault("kpis", [])
    if not isinstance(kpis, list) or not kpis:
        problems.append("Vælg mindst ét nøgletal.")
        kpis = []
    elif len(kpis) > MAX_KPIS:
        problems.append(f"Højst {MAX_KPIS} nøgletal i en rapport.")
    unknown = [str(k) for k in kpis if k not in catalogue.kpis]
    if unknown:
        problems.append("Ukendte nøgletal: " + ", ".join(unknown))
    dimensions = result.setdefault("dimensions", []) or []
    result["dimensions"] = dimensions
    known_dimensions = dimension_names(catalogue)
    unknown = [str(d) for d in dimensions if d not in known_dimensions]
    if unknown:
        problems.append("Ukendte dimensioner: " + ", ".join(unknown) + ". Kendte: " + ", ".join(known_dimensions))
    if dimensions and kind == BENCHMARK:
        problems.append("En benchmarkrapport opdeles ikke efter dimensioner; brug en analyserapport.")
    if kind == ANALYSIS and not unknown and kpis:
        for dimension in dimensions:
            if not any(splits_by(catalogue, k, dimension) for k in kpis if k in catalogue.kpis):
                problems.append(f"Ingen af rapportens nøgletal kan opdeles efter {known_dimensions[dimension]}.")
    filters = result.setdefault("filters", {}) or {}
    result["filters"] = {**DEFAULT_FILTERS, **filters}
    problems += _filter_problems(result["filters"], kind)
    chart = result.setdefault("chart", "line")
    if chart not in CHARTS:
        problems.append(f"Ukendt diagramtype {chart!r}; vælg " + ", ".join(CHARTS) + ".")
    result.setdefault("description", "")
    if problems:
        raise DefinitionError(problems)
    return result


def splits_by(catalogue: Catalogue, kpi_id: str, dimension: str) -> bool:
    """Can the KPI be split by the dimension (its own dimensions, or person-level ones its facts have)?"""
    return dimension in {d.name for d in allowed_dimensions(catalogue, catalogue.kpis[kpi_id])}


def _filter_problems(filters: dict, kind: str) -> list[str]:
    problems = []
    unknown = sorted(set(filters) - set(DEFAULT_FILTERS))
    if unknown:
        problems.append("Ukendte filtre: " + ", ".join(unknown))
    municipality = filters["municipality"]
    if municipality is not None and (not isinstance(municipality, int) or isinstance(municipality, bool)):
        problems.append("Kommunen skal angives som en kommunekode (fx 479) eller udelades.")
    if municipality is not None and kind == ANALYSIS:
        problems.append("En analyserapport viser altid læserens egen kommune; udelad kommunen.")
    last = filters["last_months"]
    if last is not None and (not isinstance(last, int) or not 1 <= last <= MAX_MONTHS):
        problems.append(f"Antal måneder skal være et helt tal fra 1 til {MAX_MONTHS}.")
    for key, label in (("period_from", "Fra-måneden"), ("period_to", "Til-måneden")):
        value = filters[key]
        if value is not None and not (isinstance(value, str) and MONTH_TEXT.match(value)):
            problems.append(f"{label} skal skrives ÅÅÅÅ-MM, fx 2026-01.")
    if (not problems and filters["period_from"] and filters["period_to"]
            and filters["period_from"] > filters["period_to"]):
        problems.append("Fra-måneden ligger efter til-måneden.")
    if filters["granularity"] not in GRANULARITIES:
        problems.append("Periodelængden skal være month, quarter eller year.")
    return problems
