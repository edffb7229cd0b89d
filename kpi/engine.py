"""KPI values per municipality and month, and benchmarks against comparison group and country.

Group and country values are Σ numerator / Σ denominator over their members. Values built
on fewer persons than the KPI's disclosure threshold are suppressed for every municipality
but the user's own, and so are group values resting on too few persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from data_access.scope import UserScope
from data_access.warehouse import Warehouse, current_warehouse
from data_access.warehouse_schema import dim_month

from .catalogue import Catalogue, Kpi, load_catalogue
from .compiler import compile_values
from .groups import ComparisonGroups, load_groups

VALUE_COLUMNS = ["kpi_id", "municipality_code", "period", "numerator", "denominator", "value", "suppressed"]


def ratio(numerator: pd.Series, denominator: pd.Series, scale: float) -> pd.Series:
    """numerator × scale / denominator, empty where the denominator is 0."""
    denominator = denominator.astype(float)
    return numerator.astype(float) * scale / denominator.where(denominator != 0, np.nan)


@dataclass
class KpiEngine:
    catalogue: Catalogue
    groups: ComparisonGroups
    warehouse: Warehouse

    @classmethod
    def default(cls) -> KpiEngine:
        return cls(load_catalogue(), load_groups(), current_warehouse())

    def kpi(self, kpi_id: str) -> Kpi:
        return self.catalogue.kpi(kpi_id)

    def months_covered(self, scope: UserScope) -> tuple[date, date]:
        """The first and last month the warehouse has figures for."""
        frame = self.warehouse.fetch_aggregate(
            scope, select(func.min(dim_month.c.month).label("first"), func.max(dim_month.c.month).label("last")))
        return pd.Timestamp(frame.iloc[0]["first"]).date(), pd.Timestamp(frame.iloc[0]["last"]).date()

    def values(self, scope: UserScope, kpi_id: str, municipalities: Sequence[int] | None = None,
               start: date | None = None, end: date | None = None, granularity: str = "month") -> pd.DataFrame:
        """One row per municipality and period (month, quarter or year, by its first day), with small
        counts suppressed outside the user's municipality."""
        kpi = self.kpi(kpi_id)
        frame = self._unsuppressed(scope, kpi, municipalities, start, end, granularity)
        frame["suppressed"] = _too_few(kpi, frame) & (frame["municipality_code"] != scope.municipality_code)
        frame.loc[frame["suppressed"], ["numerator", "denominator", "value"]] = np.nan
        frame.insert(0, "kpi_id", kpi.id)
        return frame[VALUE_COLUMNS]

    def benchmark(self, scope: UserScope, kpi_id: str, municipality: int | None = None,
                  start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """Per month: the municipality, its comparison group and all municipalities in the data, side by side."""
        kpi = self.kpi(kpi_id)
        municipality = scope.municipality_code if municipality is None else municipality
        frame = self._unsuppressed(scope, kpi, None, start, end)
        present = frame.groupby("municipality_code")["denominator"].sum()
        present = set(present[present > 0].index)
        peers = [m for m in self.groups.peers(municipality) if m in present]
        parts = {
            "own": frame[frame["municipality_code"] == municipality],
            "group": frame[frame["municipality_code"].isin(peers)],
            "country": frame[frame["municipality_code"].isin(present)],
        }
        result = pd.DataFrame({"period": sorted(frame["period"].unique())})
        for name, part in parts.items():
            sums = part.groupby("period")[["numerator", "denominator"]].sum().reset_index()
            sums = result[["period"]].merge(sums, on="period", how="left")
            sums[name + "_value"] = ratio(sums["numerator"], sums["denominator"], kpi.scale)
            hidden = _too_few(kpi, sums) & (name != "own" or municipality != scope.municipality_code)
            sums.loc[hidden, ["numerator", "denominator", name + "_value"]] = np.nan
            result[name + "_numerator"] = sums["numerator"].to_numpy()
            result[name + "_denominator"] = sums["denominator"].to_numpy()
            result[name + "_value"] = sums[name + "_value"].to_numpy()
        result.attrs.update(municipality=municipality, peers=tuple(peers), municipalities_in_data=len(present))
        return result

    def _unsuppressed(self, scope: UserScope, kpi: Kpi, municipalities: Sequence[int] | None,
                      start: date | None, end: date | None, granularity: str = "month") -> pd.DataFrame:
        statement = compile_values(self.catalogue, kpi, municipalities, start, end, granularity)
        frame = self.warehouse.fetch_aggregate(scope, statement)
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
        return frame


def period_label(period: date, granularity: str) -> str:
    """2026-03, 2026-Q1 or 2026."""
    if granularity == "year":
        return f"{period.year}"
    if granularity == "quarter":
        return f"{period.year}-Q{(period.month - 1) // 3 + 1}"
    return f"{period.year}-{period.month:02d}"


def _too_few(kpi: Kpi, frame: pd.DataFrame) -> pd.Series:
    """Cells counting between 1 and min_count - 1 persons could identify someone."""
    if kpi.counted is None or kpi.min_count <= 1:
        return pd.Series(False, index=frame.index)
    counts = frame[kpi.counted]
    return (counts > 0) & (counts < kpi.min_count)
