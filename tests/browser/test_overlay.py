"""The overlay and the widget in headless Chromium, framed by a page of another origin.

The other origin is a small HTTP server of the test's own (another port: another
origin), serving a checkerboard page that frames our page, as OBS or a section's website
would. The overlay must let the checkerboard show through and follow the total live.
"""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from browser_kit import screenshot, watch_page
from helpers import Api, auth, iso, now
from support import free_port

pytestmark = pytest.mark.browser

# The checkerboard's two colours: neither is a colour the overlay draws with. The conic
# gradient paints a tile's top-right and bottom-left squares LIGHT, the others DARK.
LIGHT, DARK = (255, 0, 255), (0, 128, 128)
SQUARE = 40
CHECKERBOARD = """<!doctype html><html><head><style>
  html, body {{ margin: 0; height: 100%; }}
  body {{ background: repeating-conic-gradient(rgb{light} 0 25%, rgb{dark} 0 50%)
          0 0 / {tile}px {tile}px; }}
  iframe {{ border: 0; width: {width}px; height: {height}px; display: block; }}
</style></head><body><iframe src="{src}" title="embedded"></iframe></body></html>"""


class OtherOrigin:
    """A page server on another port than the app's (so another origin)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server's name
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # quiet: pytest shows the test's own output

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def frame(self, name: str, src: str, width: int, height: int) -> str:
        """Serve a checkerboard page framing `src`; return its address."""
        self.pages[f"/{name}"] = CHECKERBOARD.format(light=LIGHT, dark=DARK, tile=2 * SQUARE,
                                                     src=src, width=width, height=height)
        return f"{self.url}/{name}"


@pytest.fixture
def other_origin():
    site = OtherOrigin()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def marathon(live_server):
    """A marathon with 97 actions from two participants (the next milestone is 100)."""
    api = Api(requests.Session(), live_server.url)
    m = api.make_marathon(goal=150)
    people = [api.join(m["join_code"], name) for name in ("Zoë", "Karim")]
    for person, count in ((people[0], 50), (people[1], 47)):
        for _ in range(count // 10):
            assert api.log(m["id"], person["token"], count=10).status_code == 201
        if count % 10:
            assert api.log(m["id"], person["token"], count=count % 10).status_code == 201
    return api, m, people


def framed(context_factory, url: str, width: int = 960, height: int = 540):
    """Open `url` (the other origin's page) and return it with the frame of our page."""
    page = context_factory(viewport={"width": width, "height": height}).new_page()
    watch_page(page)
    page.goto(url)
    frame = page.wait_for_selector("iframe").content_frame()
    frame.wait_for_selector('[data-testid="live-status"][data-state="live"]', state="attached",
                            timeout=10_000)
    return page, frame


def wait_total(frame, expected: int) -> None:
    frame.wait_for_function(
        """n => (document.querySelector('[data-testid="total"]').textContent || '')
                  .replace(/\\D/g, '') === String(n)""", arg=expected, timeout=5_000)


def pixels(context_factory, png: bytes, points: list[tuple[int, int]]) -> list[tuple]:
    """The RGB colours of a screenshot at `points`, decoded by a canvas in a blank page."""
    page = context_factory().new_page()
    return [tuple(p) for p in page.evaluate(
        """async ([src, points]) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const canvas = new OffscreenCanvas(img.width, img.height);
            const g = canvas.getContext('2d');
            g.drawImage(img, 0, 0);
            return points.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));
        }""", ["data:image/png;base64," + base64.b64encode(png).decode(), points])]


def near(colour: tuple, target: tuple, slack: int = 3) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(colour, target, strict=True))


def test_overlay_is_transparent_over_another_sites_page_and_follows_the_total_live(
        live_server, context_factory, other_origin, marathon):
    api, m, people = marathon
    width, height = 960, 540
    page, frame = framed(context_factory, other_origin.frame(
        "obs", f"{live_server.url}/m/{m['id']}/overlay", width, height), width, height)
    wait_total(frame, 97)
    frame.wait_for_function("() => document.getElementById('latest').textContent !== ''")
    assert frame.evaluate("() => location.origin") != page.evaluate("() => location.origin")

    # Sample the centre of every square the overlay draws nothing on (clear of its
    # parts' boxes and their shadows): each must be the checkerboard's own colour.
    png = screenshot(page, "overlay-sampled").read_bytes()
    # The frame sits at the page's top left corner: its coordinates are the page's.
    right, bottom = frame.evaluate("""() => {
        const text = (sel) => { const r = document.createRange();
                                r.selectNodeContents(document.querySelector(sel));
                                return r.getBoundingClientRect(); };
        const boxes = ['.total-label', '#total', '.goal-text', '#latest'].map(text)
          .concat([document.querySelector('.goal-bar').getBoundingClientRect()]);
        return [Math.max(...boxes.map((b) => b.right)) + 12,
                Math.max(...boxes.map((b) => b.bottom)) + 12]; }""")
    centres = [(x + SQUARE // 2, y + SQUARE // 2)
               for x in range(0, width - SQUARE // 2, SQUARE)
               for y in range(0, height - SQUARE // 2, SQUARE)
               if x >= right or y >= bottom]
    assert len(centres) > 200
    seen = pixels(context_factory, png, centres)
    for (x, y), colour in zip(centres, seen, strict=True):
        expected = DARK if (x // SQUARE + y // SQUARE) % 2 == 0 else LIGHT
        assert near(colour, expected), f"({x}, {y}) is {colour}, not the page's {expected}"
    assert {LIGHT, DARK} <= set(seen)
    # The number itself is drawn: inside its box, some pixels are the text's white.
    box = frame.get_by_test_id("total").bounding_box()
    inside = [(int(box["x"] + dx), int(box["y"] + box["height"] / 2))
              for dx in range(2, int(box["width"]) - 2, 2)]
    assert any(near(c, (255, 255, 255), 40) for c in pixels(context_factory, png, inside))

    # Live, without a reload: the total, the latest action, the 100 celebration.
    frame.evaluate("() => { window.notReloaded = true; }")
    r = api.log(m["id"], people[1]["token"], count=5)
    assert r.status_code == 201, r.text
    wait_total(frame, 102)
    frame.wait_for_function(
        "() => document.querySelector('[data-testid=celebration]').dataset.count === '1'",
        timeout=5_000)
    assert "100" in frame.get_by_test_id("celebration").text_content()
    assert frame.get_by_test_id("ticker").text_content().startswith("Karim")
    assert frame.evaluate("() => window.notReloaded") is True
    # The picture for the docs: the overlay over the checkerboard, banner gone.
    frame.wait_for_selector("#banner", state="hidden", timeout=10_000)
    screenshot(page, "overlay-transparent", docs=True)
    assert page.errors == [] and page.dialogs == []


def test_overlay_options_color_and_size_come_from_the_address(
        live_server, context_factory, other_origin, marathon):
    _, m, _ = marathon
    src = f"{live_server.url}/m/{m['id']}/overlay?show=total&color=%23ff0000&size=large"
    _, frame = framed(context_factory, other_origin.frame("red", src, 960, 540))
    wait_total(frame, 97)
    style = frame.evaluate("""() => {
        const s = getComputedStyle(document.querySelector('[data-testid="total"]'));
        return {color: s.color, size: parseFloat(s.fontSize)}; }""")
    assert style["color"] == "rgb(255, 0, 0)"
    assert style["size"] > 100  # large: 1.6 × the medium 5.5 rem
    assert frame.locator('[data-testid="goal"]').count() == 0


def test_widget_in_another_sites_frame_shows_the_total_live(
        live_server, context_factory, other_origin, marathon):
    api, m, people = marathon
    page, frame = framed(context_factory, other_origin.frame(
        "site", f"{live_server.url}/m/{m['id']}/widget", 320, 230), 640, 400)
    wait_total(frame, 97)
    assert frame.get_by_test_id("goal").text_content().strip().startswith("Goal: 150")
    link = frame.get_by_test_id("widget-link")
    assert link.get_attribute("href") == f"{live_server.url}/m/{m['id']}/report"
    assert link.get_attribute("target") == "_blank"
    assert api.log(m["id"], people[0]["token"], count=3).status_code == 201
    wait_total(frame, 100)
    screenshot(page, "widget")
    assert page.errors == [] and page.dialogs == []


def test_edition_overlay_goes_live_in_another_sites_frame(
        live_server, context_factory, other_origin):
    _, frame = framed(context_factory, other_origin.frame(
        "edition", f"{live_server.url}/e/example/overlay?lang=fr", 960, 540))
    frame.wait_for_function(
        "() => /^\\d+$/.test(document.querySelector('[data-testid=total]').textContent)")
    assert "actions pour les droits humains" in frame.locator(".total-label").text_content()


def test_the_host_consoles_snippet_pasted_into_another_site_shows_the_widget(
        live_server, context_factory, other_origin, marathon):
    _, m, _ = marathon
    ctx = context_factory(viewport={"width": 1280, "height": 900},
                          permissions=["clipboard-read", "clipboard-write"])
    host = ctx.new_page()
    watch_page(host)
    host.goto(f"{live_server.url}/h/{m['host_token']}")
    snippet = host.get_by_test_id("embed-snippet").input_value()
    assert snippet.startswith(f'<iframe src="{live_server.url}/m/{m["id"]}/widget"')
    host.locator('[data-copy="embed-snippet"]').click()
    host.wait_for_function("() => document.querySelector('[data-copy=embed-snippet]')"
                           ".textContent === 'Copied.'")
    assert host.evaluate("() => navigator.clipboard.readText()") == snippet
    assert host.errors == [] and host.dialogs == []

    other_origin.pages["/pasted"] = f"<!doctype html><title>A section</title>{snippet}"
    page = context_factory().new_page()
    watch_page(page)
    page.goto(f"{other_origin.url}/pasted")
    wait_total(page.wait_for_selector("iframe").content_frame(), 97)


def test_hostile_nickname_in_the_overlays_ticker_is_text(live_server, context_factory,
                                                        other_origin, marathon):
    api, m, _ = marathon
    hostile = '<img src=x onerror=alert(1)>'
    person = api.join(m["join_code"], hostile)
    assert api.log(m["id"], person["token"]).status_code == 201
    page, frame = framed(context_factory, other_origin.frame(
        "xss", f"{live_server.url}/m/{m['id']}/overlay?show=ticker", 960, 540))
    frame.wait_for_function("() => document.getElementById('latest').textContent !== ''")
    assert frame.locator("#latest .who").text_content() == hostile
    assert frame.locator("#latest img").count() == 0
    assert page.dialogs == [] and page.errors == []


def test_overlay_keeps_the_hosts_final_hour_freeze(live_server, context_factory, other_origin):
    api = Api(requests.Session(), live_server.url)
    start = iso(now() - timedelta(hours=23.5))  # of 24 hours: the final hour has begun
    m = api.make_marathon(starts_at=start, goal=None)
    person = api.join(m["join_code"], "Zoë", joined_at=start, host=m["host_token"])
    for hours_ago in (20, 10, 2):
        written = iso(now() - timedelta(hours=hours_ago))
        assert api.log(m["id"], person["token"], count=10, written_at=written).status_code == 201
    assert api.log(m["id"], person["token"], count=7).status_code == 201  # the final hour
    r = api.c.patch(f"{live_server.url}/api/v1/marathons/{m['id']}",
                    json={"options": {"freeze_last_hour": True}}, headers=auth(m["host_token"]))
    assert r.status_code == 200, r.text
    page, frame = framed(context_factory, other_origin.frame(
        "frozen", f"{live_server.url}/m/{m['id']}/overlay", 960, 540))
    wait_total(frame, 30)
    assert api.log(m["id"], person["token"], count=3).status_code == 201
    frame.wait_for_function("() => document.getElementById('latest').textContent.includes('3')")
    assert frame.get_by_test_id("total").text_content() == "30"  # drawn with that snapshot
    assert page.errors == []
