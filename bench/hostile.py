"""Hostile bodies: the server's CPU for one request of each pathological body class.

Each class of tests/hostile_bodies.py (16 KB each: backtracking, deep nesting, long
numbers, many keys, escapes, surrogates, wrong types) is POSTed `repeats` times to
`/api/v1/join` (no token needed: the route anyone can reach) from one kept-alive
connection; the server process's CPU time (user + system, /proc/<pid>/stat) over those
requests, divided by their number, is the figure. A two-byte `{}` is measured the same
way as the floor (what any refused join costs). Goal: ≤ 5 ms for a 16 KB body.

In a full run the same is measured on the code before issue 28 (`BEFORE`, checked out
into a temporary git worktree as bench/inflation.py does), a fifth as many times: there,
one body of escaped quotes took seconds.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

import requests
from common import ROOT, Processes, make_marathon
from hostile_bodies import BODIES
from inflation import _checkout, _drop

BEFORE = "44b85dc"  # main before issue 28 (the depth check that backtracks)
GOAL_MS = 5.0
JSON = {"Content-Type": "application/json"}


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _classes(url: str, pid: int, repeats: int) -> dict[str, Any]:
    s = requests.Session()
    out: dict[str, Any] = {}
    for name, body in {"floor_empty_object": b"{}", **BODIES}.items():
        s.post(f"{url}/api/v1/join", data=body, headers=JSON, timeout=60)  # warm
        statuses: set[int] = set()
        slowest = 0.0
        cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
        for _ in range(repeats):
            t = time.perf_counter()
            r = s.post(f"{url}/api/v1/join", data=body, headers=JSON, timeout=60)
            slowest = max(slowest, time.perf_counter() - t)
            statuses.add(r.status_code)
        cpu = _cpu_seconds(pid) - cpu0
        out[name] = {"bytes": len(body), "cpu_ms": round(cpu / repeats * 1000, 3),
                     "wall_ms": round((time.perf_counter() - t0) / repeats * 1000, 3),
                     "slowest_ms": round(slowest * 1000, 1), "statuses": sorted(statuses)}
    return out


def _serve(procs: Processes, name: str, root: Any, repeats: int) -> dict[str, Any]:
    redis_proc = procs.start_redis(f"hostile-{name}", aof=False)
    server = procs.start_server(redis_proc, root=root, ratelimit=True)  # as in production
    try:
        make_marathon(server.url, 1)  # a real marathon in the store, as in a hall
        assert server.proc is not None
        classes = _classes(server.url, server.proc.pid, repeats)
    finally:
        procs.stop_server(server)
    worst = max((k for k in classes if k != "floor_empty_object"),
                key=lambda k: classes[k]["cpu_ms"])
    return {"repeats": repeats, "classes": classes, "worst_class": worst,
            "worst_cpu_ms": classes[worst]["cpu_ms"],
            "floor_cpu_ms": classes["floor_empty_object"]["cpu_ms"]}


def measure(procs: Processes, repeats: int, before: bool) -> dict[str, Any]:
    """CPU per request for each body class, now and (with `before`) before issue 28."""
    out: dict[str, Any] = {"goal_ms": GOAL_MS, "route": "POST /api/v1/join",
                           "before_rev": BEFORE if before else None}
    out["after"] = _serve(procs, "after", ROOT, repeats)
    if before:
        try:
            old = _checkout(BEFORE)
        except (subprocess.CalledProcessError, OSError) as exc:
            out["before"] = {"skipped": f"cannot check out {BEFORE}: {exc}"}
            return out
        try:
            out["before"] = _serve(procs, "before", old, max(2, repeats // 5))
        finally:
            _drop(old)
    return out
