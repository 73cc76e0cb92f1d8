"""The projected screens in headless Chromium, against a real server, Redis and /live."""

from __future__ import annotations

import os
import random
import re
import threading
import time
from datetime import timedelta

import pytest
import requests
from browser_kit import screenshot, wait_still, watch_page
from helpers import CASES, Api, iso, now
from support import ServerProcess

from marathon.store import keys

pytestmark = pytest.mark.browser

NICKNAMES = ["Zoë", "Karim", "Anaïs", "Jonas", "Mei", "Lucas", "Inès", "Tomasz", "Aïcha",
             "Oskar"]
KINDS = ["letter"] * 6 + ["card", "email", "petition", "post"]
SIZES = [(1920, 1080), (1280, 720)]


def http_api(server: ServerProcess) -> Api:
    return Api(requests.Session(), server.url)


def mid_event(api: Api, *, actions: int = 320, hours: float = 6.5, goal: int | None = 2000,
              names: list[str] | None = None, seed: int = 7, **overrides):
    """A marathon `hours` into its window with `actions` actions spread over them."""
    m = api.make_marathon(starts_at=iso(now() - timedelta(hours=hours)), goal=goal, **overrides)
    # They joined at the start (dated by the host): a phone cannot log before it joined.
    people = [api.join(m["join_code"], n, joined_at=iso(now() - timedelta(hours=hours)),
                       host=m["host_token"]) for n in names or NICKNAMES]
    rnd = random.Random(seed)
    for _ in range(actions):
        ago = timedelta(minutes=rnd.uniform(0.5, hours * 60 - 1))
        r = api.log(m["id"], rnd.choice(people)["token"], kind=rnd.choice(KINDS),
                    case_id=rnd.choice(CASES), count=rnd.choice([1] * 8 + [2, 3]),
                    written_at=iso(now() - ago))
        assert r.status_code == 201, r.text
    return m, people


def burst(api: Api, mid: str, token: str, n: int) -> None:
    for _ in range(n):
        r = api.log(mid, token)
        assert r.status_code == 201, r.text


def store_total(api: Api, mid: str) -> int:
    return api.marathon(mid)["snapshot"]["total"]


def open_screen(context_factory, url: str, width: int = 1280, height: int = 720):
    page = context_factory(viewport={"width": width, "height": height}).new_page()
    watch_page(page)
    page.goto(url)
    wait_live(page)
    return page


def wait_live(page, timeout: float = 10_000) -> None:
    page.wait_for_selector('[data-testid="live-status"][data-state="live"]', timeout=timeout)


def shown(page, testid: str = "total") -> int:
    text = page.get_by_test_id(testid).text_content() or ""
    digits = re.sub(r"[\s\u202f\u00a0,.]", "", text)
    assert digits.isdigit(), f"{testid} shows {text!r}"
    return int(digits)


def wait_total(page, expected: int, timeout: float = 5_000) -> None:
    page.wait_for_function(
        """n => (document.querySelector('[data-testid="total"]').textContent || '')
                  .replace(/\\D/g, '') === String(n)""",
        arg=expected, timeout=timeout)


def celebrations(page) -> int:
    return int(page.get_by_test_id("celebration").get_attribute("data-count"))


def restart(old: ServerProcess) -> ServerProcess:
    """Start the app again on the port the screens were connected to."""
    return ServerProcess(old.redis_url, port=old.port,
                         instance=old.instance.parent / "srv-restarted").start()


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_screen_fits_without_scrolling_and_total_is_huge(live_server, context_factory,
                                                         width, height):
    api = http_api(live_server)
    m, people = mid_event(api)
    # A few actions in the current hour: "best of the last hour" has someone to show.
    burst(api, m["id"], people[0]["token"], 5)
    page = open_screen(context_factory, live_server.url + m["urls"]["screen"],  # projector
                       width, height)
    wait_total(page, store_total(api, m["id"]))
    page.wait_for_selector('[data-testid="join-code"]')
    wait_still(page)  # the charts' short animations are over, for the picture
    screenshot(page, f"screen-{width}", docs=True)

    fit = page.evaluate("""() => ({
        scroll: document.scrollingElement.scrollHeight, inner: innerHeight,
        scrollW: document.scrollingElement.scrollWidth, innerW: innerWidth,
        font: parseFloat(getComputedStyle(
            document.querySelector('[data-testid="total"]')).fontSize)})""")
    assert fit["scroll"] <= fit["inner"]
    assert fit["scrollW"] <= fit["innerW"]
    assert fit["font"] >= 0.15 * fit["inner"]
    for testid in ("total", "goal", "countdown", "hourly", "top", "by-case", "ticker",
                   "join-code", "join-qr", "live-status"):
        assert page.get_by_test_id(testid).is_visible(), testid
    assert page.get_by_test_id("join-code").text_content().strip() == m["join_code"]
    assert re.search(r"\d\d:\d\d:\d\d", page.get_by_test_id("countdown").text_content())
    # The QR image loaded (an SVG drawn by the server).
    assert page.evaluate("document.querySelector('[data-testid=join-qr]').naturalWidth") > 0
    top = page.get_by_test_id("top").text_content()
    assert any(name in top for name in NICKNAMES)
    ticker = page.get_by_test_id("ticker").text_content()
    assert " — " in ticker and any(name in ticker for name in NICKNAMES)
    assert page.errors == [] and page.dialogs == []


def test_screen_in_polish_from_the_address(live_server, context_factory):
    api = http_api(live_server)
    m, _ = mid_event(api, actions=120)
    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen?lang=pl")
    wait_total(page, store_total(api, m["id"]))
    assert page.locator("html").get_attribute("lang") == "pl"
    # The scripts' numbers, plurals and clock follow the board's language.
    assert page.evaluate("document.getElementById('board').dataset.lang") == "pl"
    wait_still(page)  # the charts' short animations are over, for the picture
    screenshot(page, "screen-pl", docs=True)
    fit = page.evaluate("[document.scrollingElement.scrollHeight, innerHeight]")
    assert fit[0] <= fit[1]
    assert page.errors == [] and page.dialogs == []


def test_edition_screen_shows_total_running_marathons_and_ranking(live_server,
                                                                   context_factory):
    api = http_api(live_server)
    first, _ = mid_event(api, actions=150, group={
        "name": "Lycée Victor Hugo", "type": "school", "city": "Besançon",
        "region": "Bourgogne-Franche-Comté", "country": "FR"})
    second, people = mid_event(api, actions=90, hours=3, seed=3, group={
        "name": "Amnesty Lyon", "type": "local_group", "city": "Lyon",
        "region": "Auvergne-Rhône-Alpes", "country": "FR"})
    page = open_screen(context_factory, f"{live_server.url}/e/example/screen", 1920, 1080)
    burst(api, second["id"], people[0]["token"], 15)  # a change: a broadcast with milestones
    expected = store_total(api, first["id"]) + store_total(api, second["id"])
    wait_total(page, expected)
    ranking = page.get_by_test_id("ranking")
    page.wait_for_function("""() => document.querySelector('[data-testid="ranking"]')
                              .querySelectorAll('li:not(.empty)').length === 2""")
    rows = ranking.locator("li").all_text_contents()
    assert "Lycée Victor Hugo" in rows[0] and "Amnesty Lyon" in rows[1]
    assert page.locator("#running").text_content().strip() == "2"
    wait_still(page)  # the charts' short animations are over, for the picture
    screenshot(page, "edition-screen", docs=True)
    fit = page.evaluate("[document.scrollingElement.scrollHeight, innerHeight]")
    assert fit[0] <= fit[1]
    assert page.errors == [] and page.dialogs == []


# ---------------------------------------------------------------- live numbers


def test_total_equals_store_total_within_a_second_after_a_burst(live_server, context_factory):
    api = http_api(live_server)
    m, people = mid_event(api, actions=40)
    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen")
    # Note (in the page's clock, which is this machine's clock) when the shown total changes.
    page.evaluate("""() => {
        const el = document.querySelector('[data-testid="total"]');
        window.__changes = [];
        new MutationObserver(() => {
            window.__changes.push([Date.now(), el.textContent.replace(/\\D/g, '')]);
            if (window.__changes.length > 5000) window.__changes.splice(0, 1000);
        }).observe(el, {childList: true, characterData: true, subtree: true});
    }""")
    tokens = [p["token"] for p in people]
    threads = [threading.Thread(target=burst, args=(api_for(live_server), m["id"], t, 50))
               for t in tokens[:4]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ended = time.time() * 1000
    expected = store_total(api, m["id"])
    wait_total(page, expected, timeout=5_000)
    landed = page.evaluate("""n => window.__changes.find(([, v]) => v === String(n))[0]""",
                           expected)
    print(f"burst of 200: the exact total was on screen {landed - ended:.0f} ms after the end")
    assert landed - ended <= 1_000, f"the screen showed the total {landed - ended:.0f} ms late"
    # Proves a negative, so a fixed wait: 1.5 s (several broadcast periods) in which a
    # late or stale snapshot would move the total off the exact value.
    page.wait_for_timeout(1_500)
    assert shown(page) == expected  # and stays on the exact value


def api_for(server: ServerProcess) -> Api:
    """One HTTP session per thread (requests' sessions are not thread-safe)."""
    return http_api(server)


def test_screen_says_reconnecting_then_shows_right_total_after_restart(own_server,
                                                                       context_factory):
    api = http_api(own_server)
    m, people = mid_event(api, actions=60)
    page = open_screen(context_factory, f"{own_server.url}/m/{m['id']}/screen")
    page.evaluate("window.__sameDocument = true")
    wait_total(page, store_total(api, m["id"]))

    stopped = time.monotonic()
    own_server.stop()
    page.wait_for_selector('[data-testid="live-status"][data-state="reconnecting"]',
                           timeout=5_000)
    print(f"reconnecting shown {time.monotonic() - stopped:.2f} s after the server stopped")
    assert time.monotonic() - stopped < 5
    assert page.get_by_test_id("live-status").is_visible()

    again = restart(own_server)
    try:
        api2 = http_api(again)
        burst(api2, m["id"], people[1]["token"], 7)  # logged while the screen reconnects
        wait_live(page, timeout=15_000)
        wait_total(page, store_total(api2, m["id"]))
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
    finally:
        again.stop()


# ---------------------------------------------------------------- celebrations


def test_milestone_celebrated_once_on_each_screen_even_after_reconnect(
        own_server, context_factory, redis_client):
    api = http_api(own_server)
    m, people = mid_event(api, actions=0, goal=None)
    token = people[0]["token"]
    burst(api, m["id"], token, 95)
    url = f"{own_server.url}/m/{m['id']}/screen"
    ctx = context_factory(viewport={"width": 1280, "height": 720})
    screens = [ctx.new_page(), ctx.new_page()]  # two tabs: each is its own screen
    for page in screens:
        watch_page(page)
        page.goto(url)
        wait_live(page)
        wait_total(page, 95)
        assert celebrations(page) == 0

    burst(api, m["id"], token, 10)  # crosses 100
    for page in screens:
        page.wait_for_function(
            "() => document.querySelector('[data-testid=celebration]').dataset.count === '1'",
            timeout=5_000)
        assert "100" in page.get_by_test_id("celebration").text_content()

    # The server goes away and forgets which milestones it announced: after the
    # restart its broadcaster announces 100 again, and the screens must not re-celebrate.
    own_server.stop()
    for page in screens:
        page.wait_for_selector('[data-testid="live-status"][data-state="reconnecting"]',
                               timeout=5_000)
    redis_client.delete(keys.LIVE_LAST)
    again = restart(own_server)
    try:
        api2 = http_api(again)
        for page in screens:
            wait_live(page, timeout=15_000)
        burst(api2, m["id"], token, 3)
        for page in screens:
            wait_total(page, 108)
            # Proves a negative, so a fixed wait: 1 s for a second celebration to start.
            page.wait_for_timeout(1_000)
            assert celebrations(page) == 1
    finally:
        again.stop()


# ---------------------------------------------------------------- display options


def test_display_options_from_the_address(live_server, context_factory):
    api = http_api(live_server)
    m, _ = mid_event(api, actions=30)
    url = f"{live_server.url}/m/{m['id']}/screen?theme=light&hide_top=1&lang=fr&rotate=5"
    page = open_screen(context_factory, url)
    assert "theme-light" in page.evaluate("document.body.className")
    assert page.get_by_test_id("top").count() == 0  # no names on the board
    ticker = page.get_by_test_id("ticker").text_content()
    assert "Quelqu’un" in ticker or "Quelqu'un" in ticker
    assert not any(name in ticker for name in NICKNAMES)
    assert re.search(r"(lettre|carte|e-mail|pétition|publication)", ticker)
    page.wait_for_function("() => document.getElementById('board').dataset.view === 'cases'",
                           timeout=8_000)
    assert page.get_by_test_id("by-case").is_visible()
    assert not page.get_by_test_id("total").is_visible()


def test_last_hour_freeze_hides_the_final_hour(live_server, context_factory):
    api = http_api(live_server)
    # 23.5 hours into a 24-hour marathon: the final hour has begun.
    m, people = mid_event(api, actions=60, hours=23.5, goal=None)
    burst(api, m["id"], people[0]["token"], 12)  # written now, in the final hour
    snap = api.marathon(m["id"])["snapshot"]
    before_final_hour = snap["total"] - snap["hourly"][-1]
    assert snap["hourly"][-1] >= 12
    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen?freeze=1")
    wait_total(page, before_final_hour)
    assert page.locator("#freeze-note").is_visible()
    burst(api, m["id"], people[1]["token"], 5)
    # Proves a negative, so a fixed wait: 1.2 s, time for the broadcast of those five
    # to reach the page (within a second, as tested above) and not show.
    page.wait_for_timeout(1_200)
    assert shown(page) == before_final_hour

    plain = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen")
    wait_total(plain, store_total(api, m["id"]))


def test_stored_display_options_apply(live_server, context_factory):
    api = http_api(live_server)
    m, _ = mid_event(api, actions=10)
    r = requests.patch(f"{live_server.url}/api/v1/marathons/{m['id']}",
                       json={"options": {"theme": "light", "hide_top": True}},
                       headers={"Authorization": f"Bearer {m['host_token']}"}, timeout=5)
    assert r.status_code == 200, r.text
    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen")
    assert "theme-light" in page.evaluate("document.body.className")
    assert page.get_by_test_id("top").count() == 0
    # The address wins over the stored options.
    page.goto(f"{live_server.url}/m/{m['id']}/screen?theme=dark&hide_top=0")
    wait_live(page)
    assert "theme-dark" in page.evaluate("document.body.className")
    assert page.get_by_test_id("top").is_visible()


def test_an_open_screen_follows_an_edit_without_polling(live_server, context_factory):
    """The live snapshot's `options_version` tells the screen to read its options again;
    while the socket is live the screen does not poll the marathon's JSON (issue 17)."""
    api = http_api(live_server)
    m, _ = mid_event(api, actions=5)
    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen")
    reads = []
    page.on("request", lambda req: reads.append(req.url) if "/api/v1/marathons/" in req.url
            else None)
    r = requests.patch(f"{live_server.url}/api/v1/marathons/{m['id']}",
                       json={"options": {"theme": "light"}},
                       headers={"Authorization": f"Bearer {m['host_token']}"}, timeout=5)
    assert r.status_code == 200, r.text
    page.wait_for_function("() => document.body.classList.contains('theme-light')",
                           timeout=15_000)
    assert len(reads) == 1  # one read, caused by the edit
    # Heartbeats go on (they cost Redis one PING each); the marathon is not read again.
    page.wait_for_timeout(6_000)  # proving an absence: two heartbeats' worth
    assert len(reads) == 1


# ---------------------------------------------------------------- safety


XSS_NICK = '<img src=x onerror=alert(1)>'
XSS_GROUP = '<script>alert("group")</script>'
XSS_TITLE = '"><svg onload=alert("title")>'


def test_hostile_names_are_shown_as_text_on_both_screens(live_server, context_factory):
    api = http_api(live_server)
    m, people = mid_event(api, actions=0, names=[XSS_NICK], title=XSS_TITLE, group={
        "name": XSS_GROUP, "type": "other", "city": "<b>Ville</b>", "region": "",
        "country": "FR"})
    burst(api, m["id"], people[0]["token"], 3)

    page = open_screen(context_factory, f"{live_server.url}/m/{m['id']}/screen")
    wait_total(page, 3)
    page.wait_for_function(
        "n => document.querySelector('[data-testid=top]').textContent.includes(n)",
        arg=XSS_NICK)
    assert page.locator("#title").text_content() == XSS_TITLE
    assert XSS_GROUP in page.locator("#group").text_content()
    assert XSS_NICK in page.get_by_test_id("ticker").text_content()
    assert page.locator("#board img").count() == 1  # only the QR code
    assert page.locator("#board script, #board svg").count() == 0

    edition = open_screen(context_factory, f"{live_server.url}/e/example/screen")
    burst(api, m["id"], people[0]["token"], 1)
    edition.wait_for_function(
        "n => document.querySelector('[data-testid=ranking]').textContent.includes(n)",
        arg=XSS_GROUP)
    # The only SVG is the live map, drawn by map.js from the country shapes.
    assert edition.locator("#board script, #board img, #board svg:not(#map-svg)").count() == 0
    assert edition.locator("#map-svg :is(script, foreignObject, image, a)").count() == 0
    for p in (page, edition):
        # Proves a negative, so a fixed wait: 300 ms for a late handler to open a dialog.
        p.wait_for_timeout(300)
        assert p.dialogs == [] and p.errors == []


# ---------------------------------------------------------------- 24 hours in minutes


@pytest.mark.slow
def test_heap_stays_flat_over_a_compressed_day(live_server, context_factory):
    """A 24-hour marathon played in a few minutes: the page must not grow.

    LM_HEAP_SECONDS sets the run's length (90 s for `make test`; `make test-long` runs
    150 s); the heap after the first third is the baseline.
    """
    from marathon.cli.simulate import Simulation, day_speed, register_demo

    seconds = float(os.environ.get("LM_HEAP_SECONDS", 90))
    demo = register_demo(live_server.url, duration=seconds, rate=25)
    sim = Simulation(live_server.url, demo["id"], phones=40, rate=25, duration=seconds,
                     speed=day_speed(seconds), seed=11, host_token=demo["host_token"])
    page = open_screen(context_factory, f"{live_server.url}{demo['urls']['screen']}")
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")

    def heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"]

    sim.load_marathon()
    sim.join_phones()
    runner = threading.Thread(target=sim.run, daemon=True)
    runner.start()
    # Not a wait for an event: the baseline is the heap a third of the way into the
    # fixed-length run, as the docstring says.
    time.sleep(seconds / 3)
    baseline = heap()
    runner.join(seconds + 30)
    assert not runner.is_alive()
    wait_total(page, store_total(http_api(live_server), demo["id"]), timeout=10_000)
    final = heap()
    print(f"heap after {seconds / 3:.0f} s: {baseline / 1e6:.2f} MB; "
          f"after {seconds:.0f} s: {final / 1e6:.2f} MB ({final / baseline:.2f}x); "
          f"{sim.tally.counted} actions")
    assert final <= baseline * 1.2
    assert page.errors == []
