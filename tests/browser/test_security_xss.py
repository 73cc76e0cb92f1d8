"""XSS: hostile text in every user-supplied field, rendered on every page, in Chromium.

For each payload, one marathon carries it everywhere a person can type text: group
name, city, region, title, the edition's title and a case name (imported by a
coordinator), the participant's nickname (typed into the join page), and a host's void
reason. Then a real Chromium opens every page that shows those fields, the way each
person would: the registration result, the join and log pages, the screen and the
edition screen (fed live over Socket.IO), the host console, the report, the poster,
the certificates, the kit, the public edition table and the coordinator dashboard.

On every page: no dialog fires, no element or event handler is injected, and the
Content-Security-Policy blocked nothing (a blocked inline script would still be an
injection that only the CSP stopped).
"""

from __future__ import annotations

import copy
import json
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


def edition_with(payload: str, n: int) -> dict:
    from importlib import resources

    raw = json.loads((resources.files("marathon") / "data" / "example-edition.json")
                     .read_text(encoding="utf-8"))
    ed = copy.deepcopy(raw)
    ed["id"] = f"xss-{n}"
    ed["title"] = {"en": payload, "fr": payload}
    ed["example"] = False
    ed["cases"][0]["name"] = payload
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
    def __init__(self, payload: str) -> None:
        self.payload = payload
        self.pages = 0
        self.shown = 0
        self.names: list[str] = []

    def check(self, page, name: str, settle: float = 0.6) -> None:
        page.wait_for_load_state("load")
        # Proves a negative, so a fixed wait: `settle` s after load for the page's own
        # scripts (fetches, the live snapshot) to render the payload and fire it if they can.
        page.wait_for_timeout(int(settle * 1000))
        injected = page.evaluate(FIND_INJECTED)
        assert not page.dialogs, (name, self.payload, page.dialogs)
        assert not injected, (name, self.payload, injected)
        assert not page.csp, (name, self.payload, page.csp)
        text = page.evaluate("() => document.body.innerText + document.title")
        self.pages += 1
        self.shown += self.payload in text
        self.names.append(name)


@pytest.mark.parametrize("n", range(len(PAYLOADS)), ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_payload_is_inert_on_every_page(n, live_server, redis_proc, context_factory):
    payload = PAYLOADS[n]
    base = live_server.url
    store = Store(connect(redis_proc.url, 2.0), grace_ms=0, keep_ms=0)
    store.import_edition(edition_with(payload, n))
    store.add_account("coord@example.org", PASSWORD)
    eid = f"xss-{n}"
    v = Visits(payload)

    # The registration result page, through the real form.
    host = new_page(context_factory)
    host.goto(base + "/register")
    starts = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for name, value in {"group.name": payload, "group.city": payload,
                        "group.region": payload, "title": payload[:120],
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

    # A phone joins with the payload as nickname and logs for the payload case.
    phone = new_page(context_factory, viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/j/{code}")
    v.check(phone, "join")
    phone.fill('[data-testid="nickname"]', payload[:32])
    phone.click('[data-testid="join"]')
    phone.wait_for_url(re.compile(r"/m/.+/log"))
    v.check(phone, "log")
    case_id = edition_with(payload, n)["cases"][0]["id"]
    phone.select_option('[data-testid="case"]', case_id)
    phone.click('[data-testid="log"]')
    phone.wait_for_function(  # the action is counted: the phone shows it as its own
        "() => document.querySelector('[data-testid=mine]')?.textContent.trim() === '1'")
    v.check(phone, "log after +1")

    # The host voids another action with the payload as the reason.
    people = requests.get(f"{base}/api/v1/marathons/{mid}/participants",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert any(p["nickname"] == payload[:32] for p in people["participants"]) or people
    cid = str(uuid.uuid4())
    r = requests.post(f"{base}/api/v1/marathons/{mid}/actions",
                      json={"client_id": cid, "kind": "card", "case_id": case_id, "count": 2,
                            "written_at": datetime.now(UTC).isoformat()},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 201, r.text
    r = requests.post(f"{base}/api/v1/marathons/{mid}/actions/{cid}/void",
                      json={"reason": payload}, headers={"Authorization": f"Bearer {token}"},
                      timeout=10)
    assert r.status_code == 200, r.text
    pid = people["participants"][0]["id"] if people["participants"] else "none"

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

    print(f"[xss {n}] {payload!r}: {v.pages} page views, payload shown as text on "
          f"{v.shown}: {', '.join(v.names)}")
    assert v.pages >= 14
    assert v.shown >= 8, "the payload should be visible as plain text on most pages"
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
