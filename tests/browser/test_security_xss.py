"""XSS: hostile text in every user-supplied field, rendered on every page, in Chromium.

One marathon carries every payload everywhere a person can type text: the first half
of the payloads in its group name and title, the second half in its city and region
(each field holds at most 120 characters), one payload per case name and a half in each
language of the edition's title (imported by a coordinator), one payload per participant's
nickname (the first typed into the join page) and each half in a host's void reason.
Then a real Chromium opens, once each, every page that shows those fields, the way each
person would: the registration result, the join and log pages, the screen and the
edition screen (fed live over Socket.IO), the host console, the report, the poster,
the certificates, the kit, the public edition table and the coordinator dashboard.

On every page: no dialog fires, no element or event handler is injected, and the
Content-Security-Policy blocked nothing (a blocked inline script would still be an
injection that only the CSP stopped).
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from helpers import registration

from marathon.store import Store, connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</title><svg onload=alert(4)>",
    '" autofocus onfocus=alert(5) x="',
    "<iframe src=javascript:alert(6)>",
    "{{7*7}}${7*7}<b>bold</b>",
    "javascript:alert(8)",
]
PASSWORD = "correct horse battery staple"
FIND_INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + ' ' + a.name);
    }
    const tag = el.tagName.toUpperCase();
    if (['IFRAME', 'OBJECT', 'EMBED'].includes(tag)) bad.push(tag);
    if (tag === 'SCRIPT' && !el.getAttribute('src')) {
      // Only inert data blocks: JSON that parses (a payload breaking out would not).
      if (el.type !== 'application/json') bad.push('inline SCRIPT');
      else { try { JSON.parse(el.textContent); } catch (e) { bad.push('broken JSON'); } }
    }
    if (tag === 'IMG' && el.getAttribute('src') === 'x') bad.push('IMG src=x');
    if (tag === 'B' && el.textContent === 'bold') bad.push('B');
    if (el.hasAttribute('autofocus') && el.hasAttribute('x')) bad.push('autofocus x');
    for (const name of ['href', 'src', 'action', 'formaction']) {
      if (/^\\s*javascript:/i.test(el.getAttribute(name) || '')) bad.push(tag + ' ' + name);
    }
  }
  return bad;
}"""


HALVES = (" ".join(PAYLOADS[:4]), " ".join(PAYLOADS[4:]))


def edition_with_payloads() -> dict:
    """The example edition as "xss": a half of the payloads in its title in each
    language, one payload per case name."""
    from marathon.domain.editions import example_edition

    raw = example_edition()  # in the current campaign year: registrations stay inside it
    ed = copy.deepcopy(raw)
    ed["id"] = "xss"
    ed["title"] = {"en": HALVES[1], "fr": HALVES[0]}  # at most 120 characters each
    ed["example"] = False
    for case, payload in zip(ed["cases"], PAYLOADS, strict=False):
        case["name"] = payload
    return ed


def new_page(context_factory, **kw):
    ctx = context_factory(**kw)
    page = ctx.new_page()
    page.dialogs, page.errors, page.csp = [], [], []

    def on_dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.csp.append(m.text)
            if "Content Security Policy" in m.text else None)
    return page


class Visits:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.shown: dict[str, int] = dict.fromkeys(PAYLOADS, 0)

    def check(self, page, name: str, settle: float = 0.6) -> None:
        page.wait_for_load_state("load")
        # Proves a negative, so a fixed wait: `settle` s after load for the page's own
        # scripts (fetches, the live snapshot) to render the payloads and fire them if
        # they can. Every payload is on the page at once, so each page waits once.
        page.wait_for_timeout(int(settle * 1000))
        injected = page.evaluate(FIND_INJECTED)
        assert not page.dialogs, (name, page.dialogs)
        assert not injected, (name, injected)
        assert not page.csp, (name, page.csp)
        text = page.evaluate("() => document.body.innerText + document.title")
        for payload in PAYLOADS:
            self.shown[payload] += payload in text
        self.names.append(name)


def test_payloads_are_inert_on_every_page(live_server, context_factory):
    base = live_server.url
    store = Store(connect(live_server.redis_url, 2.0), grace_ms=0, keep_ms=0)
    edition = edition_with_payloads()
    store.import_edition(edition)
    store.add_account("coord@example.org", PASSWORD)
    eid = edition["id"]
    v = Visits()

    # The registration result page, through the real form.
    host = new_page(context_factory)
    host.goto(base + "/register")
    starts = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for name, value in {"group.name": HALVES[0], "group.city": HALVES[1],
                        "group.region": HALVES[1], "title": HALVES[0],
                        "starts_at": starts, "timezone": "Europe/Paris",
                        "duration_hours": "24", "goal": "50"}.items():
        host.fill(f'[name="{name}"]', value)
    host.select_option('[name="group.type"]', "school")
    host.select_option('[name="group.country"]', "FR")
    host.select_option('[name="edition_id"]', eid)
    host.click('button[type="submit"]')
    v.check(host, "register result")
    html = host.content()
    mid = re.search(r'/m/([^/"#]+)/screen', html).group(1)
    host_url = host.locator('[data-testid="host-link"]').get_attribute("href")
    token = host_url.rsplit("/h/", 1)[1]
    code = host.locator('[data-testid="join-code"]').inner_text().strip()
    host_auth = {"Authorization": f"Bearer {token}"}

    # A phone joins with the first payload as nickname and logs for the first case;
    # the other payloads join through the API and log for their own case.
    phone = new_page(context_factory, viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/j/{code}")
    v.check(phone, "join")
    phone.fill('[data-testid="nickname"]', PAYLOADS[0])
    phone.click('[data-testid="join"]')
    phone.wait_for_url(re.compile(r"/m/.+/log"))
    v.check(phone, "log")
    phone.select_option('[data-testid="case"]', edition["cases"][0]["id"])
    phone.click('[data-testid="log"]')
    phone.wait_for_function(  # the action is counted: the phone shows it as its own
        "() => document.querySelector('[data-testid=mine]')?.textContent.trim() === '1'")
    v.check(phone, "log after +1")
    for payload, case in zip(PAYLOADS[1:], edition["cases"][1:], strict=False):
        r = requests.post(f"{base}/api/v1/join", json={"code": code, "nickname": payload,
                                                       "on_board": True}, timeout=10)
        assert r.status_code == 201, r.text
        r = requests.post(f"{base}/api/v1/marathons/{mid}/actions",
                          json={"client_id": str(uuid.uuid4()), "kind": "letter",
                                "case_id": case["id"], "count": 1,
                                "written_at": datetime.now(UTC).isoformat()},
                          headers={"Authorization": f"Bearer {r.json()['token']}"},
                          timeout=10)
        assert r.status_code == 201, r.text

    # The host voids two actions with the payloads as reasons.
    people = requests.get(f"{base}/api/v1/marathons/{mid}/participants",
                          headers=host_auth, timeout=10).json()
    assert {p["nickname"] for p in people["participants"]} == set(PAYLOADS)
    for reason in HALVES:
        cid = str(uuid.uuid4())
        r = requests.post(f"{base}/api/v1/marathons/{mid}/actions",
                          json={"client_id": cid, "kind": "card",
                                "case_id": edition["cases"][0]["id"], "count": 2,
                                "written_at": datetime.now(UTC).isoformat()},
                          headers=host_auth, timeout=10)
        assert r.status_code == 201, r.text
        r = requests.post(f"{base}/api/v1/marathons/{mid}/actions/{cid}/void",
                          json={"reason": reason}, headers=host_auth, timeout=10)
        assert r.status_code == 200, r.text
    pid = people["participants"][0]["id"]

    host.goto(host_url)
    host.wait_for_url(re.compile(r"/m/.+/host"))
    v.check(host, "host console", settle=1.2)
    for path in (f"/m/{mid}/report", f"/m/{mid}/poster", f"/m/{mid}/certificate",
                 f"/m/{mid}/certificate/{pid}", f"/m/{mid}/kit", f"/e/{eid}"):
        host.goto(base + path)
        v.check(host, path.split("/")[-1] if "certificate" not in path else "certificate")

    screen = new_page(context_factory, viewport={"width": 1280, "height": 720})
    screen.goto(f"{base}/m/{mid}/screen")
    v.check(screen, "screen", settle=1.5)
    screen.goto(f"{base}/e/{eid}/screen")
    v.check(screen, "edition screen", settle=1.5)

    coord = new_page(context_factory)
    coord.goto(base + "/coordinate/login")
    coord.fill('[name="email"]', "coord@example.org")
    coord.fill('[name="password"]', PASSWORD)
    coord.click('button[type="submit"]')
    coord.goto(f"{base}/coordinate?edition={eid}")
    v.check(coord, "coordinator dashboard", settle=1.5)

    print(f"[xss] {len(v.names)} page views ({', '.join(v.names)}); each payload shown "
          f"as text on: {v.shown}")
    assert len(v.names) >= 14
    for payload, pages in v.shown.items():
        assert pages >= 8, f"{payload!r} should be visible as plain text on most pages"
    for p in (host, phone, screen, coord):
        assert not p.errors, p.errors


def test_registration_api_with_payloads_round_trips_as_plain_data(live_server):
    """The API stores and returns the text as given (escaping is the pages' job)."""
    for payload in PAYLOADS:
        body = registration(title=payload)
        body["group"]["name"] = payload
        r = requests.post(live_server.url + "/api/v1/marathons", json=body, timeout=10)
        assert r.status_code == 201
        got = requests.get(f"{live_server.url}/api/v1/marathons/{r.json()['id']}",
                           timeout=10).json()
        assert got["title"] == payload and got["group"]["name"] == payload
        assert r.headers["Content-Type"].startswith("application/json")
