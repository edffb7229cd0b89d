"""The report and subscription pages, run by Streamlit's AppTest on the demo warehouse as a signed-in leader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import reports as saved
from data_access import subscriptions as log
from data_access.appstate import UserRecord
from data_access.scope import Role
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from reports.library import resolve

from .helpers import scope

PAGES = Path(__file__).resolve().parent.parent / "pages"
LEADER = scope(Role.LEADER, 479, username="side_leder")


@pytest.fixture
def page(demo, use_installation):
    use_installation(demo)
    for username, name in (("side_leder", "Sidse Side"), ("side_kollega", "Kurt Kollega")):
        if demo.appstate.user(username) is None:
            demo.appstate.add_user(UserRecord(username, name, f"{username}@kommune.test", Role.LEADER, 479, None),
                                   "hemmelig-kode")

    def run(name: str, report: str | None = None) -> AppTest:
        at = AppTest.from_file(str(PAGES / name), default_timeout=90)
        at.session_state["scope"] = LEADER
        at.session_state["authentication_status"] = True
        at.run()
        if report:
            at.selectbox(key="report_choice").set_value(report).run()
        assert not at.exception, at.exception
        return at
    return run


def test_the_reports_page_opens_a_standard_report_with_the_engines_figures(page, demo):
    at = page("reports.py", "standard:children-benchmark")
    assert at.selectbox(key="report_choice").value == "standard:children-benchmark"
    assert at.subheader[0].value == "Børn og unge: benchmark"
    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    first = at.dataframe[0].value
    expected = engine.benchmark(LEADER, "K-UBU-PLAC-1000").iloc[-12:]
    assert first["Svendborg"].tolist() == pytest.approx(expected["own_value"].tolist())


def test_a_leader_copies_a_report_saves_it_and_finds_it_opened(page, demo):
    at = page("reports.py", "standard:adults-benchmark")
    at.text_input(key="name_standard_adults-benchmark").input("Voksne, kun botilbud")
    at.multiselect(key="kpis_standard_adults-benchmark").set_value(["K-VH-107-1000", "K-VH-108-1000"])
    at.button[0].click()  # "Gem som ny rapport": the first button on the page
    at.run()
    assert not at.exception, at.exception
    mine = saved.list_reports(LEADER, demo.appstate)
    created = next(r for r in mine if r.name == "Voksne, kun botilbud")
    assert created.definition["kpis"] == ["K-VH-107-1000", "K-VH-108-1000"]
    assert at.selectbox(key="report_choice").value == f"saved:{created.report_id}"
    assert at.subheader[0].value == "Voksne, kun botilbud"
    assert resolve(LEADER, f"saved:{created.report_id}", demo.appstate).source == "own"


def test_an_analysis_report_with_a_fixed_period_is_saved_as_chosen(page, demo):
    at = page("reports.py", "standard:children-analysis")
    suffix = "standard_children-analysis"
    at.text_input(key=f"name_{suffix}").input("Første halvår 2026")
    at.radio(key=f"period_choice_{suffix}").set_value("fixed").run()
    at.select_slider(key=f"span_{suffix}").set_range(date(2026, 1, 1), date(2026, 6, 1))
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    created = next(r for r in saved.list_reports(LEADER, demo.appstate) if r.name == "Første halvår 2026")
    assert created.definition["filters"] == {"municipality": None, "last_months": None, "period_from": "2026-01",
                                             "period_to": "2026-06", "granularity": "quarter"}
    assert created.definition["dimensions"] == ["age_band", "sex"]
    assert "1. kvartal 2026 – 2. kvartal 2026" in at.caption[0].value


def test_the_subscriptions_page_subscribes_a_colleague_and_shows_who_gets_what(page, demo):
    at = page("subscriptions.py")
    at.selectbox(key="subscription_report").set_value("standard:economy-benchmark")
    at.multiselect(key="subscription_recipients").set_value(["side_kollega"])
    at.radio(key="subscription_format").set_value("pdf")
    at.radio(key="subscription_interval").set_value("monthly")
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Økonomi: benchmark sendes månedligt (den 1.) til Kurt Kollega."
    overview = log.who_gets_what(LEADER, demo.appstate)
    row = overview[(overview["owner"] == "side_leder") & (overview["recipient"] == "side_kollega")].iloc[-1]
    assert (row["report_ref"], row["file_format"], row["delivery"], row["interval"]) == (
        "standard:economy-benchmark", "pdf", "file", "monthly")
    shown = at.dataframe[0].value
    assert "Kurt Kollega" in shown["Modtager"].tolist()
