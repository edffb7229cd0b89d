"""Record-level extracts (F-DATA-RAWEXTRACT) of the user's own municipality, pseudonymised.

Leaders and local administrators may take the rows of their own municipality out of Overblik, to
join them with other systems. What leaves carries the citizen's pseudonym (``citizen_key``) and no
name, CPR number, case number or free text, and only rows of the user's own municipality, whatever
is asked. Every extract is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Column, Table, select

from .appstate import AppState, current_appstate
from .scope import Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import fact_assessment, fact_grant, fact_payment, fact_person_month

EXTRACTORS = (Role.LEADER, Role.ADMIN)


@dataclass(frozen=True)
class Dataset:
    label: str
    table: Table
    municipality: str  # the column that says whose row it is
    columns: tuple[str, ...]
    order: tuple[str, ...]

    def selected(self) -> list[Column]:
        return [self.table.c[name] for name in self.columns]


DATASETS = {
    "grants": Dataset(
        "Bevillinger", fact_grant, "acting_municipality_code",
        ("grant_key", "source_system", "citizen_key", "caseworker_key", "acting_municipality_code",
         "paying_municipality_code", "area", "measure_group", "legal_basis_code", "measure_text",
         "placement_type_code", "target_group", "provider_key", "grant_date", "start_date", "end_date",
         "registered_date", "rate", "rate_unit", "fee_count", "monthly_cost", "function_code", "source_file",
         "source_line"),
        ("grant_key",)),
    "payments": Dataset(
        "Udbetalinger", fact_payment, "municipality_code",
        ("municipality_code", "citizen_key", "source_system", "grant_key", "function_code", "posting_date",
         "period_month", "service_month", "amount", "source_file", "source_line"),
        ("posting_date", "source_file", "source_line")),
    "person_months": Dataset(
        "Personer pr. måned", fact_person_month, "acting_municipality_code",
        ("citizen_key", "month", "area", "measure_group", "grant_key", "paying_municipality_code",
         "acting_municipality_code", "placement_type_code", "legal_basis_code", "caseworker_key", "provider_key",
         "target_group", "age", "sex", "days_active"),
        ("month", "citizen_key", "measure_group")),
    "assessments": Dataset(
        "Målinger af funktionsniveau og trivsel", fact_assessment, "municipality_code",
        ("municipality_code", "citizen_key", "assessment_date", "instrument", "score", "source_system", "grant_key",
         "source_file", "source_line"),
        ("assessment_date", "citizen_key")),
}


def raw_extract(scope: UserScope, dataset: str, warehouse: Warehouse | None = None,
                appstate: AppState | None = None) -> pd.DataFrame:
    """Every row of ``dataset`` for the user's own municipality, pseudonymised."""
    scope.require(*EXTRACTORS)
    if dataset not in DATASETS:
        raise KeyError(f"Ukendt udtræk {dataset!r}; vælg " + ", ".join(DATASETS))
    spec = DATASETS[dataset]
    statement = (select(*spec.selected())
                 .where(spec.table.c[spec.municipality] == scope.municipality_code)
                 .order_by(*(spec.table.c[name] for name in spec.order)))
    frame = (warehouse or current_warehouse()).query(statement)
    (appstate or current_appstate()).audit(
        scope, "extract_raw", f"{spec.label}: {len(frame)} rækker for kommune {scope.municipality_code}")
    return frame
