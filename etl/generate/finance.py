"""Money: monthly payment postings per grant, with the finance system's mistakes, and budgets.

Postings are computed for the whole simulated horizon at once, with numpy, so that the ten
years of a national delivery take seconds; an extraction then selects the postings booked in
its period. Voucher numbers follow the booking order, so they do not depend on the extraction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.dates import days_in_month, month_end, months_between

from .extraction import index_factor
from .profiles import DefectRates
from .simulation import DAYS_PER_MONTH, Grant

_EPOCH = date(1970, 1, 1).toordinal()


def as_dates(ordinals: np.ndarray) -> np.ndarray:
    """Day ordinals (date.toordinal) as numpy dates, without a Python loop."""
    return (np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype("datetime64[D]")


@dataclass(frozen=True)
class GrantLedger:
    """One municipality's postings over the whole horizon, as numbers; text is joined in only when written."""

    rows: pd.DataFrame  # grant (index into grants), month (ordinal), amount, posting (ordinal), voucher, kind
    account: pa.Array  # per grant
    art: pa.Array
    cpr: pa.Array
    system: pa.Array
    reference: pa.Array
    service: pa.Array

    def between(self, first: date, last: date) -> pd.DataFrame:
        posting = self.rows["posting"]
        return self.rows[(posting >= first.toordinal()) & (posting <= last.toordinal())]

    def table(self, selected: pd.DataFrame) -> pa.Table:
        """The selected postings, with the text columns taken per grant."""
        grant = pa.array(selected["grant"].to_numpy())
        months = pa.array([date.fromordinal(int(m)).strftime("%m-%Y") for m in selected["month"].unique()])
        month_index = pa.array(pd.Index(selected["month"].unique()).get_indexer(selected["month"]))
        text = pc.binary_join_element_wise(pc.take(self.service, grant), pc.take(months, month_index), " ")
        reversal = pa.array(selected["kind"].to_numpy() == 2)
        text = pc.if_else(reversal, pc.binary_join_element_wise("Tilbageførsel: ", text, ""), text)
        return pa.table({
            "voucher": pa.array(selected["voucher"].to_numpy()),
            "posting_date": pa.array(as_dates(selected["posting"].to_numpy())),
            "account": pc.take(self.account, grant), "art": pc.take(self.art, grant),
            "amount": pa.array(selected["amount"].to_numpy()), "cpr": pc.take(self.cpr, grant),
            "system": pc.take(self.system, grant), "reference": pc.take(self.reference, grant), "text": text,
        })


def postings(grants: list[Grant], systems: dict[int, str], references: dict[int, str], history_start: date,
             horizon: date, defects: DefectRates, seed: int, municipality: int) -> GrantLedger:
    """Every posting from the history start to the horizon, one row per grant and month of service.

    ``systems`` and ``references`` give, per grant number, the case system and the grant's id there.
    """
    last = horizon - timedelta(days=1)
    start = np.array([g.start.toordinal() for g in grants], dtype=np.int64)
    end = np.array([(g.end or last).toordinal() for g in grants], dtype=np.int64)
    registered = np.array([g.registered.toordinal() for g in grants], dtype=np.int64)
    cost = np.array([g.monthly_cost_2025 for g in grants], dtype=np.float64)
    daily = np.array([g.spec.daily_rate for g in grants], dtype=bool)
    parts = [pd.DataFrame({"grant": np.array([], dtype=np.int64), "month": np.array([], dtype=np.int64),
                           "amount": np.array([], dtype=np.float64), "posting": np.array([], dtype=np.int64)})]
    for month in months_between(history_start, last):
        first, final = month.toordinal(), month_end(month).toordinal()
        days = np.minimum(end, final) - np.maximum(start, first) + 1
        index = np.nonzero(days > 0)[0]
        if not len(index):
            continue
        factor = index_factor(month.year)
        per_day = np.round(cost[index] * factor / DAYS_PER_MONTH, 2)
        per_month = np.round(cost[index] * factor, 2)
        amount = np.where(daily[index], np.round(per_day * days[index], 2),
                          np.round(per_month * days[index] / days_in_month(month), 2))
        parts.append(pd.DataFrame({"grant": index, "month": month.toordinal(), "amount": amount,
                                   "posting": np.maximum(first, registered[index])}))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["posting"] <= last.toordinal()]
    generator = np.random.default_rng([seed, municipality])
    rows = _with_payment_mistakes(rows, defects, generator)
    rows = rows.sort_values(["posting", "month", "grant", "kind"], kind="stable").reset_index(drop=True)
    rows["voucher"] = municipality * 10_000_000 + np.arange(len(rows))
    rows = _with_duplicated_lines(rows, defects.duplicate_posting_line, generator)
    number = [g.number for g in grants]
    return GrantLedger(
        rows=rows,
        account=pa.array([g.account for g in grants], pa.string()),
        art=pa.array(["59" if (g.placement_type or "").startswith("PF-") else "40" for g in grants], pa.string()),
        cpr=pa.array([g.citizen.cpr for g in grants], pa.string()),
        system=pa.array([systems[n] for n in number], pa.string()),
        reference=pa.array([references[n] for n in number], pa.string()),
        service=pa.array([g.spec.service for g in grants], pa.string()),
    )


def _with_payment_mistakes(rows: pd.DataFrame, defects: DefectRates, generator: np.random.Generator) -> pd.DataFrame:
    """Months paid twice, and payments made by mistake then reversed: real money, to be flagged, not dropped."""
    rows = rows.assign(kind=0)
    draw = generator.random(len(rows))
    doubled = rows[draw < defects.double_payment]
    mistaken = rows[(draw >= defects.double_payment) & (draw < defects.double_payment + defects.reversed_payment)]
    wrong_day = mistaken["posting"] + generator.integers(0, 3, len(mistaken))
    return pd.concat([
        rows,
        doubled.assign(posting=doubled["posting"] + generator.integers(0, 4, len(doubled)), kind=1),
        mistaken.assign(posting=wrong_day, kind=1),
        mistaken.assign(posting=wrong_day + generator.integers(3, 11, len(mistaken)), amount=-mistaken["amount"],
                        kind=2),
    ], ignore_index=True)


def _with_duplicated_lines(rows: pd.DataFrame, rate: float, generator: np.random.Generator) -> pd.DataFrame:
    """The same posting line delivered twice (same voucher): the loader must catch it."""
    if rate <= 0:
        return rows
    twice = rows[generator.random(len(rows)) < rate]
    return pd.concat([rows, twice]).sort_index(kind="stable").reset_index(drop=True)


def budgets(ledger: GrantLedger, history_start: date, horizon: date, seed: int, municipality: int) -> list[dict]:
    """Budgets per year and function near the actual spend, set in advance and corrected month by month."""
    rng = random.Random(f"{seed}:{municipality}:budget")
    account = pd.Series(ledger.account.to_pylist())
    function = (account.str.slice(0, 1) + "." + account.str.slice(1, 3) + "." + account.str.slice(3, 5)).to_numpy()
    rows = ledger.rows
    years = as_dates(rows["posting"].to_numpy()).astype("datetime64[Y]").astype(np.int64) + 1970
    frame = pd.DataFrame({"year": years, "function": function[rows["grant"].to_numpy()],
                          "amount": rows["amount"].to_numpy()})
    spent = frame.groupby(["year", "function"])["amount"].sum()
    months_in_year: dict[int, int] = {}
    for month in months_between(history_start, horizon - timedelta(days=1)):
        months_in_year[month.year] = months_in_year.get(month.year, 0) + 1
    result = []
    for (year, name), amount in spent.items():
        original = round(float(amount) * 12 / months_in_year[year] * rng.gauss(1.0, 0.04), -3)
        result.append({"year": int(year), "function": name, "original": original, "drift": rng.gauss(0.01, 0.02)})
    return result


def budget_view(rows: list[dict], extraction: date) -> list[dict]:
    """Budgets as the finance system shows them on the extraction date: corrected up to its month."""
    today = extraction - timedelta(days=1)
    shown = []
    for row in rows:
        if row["year"] > today.year:
            continue
        months = today.month if row["year"] == today.year else 12
        corrected = round(row["original"] * (1 + row["drift"] * months / 12), -3)
        shown.append({"year": row["year"], "function": row["function"], "original": row["original"],
                      "corrected": corrected})
    return shown
