"""The politician's working day in the real browser: targets against figures computed here from the warehouse."""

from __future__ import annotations

import re
from urllib.parse import quote

import duckdb
import pytest
from playwright.sync_api import expect

from bench.browser import settle, sign_in
from kpi.groups import load_groups
from locale_da import number

from .browser import download_csv
from .helpers import ARTIFACTS
from .test_browser_admin import choose

pytestmark = pytest.mark.browser

PLACED_PER_1000 = """
SELECT 1000.0 * (SELECT count(DISTINCT citizen_key) FROM fact_person_month
                 WHERE measure_group = 'placement' AND month = DATE '2026-10-01' AND age BETWEEN 0 AND 22
                   AND paying_municipality_code IN ({codes}))
       / (SELECT sum(persons) FROM fact_population
          WHERE age BETWEEN 0 AND 22 AND municipality_code IN ({codes})
            AND quarter_start = (SELECT max(quarter_start) FROM fact_population
                                 WHERE quarter_start <= DATE '2026-10-01'))
"""


def placed_per_1000(demo, codes: list[int]) -> float:
    """Placed 0-22-year-olds per 1,000 of the age in October 2026, counted from the person-level facts."""
    with duckdb.connect(str(demo.warehouse_dir / "current.duckdb"), read_only=True) as connection:
        return connection.execute(PLACED_PER_1000.format(codes=", ".join(map(str, codes)))).fetchall()[0][0]


def test_politician_sees_targets_against_real_figures_and_shares_a_filtered_view(server, page, demo):
    sign_in(page, server, "politiker", "Mål og resultater")
    own = placed_per_1000(demo, [479])
    group = placed_per_1000(demo, list(load_groups().peers(479)))
    sentence = f"Vi har {number(own, 1)} anbragte pr. 1.000 0-22-årige; målet er højst 7,5."
    expect(page.get_by_text(sentence)).to_be_visible()
    expect(page.get_by_text(f"Sammenlignelige kommuner ligger på {number(group, 1)} pr. 1.000").first).to_be_visible()
    assert own > 7.5 * 1.05  # so the light must be red
    card = page.locator(".st-key-target-K-UBU-PLAC-1000")
    expect(card.get_by_text("Ikke på rette vej")).to_be_visible()
    gap = card.get_by_test_id("stMetric").filter(has_text="Forskel til målet").get_by_test_id("stMetricValue")
    expect(gap).to_have_text(f"+{number(own - 7.5, 1)}")
    overview = download_csv(page).set_index("Nøgletal")
    assert overview.at["Anbragte pr. 1.000 0-22-årige", "Seneste tal"] == pytest.approx(round(own, 1))
    assert overview.at["Anbragte pr. 1.000 0-22-årige", "Status"] == "Ikke på rette vej"
    expect(page.get_by_text("CPR")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "politician-targets.png", full_page=True)

    # The area filter narrows the targets and is written into the link.
    choose(page, "Område", "Økonomi", "stSidebar")
    expect(page).to_have_url(re.compile(r"[?&]omraade=" + re.escape(quote("Økonomi"))))
    expect(page.get_by_role("heading", name="Budgetforbrug, det specialiserede socialområde")).to_be_visible()
    expect(page.get_by_role("heading", name="Anbragte pr. 1.000 0-22-årige")).to_have_count(0)
    shared = page.url
    page.screenshot(path=ARTIFACTS / "politician-economy.png", full_page=True)

    # Another municipality's targets, as aggregates beside its own comparison group.
    choose(page, "Kommune", "Middelfart", "stSidebar")
    expect(page.get_by_text("Byrådets måltal for 2026 for Middelfart Kommune", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Middelfart har [0-9,]+ %; målet er omkring 100,0\.$"))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    choose(page, "Kommune", "Svendborg", "stSidebar")

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    settle(page)
    assert "overblik_login" not in {c["name"] for c in page.context.cookies()}
    sign_in(page, shared, "politiker", "Mål og resultater")  # the shared link opens the same view
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Område")).to_have_value("Økonomi")
