"""The action log's compact layout (issue 17) and the upgrade of older data to it
(schema 3), on a real redis-server."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson
import pytest
from helpers import CASES, action, auth, iso, now

from marathon import domain
from marathon.domain.editions import example_edition
from marathon.store import keys
from marathon.store.actions import pack_client_id, unpack_client_id
from marathon.store.keys import MarathonKeys
from marathon.store.upgrade import SCHEMA_VERSION
from marathon.web import exports


def test_a_packed_client_id_unpacks_to_the_same_uuid():
    cid = str(uuid.uuid4())
    assert len(pack_client_id(cid)) == 22 and unpack_client_id(pack_client_id(cid)) == cid


def test_entries_are_numbered_by_seq_and_logged_ones_share_their_fields(api, redis_client):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    for case in (CASES[0], None, CASES[1]):
        assert api.log(m["id"], p["token"], case_id=case).status_code == 201
    entries = redis_client.xrange(MarathonKeys(m["id"]).log)
    assert [sid for sid, _ in entries] == ["1-0", "2-0", "3-0"]
    # Same names in the same order: a stream node then keeps them once, not per entry.
    assert len({tuple(fields) for _, fields in entries}) == 1


def test_idempotency_buckets_stay_compact(api, redis_client, store):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    for _ in range(120):
        api.log(m["id"], p["token"])
    buckets = [b for b in keys.idem_buckets(m["id"]) if redis_client.exists(b)]
    assert len(buckets) > 1
    assert {redis_client.object("encoding", b) for b in buckets} == {"listpack"}
    assert sum(redis_client.hlen(b) for b in buckets) == 120


# ------------------------------------------------------------------ the upgrade

def _fingerprint(f: dict[str, Any], written: int) -> str:
    """The body fingerprint schema 2 kept in the idempotency hash."""
    raw = f"{f['k']}|{f['c']}|{f['n']}|{written}"
    return hashlib.blake2b(raw.encode(), digest_size=6).hexdigest()


def _write_schema_2_layout(r, mid: str) -> None:
    """Rewrite a marathon's log, idempotency hash and void lists as schema 2 kept them:
    time-based stream ids, every field in every entry (`op`, `s`, an empty `why`),
    36-character client_ids, one hash client_id -> "<stream id>|<fingerprint>[|<stream
    id of the compensation>]", void lists of client_ids."""
    k = MarathonKeys(mid)
    entries = r.xrange(k.log)
    buckets = keys.idem_buckets(mid)
    expires = max(r.pexpiretime(b) for b in buckets)
    r.delete(k.log, k.undone, *buckets)
    idem: dict[str, str] = {}
    cid_of: dict[int, str] = {}
    for sid, f in entries:
        seq, cid = int(sid.split("-")[0]), unpack_client_id(f["cid"])
        received = int(f["r"])
        written = received - int(f["w"])
        old_id = f"{1_764_000_000_000 + 7 * seq}-0"  # the Redis clock's, then
        op = f.get("op", "log")
        old = {"op": op, "p": f["p"], "cid": cid, "k": f["k"], "c": f["c"], "n": f["n"],
               "w": written, "r": received, "h": f["h"], "s": seq, "why": f.get("why", "")}
        if "by" in f:
            old["by"] = f["by"]
        r.xadd(k.log, old, id=old_id)
        if op == "log":
            idem[cid] = f"{old_id}|{_fingerprint(f, written)}"
            cid_of[seq] = cid
        elif op == "restore":
            idem[cid] = "|".join(idem[cid].split("|")[:2])
        else:
            idem[cid] = "|".join(idem[cid].split("|")[:2] + [old_id])
    r.hset(k.idem, mapping=idem)
    r.pexpireat(k.idem, expires)
    for pid, raw in r.hgetall(k.voids).items():
        r.hset(k.voids, pid, orjson.dumps([cid_of[s] for s in orjson.loads(raw)]).decode())
    r.set(keys.SCHEMA, 2)


def _counters(r, mid: str) -> dict[str, Any]:
    k = MarathonKeys(mid)
    return {"counts": r.hgetall(k.counts), "mine": r.hgetall(k.mine),
            "board": r.zrange(k.board, 0, -1, withscores=True), "ph": r.hgetall(k.ph)}


def _readings(client, store, mid: str, host: str) -> dict[str, Any]:
    """What readers of the log and of the counters show: the host's action list, the
    snapshot, the exports."""
    listed = client.get(f"/api/v1/marathons/{mid}/actions?limit=500", headers=auth(host))
    assert listed.status_code == 200
    snap = client.get(f"/api/v1/marathons/{mid}").get_json()["snapshot"]
    snap.pop("server_time")
    edition, at = store.edition(example_edition()["id"]), domain.now_ms()
    return {"actions": [{k: v for k, v in e.items() if k != "id"}
                        for e in listed.get_json()["actions"]],
            "snapshot": snap,
            "exports": {kind: list(exports.records(kind, store, edition, at))
                        for kind in ("marathons", "cases", "hours")}}


@pytest.fixture
def older_marathon(api, client, store, redis_client):
    """A verified marathon with a history of every kind of write, stored as schema 2."""
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    zoe, ali, eve = (api.join(m["join_code"], name) for name in ("Zoë", "Ali", "Eve"))
    bodies = {}
    for who, case, count in ((zoe, CASES[0], 1), (zoe, None, 2), (zoe, CASES[1], 3),
                             (ali, CASES[2], 4), (ali, CASES[0], 1), (eve, None, 6),
                             (eve, CASES[3], 7)):
        body = action(case_id=case, count=count)
        assert api.c.post(f"/api/v1/marathons/{mid}/actions", json=body,
                          headers=auth(who["token"])).status_code == 201
        bodies.setdefault(who["participant_id"], []).append(body)
    t = domain.now_ms()
    store.log(mid, host, domain.action(action(count=12), frozenset(CASES), now(), 300), t,
              "paper tally of table 3")
    zoe_bodies, ali_bodies = bodies[zoe["participant_id"]], bodies[ali["participant_id"]]
    assert api.undo(mid, zoe["token"], zoe_bodies[1]["client_id"]).status_code == 200
    store.compensate(mid, host, ali_bodies[0]["client_id"], t, op="void", reason="twice")
    store.void_participant(mid, eve["participant_id"], reason="intruder", now=t)
    before = _counters(redis_client, mid), _readings(client, store, mid, host)
    _write_schema_2_layout(redis_client, mid)
    return {"id": mid, "host": host, "zoe": zoe, "ali": ali, "eve": eve, "bodies": bodies,
            "before": before}


def test_the_upgrade_rewrites_older_logs_and_every_reader_sees_the_same(
        older_marathon, make_app, redis_client):
    m = older_marathon
    mid = m["id"]
    assert "s" in redis_client.xrange(MarathonKeys(mid).log, count=1)[0][1]  # old layout
    app = make_app()  # start-up runs the upgrade
    store, client = app.extensions["store"], app.test_client()
    assert redis_client.get(keys.SCHEMA) == str(SCHEMA_VERSION)
    assert not redis_client.exists(MarathonKeys(mid).idem)
    assert store.upgrade() == 0  # once only
    counters, readings = m["before"]
    assert _counters(redis_client, mid) == counters
    assert _readings(client, store, mid, m["host"]) == readings
    assert store.reconcile(mid, repair=False)["differences"] == []
    logged = [f for _, f in redis_client.xrange(MarathonKeys(mid).log) if "op" not in f]
    assert len({tuple(f) for f in logged}) == 2  # all alike, but the host's with its note


def test_after_the_upgrade_older_actions_replay_undo_and_restore(older_marathon, make_app,
                                                                redis_client):
    m = older_marathon
    mid, zoe = m["id"], m["zoe"]
    app = make_app()
    store, client = app.extensions["store"], app.test_client()
    counts = MarathonKeys(mid).counts
    total = int(redis_client.hget(counts, "total"))
    first, undone, third = m["bodies"][zoe["participant_id"]]

    def post(body, who=zoe):
        return client.post(f"/api/v1/marathons/{mid}/actions", json=body,
                           headers=auth(who["token"]))

    # The same client_id again: a replay of the first answer, counted once.
    replay = post(first)
    assert replay.status_code == 200 and replay.get_json()["seq"] == 1
    assert post({**first, "count": 5}).get_json()["error"]["code"] == "idempotency_mismatch"
    assert post(first, m["ali"]).get_json()["error"]["code"] == "idempotency_mismatch"
    assert int(redis_client.hget(counts, "total")) == total
    # What was undone before stays undone; what was not can be undone now.
    again = client.delete(f"/api/v1/marathons/{mid}/actions/{undone['client_id']}",
                          headers=auth(zoe["token"]))
    assert again.status_code == 200 and int(redis_client.hget(counts, "total")) == total
    assert client.delete(f"/api/v1/marathons/{mid}/actions/{third['client_id']}",
                         headers=auth(zoe["token"])).status_code == 200
    assert int(redis_client.hget(counts, "total")) == total - 3
    # Eve's void of all comes back whole; Ali's void of all skips the action voided before.
    eve = store.void_participant(mid, m["eve"]["participant_id"], reason="", now=domain.now_ms(),
                                 restore=True)
    assert eve == {"actions": 2, "count": 13}
    ali = store.void_participant(mid, m["ali"]["participant_id"], reason="x",
                                 now=domain.now_ms())
    assert ali == {"actions": 1, "count": 1}
    assert int(redis_client.hget(counts, "total")) == total - 3 + 13 - 1
    # New actions follow the older ones, and every counter still agrees with the log.
    assert post(action(written_at=iso(now()))).status_code == 201
    assert store.reconcile(mid, repair=False)["differences"] == []
