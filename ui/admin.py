"""The local administrator's data for the pages.

Warehouse reads (quarantine, the caseworkers to link users to) are cached per scope and published
warehouse; the application-state store (users, audit log, inbox) changes under the administrator's
own hands, so it is read fresh on every run.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access import audit, quarantine, uploads, users
from data_access.scope import UserScope

from .data import CACHE_SECONDS, version


def users_of(scope: UserScope) -> pd.DataFrame:
    return users.list_users(scope)


def caseworkers(scope: UserScope) -> pd.DataFrame:
    return _caseworkers(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _caseworkers(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return users.caseworkers(scope)


def create_user(scope: UserScope, new: users.NewUser) -> str:
    return users.create_user(scope, new)


def set_active(scope: UserScope, username: str, active: bool) -> None:
    users.set_active(scope, username, active)


def reset_password(scope: UserScope, username: str) -> str:
    return users.reset_password(scope, username)


def change_role(scope: UserScope, username: str, role, caseworker_key: str | None) -> None:
    users.change_role(scope, username, role, caseworker_key)


def quarantine_files(scope: UserScope) -> pd.DataFrame:
    return _quarantine_files(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _quarantine_files(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return quarantine.quarantine_files(scope)


def quarantined_rows(scope: UserScope, file_name: str | None, run_id: str | None) -> pd.DataFrame:
    return _quarantined_rows(scope, file_name, run_id, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter rækker i karantæne …")
def _quarantined_rows(scope: UserScope, file_name: str | None, run_id: str | None,
                      warehouse_version: str) -> pd.DataFrame:
    return quarantine.quarantined_rows(scope, file_name, run_id)


def audit_entries(scope: UserScope, username: str | None, actions: list[str], start: date | None,
                  end: date | None) -> pd.DataFrame:
    return audit.audit_entries(scope, username, actions, start, end)


def logged_actions(scope: UserScope) -> list[str]:
    return audit.logged_actions(scope)


def budget_source(scope: UserScope) -> str:
    return uploads.budget_source(scope)


def store_upload(scope: UserScope, source: str, file_name: str, data: bytes) -> uploads.UploadCheck:
    return uploads.store_upload(scope, source, file_name, data)


def pending_files(scope: UserScope) -> pd.DataFrame:
    return uploads.pending_files(scope)
