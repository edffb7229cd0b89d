"""Providers and units inside a leader's own municipality (F-BENCH-INST, F-KOM-LINKAGE).

Per provider, placement type, measure type or unit: how many citizens it served, in full-year persons
(Σ days / days in the period, as K-ECO-HY-TOTAL counts them), what was paid for them, the price per
full-year person and, where scores were taken, how the citizens' scores moved 6 and 12 months after
the start (the K-EFF-* measure: Σ change / Σ citizens measured).

The aggregates carry no provider or unit for persons and spend, so these figures are summed from the
person-level facts: only a leader gets them, only for their own municipality, and each read is
audit-logged. Averages of scores resting on fewer than five citizens are hidden, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, literal, select

from .appstate import AppState, current_appstate
from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    agg_effect_month,
    dim_caseworker,
    dim_measure_group,
    dim_month,
    dim_placement_type,
    dim_provider,
    fact_grant,
    fact_payment,
    fact_person_month,
)

MIN_PERSONS = 5  # an average score over fewer citizens is not shown (the K-EFF-* disclosure threshold)
SERVICE_AREAS = ("children", "adults")
HORIZONS = (6, 12)
INSTRUMENTS = ("TRIVSEL", "VUM")
UNKNOWN = "Uoplyst"


@dataclass(frozen=True)
class Grouping:
    """A way to split the municipality's own cases; ``column`` names the key on every fact that has it."""

    name: str
    label: str  # Danish, for the page
    column: str | None  # on fact_person_month, fact_grant and agg_effect_month; None: the caseworker's unit
    no_value: str  # Danish label of the rows without a value


GROUPINGS = {
    "provider": Grouping("provider", "Leverandør", "provider_key", "Uden leverandør"),
    "placement_type": Grouping("placement_type", "Anbringelsesform", "placement_type_code", "Ikke en anbringelse"),
    "measure_group": Grouping("measure_group", "Indsatstype", "measure_group", UNKNOWN),
    "unit": Grouping("unit", "Enhed (sagsbehandlerens)", None, UNKNOWN),
}


def require_own_detail(scope: UserScope, municipality: int) -> None:
    """Detail below the KPIs (providers, units, caseworkers, citizens) is for a leader's own municipality only."""
    if scope.role is Role.POLITICIAN:
        raise AccessDenied("Som politiker ser du de samlede nøgletal, ikke tal for enkelte leverandører, enheder, "
                           "sagsbehandlere eller borgere.")
    scope.require(Role.LEADER)
    if municipality != scope.municipality_code:
        raise AccessDenied("Du kan kun se leverandører, enheder og borgere i din egen kommune.")


def service_areas(area: str | None) -> tuple[str, ...]:
    """The grant areas a sidebar area selects: children or adults alone, else both."""
    return (area,) if area in SERVICE_AREAS else SERVICE_AREAS


def days_in_period(warehouse: Warehouse, start: date, end: date) -> int:
    statement = select(func.sum(dim_month.c.days_in_month)).where(dim_month.c.month.between(start, end))
    return int(warehouse.query(statement).iloc[0, 0] or 0)


def comparison(scope: UserScope, municipality: int, start: date, end: date, by: str = "provider",
               area: str | None = None, warehouse: Warehouse | None = None,
               appstate: AppState | None = None) -> pd.DataFrame:
    """One row per provider (or other grouping) paid by the municipality from ``start`` to ``end`` (months):
    key, label, citizens, full_year_persons, spend, price_per_full_year_person, and per instrument and
    horizon ``{instrument}_{h}_citizens`` and ``{instrument}_{h}_change`` (average change; NaN under five)."""
    require_own_detail(scope, municipality)
    grouping = GROUPINGS[by]
    warehouse = warehouse or current_warehouse()
    areas = service_areas(area)
    persons = _persons(warehouse, grouping, municipality, start, end, areas)
    spend = _spend(warehouse, grouping, municipality, start, end, areas)
    frame = persons.merge(spend, on="key", how="outer")
    if grouping.column is not None:
        outcomes = wide_outcomes(outcome_sums(warehouse, municipality, start, end, areas, grouping.column))
        frame = frame.merge(outcomes, on="key", how="outer")
    frame = _complete(frame, days_in_period(warehouse, start, end))
    frame.insert(1, "label", _labels(warehouse, grouping, frame["key"]))
    frame = frame.sort_values("spend", ascending=False, na_position="last").reset_index(drop=True)
    frame.attrs.update(citizens=_citizens(warehouse, municipality, start, end, areas), by=by)
    (appstate or current_appstate()).audit(
        scope, "view_provider_comparison",
        f"{grouping.label} i kommune {municipality}, {start:%m-%Y} til {end:%m-%Y}: {len(frame)} rækker")
    return frame


def outcome_sums(warehouse: Warehouse, municipality: int, start: date, end: date, areas: tuple[str, ...],
                 column: str | None = None) -> pd.DataFrame:
    """Σ citizens measured and Σ score change per key (when ``column`` is given), instrument and horizon, from
    agg_effect_month in the months the follow-up points fall in; counted in the paying municipality."""
    effect = agg_effect_month
    key = effect.c[column] if column else literal(None)
    statement = (
        select(key.label("key"), effect.c.instrument, effect.c.horizon_months,
               func.sum(effect.c.citizens).label("citizens"), func.sum(effect.c.baseline_score).label("baseline"),
               func.sum(effect.c.score_change).label("change"))
        .where(effect.c.paying_municipality_code == municipality, effect.c.month.between(start, end),
               effect.c.area.in_(areas))
        .group_by(key, effect.c.instrument, effect.c.horizon_months)
    )
    return warehouse.query(statement)


def wide_outcomes(sums: pd.DataFrame) -> pd.DataFrame:
    """Per key: ``{instrument}_{h}_citizens`` and the average ``{instrument}_{h}_change``, hidden under five."""
    columns = {"key": sums["key"].unique()}
    wide = pd.DataFrame(columns).set_index("key") if len(sums) else pd.DataFrame(index=pd.Index([], name="key"))
    for instrument in INSTRUMENTS:
        for horizon in HORIZONS:
            part = sums[(sums["instrument"] == instrument) & (sums["horizon_months"] == horizon)].set_index("key")
            citizens = part["citizens"].astype(float)
            change = part["change"].astype(float) / citizens.where(citizens > 0)
            wide[f"{instrument}_{horizon}_citizens"] = citizens
            wide[f"{instrument}_{horizon}_change"] = change.where(citizens >= MIN_PERSONS)
    return wide.reset_index()


def _key(grouping: Grouping, table):
    return dim_caseworker.c.unit if grouping.column is None else table.c[grouping.column]


def _with_unit(grouping: Grouping, source, table):
    if grouping.column is not None:
        return source
    return source.outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == table.c.caseworker_key)


def _persons(warehouse: Warehouse, grouping: Grouping, municipality: int, start: date, end: date,
             areas: tuple[str, ...]) -> pd.DataFrame:
    person = fact_person_month
    key = _key(grouping, person)
    statement = (
        select(key.label("key"), func.count(func.distinct(person.c.citizen_key)).label("citizens"),
               func.sum(person.c.days_active).label("person_days"))
        .select_from(_with_unit(grouping, person, person))
        .where(person.c.paying_municipality_code == municipality, person.c.month.between(start, end),
               person.c.area.in_(areas))
        .group_by(key)
    )
    return warehouse.query(statement)


def _spend(warehouse: Warehouse, grouping: Grouping, municipality: int, start: date, end: date,
           areas: tuple[str, ...]) -> pd.DataFrame:
    """Postings in the period's accounting months, by the grant they pay (postings naming no grant fall out)."""
    payment, grant = fact_payment, fact_grant
    key = _key(grouping, grant)
    statement = (
        select(key.label("key"), func.sum(payment.c.amount).label("spend"))
        .select_from(_with_unit(grouping, payment.join(grant, grant.c.grant_key == payment.c.grant_key), grant))
        .where(payment.c.municipality_code == municipality, payment.c.period_month.between(start, end),
               grant.c.area.in_(areas))
        .group_by(key)
    )
    return warehouse.query(statement)


def _citizens(warehouse: Warehouse, municipality: int, start: date, end: date, areas: tuple[str, ...]) -> int:
    """Distinct citizens in the period: the groups' counts do not add up (a citizen may use several)."""
    person = fact_person_month
    statement = (select(func.count(func.distinct(person.c.citizen_key)))
                 .where(person.c.paying_municipality_code == municipality, person.c.month.between(start, end),
                        person.c.area.in_(areas)))
    return int(warehouse.query(statement).iloc[0, 0])


def _complete(frame: pd.DataFrame, days: int) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("citizens", "person_days", "spend"):
        frame[column] = frame[column].astype(float).fillna(0)
    frame["full_year_persons"] = frame["person_days"] / days if days else np.nan
    frame["price_per_full_year_person"] = frame["spend"] / frame["full_year_persons"].where(
        frame["full_year_persons"] > 0)
    first = ["key", "citizens", "full_year_persons", "spend", "price_per_full_year_person"]
    return frame[first + [c for c in frame.columns if c not in first and c != "person_days"]]


def _labels(warehouse: Warehouse, grouping: Grouping, keys: pd.Series) -> list[str]:
    names: dict[str, str] = {}
    wanted = [k for k in keys if isinstance(k, str)]
    if grouping.name == "provider" and wanted:
        frame = warehouse.query(select(dim_provider.c.provider_key, dim_provider.c.name)
                                .where(dim_provider.c.provider_key.in_(wanted)))
        names = dict(zip(frame["provider_key"], frame["name"], strict=True))
    elif grouping.name == "placement_type":
        frame = warehouse.query(select(dim_placement_type.c.placement_type_code, dim_placement_type.c.name))
        names = dict(zip(frame["placement_type_code"], frame["name"], strict=True))
    elif grouping.name == "measure_group":
        frame = warehouse.query(select(dim_measure_group.c.measure_group, dim_measure_group.c.name))
        names = dict(zip(frame["measure_group"], frame["name"], strict=True))
    return [names.get(k, k) if isinstance(k, str) else grouping.no_value for k in keys]
