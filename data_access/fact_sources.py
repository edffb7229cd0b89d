"""The fact rows behind each aggregate cell, as etl/derive.py builds the aggregates from them.

``rows(aggregate, measure, ...)`` gives, for every requested month, the fact rows counted in that
month's cell of the aggregate, one row per fact row and month, with

- ``month``: the aggregate month the row counts in (a population quarter counts in each of its
  months, a posting in every year-to-date month from its own to December),
- ``amount``: what the row adds to the measure in that month,
- the aggregate's own column names (area, age, function_code, ...), so a KPI's filters and a
  decomposition's choices select the same rows here as on the aggregate,
- lineage: ``source_file``, ``source_line``, ``etl_run_id`` (a person-month takes its grant's),
- ``responsible_caseworker``: the caseworker whose case the row belongs to (NULL for population and
  budget lines, which describe no person), for a caseworker's own-case view.

Any change to how etl/derive.py builds an aggregate must be mirrored here; the tests re-aggregate
these rows and compare them with the aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, and_, extract, func, literal, select

from .warehouse_schema import (
    dim_account_function,
    dim_caseworker,
    dim_month,
    dim_provider,
    fact_budget,
    fact_grant,
    fact_payment,
    fact_person_month,
    fact_population,
)

# Columns the facts behind an aggregate can be split by although the aggregate lacks them.
DETAIL_COLUMNS = {"agg_persons_month": ("provider_key", "caseworker_key", "unit")}
# Their Danish labels, where the key alone says little.
PERSON_DETAIL_LABELS = {"provider_key": "provider_name", "caseworker_key": "caseworker_name"}


def supported(aggregate: str) -> bool:
    return aggregate in _SOURCES


def rows(aggregate: str, measure: str, municipality_column: str, municipality: int,
         months: Sequence[date]) -> Select:
    """The fact rows behind ``aggregate.measure`` for one municipality in ``months``."""
    return _SOURCES[aggregate](measure, municipality_column, municipality, list(months))


def _persons(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    person = fact_person_month
    amount = {"persons": literal(1), "person_days": person.c.days_active}[measure]
    return (
        select(
            person.c.month, amount.label("amount"),
            *[c for c in person.c if c.name != "month"],
            dim_caseworker.c.name.label("caseworker_name"), dim_caseworker.c.unit,
            dim_provider.c.name.label("provider_name"),
            fact_grant.c.source_file, fact_grant.c.source_line, fact_grant.c.etl_run_id,
            person.c.caseworker_key.label("responsible_caseworker"),
        )
        .select_from(
            person.outerjoin(fact_grant, fact_grant.c.grant_key == person.c.grant_key)
            .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == person.c.caseworker_key)
            .outerjoin(dim_provider, dim_provider.c.provider_key == person.c.provider_key)
        )
        .where(person.c[municipality_column] == municipality, person.c.month.in_(months))
    )


def _population(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """Each month takes the newest quarter counted by then, as agg_population_month does."""
    population = fact_population
    quarters = (select(population.c.quarter_start).distinct()
                .where(population.c.municipality_code == municipality).subquery("quarters"))
    latest = (
        select(dim_month.c.month, func.max(quarters.c.quarter_start).label("quarter_start"))
        .select_from(dim_month.join(quarters, quarters.c.quarter_start <= dim_month.c.month))
        .where(dim_month.c.month.in_(months))
        .group_by(dim_month.c.month)
        .subquery("latest")
    )
    return (
        select(latest.c.month, population.c.persons.label("amount"), population.c.municipality_code,
               population.c.quarter_start, population.c.age, population.c.sex, population.c.persons,
               population.c.source_file, population.c.source_line, population.c.etl_run_id,
               literal(None).label("responsible_caseworker"))
        .select_from(latest.join(population, and_(population.c.quarter_start == latest.c.quarter_start,
                                                  population.c.municipality_code == municipality)))
    )


def _spend(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """A posting counts in its accounting month; year to date, in that month and the rest of its year."""
    payment, month = fact_payment, dim_month
    same_month = payment.c.period_month == month.c.month
    year_to_date = and_(extract("year", payment.c.period_month) == month.c.year,
                        payment.c.period_month <= month.c.month)
    counted = {"amount": same_month, "amount_ytd": year_to_date}[measure]
    return (
        select(month.c.month, payment.c.amount.label("amount"), payment.c.municipality_code,
               payment.c.voucher, payment.c.posting_date, payment.c.period_month, payment.c.citizen_key,
               payment.c.grant_key, payment.c.function_code, dim_account_function.c.area,
               payment.c.amount.label("posting_amount"),
               payment.c.source_file, payment.c.source_line, payment.c.etl_run_id,
               fact_grant.c.caseworker_key.label("responsible_caseworker"))
        .select_from(
            payment.join(month, counted)
            .join(dim_account_function, dim_account_function.c.function_code == payment.c.function_code)
            .outerjoin(fact_grant, fact_grant.c.grant_key == payment.c.grant_key)
        )
        .where(payment.c.municipality_code == municipality, month.c.month.in_(months))
    )


def _budget(measure: str, municipality_column: str, municipality: int, months: list[date]) -> Select:
    """The corrected budget, year to date pro rata for the months of its year that the history covers."""
    ranked = select(
        dim_month.c.month, dim_month.c.year,
        func.row_number().over(partition_by=dim_month.c.year, order_by=dim_month.c.month).label("months_so_far"),
    ).subquery("ranked")
    budget = fact_budget
    amount = {
        "budget_full_year": budget.c.corrected_budget,
        "budget_ytd": func.round(budget.c.corrected_budget * ranked.c.months_so_far / 12, 2),
    }[measure]
    return (
        select(ranked.c.month, amount.label("amount"), budget.c.municipality_code, budget.c.year,
               budget.c.function_code, dim_account_function.c.area, budget.c.original_budget,
               budget.c.corrected_budget, budget.c.source_file, budget.c.source_line, budget.c.etl_run_id,
               literal(None).label("responsible_caseworker"))
        .select_from(
            budget.join(ranked, ranked.c.year == budget.c.year)
            .join(dim_account_function, dim_account_function.c.function_code == budget.c.function_code)
        )
        .where(budget.c.municipality_code == municipality, ranked.c.month.in_(months))
    )


_SOURCES = {
    "agg_persons_month": _persons,
    "agg_population_month": _population,
    "agg_spend_month": _spend,
    "agg_budget_month": _budget,
}
