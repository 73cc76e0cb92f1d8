"""Redis alone: the log script's ceiling and its memory per logged action.

Both drive `marathon/store/lua/log.lua` through the Store's registered script (its
private `_scripts` and `_redis`, on purpose: this measures Redis, not the app) with the same
KEYS and ARGV as `Store.log`, pipelined, so the figures are what the server's log path
could reach if HTTP cost nothing, and what a campaign's data costs in memory.

bench/harness.py runs both; `python bench/redis_bench.py memory` (or `ceiling`) runs
one alone, with the full run's sizes unless told otherwise (`--help`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from common import Processes

from marathon import domain
from marathon.store import Store, connect, keys
from marathon.store.keys import MarathonKeys

HOUR = 3_600_000


def _store(url: str) -> Store:
    return Store(connect(url, 10.0), grace_ms=6 * HOUR, keep_ms=7 * 24 * HOUR,
                 cap_per_hour=600)


def _marathons(store: Store, count: int, people: int, starts: datetime
               ) -> list[tuple[str, list[str]]]:
    """Register marathons of the example edition and join `people` to each."""
    store.load_example_if_empty()
    data = domain.marathon({"group": {"name": "Bench", "type": "school", "country": "FR"},
                            "edition_id": "example", "title": "Bench",
                            "starts_at": starts.isoformat(), "timezone": "UTC",
                            "duration_hours": 24}, {"example"})
    now = domain.ms(datetime.now(UTC))
    out = []
    for _ in range(count):
        mid, _code, _token = store.register(data, now, "verified")
        tokens = []
        for i in range(people):
            _pid, token = store.join(mid, f"writer {i}", True, now, domain.ms(starts))
            tokens.append(domain.hash_token(token))
        out.append((mid, tokens))
    return out


def _log_call(store: Store, mid: str, token_hash: str, rng: random.Random, written: int,
              now: int, cases: list[str]) -> tuple[list[str], list[Any]]:
    """KEYS and ARGV exactly as Store.log builds them (`Store.log_call`)."""
    action = domain.ActionInput(client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                kind=rng.choice(domain.KINDS), case_id=rng.choice(cases),
                                count=1, written_at=domain.from_ms(written))
    return store.log_call(mid, token_hash, action, now)


def _load(store: Store, marathons: list[tuple[str, list[str]]], total: int,
          starts: datetime, depth: int = 100, seconds: float | None = None,
          clients: int = 3) -> tuple[int, float, dict[str, int]]:
    """Log `total` actions spread over the marathons and their 24 hours, pipelined.

    A few client threads keep Redis busy while each packs its next pipeline or reads
    its last answers: one thread alone leaves Redis idle most of the time.
    """
    cases = sorted(store.case_ids("example"))
    script = store._scripts["log"]
    begin = domain.ms(starts)
    now = domain.ms(datetime.now(UTC))
    span = min(24 * HOUR, now - begin)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    state = {"done": 0}
    t0 = time.perf_counter()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while True:
            with lock:
                if state["done"] >= total or (
                        seconds is not None and time.perf_counter() - t0 >= seconds):
                    return
                n = min(depth, total - state["done"])
                state["done"] += n
            pipe = store._redis.pipeline(transaction=False)
            for _ in range(n):
                mid, tokens = marathons[rng.randrange(len(marathons))]
                written = begin + rng.randrange(span)
                keys_, args = _log_call(store, mid, rng.choice(tokens), rng, written, now,
                                        cases)
                script(keys=keys_, args=args, client=pipe)
            got = Counter(raw[0] if raw[0] != "err" else f"err:{raw[1]}"
                          for raw in pipe.execute())
            with lock:
                outcomes.update(got)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(outcomes.values()), time.perf_counter() - t0, dict(outcomes)


def ceiling(procs: Processes, seconds: float) -> dict[str, Any]:
    """Actions/s Redis gives the log script, from redis-benchmark, per appendfsync.

    redis-benchmark (C, 20 connections, 16-deep pipelines) sends EVALSHA of log.lua
    with the Store's KEYS and ARGV; `__rand_int__` makes every client_id new. It logs
    as the host, whose actions skip the per-participant cap (one HGET less); its
    client_ids all share one idempotency bucket (the KEYS are fixed).
    """
    exe = shutil.which("redis-benchmark")
    if exe is None:
        return {"skipped": "redis-benchmark is not installed (it comes with redis-server)"}
    out: dict[str, Any] = {"tool": "redis-benchmark", "clients": 20, "pipeline": 16}
    for fsync in ("everysec", "always"):
        redis_proc = procs.start_redis(f"ceiling-{fsync}", aof=True, fsync=fsync)
        store = _store(redis_proc.url)
        starts = datetime.now(UTC) - timedelta(hours=1)
        (mid, _tokens), = _marathons(store, 1, 1, starts)
        host_hash = store._redis.hget(MarathonKeys(mid).meta, "host")
        now = domain.ms(datetime.now(UTC))
        store._redis.script_load(store._scripts["log"].script)
        action = domain.ActionInput(client_id=str(uuid.uuid4()), kind="letter",
                                    case_id=sorted(store.case_ids("example"))[0], count=1,
                                    written_at=domain.from_ms(now))
        keys_, args = store.log_call(mid, host_hash, action, now, confirmed=True)
        args[1] = "bench-__rand_int__-__rand_int__"  # a new client_id each time
        requests_n = max(2000, int(seconds * 25_000))
        cmd = [exe, "-s", str(redis_proc.socket), "-c", "20", "-P", "16", "-n",
               str(requests_n), "-r", "1000000000", "--csv", "EVALSHA",
               store._scripts["log"].sha, str(len(keys_)), *keys_, *map(str, args)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 10 + 60)
        rows = list(csv.reader(io.StringIO(run.stdout)))
        counts = store._redis.hgetall(MarathonKeys(mid).counts)
        rps = float(rows[-1][1]) if len(rows) > 1 else None
        out[fsync] = {"actions_per_s": round(rps) if rps else None,
                      "logged": int(counts.get("seq", 0)), "sent": requests_n,
                      "p50_ms": float(rows[-1][4]) if len(rows) > 1 else None}
        redis_proc.stop()
    return out


def memory(procs: Processes, total: int, marathons_n: int, people: int) -> dict[str, Any]:
    """Redis bytes per logged action after `total` actions through the log script."""
    redis_proc = procs.start_redis("memory", aof=False)
    store = _store(redis_proc.url)
    starts = datetime.now(UTC) - timedelta(hours=23, minutes=50)
    marathons = _marathons(store, marathons_n, people, starts)
    r = store._redis
    before = int(r.info("memory")["used_memory"])
    done, took, outcomes = _load(store, marathons, total, starts)
    after = int(r.info("memory")["used_memory"])
    k = MarathonKeys(marathons[0][0])
    per_key = {}
    logged = int(r.hget(k.counts, "seq") or 0)
    for name, names in (("log", [k.log]), ("idem", keys.idem_buckets(k.mid)), ("ph", [k.ph]),
                        ("counts", [k.counts]), ("mine", [k.mine])):
        usage = sum(r.memory_usage(key, samples=0) or 0 for key in names)
        per_key[name] = round(usage / max(1, logged), 1)
    # Nothing is tuned: these are redis-server's defaults, as a REDIS_URL server has them.
    settings = {name: int(value) for name, value in r.config_get("hash-max-listpack-*").items()
                | r.config_get("stream-node-max-*").items()}
    redis_proc.stop()
    return {"actions": done, "marathons": marathons_n, "participants_each": people,
            "load_actions_per_s": round(done / took), "outcomes": outcomes,
            "used_memory_delta": after - before,
            "bytes_per_action": round((after - before) / max(1, done), 1),
            "one_marathon_bytes_per_action_by_key": per_key,
            "idem_buckets": keys.IDEM_BUCKETS, "redis_settings": settings}


def main(argv: list[str] | None = None) -> int:
    """Run one step alone: `python bench/redis_bench.py memory [--actions N ...]`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("step", choices=("memory", "ceiling"))
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--marathons", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args(argv)
    with Processes() as procs:
        out = (memory(procs, args.actions, args.marathons, args.participants)
               if args.step == "memory" else ceiling(procs, args.seconds))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
