"""The store against a real redis-server: counters, the stream, reconcile."""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from helpers import CASES, iso, now, registration

from marathon import domain
from marathon.store import keys
from marathon.store.actions import pack_client_id
from marathon.store.keys import MarathonKeys


def _marathon(store):
    data = domain.marathon(registration(), {"example"})
    mid, code, host = store.register(data, int(time.time() * 1000))
    return mid, code, host


def _action(**kw):
    body = {"client_id": str(uuid.uuid4()), "kind": "letter", "case_id": CASES[0],
            "count": 1, "written_at": iso(now() - timedelta(minutes=random.randint(0, 50)))}
    body.update(kw)
    return domain.action(body, frozenset(CASES), now(), 300)


def _random_history(store, n=1000, seed=7):
    rnd = random.Random(seed)
    mid, code, host = _marathon(store)
    t = int(time.time() * 1000)
    # Joined before the actions they log are dated (a phone cannot write before it joins).
    # (16 of them: the cap of 600 per participant-hour also counts by the hour received.)
    tokens = [store.join(mid, f"P{i}", rnd.random() < 0.8, t, t - 2 * 3_600_000)[1]
              for i in range(16)]
    done = []
    for _ in range(n):
        if done and rnd.random() < 0.2:
            token, cid = done.pop(rnd.randrange(len(done)))
            store.compensate(mid, token, cid, t)
            continue
        token = rnd.choice(tokens + [host])
        a = _action(kind=rnd.choice(domain.KINDS), case_id=rnd.choice(CASES + [""]),
                    count=rnd.randint(1, 12))
        store.log(mid, token, a, t, confirmed=token == host)
        done.append((token, a.client_id))
    return mid


def test_reconcile_after_1000_random_logs_and_undos_finds_nothing(store):
    mid = _random_history(store)
    report = store.reconcile(mid, repair=False)
    assert report["differences"] == []
    assert report["entries"] == 1000


def test_reconcile_finds_and_repairs_a_corrupted_counter(store, redis_client):
    mid = _random_history(store, n=300)
    k = MarathonKeys(mid)
    before = int(redis_client.hget(k.counts, "total"))
    redis_client.hincrby(k.counts, "total", 5)
    redis_client.hincrby(k.counts, f"c:{CASES[1]}", -2)
    some_pid = next(iter(redis_client.hkeys(k.people)))
    redis_client.hset(k.mine, some_pid, 999)
    report = store.reconcile(mid)
    fields = {(d["key"], d["field"]) for d in report["differences"]}
    assert ("counts", "total") in fields and ("counts", f"c:{CASES[1]}") in fields
    assert ("mine", some_pid) in fields and report["repaired"]
    assert int(redis_client.hget(k.counts, "total")) == before
    assert store.reconcile(mid, repair=False)["differences"] == []


def test_reconcile_command_reports_and_repairs(store, redis_client, redis_proc, tmp_path):
    mid = _random_history(store, n=50)
    redis_client.hincrby(MarathonKeys(mid).counts, "k:letter", 3)
    env = {"REDIS_URL": redis_proc.url, "SECRET_KEY": "x", "ASYNC_MODE": "threading",
           "MARATHON_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "marathon.cli", "reconcile", mid]
    check = subprocess.run(cmd + ["--check-only"], env=env, capture_output=True, text=True)
    assert check.returncode == 1 and "1 difference(s)" in check.stdout
    fix = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert fix.returncode == 0 and "repaired" in fix.stdout
    again = subprocess.run(cmd + ["--check-only"], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "0 difference(s)" in again.stdout


def test_tokens_are_stored_hashed(store, redis_client):
    mid, code, host = _marathon(store)
    pid, token = store.join(mid, "Zoë", True, int(time.time() * 1000))
    dump = " ".join(
        str(redis_client.dump(k)) for k in redis_client.keys("*")) + " ".join(
        redis_client.keys("*"))
    assert token not in dump and host not in dump
    assert domain.hash_token(token) in redis_client.hkeys(MarathonKeys(mid).ptok)


def test_all_marathon_keys_share_its_hash_tag(store, redis_client):
    mid = _random_history(store, n=20)
    keys = [k for k in redis_client.keys("m:*")]
    assert keys and all(k.startswith(f"m:{{{mid}}}:") for k in keys)


def test_idempotency_keys_expire_after_the_grace(store, redis_client):
    mid = _random_history(store, n=5)
    buckets = {keys.idem(mid, pack_client_id(e["client_id"])) for e in store.iter_entries(mid)}
    for bucket in buckets:
        ttl = redis_client.pttl(bucket)
        # 24 h window (23 h left) + 6 h grace + 7 days kept.
        assert 28 * 3600_000 < ttl - 7 * 86_400_000 <= 29 * 3600_000
