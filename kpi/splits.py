"""One statement per decomposition step: every side's monthly totals on the aggregates, split or not.

The statement is a UNION ALL of parts, each giving rows of (part, who, key, month, total):

- ``part``: which side, split by which dimension (``numerator:sex``; ``numerator:`` unsplit), or
  ``months`` for the warehouse's months in the period with their days (so an average or a full-year
  figure counts months without rows as 0, exactly as ``compile_values`` does);
- ``who``: ``own`` for the municipality, ``group`` for the sum over its comparison group;
- ``key``: the child (a code, a band such as ``6-11``), NULL when the part is not split.

Each side's rows are filtered once, in a common table expression that all its parts group in their
own way: a largest-difference step weighs four dimensions for the price of one scan per side.
Months are combined into periods afterwards (kpi/figures.py), the same way for every source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Double, Select, String, case, cast, func, literal, select, union_all

from data_access.filters import choice, condition, split_key
from data_access.warehouse_schema import agg_population_month, dim_month, metadata

from .catalogue import Catalogue, Dimension, Kpi, Side

MONTHS_PART = "months"


def part_name(role: str, split: Dimension | None) -> str:
    return f"{role}:{split.name if split else ''}"


def months_part(start: date, end: date) -> Select:
    return select(literal(MONTHS_PART).label("part"), literal("own").label("who"), literal(None, String).label("key"),
                  dim_month.c.month, cast(dim_month.c.days_in_month, Double).label("total")
                  ).where(dim_month.c.month.between(start, end))


def side_parts(catalogue: Catalogue, kpi: Kpi, side: Side, role: str, own: int, peers: Sequence[int],
               start: date, end: date, choices: Sequence[tuple[Dimension, str | None]],
               split_by: Sequence[Dimension | None]) -> dict[str, Select]:
    """One part per entry of ``split_by`` (None: unsplit), all from one filtered scan of the side's fact."""
    members = [own, *peers]
    if not side.fact:  # a count KPI's denominator: 1 per municipality and month with population figures
        table = agg_population_month
        rows = (select(table.c.municipality_code.label("municipality"), table.c.month, literal(1.0).label("measure"))
                .where(table.c.municipality_code.in_(members), table.c.month.between(start, end)).distinct()
                .cte(f"{role}_rows"))
        return {part_name(role, None): _totals(part_name(role, None), rows, literal(None, String), own)}
    fact = catalogue.facts[side.fact]
    table = metadata.tables[fact.table]
    municipality = table.c[fact.municipality_column(kpi.municipality_basis)]
    columns = sorted({split.column for split in split_by if split is not None})
    conditions = [condition(table.c[column], rule) for column, rule in side.where.items()]
    conditions += [choice(table.c[d.column], d.bands, key) for d, key in choices]
    rows = (select(municipality.label("municipality"), table.c.month,
                   table.c[fact.measures[side.measure].column].label("measure"), *[table.c[c] for c in columns])
            .where(municipality.in_(members), table.c.month.between(start, end), *conditions)
            .cte(f"{role}_rows"))
    parts = {}
    for split in split_by:
        key = split_key(rows.c[split.column], split.bands) if split is not None else literal(None, String)
        parts[part_name(role, split)] = _totals(part_name(role, split), rows, key, own)
    return parts


def statement(parts: Sequence[Select]) -> Select:
    return union_all(*parts)


def _totals(part: str, rows, key, own: int) -> Select:
    # who and key are named in a subquery so the outer GROUP BY is on plain columns (PostgreSQL compares
    # grouped expressions textually, and two renderings of one CASE differ in their parameters).
    named = select(case((rows.c.municipality == own, "own"), else_="group").label("who"), key.label("key"),
                   rows.c.month, rows.c.measure).subquery()
    return (select(literal(part).label("part"), named.c.who, named.c.key, named.c.month,
                   cast(func.sum(named.c.measure), Double).label("total"))
            .group_by(named.c.who, named.c.key, named.c.month))
