"""A KPI's monthly figures on the spine: every municipality × every month of the warehouse.

``compile_values`` joins each side's sums onto the spine in SQL. The engine fetches only the sums
(``compile_sides``) and lays them on the spine here, with the spine's two dimensions fetched once per
published warehouse: on a sparse KPI the join costs several times the sums themselves. The arithmetic
is ``compile_values``' own, on the same doubles in the same order (a missing sum is 0, a full-year
side is divided by the month's days, the value is numerator × scale / denominator where that is not 0),
so the same sums give the same figures to the last bit; tests/test_engine_paths.py compares the two for
every KPI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .catalogue import Catalogue, Kpi, Side
from .compiler import over_time


@dataclass(frozen=True)
class Spine:
    """Municipalities (ascending codes) × months (ascending), with each month's days."""

    codes: np.ndarray
    months: np.ndarray  # datetime64, as the warehouse gives dates
    days: np.ndarray  # float
    column_of: np.ndarray = field(init=False, repr=False)  # code → its column, -1 for none
    row_of: np.ndarray = field(init=False, repr=False)  # days after the first month's first day → its row, or -1

    def __post_init__(self):
        column_of = np.full(int(self.codes.max(initial=-1)) + 1, -1, dtype=np.int64)
        column_of[self.codes.astype(np.int64)] = np.arange(len(self.codes))
        days = _days(self.months)
        row_of = np.full(int(days[-1] - days[0]) + 1 if len(days) else 0, -1, dtype=np.int64)
        row_of[days - (days[0] if len(days) else 0)] = np.arange(len(days))
        object.__setattr__(self, "column_of", column_of)
        object.__setattr__(self, "row_of", row_of)

    @classmethod
    def of(cls, municipalities: pd.DataFrame, months: pd.DataFrame) -> Spine:
        municipalities = municipalities.sort_values("municipality_code")
        months = months.sort_values("month")
        return cls(municipalities["municipality_code"].to_numpy(), months["month"].to_numpy(),
                   months["days_in_month"].to_numpy(dtype=float))

    def restricted(self, municipalities: Sequence[int] | None, start: date | None, end: date | None) -> Spine:
        """The spine of ``compile_values`` with the same filters."""
        if municipalities is None and start is None and end is None:
            return self
        codes = self.codes if municipalities is None else self.codes[np.isin(self.codes, list(municipalities))]
        keep = np.ones(len(self.months), dtype=bool)
        if start is not None:
            keep &= _days(self.months) >= _days(np.array([start], dtype="datetime64[D]"))
        if end is not None:
            keep &= _days(self.months) <= _days(np.array([end], dtype="datetime64[D]"))
        return Spine(codes, self.months[keep], self.days[keep])


def monthly(catalogue: Catalogue, kpi: Kpi, sides: Mapping[str, np.ndarray], spine: Spine) -> dict[str, np.ndarray]:
    """Columns municipality_code, period, numerator, denominator and value, one row per cell of the spine, by
    municipality, then month, from ``compile_sides``' rows as ``fetch_columns`` gives them (those off the spine
    left out, as the join does)."""
    width = len(spine.months)
    cells = len(spine.codes) * width
    slot = _slots(spine, sides["municipality_code"], sides["period"])
    on_spine = slot >= 0

    def placed(column: str, side: Side) -> np.ndarray:
        sums = np.nan_to_num(np.asarray(sides[column], dtype=float)[on_spine])  # no rows: 0, as coalesce gives
        # One row per cell and side, the other side's rows adding exact zeros.
        figures = np.bincount(slot[on_spine], weights=sums, minlength=cells).astype(float, copy=False)  # (empty: ints)
        if over_time(catalogue, side) == "full_year":  # full-year persons in a month: person-days over its days
            figures = figures / np.tile(spine.days, len(spine.codes))
        return figures

    numerator = placed("numerator_total", kpi.numerator)
    denominator = placed("denominator_total", kpi.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(denominator != 0, numerator * kpi.scale / denominator, np.nan)
    return {"municipality_code": np.repeat(spine.codes, width), "period": np.tile(spine.months, len(spine.codes)),
            "numerator": numerator, "denominator": denominator, "value": value}


def _slots(spine: Spine, codes: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Each row's cell on the spine (municipality × months + month), -1 where the spine has no such cell. Looked
    up in tables by code and by day: both are whole numbers in a short range (a few thousand days)."""
    if not len(codes) or not len(spine.codes) or not len(spine.months):
        return np.full(len(codes), -1, dtype=np.int64)
    known = ~np.ma.getmaskarray(codes) & ~np.ma.getmaskarray(periods)  # a NULL municipality or month: no cell
    codes, periods = np.ma.getdata(codes), np.ma.getdata(periods)
    known &= ~pd.isna(codes) & ~pd.isna(periods)
    codes = np.where(known, codes, -1).astype(np.int64)
    day = np.where(known, _days(periods) - _days(spine.months[:1])[0], -1)
    inside = known & (codes >= 0) & (codes < len(spine.column_of)) & (day >= 0) & (day < len(spine.row_of))
    column = spine.column_of[np.where(inside, codes, 0)]
    row = spine.row_of[np.where(inside, day, 0)]  # a day that is not a month's first day has none
    return np.where(inside & (column >= 0) & (row >= 0), column * len(spine.months) + row, -1)


def _days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)
