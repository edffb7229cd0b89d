"""The leader's operations pages in the real Streamlit server, driven by the system Chromium.

Every figure checked here is computed independently, with plain SQL on the demo warehouse or the KPI engine.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from bench.browser import open_page, settle, sign_in
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import kroner, number, percent

from .browser import download_csv, metric_value
from .helpers import ARTIFACTS, scope

pytestmark = pytest.mark.browser

# The sidebar's default period: the last 24 months the demo has, November 2024 to October 2026.
PERIOD = "BETWEEN DATE '2024-11-01' AND DATE '2026-10-01'"


def sql(installation, statement: str):
    return installation.warehouse.query(text(statement))


def test_leader_works_through_the_operations_pages(server, page, demo):
    sign_in(page, server, "leder", "Nøgletal og sammenligning")

    open_page(page, "Leverandører og enheder")
    citizens = sql(demo, f"""SELECT count(DISTINCT citizen_key) FROM fact_person_month
                             WHERE paying_municipality_code = 479 AND month {PERIOD}""").iloc[0, 0]
    assert metric_value(page, "Borgere") == number(citizens)
    paid = sql(demo, f"""SELECT g.provider_key, d.name, sum(p.amount) AS spend
                         FROM fact_payment p JOIN fact_grant g USING (grant_key)
                         LEFT JOIN dim_provider d USING (provider_key)
                         WHERE p.municipality_code = 479 AND p.period_month {PERIOD}
                         GROUP BY ALL ORDER BY spend DESC""")
    assert metric_value(page, "Udbetalt") == kroner(paid["spend"].sum())
    shown = download_csv(page)
    assert shown["Udbetalt (kr.)"].sum() == pytest.approx(float(paid["spend"].sum()), abs=1)
    assert shown.loc[0, "Leverandør"] == paid.loc[0, "name"]
    assert shown.loc[0, "Udbetalt (kr.)"] == pytest.approx(float(paid.loc[0, "spend"]), abs=0.01)
    page.screenshot(path=ARTIFACTS / "leader-providers.png", full_page=True)

    open_page(page, "Faktabaseret budget")
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    last = engine.months_covered(scope(Role.LEADER))[1]
    kpis = {k: engine.values(scope(Role.LEADER), k, [479], last, last).iloc[0]["value"]
            for k in ("K-ECO-DISPOSED", "K-ECO-FORECAST-USE", "K-ECO-OVERUNDER")}
    assert metric_value(page, "Disposition resten af året") == kroner(kpis["K-ECO-DISPOSED"])
    assert metric_value(page, "Forventet budgetforbrug") == percent(kpis["K-ECO-FORECAST-USE"])
    assert metric_value(page, "Forventet mer- eller mindreforbrug") == kroner(kpis["K-ECO-OVERUNDER"])
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "leader-budget.png", full_page=True)

    open_page(page, "Effekt og økonomi")
    wellbeing = sql(demo, f"""SELECT sum(score_change) / sum(citizens) FROM agg_effect_month
                              WHERE paying_municipality_code = 479 AND month {PERIOD}
                                AND instrument = 'TRIVSEL' AND horizon_months = 6""").iloc[0, 0]
    assert metric_value(page, "Ændring i trivsel 6 måneder efter start") == f"{number(wellbeing, 2)} point"
    expect(page.get_by_role("heading", name="Voksne: funktionsniveau")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "leader-effect.png", full_page=True)

    open_page(page, "Registreringspraksis")
    missing = sql(demo, f"""SELECT 100.0 * (SELECT sum(grants_flagged) FROM agg_dq_month
                                            WHERE acting_municipality_code = 479 AND month {PERIOD}
                                              AND flag_code = 'ANY_MISSING_FIELD')
                                   / sum(grants_active)
                            FROM agg_grants_month WHERE acting_municipality_code = 479 AND month {PERIOD}""").iloc[0, 0]
    assert metric_value(page, "Bevillinger med manglende oplysninger") == percent(missing)
    flagged = sql(demo, """SELECT count(*) AS findings, count(DISTINCT f.grant_key) AS grants
                            FROM fact_grant_flag f JOIN fact_grant g USING (grant_key)
                            WHERE g.acting_municipality_code = 479 AND g.start_date <= DATE '2026-10-31'
                              AND (g.end_date IS NULL OR (g.end_date >= DATE '2024-11-01'
                                                          AND g.end_date >= g.start_date))
                              AND (f.flag_code <> 'LATE_REGISTRATION' OR g.start_date >= DATE '2024-11-01')""")
    findings, grants = flagged.iloc[0]
    expect(page.get_by_text(f"{number(findings)} fund på {number(grants)} bevillinger.")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "leader-registration.png", full_page=True)


    # A shared link naming another municipality: these pages still show Svendborg's own figures, and say so.
    page.goto(f"{server}/leader_budget?kommune=Middelfart")
    expect(page.get_by_role("heading", name="Faktabaseret budget").first).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_text("Siden viser kun Svendborg Kommunes egne tal.", exact=False)).to_be_visible()
    assert metric_value(page, "Disposition resten af året") == kroner(kpis["K-ECO-DISPOSED"])
    page.screenshot(path=ARTIFACTS / "leader-budget-other-municipality.png", full_page=True)
