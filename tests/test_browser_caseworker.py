"""The caseworker's journey in the real Streamlit server, driven by the system Chromium.

Sign in as sagsbehandler, see the own cases' figures, narrow the sidebar's area and see the link change, download
the case list, open a citizen from it, reveal the CPR number and find the reveal in the audit log, open the
transition worklist and the paying-municipality check, sign out. Every expected figure is a plain SQL query on the
demo warehouse (or its identity file), not the application's own code. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, text

from bench.browser import settle, sign_in
from data_access.appstate import audit_log
from data_access.identity import IDENTITY_NAME
from etl.generate.profiles import DEMO
from locale_da import kroner, number

from .browser import download_csv, metric_value
from .helpers import ARTIFACTS

pytestmark = pytest.mark.browser

OWN = "479:AZ47901"
AS_OF = DEMO.as_of
LAST_DAY = AS_OF - timedelta(days=1)
ACTIVE = f"""caseworker_key = '{OWN}' AND acting_municipality_code = 479 AND start_date < DATE '{AS_OF}'
             AND (end_date IS NULL OR end_date >= DATE '{AS_OF}')"""


def sql(installation, query: str):
    return installation.warehouse.query(text(query))


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"caseworker-{name}.png", full_page=True)


def url_parameter(page: Page, name: str) -> list[str]:
    return parse_qs(urlparse(page.url).query).get(name, [])


def reveals(installation, citizen_key: str) -> int:
    with installation.appstate.engine.connect() as connection:
        rows = connection.execute(select(audit_log.c.detail).where(
            audit_log.c.username == "sagsbehandler", audit_log.c.action == "reveal_cpr")).scalars().all()
    return sum(citizen_key in detail for detail in rows)


def test_the_caseworkers_working_day(server, page, demo):
    page.set_viewport_size({"width": 1400, "height": 1800})  # Streamlit scrolls inside; a tall view shows more
    sign_in(page, server, "sagsbehandler", "Mine sager")

    # Real figures: the active grants and this year's spend on them, counted straight from the warehouse.
    cases = sql(demo, f"""SELECT g.grant_key, c.masked_cpr,
        (SELECT coalesce(sum(amount), 0) FROM fact_payment p WHERE p.grant_key = g.grant_key
         AND p.municipality_code = 479 AND p.period_month >= DATE '2026-01-01') AS spent
        FROM fact_grant g JOIN dim_citizen c USING (citizen_key) WHERE {ACTIVE}""")
    assert metric_value(page, "Aktive bevillinger") == number(len(cases))
    assert metric_value(page, "Borgere") == number(cases["masked_cpr"].nunique())
    assert metric_value(page, "Forbrug i 2026") == kroner(float(cases["spent"].sum()))
    screenshot(page, "1-mine-sager")

    # The sidebar's area is kept in the link; the demo caseworker's cases are all about children.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox", name="Område").click()
    page.get_by_role("option", name="Børn og unge").click()
    settle(page)
    expect(page).to_have_url(re.compile(r"[?&]omraade="))
    assert url_parameter(page, "omraade") == ["Børn og unge"]
    expect(page.get_by_text("Kun sager om børn og unge.", exact=False)).to_be_visible()
    assert metric_value(page, "Aktive bevillinger") == number(len(cases))

    shown = download_csv(page)
    assert len(shown) == len(cases)
    assert sorted(shown["CPR-nr."]) == sorted(cases["masked_cpr"])
    assert shown["Forbrug i år"].sum() == pytest.approx(float(cases["spent"].sum()))

    # Open a citizen from the case list.
    person = sql(demo, f"""SELECT c.citizen_key, c.name, c.masked_cpr FROM dim_citizen c
        WHERE c.citizen_key IN (SELECT citizen_key FROM fact_grant WHERE {ACTIVE})
        ORDER BY (SELECT count(*) FROM fact_payment p WHERE p.citizen_key = c.citizen_key
                  AND p.municipality_code = 479) DESC, c.name, c.masked_cpr LIMIT 1""").iloc[0]  # the longest history
    page.get_by_test_id("stMain").get_by_role("combobox", name="Borger").click()
    page.get_by_role("option", name=f"{person['name']} ({person['masked_cpr']})").click()
    settle(page)
    page.get_by_role("link", name=f"Åbn borgersiden for {person['name']}").click()
    expect(page.get_by_role("heading", name=person["name"])).to_be_visible(timeout=30_000)
    settle(page)
    assert url_parameter(page, "borger") == [person["citizen_key"]]
    assert url_parameter(page, "omraade") == ["Børn og unge"]  # the filters travel with the link
    paid = sql(demo, f"""SELECT coalesce(sum(amount), 0) FROM fact_payment WHERE citizen_key = '{person['citizen_key']}'
        AND municipality_code = 479 AND period_month BETWEEN DATE '2024-11-01' AND DATE '2026-10-01'""").iloc[0, 0]
    assert metric_value(page, "Betalt i perioden") == kroner(float(paid))  # the sidebar's default 24 months
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    expect(page.get_by_text(person["masked_cpr"]).first).to_be_visible()

    # Reveal the CPR number: it is the one in the identity file, and the reveal is in the audit log.
    with duckdb.connect(str(demo.warehouse_dir / IDENTITY_NAME), read_only=True) as identity:
        (digits,) = identity.execute("SELECT cpr FROM citizen_identity WHERE citizen_key = ?",
                                     [person["citizen_key"]]).fetchone()
    expect(page.get_by_text(digits[6:])).to_have_count(0)
    before = reveals(demo, person["citizen_key"])
    page.get_by_role("button", name="Vis CPR-nr.").click()
    settle(page)
    expect(page.get_by_text(f"{digits[:6]}-{digits[6:]}")).to_be_visible()
    assert reveals(demo, person["citizen_key"]) == before + 1
    page.evaluate("document.activeElement.blur()")  # the focused button keeps its help text open
    screenshot(page, "2-borger")

    # The transition worklist: every young person of 16-19 on the own cases with a children's measure since 16.
    page.get_by_role("link", name="Overgang 16-19 år").click()
    expect(page.get_by_role("heading", name="Overgang 16-19 år")).to_be_visible(timeout=30_000)
    settle(page)
    young = sql(demo, f"""SELECT DISTINCT c.masked_cpr, c.citizen_key
        FROM fact_grant g JOIN dim_citizen c USING (citizen_key)
        WHERE g.citizen_key IN (SELECT citizen_key FROM fact_grant WHERE caseworker_key = '{OWN}'
                                AND acting_municipality_code = 479)
          AND g.acting_municipality_code = 479 AND g.area = 'children' AND g.start_date <= DATE '{LAST_DAY}'
          AND (g.end_date IS NULL OR g.end_date >= c.birth_date + INTERVAL 16 YEAR)
          AND c.birth_date + INTERVAL 16 YEAR <= DATE '{LAST_DAY}'
          AND c.birth_date + INTERVAL 20 YEAR > DATE '{LAST_DAY}'""")
    worklist = download_csv(page)
    assert sorted(worklist["CPR-nr."]) == sorted(young["masked_cpr"])
    assert (worklist["Alder"].between(16, 19)).all()
    screenshot(page, "3-overgang")

    # The paying-municipality check: the ETL's findings on the own grants, with the money at stake.
    page.get_by_role("link", name="Betalingskommune").click()
    expect(page.get_by_role("heading", name="Tjek af betalingskommune")).to_be_visible(timeout=30_000)
    settle(page)
    at_stake = sql(demo, f"""SELECT count(*) AS n, coalesce(sum(f.amount), 0) AS amount
        FROM fact_grant_flag f JOIN fact_grant g USING (grant_key)
        WHERE f.flag_code = 'PAYING_MUNICIPALITY_MISMATCH' AND g.caseworker_key = '{OWN}'
          AND g.acting_municipality_code = 479""").iloc[0]
    assert at_stake["n"] > 0, "the demo should give the caseworker a paying-municipality finding"
    assert metric_value(page, "Bevillinger med afvigelse") == number(int(at_stake["n"]))
    assert metric_value(page, "Beløb på spil i alt") == kroner(float(at_stake["amount"]))
    findings = download_csv(page)
    assert findings["Beløb på spil"].sum() == pytest.approx(float(at_stake["amount"]))
    screenshot(page, "4-betalingskommune")

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    settle(page)
    expect(page.get_by_role("heading", name="Tjek af betalingskommune")).to_have_count(0)


def test_a_link_to_someone_elses_citizen_is_refused_in_danish(server, page, demo):
    sign_in(page, server, "sagsbehandler", "Mine sager")
    stranger = sql(demo, f"""SELECT citizen_key FROM dim_citizen WHERE citizen_key NOT IN
        (SELECT citizen_key FROM fact_grant WHERE caseworker_key = '{OWN}') ORDER BY citizen_key LIMIT 1""").iloc[0, 0]
    page.goto(f"{server}/caseworker_citizen?borger={stranger}")
    settle(page)  # the run before may linger as a stale copy of the same message (two of them once)
    expect(page.get_by_text("Du har ikke adgang til denne borger: borgeren er ikke på dine sager.")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("button", name="Vis CPR-nr.")).to_have_count(0)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    screenshot(page, "5-afvist")
