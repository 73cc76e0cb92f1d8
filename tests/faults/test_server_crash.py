"""A server process killed with SIGKILL under load, behind the test's own round-robin.

Two server processes share one Redis. Four phones send through a round-robin balancer;
midway one process is killed with `kill -9`. Requests it had in flight get no answer,
and the phones resend them (same `client_id`) to the surviving process, which answers
200 for those that had already been counted. Nothing acknowledged is lost, nothing is
counted twice, and `marathon reconcile` finds no difference.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from faultkit import RoundRobin, Writers, logged_entries, reconcile_cli, setup_marathon, verdict
from helpers import wait_for
from support import RedisProcess, ServerProcess

pytestmark = pytest.mark.slow

NO_CAP = {"MAX_ACTIONS_PER_PARTICIPANT_HOUR": "0"}


def test_server_killed_under_load(redis_proc: RedisProcess, redis_client, tmp_path: Path,
                                  ) -> None:
    servers = [ServerProcess(redis_proc.url, instance=tmp_path / f"srv{i}", env=NO_CAP).start()
               for i in range(2)]
    victim, survivor = servers
    try:
        mid, host, tokens = setup_marathon(survivor.url, 4)
        writers = Writers(RoundRobin([s.url for s in servers]), mid, tokens, rate=400).start()
        # Under load: as many actions acknowledged as 2.5 s at the nominal rate give.
        acked = writers.ledger.acked
        wait_for(lambda: len(acked) >= 1000, timeout=60, what="1000 acknowledged actions")
        killed_at = time.monotonic()
        victim.kill()
        # And as many again with one process dead, some of them sent to it.
        wait_for(lambda: len(acked) >= 2000, timeout=60,
                 what="1000 more acknowledged actions after the kill")
        ledger = writers.stop()

        after = ledger.during(killed_at, time.monotonic())
        refused = [a for a in after if a.url == victim.url]
        assert refused and all(a.status is None for a in refused)
        survived = [a for a in after if a.url == survivor.url]
        assert survived and all(a.status in (200, 201) for a in survived)
        assert max(a.elapsed for a in survived) < 1.0

        entries = logged_entries(survivor.url, mid, host)
        total = requests.get(f"{survivor.url}/api/v1/marathons/{mid}", timeout=10).json()[
            "snapshot"]["total"]
        v = verdict(ledger, entries, total)
        print(v.line("server kill -9"), ledger.statuses(),
              f"requests to the dead process: {len(refused)}")
        assert not ledger.unexpected, ledger.unexpected[:5]
        assert v.lost == 0 and v.doubled == 0
        assert v.total_counted == v.total_acked and v.seq_increasing
        rec = reconcile_cli(redis_proc.url, mid, tmp_path / "reconcile")
        assert rec.returncode == 0 and " 0 difference(s)" in rec.stdout, rec.stdout + rec.stderr
    finally:
        for s in servers:
            s.stop()
