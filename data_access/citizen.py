"""One citizen on a caseworker's own cases: measures, payments, family relations and moves from CPR,
and the real CPR number on an explicit request.

Whatever citizen key the caller passes, a caseworker gets a citizen only if they have (or had) a
grant for that citizen in their own municipality; anyone else is refused with a Danish message, and
the refusal is logged too. Within the citizen, only the own municipality's grants and postings come
back. Every read and every CPR reveal is written to the audit log.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import func, literal, or_, select

from .appstate import AppState, current_appstate
from .caseload import own_citizens, require_caseworker
from .identity import IDENTITY_NAME, citizen_identity
from .scope import AccessDenied, UserScope
from .settings import load_settings
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import (
    dim_caseworker,
    dim_citizen,
    dim_legal_basis,
    dim_municipality,
    dim_placement_type,
    dim_provider,
    fact_grant,
    fact_payment,
    fact_relation,
    fact_residence,
    person_cpr,
)

NOT_YOUR_CITIZEN = "Du har ikke adgang til denne borger: borgeren er ikke på dine sager."
PARENT_LABELS = {"MOR": "Mor", "FAR": "Far"}
CHILD_LABEL, SIBLING_LABEL, HALF_SIBLING_LABEL, SELF_LABEL = "Barn", "Søskende", "Halvsøskende", "Borgeren"


@dataclass(frozen=True)
class CitizenFile:
    """Everything the citizen page shows about one citizen."""

    citizen_key: str
    name: str
    masked_cpr: str
    birth_date: date
    sex: str
    residence: str | None  # the municipality CPR has them living in now
    grants: pd.DataFrame  # the own municipality's grants overlapping the period
    payments: pd.DataFrame  # the own municipality's postings per month and grant in the period
    relations: pd.DataFrame  # parents, children and siblings from CPR
    moves: pd.DataFrame  # the CPR address history of the citizen and their parents


def my_citizens(scope: UserScope, warehouse: Warehouse | None = None,
                appstate: AppState | None = None) -> pd.DataFrame:
    """The citizens on the caseworker's own cases (citizen_key, name, masked_cpr), by name."""
    mine = own_citizens(scope).subquery()
    statement = (select(dim_citizen.c.citizen_key, dim_citizen.c.name, dim_citizen.c.masked_cpr)
                 .where(dim_citizen.c.citizen_key.in_(select(mine.c.citizen_key)))
                 .order_by(dim_citizen.c.name, dim_citizen.c.masked_cpr))
    frame = (warehouse or current_warehouse()).query(statement)
    (appstate or current_appstate()).audit(scope, "list_citizens", f"{len(frame)} borgere")
    return frame


def citizen_file(scope: UserScope, citizen_key: str, start: date, end: date, warehouse: Warehouse | None = None,
                 appstate: AppState | None = None) -> CitizenFile:
    """The citizen page's data for the months ``start`` to ``end`` (first days of months, both included)."""
    warehouse = warehouse or current_warehouse()
    appstate = appstate or current_appstate()
    person = _own_citizen(scope, citizen_key, warehouse, appstate)
    until = (pd.Timestamp(end) + pd.offsets.MonthBegin(1)).date()  # first day after the period
    grants = _grants(scope, citizen_key, start, until, warehouse)
    payments = _payments(scope, citizen_key, start, until, warehouse)
    relations = _relations(citizen_key, warehouse)
    moves = _moves(citizen_key, relations, warehouse)
    appstate.audit(scope, "view_citizen", f"{person['masked_cpr']} ({citizen_key}): {len(grants)} bevillinger, "
                   f"{len(payments)} betalingsmåneder, {start:%m-%Y} til {end:%m-%Y}")
    return CitizenFile(citizen_key, person["name"], person["masked_cpr"], _day(person["birth_date"]), person["sex"],
                       person["residence"], grants, payments, relations, moves)


def reveal_cpr(scope: UserScope, citizen_key: str, warehouse: Warehouse | None = None,
               appstate: AppState | None = None) -> str:
    """The citizen's real CPR number (ddmmåå-xxxx), read from the identity file; every reveal is logged."""
    warehouse = warehouse or current_warehouse()
    appstate = appstate or current_appstate()
    person = _own_citizen(scope, citizen_key, warehouse, appstate)
    found = identity_store(warehouse).query(
        select(citizen_identity.c.cpr).where(citizen_identity.c.citizen_key == citizen_key))
    if found.empty:
        raise LookupError("CPR-nummeret findes ikke i identitetsfilen.")
    appstate.audit(scope, "reveal_cpr", f"CPR-nr. vist for {person['masked_cpr']} ({citizen_key})")
    digits = str(found.iloc[0, 0])
    return f"{digits[:6]}-{digits[6:]}"


def identity_store(warehouse: Warehouse | object) -> Warehouse:
    """The identity file published beside the warehouse (for a server warehouse: in the warehouse folder)."""
    folder = Path(warehouse.published).parent if isinstance(warehouse, Warehouse) else load_settings().warehouse_dir
    return _identity_at(folder / IDENTITY_NAME)


@functools.cache
def _identity_at(path: Path) -> Warehouse:
    return Warehouse(path)  # read-only, follows the link to each newly published file


def _own_citizen(scope: UserScope, citizen_key: str, warehouse: Warehouse, appstate: AppState) -> dict:
    require_caseworker(scope)
    mine = own_citizens(scope).subquery()
    statement = (
        select(dim_citizen.c.name, dim_citizen.c.masked_cpr, dim_citizen.c.birth_date, dim_citizen.c.sex,
               dim_municipality.c.name.label("residence"))
        .select_from(dim_citizen.outerjoin(
            dim_municipality, dim_municipality.c.municipality_code == dim_citizen.c.residence_municipality_code))
        .where(dim_citizen.c.citizen_key == citizen_key, dim_citizen.c.citizen_key.in_(select(mine.c.citizen_key)))
    )
    found = warehouse.query(statement)
    if found.empty:
        appstate.audit(scope, "refused_citizen", f"Afvist opslag på borger {str(citizen_key)[:64]}")
        raise AccessDenied(NOT_YOUR_CITIZEN)
    row = found.iloc[0].to_dict()
    row["residence"] = None if pd.isna(row["residence"]) else row["residence"]
    return row


def _grants(scope: UserScope, citizen_key: str, start: date, until: date, warehouse: Warehouse) -> pd.DataFrame:
    grant = fact_grant
    paying = dim_municipality.alias("paying")
    statement = (
        select(grant.c.grant_key, grant.c.area, grant.c.measure_text, grant.c.legal_basis_code,
               dim_legal_basis.c.text.label("legal_basis_text"), dim_placement_type.c.name.label("placement_type"),
               dim_provider.c.name.label("provider_name"), grant.c.grant_date, grant.c.start_date, grant.c.end_date,
               grant.c.rate, grant.c.rate_unit, grant.c.monthly_cost, dim_caseworker.c.name.label("caseworker_name"),
               paying.c.name.label("paying_municipality"),
               (grant.c.caseworker_key == scope.caseworker_key).label("is_mine"))
        .select_from(
            grant.join(dim_legal_basis, dim_legal_basis.c.legal_basis_code == grant.c.legal_basis_code)
            .outerjoin(dim_placement_type, dim_placement_type.c.placement_type_code == grant.c.placement_type_code)
            .outerjoin(dim_provider, dim_provider.c.provider_key == grant.c.provider_key)
            .outerjoin(dim_caseworker, dim_caseworker.c.caseworker_key == grant.c.caseworker_key)
            .outerjoin(paying, paying.c.municipality_code == grant.c.paying_municipality_code))
        .where(grant.c.citizen_key == citizen_key, grant.c.acting_municipality_code == scope.municipality_code,
               grant.c.start_date < until, or_(grant.c.end_date.is_(None), grant.c.end_date >= start))
        .order_by(grant.c.start_date, grant.c.grant_key)
    )
    return _with_dates(warehouse.query(statement), "grant_date", "start_date", "end_date")


def _payments(scope: UserScope, citizen_key: str, start: date, until: date, warehouse: Warehouse) -> pd.DataFrame:
    """Postings per accounting month and grant (measure text; postings without a grant form their own line)."""
    payment = fact_payment
    measure = func.coalesce(fact_grant.c.measure_text, literal("Uden bevilling"))
    statement = (
        select(payment.c.period_month.label("month"), payment.c.grant_key, measure.label("measure_text"),
               func.sum(payment.c.amount).label("amount"), func.count().label("postings"))
        .select_from(payment.outerjoin(fact_grant, fact_grant.c.grant_key == payment.c.grant_key))
        .where(payment.c.citizen_key == citizen_key, payment.c.municipality_code == scope.municipality_code,
               payment.c.period_month >= start, payment.c.period_month < until)
        .group_by(payment.c.period_month, payment.c.grant_key, measure)
        .order_by(payment.c.period_month, measure)
    )
    return warehouse.query(statement)


def _relations(citizen_key: str, warehouse: Warehouse) -> pd.DataFrame:
    """Parents, children and siblings (other children of a parent of the citizen), with what CPR says about them."""
    own_parents = select(fact_relation.c.parent_key).where(fact_relation.c.child_key == citizen_key)
    links = warehouse.query(
        select(fact_relation.c.child_key, fact_relation.c.parent_key, fact_relation.c.relation)
        .where(or_(fact_relation.c.child_key == citizen_key, fact_relation.c.parent_key == citizen_key,
                   fact_relation.c.parent_key.in_(own_parents))))
    parents = links[links["child_key"] == citizen_key]
    relatives = {key: PARENT_LABELS.get(kind, kind) for key, kind in zip(parents["parent_key"], parents["relation"],
                                                                          strict=True)}
    relatives |= dict.fromkeys(links.loc[links["parent_key"] == citizen_key, "child_key"], CHILD_LABEL)
    others = links[links["parent_key"].isin(parents["parent_key"]) & (links["child_key"] != citizen_key)]
    for key, shared in others.groupby("child_key")["parent_key"].nunique().items():
        full = len(parents) > 1 and shared == len(parents)
        relatives.setdefault(key, SIBLING_LABEL if full else HALF_SIBLING_LABEL)
    people = warehouse.query(
        select(person_cpr.c.citizen_key.label("relative_key"),
               (person_cpr.c.first_name + literal(" ") + person_cpr.c.last_name).label("name"),
               dim_citizen.c.masked_cpr, person_cpr.c.birth_date, dim_municipality.c.name.label("residence"),
               person_cpr.c.moved_in)
        .select_from(person_cpr.outerjoin(dim_citizen, dim_citizen.c.citizen_key == person_cpr.c.citizen_key)
                     .outerjoin(dim_municipality,
                                dim_municipality.c.municipality_code == person_cpr.c.residence_municipality_code))
        .where(person_cpr.c.citizen_key.in_(list(relatives) or [""])))
    frame = pd.DataFrame({"relative_key": list(relatives), "relation": list(relatives.values())}).merge(
        people, on="relative_key", how="left")
    order = {"Mor": 0, "Far": 1, SIBLING_LABEL: 2, HALF_SIBLING_LABEL: 3, CHILD_LABEL: 4}
    frame["order"] = frame["relation"].map(order)
    frame = _with_dates(frame, "birth_date", "moved_in")
    return frame.sort_values(["order", "birth_date"]).drop(columns="order").reset_index(drop=True)


def _moves(citizen_key: str, relations: pd.DataFrame, warehouse: Warehouse) -> pd.DataFrame:
    """The CPR address history of the citizen and their parents (a child's paying municipality follows them)."""
    parents = relations[relations["relation"].isin(PARENT_LABELS.values())]
    people = {citizen_key: SELF_LABEL, **dict(zip(parents["relative_key"], parents["relation"], strict=True))}
    statement = (
        select(fact_residence.c.citizen_key, fact_residence.c.moved_in, fact_residence.c.moved_out,
               fact_residence.c.municipality_code, dim_municipality.c.name.label("municipality"))
        .select_from(fact_residence.outerjoin(
            dim_municipality, dim_municipality.c.municipality_code == fact_residence.c.municipality_code))
        .where(fact_residence.c.citizen_key.in_(list(people)))
        .order_by(fact_residence.c.moved_in, fact_residence.c.citizen_key)
    )
    frame = warehouse.query(statement)
    frame.insert(0, "person", frame["citizen_key"].map(people))
    return _with_dates(frame.drop(columns="citizen_key"), "moved_in", "moved_out")


def _with_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Dates as datetime64 even when a column is all empty (the engine then gives no type)."""
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _day(value) -> date:
    return value.date() if hasattr(value, "date") else value

