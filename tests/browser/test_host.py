"""The host's whole journey in a real Chromium, against the real server and Redis."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from browser_kit import screenshot, watch_page
from helpers import CASES, Api, auth
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 900}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


class Journey:
    """Count what the host does in the browser: page loads and form submissions."""

    def __init__(self, page) -> None:
        self.loads = 0
        self.forms = 0
        page.on("load", lambda _: self._loaded())
        page.on("request", self._request)

    def _loaded(self) -> None:
        self.loads += 1

    def _request(self, req) -> None:
        if req.is_navigation_request() and req.method == "POST":
            self.forms += 1


def paris_local(delta: timedelta) -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")) + delta).strftime("%Y-%m-%dT%H:%M")


def test_host_journey_from_home_page_to_closed_marathon(server, context_factory):
    base = server.url
    api = Api(requests.Session(), base)

    # ---- from / to a registered marathon, with one mistake on the way
    laptop = context_factory(viewport=LAPTOP).new_page()
    watch_page(laptop)
    journey = Journey(laptop)
    laptop.goto(base + "/")
    laptop.get_by_test_id("register-link").click()
    form = laptop.get_by_test_id("register")
    expect(form.locator('[name="timezone"]')).not_to_have_value("")  # prefilled by the page
    form.locator('[name="group.name"]').fill("Club Amnesty du lycée")
    form.locator('[name="group.type"]').select_option("school")
    form.locator('[name="group.city"]').fill("Besançon")
    form.locator('[name="group.region"]').fill("Bourgogne-Franche-Comté")
    form.locator('[name="group.country"]').select_option("FR")
    form.locator('[name="title"]').fill("Marathon des lettres")
    form.locator('[name="starts_at"]').fill(paris_local(timedelta(hours=-1)))
    form.locator('[name="timezone"]').fill("Europe/Atlantis")
    form.locator('[name="goal"]').fill("-5")
    form.get_by_role("button").click()

    form = laptop.get_by_test_id("register")
    expect(laptop.locator('[data-error-for="timezone"]')).to_be_visible()
    expect(laptop.locator('[data-error-for="goal"]')).to_be_visible()
    expect(form.locator('[name="timezone"]')).to_have_value("Europe/Atlantis")
    expect(form.locator('[name="goal"]')).to_have_value("-5")
    expect(form.locator('[name="group.name"]')).to_have_value("Club Amnesty du lycée")
    expect(form.locator('[name="group.country"]')).to_have_value("FR")
    screenshot(laptop, "register", docs=True)

    form.locator('[name="timezone"]').fill("Europe/Paris")
    form.locator('[name="goal"]').fill("300")
    form.get_by_role("button").click()

    host_url = laptop.get_by_test_id("host-link").inner_text()
    code = laptop.get_by_test_id("join-code").inner_text()
    screen = laptop.get_by_test_id("screen-link")
    mid = re.search(r"/m/([^/]+)/screen", screen.get_attribute("href")).group(1)
    assert "/h/" in host_url and len(code) == 6
    screen.click()
    laptop.wait_for_load_state("load")
    assert f"/m/{mid}/screen#key=" in laptop.url  # the projector link, which shows the code
    expect(laptop.get_by_test_id("join-code")).to_have_text(code, timeout=15_000)
    print(f"\nfrom / to the projected screen: {journey.loads} page loads, "
          f"{journey.forms} form submissions (one of them fixing a mistake)")
    assert journey.forms <= 2 and journey.loads <= 5

    marathon = api.marathon(mid)
    assert marathon["goal"] == 300 and marathon["timezone"] == "Europe/Paris"
    assert marathon["snapshot"]["total"] == 0 and marathon["status"] == "running"

    # ---- a participant logs two letters from a phone (through the API)
    zoe = api.join(code, "Zoë")
    kept = api.log(mid, zoe["token"], case_id=CASES[0])
    wrong = api.log(mid, zoe["token"], case_id=CASES[0], count=5)
    assert kept.status_code == wrong.status_code == 201
    wrong_cid = wrong.json()["action"]["client_id"]

    # ---- the host link in a fresh browser opens the console, without the token
    host = context_factory(viewport=LAPTOP).new_page()
    watch_page(host)
    host.goto(host_url)
    assert host.url == f"{base}/m/{mid}/host" and host_url.rsplit("/", 1)[1] not in host.url
    expect(host.get_by_test_id("total")).to_have_text("6")

    # ---- raise the goal
    host.get_by_test_id("goal-input").fill("1000")
    host.get_by_test_id("save-settings").click()
    expect(host.get_by_test_id("settings-status")).to_have_class(re.compile(r"\bok\b"))
    expect(host.get_by_test_id("goal")).to_have_text("1,000")  # in the page's language
    assert api.marathon(mid)["goal"] == 1000

    # ---- a paper stack of 37 letters for one case
    tally = host.get_by_test_id("tally")
    tally.locator('[name="kind"]').select_option("letter")
    tally.locator('[name="case_id"]').select_option(CASES[1])
    tally.locator('[name="count"]').fill("37")
    tally.get_by_role("button").click()
    expect(host.get_by_test_id("flash-ok")).to_be_visible()
    expect(host.get_by_test_id("total")).to_have_text("43")
    snap = api.marathon(mid)["snapshot"]
    assert snap["total"] == 43 and snap["by_case"][CASES[1]] == 37
    assert snap["by_case"][CASES[0]] == 6

    # ---- void the participant's mistaken entry, with a reason
    row = host.locator(f'[data-testid="actions"] tr[data-client-id="{wrong_cid}"][data-op="log"]')
    row.get_by_test_id("void-reason").fill("typed 5 instead of 1")
    row.get_by_test_id("void").click()
    expect(host.locator(f'tr[data-client-id="{wrong_cid}"][data-op="void"]')).to_contain_text(
        "typed 5 instead of 1")
    expect(host.get_by_test_id("total")).to_have_text("38")
    snap = api.marathon(mid)["snapshot"]
    assert snap["total"] == 38 and snap["by_case"][CASES[0]] == 1
    audit = requests.get(f"{base}/api/v1/marathons/{mid}/actions",
                         headers=auth(host_token(host_url))).json()["actions"]
    assert audit[0]["op"] == "void" and audit[0]["reason"] == "typed 5 instead of 1"
    expect(host.locator(f'[data-testid="participants"] tr[data-pid="{zoe["participant_id"]}"]')
           .get_by_test_id("participant-total")).to_have_text("1")

    # ---- close the marathon
    host.get_by_test_id("close").click()
    expect(host.get_by_test_id("reopen")).to_be_visible()
    expect(host.get_by_test_id("status")).to_have_attribute("data-status", "ended")
    body = api.marathon(mid)
    assert body["closed"] is True and body["status"] == "ended"
    assert body["snapshot"]["total"] == 38
    assert api.log(mid, zoe["token"]).status_code == 409
    host.evaluate("window.scrollTo(0, 0)")
    screenshot(host, "host-console", docs=True)

    # ---- someone without the host session gets nothing
    stranger = context_factory().new_page()
    assert stranger.goto(f"{base}/m/{mid}/host").status == 401
    assert stranger.goto(f"{base}/m/{mid}/certificate").status == 401

    assert host.errors == [] and host.dialogs == []
    assert laptop.dialogs == []


def host_token(url: str) -> str:
    return url.rsplit("/h/", 1)[1]


def test_poster_and_report_print_on_one_a4_page_each(server, context_factory):
    api = Api(requests.Session(), server.url)
    m = api.make_marathon(title="Marathon des lettres du lycée Victor Hugo 2026")
    for i, name in enumerate(["Zoë", "Malik", "Anna", "Jules", "Inès", "Tom"]):
        p = api.join(m["join_code"], name)
        for _ in range(i + 2):
            assert api.log(m["id"], p["token"], case_id=CASES[i % len(CASES)]).status_code == 201
    page = context_factory(viewport={"width": 1000, "height": 1300}).new_page()
    watch_page(page)

    page.goto(f"{server.url}{m['urls']['host']}")  # the poster is the host's
    page.goto(f"{server.url}/m/{m['id']}/poster?lang=fr")
    expect(page.get_by_test_id("join-code")).to_have_text(m["join_code"])
    screenshot(page, "poster", docs=True)
    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1

    page.goto(f"{server.url}/m/{m['id']}/report")
    expect(page.get_by_test_id("hourly")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("total")).to_have_text("27")
    screenshot(page, "report", docs=True)
    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
    assert page.errors == []
