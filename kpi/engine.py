"""KPI values per municipality and period, benchmarks against group, region and country, and ranks.

Group, region and country values are Σ numerator / Σ denominator over their members. Figures that
could disclose persons - built on fewer persons than the KPI's disclosure threshold, or able to
give such a figure away with what else is shown - are suppressed for every municipality but the
user's own (kpi/disclosure.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from data_access.scope import UserScope
from data_access.warehouse import Warehouse, current_warehouse
from data_access.warehouse_schema import dim_month, dim_municipality

from . import disclosure, grid, ranking, suppression
from .catalogue import Catalogue, Kpi, load_catalogue
from .compiler import compile_sides, compile_values
from .groups import ComparisonGroups, load_groups

STATEMENTS_KEPT = 1024  # compiled statements an engine keeps (KPIs × filters asked for)
DISCLOSURES_KEPT = 2048  # cells hidden from a viewer, by the counts they were worked out from (≤ 12 kB each)
SHARED_KEPT = 256  # what those cells share across viewers (≤ 130 kB each)
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
        columns = self._fetch(scope, kpi, None if protected else municipalities, start, end, granularity)
        codes = columns["municipality_code"]
        suppressed = np.zeros(len(codes), dtype=bool)
        if protected:
            monthly = columns if granularity == "month" else self._fetch(scope, kpi, None, start, end)
            unknown = self._unknown_cells(scope, kpi, monthly)
            suppressed = suppression.hidden_rows(columns, unknown, kpi.counted, granularity, kpi.min_count)
            suppressed &= codes != scope.municipality_code
        keep = slice(None) if municipalities is None else np.isin(codes, list(municipalities))
        result = {"kpi_id": kpi.id, "municipality_code": codes[keep], "period": as_dates(columns["period"])[keep]}
        hide = suppressed[keep]
        for name in ("numerator", "denominator", "value"):
            result[name] = np.where(hide, np.nan, columns[name][keep]) if hide.any() else columns[name][keep]
        result["suppressed"] = hide
        return pd.DataFrame(result, columns=VALUE_COLUMNS)

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

    def forget_disclosure(self) -> None:
        """Drop the disclosure control kept by counts (``_unknown_cells``): for measuring its cost, and for tests."""
        self._disclosures.clear()
        self._shared.clear()

    def _totals_shown(self, scope: UserScope, kpi: Kpi, frame: pd.DataFrame, municipality: int,
                      periods: pd.Series) -> dict[str, pd.Series]:
        """Per period, whether each series of ``benchmark`` may be shown to the user (kpi/disclosure.py)."""
        own_visible = municipality == scope.municipality_code
        if not _protected(kpi):
            return dict.fromkeys(("own", "group", "region", "country"), pd.Series(True, index=periods.index))
        regions = self._layout.regions
        counts = disclosure.month_counts(frame, kpi.counted)
        unknown = self._unknown(scope, kpi, frame)
        region = self.groups.municipalities[municipality].region_code
        group = frozenset(self.groups.peers(municipality))
        rows = {"own": [], "group": [], "region": [], "country": []}
        for period in periods:
            hidden = unknown.get(period, frozenset())
            seen = disclosure.visible_totals(counts[period], hidden, regions, group, own_visible, kpi.min_count)
            rows["own"].append(municipality not in hidden)
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

    def _unknown(self, scope: UserScope, kpi: Kpi, frame: pd.DataFrame) -> dict:
        """Period → the cells the user does not see (kpi/disclosure.py, rules 1 and 2), for the months with any."""
        table = self._unknown_cells(scope, kpi, frame)
        return {month: frozenset(table.codes[cells].tolist()) for month, cells in zip(table.months.tolist(),
                                                                                       table.cells, strict=True)}

    def _unknown_cells(self, scope: UserScope, kpi: Kpi, monthly) -> suppression.Unknown:
        """``_unknown`` as a table (kpi/suppression.py). The cells follow from the monthly counts, the viewer and the
        threshold alone, so they are kept under a digest of exactly those: a figure that changes gives another key,
        and the same counts asked for again (another user of the municipality, the next page) skip the work. What
        every viewer shares is kept too, so a new viewer pays only for the last part of rule 2."""
        counts = _disclosure_key(monthly, kpi.counted, kpi.min_count)
        viewer = scope.municipality_code
        found = self._disclosures.get((counts, viewer))
        if found is None:
            if counts not in self._shared:
                if len(self._shared) >= SHARED_KEPT:
                    self._shared.clear()
                self._shared[counts] = _read_only(suppression.shared(monthly, kpi.counted, self._layout,
                                                                     kpi.min_count, self._totals))
            table = self._shared[counts]
            found = _read_only(suppression.month_by_month(monthly, kpi.counted, self._layout, viewer, kpi.min_count)
                               if table is None else table.for_viewer(self._layout, viewer, kpi.min_count))
            if len(self._disclosures) >= DISCLOSURES_KEPT:
                self._disclosures.clear()
            self._disclosures[(counts, viewer)] = found
        return found

    @cached_property
    def _layout(self) -> disclosure.Layout:
        return disclosure.Layout(self.groups.regions(),
                                 {m: frozenset(self.groups.peers(m)) for m in self.groups.municipalities})

    @cached_property
    def _totals(self) -> dict:
        """The layout's totals as tables, by the municipalities' codes (kpi/suppression.py)."""
        return {}

    @cached_property
    def _disclosures(self) -> dict[tuple[bytes, int], suppression.Unknown]:
        return {}

    @cached_property
    def _shared(self) -> dict[bytes, suppression.Shared | None]:
        return {}

    @cached_property
    def _spines(self) -> dict[str, grid.Spine]:
        return {}

    @cached_property
    def _statements(self) -> dict:
        """(KPI, municipalities, start, end, granularity) → its compiled statement. Compiling is deterministic,
        and the warehouse checks and renders a statement it has seen before only once: reusing the object
        saves both. The figures are always fetched anew."""
        return {}

    def _fetch(self, scope: UserScope, kpi: Kpi, municipalities: Sequence[int] | None, start: date | None,
               end: date | None, granularity: str = "month") -> dict[str, np.ndarray]:
        """The KPI's figures before disclosure control, column by column, by municipality and period; periods as
        the warehouse gives them (datetime64)."""
        key = (kpi.id, None if municipalities is None else tuple(municipalities), start, end, granularity)
        statement = self._statements.get(key)
        if statement is None:
            if len(self._statements) >= STATEMENTS_KEPT:
                self._statements.clear()
            statement = self._statements[key] = (
                compile_sides(self.catalogue, kpi, municipalities, start, end) if granularity == "month"
                else compile_values(self.catalogue, kpi, municipalities, start, end, granularity, ordered=False))
        if granularity == "month":
            spine = self._spine(scope).restricted(municipalities, start, end)
            return grid.monthly(self.catalogue, kpi, self.warehouse.fetch_columns(scope, statement), spine)
        return _in_order(self.warehouse.fetch_columns(scope, statement))

    def _spine(self, scope: UserScope) -> grid.Spine:
        """Every municipality × month of the published warehouse, fetched once per warehouse published."""
        version = self.warehouse.version
        spine = self._spines.get(version)
        if spine is None:
            spine = grid.Spine.of(
                self.warehouse.fetch_aggregate(scope, select(dim_municipality.c.municipality_code)),
                self.warehouse.fetch_aggregate(scope, select(dim_month.c.month, dim_month.c.days_in_month)))
            self._spines.clear()  # an older warehouse's spine is of no more use
            self._spines[version] = spine
        return spine

    def _unsuppressed(self, scope: UserScope, kpi: Kpi, municipalities: Sequence[int] | None,
                      start: date | None, end: date | None, granularity: str = "month") -> pd.DataFrame:
        columns = self._fetch(scope, kpi, municipalities, start, end, granularity)
        columns["period"] = as_dates(columns["period"])
        return pd.DataFrame(columns)


def _disclosure_key(monthly, counted: str, min_count: int) -> bytes:
    """A digest of everything ``suppression.unknown`` reads but the viewer: the rows' municipalities, months and
    counts (with their types) and the threshold. SHA-256, so that two different inputs never share cells."""
    digest = hashlib.sha256(f"{min_count}|{len(monthly[counted])}".encode())
    for name in ("municipality_code", "period", counted):
        column = np.asarray(monthly[name])
        digest.update(f"|{name}:{column.dtype.str}|".encode())
        if column.dtype == object:  # e.g. datetime.date: by value (an object's bytes are only its address)
            which, distinct = pd.factorize(column, sort=False)
            digest.update(which.tobytes())
            digest.update(repr(list(distinct)).encode())
        else:
            digest.update(np.ascontiguousarray(column).tobytes())
    return digest.digest()


def _read_only(table):
    """A kept table's arrays, shared by every caller from now on, so nobody may change them."""
    if table is not None:
        for value in vars(table).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    return table


def _in_order(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rows by municipality, then period, as ``ORDER BY`` would give them. Each (municipality, period) has
    its own slot in a municipalities × periods table: placing the rows there and reading them back in order
    costs a fraction of a sort (and of DuckDB's ORDER BY on a few thousand rows)."""
    codes, periods = columns["municipality_code"].astype(np.int64), columns["period"]
    if len(codes) < 2:
        return columns
    which, distinct = pd.factorize(periods, sort=False)
    if (which < 0).any() or not 0 <= codes.min() <= codes.max() < 100_000:  # no period, or odd codes
        return _sorted(columns, codes, periods)
    period = np.argsort(np.argsort(np.asarray(distinct)))[which]  # each row's period's place among the periods
    if ((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (period[1:] > period[:-1]))).all():
        return columns
    present = np.zeros(codes.max() + 1, dtype=np.int64)
    present[codes] = 1
    code = (np.cumsum(present) - 1)[codes]
    slots = np.full((code.max() + 1) * len(distinct), -1, dtype=np.int64)
    slots[code * len(distinct) + period] = np.arange(len(codes))
    order = slots[slots >= 0]
    if len(order) < len(codes):  # two rows in one slot
        return _sorted(columns, codes, periods)
    return {name: column[order] for name, column in columns.items()}


def _sorted(columns: dict[str, np.ndarray], codes: np.ndarray, periods: np.ndarray) -> dict[str, np.ndarray]:
    """``_in_order`` the general way: a sort, no period last."""
    missing = pd.isna(periods)
    days = np.where(missing, np.iinfo(np.int64).max, pd.to_datetime(periods).to_numpy().astype("datetime64[D]")
                    .astype(np.int64))
    order = np.lexsort((days, codes))
    return {name: column[order] for name, column in columns.items()}


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
