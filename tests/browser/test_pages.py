"""The pages in headless Chromium (Debian's, driven by Playwright): they load, charts render
with marks under the strict Content-Security-Policy (no inline script, no eval, no inline
style: the browser reports no violation), links and downloads work, bad parameters get a
helpful page, chart data cannot inject a script. Screenshots go to build/screenshots for people
to look at."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.shared]
CHROMIUM = shutil.which("chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(web_lake: Path):
    import uvicorn

    from immtrack.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(create_app(web_lake), host="127.0.0.1",
                                             port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(100):
        if instance.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/ensure-chromium.sh installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    # A script, style or eval the Content-Security-Policy refuses is reported on the console.
    opened.on("console", lambda message: errors.append(message.text) if
              "Content Security Policy" in message.text else None)
    yield opened
    context.close()
    assert errors == [], errors


def _marks(page, figure: str) -> int:
    page.wait_for_selector(f'.chart[data-figure="{figure}"][data-rendered] svg', timeout=15000)
    return page.locator(f'.chart[data-figure="{figure}"] svg .mark-symbol path, '
                        f'.chart[data-figure="{figure}"] svg .mark-rect path, '
                        f'.chart[data-figure="{figure}"] svg .mark-line path, '
                        f'.chart[data-figure="{figure}"] svg .mark-rule line').count()


def test_the_nationality_page_answers_what_happened_to_russians(page, server):
    response = page.goto(f"{server}/nationality/RU")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Russia (RU)"
    assert _marks(page, "encounters") > 20  # monthly points, a line, policy-event rules
    assert page.locator('.chart[data-figure="encounters"] svg .mark-rule line').count() >= 3
    assert _marks(page, "by-year") > 5  # rates with interval bars
    since = page.locator("#since table tbody tr")
    assert since.count() == 9  # every definition for decisions since 2022-02-24
    page.screenshot(path=str(SHOTS / "nationality-RU.png"), full_page=True)
    # The figure's JSON link reproduces it.
    href = page.locator("#since details.provenance a", has_text="JSON").get_attribute("href")
    assert page.request.get(server + href).json()["rows"][0]["definition"] == "merits"
    with page.expect_download() as download:
        page.locator("#filings details.provenance").evaluate("d => d.open = true")
        page.locator("#filings details.provenance a.csv").click()
    assert download.value.suggested_filename == "immtrack-filings.csv"
    assert Path(download.value.path()).read_text().startswith("filed_fy,")


def test_home_courts_and_judges(page, server):
    assert page.goto(server + "/").status == 200
    assert _marks(page, "encounters") >= 4  # one bar per fiscal year
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)
    page.goto(f"{server}/courts?sort=n&desc=true")
    counts = [int(t.replace(",", "")) for t in
              page.locator("table.ranking tbody tr td:nth-child(3)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and len(counts) > 3
    page.locator("table.ranking thead a", has_text="rate").click()
    page.wait_for_url("**sort=rate**")
    page.locator("table.ranking tbody tr td:first-child a").first.click()
    assert "/courts/" in page.url and page.locator("h1").inner_text().startswith("Court:")
    page.screenshot(path=str(SHOTS / "court.png"), full_page=True)
    assert page.goto(server + "/judges").status == 200


def test_outlook_and_claims_pages(page, server):
    page.goto(f"{server}/outlook?nationality=RU&custody=N")
    assert "not a prediction" in page.locator(".caveat").inner_text()
    # granted, denied, other, closed without decision, pending
    assert page.locator("#cohort table tbody tr").count() == 5
    page.goto(f"{server}/check")
    page.locator("form button").click()
    page.wait_for_selector("td.supported")
    assert page.locator("td.not_supported").count() >= 1
    page.screenshot(path=str(SHOTS / "check.png"), full_page=True)


def test_bad_parameters_show_a_helpful_page(page, server):
    response = page.goto(f"{server}/nationality/ZZ")
    assert response.status == 400
    assert "no nationality ZZ" in page.locator(".error").inner_text()
    assert page.goto(f"{server}/outlook?custody=X").status == 400


def test_pages_fit_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{server}/nationality/RU")
    phone.wait_for_selector('.chart[data-rendered] svg')
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(SHOTS / "nationality-RU-phone.png"))
    context.close()
    assert width <= 390  # nothing wider than the screen: wide tables scroll inside their box


def test_chart_data_cannot_inject_a_script(page, server):
    """A data value holding `</script><script>...` stays data: rendered into a figure, loaded
    in the browser (with no policy to help), no injected script runs and the chart's data
    reads back whole."""
    from immtrack.web import charts
    from immtrack.web.figures import Figure
    from immtrack.web.pages import TEMPLATES

    payload = "</script><script>window.injected = true</script>"
    rows = [{"facility": payload, "people": 3}, {"facility": "B", "people": 4}]
    figure = Figure("x", "A figure", rows, ["facility", "people"], {}, "/api/encounters",
                    chart=charts.bars(rows, "facility", "people", "People by facility"))
    html = TEMPLATES.env.from_string(
        '<!doctype html><body>{% from "_figure.html" import figure %}{{ figure(f) }}</body>'
    ).render(f=figure)
    page.set_content(html)
    assert page.evaluate("window.injected") is None
    assert page.locator("script").count() == 1
    spec = page.evaluate("JSON.parse(document.querySelector('script.vl-spec').textContent)")
    assert spec["data"]["values"][0]["facility"] == payload
    assert page.locator("table tbody tr td").first.inner_text() == payload
