"""The politician's data for the pages: targets and the figures beside them, aggregates only.

Nothing here reads a person: targets come from configuration and the store, figures from the KPI
engine, whose statements may touch aggregate tables only (``Warehouse.fetch_aggregate``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access.appstate import current_appstate
from data_access.scope import UserScope
from kpi.targets import Target, targets_for

from . import data


def targets(municipality: int, year: int) -> list[Target]:
    """The council's targets for the year (targets are public decisions, so any municipality's may be shown)."""
    return targets_for(data.engine().catalogue, municipality, year, current_appstate().uploaded_targets(municipality))


def benchmark(scope: UserScope, kpi_id: str, municipality: int, start: date, end: date) -> pd.DataFrame:
    return _benchmark(scope, kpi_id, municipality, start, end, data.version())


@st.cache_data(ttl=data.CACHE_SECONDS, show_spinner="Beregner nøgletal …")
def _benchmark(scope: UserScope, kpi_id: str, municipality: int, start: date, end: date,
               warehouse_version: str) -> pd.DataFrame:
    return data.engine().benchmark(scope, kpi_id, municipality, start, end)
