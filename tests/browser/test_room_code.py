"""The join code in Chromium (issue 27, item 1): the projector link shows the code and
its QR code, the public screen shows neither, and a new code reaches the open
projector without a reload, while a copy of the old projector link shows none."""

from __future__ import annotations

import pytest
import requests
from browser_kit import screenshot, wait_still, watch_page
from helpers import Api, auth
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_page(context_factory, url: str):
    page = context_factory(viewport={"width": 1280, "height": 720}).new_page()
    watch_page(page)
    page.goto(url)
    page.wait_for_selector('[data-testid="live-status"][data-state="live"]', timeout=15_000)
    return page


def test_projector_shows_the_code_public_screen_does_not_and_a_new_code_follows(
        server, context_factory):
    base = server.url
    api = Api(requests.Session(), base)
    m = api.make_marathon()
    phone = api.join(m["join_code"], "Ada")

    projector = open_page(context_factory, base + m["urls"]["screen"])
    expect(projector.get_by_test_id("join-code")).to_have_text(m["join_code"], timeout=15_000)
    qr = projector.get_by_test_id("join-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert projector.evaluate("document.querySelector('[data-testid=join-qr]').naturalWidth") > 0
    assert m["join_code"] in qr.get_attribute("alt")

    public = open_page(context_factory, base + m["urls"]["public_screen"])
    assert api.log(m["id"], phone["token"], count=7).status_code == 201
    expect(public.get_by_test_id("total")).to_have_text("7", timeout=15_000)
    expect(projector.get_by_test_id("total")).to_have_text("7", timeout=15_000)
    assert public.get_by_test_id("join-code").count() == 0
    assert public.get_by_test_id("join-qr").count() == 0
    assert m["join_code"] not in public.content()
    # The total takes the join panel's place: nothing empty where the code would be.
    assert public.locator("#join").is_hidden()
    for page, name in ((public, "public-screen"), (projector, "projector-screen")):
        wait_still(page)
        screenshot(page, name)

    # The host makes a new code: the open projector shows it, in the same page.
    projector.evaluate("window.sameDocument = true")
    r = requests.post(f"{base}/api/v1/marathons/{m['id']}/join-code",
                      headers=auth(m["host_token"]), timeout=10)
    assert r.status_code == 201, r.text
    new = r.json()
    expect(projector.get_by_test_id("join-code")).to_have_text(new["join_code"], timeout=15_000)
    assert new["join_code"] in projector.get_by_test_id("join-qr").get_attribute("alt")
    assert projector.evaluate("window.sameDocument") is True  # no reload
    # The projector's address now carries the new key, so a reload keeps the code.
    assert projector.url == base + new["urls"]["screen"]
    assert public.get_by_test_id("join-code").count() == 0
    assert new["join_code"] not in public.content()

    # A copy of the old projector link shows no code, and says where the new link is.
    stale = open_page(context_factory, base + m["urls"]["screen"])
    expect(stale.locator("#key-notice")).to_be_visible(timeout=15_000)
    assert stale.get_by_test_id("join-code").count() == 0
    assert stale.get_by_test_id("join-qr").count() == 0
    assert m["join_code"] not in stale.content() and new["join_code"] not in stale.content()

    projector.reload()
    expect(projector.get_by_test_id("join-code")).to_have_text(new["join_code"], timeout=15_000)
    for page in (projector, public, stale):
        assert page.errors == [] and page.dialogs == []
