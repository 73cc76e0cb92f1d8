"""Access: every host and coordinator endpoint and page refuses the wrong caller.

Each protected route is tried with no credentials, with another marathon's host token
(bearer and host session), and with a participant's token; a participant cannot undo
another's action; tokens are long random secrets, stored only as hashes; regenerating
the host link revokes the old one everywhere.
"""

from __future__ import annotations

import base64
import inspect
import uuid

import pytest
from helpers import Api, auth, csrf_of

from marathon import domain

PASSWORD = "correct horse battery staple"
@pytest.fixture
def two(api: Api, client):
    """Marathons A and B, a participant in A with one action, a second participant in A."""
    a, b = api.make_marathon(), api.make_marathon()
    p1 = api.join(a["join_code"], "Ana")
    p2 = api.join(a["join_code"], "Bo")
    pb = api.join(b["join_code"], "Cy")
    r = api.log(a["id"], p1["token"])
    assert r.status_code == 201
    return {"a": a, "b": b, "p1": p1, "p2": p2, "pb": pb,
            "cid": r.get_json()["action"]["client_id"]}


def host_api(two) -> list[tuple[str, str, dict | None]]:
    mid, pid, cid = two["a"]["id"], two["p1"]["participant_id"], two["cid"]
    return [
        ("patch", f"/api/v1/marathons/{mid}", {"title": "pwned"}),
        ("post", f"/api/v1/marathons/{mid}/close", None),
        ("post", f"/api/v1/marathons/{mid}/reopen", None),
        ("post", f"/api/v1/marathons/{mid}/host-token", None),
        ("get", f"/api/v1/marathons/{mid}/actions", None),
        ("get", f"/api/v1/marathons/{mid}/participants", None),
        ("patch", f"/api/v1/marathons/{mid}/participants/{pid}", {"banned": True}),
        ("post", f"/api/v1/marathons/{mid}/actions/{cid}/void", {"reason": "x"}),
    ]


def host_pages(two) -> list[tuple[str, str]]:
    mid, pid = two["a"]["id"], two["p1"]["participant_id"]
    return [("get", f"/m/{mid}/host"), ("get", f"/m/{mid}/certificate"),
            ("get", f"/m/{mid}/certificate/{pid}"), ("post", f"/m/{mid}/host/tally")]


def call(client, method, path, body=None, headers=None):
    kw = {"headers": headers or {}}
    if body is not None:
        kw["json"] = body
    return getattr(client, method)(path, **kw)


def test_host_api_refuses_missing_foreign_and_participant_credentials(client, two):
    mid = two["a"]["id"]
    tried = 0
    for method, path, body in host_api(two):
        assert call(client, method, path, body).status_code == 401, path
        for token in (two["b"]["host_token"], two["p1"]["token"], two["pb"]["token"],
                      domain.new_token()):
            r = call(client, method, path, body, auth(token))
            assert r.status_code in (401, 403), (path, r.status_code)
            assert r.get_json()["error"]["code"] in ("unauthorized", "forbidden")
            tried += 1
    # Nothing changed: not closed, same title, participant not banned, action counted.
    meta = client.get(f"/api/v1/marathons/{mid}").get_json()
    assert meta["title"] != "pwned" and not meta["closed"]
    assert meta["snapshot"]["total"] == 1
    assert tried == 32


def test_host_pages_refuse_without_the_session_of_this_marathon(client, app, two):
    # A browser holding B's host session, and a bearer token of A's participant.
    r = client.get(f"/h/{two['b']['host_token']}")
    assert r.status_code == 303
    csrf = csrf_of(client.get(r.headers["Location"]).get_data(as_text=True))
    for method, path in host_pages(two):
        r = getattr(client, method)(path, headers=auth(two["p1"]["token"]),
                                    data={"csrf_token": csrf, "kind": "letter", "count": "5"})
        assert r.status_code in (401, 403), (path, r.status_code)
    fresh = app.test_client()
    for method, path in host_pages(two):
        r = getattr(fresh, method)(path, headers=auth(two["a"]["host_token"]))
        assert r.status_code in (400, 401, 403), (path, r.status_code)  # pages: session only


def test_host_session_writes_need_the_csrf_header(client, two):
    mid = two["a"]["id"]
    assert client.get(f"/h/{two['a']['host_token']}").status_code == 303
    r = client.post(f"/api/v1/marathons/{mid}/close")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
    assert not client.get(f"/api/v1/marathons/{mid}").get_json()["closed"]


def test_coordinator_routes_refuse_hosts_participants_and_strangers(app, client, store, two):
    store.add_account("coord@example.org", PASSWORD)
    eid = "example"
    api_paths = [f"/api/v1/editions/{eid}/curves", f"/api/v1/editions/{eid}/export.csv",
                 f"/api/v1/editions/{eid}/export.json"]
    pages = ["/coordinate", "/coordinate/editions", "/coordinate/accounts",
             f"/coordinate/editions/{eid}.json", "/coordinate/editions/new",
             f"/coordinate/editions/{eid}/edit"]
    for token in (None, two["a"]["host_token"], two["p1"]["token"]):
        headers = auth(token) if token else {}
        for path in api_paths:
            r = client.get(path, headers=headers)
            assert r.status_code == 401, (path, r.status_code)
        for path in pages:
            r = client.get(path, headers=headers)
            assert r.status_code in (302, 401, 403), (path, r.status_code)
            if r.status_code == 302:
                assert r.headers["Location"].startswith("/coordinate/login")
    # The public compare table shows no participant columns to a host.
    body = client.get(f"/api/v1/editions/{eid}/marathons",
                      headers=auth(two["a"]["host_token"])).get_json()
    assert body["public"] is True
    # A plain coordinator is not an admin.
    c = app.test_client()
    token = csrf_of(c.get("/coordinate/login").get_data(as_text=True))
    r = c.post("/coordinate/login", data={"email": "coord@example.org",
                                          "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    assert c.get("/coordinate/accounts").status_code == 403


def test_a_participant_cannot_undo_another_participants_action(client, two):
    mid, cid = two["a"]["id"], two["cid"]
    for token in (two["p2"]["token"], two["pb"]["token"]):
        r = client.delete(f"/api/v1/marathons/{mid}/actions/{cid}", headers=auth(token))
        assert r.status_code in (401, 403), r.status_code
    r = client.post(f"/api/v1/marathons/{mid}/actions/{cid}/void",
                    json={"reason": "mine now"}, headers=auth(two["p2"]["token"]))
    assert r.status_code == 403
    assert client.get(f"/api/v1/marathons/{mid}").get_json()["snapshot"]["total"] == 1
    # Its owner can.
    r = client.delete(f"/api/v1/marathons/{mid}/actions/{cid}",
                      headers=auth(two["p1"]["token"]))
    assert r.status_code == 200


def test_tokens_are_long_random_secrets(api: Api, two):
    assert "secrets." in inspect.getsource(domain.new_token)
    tokens = [two["a"]["host_token"], two["b"]["host_token"], two["p1"]["token"],
              two["p2"]["token"], two["pb"]["token"]]
    for t in tokens:
        raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
        assert len(raw) * 8 >= 128, t
    assert len(set(tokens)) == len(tokens)


def _every_value(r) -> list[str]:
    out: list[str] = []
    for key in r.scan_iter(count=1000):
        out.append(key)
        kind = r.type(key)
        if kind == "string":
            out.append(r.get(key) or "")
        elif kind == "hash":
            out += [x for kv in r.hgetall(key).items() for x in kv]
        elif kind == "set":
            out += list(r.smembers(key))
        elif kind == "zset":
            out += list(r.zrange(key, 0, -1))
        elif kind == "list":
            out += r.lrange(key, 0, -1)
        elif kind == "stream":
            for _, fields in r.xrange(key):
                out += [x for kv in fields.items() for x in kv]
    return out


def test_redis_holds_no_raw_token(client, redis_client, two):
    client.get(f"/h/{two['a']['host_token']}")  # a host session too
    blob = "\n".join(_every_value(redis_client))
    for t in (two["a"]["host_token"], two["b"]["host_token"], two["p1"]["token"],
              two["p2"]["token"], two["pb"]["token"]):
        assert t not in blob
        assert domain.hash_token(t) in blob  # stored, but hashed


def test_regenerating_the_host_link_revokes_the_old_one(app, client, two):
    mid, old = two["a"]["id"], two["a"]["host_token"]
    browser = app.test_client()
    assert browser.get(f"/h/{old}").status_code == 303  # a second browser with the old link
    r = client.post(f"/api/v1/marathons/{mid}/host-token", headers=auth(old))
    assert r.status_code == 201
    new = r.get_json()["host_token"]
    assert new != old
    assert client.get(f"/api/v1/marathons/{mid}/participants",
                      headers=auth(old)).status_code == 403
    assert client.get(f"/h/{old}").status_code in (403, 404)
    assert browser.get(f"/m/{mid}/host").status_code == 403  # its session is revoked
    assert client.get(f"/api/v1/marathons/{mid}/participants",
                      headers=auth(new)).status_code == 200
    # The old token logs nothing either.
    r = client.post(f"/api/v1/marathons/{mid}/actions", headers=auth(old),
                    json={"client_id": str(uuid.uuid4()), "kind": "letter", "count": 1,
                          "written_at": "2026-01-01T00:00:00+00:00"})
    assert r.status_code in (400, 401, 403, 409)
    assert r.status_code != 201


def test_non_text_ids_are_refused_with_400_not_500(client):
    """Found by schemathesis: an object as edition_id made the set lookup raise."""
    from helpers import registration

    for bad in ({}, [], {"a": 1}, ["example"]):
        r = client.post("/api/v1/marathons", json=registration(edition_id=bad))
        assert r.status_code == 400, (bad, r.status_code)
        assert r.get_json()["error"]["field"] == "edition_id"
