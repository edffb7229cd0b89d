"""The KPI catalogue: definitions read from config/kpis.yaml and checked before any use.

Every mistake in the file (an unknown fact, measure, column or dimension, a missing
field) is reported with the KPI's id and what is wrong, so a definition that loads is
one the compiler can turn into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from data_access.settings import CONFIG_DIR
from data_access.warehouse_schema import metadata

KPI_FILE = CONFIG_DIR / "kpis.yaml"


class Direction(StrEnum):
    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"
    NEUTRAL = "neutral"
    TARGET_BAND = "target_band"


class CatalogueError(ValueError):
    """The KPI file is wrong; the message names the place."""


GRANULARITIES = ("month", "quarter", "year")
# How a measure's months combine into a quarter or a year: a stock (persons in the month) is
# averaged, a flow (spend in the month) summed, a year-to-date figure taken from the last month.
# full_year turns days into full-year persons (helårspersoner): a month's person-days divided by its
# days, a period's person-days divided by the days of its months.
OVER_TIME = ("average", "sum", "last", "full_year")
# A KPI without a denominator is a count; its "denominator" is 1 for each municipality with data in the
# month, so that a group's value is the average count per municipality (Σ count / number of municipalities).
COUNT_SIDE_LABEL = "Kommuner med data"


@dataclass(frozen=True)
class Measure:
    column: str
    label: str
    counts_persons: bool = False
    over_time: str = "average"


@dataclass(frozen=True)
class Fact:
    name: str
    table: str
    label: str
    municipality: dict[str, str] | str  # basis → column, or one column for every basis
    measures: dict[str, Measure]
    columns: tuple[str, ...]

    def municipality_column(self, basis: str) -> str:
        return self.municipality if isinstance(self.municipality, str) else self.municipality[basis]


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    column: str
    bands: tuple[tuple[int, int, str], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Side:
    """The numerator or the denominator: a measure of a fact under filters."""

    fact: str
    measure: str
    where: dict
    label: str


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    area: str
    description: str
    numerator: Side
    denominator: Side
    scale: float
    unit: str
    decimals: int
    direction: Direction
    granularity: str
    municipality_basis: str
    dimensions: tuple[str, ...]
    min_count: int  # disclosure: values built on fewer persons are suppressed across municipalities
    counted: str | None  # which side counts the persons the disclosure rule applies to
    target_band: tuple[float, float] | None = None
    sentence: str = ""  # plain language with {value}, e.g. "Vi har {value} anbragte pr. 1.000 0-22-årige"
    is_count: bool = False  # no denominator: the value is the numerator itself


    def plain(self, value: str) -> str:
        return self.sentence.format(value=value) if self.sentence else f"{self.name} er {value} {self.unit}"


@dataclass(frozen=True)
class Catalogue:
    facts: dict[str, Fact]
    dimensions: dict[str, Dimension]
    kpis: dict[str, Kpi]

    def kpi(self, kpi_id: str) -> Kpi:
        try:
            return self.kpis[kpi_id]
        except KeyError:
            raise CatalogueError(f"ukendt nøgletal: {kpi_id}") from None


def load_catalogue(path: Path = KPI_FILE) -> Catalogue:
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    facts = {name: _fact(name, spec) for name, spec in document["facts"].items()}
    dimensions = {name: _dimension(name, spec) for name, spec in document["dimensions"].items()}
    kpis = {}
    for spec in document["kpis"]:
        kpi = _kpi(spec, facts, dimensions)
        if kpi.id in kpis:
            raise CatalogueError(f"{path}: nøgletallet {kpi.id} er defineret to gange")
        kpis[kpi.id] = kpi
    return Catalogue(facts, dimensions, kpis)


def _fact(name: str, spec: dict) -> Fact:
    table = metadata.tables.get(spec["table"])
    if table is None:
        raise CatalogueError(f"fakta {name}: tabellen {spec['table']} findes ikke i lageret")
    measures = {key: Measure(m["column"], m.get("label", key), m.get("counts_persons", False),
                             m.get("over_time", ""))
                for key, m in spec["measures"].items()}
    for key, measure in measures.items():
        if measure.over_time not in OVER_TIME:
            raise CatalogueError(f"fakta {name}: målet {key} skal have over_time: " + ", ".join(OVER_TIME))
    municipality = spec["municipality"]
    used = [m.column for m in measures.values()] + list(spec.get("columns", []))
    used += [municipality] if isinstance(municipality, str) else list(municipality.values())
    for column in used:
        if column not in table.c:
            raise CatalogueError(f"fakta {name}: kolonnen {column} findes ikke i {table.name}")
    return Fact(name, table.name, spec.get("label", name), municipality, measures, tuple(spec.get("columns", [])))


def _dimension(name: str, spec: dict) -> Dimension:
    bands = tuple((int(lo), int(hi), str(label)) for lo, hi, label in spec.get("bands", []))
    return Dimension(name, spec["label"], spec["column"], bands, dict(spec.get("labels", {})))


def _side(kpi_id: str, which: str, spec: dict, facts: dict[str, Fact]) -> Side:
    fact = facts.get(spec.get("fact"))
    if fact is None:
        raise CatalogueError(f"{kpi_id}: {which} bruger en ukendt fakta {spec.get('fact')!r}")
    if spec.get("measure") not in fact.measures:
        raise CatalogueError(f"{kpi_id}: {which} bruger et ukendt mål {spec.get('measure')!r} på {fact.name}")
    where = spec.get("where", {}) or {}
    for column, condition in where.items():
        if column not in fact.columns:
            raise CatalogueError(f"{kpi_id}: {which} filtrerer på {column}, som {fact.name} ikke har")
        if isinstance(condition, dict) and set(condition) != {"between"}:
            raise CatalogueError(f"{kpi_id}: {which}: filteret på {column} skal være en værdi, en liste "
                                 "eller {between: [fra, til]}")
    return Side(fact.name, spec["measure"], where, spec.get("label", fact.measures[spec["measure"]].label))


_REQUIRED = ("id", "name", "area", "description", "numerator", "unit", "direction",
             "granularity", "municipality_basis")


def _kpi(spec: dict, facts: dict[str, Fact], dimensions: dict[str, Dimension]) -> Kpi:
    kpi_id = spec.get("id", "<uden id>")
    missing = [key for key in _REQUIRED if key not in spec]
    if missing:
        raise CatalogueError(f"{kpi_id}: mangler " + ", ".join(missing))
    try:
        direction = Direction(spec["direction"])
    except ValueError:
        raise CatalogueError(f"{kpi_id}: ukendt retning {spec['direction']!r}") from None
    numerator = _side(kpi_id, "tælleren", spec["numerator"], facts)
    is_count = "denominator" not in spec
    denominator = (Side("", "", {}, COUNT_SIDE_LABEL) if is_count
                   else _side(kpi_id, "nævneren", spec["denominator"], facts))
    for side in (numerator,) if is_count else (numerator, denominator):
        fact = facts[side.fact]
        if isinstance(fact.municipality, dict) and spec["municipality_basis"] not in fact.municipality:
            raise CatalogueError(f"{kpi_id}: {fact.name} kender ikke kommunegrundlaget {spec['municipality_basis']}")
    unknown = [d for d in spec.get("dimensions", []) if d not in dimensions]
    if unknown:
        raise CatalogueError(f"{kpi_id}: ukendte dimensioner " + ", ".join(unknown))
    if spec["granularity"] not in GRANULARITIES:
        raise CatalogueError(f"{kpi_id}: granularity skal være en af " + ", ".join(GRANULARITIES))
    band = spec.get("target_band")
    if direction is Direction.TARGET_BAND and not band:
        raise CatalogueError(f"{kpi_id}: retningen target_band kræver target_band: [fra, til]")
    disclosure = spec.get("disclosure", {}) or {}
    counted = disclosure.get("counted")
    if counted not in (None, "numerator", "denominator") or (is_count and counted == "denominator"):
        raise CatalogueError(f"{kpi_id}: disclosure.counted skal være numerator eller (med en nævner) denominator")
    return Kpi(
        id=kpi_id, name=spec["name"], area=spec["area"], description=spec["description"], numerator=numerator,
        denominator=denominator, scale=float(spec.get("scale", 1)), unit=spec["unit"],
        decimals=int(spec.get("decimals", 1)), direction=direction, granularity=spec["granularity"],
        municipality_basis=spec["municipality_basis"], dimensions=tuple(spec.get("dimensions", [])),
        min_count=int(disclosure.get("min_count", 5)), counted=counted,
        target_band=(float(band[0]), float(band[1])) if band else None, sentence=spec.get("sentence", ""),
        is_count=is_count,
    )
