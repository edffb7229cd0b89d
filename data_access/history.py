"""Grants as they were registered: every version a grant has had, and the one valid on a load date.

Person-level: a caseworker sees only own grants, a leader the grants of their own municipality.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import and_, or_, select

from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import VERSIONS

_versions = VERSIONS["fact_grant"]


def grant_versions(scope: UserScope, grant_key: str, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """Every registered version of the grant, oldest first, each valid from one load date to the next."""
    scope.require(Role.CASEWORKER, Role.LEADER)
    statement = select(_versions).where(_versions.c.grant_key == grant_key, *_in_scope(scope)).order_by(
        _versions.c.valid_from)
    return (warehouse or current_warehouse()).query(statement)


def grant_as_registered(scope: UserScope, grant_key: str, on: date, warehouse: Warehouse | None = None) -> pd.Series:
    """The grant as the case system showed it in the delivery loaded on ``on`` (an extraction date)."""
    scope.require(Role.CASEWORKER, Role.LEADER)
    statement = select(_versions).where(
        _versions.c.grant_key == grant_key, *_in_scope(scope), _versions.c.valid_from <= on,
        or_(_versions.c.valid_to.is_(None), _versions.c.valid_to > on))
    found = (warehouse or current_warehouse()).query(statement)
    if found.empty:
        raise LookupError(f"bevillingen {grant_key} var ikke registreret pr. {on:%d-%m-%Y}")
    return found.iloc[0]


def _in_scope(scope: UserScope) -> list:
    conditions = [_versions.c.acting_municipality_code == scope.municipality_code]
    if scope.role is Role.CASEWORKER:
        if not scope.caseworker_key:
            raise AccessDenied("Din bruger er ikke knyttet til en sagsbehandler i fagsystemerne.")
        conditions.append(_versions.c.caseworker_key == scope.caseworker_key)
    return [and_(*conditions)]
