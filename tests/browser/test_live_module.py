"""The modules every live page shares (static/js/live.js and dom.js), in a real Chromium:
the seq/epoch gate, one socket per page, the page icon, and no markup from data."""

from __future__ import annotations

import pytest
import requests
from browser_kit import watch_page
from helpers import Api

pytestmark = pytest.mark.browser

GATE = """async () => {
  const { SnapshotGate } = await import('/static/js/live.js');
  const gate = new SnapshotGate();
  const seen = [];
  const offer = (snap) => seen.push(gate.accept(snap));
  offer({ seq: 5, epoch: 'a' });     // the first: taken
  offer({ seq: 4, epoch: 'a' });     // older: dropped
  offer({ seq: 5, epoch: 'a' });     // the same again (a reconnect): taken
  offer({ seq: 2, epoch: 'b' });     // Redis was reset: a new data set starts afresh
  offer({ seq: 3 });                 // a write's answer (no epoch): of the data set shown
  offer({ seq: 1 });                 // ... and older than it: dropped
  offer({ total: 3 });               // no seq: dropped
  offer(null);                       // nothing: dropped
  offer({ seq: 0, epoch: null });    // an epoch gone (wiped): afresh again
  const after = [gate.at.seq, gate.at.epoch];
  gate.forget();                     // the page's own write: take the next whatever its seq
  offer({ seq: 0, epoch: null });
  // The log page keeps the position in its saved state.
  const saved = { seq: 7, epoch: 'a' };
  const kept = new SnapshotGate(saved);
  const verdicts = [kept.accept({ seq: 6, epoch: 'a' }), kept.accept({ seq: 8 })];
  return { seen, after, verdicts, saved };
}"""


def open_page(context_factory, url: str):
    page = context_factory(viewport={"width": 1280, "height": 720}).new_page()
    watch_page(page)
    page.sockets = []
    page.on("websocket",
            lambda ws: page.sockets.append(ws.url) if "/socket.io/" in ws.url else None)
    page.goto(url)
    return page


def test_the_gate_keeps_snapshots_in_order_and_starts_afresh_on_a_new_epoch(server,
                                                                             context_factory):
    page = open_page(context_factory, server.url + "/")
    result = page.evaluate(GATE)
    assert result["seen"] == ["take", "drop", "take", "reset", "take", "drop", "drop", "drop",
                              "reset", "take"]
    assert result["after"] == [0, None]
    assert result["verdicts"] == ["drop", "take"]
    assert result["saved"] == {"seq": 8, "epoch": "a"}
    assert page.errors == []


def test_each_live_page_opens_one_socket_and_says_when_it_is_live(server, context_factory):
    api = Api(requests.Session(), server.url)
    m = api.make_marathon()
    for path in (m["urls"]["screen"], "/e/example/screen", m["urls"]["host"], "/e/example"):
        page = open_page(context_factory, server.url + path)
        page.wait_for_selector('[data-testid="live-status"][data-state="live"]', timeout=15_000)
        if not page.sockets:  # polling first, then the upgrade to a websocket
            page.wait_for_event("websocket", lambda ws: "/socket.io/" in ws.url,
                                timeout=5_000)
        # Proves a negative, so a fixed wait: 1.5 s, long enough for a second socket
        # (a second link, or a reconnect loop) to show up.
        page.wait_for_timeout(1_500)
        assert len(page.sockets) == 1, (path, page.sockets)
        # A second link on the same page is refused.
        message = page.evaluate("""async () => {
            const { watch } = await import('/static/js/live.js');
            try { watch({ marathon: 'x' }, { onSnapshot() {} }); return 'opened'; }
            catch (e) { return e.message; }
        }""")
        assert "one live link per page" in message, path
        assert page.errors == [], (path, page.errors)


def test_pages_declare_the_svg_icon(server, context_factory):
    api = Api(requests.Session(), server.url)
    m = api.make_marathon()
    for path in ("/", m["urls"]["screen"], m["urls"]["log"], m["urls"]["host"],
                 "/e/example/screen", "/e/example"):
        page = open_page(context_factory, server.url + path)
        icons = page.eval_on_selector_all(
            'link[rel="icon"]', "links => links.map((l) => [l.getAttribute('href'), l.type])")
        assert icons == [["/static/icons/icon.svg", "image/svg+xml"]], path
        assert page.request.get(server.url + icons[0][0]).ok


def test_node_sets_text_never_markup(server, context_factory):
    page = open_page(context_factory, server.url + "/")
    result = page.evaluate("""async () => {
        const { node, item } = await import('/static/js/dom.js');
        const a = node('a', { text: '<img src=x onerror=alert(1)>', href: '/x',
                              'data-testid': 't', 'aria-label': 'l', className: 'c' }, 'tail');
        let refused = false;
        try { node('div', { innerHTML: '<b>x</b>' }); } catch { refused = true; }
        return { html: a.outerHTML, refused,
                 item: item('li', '', '<b>x</b>').outerHTML };
    }""")
    assert result["html"] == ('<a href="/x" data-testid="t" aria-label="l" class="c">'
                              '&lt;img src=x onerror=alert(1)&gt;tail</a>')
    assert result["refused"] is True
    assert result["item"] == "<li>&lt;b&gt;x&lt;/b&gt;</li>"
    assert page.dialogs == []
