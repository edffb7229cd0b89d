"""The transition from child to adult (F-KOM-TRANSITION): young people aged 16-19 on a caseworker's own cases who
have a children's measure, whether an adult case follows it, and the gap between the two.

Person-level data: only citizens on the caseworker's own cases (data_access.caseload.own_citizens), and
only grants in their own municipality; each read is written to the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select

from .appstate import AppState, current_appstate
from .caseload import own_citizens
from .meta import load_info
from .scope import UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import dim_caseworker, dim_citizen, fact_grant

YOUNGEST, OLDEST = 16, 19
ADULT_AGE = 18
STATUS_ADULT_CASE = "Voksensag følger"
STATUS_GAP = "Hul mellem sagerne"
STATUS_NO_ADULT_YET = "Ingen voksensag endnu"
STATUS_ENDED_WITHOUT = "Ophørt uden voksensag"

COLUMNS = ["citizen_key", "name", "masked_cpr", "birth_date", "age", "turns_18", "days_to_18", "status", "gap_days",
           "adult_need_assessed", "children_measure", "children_legal_basis", "children_start", "children_end",
           "children_caseworker",
           "adult_measure", "adult_legal_basis", "adult_start", "adult_end", "adult_caseworker"]

DATE_COLUMNS = ["birth_date", "turns_18", "children_start", "children_end", "adult_start", "adult_end"]


def birthday(born: date, years: int) -> date:
    """The day someone turns ``years`` (a 29 February birthday falls on 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def transition_worklist(scope: UserScope, warehouse: Warehouse | None = None,
                        appstate: AppState | None = None) -> pd.DataFrame:
    """One row per young person aged 16-19 on the last day of the data with a children's measure active since
    their 16th birthday, soonest 18th birthday first.

    The children's side is the most recent children's grant (ended when the last one ended; open if any is);
    the adult side is the first adult grant that runs after the 16th birthday. ``gap_days``: days with neither,
    between the children's end and the adult start. ``adult_need_assessed``: the caseworker's assessment on a
    children's grant that the young person will need adult support (True if any grant says so; None if none says).
    """
    mine = own_citizens(scope).subquery()
    warehouse = warehouse or current_warehouse()
    last_day = load_info(warehouse).data_as_of - timedelta(days=1)
    oldest_born = birthday(last_day, -(OLDEST + 1)) + timedelta(days=1)  # 19 years and 364 days old
    youngest_born = birthday(last_day, -YOUNGEST)
    statement = (
        select(fact_grant.c.citizen_key, dim_citizen.c.name, dim_citizen.c.masked_cpr, dim_citizen.c.birth_date,
               fact_grant.c.area, fact_grant.c.measure_text, fact_grant.c.legal_basis_code, fact_grant.c.start_date,
               fact_grant.c.end_date, fact_grant.c.adult_need_assessed,
               dim_caseworker.c.name.label("caseworker_name"))
        .select_from(fact_grant.join(dim_citizen, dim_citizen.c.citizen_key == fact_grant.c.citizen_key)
                     .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == fact_grant.c.caseworker_key))
        .where(fact_grant.c.citizen_key.in_(select(mine.c.citizen_key)),
               fact_grant.c.acting_municipality_code == scope.municipality_code,
               fact_grant.c.area.in_(("children", "adults")),
               dim_citizen.c.birth_date.between(oldest_born, youngest_born))
        .order_by(fact_grant.c.citizen_key, fact_grant.c.start_date)
    )
    grants = warehouse.query(statement)
    rows = [row for _, person in grants.groupby("citizen_key", sort=False)
            if (row := _transition(person, last_day)) is not None]
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["turns_18", "name"]).reset_index(drop=True)
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    frame["gap_days"] = pd.to_numeric(frame["gap_days"]).astype("Int64")
    (appstate or current_appstate()).audit(scope, "view_transition", f"{len(frame)} unge på 16-19 år")
    return frame


def _transition(grants: pd.DataFrame, last_day: date) -> dict | None:
    first = grants.iloc[0]
    born = _day(first["birth_date"])
    turned_16 = pd.Timestamp(birthday(born, YOUNGEST))
    starts, ends = pd.to_datetime(grants["start_date"]), pd.to_datetime(grants["end_date"])
    since_16 = (starts <= pd.Timestamp(last_day)) & (ends.isna() | (ends >= turned_16))
    children = grants[since_16 & (grants["area"] == "children")]
    if children.empty:
        return None
    adults = grants[since_16 & (grants["area"] == "adults")]
    latest = children.iloc[-1]
    children_end = None if ends[children.index].isna().any() else ends[children.index].max()
    row = {
        "citizen_key": first["citizen_key"], "name": first["name"], "masked_cpr": first["masked_cpr"],
        "birth_date": born, "age": _age(born, last_day), "turns_18": birthday(born, ADULT_AGE),
        "days_to_18": (birthday(born, ADULT_AGE) - last_day).days,
        "children_measure": latest["measure_text"], "children_legal_basis": latest["legal_basis_code"],
        "children_start": _day(children["start_date"].min()), "children_end": _day(children_end),
        "children_caseworker": latest["caseworker_name"], "gap_days": None,
        "adult_need_assessed": _adult_need(children["adult_need_assessed"]),
    }
    if adults.empty:
        ended = children_end is not None and children_end < pd.Timestamp(last_day)
        return row | {"status": STATUS_ENDED_WITHOUT if ended else STATUS_NO_ADULT_YET}
    adult = adults.iloc[0]
    gap = 0 if children_end is None else max(0, (pd.Timestamp(adult["start_date"]) - children_end).days - 1)
    return row | {
        "status": STATUS_GAP if gap > 0 else STATUS_ADULT_CASE, "gap_days": gap,
        "adult_measure": adult["measure_text"], "adult_legal_basis": adult["legal_basis_code"],
        "adult_start": _day(adult["start_date"]), "adult_end": _day(adult["end_date"]),
        "adult_caseworker": adult["caseworker_name"],
    }


def _adult_need(flags: pd.Series) -> bool | None:
    """Whether a children's grant records that the young person will need adult support; None if none says."""
    said = flags.dropna()
    return None if said.empty else bool(said.astype(bool).any())


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _day(value) -> date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if hasattr(value, "date") else value
