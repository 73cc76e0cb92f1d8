"""The projector during a Redis outage: "reconnecting" while it is down, live again after.

The server tells the screen over its socket (`health`), so the screen does not poll
/healthz while its socket is live.

(The fault tests proper are in tests/faults/; this one needs Chromium, so it lives here.)
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from faultkit import setup_marathon
from support import RedisProcess, ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_screen_says_reconnecting_while_redis_is_down(tmp_path: Path, context_factory) -> None:
    """The projector shows "reconnecting" during an outage and goes live again by itself."""
    redis_proc = RedisProcess(tmp_path / "redis", aof=True).start()
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv").start()
    try:
        mid, host, tokens = setup_marathon(server.url, 1)
        page = context_factory(viewport={"width": 1280, "height": 720}).new_page()
        polls: list[str] = []
        page.on("request", lambda req: polls.append(req.url) if "/healthz" in req.url else None)
        page.goto(f"{server.url}/m/{mid}/screen")
        status = page.locator('[data-testid="live-status"]')
        page.wait_for_function(
            "() => document.querySelector('[data-testid=live-status]').dataset.state"
            " === 'live'", timeout=10_000)
        # While its socket is live the screen does not poll: its pings and the server's
        # `health` events say it all. (A negative, so a fixed wait: over two heartbeats.)
        polls.clear()
        page.wait_for_timeout(6_000)
        assert polls == []
        redis_proc.kill()
        t0 = time.monotonic()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=live-status]').dataset.state"
            " === 'reconnecting'", timeout=8_000)
        shown_after = time.monotonic() - t0
        # Meanwhile the API fails fast with 503.
        r = requests.post(f"{server.url}/api/v1/marathons/{mid}/actions",
                          json={"client_id": str(uuid.uuid4()), "kind": "letter",
                                "written_at": datetime.now(UTC).isoformat()},
                          headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=5)
        assert r.status_code == 503 and r.elapsed.total_seconds() < 1.0
        assert r.json()["error"]["code"] == "store_unavailable"
        redis_proc.start()
        t1 = time.monotonic()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=live-status]').dataset.state"
            " === 'live'", timeout=8_000)
        live_after = time.monotonic() - t1
        print(f"[screen] 'reconnecting' after {shown_after:.1f} s; live again "
              f"{live_after:.1f} s after Redis came back")
        assert live_after < 5.0
        assert status.get_attribute("data-state") == "live"
    finally:
        server.stop()
        redis_proc.stop()
