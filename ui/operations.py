"""Cached data for the leader's operations pages: providers, the fact-based budget, effect and registration.

These pages are about the leader's own municipality in detail, so every figure is fetched for
``scope.municipality_code`` whatever the sidebar shows (data_access refuses anything else). Each cache is
keyed by the user's scope, the sidebar's period and area and the published warehouse, so a user gets only
rows fetched with their own rights and a new ETL run is seen at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from data_access import budget, effect, providers, registration
from data_access.scope import UserScope

from . import data
from .data import CACHE_SECONDS
from .filters import Filters


@dataclass(frozen=True)
class KpiFigure:
    numerator: float
    denominator: float
    value: float


def own_municipality_notice(scope: UserScope, filters: Filters) -> None:
    """Say so when the sidebar names another municipality: these pages show the user's own only."""
    if not filters.is_own:
        st.info(f"Siden viser kun {data.municipality_name(scope.municipality_code)} Kommunes egne tal. "
                f"{data.municipality_name(filters.municipality_code)} kan sammenlignes på siden "
                "Nøgletal og sammenligning.")


def provider_comparison(scope: UserScope, filters: Filters, by: str) -> pd.DataFrame:
    return _provider_comparison(scope, filters.start, filters.end, filters.area, by, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter leverandører …")
def _provider_comparison(scope: UserScope, start: date, end: date, area: str | None, by: str,
                         warehouse_version: str) -> pd.DataFrame:
    return providers.comparison(scope, scope.municipality_code, start, end, by, area)


def budget_by_function(scope: UserScope, filters: Filters) -> pd.DataFrame:
    return _budget_by_function(scope, filters.end, filters.area, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter budgettet …")
def _budget_by_function(scope: UserScope, month: date, area: str | None, warehouse_version: str) -> pd.DataFrame:
    return budget.by_function(scope, scope.municipality_code, month, area)


def forecast_path(scope: UserScope, filters: Filters) -> pd.DataFrame:
    return _forecast_path(scope, filters.end, filters.area, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Beregner prognosen …")
def _forecast_path(scope: UserScope, month: date, area: str | None, warehouse_version: str) -> pd.DataFrame:
    return budget.forecast_path(scope, scope.municipality_code, month, area)


def overuse_drivers(scope: UserScope, filters: Filters) -> pd.DataFrame:
    return _overuse_drivers(scope, filters.end, filters.area, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter bevillingerne bag merforbruget …")
def _overuse_drivers(scope: UserScope, month: date, area: str | None, warehouse_version: str) -> pd.DataFrame:
    return budget.overuse_drivers(scope, scope.municipality_code, month, area)


def effect_beside_cost(scope: UserScope, filters: Filters, by: str) -> pd.DataFrame:
    return _effect_beside_cost(scope, filters.start, filters.end, filters.area, by, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter effektmålingerne …")
def _effect_beside_cost(scope: UserScope, start: date, end: date, area: str | None, by: str,
                        warehouse_version: str) -> pd.DataFrame:
    return effect.beside_cost(scope, scope.municipality_code, start, end, by, area)


def registration_practice(scope: UserScope, filters: Filters, by: str) -> pd.DataFrame:
    return _registration_practice(scope, filters.start, filters.end, filters.area, by, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter registreringspraksis …")
def _registration_practice(scope: UserScope, start: date, end: date, area: str | None, by: str,
                           warehouse_version: str) -> pd.DataFrame:
    return registration.practice(scope, scope.municipality_code, start, end, by, area)


def rows_to_fix(scope: UserScope, filters: Filters) -> pd.DataFrame:
    return _rows_to_fix(scope, filters.start, filters.end, filters.area, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter bevillingerne, der skal rettes …")
def _rows_to_fix(scope: UserScope, start: date, end: date, area: str | None, warehouse_version: str) -> pd.DataFrame:
    return registration.rows_to_fix(scope, scope.municipality_code, start, end, area)


def kpi_over_period(scope: UserScope, kpi_id: str, start: date, end: date) -> KpiFigure:
    """The user's own KPI over the months from ``start`` to ``end``: Σ numerator / Σ denominator of the months.
    Right for KPIs whose sides are flows, or stocks averaged over the same months (K-DQ-*, K-EFF-*); a
    year-to-date KPI takes one month (``start == end``)."""
    return _kpi_over_period(scope, kpi_id, start, end, data.version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _kpi_over_period(scope: UserScope, kpi_id: str, start: date, end: date, warehouse_version: str) -> KpiFigure:
    kpi = data.kpi(kpi_id)
    frame = data.engine().values(scope, kpi_id, [scope.municipality_code], start, end)
    numerator = float(frame["numerator"].sum())
    denominator = float(frame["denominator"].sum())
    value = numerator * kpi.scale / denominator if denominator else float("nan")
    return KpiFigure(numerator, denominator, value)
