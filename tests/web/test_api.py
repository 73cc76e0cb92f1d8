"""The JSON API through HTTP, against a real redis-server."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from helpers import CASES, action, auth, iso, now, registration


def totals(api, mid):
    return api.marathon(mid)["snapshot"]


def test_register_join_log_undo_totals(api, client):
    m = api.make_marathon()
    assert len(m["join_code"]) == 6 and m["urls"]["host"] == f"/h/{m['host_token']}"
    zoe = api.join(m["join_code"], "Zoë")
    ali = api.join(m["join_code"].lower(), "Ali")  # codes are case-insensitive

    r = api.log(m["id"], zoe["token"], count=3, case_id=CASES[0])
    assert r.status_code == 201
    body = r.get_json()
    assert body["seq"] == 1 and body["totals"]["total"] == 3
    assert body["mine"] == {"total": 3, "by_kind": {"letter": 3, "card": 0, "email": 0,
                                                    "petition": 0, "post": 0}}
    r = api.log(m["id"], ali["token"], kind="petition", count=10, case_id=CASES[1])
    assert r.get_json()["totals"]["total"] == 13
    assert r.get_json()["totals"]["by_case"][CASES[1]] == 10
    last = api.log(m["id"], zoe["token"], kind="card", case_id=None)
    assert last.get_json()["mine"]["total"] == 4

    snap = totals(api, m["id"])
    assert snap["total"] == 14 and snap["participants"] == 2
    assert snap["by_kind"] == {"letter": 3, "card": 1, "email": 0, "petition": 10, "post": 0}
    assert snap["by_case"][CASES[0]] == 3 and snap["by_case"][CASES[1]] == 10
    assert snap["hourly"][1] == 14  # the marathon started an hour ago
    assert [t["nickname"] for t in snap["top"]] == ["Ali", "Zoë"]

    cid = last.get_json()["action"]["client_id"]
    u = api.undo(m["id"], zoe["token"], cid)
    assert u.status_code == 200 and u.get_json()["totals"]["total"] == 13
    assert u.get_json()["mine"]["total"] == 3
    again = api.undo(m["id"], zoe["token"], cid)  # undoing twice takes nothing more
    assert again.status_code == 200 and again.get_json()["totals"]["total"] == 13
    assert totals(api, m["id"])["total"] == 13


def test_replayed_action_is_counted_once_with_same_answer(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    body = action(count=5)
    first = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=body,
                       headers=auth(p["token"]))
    second = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=body,
                        headers=auth(p["token"]))
    assert first.status_code == 201 and second.status_code == 200
    assert second.get_json()["seq"] == first.get_json()["seq"]
    assert second.get_json()["action"] == first.get_json()["action"]
    assert totals(api, m["id"])["total"] == 5


def test_same_client_id_with_other_body_is_a_409(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    body = action()
    api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=body, headers=auth(p["token"]))
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json={**body, "count": 2},
                   headers=auth(p["token"]))
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "idempotency_mismatch"


def test_another_participant_cannot_reuse_a_client_id(api):
    m = api.make_marathon()
    a, b = api.join(m["join_code"], "A"), api.join(m["join_code"], "B")
    body = action()
    api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=body, headers=auth(a["token"]))
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=body, headers=auth(b["token"]))
    assert r.status_code == 409


def _threads(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = fn(i)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results


def test_200_concurrent_posts_of_one_client_id_count_once(app, api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    body = action()

    def post(_):
        return app.test_client().post(f"/api/v1/marathons/{m['id']}/actions", json=body,
                                      headers=auth(p["token"])).status_code

    codes = _threads(200, post)
    assert codes.count(201) == 1 and codes.count(200) == 199
    assert totals(api, m["id"])["total"] == 1


def test_200_concurrent_distinct_posts_count_200(app, api):
    m = api.make_marathon()
    p = api.join(m["join_code"])

    def post(_):
        return app.test_client().post(f"/api/v1/marathons/{m['id']}/actions",
                                      json=action(), headers=auth(p["token"])).status_code

    assert _threads(200, post) == [201] * 200
    snap = totals(api, m["id"])
    assert snap["total"] == 200 and snap["seq"] == 200


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("field,value", [
    ("title", ""), ("title", "x" * 121), ("timezone", "Mars/Olympus"), ("timezone", 3),
    ("starts_at", "2026-12-05T12:00:00"), ("starts_at", "tomorrow"),
    ("duration_hours", 0), ("duration_hours", 49), ("duration_hours", "24"),
    ("goal", -1), ("goal", 1.5), ("edition_id", "nope"),
])
def test_bad_registration_field_is_named(client, field, value):
    r = client.post("/api/v1/marathons", json=registration(**{field: value}))
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == field
    assert r.get_json()["error"]["message"]


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "\x00bad"), ("type", "club"), ("country", "XX"), ("country", "FRA"),
])
def test_bad_group_field_is_named(client, field, value):
    body = registration()
    body["group"][field] = value
    r = client.post("/api/v1/marathons", json=body)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == f"group.{field}"


@pytest.mark.parametrize("field,value", [
    ("kind", "fax"), ("count", 0), ("count", 101), ("count", True), ("count", "3"),
    ("case_id", "not-a-case"), ("client_id", "not-a-uuid"), ("client_id", None),
    ("written_at", "2026-12-05 12:00"), ("written_at", None),
])
def test_bad_action_field_is_named(api, field, value):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    r = api.log(m["id"], p["token"], **{field: value})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"]["field"] == field


def test_written_at_more_than_five_minutes_ahead_is_refused(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    ok = api.log(m["id"], p["token"], written_at=iso(now() + timedelta(minutes=4)))
    assert ok.status_code == 201  # a phone clock a little ahead is tolerated
    r = api.log(m["id"], p["token"], written_at=iso(now() + timedelta(minutes=6)))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "written_at"


@pytest.mark.parametrize("nickname", ["", "   ", "x" * 33, 7, None])
def test_bad_nickname_is_refused(api, nickname):
    m = api.make_marathon()
    r = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": nickname})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "nickname"


def test_nickname_is_trimmed_and_nfc_normalised(api):
    m = api.make_marathon()
    p = api.join(m["join_code"], "  Zoe\u0308  ")
    assert p["nickname"] == "Zoë"
    api.join(m["join_code"], "\u0428" * 32)  # 32 characters of any script fit


@pytest.mark.parametrize("nickname", ["<script>alert(1)</script>", "Zoë 🚀 Łukasz",
                                      "\"quoted\" & 'single'", "עברית مرحبا 你好"])
def test_nickname_comes_back_byte_for_byte(api, nickname):
    m = api.make_marathon()
    p = api.join(m["join_code"], nickname)
    assert p["nickname"] == nickname
    api.log(m["id"], p["token"])
    snap = totals(api, m["id"])
    assert snap["top"][0]["nickname"] == nickname
    assert snap["recent"][0]["nickname"] == nickname


@pytest.mark.parametrize("code", ["", "ABC", "K7M2Q0", "K7M2QXX", 123456])
def test_malformed_join_code_is_a_400(client, code):
    r = client.post("/api/v1/join", json={"code": code, "nickname": "Zoë"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "code"


def test_unknown_join_code_is_a_404(client):
    r = client.post("/api/v1/join", json={"code": "KKKKKK", "nickname": "Zoë"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "join_code_not_found"


def test_unknown_marathon_is_a_404(api, client):
    assert client.get("/api/v1/marathons/nope").status_code == 404
    m = api.make_marathon()
    p = api.join(m["join_code"])
    r = api.log("nope", p["token"])
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "marathon_not_found"


def test_body_not_sent_as_json_is_a_415_and_not_an_object_a_400(api):
    r = api.c.post("/api/v1/marathons", data="title=x",
                   content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.get_json()["error"]["field"] == "Content-Type"
    r = api.c.post("/api/v1/marathons", json=[1, 2])
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "body"


def test_body_over_16_kb_is_a_413(client):
    r = client.post("/api/v1/marathons", data='{"title": "' + "x" * 17000 + '"}',
                    content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"


# ------------------------------------------------------------------ tokens


def test_missing_token_is_401_and_wrong_token_is_401(api):
    m = api.make_marathon()
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=action())
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    r = api.log(m["id"], "not-a-real-token")
    assert r.status_code == 401


def test_token_of_another_marathon_is_refused(api):
    a, b = api.make_marathon(), api.make_marathon()
    p = api.join(a["join_code"])
    assert api.log(b["id"], p["token"]).status_code == 401
    assert api.log(b["id"], a["host_token"]).status_code == 401


def test_host_endpoints_need_the_host_token(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    mid = m["id"]
    calls = [("patch", f"/api/v1/marathons/{mid}", {"title": "x"}),
             ("post", f"/api/v1/marathons/{mid}/close", None),
             ("post", f"/api/v1/marathons/{mid}/reopen", None),
             ("get", f"/api/v1/marathons/{mid}/actions", None),
             ("get", f"/api/v1/marathons/{mid}/participants", None),
             ("patch", f"/api/v1/marathons/{mid}/participants/{p['participant_id']}",
              {"on_board": False}),
             ("post", f"/api/v1/marathons/{mid}/host-token", None)]
    other = api.make_marathon()
    for method, path, body in calls:
        kw = {"json": body} if body is not None else {}
        assert getattr(api.c, method)(path, **kw).status_code == 401, path
        for token in (p["token"], other["host_token"]):
            r = getattr(api.c, method)(path, headers=auth(token), **kw)
            assert r.status_code == 403, (path, r.get_json())


def test_participant_cannot_undo_anothers_action(api):
    m = api.make_marathon()
    a, b = api.join(m["join_code"], "A"), api.join(m["join_code"], "B")
    cid = api.log(m["id"], a["token"]).get_json()["action"]["client_id"]
    r = api.undo(m["id"], b["token"], cid)
    assert r.status_code == 403
    assert totals(api, m["id"])["total"] == 1
    assert api.undo(m["id"], m["host_token"], cid).status_code == 200  # the host may


def test_banned_participant_cannot_log(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    api.log(m["id"], p["token"], count=2)
    r = api.c.patch(f"/api/v1/marathons/{m['id']}/participants/{p['participant_id']}",
                    json={"banned": True}, headers=auth(m["host_token"]))
    assert r.status_code == 200 and r.get_json()["banned"] is True
    assert api.log(m["id"], p["token"]).status_code == 403
    assert totals(api, m["id"])["total"] == 2  # a ban keeps earlier actions


def test_regenerated_host_token_revokes_the_old_one(api):
    m = api.make_marathon()
    r = api.c.post(f"/api/v1/marathons/{m['id']}/host-token", headers=auth(m["host_token"]))
    assert r.status_code == 201
    new = r.get_json()["host_token"]
    assert api.c.post(f"/api/v1/marathons/{m['id']}/close",
                      headers=auth(m["host_token"])).status_code == 403
    assert api.c.post(f"/api/v1/marathons/{m['id']}/close",
                      headers=auth(new)).status_code == 200


# ------------------------------------------------------------------ window


def test_log_before_the_start_is_a_409_saying_when(api):
    m = api.make_marathon(starts_at=iso(now() + timedelta(hours=2)))
    p = api.join(m["join_code"])
    r = api.log(m["id"], p["token"])
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "not_started" and err["starts_at"] and err["ends_at"]
    assert "runs from" in err["message"]


def test_late_sync_within_six_hours_is_accepted(api):
    m = api.make_marathon(starts_at=iso(now() - timedelta(hours=26)), duration_hours=24)
    # The phone joined during the marathon, wrote offline, and syncs after its end.
    p = api.join(m["join_code"], joined_at=iso(now() - timedelta(hours=25)),
                 host=m["host_token"])
    r = api.log(m["id"], p["token"], written_at=iso(now() - timedelta(hours=3)))
    assert r.status_code == 201
    r = api.log(m["id"], p["token"], written_at=iso(now() - timedelta(hours=1)))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "ended"


def test_sync_after_the_grace_is_a_409(api):
    m = api.make_marathon(starts_at=iso(now() - timedelta(hours=31)), duration_hours=24)
    r = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": "Late"})
    assert r.status_code == 409
    r = api.log(m["id"], m["host_token"], written_at=iso(now() - timedelta(hours=8)))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_late"


def test_closed_marathon_refuses_then_reopens(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    r = api.c.post(f"/api/v1/marathons/{m['id']}/close", headers=auth(m["host_token"]))
    assert r.status_code == 200 and r.get_json()["status"] == "ended"
    r = api.log(m["id"], p["token"])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "closed"
    api.c.post(f"/api/v1/marathons/{m['id']}/reopen", headers=auth(m["host_token"]))
    assert api.log(m["id"], p["token"]).status_code == 201


def test_messages_follow_the_language(api):
    m = api.make_marathon(starts_at=iso(now() + timedelta(hours=2)))
    p = api.join(m["join_code"])
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions", json=action(),
                   headers={**auth(p["token"]), "Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Ce marathon a lieu" in r.get_json()["error"]["message"]


# ------------------------------------------------------------------ host features


def test_host_paper_tally_void_and_log(api):
    m = api.make_marathon()
    p = api.join(m["join_code"], "Zoë")
    cid = api.log(m["id"], p["token"], count=4).get_json()["action"]["client_id"]
    tally = api.log(m["id"], m["host_token"], count=37, case_id=CASES[2])
    assert tally.status_code == 201 and tally.get_json()["totals"]["total"] == 41
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions/{cid}/void",
                   json={"reason": "duplicate sheet"}, headers=auth(m["host_token"]))
    assert r.status_code == 200 and r.get_json()["totals"]["total"] == 37
    r = api.c.get(f"/api/v1/marathons/{m['id']}/actions?limit=2",
                  headers=auth(m["host_token"]))
    log = r.get_json()
    assert [e["op"] for e in log["actions"]] == ["void", "log"]
    assert log["actions"][0]["reason"] == "duplicate sheet"
    assert log["actions"][0]["nickname"] == "Zoë"
    older = api.c.get(f"/api/v1/marathons/{m['id']}/actions?before={log['next']}",
                      headers=auth(m["host_token"])).get_json()
    assert [e["op"] for e in older["actions"]] == ["log"] and older["next"] is None
    snap = totals(api, m["id"])
    assert snap["top"] == []  # the host's tally is not a writer on the board
    participants = api.c.get(f"/api/v1/marathons/{m['id']}/participants",
                             headers=auth(m["host_token"])).get_json()["participants"]
    assert participants[0]["total"] == 0


def test_participant_cannot_void(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    cid = api.log(m["id"], p["token"]).get_json()["action"]["client_id"]
    r = api.c.post(f"/api/v1/marathons/{m['id']}/actions/{cid}/void",
                   json={"reason": "x"}, headers=auth(p["token"]))
    assert r.status_code == 403


def test_patch_marathon_fields_and_options(api):
    m = api.make_marathon()
    r = api.c.patch(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"]),
                    json={"title": "Nouveau titre", "goal": 800, "duration_hours": 12,
                          "options": {"theme": "light", "hide_top": True}})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["title"] == "Nouveau titre" and body["goal"] == 800
    assert body["duration_hours"] == 12 and body["options"] == {"theme": "light",
                                                               "hide_top": True}
    assert len(api.marathon(m["id"])["snapshot"]["hourly"]) == 12
    r = api.c.patch(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"]),
                    json={"options": {"theme": "pink"}})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "options.theme"


def test_hidden_participant_leaves_the_board(api):
    m = api.make_marathon()
    a = api.join(m["join_code"], "A")
    b = api.join(m["join_code"], "B", on_board=False)
    api.log(m["id"], a["token"], count=2)
    api.log(m["id"], b["token"], count=5)
    snap = totals(api, m["id"])
    assert [t["nickname"] for t in snap["top"]] == ["A"]
    assert all(e["nickname"] in ("A", None) for e in snap["recent"])
    api.c.patch(f"/api/v1/marathons/{m['id']}/participants/{a['participant_id']}",
                json={"on_board": False}, headers=auth(m["host_token"]))
    assert totals(api, m["id"])["top"] == []


def test_editions_and_cors_on_public_reads(client):
    r = client.get("/api/v1/editions", headers={"Origin": "https://example.org"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    editions = r.get_json()["editions"]
    assert editions[0]["id"] == "example" and len(editions[0]["cases"]) == 8


def test_unknown_route_is_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.put("/api/v1/editions")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_stream_id_filter_is_validated(api):
    m = api.make_marathon()
    r = api.c.get(f"/api/v1/marathons/{m['id']}/actions?before=zz",
                  headers=auth(m["host_token"]))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "before"
    r = api.c.get(f"/api/v1/marathons/{m['id']}/actions?limit=0",
                  headers=auth(m["host_token"]))
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "limit"


def test_uuid_client_ids_are_canonicalised(api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    cid, at = uuid.uuid4(), iso(now())
    a = api.log(m["id"], p["token"], client_id=str(cid).upper(), written_at=at)
    b = api.log(m["id"], p["token"], client_id=str(cid), written_at=at)
    assert (a.status_code, b.status_code) == (201, 200)


def test_the_edition_live_read_gives_its_totals_to_anyone(api, client):
    m = api.make_marathon()
    token = api.join(m["join_code"], "Ana")["token"]
    before = client.get("/api/v1/editions/example/live").get_json()["total"]
    assert api.log(m["id"], token, count=3).status_code == 201
    snap = client.get("/api/v1/editions/example/live",
                      headers={"Origin": "https://section.example"})
    assert snap.status_code == 200 and snap.headers["Access-Control-Allow-Origin"] == "*"
    assert snap.get_json()["edition"] == "example"
    assert snap.get_json()["total"] == before + 3
    assert client.get("/api/v1/editions/nope/live").status_code == 404
