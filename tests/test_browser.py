"""Drive the app in Debian's chromium: open, search, sort, page, compare, and save screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_server import running_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"))
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
]


def only_loopback(route):
    host = urlparse(route.request.url).hostname or ""
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium; scripts/run_tests.sh installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    from leaderboard.embedded import load_embedded

    SHOTS.mkdir(parents=True, exist_ok=True)
    with running_app(load_embedded()) as url, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", only_loopback)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(url)
        tab.wait_for_selector("#leaderboard-table table tbody tr", timeout=60_000)
        tab.page_errors = errors
        yield tab
        browser.close()


def table_rows(tab) -> list[list[str]]:
    return tab.eval_on_selector_all(
        "#leaderboard-table table tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()))",
    )


def page_info(tab) -> str:
    return tab.inner_text("#page-info")


def wait_for_info_change(tab, before: str):
    tab.wait_for_function(
        "before => { const el = document.querySelector('#page-info'); return el && el.innerText !== before; }",
        arg=before, timeout=30_000,
    )


def test_browser_first_page(page):
    rows = table_rows(page)
    assert 10 <= len(rows) <= 200
    text = page.inner_text("#leaderboard-table")
    assert "nan" not in text.split()
    assert "None" not in text.split()
    assert re.search(r"Page \d+ of \d+", page_info(page))
    page.screenshot(path=str(SHOTS / "leaderboard.png"), full_page=False)
    assert page.page_errors == []


def test_browser_search_is_case_insensitive(page):
    box = page.get_by_label("Search model ids")
    before = page_info(page)
    box.fill("LLAMA")
    wait_for_info_change(page, before)
    upper = page_info(page)
    before = upper
    box.fill("llama")
    page.wait_for_timeout(1500)
    assert page_info(page) == upper
    rows = table_rows(page)
    assert rows and all("llama" in " ".join(r).lower() for r in rows)
    page.screenshot(path=str(SHOTS / "search.png"))
    box.fill("")
    wait_for_info_change(page, upper)


def test_browser_sort_ascending_then_next_page(page):
    before = page_info(page)
    first_before = table_rows(page)[0]
    page.get_by_label("Descending").uncheck()
    page.wait_for_function(
        "first => { const r = document.querySelector('#leaderboard-table table tbody tr'); return r && r.innerText.trim() !== first; }",
        arg="\t".join(first_before), timeout=30_000,
    )
    assert table_rows(page)[0] != first_before
    page.get_by_role("button", name="Next ▶").click()
    wait_for_info_change(page, page_info(page) if page_info(page) != before else before)
    assert "Page **2**" in page_info(page) or re.search(r"Page 2 of", page_info(page))
    page.screenshot(path=str(SHOTS / "sorted_page2.png"))
    page.get_by_label("Descending").check()


def test_browser_compare_tab(page):
    page.get_by_role("tab", name="Compare").click()
    picker = page.get_by_label("Models to compare")
    picker.click()
    page.wait_for_selector("ul.options li", timeout=30_000)
    options = page.locator("ul.options li")
    options.nth(0).click()
    picker.click()
    page.locator("ul.options li").nth(0).click()
    page.keyboard.press("Escape")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    assert page.locator(".js-plotly-plot").count() >= 2
    assert page.page_errors == []
