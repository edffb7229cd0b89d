"""Cached access to data for the pages.

Every cache is keyed by the user's scope and by the published warehouse file, so a
user only ever gets rows fetched for their own rights, and a new ETL run is seen at once.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access import meta
from data_access.appstate import current_appstate
from data_access.scope import UserScope
from data_access.warehouse import current_warehouse
from kpi.catalogue import Kpi, load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from kpi.targets import Target, as_row, parse_target_file, targets_for

CACHE_SECONDS = 3600


def version() -> str:
    return current_warehouse().version


def engine() -> KpiEngine:
    return _engine(str(current_warehouse().published))


@st.cache_resource(show_spinner=False)
def _engine(published: str) -> KpiEngine:
    return KpiEngine.default()


def load_info() -> meta.LoadInfo:
    return _load_info(version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _load_info(warehouse_version: str) -> meta.LoadInfo:
    return meta.load_info()


def municipality_name(code: int) -> str:
    return load_groups().name(code)


def all_municipalities() -> list[int]:
    return list(load_groups().municipalities)


def months(scope: UserScope) -> list[date]:
    """Every month the warehouse has figures for, oldest first."""
    return _months(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _months(scope: UserScope, warehouse_version: str) -> list[date]:
    first, last = engine().months_covered(scope)
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def kpi(kpi_id: str) -> Kpi:
    return engine().kpi(kpi_id)


def kpis(area: str | None = None) -> list[Kpi]:
    return [k for k in load_catalogue().kpis.values() if area is None or k.area == area]


def benchmark(scope: UserScope, kpi_id: str, municipality: int, start: date, end: date,
              granularity: str = "month") -> pd.DataFrame:
    """The municipality beside its group, region and country in the period, per month, quarter or year
    (KpiEngine.benchmark)."""
    return _benchmark(scope, kpi_id, municipality, start, end, granularity, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Beregner nøgletal …")
def _benchmark(scope: UserScope, kpi_id: str, municipality: int, start: date, end: date, granularity: str,
               warehouse_version: str) -> pd.DataFrame:
    return engine().benchmark(scope, kpi_id, municipality, start, end, granularity)


def targets(scope: UserScope, year: int) -> list[Target]:
    uploaded = current_appstate().uploaded_targets(scope.municipality_code)
    return targets_for(engine().catalogue, scope.municipality_code, year, uploaded)


def upload_targets(scope: UserScope, file_name: str, data: bytes) -> int:
    """Store an administrator's target file; raises TargetFileError (Danish problems per line) and stores nothing."""
    targets = parse_target_file(data, file_name, engine().catalogue, scope.municipality_code)
    current_appstate().store_targets(scope, file_name, [as_row(t) for t in targets])
    return len(targets)


def etl_runs(scope: UserScope) -> pd.DataFrame:
    return current_appstate().etl_runs(scope)


def etl_run_files(scope: UserScope, run_id: str) -> pd.DataFrame:
    return current_appstate().etl_run_files(scope, run_id)
