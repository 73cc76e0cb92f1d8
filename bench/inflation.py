"""The inflation budget: what one client can add to a verified total in 10 minutes.

Attacks from one address, the app's default limits on, each for a fixed time, against
this checkout and, in a full run, against the code before issue 27 (`BEFORE`, checked
out into a temporary git worktree and served the same way):

(a) **a stranger without the code** against another group's verified marathon: reads
    every public page and answer of it (screen, log page, poster, QR, report, API,
    edition page) for a join code; with one it joins again and again and logs 100 at a
    time until refused. Measured: what the victim's verified total gains.
(b) **a participant with the code**, one address: joins for fresh tokens and logs as fast
    as allowed across a window's edge (`budgets.participant`, windows shortened to
    WINDOW s); measured: the most counted in any span of the window's length.
(c) **a verified host tallying** confirmed paper stacks of 500 as fast as allowed
    (`inflation_envelope.verified_host`); measured: what reaches the edition.
(d) **padded-code joins** from one address (`budgets.padded_joins`); measured: the most
    joins in any span of the window's length.
(e) **an anonymous registration** tallying into its edition (review policy); measured:
    what the edition's public totals gain.
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

BEFORE = "44b85dc"  # main before issue 27 (room secrets, budgets, the envelope)
JOIN_LINK = re.compile(r"/j/([A-Za-z0-9]{6})\b|data-testid=\"join-code\"[^>]*>\s*([A-Za-z0-9]{6})")
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


def stranger(url: str, seconds: float, honest: int = 30) -> dict[str, Any]:
    """Attack (a): find another group's join code on its public pages, then use it."""
    host = requests.Session()
    reg = host.post(f"{url}/api/v1/marathons", json=registration(), timeout=10).json()
    for i in range(honest):  # the honest room: 30 phones (the host reads them the code)
        host.post(f"{url}/api/v1/join", json={"code": reg["join_code"],
                                              "nickname": f"pupil {i}"}, timeout=10)
    mid = reg["id"]
    before_victim, before_edition = _marathon_total(url, mid), _edition_total(url)

    attacker = requests.Session()
    found: set[str] = set()
    pages = [f"/m/{mid}/screen", f"/m/{mid}/log", f"/m/{mid}/poster", f"/m/{mid}/qr.svg",
             f"/m/{mid}/report", f"/m/{mid}/overlay", f"/api/v1/marathons/{mid}",
             f"/api/v1/marathons/{mid}/report", f"/e/{EID}", f"/e/{EID}/screen"]
    for path in pages:
        text = attacker.get(url + path, timeout=10).text
        found |= {a or b for a, b in JOIN_LINK.findall(text)}
    codes = sorted(c.upper() for c in found)
    joins = posts = held = 0
    started = time.monotonic()
    while codes and time.monotonic() - started < seconds:
        j = attacker.post(f"{url}/api/v1/join", json={"code": codes[0],
                                                      "nickname": f"x{joins}"}, timeout=10)
        if j.status_code == 429:
            time.sleep(min(1.0, float(j.headers.get("Retry-After", 1))))
            continue
        if j.status_code != 201:
            codes.pop(0)  # not a code after all, or the host's defences held
            continue
        joins += 1
        token = {"Authorization": f"Bearer {j.json()['token']}"}
        for _ in range(6):  # 600 per participant-hour: a fresh token after 6 × 100
            r = attacker.post(f"{url}/api/v1/marathons/{mid}/actions", json=_action(100),
                              headers=token, timeout=10)
            posts += 1
            if r.status_code == 429:
                held += 1  # the address's action budget is spent
            if r.status_code != 201:
                break
    elapsed = max(time.monotonic() - started, 0.001)
    gained = _marathon_total(url, mid) - before_victim
    # A budget per 10 minutes that ran out holds for the rest of the 10 minutes.
    ten = gained if held or not found else round(gained * 600 / elapsed)
    return {"pages_read": len(pages), "codes_found": len(found), "joins": joins,
            "posts": posts, "refused_429": held, "victim_gain": gained,
            "edition_gain": _edition_total(url) - before_edition, "victim_gain_10_min": ten}


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


def measure(procs: Processes, seconds: float, before: bool,
            window: int = 20) -> dict[str, Any]:
    """Run the attacks on this checkout and, with `before`, on the code before issue 27."""
    import budgets
    import inflation_envelope

    out: dict[str, Any] = {"seconds_each": seconds, "window_seconds": window,
                           "before_rev": BEFORE if before else None,
                           "budgets": {"address": budgets.ADDRESS_BUDGET,
                                       "join_address": budgets.JOIN_ADDRESS}}
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
            res: dict[str, Any] = {"e_own_registration": own_marathon(server.url, seconds)}
            # The victims count in their edition: as if their national office verified them.
            client.hset(f"e:{{{EID}}}:policy", "registration", "open")
            res["a_stranger"] = stranger(server.url, seconds)
            res["c_verified_host"] = inflation_envelope.verified_host(server.url, seconds)
            procs.stop_server(server)
            # (b) and (d) across a window's edge: the default budgets on shorter windows.
            server = procs.start_server(redis_proc, ratelimit=True, root=root,
                                        limits=budgets._limits(window))
            res["b_participant"] = budgets.participant(server.url, window, 2.5 * window)
            res["d_padded_joins"] = budgets.padded_joins(server.url, window, 2.5 * window)
            procs.stop_server(server)
            out[name] = res
    finally:
        if old is not None:
            _drop(old)
    return out
