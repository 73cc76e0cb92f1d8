"""Trust in a real Chromium (issue 15): the coordinator's review queue, and the host's
defences with the projected screen following live."""

from __future__ import annotations

import pytest
import requests
from browser_kit import screenshot, wait_still, watch_page
from helpers import Api, action, auth
from playwright.sync_api import expect

from marathon.domain.editions import example_edition
from marathon.store import Store, connect
from marathon.store.keys import EditionKeys

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
EID = example_edition()["id"]


def _edition_total(base: str) -> int:
    table = requests.get(f"{base}/api/v1/editions/{EID}/marathons", timeout=5).json()
    return table["totals"]["total"]


def test_coordinator_verifies_two_and_rejects_one_and_the_totals_move_exactly(
        server, context_factory):
    base = server.url
    connect(server.redis_url).hset(EditionKeys(EID).policy, "registration", "review")
    store = Store(connect(server.redis_url), grace_ms=0, keep_ms=0)
    store.add_account("office@example.org", PASSWORD)
    api = Api(requests.Session(), base)
    groups = {"Lycée Hugo": 12, "Bibliothèque Nord": 30, "Totally real group": 9000}
    made = {}
    for name, letters in groups.items():
        m = api.make_marathon(group={"name": name, "type": "school", "city": "Lyon",
                                     "country": "FR"})
        assert m["state"] == "pending"
        p = api.join(m["join_code"], "Ada")
        while letters:
            n = min(100, letters)
            who = p["token"] if letters <= 600 else m["host_token"]
            r = requests.post(f"{base}/api/v1/marathons/{m['id']}/actions",
                              json=action(count=n, confirm=True), headers=auth(who),
                              timeout=5)
            assert r.status_code == 201, r.text
            letters -= n
        made[name] = m
    assert _edition_total(base) == 0

    page = context_factory(viewport={"width": 1400, "height": 1200}).new_page()
    watch_page(page)
    page.goto(base + "/coordinate")
    page.get_by_test_id("email").fill("office@example.org")
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    queue = page.get_by_test_id("review-table").locator("tbody tr")
    expect(queue).to_have_count(3)
    expect(page.get_by_test_id("review-count")).to_have_text("(3)")
    expect(page.get_by_test_id("compare-row")).to_have_count(0)
    screenshot(page, "coordinator-review", docs=True)

    def row(name: str):
        return page.locator(f'[data-testid="review-table"] tr[data-marathon="{made[name]["id"]}"]')

    # Verify two at once.
    row("Lycée Hugo").get_by_test_id("review-tick").check()
    row("Bibliothèque Nord").get_by_test_id("review-tick").check()
    page.get_by_test_id("bulk-verify").click()
    expect(row("Lycée Hugo")).to_have_attribute("data-state", "verified")
    expect(row("Bibliothèque Nord")).to_have_attribute("data-state", "verified")
    expect(page.get_by_test_id("compare-row")).to_have_count(2, timeout=15_000)
    totals = page.get_by_test_id("totals-row").locator('[data-col="total"]')
    expect(totals).to_have_attribute("data-value", "42", timeout=15_000)

    # Reject the third, with a reason; a reason is required.
    fake = row("Totally real group")
    fake.get_by_test_id("reject").click()
    expect(page.get_by_test_id("review-status")).not_to_be_empty()
    assert fake.get_attribute("data-state") == "pending"
    fake.get_by_test_id("row-reason").fill("No such group in our records")
    fake.get_by_test_id("reject").click()
    expect(fake).to_have_attribute("data-state", "rejected")
    expect(fake.get_by_test_id("review-state")).to_contain_text("No such group in our records")
    expect(page.get_by_test_id("review-count")).to_have_text("")
    fake.get_by_test_id("audit").locator("summary").click()
    expect(fake.get_by_test_id("audit")).to_contain_text("office@example.org")
    assert _edition_total(base) == 42
    expect(page.get_by_test_id("compare-row")).to_have_count(2)

    # The rejected marathon's host reads why in the console; its screen still counts.
    host = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    watch_page(host)
    host.goto(f"{base}/h/{made['Totally real group']['host_token']}")
    expect(host.get_by_test_id("state-banner")).to_have_attribute("data-state", "rejected")
    expect(host.get_by_test_id("state-reason")).to_have_text("No such group in our records")
    assert page.errors == [] and host.errors == []


def test_host_pauses_joining_changes_the_code_and_voids_an_intruder_with_the_screen_following(
        server, context_factory):
    base = server.url
    api = Api(requests.Session(), base)
    m = api.make_marathon()
    good = api.join(m["join_code"], "Ada")
    bad = api.join(m["join_code"], "Intruder")
    assert api.log(m["id"], good["token"], count=3).status_code == 201
    for _ in range(3):
        assert api.log(m["id"], bad["token"], count=100).status_code == 201

    screen = context_factory(viewport={"width": 1280, "height": 720}).new_page()
    watch_page(screen)
    screen.goto(base + m["urls"]["screen"])  # the projector link
    expect(screen.get_by_test_id("join-code")).to_have_text(m["join_code"], timeout=15_000)
    expect(screen.get_by_test_id("total")).to_have_text("303", timeout=15_000)

    host = context_factory(viewport={"width": 1280, "height": 1000}).new_page()
    watch_page(host)
    host.goto(f"{base}/h/{m['host_token']}")
    expect(host.get_by_test_id("live-status")).to_have_attribute("data-state", "live",
                                                                  timeout=15_000)

    # Pause joining: a newcomer is refused with a clear answer; resume: they get in.
    host.get_by_test_id("pause-joins").check()
    expect(host.get_by_test_id("defences-status")).not_to_be_empty()
    r = requests.post(f"{base}/api/v1/join", json={"code": m["join_code"], "nickname": "X"},
                      timeout=5)
    assert r.status_code == 409 and r.json()["error"]["code"] == "joins_paused"
    host.get_by_test_id("pause-joins").uncheck()
    host.wait_for_function("""async () => (await (await fetch(location.pathname.replace(
        '/host', '').replace('/m/', '/api/v1/marathons/'))).json()).joins_paused === false""")

    # A new join code: the console, the screen and its QR follow; the old code is refused.
    host.get_by_test_id("new-join-code").click()
    expect(host.get_by_test_id("join-code")).not_to_have_text(m["join_code"])
    new = host.get_by_test_id("join-code").inner_text()
    expect(screen.get_by_test_id("join-code")).to_have_text(new, timeout=15_000)
    assert new in screen.get_by_test_id("join-qr").get_attribute("alt")
    r = requests.post(f"{base}/api/v1/join", json={"code": m["join_code"], "nickname": "Y"},
                      timeout=5)
    assert r.status_code == 409 and r.json()["error"]["code"] == "code_replaced"

    # Void all of the intruder's actions: the screen drops to the honest total, live.
    row = host.locator(f'tr[data-pid="{bad["participant_id"]}"]')
    row.get_by_test_id("void-all-reason").fill("not in the room")
    row.get_by_test_id("void-all").click()
    expect(screen.get_by_test_id("total")).to_have_text("3", timeout=15_000)
    expect(row.get_by_test_id("restore-all")).to_be_visible()
    host.locator("#defences").scroll_into_view_if_needed()
    wait_still(host)
    screenshot(host, "host-defences", docs=True)
    row.get_by_test_id("restore-all").click()
    expect(screen.get_by_test_id("total")).to_have_text("303", timeout=15_000)
    assert screen.errors == [] and host.errors == []
