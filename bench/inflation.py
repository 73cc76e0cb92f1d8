"""The inflation budget: what one address without an account can add in 10 minutes.

Two attacks from one client (no account, the app's default limits on), each for a
fixed time, then extrapolated linearly to 10 minutes (an upper bound where hourly caps
apply), against this checkout and, in a full run, against the code before issue 15
(`BEFORE`, checked out into a temporary git worktree and served the same way):

(a) **own marathon → edition**: register a marathon (no account), open its host link
    and enter paper tallies as fast as the server allows; measured: what the edition's
    public totals (the compare table's totals row) gain.
(b) **another group's marathon**: read the join code off its screen, join again and
    again, log 100 at a time until refused; measured: what the victim's verified total
    (and so its edition) gains, and how much of it came before the victim's host
    console raised an alert (`GET …/pace`; the old code has none).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from common import ROOT, TMP, Processes
from helpers import registration

BEFORE = "ece2643"  # main before issue 15 (verified marathons, server-time plausibility)
EID = "example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _edition_total(url: str) -> int:
    r = requests.get(f"{url}/api/v1/editions/{EID}/marathons?per_page=1", timeout=10)
    return int(r.json()["totals"]["total"])


def _marathon_total(url: str, mid: str) -> int:
    return int(requests.get(f"{url}/api/v1/marathons/{mid}", timeout=10).json()
               ["snapshot"]["total"])


def _action(count: int) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "kind": "letter", "count": count,
            "written_at": datetime.now(UTC).isoformat()}


def own_marathon(url: str, seconds: float) -> dict[str, Any]:
    """Attack (a): an anonymous registration, then paper tallies as fast as allowed."""
    s = requests.Session()
    before = _edition_total(url)
    reg = s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10).json()
    console = s.get(f"{url}/h/{reg['host_token']}", timeout=10).text
    token = CSRF.search(console).group(1)
    tally = f"{url}/m/{reg['id']}/host/tally"
    posts = refused = 0
    count = 10_000  # the old form's maximum; the attacker falls back to what is allowed
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        form = {"csrf_token": token, "kind": "letter", "count": str(count),
                "confirm": str(count)}
        r = s.post(tally, data=form, timeout=10, allow_redirects=False)
        posts += 1
        if r.status_code == 429:
            refused += 1
            time.sleep(min(1.0, float(r.headers.get("Retry-After", 1))))
            continue
        if posts == 1 and _marathon_total(url, reg["id"]) == 0:
            count = 500  # 10,000 refused: the largest tally the form takes
    elapsed = time.monotonic() - started
    gained = _edition_total(url) - before
    own = _marathon_total(url, reg["id"])
    return {"seconds": round(elapsed, 1), "posts": posts, "refused_429": refused,
            "tally": count, "own_marathon_total": own, "edition_gain": gained,
            "edition_gain_10_min": round(gained * 600 / elapsed)}


def other_marathon(url: str, seconds: float, honest: int = 30) -> dict[str, Any]:
    """Attack (b): join another group's verified marathon with the code on its screen."""
    host = requests.Session()
    reg = host.post(f"{url}/api/v1/marathons", json=registration(), timeout=10).json()
    for i in range(honest):  # the honest room: 30 phones
        host.post(f"{url}/api/v1/join", json={"code": reg["join_code"],
                                              "nickname": f"pupil {i}"}, timeout=10)
    mid = reg["id"]
    before_victim, before_edition = _marathon_total(url, mid), _edition_total(url)
    pace_url = f"{url}/api/v1/marathons/{mid}/pace"
    auth = {"Authorization": f"Bearer {reg['host_token']}"}
    has_alerts = host.get(pace_url, headers=auth, timeout=10).status_code == 200

    attacker = requests.Session()
    joins = posts = held = 0
    at_alert: dict[str, Any] | None = None
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        j = attacker.post(f"{url}/api/v1/join", json={"code": reg["join_code"],
                                                      "nickname": f"x{joins}"}, timeout=10)
        if j.status_code == 429:
            time.sleep(min(1.0, float(j.headers.get("Retry-After", 1))))
            continue
        if j.status_code != 201:
            break  # paused, full, or the code was changed: the host's defences held
        joins += 1
        token = {"Authorization": f"Bearer {j.json()['token']}"}
        for _ in range(20):
            r = attacker.post(f"{url}/api/v1/marathons/{mid}/actions", json=_action(100),
                              headers=token, timeout=10)
            posts += 1
            if r.status_code == 429:
                held += 1  # the address's action budget (per 10 minutes) is spent
            if r.status_code != 201:
                break
        if has_alerts and at_alert is None and host.get(
                pace_url, headers=auth, timeout=10).json()["alerts"]:
            at_alert = {"seconds": round(time.monotonic() - started, 1),
                        "victim_gain": _marathon_total(url, mid) - before_victim}
    elapsed = time.monotonic() - started
    gained = _marathon_total(url, mid) - before_victim
    # A budget per 10 minutes that ran out holds for the rest of the 10 minutes.
    ten = gained if held else round(gained * 600 / elapsed)
    return {"seconds": round(elapsed, 1), "joins": joins, "posts": posts,
            "refused_429": held, "victim_gain": gained,
            "edition_gain": _edition_total(url) - before_edition, "victim_gain_10_min": ten,
            "alert": at_alert if has_alerts else "no alerts in this version"}


def _checkout(rev: str) -> Path:
    folder = TMP / f"before-{rev}"
    if folder.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT,
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=ROOT,
                   check=True, capture_output=True)
    return folder


def _drop(folder: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT,
                   capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


def measure(procs: Processes, seconds: float, before: bool) -> dict[str, Any]:
    """Run both attacks on this checkout and, with `before`, on the code before issue 15."""
    out: dict[str, Any] = {"seconds_each": seconds, "before_rev": BEFORE if before else None}
    versions = [("after", ROOT)]
    old = None
    if before:
        try:
            old = _checkout(BEFORE)
            versions.insert(0, ("before", old))
        except (subprocess.CalledProcessError, OSError) as exc:
            out["before"] = {"skipped": f"cannot check out {BEFORE}: {exc}"}
    try:
        for name, root in versions:
            redis_proc = procs.start_redis(f"inflation-{name}", aof=False)
            client = redis_proc.client()
            # The app's default limits, and the shipped edition's default policy (review).
            client.delete(f"e:{{{EID}}}:policy")
            server = procs.start_server(redis_proc, ratelimit=True, limits={}, root=root)
            res_a = own_marathon(server.url, seconds)
            # (b)'s victim counts in its edition: as if its national office verified it.
            client.hset(f"e:{{{EID}}}:policy", "registration", "open")
            res_b = other_marathon(server.url, seconds)
            out[name] = {"own_marathon": res_a, "other_marathon": res_b}
            procs.stop_server(server)
    finally:
        if old is not None:
            _drop(old)
    return out
