"""The local administrator's working day in the real browser: users, quarantine, uploads and the audit log.

Runs on the shared demo installation, so it creates its own user (never touches the demo users) and
uploads targets for a year no other test reads.
"""

from __future__ import annotations

import re
import secrets

import duckdb
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bench.browser import open_page, settle, sign_in
from data_access.appstate import audit_log, users

from .browser import download_csv
from .helpers import ARTIFACTS

pytestmark = pytest.mark.browser

TARGET_YEAR = 2031  # a year no page shows by default and no other test reads


def cookie_gone(context, page: Page, name: str, seconds: int = 15) -> bool:
    """Whether the browser context loses the cookie within ``seconds``."""
    for _ in range(seconds * 5):
        if name not in {c["name"] for c in context.cookies()}:
            return True
        page.wait_for_timeout(200)
    return False


def choose(page: Page, label: str, option: str, area: str = "stMain") -> None:
    """Pick an option of a selectbox in the main area (or the sidebar: ``area="stSidebar"``)."""
    box = page.get_by_test_id(area).get_by_role("combobox", name=label, exact=True)
    for _ in range(3):  # a click while the page settles can close the list again
        box.click()
        if _listed(page):
            break
    wanted = page.get_by_role("option", name=option, exact=True)
    if not wanted.is_visible():  # a long list draws only the options in view: narrow it by typing
        box.press_sequentially(option)
    wanted.click()
    settle(page)


def _listed(page: Page) -> bool:
    try:
        expect(page.get_by_role("option").first).to_be_visible(timeout=3_000)
    except AssertionError:
        return False
    return True


def shown_password(page: Page) -> str:
    notice = page.get_by_test_id("stAlertContentSuccess").first
    expect(notice).to_be_visible(timeout=15_000)
    return re.search(r"[Ee]ngangsadgangskode[^:]*: (\S+)", notice.inner_text()).group(1)


def sign_in_with(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
    settle(page)  # a field filled while the first run still draws can be emptied again
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


def test_admin_manages_a_user_reads_quarantine_uploads_targets_and_audits(server, page, browser, demo):
    sign_in(page, server, "admin", "Dataindlæsning")

    # A new user, with a one-time password shown once.
    username = f"journey{secrets.token_hex(3)}"
    open_page(page, "Brugere og roller")
    main = page.get_by_test_id("stMain")
    main.get_by_role("textbox", name="Brugernavn").fill(username)
    main.get_by_role("textbox", name="Navn", exact=True).fill("Rejse Politiker")
    main.get_by_role("textbox", name="E-mail").fill(f"{username}@svendborg.example")
    choose(page, "Rolle", "Politiker")
    page.get_by_role("button", name="Opret bruger").click()
    settle(page)
    first_password = shown_password(page)
    created = demo.appstate.user(username)
    assert (created.role.value, created.municipality_code) == ("politician", 479)
    page.screenshot(path=ARTIFACTS / "admin-user-created.png", full_page=True)

    # A reset gives another one; the user signs in with it in a browser of their own.
    choose(page, "Bruger", f"{username} (Rejse Politiker)")
    page.get_by_role("button", name="Nulstil adgangskode").click()
    settle(page)
    password = shown_password(page)
    assert password != first_password
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    try:
        theirs = other.new_page()
        sign_in_with(theirs, server, username, first_password)
        expect(theirs.get_by_text("Forkert brugernavn eller adgangskode.")).to_be_visible(timeout=15_000)
        sign_in_with(theirs, server, username, password)
        expect(theirs.get_by_role("heading", name="Mål og resultater").first).to_be_visible(timeout=60_000)
        settle(theirs)

        # A second browser of theirs, signed in too, that they will come back to later.
        fresh = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        try:
            again = fresh.new_page()
            sign_in_with(again, server, username, password)
            expect(again.get_by_role("heading", name="Mål og resultater").first).to_be_visible(timeout=60_000)
            settle(again)

            # Disabled: locked out at their next click, and the password no longer opens the door.
            page.get_by_role("button", name="Spær bruger").click()
            settle(page)
            expect(page.get_by_text(f"Brugeren {username} er spærret.")).to_be_visible()
            assert demo.appstate.user(username) is None
            choose(theirs, "Område", "Økonomi", "stSidebar")
            # The app says so and signs them out; the sign-out reruns the app to the login form.
            expect(theirs.get_by_label("Brugernavn")).to_be_visible(timeout=30_000)
            expect(theirs.get_by_role("heading", name="Mål og resultater")).to_have_count(0)
            theirs.screenshot(path=ARTIFACTS / "admin-disabled-user-locked-out.png", full_page=True)
            # Coming back with the remembered login: the login form, no error, and the cookie forgotten.
            again.reload()
            expect(again.get_by_label("Brugernavn")).to_be_visible(timeout=30_000)
            settle(again)
            expect(again.get_by_test_id("stException")).to_have_count(0)
            # The login component deletes the cookie in the browser, after the form is drawn.
            assert cookie_gone(fresh, again, "overblik_login"), "the remembered login is still in the browser"
            sign_in_with(again, server, username, password)
            expect(again.get_by_text("Forkert brugernavn eller adgangskode.")).to_be_visible(timeout=15_000)
        finally:
            fresh.close()
    finally:
        other.close()

    # Quarantine: the own municipality's files and the national ones, as the warehouse holds them.
    open_page(page, "Karantæne")
    with duckdb.connect(str(demo.warehouse_dir / "current.duckdb"), read_only=True) as connection:
        expected = connection.execute(
            "SELECT file_name, line, reason FROM quarantine WHERE NOT regexp_matches(file_name, '_[0-9]{4}_') "
            "OR file_name LIKE '%\\_0479\\_%' ESCAPE '\\' ORDER BY file_name, line").fetchall()
    shown = download_csv(page)
    assert sorted(zip(shown["Fil"], shown["Linje"], shown["Årsag"], strict=True)) == sorted(expected)
    page.screenshot(path=ARTIFACTS / "admin-quarantine.png", full_page=True)

    # Targets uploaded as a file, stored for the own municipality.
    open_page(page, "Upload af data")
    csv = f"kommune;nøgletal;år;mål;sammenligning;note\n479;K-UBU-PLAC-1000;{TARGET_YEAR};7,2;højst;Rejsetest\n"
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        files=[{"name": "maal.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")}])
    page.get_by_role("button", name="Gem måltal").click()
    settle(page)
    expect(page.get_by_text("1 måltal fra maal.csv er gemt.")).to_be_visible()
    stored = [t for t in demo.appstate.uploaded_targets(479) if t["year"] == TARGET_YEAR]
    assert [(t["kpi_id"], t["target"], t["comparison"], t["uploaded_by"]) for t in stored] == [
        ("K-UBU-PLAC-1000", 7.2, "at_most", "admin")]
    page.screenshot(path=ARTIFACTS / "admin-upload.png", full_page=True)

    # The audit log: what the own municipality's users did, as the store has it.
    open_page(page, "Logbog")
    logged = download_csv(page)
    with demo.appstate.engine.connect() as connection:
        in_store = connection.execute(
            select(audit_log.c.username, audit_log.c.detail).join_from(
                audit_log, users, users.c.username == audit_log.c.username).where(users.c.municipality_code == 479)
            .order_by(audit_log.c.id.desc())).all()
    assert list(zip(logged["Brugernavn"], logged["Detaljer"].fillna(""), strict=True)) == [
        (row.username, row.detail or "") for row in in_store]
    mine = logged[logged["Detaljer"].fillna("").str.contains(username)]
    assert mine["Handling"].tolist() == ["Spærrede bruger", "Nulstillede adgangskode", "Oprettede bruger"]
    assert password not in logged.to_csv() and first_password not in logged.to_csv()
    page.screenshot(path=ARTIFACTS / "admin-audit.png", full_page=True)

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_label("Brugernavn")).to_be_visible(timeout=15_000)
