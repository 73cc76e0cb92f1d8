"""Issue 27 scenario (c): a verified host tallying paper stacks for ten minutes.

A marathon verified at once (the edition's policy `open`), started 30 minutes ago, with
5 pupils who each log 10; then its host posts confirmed tallies of 500 as fast as the
server allows, for `--seconds`. Measured: what the edition's public totals gain, the
marathon's own total, and (this checkout) what it holds for the national office.

Extrapolated to 10 minutes: linearly where nothing bounds it (the code before), else
the bound (the host's hourly budget and the envelope hold for the rest of the hour; the
marathon's hour does not change within the 10 minutes, as it started 30 minutes ago).

    .venv/bin/python bench/inflation_envelope.py --seconds 60 [--before <rev>]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import requests
from common import ROOT, Processes
from helpers import iso, now, registration
from inflation import CSRF, EID, _checkout, _drop, _edition_total, _marathon_total

PUPILS = 5
BUDGET = 20_000  # HOST_TALLY_HOUR_MAX's default: the host's entries in one hour


def verified_host(url: str, seconds: float) -> dict[str, Any]:
    s = requests.Session()
    reg = s.post(f"{url}/api/v1/marathons", timeout=10, json=registration(
        starts_at=iso(now() - timedelta(minutes=30)))).json()
    mid = reg["id"]
    for i in range(PUPILS):
        p = s.post(f"{url}/api/v1/join", json={"code": reg["join_code"],
                                               "nickname": f"pupil {i}"}, timeout=10).json()
        s.post(f"{url}/api/v1/marathons/{mid}/actions", timeout=10,
               headers={"Authorization": f"Bearer {p['token']}"},
               json={"client_id": str(uuid.uuid4()), "kind": "letter",
                     "count": 10, "written_at": iso(now())})
    before = _edition_total(url)
    console = s.get(f"{url}/h/{reg['host_token']}", timeout=10).text
    token = CSRF.search(console).group(1)
    posts = refused = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        r = s.post(f"{url}/m/{mid}/host/tally", timeout=10, allow_redirects=True, data={
            "csrf_token": token, "kind": "letter", "count": "500", "confirm": "500"})
        posts += 1
        if r.status_code == 429:
            refused += 1
            time.sleep(min(1.0, float(r.headers.get("Retry-After", 1))))
        elif 'data-testid="flash-error"' in r.text:
            refused += 1  # the host's hourly budget is spent
    elapsed = time.monotonic() - started
    gained = _edition_total(url) - before
    own = _marathon_total(url, mid)
    pace = s.get(f"{url}/api/v1/marathons/{mid}/pace", timeout=10,
                 headers={"Authorization": f"Bearer {reg['host_token']}"}).json()
    bounded = "envelope" in pace
    return {"seconds": round(elapsed, 1), "posts": posts, "refused": refused,
            "own_total": own, "edition_gain": gained,
            "held": pace.get("held"), "envelope": pace.get("envelope"),
            "edition_gain_10_min": gained if bounded else round(gained * 600 / elapsed),
            "own_total_10_min": min(round(own * 600 / elapsed), PUPILS * 10 + BUDGET)
            if bounded else round(own * 600 / elapsed)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--before", default="", help="a revision to measure as well")
    args = ap.parse_args()
    out: dict[str, Any] = {"seconds_each": args.seconds}
    versions = [("after", ROOT)]
    old = None
    if args.before:
        old = _checkout(args.before)
        versions.insert(0, (f"before ({args.before})", old))
    try:
        with Processes() as procs:
            for name, root in versions:
                redis_proc = procs.start_redis(f"envelope-{len(out)}", aof=False)
                redis_proc.client().hset(f"e:{{{EID}}}:policy", "registration", "open")
                server = procs.start_server(redis_proc, ratelimit=True, limits={}, root=root)
                out[name] = verified_host(server.url, args.seconds)
                procs.stop_server(server)
    finally:
        if old is not None:
            _drop(old)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
