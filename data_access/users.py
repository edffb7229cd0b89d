"""A local administrator's users: the own municipality's only, every change written to the audit log.

Passwords are never chosen by the administrator: a reset or a new user gets a generated one-time
password that is returned once, to be handed over, and stored only as a bcrypt hash.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from .appstate import AppState, audit_log, current_appstate, hash_password, now, users
from .scope import AccessDenied, Role, UserScope
from .warehouse import Warehouse, current_warehouse
from .warehouse_schema import dim_caseworker

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I to misread
PASSWORD_LENGTH = 14
LISTED_COLUMNS = ["username", "display_name", "email", "role", "caseworker_key", "active", "created_at"]


class UserProblem(ValueError):
    """A change the administrator asked for that cannot be made; the message is Danish."""


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    email: str | None
    role: Role
    caseworker_key: str | None = None


def list_users(scope: UserScope, appstate: AppState | None = None) -> pd.DataFrame:
    """Every user of the administrator's municipality, disabled ones too; never a password hash."""
    scope.require(Role.ADMIN)
    statement = (select(*(users.c[name] for name in LISTED_COLUMNS))
                 .where(users.c.municipality_code == scope.municipality_code).order_by(users.c.username))
    with (appstate or current_appstate()).engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return pd.DataFrame(rows, columns=LISTED_COLUMNS)


def caseworkers(scope: UserScope, warehouse: Warehouse | None = None) -> pd.DataFrame:
    """The caseworkers the case systems know in the administrator's municipality, to link a user to."""
    scope.require(Role.ADMIN)
    statement = (select(dim_caseworker.c.caseworker_key, dim_caseworker.c.name, dim_caseworker.c.unit)
                 .where(dim_caseworker.c.municipality_code == scope.municipality_code)
                 .order_by(dim_caseworker.c.name, dim_caseworker.c.caseworker_key))
    return (warehouse or current_warehouse()).query(statement)


def create_user(scope: UserScope, new: NewUser, appstate: AppState | None = None,
                warehouse: Warehouse | None = None) -> str:
    """Add a user to the administrator's own municipality; returns the one-time password, shown once."""
    scope.require(Role.ADMIN)
    appstate = appstate or current_appstate()
    username = new.username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserProblem("Brugernavnet skal være 2-64 tegn: små bogstaver a-z, tal, punktum, bindestreg eller "
                          "understregning, og begynde med et bogstav eller tal.")
    if not new.display_name.strip():
        raise UserProblem("Skriv brugerens navn.")
    email = _checked_email(new.email)
    caseworker_key = _checked_caseworker(scope, new.role, new.caseworker_key, warehouse)
    password = _one_time_password()
    with appstate.engine.begin() as connection:
        if connection.execute(select(users.c.username).where(users.c.username == username)).first() is not None:
            raise UserProblem(f"Brugernavnet {username} er optaget; vælg et andet.")
        connection.execute(insert(users).values(
            username=username, display_name=new.display_name.strip(), email=email, role=new.role.value,
            municipality_code=scope.municipality_code, caseworker_key=caseworker_key,
            password_hash=hash_password(password), active=True, created_at=now()))
        _audit(connection, scope, "create_user", f"{username}: {new.role.label.lower()}"
               + (f", sagsbehandler {caseworker_key}" if caseworker_key else ""))
    return password


def set_active(scope: UserScope, username: str, active: bool, appstate: AppState | None = None) -> None:
    """Disable a user (locked out at their next click: sign-in reads the store on every run) or enable them again."""
    scope.require(Role.ADMIN)
    if username.lower() == scope.username.lower() and not active:
        raise UserProblem("Du kan ikke spærre din egen bruger.")
    with (appstate or current_appstate()).engine.begin() as connection:
        _own_user(connection, scope, username)
        connection.execute(update(users).where(users.c.username == username.lower()).values(active=active))
        _audit(connection, scope, "enable_user" if active else "disable_user", username.lower())


def reset_password(scope: UserScope, username: str, appstate: AppState | None = None) -> str:
    """A new one-time password for a user of the own municipality, returned once and stored hashed."""
    scope.require(Role.ADMIN)
    password = _one_time_password()
    with (appstate or current_appstate()).engine.begin() as connection:
        _own_user(connection, scope, username)
        connection.execute(update(users).where(users.c.username == username.lower()).values(
            password_hash=hash_password(password)))
        _audit(connection, scope, "reset_password", username.lower())
    return password


def change_role(scope: UserScope, username: str, role: Role, caseworker_key: str | None = None,
                appstate: AppState | None = None, warehouse: Warehouse | None = None) -> None:
    """Give a user of the own municipality another role (and, for a caseworker, the case systems' identity)."""
    scope.require(Role.ADMIN)
    if username.lower() == scope.username.lower() and role is not Role.ADMIN:
        raise UserProblem("Du kan ikke fjerne din egen administratorrolle; bed en anden administrator om det.")
    caseworker_key = _checked_caseworker(scope, role, caseworker_key, warehouse)
    with (appstate or current_appstate()).engine.begin() as connection:
        before = _own_user(connection, scope, username)
        connection.execute(update(users).where(users.c.username == username.lower()).values(
            role=role.value, caseworker_key=caseworker_key))
        _audit(connection, scope, "change_role",
               f"{username.lower()}: {Role(before['role']).label.lower()} → {role.label.lower()}"
               + (f", sagsbehandler {caseworker_key}" if caseworker_key else ""))


def _own_user(connection: Connection, scope: UserScope, username: str) -> dict:
    """The user's row, if they belong to the administrator's municipality; another's users do not exist here."""
    row = connection.execute(select(users).where(users.c.username == username.lower())).mappings().first()
    if row is None or row["municipality_code"] != scope.municipality_code:
        raise AccessDenied(f"Brugeren {username} findes ikke i din kommune.")
    return dict(row)


def _checked_caseworker(scope: UserScope, role: Role, key: str | None, warehouse: Warehouse | None) -> str | None:
    if role is not Role.CASEWORKER:
        return None
    key = (key or "").strip()
    if not key:
        raise UserProblem("En sagsbehandler skal knyttes til sin identitet i fagsystemet.")
    known = caseworkers(scope, warehouse)
    if key not in set(known["caseworker_key"]):
        raise UserProblem(f"Sagsbehandleren {key} findes ikke i fagsystemernes data for din kommune.")
    return key


def _checked_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if email and not EMAIL_PATTERN.fullmatch(email):
        raise UserProblem(f"{email} er ikke en gyldig e-mailadresse.")
    return email or None


def _one_time_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _audit(connection: Connection, scope: UserScope, action: str, detail: str) -> None:
    # In the same transaction as the change: a change is never made without its log line.
    connection.execute(insert(audit_log).values(at=now(), username=scope.username, action=action,
                                                detail=detail[:2000]))
