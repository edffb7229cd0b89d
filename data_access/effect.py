"""Effect for the money (F-KOM-EFFECT): outcome progression per measure type, provider or placement type, with
what a full-year person costs there, for a leader's own municipality.

The progression is the K-EFF-* measure from agg_effect_month: of the citizens whose score was taken at the
start of a measure and again about 6 or 12 months later (counted in the month that point falls in), the
average change. Trivsel (0-10) is measured for children and young people, higher is better; the
functional level (VUM, 0-4) for adults, lower is better. An average over fewer than five citizens is hidden.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from .appstate import AppState
from .providers import HORIZONS, INSTRUMENTS, comparison
from .scope import UserScope
from .warehouse import Warehouse

EFFECT_GROUPINGS = ("measure_group", "provider", "placement_type")  # agg_effect_month has no unit
COST_COLUMNS = ["citizens", "full_year_persons", "spend", "price_per_full_year_person"]


def beside_cost(scope: UserScope, municipality: int, start: date, end: date, by: str = "measure_group",
                area: str | None = None, warehouse: Warehouse | None = None,
                appstate: AppState | None = None) -> pd.DataFrame:
    """One row per group and instrument with measurements in the period: ``citizens_{h}`` measured and average
    ``change_{h}`` for each horizon (NaN under five), beside the group's citizens, full-year persons, spend and
    price per full-year person (all its citizens, measured or not)."""
    if by not in EFFECT_GROUPINGS:
        raise ValueError(f"Effekten kan ikke opdeles efter {by}.")
    frame = comparison(scope, municipality, start, end, by, area, warehouse, appstate)
    rows = []
    for instrument in INSTRUMENTS:
        measured = frame[[f"{instrument}_{h}_citizens" for h in HORIZONS]].fillna(0).sum(axis=1) > 0
        part = frame.loc[measured, ["key", "label", *COST_COLUMNS]].copy()
        part.insert(2, "instrument", instrument)
        for horizon in HORIZONS:
            part[f"citizens_{horizon}"] = frame.loc[measured, f"{instrument}_{horizon}_citizens"].fillna(0)
            part[f"change_{horizon}"] = frame.loc[measured, f"{instrument}_{horizon}_change"]
        rows.append(part)
    result = pd.concat(rows, ignore_index=True)
    return result.sort_values(["instrument", "citizens_6"], ascending=[True, False]).reset_index(drop=True)

