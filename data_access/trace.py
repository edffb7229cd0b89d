"""Person-level reads behind KPI figures: the fact rows with their lineage, and splits the aggregates lack.

Who may see what (whatever the caller asks):

- a leader: every row of their own municipality;
- a caseworker: in their own municipality, the rows of their own cases (a person-month or posting
  whose grant is theirs) and the rows that describe no person (population figures, budget lines);
  the splits by provider, caseworker and unit are management information and are refused;
- a politician or an administrator: nothing at person level;
- nobody: another municipality's rows.

Rows carry the citizen's pseudonym (``citizen_key``), never a CPR number or a name. Every read is
written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from sqlalchemy import Select, String, func, literal, select

from . import fact_sources
from .appstate import AppState, current_appstate
from .filters import Band, choice, condition, split_key
from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import meta_load

Choice = tuple[str, tuple[Band, ...], str | None]  # column, its bands, the chosen key

PERSON_FREE = {"agg_population_month", "agg_budget_month"}  # their facts describe no person


def fact_rows(scope: UserScope, aggregate: str, measure: str, municipality_column: str, municipality: int,
              months: Sequence[date], where: dict, choices: Sequence[Choice] = (), purpose: str = "",
              warehouse: Warehouse | None = None, appstate: AppState | None = None) -> pd.DataFrame:
    """The fact rows behind ``aggregate.measure`` in ``months`` under the filters, with the time of the ETL
    run that loaded each; only the rows the scope may see."""
    _require_rows(scope, municipality)
    source = _filtered(aggregate, measure, municipality_column, municipality, months, where, choices)
    if scope.role is Role.CASEWORKER and aggregate not in PERSON_FREE:
        source = source.where(source.selected_columns.responsible_caseworker == scope.caseworker_key)
    inner = source.subquery("facts")
    statement = (
        select(inner, meta_load.c.finished_at.label("etl_run_finished_at"))
        .select_from(inner.outerjoin(meta_load, meta_load.c.run_id == inner.c.etl_run_id))
        .order_by(inner.c.month, inner.c.source_file, inner.c.source_line)
    )
    frame = (warehouse or current_warehouse()).query(statement)
    _audit(scope, appstate, "trace_kpi", f"{purpose}: {len(frame)} rækker fra {aggregate} i kommune {municipality}")
    return frame


def fact_totals(scope: UserScope, aggregate: str, measure: str, municipality_column: str, municipality: int,
                months: Sequence[date], where: dict, choices: Sequence[Choice] = (),
                split: tuple[str, tuple[Band, ...]] | None = None, purpose: str = "",
                warehouse: Warehouse | None = None, appstate: AppState | None = None) -> pd.DataFrame:
    """``aggregate.measure`` summed from its facts per month and child of ``split`` (a column of the
    facts, e.g. provider_key): columns month, key, label, total. For a leader's own municipality only."""
    scope.require(Role.LEADER)
    _require_rows(scope, municipality)
    inner = _filtered(aggregate, measure, municipality_column, municipality, months, where, choices).subquery()
    key, label, groups = literal(None, String), literal(None, String), []
    if split is not None:
        column, bands = split
        key = split_key(inner.c[column], bands)
        groups = [key]
        if column in fact_sources.PERSON_DETAIL_LABELS:
            label = func.max(inner.c[fact_sources.PERSON_DETAIL_LABELS[column]])
    statement = (select(inner.c.month, key.label("key"), label.label("label"), func.sum(inner.c.amount).label("total"))
                 .group_by(inner.c.month, *groups))
    frame = (warehouse or current_warehouse()).query(statement)
    _audit(scope, appstate, "decompose_detail", f"{purpose}: {aggregate} i kommune {municipality}")
    return frame


def _filtered(aggregate: str, measure: str, municipality_column: str, municipality: int, months: Sequence[date],
              where: dict, choices: Sequence[Choice]) -> Select:
    if not fact_sources.supported(aggregate):
        raise LookupError(f"Tallene i {aggregate} kan endnu ikke føres tilbage til de enkelte rækker.")
    source = fact_sources.rows(aggregate, measure, municipality_column, municipality, months).subquery("source")
    conditions = [condition(source.c[column], rule) for column, rule in where.items()]
    conditions += [choice(source.c[column], bands, key) for column, bands, key in choices]
    return select(source).where(*conditions)


def _require_rows(scope: UserScope, municipality: int) -> None:
    if scope.role is Role.POLITICIAN:
        raise AccessDenied("Som politiker ser du de samlede tal, ikke de enkelte sager og rækker bag dem.")
    scope.require(Role.LEADER, Role.CASEWORKER)
    if municipality != scope.municipality_code:
        raise AccessDenied("Du kan kun se rækkerne bag tallene for din egen kommune.")
    if scope.role is Role.CASEWORKER and not scope.caseworker_key:
        raise AccessDenied("Din bruger er ikke knyttet til en sagsbehandler i fagsystemerne. Kontakt din lokale "
                           "administrator.")


def _audit(scope: UserScope, appstate: AppState | None, action: str, detail: str) -> None:
    (appstate or current_appstate()).audit(scope, action, detail)

