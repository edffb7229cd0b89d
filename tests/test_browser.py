"""The real Streamlit server, driven by the system Chromium: each role signs in and sees real figures."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench.browser import settle, sign_in
from data_access.caseload import my_cases
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import number

from .browser import download_csv, metric_value
from .helpers import ARTIFACTS, scope

pytestmark = pytest.mark.browser


def test_caseworker_sees_own_cases_and_downloads_them(server, page, demo):
    sign_in(page, server, "sagsbehandler", "Mine sager")
    cases = my_cases(scope(Role.CASEWORKER, 479, "479:AZ47901"), demo.warehouse, demo.appstate)
    expect(page.locator('[data-testid="stMetricLabel"]', has_text="Aktive bevillinger")).to_be_visible()
    assert metric_value(page, "Aktive bevillinger") == number(len(cases))
    assert metric_value(page, "Borgere") == number(cases["citizen_key"].nunique())
    shown = download_csv(page)
    assert len(shown) == len(cases)
    assert shown["Forbrug i år"].sum() == pytest.approx(cases["spent_this_year"].sum())
    assert set(shown["CPR-nr."]) == set(cases["masked_cpr"])
    page.reload()  # the login cookie keeps the caseworker signed in
    expect(page.get_by_role("heading", name="Mine sager").first).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_label("Brugernavn")).to_have_count(0)
    expect(page.get_by_text("Sara Sagsbehandler")).to_be_visible()
    expect(page.get_by_text("Data pr. 1. november 2026")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "caseworker.png", full_page=True)


def test_leader_lands_on_the_kpi_overview(server, page, demo):
    # The whole leader journey is in tests/test_browser_leader.py.
    sign_in(page, server, "leder", "Nøgletal og sammenligning")
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    latest = engine.benchmark(scope(Role.LEADER), "K-UBU-PLAC-1000").iloc[-1]
    assert metric_value(page, "Anbragte pr. 1.000 0-22-årige") == f"{number(latest['own_value'], 1)} pr. 1.000"
    page.screenshot(path=ARTIFACTS / "leader.png", full_page=True)


def test_politician_sees_targets_in_plain_danish(server, page, demo):
    sign_in(page, server, "politiker", "Mål og resultater")
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    latest = engine.benchmark(scope(Role.POLITICIAN), "K-UBU-PLAC-1000").iloc[-1]
    sentence = f"Vi har {number(latest['own_value'], 1)} anbragte pr. 1.000 0-22-årige; målet er højst 7,5."
    expect(page.get_by_text(sentence)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "politician.png", full_page=True)


def test_admin_sees_the_run_log_and_can_sign_out(server, page, demo):
    sign_in(page, server, "admin", "Dataindlæsning")
    runs = demo.appstate.etl_runs(scope(Role.ADMIN))
    expect(page.get_by_role("combobox", name="Vis filerne i kørslen")).to_have_value(runs.iloc[0]["run_id"])
    shown = download_csv(page)
    assert shown["Kørsel"].tolist() == runs["run_id"].tolist()
    assert shown.loc[0, "Status"] == "Gennemført"
    assert shown.loc[0, "Rækker læst"] == runs.loc[0, "rows_read"]
    files = download_csv(page, 1)
    assert len(files) == len(list(demo.inbox.iterdir())) and set(files["Status"]) == {"Indlæst"}
    page.screenshot(path=ARTIFACTS / "admin.png", full_page=True)
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    settle(page)
    assert "overblik_login" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    settle(page)
    expect(page.get_by_role("heading", name="Dataindlæsning")).to_have_count(0)


def test_a_page_url_without_signing_in_leads_to_the_login(server, page):
    page.goto(f"{server}/admin_etl_runs")
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Gennemført")).to_have_count(0)


def test_a_wrong_password_is_refused(server, page):
    page.goto(server)
    page.get_by_label("Brugernavn").fill("leder")
    page.get_by_label("Adgangskode").fill("gæt")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_text("Forkert brugernavn eller adgangskode.")).to_be_visible(timeout=15_000)
