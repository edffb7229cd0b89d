"""The audit log as a local administrator reads it: what the own municipality's users did and saw, when.

The log names users, not municipalities, so its lines are joined to the users of the administrator's
municipality in the query itself: another municipality's lines never leave the store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import select

from locale_da import COPENHAGEN

from .appstate import AppState, audit_log, current_appstate, users
from .scope import Role, UserScope

ACTION_LABELS = {
    "view_caseload": "Så sine sager",
    "reveal_cpr": "Viste CPR-nummer",
    "view_citizen": "Så en borger",
    "upload_targets": "Uploadede måltal",
    "upload_file": "Uploadede datafil",
    "create_user": "Oprettede bruger",
    "disable_user": "Spærrede bruger",
    "enable_user": "Genåbnede bruger",
    "reset_password": "Nulstillede adgangskode",
    "change_role": "Ændrede rolle",
}
COLUMNS = ["at", "username", "display_name", "action", "detail"]


def action_label(action: str) -> str:
    """Actions other modules log that have no Danish label yet are shown as logged."""
    return ACTION_LABELS.get(action, action)


def audit_entries(scope: UserScope, username: str | None = None, actions: list[str] | None = None,
                  start: date | None = None, end: date | None = None, appstate: AppState | None = None,
                  limit: int = 10_000) -> pd.DataFrame:
    """The newest lines first, of the own municipality's users; ``start`` and ``end`` are whole Danish days."""
    scope.require(Role.ADMIN)
    statement = (select(audit_log.c.at, audit_log.c.username, users.c.display_name, audit_log.c.action,
                        audit_log.c.detail)
                 .join_from(audit_log, users, users.c.username == audit_log.c.username)
                 .where(users.c.municipality_code == scope.municipality_code)
                 .order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit))
    if username:
        statement = statement.where(audit_log.c.username == username.lower())
    if actions:
        statement = statement.where(audit_log.c.action.in_(actions))
    if start is not None:
        statement = statement.where(audit_log.c.at >= _utc_midnight(start))
    if end is not None:
        statement = statement.where(audit_log.c.at < _utc_midnight(end + timedelta(days=1)))
    with (appstate or current_appstate()).engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return pd.DataFrame(rows, columns=COLUMNS)


def logged_actions(scope: UserScope, appstate: AppState | None = None) -> list[str]:
    """The actions the own municipality's users have in the log, to filter by."""
    scope.require(Role.ADMIN)
    statement = (select(audit_log.c.action).distinct()
                 .join_from(audit_log, users, users.c.username == audit_log.c.username)
                 .where(users.c.municipality_code == scope.municipality_code).order_by(audit_log.c.action))
    with (appstate or current_appstate()).engine.connect() as connection:
        return [row[0] for row in connection.execute(statement)]


def _utc_midnight(day: date) -> datetime:
    """Midnight in Copenhagen as the store keeps times: naive UTC."""
    return datetime.combine(day, time(), tzinfo=COPENHAGEN).astimezone(UTC).replace(tzinfo=None)
