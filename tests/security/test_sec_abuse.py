"""Abuse: rate limits (Redis-backed) answer 429 with Retry-After, the plausibility cap 422,
oversized bodies 413, and Socket.IO accepts only the configured origins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from helpers import Api, auth, registration

from marathon.extensions import limiter

LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_REGISTER": "3 per hour",
          "RATELIMIT_JOIN": "3 per minute", "RATELIMIT_ACTIONS": "5 per minute",
          "RATELIMIT_LOGIN": "2 per minute"}


def assert_limited(r, *, json: bool = True, window: int = 60) -> None:
    assert r.status_code == 429, r.status_code
    retry = r.headers.get("Retry-After")
    assert retry is not None and retry.isdigit(), retry
    # A budget held over any span (lua/lib/budget.lua) may wait a tenth of its window more.
    assert window - 60 < int(retry) <= window + window // 10, retry
    if json:
        err = r.get_json()["error"]
        assert err["code"] == "rate_limited" and err["message"]


def action() -> dict:
    return {"client_id": str(uuid.uuid4()), "kind": "letter", "count": 1,
            "written_at": datetime.now(UTC).isoformat()}


@pytest.fixture(params=[True, False], ids=["headers", "no-headers"])
def limited(make_app, request):
    app = make_app(**LIMITS, RATELIMIT_HEADERS_ENABLED=request.param)
    assert limiter.enabled
    return app


def test_registration_is_limited_per_address(limited, redis_client):
    c = limited.test_client()
    codes = [c.post("/api/v1/marathons", json=registration()).status_code for _ in range(4)]
    assert codes[:3] == [201, 201, 201]
    r = c.post("/api/v1/marathons", json=registration())
    assert_limited(r, window=3600)
    # Another address is not affected.
    other = c.post("/api/v1/marathons", json=registration(),
                   environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201
    # The counters live in Redis (shared by every server process).
    assert any("LIMIT" in k or "limiter" in k.lower() for k in redis_client.scan_iter())


def test_joins_are_limited_per_address(limited):
    c = limited.test_client()
    code = Api(c).make_marathon()["join_code"]
    for i in range(3):
        assert c.post("/api/v1/join", json={"code": code, "nickname": f"n{i}"}).status_code == 201
    assert_limited(c.post("/api/v1/join", json={"code": code, "nickname": "n9"}))


def test_actions_are_limited_per_participant_not_per_address(limited):
    c = limited.test_client()
    api = Api(c)
    reg = api.make_marathon()
    one = api.join(reg["join_code"], "one")["token"]
    two = api.join(reg["join_code"], "two")["token"]
    url = f"/api/v1/marathons/{reg['id']}/actions"
    for _ in range(5):
        assert c.post(url, json=action(), headers=auth(one)).status_code == 201
    r = c.post(url, json=action(), headers=auth(one))
    assert_limited(r)
    # Same address, another phone: still fine (a class on one school wifi).
    assert c.post(url, json=action(), headers=auth(two)).status_code == 201


def test_login_attempts_are_limited(limited):
    import re

    c = limited.test_client()
    page = c.get("/coordinate/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|'
                      r'value="([^"]+)"[^>]*name="csrf_token"', page)
    csrf = next(g for g in token.groups() if g)
    codes = [c.post("/coordinate/login", data={"email": "x@example.org", "password": "nope",
                                               "csrf_token": csrf}).status_code
             for _ in range(3)]
    assert codes[:2] == [401, 401]
    assert codes[2] == 429
    r = c.post("/coordinate/login", data={"email": "x@example.org", "password": "nope",
                                          "csrf_token": csrf})
    assert_limited(r, json=False)
    assert "Too many" in r.get_data(as_text=True)


def test_plausibility_cap_answers_422_with_the_reason(make_app):
    app = make_app(MAX_ACTIONS_PER_PARTICIPANT_HOUR=10)
    c = app.test_client()
    api = Api(c)
    reg = api.make_marathon()
    token = api.join(reg["join_code"])["token"]
    url = f"/api/v1/marathons/{reg['id']}/actions"
    assert c.post(url, json={**action(), "count": 10}, headers=auth(token)).status_code == 201
    r = c.post(url, json={**action(), "count": 1}, headers=auth(token))
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "implausible" and "10" in err["message"]
    assert api.marathon(reg["id"])["snapshot"]["total"] == 10  # nothing silently counted
    # The host entering a paper stack is not capped.
    r = c.post(url, json={**action(), "count": 100}, headers=auth(reg["host_token"]))
    assert r.status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/marathons", "/api/v1/join"])
def test_bodies_over_16_kb_are_refused_with_413_json(client, path):
    big = {"title": "x" * (17 * 1024)}
    r = client.post(path, json=big)
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"


def test_oversized_action_and_form_bodies_are_refused(client, api: Api):
    reg = api.make_marathon()
    token = api.join(reg["join_code"])["token"]
    r = client.post(f"/api/v1/marathons/{reg['id']}/actions",
                    data=b"{" + b" " * (16 * 1024 + 10) + b"}",
                    headers={**auth(token), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    r = client.post("/register", data={"title": "y" * (20 * 1024)})
    assert r.status_code == 413


def _handshake(client, origin: str | None):
    headers = {"Origin": origin} if origin else {}
    return client.get("/socket.io/?EIO=4&transport=polling", headers=headers)


def test_socketio_refuses_foreign_origins(make_app):
    c = make_app().test_client()
    assert _handshake(c, None).status_code == 200
    assert _handshake(c, "http://localhost").status_code == 200  # same origin as the app
    assert _handshake(c, "https://evil.example").status_code == 400


def test_socketio_accepts_the_configured_origins(make_app):
    c = make_app(SOCKETIO_CORS_ORIGINS="https://amnesty.example, https://b.example").test_client()
    assert _handshake(c, "https://amnesty.example").status_code == 200
    assert _handshake(c, "https://b.example").status_code == 200
    assert _handshake(c, "https://evil.example").status_code == 400


def test_socketio_on_the_real_server_refuses_foreign_origins(live_server):
    import requests
    import websocket

    url = live_server.url + "/socket.io/?EIO=4&transport=polling"
    assert requests.get(url, timeout=5).status_code == 200
    assert requests.get(url, headers={"Origin": live_server.url}, timeout=5).status_code == 200
    assert requests.get(url, headers={"Origin": "https://evil.example"},
                        timeout=5).status_code == 400
    ws_url = live_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketException):
        websocket.create_connection(ws_url, origin="https://evil.example", timeout=5).recv()
