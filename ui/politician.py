"""The politician's data for the pages: targets and the figures beside them, aggregates only.

Nothing here reads a person: targets come from configuration and the store, figures from the KPI
engine, whose statements may touch aggregate tables only (``Warehouse.fetch_aggregate``).
"""

from __future__ import annotations

from data_access.appstate import current_appstate
from kpi.targets import Target, targets_for

from . import data


def targets(municipality: int, year: int) -> list[Target]:
    """The council's targets for the year (targets are public decisions, so any municipality's may be shown)."""
    return targets_for(data.engine().catalogue, municipality, year, current_appstate().uploaded_targets(municipality))
