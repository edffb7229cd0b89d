"""Playwright steps shared by the browser tests and the benchmarks."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script and no stale elements are left."""
    app = page.get_by_test_id("stApp")
    for _ in range(2):  # a run can trigger another (the login cookie's component does)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=30_000)
        page.wait_for_timeout(300)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)


def sign_in(page: Page, url: str, username: str, heading: str) -> None:
    page.goto(url)
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(f"demo-{username}")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_role("heading", name=heading)).to_have_count(1)
    expect(page.get_by_label("Brugernavn")).to_have_count(0)


def open_page(page: Page, title: str) -> None:
    """Open a page through the top menu, as a user would: a plain link, or an entry in one of the menu's
    sections (each a drop-down)."""
    link = page.get_by_test_id("stTopNav").get_by_role("link", name=title, exact=True)
    if link.count() == 0:
        for section in page.get_by_test_id("stTopNavSection").all():
            section.click()
            link = page.get_by_role("menuitem", name=title, exact=True)
            if link.count():
                break
            page.keyboard.press("Escape")
    link.click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=30_000)
    settle(page)
