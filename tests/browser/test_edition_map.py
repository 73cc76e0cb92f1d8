"""The live map of an edition (issue 19) in real Chromium against a real server: the
countries' shading and figures follow the actions logged through the API, live."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from browser_kit import screenshot, wait_still, watch_page
from helpers import Api

from marathon.domain.editions import example_edition
from marathon.store import Store, connect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe.min.js"

FR_BRETAGNE = {"name": "Lycée de Brest", "type": "school", "city": "Brest",
               "region": "Bretagne", "country": "FR"}
DE_BAYERN = {"name": "Amnesty München", "type": "local_group", "city": "München",
             "region": "Bayern", "country": "DE"}


def country(page, code: str) -> dict:
    """What the map and its table show of one country."""
    return page.evaluate("""code => {
        const path = document.querySelector(
            `#map-svg :is(path, circle)[data-country="${code}"]`);
        const label = document.querySelector(`#map-svg text[data-country="${code}"]`);
        const row = document.querySelector(`#map-rows tr[data-country="${code}"]:not(.sub)`);
        return {step: path && path.dataset.step, fill: path && getComputedStyle(path).fill,
                label: label && label.textContent,
                row: row && row.querySelector('.count').textContent};
    }""", code)


def wait_country(page, code: str, total: int, timeout: float = 10_000) -> None:
    page.wait_for_function(
        """([code, n]) => {
            const p = document.querySelector(
                `#map-svg :is(path, circle)[data-country="${code}"]`);
            return p && p.dataset.total === String(n);
        }""", arg=[code, total], timeout=timeout)


def log_many(api: Api, m: dict, token: str, n: int) -> None:
    r = api.log(m["id"], token, count=n)
    assert r.status_code == 201, r.text


def test_edition_screen_map_follows_two_countries_live(live_server, context_factory):
    api = Api(requests.Session(), live_server.url)
    fr = api.make_marathon(group=FR_BRETAGNE)
    de = api.make_marathon(group=DE_BAYERN)
    anne = api.join(fr["join_code"], "Anne")
    bernd = api.join(de["join_code"], "Bernd")

    page = context_factory(viewport={"width": 1280, "height": 720}).new_page()
    watch_page(page)
    page.goto(f"{live_server.url}/e/example/screen")
    page.wait_for_selector('[data-testid="live-status"][data-state="live"]')
    page.wait_for_selector('#map-svg path[data-country="FR"][data-step="0"]')
    page.evaluate("window.notReloaded = true")
    no_activity = country(page, "FR")["fill"]
    assert country(page, "DE")["fill"] == no_activity

    log_many(api, fr, anne["token"], 5)
    wait_country(page, "FR", 5)
    fr_alone = country(page, "FR")
    assert fr_alone["step"] == "4" and fr_alone["fill"] != no_activity
    assert fr_alone["label"] == "5" and fr_alone["row"] == "5"
    assert country(page, "DE")["step"] == "0"

    log_many(api, de, bernd["token"], 12)
    log_many(api, de, bernd["token"], 8)
    wait_country(page, "DE", 20)
    both = {code: country(page, code) for code in ("FR", "DE")}
    # 20 is the highest now: Germany takes the darkest step, France's 5 a lighter one.
    assert both["DE"]["step"] == "4" and both["DE"]["label"] == "20"
    assert both["DE"]["row"] == "20"
    assert both["FR"]["step"] in ("1", "2") and both["FR"]["label"] == "5"
    assert both["FR"]["fill"] not in (no_activity, both["DE"]["fill"])
    legend = page.locator("#map-legend li").all_text_contents()
    assert legend[-1].replace("\u2013", "-").endswith("-20")
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_test_id("map").is_visible()
    assert page.get_by_test_id("map-table").locator("tr[data-country]").count() == 2

    fit = page.evaluate("[document.scrollingElement.scrollHeight, innerHeight,"
                        " document.scrollingElement.scrollWidth, innerWidth]")
    assert fit[0] <= fit[1] and fit[2] <= fit[3]
    wait_still(page)
    screenshot(page, "edition-map", docs=True)
    assert page.errors == [] and page.dialogs == []


def test_public_edition_page_shows_the_live_map_on_a_phone(live_server, phone):
    api = Api(requests.Session(), live_server.url)
    fr = api.make_marathon(group=FR_BRETAGNE)
    anne = api.join(fr["join_code"], "Anne")
    phone.goto(f"{live_server.url}/e/example")
    phone.wait_for_selector('#map-svg path[data-country="FR"]')
    phone.wait_for_selector('[data-testid="live-status"][data-state="live"]')
    log_many(api, fr, anne["token"], 3)
    wait_country(phone, "FR", 3)
    assert country(phone, "FR")["row"] == "3"
    # Singapore is too small for the world's shapes: it gets a dot once it has actions.
    sg = api.make_marathon(group={**FR_BRETAGNE, "country": "SG", "region": ""})
    dot = phone.locator('#map-svg circle[data-country="SG"]')
    assert dot.count() == 1 and not dot.is_visible()
    log_many(api, sg, api.join(sg["join_code"], "Wei")["token"], 1)
    wait_country(phone, "SG", 1)
    assert dot.is_visible()
    assert phone.get_by_test_id("map-table").is_visible()
    fit = phone.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert fit[0] <= fit[1]
    screenshot(phone, "edition-map-phone", docs=True)
    assert phone.errors == [] and phone.dialogs == []


def test_map_shades_the_regions_an_edition_brings(live_server, phone):
    def square(lon: float, lat: float) -> dict:
        ring = [[lon, lat], [lon + 2, lat], [lon + 2, lat + 1.5], [lon, lat + 1.5],
                [lon, lat]]
        return {"type": "Polygon", "coordinates": [ring]}

    regions = {"FR": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bretagne"}, "geometry": square(-4.5, 47.3)},
        {"type": "Feature", "properties": {"name": "Île-de-France"},
         "geometry": square(1.5, 48.2)}]}}
    Store(connect(live_server.redis_url), grace_ms=0, keep_ms=0).import_edition(
        {**example_edition(), "regions": regions})
    api = Api(requests.Session(), live_server.url)
    fr = api.make_marathon(group=FR_BRETAGNE)
    anne = api.join(fr["join_code"], "Anne")
    phone.goto(f"{live_server.url}/e/example")
    phone.wait_for_selector('#map-svg path[data-region="Bretagne"]')
    log_many(api, fr, anne["token"], 4)
    phone.wait_for_function("""() => document.querySelector(
        '#map-svg path[data-region="Bretagne"]').dataset.total === '4'""")
    step = phone.evaluate("""() => [...document.querySelectorAll('#map-svg path[data-region]')]
        .map(p => [p.dataset.region, p.dataset.step])""")
    assert dict(step) == {"Bretagne": "4", "Île-de-France": "0"}
    assert phone.locator('#map-rows tr.sub[data-region="Bretagne"] .count').text_content() == "4"
    assert phone.errors == [] and phone.dialogs == []


def test_axe_finds_no_serious_violation_around_the_map(live_server, context_factory):
    api = Api(requests.Session(), live_server.url)
    fr = api.make_marathon(group=FR_BRETAGNE)
    log_many(api, fr, api.join(fr["join_code"], "Anne")["token"], 2)
    # The app's CSP forbids injected scripts (as it should): bypass it for axe only.
    for path, size in (("/e/example", (390, 844)), ("/e/example/screen", (1280, 720))):
        page = context_factory(bypass_csp=True, viewport={"width": size[0], "height": size[1]}
                               ).new_page()
        page.goto(live_server.url + path)
        wait_country(page, "FR", 2)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""() => axe.run(document.getElementById('map'),
                                                {resultTypes: ['violations']})""")
        serious = [(v["id"], [n["html"][:80] for n in v["nodes"]])
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, serious)
