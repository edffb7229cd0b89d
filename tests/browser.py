"""Browser-test fixtures: the real Streamlit server on the demo installation, and the system Chromium.

One server and one browser serve every browser test module; each test opens its own browser context.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, sync_playwright

from bench.server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, wait_until_healthy

from .helpers import ARTIFACTS


@pytest.fixture(scope="session")
def server(demo):
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    process = start_server(demo.env(), port, ARTIFACTS / f"streamlit-{port}.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    yield context.new_page()
    context.close()


def metric_value(page: Page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def download_csv(page: Page, button_index: int = 0) -> pd.DataFrame:
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent som CSV").nth(button_index).click()
    return pd.read_csv(download.value.path(), sep=";", decimal=",", encoding="utf-8-sig")
