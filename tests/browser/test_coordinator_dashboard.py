"""A coordinator in a real Chromium: log in, filter, sort, see a live change, download
the CSV, look at the charts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import requests
from browser_kit import screenshot, watch_page
from coordinate_data import build
from helpers import Api
from playwright.sync_api import expect

from marathon.store import Store, connect

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_coordinator_filters_sorts_sees_live_change_and_downloads_csv(server,
                                                                      context_factory):
    base = server.url
    api = Api(requests.Session(), base)
    ids = build(api)
    store = Store(connect(server.redis_url), grace_ms=0, keep_ms=0)
    store.add_account("coord@example.org", PASSWORD)

    page = context_factory(viewport={"width": 1400, "height": 1500},
                           accept_downloads=True).new_page()
    watch_page(page)
    page.goto(base + "/coordinate")
    expect(page).to_have_url(base + "/coordinate/login?next=/coordinate")
    page.get_by_test_id("email").fill("coord@example.org")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(base + "/coordinate")
    rows = page.get_by_test_id("compare-row")
    expect(rows).to_have_count(12)

    # Filter by country, then sort by total per participant (highest first).
    page.get_by_test_id("filter-country").select_option("BE")
    expect(rows).to_have_count(4)
    page.get_by_test_id("sort-per_participant").click()
    order = [ids["be1"], ids["be2"], ids["be4"], ids["be3"]]  # 7.0, 3.0, 2.0, 0.5
    for i, mid in enumerate(order):
        expect(rows.nth(i)).to_have_attribute("data-id", mid)
    totals = page.get_by_test_id("totals-row")
    expect(totals.locator('[data-col="total"]')).to_have_attribute("data-value", "37")

    # A participant of be1 logs 5 letters: the table follows without a reload.
    be1 = page.locator(f'tr[data-id="{ids["be1"]}"] td[data-col="total"]')
    expect(be1).to_have_attribute("data-value", "28")
    code = store.marathon(ids["be1"])["join_code"]  # on be1's screen, not in its public JSON
    token = api.join(code, "Late writer")["token"]
    assert api.log(ids["be1"], token, count=5).status_code == 201
    expect(be1).to_have_attribute("data-value", "33", timeout=15_000)
    expect(totals.locator('[data-col="total"]')).to_have_attribute("data-value", "42")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")

    # Download the CSV of the whole edition.
    with page.expect_download() as info:
        page.get_by_test_id("export-csv-marathons").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(records) == 12
    assert {r["marathon_id"]: int(r["total"]) for r in records}[ids["be1"]] == 33

    # The charts, with two marathons' hourly curves, for the docs.
    page.get_by_test_id("filter-country").select_option("")
    expect(rows).to_have_count(12)
    for key in ("ch1", "be1", "fr2"):
        page.locator(f'tr[data-id="{ids[key]}"] input[type="checkbox"]').check()
    page.wait_for_function("""() => Chart.getChart(
        document.querySelector('[data-testid=chart-curves]'))?.data.datasets.length === 3""")
    expect(page.get_by_test_id("chart-curves")).to_be_visible()
    screenshot(page, "coordinate", docs=True)
    assert page.errors == [] and page.dialogs == []


def test_public_edition_page_shows_no_participant_columns(server, context_factory):
    api = Api(requests.Session(), server.url)
    build(api)
    page = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    watch_page(page)
    page.goto(server.url + "/e/example")
    expect(page.get_by_test_id("compare-row")).to_have_count(12)
    assert page.locator('[data-col="participants"]').count() == 0
    assert page.locator('[data-col="per_participant"]').count() == 0
    assert page.errors == [] and page.dialogs == []
