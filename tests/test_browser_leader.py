"""The leader's journey in the real Streamlit server and the system Chromium: the KPI overview, a KPI's analysis,
two levels of its decomposition tree, the rows behind it, a note that survives a reload, a CSV, signing out.

Every expected figure is counted here with plain SQL on the demo warehouse, not by the KPI layer."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from bench.browser import open_page, settle, sign_in
from locale_da import number

from .browser import download_csv, metric_value
from .helpers import ARTIFACTS

pytestmark = pytest.mark.browser

OCTOBER = "2026-10-01"
PEERS = (410, 420, 430, 440, 450, 480)  # the Funen cluster in config/comparison_groups.yaml
PLACED = ("SELECT paying_municipality_code AS municipality, sex, age, sum(persons) AS placed FROM agg_persons_month "
          "WHERE month = DATE '2026-10-01' AND measure_group = 'placement' AND age BETWEEN 0 AND 22 GROUP BY ALL")
RESIDENTS = ("SELECT municipality_code AS municipality, sum(persons) AS residents FROM agg_population_month "
             "WHERE month = DATE '2026-10-01' AND age BETWEEN 0 AND 22 GROUP BY ALL")
AGE_BANDS = {"0-5 år": (0, 5), "6-11 år": (6, 11), "12-17 år": (12, 17), "18-22 år": (18, 22)}


@pytest.fixture(scope="module")
def october(demo):
    """Placed 0-22-year-olds by paying municipality, sex and age, and residents 0-22, in October 2026."""
    placed = demo.warehouse.query(text(PLACED))
    residents = demo.warehouse.query(text(RESIDENTS)).set_index("municipality")["residents"]
    return placed, residents


def per_1000(placed: pd.DataFrame, residents: pd.Series, municipalities) -> float:
    return placed[placed["municipality"].isin(municipalities)]["placed"].sum() * 1000 / residents[
        list(municipalities)].sum()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"leader-{name}.png", full_page=True)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def test_leader_journey_from_the_overview_to_a_note(server, page, demo, october):
    placed, residents = october
    timings = {}
    started = time.monotonic()
    sign_in(page, server, "leder", "Nøgletal og sammenligning")
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    timings["overview_after_login_s"] = round(time.monotonic() - started, 2)

    # Real figures: the placement tile against the warehouse's own counts.
    own = per_1000(placed, residents, [479])
    group = per_1000(placed, residents, PEERS)
    assert metric_value(page, "Anbragte pr. 1.000 0-22-årige") == f"{number(own, 1)} pr. 1.000"
    tile = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.locator('a[href*="noegletal=K-UBU-PLAC-1000"]')).last
    expect(tile.get_by_text(f"Sammenligningskommuner: {number(group, 1)}")).to_be_visible()
    expect(page.get_by_role("heading", name="Voksne")).to_be_visible()
    shot(page, "1-overview")

    # A sidebar filter goes into the URL and narrows the tiles.
    choose(page, "Område", "Børn og unge")
    assert "omraade=B" in page.url
    expect(page.get_by_role("heading", name="Voksne")).to_have_count(0)

    # The tile's link opens the KPI's analysis page, with the KPI and the filter in the URL.
    started = time.monotonic()
    page.locator('a[href*="noegletal=K-UBU-PLAC-1000"]').click()
    expect(page.get_by_role("heading", name="Anbragte pr. 1.000 0-22-årige, oktober 2026")).to_be_visible()
    settle(page)
    timings["analysis_after_click_s"] = round(time.monotonic() - started, 2)
    assert "noegletal=K-UBU-PLAC-1000" in page.url and "omraade=B" in page.url
    assert metric_value(page, "Svendborg") == f"{number(own, 1)} pr. 1.000"
    assert metric_value(page, "Sammenligningskommuner (6)") == f"{number(group, 1)} pr. 1.000"
    shot(page, "2-analysis")

    # Two levels of the decomposition tree: by sex, then the girls by age band.
    page.get_by_role("tab", name="Opdeling").click()
    started = time.monotonic()
    choose(page, "Niveau 1: opdel «Svendborg, 2026-10» efter", "Køn")
    timings["first_split_s"] = round(time.monotonic() - started, 2)
    own_placed = placed[placed["municipality"] == 479]
    expect(page.get_by_text(f"tæller {number(own_placed['placed'].sum())}, nævner "
                            f"{number(residents[479])}").first).to_be_visible()
    by_sex = download_csv(page, 0).set_index("Køn")["Tæller"].to_dict()
    expected = own_placed.groupby("sex")["placed"].sum()
    assert by_sex == {"Kvinde/pige": expected["K"], "Mand/dreng": expected["M"]}
    page.get_by_role("radio", name="Kvinde/pige", exact=True).click()
    settle(page)
    started = time.monotonic()
    choose(page, "Niveau 2: opdel «Svendborg, 2026-10 › Kvinde/pige» efter", "Aldersgruppe")
    timings["second_split_s"] = round(time.monotonic() - started, 2)
    girls = own_placed[own_placed["sex"] == "K"]
    by_age = download_csv(page, 1).set_index("Aldersgruppe")["Tæller"].to_dict()
    assert by_age == {band: girls[girls["age"].between(low, high)]["placed"].sum()
                      for band, (low, high) in AGE_BANDS.items() if girls["age"].between(low, high).any()}
    shot(page, "3-decomposition")

    # The rows behind the girls' figure, with their lineage; the read is audit-logged.
    page.get_by_role("tab", name="Rækkerne bag tallet").click()
    page.get_by_role("button", name="Vis rækkerne bag tallet").click()
    settle(page)
    expect(page.get_by_text("rækkerne summerer til", exact=False).first).to_be_visible()
    expect(page.get_by_text("som stemmer").first).to_be_visible()
    audit = demo.appstate.engine.connect().execute(text(
        "SELECT detail FROM audit_log WHERE username = 'leder' AND action = 'trace_kpi'")).scalars().all()
    assert any(d.startswith("K-UBU-PLAC-1000 2026-10 numerator") for d in audit)
    shot(page, "4-trace")

    # A note, seen again after a reload and as a badge on the overview.
    note = f"Browsertest {time.time_ns()}: to anbringelser blev registreret for sent."
    page.get_by_text("Skriv en note").click()
    page.get_by_label("Note", exact=True).fill(note)
    page.get_by_role("button", name="Gem note").click()
    settle(page)
    expect(page.get_by_text(note)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Anbragte pr. 1.000 0-22-årige, oktober 2026")).to_be_visible(
        timeout=30_000)
    settle(page)
    expect(page.get_by_text(note)).to_be_visible()
    shot(page, "5-note")
    open_page(page, "Nøgletal og sammenligning")
    expect(tile.get_by_text("1 note")).to_be_visible()

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    (ARTIFACTS / "leader-timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
