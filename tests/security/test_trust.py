"""Playing the attacker against the edition's totals (issue 15): what one address without
an account can add, and what the national office's review, the server's clock and the
host's defences stop. Everything runs against the real app and a real redis-server."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from coordinate_data import csrf_token, login
from helpers import Api, auth, csrf_of, iso, now

from marathon.domain.editions import example_edition
from marathon.store.keys import EditionKeys

PASSWORD = "correct horse battery"
EID = example_edition()["id"]


@pytest.fixture
def review(redis_client):
    """The shipped default: every new marathon waits for a coordinator's check."""
    redis_client.hset(EditionKeys(EID).policy, "registration", "review")


@pytest.fixture
def office(app, store):
    """A coordinator of the national office, logged in on its own client."""
    store.add_account("office@example.org", PASSWORD)
    c = app.test_client()
    assert login(c, "office@example.org", PASSWORD).status_code == 302
    return c


def decide(office, mid: str, state: str, reason: str = ""):
    return office.put(f"/api/v1/marathons/{mid}/state", json={"state": state, "reason": reason},
                      headers={"X-CSRFToken": csrf_token(office, "/coordinate")})


def edition_view(client, store, app) -> dict:
    """Everything the edition shows: totals, ranking, compare table, edition snapshot."""
    from marathon.live.snapshots import edition_snapshot

    table = client.get(f"/api/v1/editions/{EID}/marathons?per_page=100").get_json()
    with app.app_context():
        snap = edition_snapshot(store, EID, int(now().timestamp() * 1000))
    return {"total": snap["total"], "by_kind": snap["by_kind"],
            "ranking": [(m["id"], m["total"]) for m in snap["top"]["total"]],
            "table_ids": sorted(r["id"] for r in table["rows"]),
            "table_total": table["totals"]["total"], "marathons": snap["marathons"]}


def host_session(client, token: str) -> None:
    assert client.get(f"/h/{token}").status_code == 303


def tally(client, mid: str, count: int, confirm: bool = False):
    token = csrf_of(client.get(f"/m/{mid}/host").get_data(as_text=True))
    form = {"csrf_token": token, "kind": "letter", "count": str(count)}
    if confirm:
        form["confirm"] = str(count)
    return client.post(f"/m/{mid}/host/tally", data=form)


def test_an_anonymous_marathon_counts_only_once_verified_and_exactly(
        review, app, client, store, api: Api, office):
    honest = api.make_marathon()
    assert decide(office, honest["id"], "verified").status_code == 200
    p = api.join(honest["join_code"], "Ada")
    assert api.log(honest["id"], p["token"], count=7).status_code == 201
    before = edition_view(client, store, app)
    assert before["total"] == 7

    # The attacker: no account, a marathon that started in the past, its host link,
    # host actions and a paper tally of 10,000 (20 stacks of 500, each confirmed).
    attacker = app.test_client()
    m = Api(attacker).make_marathon(starts_at=iso(now() - timedelta(hours=20)),
                                    group={"name": "Totally real group", "type": "other",
                                           "country": "FR"})
    assert m["state"] == "pending"
    for _ in range(3):
        assert api.log(m["id"], m["host_token"], count=100).status_code == 201
    host_session(attacker, m["host_token"])
    for _ in range(20):
        assert tally(attacker, m["id"], 500, confirm=True).status_code == 303
    own = api.marathon(m["id"])
    assert own["snapshot"]["total"] == 10_300  # its own screen moves from the first minute
    assert own["state"] == "pending" and "join_code" not in own

    assert edition_view(client, store, app) == before  # the edition does not move

    # The national office verifies: everything moves by exactly the marathon's total.
    assert decide(office, m["id"], "verified").status_code == 200
    after = edition_view(client, store, app)
    assert after["total"] == before["total"] + 10_300
    assert after["ranking"][0] == (m["id"], 10_300)
    assert after["table_ids"] == sorted([honest["id"], m["id"]])
    assert after["table_total"] == before["table_total"] + 10_300
    assert after["marathons"] == before["marathons"] + 1

    # ... and rejects it after all: everything comes back, the reason is kept.
    r = decide(office, m["id"], "rejected", "No such group in our records")
    assert r.status_code == 200 and r.get_json()["state_reason"] == "No such group in our records"
    assert edition_view(client, store, app) == before
    audit = r.get_json()["audit"]
    assert [a["what"] for a in audit] == ["verified", "rejected"]
    assert audit[-1]["who"] == "office@example.org" and audit[-1]["why"]
    console = attacker.get(f"/m/{m['id']}/host").get_data(as_text=True)
    assert 'data-state="rejected"' in console and "No such group in our records" in console


def test_rejecting_needs_a_reason_and_a_coordinator(review, app, api: Api, office):
    m = api.make_marathon()
    assert decide(office, m["id"], "rejected").get_json()["error"]["field"] == "reason"
    anonymous = app.test_client()
    r = anonymous.put(f"/api/v1/marathons/{m['id']}/state", json={"state": "verified"})
    assert r.status_code == 401
    # The host of a marathon cannot verify it either.
    r = anonymous.put(f"/api/v1/marathons/{m['id']}/state", json={"state": "verified"},
                      headers=auth(m["host_token"]))
    assert r.status_code == 401
    assert api.marathon(m["id"])["state"] == "pending"


def test_a_coordinator_session_write_needs_the_csrf_header(review, api: Api, office):
    m = api.make_marathon()
    r = office.put(f"/api/v1/marathons/{m['id']}/state", json={"state": "verified"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"


def test_the_registration_code_verifies_at_once_and_a_wrong_one_waits(redis_client, api: Api,
                                                                      store):
    store.set_edition_policy(EID, "code", "LYON-2026")
    assert api.make_marathon(registration_code="LYON-2026")["state"] == "verified"
    assert api.make_marathon(registration_code=" LYON-2026 ")["state"] == "verified"
    assert api.make_marathon(registration_code="guess")["state"] == "pending"
    assert api.make_marathon()["state"] == "pending"
    store.set_edition_policy(EID, "open")
    assert api.make_marathon()["state"] == "verified"


def test_bulk_review_verifies_several_and_reports_strangers(review, api: Api, office, client,
                                                             store, app):
    ids = [api.make_marathon()["id"] for _ in range(3)]
    r = office.post(f"/api/v1/editions/{EID}/review",
                    json={"ids": [*ids[:2], "nope"], "state": "verified"},
                    headers={"X-CSRFToken": csrf_token(office, "/coordinate")})
    assert r.status_code == 200
    assert r.get_json()["changed"] == ids[:2] and r.get_json()["not_found"] == ["nope"]
    queue = office.get(f"/api/v1/editions/{EID}/review").get_json()["marathons"]
    assert [row["state"] for row in queue] == ["pending", "verified", "verified"]
    assert queue[0]["id"] == ids[2]
    assert edition_view(client, store, app)["table_ids"] == sorted(ids[:2])


# ---------------------------------------------------------------- the server's clock


def test_an_action_dated_before_the_phone_joined_is_refused_naming_written_at(api: Api):
    m = api.make_marathon(starts_at=iso(now() - timedelta(hours=5)))
    p = api.join(m["join_code"])
    r = api.log(m["id"], p["token"], written_at=iso(now() - timedelta(hours=2)))
    assert r.status_code == 422
    assert r.get_json()["error"] == {**r.get_json()["error"], "code": "before_join",
                                     "field": "written_at"}
    # Within the clock skew allowed (5 minutes) it counts.
    assert api.log(m["id"], p["token"],
                   written_at=iso(now() - timedelta(minutes=4))).status_code == 201


def test_stepping_written_at_back_an_hour_per_batch_cannot_multiply_the_cap(api: Api):
    """The attack of the issue: 7,200 letters in 9 s with one token, one hour back per
    batch of 600. The cap also counts by the hour the server received them."""
    m = api.make_marathon(starts_at=iso(now() - timedelta(hours=13)))
    p = api.join(m["join_code"], joined_at=iso(now() - timedelta(hours=13)),
                 host=m["host_token"])
    counted = 0
    for back in range(12):
        for _ in range(6):
            r = api.log(m["id"], p["token"], count=100,
                        written_at=iso(now() - timedelta(hours=back, minutes=1)))
            if r.status_code == 201:
                counted += 100
            else:
                assert r.status_code == 422 and r.get_json()["error"]["code"] == "implausible"
    assert counted == 600
    assert api.marathon(m["id"])["snapshot"]["total"] == 600


def test_a_tally_of_501_is_refused_naming_count(client, api: Api):
    m = api.make_marathon()
    host_session(client, m["host_token"])
    tally(client, m["id"], 501)
    page = client.get(f"/m/{m['id']}/host").get_data(as_text=True)
    assert "flash-error" in page and "How many" in page and "500" in page
    assert api.marathon(m["id"])["snapshot"]["total"] == 0
    # Through the API a host entry carries at most 100, named the same way.
    r = api.log(m["id"], m["host_token"], count=501)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "count"


def test_tallies_beyond_what_the_room_can_write_need_a_confirmation(client, api: Api):
    m = api.make_marathon()
    for i in range(2):
        api.join(m["join_code"], f"P{i}")
    host_session(client, m["host_token"])
    # The room's bound: 500 + 50 per participant = 600 an hour.
    assert tally(client, m["id"], 500).status_code == 303
    r = tally(client, m["id"], 200)
    assert "confirm=200" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="tally-confirm"' in page
    assert api.marathon(m["id"])["snapshot"]["total"] == 500
    tally(client, m["id"], 200, confirm=True)
    assert api.marathon(m["id"])["snapshot"]["total"] == 700
    # The host's own API writes meet the same bound.
    r = api.log(m["id"], m["host_token"], count=100)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "implausible_tally"
    assert r.get_json()["error"]["field"] == "count"


# ---------------------------------------------------------------- joins


def test_150_joins_from_one_address_in_a_minute_all_succeed(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    api = Api(app.test_client())
    m = api.make_marathon()
    codes = [api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": f"P{i}"}
                        ).status_code for i in range(150)]
    assert codes == [201] * 150


def test_one_address_flooding_another_marathon_is_slowed(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_JOIN="5 per minute")
    api = Api(app.test_client())
    a, b = api.make_marathon(), api.make_marathon()
    codes = [api.c.post("/api/v1/join", json={"code": a["join_code"], "nickname": f"P{i}"}
                        ).status_code for i in range(6)]
    assert codes == [201] * 5 + [429]
    # Another marathon from the same address has its own allowance.
    assert api.c.post("/api/v1/join", json={"code": b["join_code"], "nickname": "Q"}
                      ).status_code == 201


def test_only_the_host_may_date_a_join(api: Api):
    m = api.make_marathon()
    r = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": "X",
                                         "joined_at": iso(now() - timedelta(hours=1))})
    assert r.status_code == 403 and r.get_json()["error"]["field"] == "joined_at"


# ---------------------------------------------------------------- host defences


def test_the_public_json_has_no_join_code_but_the_host_gets_it(api: Api):
    m = api.make_marathon()
    public = api.marathon(m["id"])
    assert "join_code" not in public and "join" not in public["urls"]
    assert m["join_code"] not in str(public)
    mine = api.c.get(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"])).get_json()
    assert mine["join_code"] == m["join_code"] and mine["joins_paused"] is False


def test_pausing_joins_and_a_participant_limit(api: Api):
    m = api.make_marathon()
    h = auth(m["host_token"])
    r = api.c.patch(f"/api/v1/marathons/{m['id']}", json={"joins_paused": True}, headers=h)
    assert r.status_code == 200 and r.get_json()["joins_paused"] is True
    r = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": "Out"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "joins_paused"
    api.c.patch(f"/api/v1/marathons/{m['id']}",
                json={"joins_paused": False, "max_participants": 2}, headers=h)
    api.join(m["join_code"], "A")
    api.join(m["join_code"], "B")
    r = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": "C"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "full"
    r = api.c.patch(f"/api/v1/marathons/{m['id']}", json={"max_participants": 0}, headers=h)
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "max_participants"


def test_a_new_join_code_refuses_the_old_one_clearly(api: Api):
    m = api.make_marathon()
    snap_before = api.marathon(m["id"])["snapshot"]
    r = api.c.post(f"/api/v1/marathons/{m['id']}/join-code", headers=auth(m["host_token"]))
    assert r.status_code == 201
    new = r.get_json()["join_code"]
    assert new != m["join_code"]
    old = api.c.post("/api/v1/join", json={"code": m["join_code"], "nickname": "Late"})
    assert old.status_code == 409 and old.get_json()["error"]["code"] == "code_replaced"
    assert api.join(new, "Fine")["marathon_id"] == m["id"]
    assert api.marathon(m["id"])["snapshot"]["code_version"] == snap_before["code_version"] + 1
    page = api.c.get(f"/j/{m['join_code']}")
    assert page.status_code == 409 and "new code" in page.get_data(as_text=True)


def test_void_all_takes_a_participants_actions_out_everywhere_and_restore_brings_them_back(
        api: Api, client, store, app):
    m = api.make_marathon()
    good, bad = api.join(m["join_code"], "Ada"), api.join(m["join_code"], "Intruder")
    assert api.log(m["id"], good["token"], count=3).status_code == 201
    for _ in range(4):
        assert api.log(m["id"], bad["token"], count=50).status_code == 201
    cid = api.log(m["id"], bad["token"], count=10).get_json()["action"]["client_id"]
    assert api.undo(m["id"], bad["token"], cid).status_code == 200  # already taken back
    assert edition_view(client, store, app)["total"] == 203
    h = auth(m["host_token"])
    path = f"/api/v1/marathons/{m['id']}/participants/{bad['participant_id']}"
    assert client.post(f"{path}/void-all", json={}, headers=h).status_code == 400
    r = client.post(f"{path}/void-all", json={"reason": "not in the room"}, headers=h)
    assert r.get_json() == {"participant_id": bad["participant_id"], "voided": 4, "count": 200}
    assert api.marathon(m["id"])["snapshot"]["total"] == 3
    assert edition_view(client, store, app)["total"] == 3
    assert api.log(m["id"], bad["token"]).status_code == 403  # banned
    people = client.get(f"/api/v1/marathons/{m['id']}/participants", headers=h).get_json()
    intruder = next(p for p in people["participants"] if p["nickname"] == "Intruder")
    assert intruder["banned"] and intruder["voided"]
    assert store.reconcile(m["id"], repair=False)["differences"] == []

    r = client.post(f"{path}/restore-all", headers=h)
    assert r.get_json()["restored"] == 4
    assert api.marathon(m["id"])["snapshot"]["total"] == 203
    assert edition_view(client, store, app)["total"] == 203
    assert store.reconcile(m["id"], repair=False)["differences"] == []
    assert api.log(m["id"], bad["token"]).status_code == 201
    assert [a["what"] for a in api.c.get(f"/api/v1/marathons/{m['id']}",
                                         headers=h).get_json()["audit"]] == [
        "void_participant", "restore_participant"]


def test_another_groups_host_cannot_void_or_change_the_code(api: Api):
    a, b = api.make_marathon(), api.make_marathon()
    p = api.join(a["join_code"], "Ada")
    r = api.c.post(f"/api/v1/marathons/{a['id']}/participants/{p['participant_id']}/void-all",
                   json={"reason": "x"}, headers=auth(b["host_token"]))
    assert r.status_code == 403
    r = api.c.post(f"/api/v1/marathons/{a['id']}/join-code", headers=auth(b["host_token"]))
    assert r.status_code == 403
    r = api.c.get(f"/api/v1/marathons/{a['id']}/pace", headers=auth(b["host_token"]))
    assert r.status_code == 403


def test_the_host_is_alerted_when_actions_outrun_the_room(make_app):
    app = make_app(MAX_ACTIONS_PER_PARTICIPANT_HOUR=10_000)
    api = Api(app.test_client())
    m = api.make_marathon()
    p = api.join(m["join_code"], "Fast")
    h = auth(m["host_token"])
    assert api.c.get(f"/api/v1/marathons/{m['id']}/pace", headers=h).get_json()["alerts"] == []
    for _ in range(7):  # 700 in a few seconds from one phone; the room allows 120 + 500
        api.log(m["id"], p["token"], count=100, client_id=str(uuid.uuid4()))
    pace = api.c.get(f"/api/v1/marathons/{m['id']}/pace", headers=h).get_json()
    assert pace["alerts"] == ["actions"] and pace["actions_this_hour"] == 700


def test_fresh_tokens_from_one_address_cannot_outrun_its_action_budget(make_app):
    """The stranger who joins again and again for fresh tokens (each under its own cap)
    is held to the address's budget; the hall's real pace is far below it."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ACTIONS_ADDRESS="1000 per 10 minutes")
    api = Api(app.test_client())
    m = api.make_marathon()
    counted = 0
    for i in range(4):
        p = api.join(m["join_code"], f"x{i}")
        for _ in range(6):
            r = api.log(m["id"], p["token"], count=100)
            if r.status_code == 201:
                counted += 100
            else:
                assert r.status_code == 429
    assert counted == 1000 == api.marathon(m["id"])["snapshot"]["total"]
    # A new token from the same address is held by the same budget.
    assert api.log(m["id"], api.join(m["join_code"], "late")["token"]).status_code == 429
