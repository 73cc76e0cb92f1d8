"""Budgets over any span (issue 27, items 2 and 4): what one address gets through the
per-address action budget and the join limits, counted in ANY span of the window's
length, before (main before issue 27) and after.

Scenarios, from one address, the app's default budgets with their windows shortened to
WINDOW seconds (the arithmetic does not depend on the window's length; a 10-minute
figure is the ratio to the budget times the 10-minute budget):

(b) a participant with the code: joins for fresh tokens (the cap per participant-hour
    holds each) and logs 100 at a time as fast as allowed, from a little before a fixed
    window's edge to well after it; measured: the most counted in any span of WINDOW s.
(d) padded or lower-case spellings of one code, joining as fast as allowed over the
    same time; measured: the most joins made in any span of WINDOW s.

    .venv/bin/python bench/budgets.py [--after-only] [--window 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from common import ROOT, Processes, registration
from inflation import _checkout, _drop

BEFORE = "44b85dc"  # main before issue 27
ADDRESS_BUDGET, JOIN_ADDRESS, JOIN_MARATHON = 3000, 300, 600  # the app's defaults


def _limits(window: int) -> dict[str, str]:
    return {"RATELIMIT_ACTIONS_ADDRESS": f"{ADDRESS_BUDGET} per {window} seconds",
            "RATELIMIT_JOIN": f"{JOIN_ADDRESS} per {window} seconds",
            "RATELIMIT_JOIN_MARATHON": f"{JOIN_MARATHON} per {window} seconds"}


def _most_in_any_span(events: list[tuple[float, int]], span: float) -> int:
    """The largest sum of amounts whose times fall in one span of `span` seconds."""
    best, lo, inside = 0, 0, 0
    for t, n in events:
        inside += n
        while events[lo][0] <= t - span:
            inside -= events[lo][1]
            lo += 1
        best = max(best, inside)
    return best


def _start_before_edge(window: int, lead: float) -> None:
    while (time.time() % window) < window - lead - 0.2 or (time.time() % window) > window - lead:
        time.sleep(0.05)


def participant(url: str, window: int, seconds: float) -> dict[str, Any]:
    """Scenario (b)."""
    s = requests.Session()
    reg = s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10).json()
    mid, code = reg["id"], reg["join_code"]
    _start_before_edge(window, 3.0)
    counted: list[tuple[float, int]] = []
    refused = joins = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        j = s.post(f"{url}/api/v1/join", json={"code": code, "nickname": f"x{joins}"},
                   timeout=10)
        if j.status_code != 201:
            time.sleep(0.2)
            continue
        joins += 1
        auth = {"Authorization": f"Bearer {j.json()['token']}"}
        for _ in range(6):  # 600 per participant-hour: a fresh token after 6 × 100
            body = {"client_id": str(uuid.uuid4()), "kind": "letter", "count": 100,
                    "written_at": datetime.now(UTC).isoformat()}
            r = s.post(f"{url}/api/v1/marathons/{mid}/actions", json=body, headers=auth,
                       timeout=10)
            if r.status_code == 201:
                counted.append((time.monotonic(), 100))
            elif r.status_code == 429:
                refused += 1
                time.sleep(0.1)
            else:
                break
    total = int(s.get(f"{url}/api/v1/marathons/{mid}", timeout=10).json()["snapshot"]["total"])
    most = _most_in_any_span(counted, window)
    return {"seconds": round(time.monotonic() - started, 1), "joins": joins,
            "refused_429": refused, "counted": total, "budget": ADDRESS_BUDGET,
            "most_in_any_window": most, "ratio": round(most / ADDRESS_BUDGET, 2),
            "most_in_any_10_min_at_defaults": round(most / ADDRESS_BUDGET * 3000)}


def padded_joins(url: str, window: int, seconds: float) -> dict[str, Any]:
    """Scenario (d)."""
    s = requests.Session()
    code = s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10).json()[
        "join_code"]
    _start_before_edge(window, 3.0)
    made: list[tuple[float, int]] = []
    tried = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        cut = tried % 7
        spelled = code[:cut] + " " * (1 + (tried // 7) % 9) + code[cut:]
        spelled = spelled.lower() if tried % 2 else spelled
        r = s.post(f"{url}/api/v1/join", json={"code": spelled, "nickname": f"x{tried}"},
                   timeout=10)
        tried += 1
        if r.status_code == 201:
            made.append((time.monotonic(), 1))
    most = _most_in_any_span(made, window)
    return {"seconds": round(time.monotonic() - started, 1), "tried": tried,
            "made": len(made), "limit_per_address": JOIN_ADDRESS,
            "limit_per_marathon": JOIN_MARATHON, "most_in_any_window": most,
            "ratio": round(most / JOIN_ADDRESS, 2)}


def limits_strategies(window: float = 2.0, budget: int = 100) -> dict[str, int]:
    """Why not a strategy of the `limits` library: its sliding-window-counter (an
    approximation) lets through about twice the budget in one span across an edge; its
    moving window holds (but keeps a timestamp per hit and costs its own round trips)."""
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

    item, out = parse(f"{budget} per {int(window)} seconds"), {}
    for name, cls in (("sliding_window_counter", SlidingWindowCounterRateLimiter),
                      ("moving_window", MovingWindowRateLimiter)):
        lim = cls(MemoryStorage())
        while time.time() % window < window - 0.05:  # just before a window's edge
            time.sleep(0.005)
        hits: list[tuple[float, int]] = []
        end = time.time() + 2 * window
        while time.time() < end:
            if lim.hit(item, "k"):
                hits.append((time.time(), 1))
            else:
                time.sleep(0.001)
        out[f"{name}_most_in_any_window_of_{budget}"] = _most_in_any_span(hits, window)
    return out


def measure(procs: Processes, window: int, before: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"window_seconds": window, "before_rev": BEFORE if before else None,
                           "limits_strategies": limits_strategies()}
    versions: list[tuple[str, Path]] = [("after", ROOT)]
    old = None
    if before:
        old = _checkout(BEFORE)
        versions.insert(0, ("before", old))
    try:
        for name, root in versions:
            redis_proc = procs.start_redis(f"budgets-{name}", aof=False)
            server = procs.start_server(redis_proc, ratelimit=True, limits=_limits(window),
                                        root=root)
            out[name] = {"b_participant": participant(server.url, window, 2.5 * window),
                         "d_padded_joins": padded_joins(server.url, window, 2.5 * window)}
            procs.stop_server(server)
    finally:
        if old is not None:
            _drop(old)
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--after-only", action="store_true")
    args = parser.parse_args(argv)
    with Processes() as procs:
        print(json.dumps(measure(procs, args.window, not args.after_only), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
