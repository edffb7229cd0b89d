"""Subscriptions delivered by the send job to a real SMTP server on 127.0.0.1, decrypted and checked against
the KPI engine; re-runs send nothing twice, a refusing server is retried with back-off and logged."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import pyzipper
from pypdf import PdfReader

from data_access import reports as saved
from data_access import subscriptions as log
from data_access.appstate import UserRecord
from data_access.scope import AccessDenied, Role
from data_access.settings import SmtpSettings
from kpi.catalogue import load_catalogue
from kpi.engine import KpiEngine
from kpi.groups import load_groups
from locale_da import number
from reports.definition import checked, new_definition
from reports.distribution import period_key, send_due, subscribe
from reports.library import saved_ref

from .helpers import scope
from .smtp_server import attachment, password_in, smtp_server

OWNER = scope(Role.LEADER, 479, username="abo_leder")
FIRST_OF_DECEMBER = date(2026, 12, 1)
USERS = [("abo_leder", "Aase Abonnent", Role.LEADER, 479), ("abo_kollega", "Kaj Kollega", Role.LEADER, 479),
         ("abo_politiker", "Pia Politiker", Role.POLITICIAN, 479), ("abo_odense", "Otto Odense", Role.LEADER, 461)]


def address(username: str) -> str:
    return f"{username}@kommune.test"


@pytest.fixture(scope="module")
def people(demo):
    for username, name, role, municipality in USERS:
        if demo.appstate.user(username) is None:
            demo.appstate.add_user(UserRecord(username, name, address(username), role, municipality, None),
                                   "hemmelig-kode")
    return demo


@pytest.fixture(scope="module")
def engine(demo):
    return KpiEngine(load_catalogue(), load_groups(), demo.warehouse)


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="overblik@kommune.test", timeout=5,
                        app_url="https://overblik.kommune.test")


def a_report(demo, name: str, *kpis: str) -> str:
    definition = checked(new_definition("benchmark", list(kpis), last_months=3), load_catalogue())
    return saved_ref(saved.create_report(OWNER, name, definition, appstate=demo.appstate))


def only(demo, subscription_id: int) -> None:
    """End the owner's other subscriptions, so that a run sends this one alone."""
    for other in set(log.who_gets_what(OWNER, demo.appstate).query("owner == 'abo_leder'")["subscription_id"]):
        if other != subscription_id:
            log.end_subscription(OWNER, int(other), demo.appstate)


def test_only_colleagues_with_an_address_can_receive_and_only_the_owner_changes_a_subscription(people):
    ref = a_report(people, "Modtagere", "K-UBU-PLAC-1000")
    with pytest.raises(log.SubscriptionError, match="abo_odense"):
        subscribe(OWNER, ref, ["abo_odense"], "pdf", "file", "monthly", people.appstate)
    with pytest.raises(log.SubscriptionError, match="format"):
        subscribe(OWNER, ref, ["abo_kollega"], "docx", "file", "monthly", people.appstate)
    with pytest.raises(AccessDenied):  # a private report of someone else cannot be subscribed to
        subscribe(scope(Role.LEADER, 479, username="abo_kollega"), ref, ["abo_kollega"], "pdf", "file", "monthly",
                  people.appstate)
    subscription_id = subscribe(OWNER, ref, ["abo_kollega", "abo_politiker"], "pdf", "file", "monthly",
                                people.appstate)
    overview = log.who_gets_what(scope(Role.LEADER, 479, username="abo_kollega"), people.appstate)
    mine = overview[overview["subscription_id"] == subscription_id]
    assert mine["recipient_name"].tolist() == ["Kaj Kollega", "Pia Politiker"]
    assert set(mine["interval"]) == {"monthly"} and set(mine["report_name"]) == {"Modtagere"}
    assert log.who_gets_what(scope(Role.LEADER, 461, username="abo_odense"), people.appstate).query(
        f"subscription_id == {subscription_id}").empty
    with pytest.raises(AccessDenied):
        log.end_subscription(scope(Role.LEADER, 479, username="abo_kollega"), subscription_id, people.appstate)
    log.end_subscription(OWNER, subscription_id, people.appstate)
    assert subscription_id not in set(log.who_gets_what(OWNER, people.appstate)["subscription_id"])


def test_the_intervals_fall_due_daily_on_mondays_and_on_the_first():
    assert period_key("daily", date(2026, 12, 2)) == "2026-12-02"
    assert period_key("weekly", date(2026, 11, 30)) == "2026-W49"  # a Monday
    assert period_key("weekly", date(2026, 12, 1)) is None
    assert period_key("monthly", FIRST_OF_DECEMBER) == "2026-12"
    assert period_key("monthly", date(2026, 12, 2)) is None


def test_a_monthly_excel_arrives_in_an_aes_zip_with_the_password_apart_and_only_once(people, engine):
    ref = a_report(people, "Månedlig Excel", "K-UBU-PLAC-1000", "K-ECO-BUDGET-USE")
    subscription_id = subscribe(OWNER, ref, ["abo_kollega"], "xlsx", "file", "monthly", people.appstate)
    with smtp_server() as (mailbox, port):
        outcome = send_due(FIRST_OF_DECEMBER, 0.01, people.appstate, engine, settings(port))
        mails = mailbox.to(address("abo_kollega"))
        assert outcome.failed == 0 and outcome.sent >= 1
        report_mail, password_mail = [m for m in mails if "Månedlig Excel" in m["Subject"]]
        assert report_mail["Subject"] == "Overblik: Månedlig Excel, data pr. 1. november 2026"
        password = password_in(password_mail)
        assert password not in report_mail.as_string()
        name, data = attachment(report_mail)
        assert name == "Månedlig-Excel-2026-11-01.zip"
        with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
            with pytest.raises(RuntimeError):
                archive.read(archive.namelist()[0])  # not without the password
            archive.setpassword(password.encode())
            book = openpyxl.load_workbook(io.BytesIO(archive.read("Månedlig-Excel-2026-11-01.xlsx")))
        reader = scope(Role.LEADER, 479, username="abo_kollega")
        for sheet, kpi_id in zip(book.sheetnames[1:3], ("K-UBU-PLAC-1000", "K-ECO-BUDGET-USE"), strict=True):
            expected = engine.benchmark(reader, kpi_id, 479, date(2026, 8, 1), date(2026, 10, 1))
            rows = list(book[sheet].iter_rows(min_row=2, values_only=True))
            assert [r[3] for r in rows] == pytest.approx(expected["own_value"].tolist())
            assert [r[4] for r in rows] == pytest.approx(expected["group_value"].tolist())

        again = send_due(FIRST_OF_DECEMBER, 0.01, people.appstate, engine, settings(port))
        assert again.sent == 0 and again.skipped >= 1
        assert send_due(date(2026, 12, 2), 0.01, people.appstate, engine, settings(port)).sent == 0
        assert len(mailbox.to(address("abo_kollega"))) == len(mails)
    entries = log.delivery_log(OWNER, appstate=people.appstate).query(f"subscription_id == {subscription_id}")
    assert entries[["period_key", "recipient", "status", "attempts"]].values.tolist() == [
        ["2026-12", "abo_kollega", "sent", 2]]


def test_an_encrypted_pdf_opens_with_the_separate_password_and_shows_the_recipients_figures(people, engine):
    ref = a_report(people, "PDF til politikeren", "K-UBU-PLAC-1000")
    subscribe(OWNER, ref, ["abo_politiker"], "pdf", "file", "daily", people.appstate)
    with smtp_server() as (mailbox, port):
        send_due(date(2026, 12, 3), 0.01, people.appstate, engine, settings(port))
        report_mail, password_mail = [m for m in mailbox.to(address("abo_politiker"))
                                      if "PDF til politikeren" in m["Subject"]]
    name, data = attachment(report_mail)
    assert name.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(data))
    assert pdf.is_encrypted and not pdf.decrypt("forkert")
    assert pdf.decrypt(password_in(password_mail))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    expected = engine.benchmark(scope(Role.POLITICIAN, 479), "K-UBU-PLAC-1000", 479, date(2026, 8, 1),
                                date(2026, 10, 1))
    lines = text.splitlines()
    for month, row in zip(("august 2026", "september 2026", "oktober 2026"), expected.itertuples(), strict=True):
        at = lines.index(month)
        assert lines[at + 3:at + 6] == [number(row.own_value, 1), number(row.group_value, 1),
                                        number(row.country_value, 1)]


def test_a_link_subscription_mails_a_link_into_the_app_and_no_file(people, engine):
    ref = a_report(people, "Som link", "K-VH-85-1000")
    subscribe(OWNER, ref, ["abo_kollega"], "pdf", "link", "weekly", people.appstate)
    with smtp_server() as (mailbox, port):
        send_due(date(2026, 11, 30), 0.01, people.appstate, engine, settings(port))
        [mail] = [m for m in mailbox.to(address("abo_kollega")) if m["Subject"] == "Overblik: Som link"]
    assert f"https://overblik.kommune.test/reports?rapport={ref}" in mail.get_body(("plain",)).get_content()
    assert list(mail.iter_attachments()) == []


def test_a_refusing_server_is_retried_with_growing_pauses_and_the_tries_are_logged(people, engine):
    ref = a_report(people, "Genforsøg", "K-UBU-SUPP-1000")
    subscription_id = subscribe(OWNER, ref, ["abo_kollega"], "csv", "file", "daily", people.appstate)
    only(people, subscription_id)
    with smtp_server(refuse=2) as (mailbox, port):
        outcome = send_due(date(2026, 12, 4), 0.2, people.appstate, engine, settings(port))
    first, second = mailbox.refused_at
    assert second - first >= 0.2 and mailbox.accepted_at[0] - second >= 0.4  # the pause doubles
    assert (outcome.sent, outcome.failed) == (1, 0)
    entry = log.delivery_log(OWNER, appstate=people.appstate).query(
        f"subscription_id == {subscription_id} and period_key == '2026-12-04'").iloc[0]
    assert (entry["status"], entry["attempts"]) == ("sent", 4)  # 3 tries for the file mail, 1 for the password


def test_an_unreachable_server_fails_logged_and_the_next_run_waits(people, engine):
    ref = a_report(people, "Ingen server", "K-UBU-PLAC-1000")
    subscription_id = subscribe(OWNER, ref, ["abo_kollega"], "pdf", "link", "daily", people.appstate)
    only(people, subscription_id)
    with smtp_server() as (_, port):
        pass  # the port is free again: nothing listens on it
    outcome = send_due(date(2026, 12, 5), 0.01, people.appstate, engine, settings(port))
    assert outcome.failed >= 1 and any("Ingen server" in error for error in outcome.errors)
    entry = log.delivery_log(OWNER, appstate=people.appstate).query(f"subscription_id == {subscription_id}").iloc[0]
    assert entry["status"] == "failed" and entry["attempts"] == 3
    assert "afviste eller svarede ikke (3 forsøg)" in entry["error"]
    assert entry["next_attempt_at"] > entry["last_attempt_at"]
    with smtp_server() as (mailbox, port):
        later = send_due(date(2026, 12, 5), 0.01, people.appstate, engine, settings(port))
        assert later.sent == 0 and not mailbox.to(address("abo_kollega"))  # not before its next attempt is due


def test_the_send_command_reads_the_mail_settings_from_the_environment(people, use_installation, monkeypatch,
                                                                         capsys):
    from reports.__main__ import main

    use_installation(people)
    ref = a_report(people, "Fra kommandolinjen", "K-UBU-PLAC-1000")
    subscription_id = subscribe(OWNER, ref, ["abo_kollega"], "csv", "link", "daily", people.appstate)
    only(people, subscription_id)
    with smtp_server() as (mailbox, port):
        monkeypatch.setenv("OVERBLIK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("OVERBLIK_SMTP_PORT", str(port))
        monkeypatch.setenv("OVERBLIK_APP_URL", "https://overblik.svendborg.test/")
        assert main(["send", "--today", "2026-12-06", "--retry-delay", "0.01"]) == 0
        assert main(["send", "--today", "2026-12-06", "--retry-delay", "0.01"]) == 0
        [mail] = mailbox.to(address("abo_kollega"))
    assert f"https://overblik.svendborg.test/reports?rapport={ref}" in mail.get_body(("plain",)).get_content()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Udsendelse: 1 sendt, 0 fejlet")
    assert out[1].startswith("Udsendelse: 0 sendt, 0 fejlet")
