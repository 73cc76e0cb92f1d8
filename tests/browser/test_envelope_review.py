"""Issue 27 item 3 in a real Chromium: a verified marathon that grew beyond its
plausibility envelope is back at the top of the coordinator's review queue, flagged,
with what it holds; verifying it again releases that into the edition's table."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from browser_kit import watch_page
from helpers import Api, action, auth, iso, now
from playwright.sync_api import expect

from marathon.domain.editions import example_edition
from marathon.store import Store, connect
from marathon.store.keys import EditionKeys

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
EID = example_edition()["id"]


def test_a_grown_marathon_is_flagged_in_the_queue_and_verifying_releases_it(
        server, context_factory):
    base = server.url
    connect(server.redis_url).hset(EditionKeys(EID).policy, "registration", "review")
    store = Store(connect(server.redis_url), grace_ms=0, keep_ms=0)
    store.add_account("office@example.org", PASSWORD)
    api = Api(requests.Session(), base)
    quiet = api.make_marathon(group={"name": "Lycée Hugo", "type": "school", "city": "Lyon",
                                     "country": "FR"})
    grown = api.make_marathon(starts_at=iso(now() - timedelta(minutes=30)),
                              group={"name": "Club Nord", "type": "other", "city": "Lille",
                                     "country": "FR"})
    for m in (quiet, grown):
        store.set_state(m["id"], "verified", reason="", who="office@example.org", now=0)
    for _ in range(10):  # the host's 1,000, confirmed: the envelope is 500 (no phone yet)
        r = requests.post(f"{base}/api/v1/marathons/{grown['id']}/actions",
                          json=action(count=100, confirm=True),
                          headers=auth(grown["host_token"]), timeout=5)
        assert r.status_code == 201, r.text

    page = context_factory(viewport={"width": 1400, "height": 1200}).new_page()
    watch_page(page)
    page.goto(base + "/coordinate")
    page.get_by_test_id("email").fill("office@example.org")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    rows = page.get_by_test_id("review-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-marathon", grown["id"])
    expect(page.get_by_test_id("review-count")).to_have_text("(1)")
    flags = rows.first.get_by_test_id("flags")
    expect(flags).to_contain_text("grown since verification")
    expect(flags).to_contain_text("held 500")
    expect(flags).to_contain_text("envelope 500")
    totals = page.get_by_test_id("totals-row").locator('[data-col="total"]')
    expect(totals).to_have_attribute("data-value", "500", timeout=15_000)

    rows.first.get_by_test_id("release").click()
    row = page.locator(f'[data-testid="review-table"] tr[data-marathon="{grown["id"]}"]')
    expect(row.get_by_test_id("flags")).not_to_contain_text("grown")
    expect(row.get_by_test_id("release")).to_have_count(0)
    expect(page.get_by_test_id("review-count")).to_have_text("")
    expect(totals).to_have_attribute("data-value", "1000", timeout=15_000)
