"""Cached access to a caseworker's own cases, citizens, transitions and paying-municipality findings.

Like ui/data.py: every cache is keyed by the user's scope, the filters that narrow the rows and the
published warehouse, so a user only ever gets rows fetched for their own rights; the access checks and
the audit log are in data_access. Revealing a CPR number is never cached: each click is a logged read.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access import caseload, citizen, paying_municipality, transition
from data_access.citizen import CitizenFile
from data_access.scope import UserScope

from .data import CACHE_SECONDS, version


def my_cases(scope: UserScope, area: str | None) -> pd.DataFrame:
    return _my_cases(scope, area, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter dine sager …")
def _my_cases(scope: UserScope, area: str | None, warehouse_version: str) -> pd.DataFrame:
    return caseload.my_cases(scope, area=area)


def area_totals(scope: UserScope, function_codes: tuple[str, ...]) -> pd.DataFrame:
    return _area_totals(scope, function_codes, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _area_totals(scope: UserScope, function_codes: tuple[str, ...], warehouse_version: str) -> pd.DataFrame:
    return caseload.area_totals(scope, list(function_codes))


def mine_beside_area(scope: UserScope, cases: pd.DataFrame) -> pd.DataFrame:
    """The caseworker's spend and commitment per account function beside the municipality's (aggregates), with
    the forecast for the year (spend so far plus commitment), the caseworker's share of it and a total row."""
    mine = cases.groupby("function_code")[["spent_this_year", "committed_rest_of_year"]].sum()
    area = area_totals(scope, tuple(sorted(mine.index))).set_index("function_code")
    summary = area.join(mine.add_suffix("_mine")).fillna(0)
    summary["function_name"] = summary.index + " " + summary["function_name"]
    summary["forecast_mine"] = summary["spent_this_year_mine"] + summary["committed_rest_of_year_mine"]
    summary["forecast_area"] = summary["spent_this_year"] + summary["committed_rest_of_year"]
    total = summary.sum(numeric_only=True).to_frame().T.assign(function_name="I alt")
    summary = pd.concat([summary.reset_index(drop=True), total], ignore_index=True)
    summary["share"] = summary["forecast_mine"] / summary["forecast_area"].where(summary["forecast_area"] != 0) * 100
    return summary


def my_citizens(scope: UserScope) -> pd.DataFrame:
    return _my_citizens(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _my_citizens(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return citizen.my_citizens(scope)


def citizen_file(scope: UserScope, citizen_key: str, start: date, end: date) -> CitizenFile:
    return _citizen_file(scope, citizen_key, start, end, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter borgerens oplysninger …")
def _citizen_file(scope: UserScope, citizen_key: str, start: date, end: date, warehouse_version: str) -> CitizenFile:
    return citizen.citizen_file(scope, citizen_key, start, end)


def reveal_cpr(scope: UserScope, citizen_key: str) -> str:
    return citizen.reveal_cpr(scope, citizen_key)


def transitions(scope: UserScope) -> pd.DataFrame:
    return _transitions(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Henter unge på 16-19 år …")
def _transitions(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return transition.transition_worklist(scope)


def paying_findings(scope: UserScope) -> pd.DataFrame:
    return _paying_findings(scope, version())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Sammenholder betalingskommune og CPR …")
def _paying_findings(scope: UserScope, warehouse_version: str) -> pd.DataFrame:
    return paying_municipality.paying_municipality_check(scope)
