"""The leader's report journey in the real app and Chromium: build a report from a standard one, save it,
subscribe a colleague monthly as an encrypted PDF; the send job then mails it to a real SMTP server, and
the decrypted PDF's figures are those of the KPI engine."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bench.browser import open_page, settle, sign_in
from data_access import reports as saved
from data_access.appstate import UserRecord
from data_access.scope import Role
from data_access.settings import SmtpSettings
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import number
from reports.distribution import send_due

from .helpers import ARTIFACTS, scope
from .smtp_server import attachment, password_in, smtp_server

pytestmark = pytest.mark.browser

COLLEAGUE = ("browser_kollega", "Bo Browser", "browser-kollega@svendborg.test")
REPORT_NAME = "Anbringelser til ledergruppen"


@pytest.fixture(scope="module")
def colleague(demo):
    username, name, email = COLLEAGUE
    if demo.appstate.user(username) is None:
        demo.appstate.add_user(UserRecord(username, name, email, Role.LEADER, 479, None), "hemmelig-kode")
    return COLLEAGUE


def choose(page, widget_label: str, option: str) -> None:
    """Pick an option of a selectbox or multiselect by its label."""
    page.get_by_test_id("stMain").locator(
        '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(has_text=widget_label).first.click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_a_leader_builds_saves_and_subscribes_a_colleague_who_gets_the_right_figures(server, page, demo, colleague):
    sign_in(page, server, "leder", "Nøgletal og sammenligning")
    open_page(page, "Rapporter")
    choose(page, "Rapport", "Standard · Børn og unge: benchmark (Børn og unge)")
    expect(page.get_by_role("heading", name="Børn og unge: benchmark")).to_be_visible()

    # From an existing report: the build tab starts from the standard report; rename it and save it as new.
    page.get_by_role("tab", name="Byg eller ret").click()
    name = page.get_by_label("Navn")
    name.fill(REPORT_NAME)
    name.press("Enter")
    settle(page)
    page.get_by_role("button", name="Gem som ny rapport").click()
    settle(page)
    expect(page.get_by_text(f"Rapporten »{REPORT_NAME}« er gemt.")).to_be_visible(timeout=30_000)
    leader = scope(Role.LEADER, 479, username="leder")
    created = next(r for r in saved.list_reports(leader, demo.appstate) if r.name == REPORT_NAME)
    assert created.definition["kpis"] == ["K-UBU-PLAC-1000", "K-UBU-SUPP-1000", "K-UBU-PLAC-PF-SHARE",
                                          "K-UBU-EXP-PLAC-POP"]
    assert f"rapport=saved%3A{created.report_id}" in page.url  # the saved report is open, and the link says so
    page.get_by_role("tab", name="Vis rapporten").click()
    expect(page.get_by_role("heading", name=REPORT_NAME)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "leader-report.png", full_page=True)
    # A link as a subscription mail sends it opens that report (the login cookie keeps the leader signed in).
    page.goto(f"{server}/reports?rapport=standard:adults-benchmark")
    settle(page)  # the page before it may linger as stale elements with the same heading while the report draws
    expect(page.get_by_role("heading", name="Voksne: benchmark")).to_be_visible(timeout=30_000)

    open_page(page, "Abonnementer")
    choose(page, "Rapport", REPORT_NAME)
    choose(page, "Modtagere", f"{colleague[1]} <{colleague[2]}>")
    page.get_by_test_id("stMain").get_by_text("PDF", exact=True).click()
    page.get_by_test_id("stMain").get_by_text("Krypteret fil (adgangskode i en separat mail)").click()
    page.get_by_test_id("stMain").get_by_text("Månedligt (den 1.)").click()
    page.get_by_role("button", name="Opret abonnement").click()
    settle(page)
    expect(page.get_by_text(f"{REPORT_NAME} sendes månedligt (den 1.) til {colleague[1]}.")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_test_id("stMain").get_by_text(colleague[2]).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "leader-subscriptions.png", full_page=True)

    engine = KpiEngine(load_catalogue(), load_groups(), demo.warehouse)
    with smtp_server() as (mailbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, sender="overblik@svendborg.test", timeout=5)
        send_due(date(2026, 12, 1), 0.01, demo.appstate, engine, smtp)
        mails = [m for m in mailbox.to(colleague[2]) if REPORT_NAME in m["Subject"]]
    report_mail, password_mail = mails
    name_of_file, data = attachment(report_mail)
    assert name_of_file == "Anbringelser-til-ledergruppen-2026-11-01.pdf"
    pdf = PdfReader(io.BytesIO(data))
    assert pdf.is_encrypted and pdf.decrypt(password_in(password_mail))
    lines = "\n".join(p.extract_text() for p in pdf.pages).splitlines()
    reader = scope(Role.LEADER, 479, username=colleague[0])
    expected = engine.benchmark(reader, "K-UBU-PLAC-1000", 479, date(2025, 11, 1), date(2026, 10, 1))
    assert len(expected) == 12
    for row in expected.itertuples():
        month = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
                 "november", "december"][row.period.month - 1] + f" {row.period.year}"
        at = lines.index(month)  # the first table is the placement KPI's
        assert lines[at + 3:at + 6] == [number(row.own_value, 1), number(row.group_value, 1),
                                        number(row.country_value, 1)]
