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


# Gradio 6.31 renders only the rows in view, as div.virtual-row elements with
# role=gridcell cells; a hidden sizing <tbody> contains no visible rows.
VISIBLE_ROWS = (
    "Array.from(document.querySelectorAll('#leaderboard-table .virtual-row'))"
    ".filter(r => r.offsetHeight > 0)"
)


def only_loopback(route):
    host = urlparse(route.request.url).hostname or ""
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def browser():
    """One Playwright driver and chromium for the module: the sync API allows one driver per thread."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium; scripts/run_tests.sh installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def new_tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", only_loopback)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.page_errors = errors
    return tab


@pytest.fixture(scope="module")
def page(browser):
    from leaderboard.embedded import load_embedded

    with running_app(load_embedded()) as url:
        tab = new_tab(browser)
        tab.goto(url)
        tab.wait_for_function(f"() => ({VISIBLE_ROWS}).length > 0", timeout=60_000)
        yield tab
        tab.context.close()


def table_rows(tab) -> list[list[str]]:
    return tab.evaluate(f"() => ({VISIBLE_ROWS}).map(r => Array.from(r.querySelectorAll('[role=gridcell]')).map(td => td.innerText.trim()))")


def page_info(tab) -> str:
    return tab.inner_text("#page-info")


def wait_for_info_change(tab, before: str):
    # The line reads "processing" while a request runs; wait for a finished page line.
    tab.wait_for_function(
        "before => { const el = document.querySelector('#page-info');"
        " return el && el.innerText !== before && el.innerText.startsWith('Page'); }",
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


def type_search(tab, text: str):
    # Playwright's fill() sets the value without the key events that Gradio's
    # textbox listens to, so type the way a person does.
    box = tab.get_by_label("Search model ids")
    box.click()
    box.select_text()
    tab.keyboard.press("Backspace")
    if text:
        tab.keyboard.type(text)


def test_browser_search_is_case_insensitive(page):
    before = page_info(page)
    type_search(page, "LLAMA")
    wait_for_info_change(page, before)
    page.wait_for_timeout(1000)
    upper = page_info(page)
    type_search(page, "llama")
    page.wait_for_timeout(2000)
    assert page_info(page) == upper
    rows = table_rows(page)
    assert rows and all("llama" in " ".join(r).lower() for r in rows)
    page.screenshot(path=str(SHOTS / "search.png"))
    type_search(page, "")
    wait_for_info_change(page, upper)


def test_browser_sort_ascending_then_next_page(page):
    first_before = table_rows(page)[0]
    page.get_by_label("Descending").uncheck()
    page.wait_for_function(
        f"first => {{ const rows = {VISIBLE_ROWS}; return rows.length > 0 && rows[0].querySelector('[role=gridcell]').innerText.trim() !== first; }}",
        arg=first_before[0], timeout=30_000,
    )
    ascending = table_rows(page)
    assert ascending[0][0] != first_before[0]
    assert ascending[0][1] != "—", "missing aggregates must sort last in ascending order too"

    info = page_info(page)
    page.get_by_role("button", name="Next ▶").click()
    wait_for_info_change(page, info)
    assert re.search(r"Page 2 of", page_info(page))
    assert table_rows(page)[0][0] != ascending[0][0]
    page.screenshot(path=str(SHOTS / "sorted_page2.png"))

    info = page_info(page)
    page.get_by_label("Descending").check()
    wait_for_info_change(page, info)


def pick_option(tab, picker, index: int):
    picker.click()
    option = tab.locator("ul.option-list li").nth(index)
    option.wait_for(timeout=30_000)
    option.click()


def test_browser_compare_tab(page):
    page.get_by_role("tab", name="Compare").click()
    picker = page.get_by_label("Models to compare")
    pick_option(page, picker, 0)
    pick_option(page, picker, 1)
    pick_option(page, picker, 2)
    page.keyboard.press("Escape")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    assert page.locator(".js-plotly-plot").count() >= 2
    assert "Strengths" in page.inner_text("body")
    assert page.page_errors == []


def test_browser_tracking_tab(page):
    page.get_by_role("tab", name="Tracking").click()
    page.wait_for_selector("#tracking-plot .js-plotly-plot", timeout=60_000)
    page.wait_for_function("() => document.body.innerText.includes('Change points by PELT')", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "tracking.png"), full_page=True)
    text = page.inner_text("body")
    assert "Sen slope per year" in text
    assert "Kendall tau" in text
    assert page.page_errors == []


def test_browser_correlations_tab(page):
    page.get_by_role("tab", name="Correlations").click()
    page.wait_for_function("() => document.body.innerText.includes('percentile bootstrap interval')", timeout=60_000)
    page.wait_for_selector("#correlation-matrix .js-plotly-plot", timeout=60_000)
    heatmap_text = page.evaluate("() => Array.from(document.querySelectorAll('#correlation-matrix text')).map(t => t.textContent).join(' ')")
    assert "n=2674" in heatmap_text
    page.get_by_role("button", name="Run agreement and drift").click()
    page.wait_for_function("() => document.body.innerText.includes('Relative z')", timeout=120_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "correlations.png"), full_page=True)
    assert page.page_errors == []


@pytest.fixture(scope="module")
def alerts_page(browser):
    from leaderboard.embedded import load_embedded

    with running_app(load_embedded(), with_alerts=True) as url:
        tab = new_tab(browser)
        tab.url_base = url
        yield tab
        tab.context.close()


def test_browser_alerts_tab_and_evidence_card(alerts_page):
    page = alerts_page
    page.goto(page.url_base)
    page.get_by_role("tab", name="Alerts").click()
    page.wait_for_selector("#alerts-table .virtual-row", timeout=120_000)
    page.screenshot(path=str(SHOTS / "alerts.png"))
    page.locator("#alerts-table .virtual-row").nth(0).locator("[role=gridcell]").nth(2).click()
    page.wait_for_function("() => document.querySelector('#evidence-card').innerText.includes('Data revision')", timeout=60_000)
    page.wait_for_timeout(1000)
    page.locator("#evidence-card").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "evidence_card.png"), full_page=True)
    assert "Benjamini-Hochberg" in page.inner_text("#evidence-card")
    assert page.page_errors == []


def test_browser_alert_link_opens_card(alerts_page):
    page = alerts_page
    page.goto(page.url_base)
    page.get_by_role("tab", name="Alerts").click()
    page.wait_for_selector("#alerts-table .virtual-row", timeout=120_000)
    first_id = page.locator("#alerts-table .virtual-row").nth(0).locator("[role=gridcell]").last.inner_text().strip()
    page.goto(f"{page.url_base}?alert={first_id}")
    page.wait_for_function("id => { const el = document.querySelector('#evidence-card'); return el && el.innerText.includes(id); }",
                           arg=first_id, timeout=120_000)
    assert page.locator("#evidence-card").is_visible()
