"""KPI values per municipality and period, benchmarks against group, region and country, and ranks.

Group, region and country values are Σ numerator / Σ denominator over their members. Figures that
could disclose persons - built on fewer persons than the KPI's disclosure threshold, or able to
give such a figure away with what else is shown - are suppressed for every municipality but the
user's own (kpi/disclosure.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from data_access.scope import UserScope
from data_access.warehouse import Warehouse, current_warehouse
from data_access.warehouse_schema import dim_month

from . import disclosure, ranking
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
        """One row per municipality and period (month, quarter or year, by its first day); figures that could
        disclose persons (kpi/disclosure.py) are suppressed outside the user's municipality."""
        kpi = self.kpi(kpi_id)
        own_only = municipalities is not None and set(municipalities) <= {scope.municipality_code}
        protected = _protected(kpi) and not own_only  # a user's own figures are never hidden from them
        frame = self._unsuppressed(scope, kpi, None if protected else municipalities, start, end, granularity)
        hidden = np.zeros(len(frame), dtype=bool)
        if protected:
            monthly = frame if granularity == "month" else self._unsuppressed(scope, kpi, None, start, end)
            # Only months with a primary cell can hide anything (kpi/disclosure.py, rules 1 and 2).
            small = disclosure.months_with_primary(monthly, kpi.counted, kpi.min_count)
            unknown = self._unknown(scope, kpi, disclosure.month_counts(small, kpi.counted)) if len(small) else {}
            hidden = disclosure.hidden_periods(frame, unknown, kpi.counted, granularity, kpi.min_count).to_numpy()
        frame["suppressed"] = hidden & (frame["municipality_code"].to_numpy() != scope.municipality_code)
        if municipalities is not None:
            frame = frame[frame["municipality_code"].isin(list(municipalities))].reset_index(drop=True)
        if frame["suppressed"].any():
            frame.loc[frame["suppressed"], ["numerator", "denominator", "value"]] = np.nan
        frame.insert(0, "kpi_id", kpi.id)
        return frame[VALUE_COLUMNS]

    def benchmark(self, scope: UserScope, kpi_id: str, municipality: int | None = None,
                  start: date | None = None, end: date | None = None, granularity: str = "month") -> pd.DataFrame:
        """Per month, quarter or year (by its first day): the municipality, its comparison group, its region and all
        municipalities, side by side. Each total is Σ numerator / Σ denominator over its members (each member's
        quarter or year combined over its months as the measure says, like ``values``), never an average of
        ratios; shown only where it discloses no one."""
        kpi = self.kpi(kpi_id)
        municipality = scope.municipality_code if municipality is None else municipality
        frame = self._unsuppressed(scope, kpi, None, start, end, granularity)
        present = frame.groupby("municipality_code")["denominator"].sum()
        present = set(present[present > 0].index)
        members = {"own": [municipality], "group": list(self.groups.peers(municipality)),
                   "region": list(self.groups.region_members(municipality)), "country": None}
        codes = frame["municipality_code"]
        sides = {}
        for name, included in members.items():
            inside = np.ones(len(frame), dtype=bool) if included is None else codes.isin(included).to_numpy()
            for side in ("numerator", "denominator"):
                sides[f"{name}_{side}"] = np.where(inside, frame[side].to_numpy(dtype=float), 0.0)
        sums = pd.DataFrame(sides).groupby(frame["period"].to_numpy()).sum()
        result = pd.DataFrame({"period": list(sums.index)})
        if granularity == "month":
            shown = self._totals_shown(scope, kpi, frame, municipality, result["period"])
        else:
            shown = self._period_totals_shown(scope, kpi, municipality, sums, start, end, granularity)
        for name in members:
            numerator, denominator = sums[f"{name}_numerator"].to_numpy(), sums[f"{name}_denominator"].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(denominator != 0, numerator * kpi.scale / denominator, np.nan)
            hide = ~shown[name].to_numpy()
            for column, figures in (("numerator", numerator), ("denominator", denominator), ("value", value)):
                result[f"{name}_{column}"] = np.where(hide, np.nan, figures)
        result.attrs.update(
            granularity=granularity, municipality=municipality,
            peers=tuple(m for m in self.groups.peers(municipality) if m in present),
            municipalities_in_data=len(present), group_kind=self.groups.kind(municipality),
            region_name=self.groups.region_name(municipality))
        return result

    def ranking(self, scope: UserScope, kpi_id: str, start: date | None = None, end: date | None = None,
                granularity: str = "month", municipality: int | None = None) -> pd.DataFrame:
        """Every municipality per period with its value, its rank among the shown values (kpi/ranking.py) and,
        for ``municipality`` (default: the user's own) and its peers, the rank within that group."""
        kpi = self.kpi(kpi_id)
        municipality = scope.municipality_code if municipality is None else municipality
        group = {municipality, *self.groups.peers(municipality)}
        frame = ranking.ranks(self.values(scope, kpi_id, None, start, end, granularity), kpi, group)
        frame.insert(2, "name", [self.groups.name(m) for m in frame["municipality_code"]])
        frame.attrs.update(municipality=municipality, order=ranking.order_text(kpi), ascending=ranking.ascending(kpi),
                           group_kind=self.groups.kind(municipality))
        return frame

    def position(self, scope: UserScope, kpi_id: str, start: date | None = None, end: date | None = None,
                 granularity: str = "month", municipality: int | None = None) -> pd.DataFrame:
        """Per period: the municipality's value, rank among all municipalities with a shown value, and its place
        in its group ("3 af 7")."""
        frame = self.ranking(scope, kpi_id, start, end, granularity, municipality)
        municipality = frame.attrs["municipality"]
        result = ranking.position(frame, municipality, 1 + len(self.groups.peers(municipality)))
        result.attrs.update(frame.attrs)
        return result

    def _totals_shown(self, scope: UserScope, kpi: Kpi, frame: pd.DataFrame, municipality: int,
                      periods: pd.Series) -> dict[str, pd.Series]:
        """Per period, whether each series of ``benchmark`` may be shown to the user (kpi/disclosure.py)."""
        own_visible = municipality == scope.municipality_code
        if not _protected(kpi):
            return dict.fromkeys(("own", "group", "region", "country"), pd.Series(True, index=periods.index))
        regions = self._layout.regions
        counts = disclosure.month_counts(frame, kpi.counted)
        unknown = self._unknown(scope, kpi, counts)
        region = self.groups.municipalities[municipality].region_code
        group = frozenset(self.groups.peers(municipality))
        rows = {"own": [], "group": [], "region": [], "country": []}
        for period in periods:
            seen = disclosure.visible_totals(counts[period], unknown[period], regions, group, own_visible,
                                             kpi.min_count)
            rows["own"].append(municipality not in unknown[period])
            rows["group"].append(seen.group)
            rows["region"].append(seen.regions[region])
            rows["country"].append(seen.country)
        return {name: pd.Series(flags, index=periods.index) for name, flags in rows.items()}

    def _period_totals_shown(self, scope: UserScope, kpi: Kpi, municipality: int, sums: pd.DataFrame,
                             start: date | None, end: date | None, granularity: str) -> dict[str, pd.Series]:
        """``_totals_shown`` for quarters or years: a total is shown where it is shown in every month of the period
        (else the period minus the shown months would give a hidden one, as rule 4 says for cells) and its
        own period does not rest on too few persons (rule 3). The user's own municipality is always shown."""
        index = pd.RangeIndex(len(sums))
        if not _protected(kpi):
            return dict.fromkeys(("own", "group", "region", "country"), pd.Series(True, index=index))
        monthly = self._unsuppressed(scope, kpi, None, start, end)
        months = pd.Series(sorted(monthly["period"].unique()))
        by_month = self._totals_shown(scope, kpi, monthly, municipality, months)
        buckets = [disclosure.period_start(month, granularity) for month in months]
        own_visible = municipality == scope.municipality_code
        shown = {}
        for name, flags in by_month.items():
            every_month = flags.groupby(buckets).all().reindex(list(sums.index), fill_value=True).to_numpy()
            small = disclosure.too_few_mask(sums[f"{name}_{kpi.counted}"], kpi.min_count).to_numpy()
            if name == "own" and own_visible:
                small = np.zeros(len(small), dtype=bool)
            shown[name] = pd.Series(every_month & ~small, index=index)
        return shown

    def _unknown(self, scope: UserScope, kpi: Kpi, counts_by_month: dict) -> dict:
        """Period → the cells the user does not see (kpi/disclosure.py, rules 1 and 2)."""
        return disclosure.unknown_by_month(counts_by_month, self._layout, scope.municipality_code, kpi.min_count)

    @cached_property
    def _layout(self) -> disclosure.Layout:
        return disclosure.Layout(self.groups.regions(),
                                 {m: frozenset(self.groups.peers(m)) for m in self.groups.municipalities})

    def _unsuppressed(self, scope: UserScope, kpi: Kpi, municipalities: Sequence[int] | None,
                      start: date | None, end: date | None, granularity: str = "month") -> pd.DataFrame:
        statement = compile_values(self.catalogue, kpi, municipalities, start, end, granularity)
        frame = self.warehouse.fetch_aggregate(scope, statement)
        frame["period"] = as_dates(frame["period"])
        return frame


def as_dates(column: pd.Series) -> np.ndarray:
    """The periods as datetime.date objects; converted once per distinct period (a few hundred at most), not
    per row."""
    codes, periods = pd.factorize(column, sort=False)
    dates = np.array([*pd.to_datetime(periods).date, pd.NaT], dtype=object)  # code -1 (no period) → the last
    return dates[codes]


def period_label(period: date, granularity: str) -> str:
    """2026-03, 2026-Q1 or 2026."""
    if granularity == "year":
        return f"{period.year}"
    if granularity == "quarter":
        return f"{period.year}-Q{(period.month - 1) // 3 + 1}"
    return f"{period.year}-{period.month:02d}"


def _protected(kpi: Kpi) -> bool:
    """Does the KPI count persons that its figures could disclose?"""
    return kpi.counted is not None and kpi.min_count > 1
