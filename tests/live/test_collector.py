"""The server process's garbage collector (wsgi.py `_calm_collector`): what survived a
full collection is frozen out of the next ones, and every GC_FULL_SECONDS one full
collection sees everything again, so a closed socket's cyclic garbage is not kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a server's own interpreter (importing wsgi builds the app, as the server does).
PROBE = """
import gc, json, sys, time, weakref
import wsgi

class Node:
    pass

wsgi._calm_collector(float(sys.argv[1]))
at_start = gc.get_freeze_count()
kept = [[i] for i in range(50_000)]          # long-lived: a day's sockets, say
node = Node(); node.me = node; ref = weakref.ref(node)  # a closed socket's cycle, soon
gc.collect()                                 # a full collection
after_full = gc.get_freeze_count()
del node                                     # now cyclic garbage
time.sleep(float(sys.argv[2]))
gc.collect()                                 # frozen after the first unless it is time
second = gc.get_freeze_count()
gc.collect()
print(json.dumps({"at_start": at_start, "after_full": after_full, "second": second,
                  "third": gc.get_freeze_count(), "cycle_kept": ref() is not None}))
"""


def probe(redis_url: str, tmp_path: Path, full_seconds: float, pause: float) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SECRET_KEY")}
    env.update({"REDIS_URL": redis_url, "ASYNC_MODE": "threading", "PYTHONWARNINGS": "ignore",
                "MARATHON_INSTANCE_PATH": str(tmp_path / "inst"), "LIVE_BROADCAST": "0"})
    done = subprocess.run([sys.executable, "-c", PROBE, str(full_seconds), str(pause)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_survivors_of_a_full_collection_are_left_out_of_the_next(redis_proc, tmp_path):
    got = probe(redis_proc.url, tmp_path, 3600, 0)
    assert got["at_start"] > 0  # the app's own objects, frozen once it is built
    assert got["after_full"] >= got["at_start"] + 50_000  # the long-lived list too
    assert got["second"] >= got["after_full"]
    assert got["cycle_kept"]  # the price: frozen garbage waits for the next thaw


def test_a_full_collection_sees_everything_once_its_time_has_come(redis_proc, tmp_path):
    got = probe(redis_proc.url, tmp_path, 0.5, 0.6)
    assert got["after_full"] > 0
    assert got["second"] == 0  # thawed: the next full collection walks every object
    assert got["third"] > 0  # and freezes again after it
    assert not got["cycle_kept"]  # the garbage frozen before is collected


def test_gc_full_seconds_0_keeps_pythons_own_schedule(redis_proc, tmp_path):
    got = probe(redis_proc.url, tmp_path, 0, 0)
    assert got["at_start"] == got["after_full"] == got["third"] == 0
    assert not got["cycle_kept"]
