"""Extracts as files: record-level rows of the own municipality and KPI values of every municipality.

Record-level rows come from data_access/extracts.py (own municipality, pseudonymised). KPI values
(F-DATA-KPIEXTRACT) come from the KPI engine for all municipalities, with its disclosure control: a
value resting on too few persons in another municipality is left empty. A local administrator reads
them with aggregate rights only. Both are audit-logged and written as CSV or Parquet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import pandas as pd

from data_access import extracts
from data_access.appstate import AppState, current_appstate
from data_access.scope import Role, UserScope
from data_access.warehouse import Warehouse
from kpi.engine import KpiEngine, period_label

EXTRACT_FORMATS = {"csv": "CSV", "parquet": "Parquet"}
KPI_COLUMNS = ["kpi_id", "municipality_code", "municipality_name", "period", "numerator", "denominator", "value",
               "suppressed"]


def raw_file(scope: UserScope, dataset: str, file_format: str, warehouse: Warehouse | None = None,
             appstate: AppState | None = None) -> bytes:
    return as_file(extracts.raw_extract(scope, dataset, warehouse, appstate), file_format)


def kpi_values(scope: UserScope, kpi_ids: Sequence[str], start: date | None = None, end: date | None = None,
               granularity: str = "month", engine: KpiEngine | None = None,
               appstate: AppState | None = None) -> pd.DataFrame:
    """Every municipality's values of the KPIs, as the engine shows them to the user (suppressed ones empty)."""
    scope.require(*extracts.EXTRACTORS)
    engine = engine or KpiEngine.default()
    reader = scope if scope.role is Role.LEADER else UserScope(scope.username, Role.POLITICIAN, scope.municipality_code)
    frames = []
    for kpi_id in kpi_ids:
        frame = engine.values(reader, kpi_id, None, start, end, granularity)
        frame = frame[~((frame["numerator"] == 0) & (frame["denominator"] == 0))]  # no one to count: no figure
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KPI_COLUMNS)
    result["period"] = [period_label(pd.Timestamp(p).date(), granularity) for p in result["period"]]
    result["municipality_name"] = [engine.groups.name(m) for m in result["municipality_code"]]
    (appstate or current_appstate()).audit(
        scope, "extract_kpi", f"{', '.join(kpi_ids)} ({granularity}): {len(result)} rækker for alle kommuner")
    return result[KPI_COLUMNS]


def kpi_file(scope: UserScope, kpi_ids: Sequence[str], file_format: str, start: date | None = None,
             end: date | None = None, granularity: str = "month", engine: KpiEngine | None = None,
             appstate: AppState | None = None) -> bytes:
    return as_file(kpi_values(scope, kpi_ids, start, end, granularity, engine, appstate), file_format)


def as_file(frame: pd.DataFrame, file_format: str) -> bytes:
    """CSV for other systems (comma, decimal point, UTF-8, ISO dates) or Parquet with the column types kept."""
    if file_format == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if file_format == "csv":
        return frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d").encode("utf-8")
    raise ValueError(f"Ukendt format {file_format!r}; vælg csv eller parquet.")
