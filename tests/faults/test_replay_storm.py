"""Replay storm: phones each send their queue of 50 actions three times at once.

STORM_PHONES phones (60 for `make test`, 200 in `make test-long`).

A phone that regains the network resends its whole offline queue, and a flaky network
can make it do so several times over, concurrently. Every action must count exactly
once: the first send that reaches Redis gets 201, every other one 200 with the same seq.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from faultkit import CASES, KINDS, logged_entries, reconcile_cli, setup_marathon
from support import RedisProcess, ServerProcess

pytestmark = pytest.mark.slow

PHONES, QUEUE, REPLAYS = int(os.environ.get("STORM_PHONES", 60)), 50, 3
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "s"):
        _local.s = requests.Session()
    return _local.s


def test_replay_storm_counts_each_action_once(redis_proc: RedisProcess, redis_client,
                                              tmp_path: Path) -> None:
    servers = [ServerProcess(redis_proc.url, instance=tmp_path / f"srv{i}").start()
               for i in range(2)]
    try:
        start = datetime.now(UTC) - timedelta(minutes=50)
        # The phones joined before they wrote their queues offline.
        mid, host, tokens = setup_marathon(servers[0].url, PHONES,
                                           joined_at=(start - timedelta(minutes=1)).isoformat())
        rng = random.Random(9)
        queues = [[{"client_id": str(uuid.uuid4()), "kind": rng.choice(KINDS),
                    "case_id": rng.choice(CASES), "count": rng.randint(1, 3),
                    "written_at": (start + timedelta(seconds=i * 40 + p)).isoformat()}
                   for i in range(QUEUE)] for p in range(PHONES)]
        answers: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lock = threading.Lock()

        def replay(phone: int, attempt: int) -> None:
            s = _session()
            url = servers[(phone + attempt) % len(servers)].url
            headers = {"Authorization": f"Bearer {tokens[phone]}"}
            for body in queues[phone]:
                r = s.post(f"{url}/api/v1/marathons/{mid}/actions", json=body,
                           headers=headers, timeout=30)
                with lock:
                    answers[body["client_id"]].append((r.status_code, r.json().get("seq")))

        jobs = [(p, a) for a in range(REPLAYS) for p in range(PHONES)]
        rng.shuffle(jobs)
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=48) as pool:
            for f in [pool.submit(replay, p, a) for p, a in jobs]:
                f.result()
        took = time.monotonic() - t0

        statuses = Counter(code for replies in answers.values() for code, _ in replies)
        assert set(statuses) <= {200, 201}, statuses
        for cid, replies in answers.items():
            assert [c for c, _ in replies].count(201) == 1, (cid, replies)
            assert len({seq for _, seq in replies}) == 1, (cid, replies)

        entries = logged_entries(servers[0].url, mid, host)
        logged = Counter(e["client_id"] for e in entries)
        expected = {b["client_id"]: b["count"] for q in queues for b in q}
        doubled = sum(1 for n in logged.values() if n > 1)
        lost = len(set(expected) - set(logged))
        total = requests.get(f"{servers[0].url}/api/v1/marathons/{mid}", timeout=10).json()[
            "snapshot"]["total"]
        print(f"[replay storm] {sum(statuses.values())} requests in {took:.1f} s "
              f"({sum(statuses.values()) / took:.0f}/s): {dict(statuses)}; "
              f"acknowledged={len(answers)} lost={lost} doubled={doubled} "
              f"total={total}/{sum(expected.values())}")
        assert lost == 0 and doubled == 0 and len(logged) == PHONES * QUEUE
        assert total == sum(expected.values())
        rec = reconcile_cli(redis_proc.url, mid, tmp_path / "reconcile")
        assert rec.returncode == 0 and " 0 difference(s)" in rec.stdout, rec.stdout + rec.stderr
    finally:
        for s in servers:
            s.stop()
