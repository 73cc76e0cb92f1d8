"""Marathon states in the store: the upgrade of older data, rebuilding an edition's
indexes, and every index following a state change exactly (real redis-server)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import timedelta

from helpers import iso, now, registration

from marathon import domain
from marathon.domain.editions import example_edition
from marathon.store import keys
from marathon.store.keys import EditionKeys, MarathonKeys
from marathon.store.upgrade import SCHEMA_VERSION

EID = example_edition()["id"]
CASES = [c["id"] for c in example_edition()["cases"]]


def _ms() -> int:
    return int(time.time() * 1000)


def _marathon(store, state="pending", people=3, letters=(5, 7, 11)):
    data = domain.marathon(registration(), {EID})
    mid, _, host = store.register(data, _ms(), state)
    t = _ms()
    for i, n in zip(range(people), letters, strict=False):
        _, token = store.join(mid, f"P{i}", True, t, t - 3_600_000)
        body = {"client_id": str(uuid.uuid4()), "kind": "letter", "case_id": CASES[i % 2],
                "count": n, "written_at": iso(now() - timedelta(minutes=5))}
        store.log(mid, token, domain.action(body, frozenset(CASES), now(), 300), t)
    return mid


def _indexes(redis_client) -> dict:
    ek = EditionKeys(EID)
    stats = {k: v for k, v in redis_client.hgetall(ek.stats).items() if k != "~v"}
    return {"counts": redis_client.hgetall(ek.counts),
            "totals": redis_client.zrange(ek.totals, 0, -1, withscores=True),
            "pp": redis_client.zrange(ek.per_participant, 0, -1, withscores=True),
            "marathons": redis_client.zrange(ek.marathons, 0, -1),
            "rows": sorted(redis_client.hkeys(ek.rows)), "stats": stats}


def _nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v != "0"}


def test_verifying_then_rejecting_leaves_the_indexes_as_they_were(store, redis_client):
    kept = _marathon(store, "verified")
    before = _indexes(redis_client)
    mid = _marathon(store, "pending")
    assert _indexes(redis_client) == before
    store.set_state(mid, "verified", reason="", who="t", now=_ms())
    mid_in = _indexes(redis_client)
    assert int(mid_in["counts"]["total"]) == 2 * 23
    assert dict(mid_in["totals"]) == {kept: 23.0, mid: 23.0}
    assert store.compare_index(EID).stats[mid]["p"] == 3
    store.set_state(mid, "rejected", reason="not real", who="t", now=_ms())
    after = _indexes(redis_client)
    assert _nonzero(after["counts"]) == _nonzero(before["counts"])
    assert {k: v for k, v in after.items() if k != "counts"} == {
        k: v for k, v in before.items() if k != "counts"}
    assert store.marathon(mid)["state_reason"] == "not real"
    assert [a["what"] for a in store.audit(mid)] == ["verified", "rejected"]


def test_a_pending_marathon_is_in_the_review_queue_only(store, redis_client):
    mid = _marathon(store, "pending")
    ek = EditionKeys(EID)
    assert redis_client.zrange(ek.review, 0, -1) == [mid]
    assert redis_client.zrange(ek.every, 0, -1) == [mid]
    assert redis_client.zscore(ek.totals, mid) is None
    store.set_state(mid, "verified", reason="", who="t", now=_ms())
    assert redis_client.zrange(ek.review, 0, -1) == []


def test_reconcile_edition_rebuilds_every_index_from_the_marathons(store, redis_client):
    a = _marathon(store, "verified")
    b = _marathon(store, "verified", people=2, letters=(40, 2))
    c = _marathon(store, "pending")
    store.set_state(b, "rejected", reason="x", who="t", now=_ms())
    store.set_state(b, "verified", reason="", who="t", now=_ms())
    want = _indexes(redis_client)
    ek = EditionKeys(EID)
    # Break them the ways a bug or a bad restore would.
    redis_client.hincrby(ek.counts, "total", 1000)
    redis_client.hset(ek.stats, f"{a}:k:letter", 1)
    redis_client.zadd(ek.totals, {c: 5})
    redis_client.hdel(ek.rows, b)
    redis_client.zrem(ek.review, c)
    report = store.reconcile_edition(EID)
    assert (report["verified"], report["pending"], report["rejected"]) == (2, 1, 0)
    got = _indexes(redis_client)
    assert _nonzero(got["counts"]) == _nonzero(want["counts"])
    assert {k: v for k, v in got.items() if k != "counts"} == {
        k: v for k, v in want.items() if k != "counts"}
    assert redis_client.zrange(ek.review, 0, -1) == [c]


def _cli(redis_proc, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"REDIS_URL": redis_proc.url, "SECRET_KEY": "x", "ASYNC_MODE": "threading",
           "MARATHON_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "marathon.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_reconcile_edition_command(store, redis_client, redis_proc, tmp_path):
    mid = _marathon(store, "verified")
    redis_client.hincrby(EditionKeys(EID).counts, "total", 7)
    redis_client.hincrby(MarathonKeys(mid).counts, "total", 1)
    out = _cli(redis_proc, tmp_path, "reconcile", "--edition", EID)
    assert out.returncode == 0, out.stderr
    assert "1 difference(s), repaired" in out.stdout and "1 verified" in out.stdout
    assert redis_client.hget(EditionKeys(EID).counts, "total") == "23"


def test_the_upgrade_makes_older_marathons_verified_without_moving_a_count(store,
                                                                          redis_client):
    a = _marathon(store, "verified")
    b = _marathon(store, "verified", people=1, letters=(9,))
    before = _indexes(redis_client)
    # The layout before schema 2: no state, no `every` index, no schema version.
    for mid in (a, b):
        redis_client.hdel(MarathonKeys(mid).meta, "state")
    redis_client.delete(EditionKeys(EID).every, keys.SCHEMA)
    assert store.marathon(a)["state"] == "pending"

    assert store.upgrade() == 2
    assert store.upgrade() == 0  # once only
    assert store.marathon(a)["state"] == store.marathon(b)["state"] == "verified"
    assert set(redis_client.zrange(EditionKeys(EID).every, 0, -1)) == {a, b}
    assert _indexes(redis_client) == before
    # ... and they keep counting.
    t = _ms()
    _, token = store.join(b, "New", True, t)
    body = {"client_id": str(uuid.uuid4()), "kind": "card", "count": 2,
            "written_at": iso(now())}
    store.log(b, token, domain.action(body, frozenset(CASES), now(), 300), t)
    assert redis_client.hget(EditionKeys(EID).counts, "total") == str(23 + 9 + 2)


def test_the_upgrade_runs_at_start_up(make_app, redis_client, store):
    mid = _marathon(store, "verified")
    redis_client.hdel(MarathonKeys(mid).meta, "state")
    redis_client.delete(keys.SCHEMA)
    app = make_app()
    assert app.extensions["store"].marathon(mid)["state"] == "verified"
    assert redis_client.get(keys.SCHEMA) == str(SCHEMA_VERSION)


def test_verify_reject_and_policy_commands(store, redis_client, redis_proc, tmp_path):
    a, b = _marathon(store), _marathon(store)
    out = _cli(redis_proc, tmp_path, "verify", a, b)
    assert out.returncode == 0 and f"marathon {a}: pending -> verified" in out.stdout
    assert redis_client.hget(EditionKeys(EID).counts, "total") == str(2 * 23)
    out = _cli(redis_proc, tmp_path, "reject", b, "--reason", "duplicate of another")
    assert out.returncode == 0 and store.marathon(b)["state_reason"] == "duplicate of another"
    assert _cli(redis_proc, tmp_path, "reject", b).returncode == 2  # --reason is required
    assert _cli(redis_proc, tmp_path, "verify", "nope").returncode == 1
    # A typed code has at least 10 characters; a short one is refused.
    assert _cli(redis_proc, tmp_path, "edition", "policy", EID, "code", "--code",
                "W4R").returncode == 1
    assert store.edition_policy(EID)["has_code"] is False
    out = _cli(redis_proc, tmp_path, "edition", "policy", EID, "code", "--code", "W4R-2026-FR")
    assert out.returncode == 0 and store.edition_policy(EID) == {"registration": "code",
                                                                  "has_code": True}
    assert store.initial_state(EID, "W4R-2026-FR") == "verified"
    assert store.initial_state(EID, " w4r-2026-fr ") == "verified"  # case, spaces
    assert store.initial_state(EID, "W4R") == "pending"
    # ... or the app makes one and prints it once.
    out = _cli(redis_proc, tmp_path, "edition", "policy", EID, "code", "--generate-code")
    code = out.stdout.split("registration code: ")[1].split()[0]
    assert out.returncode == 0 and len(code) >= 10
    assert store.initial_state(EID, code) == "verified"
    assert store.initial_state(EID, "W4R-2026-FR") == "pending"
    assert _cli(redis_proc, tmp_path, "edition", "policy", EID, "bogus").returncode == 2
