"""Run every benchmark and write bench/results/latest.json and latest.md.

    python bench/harness.py            # the full run, about 16 minutes on 2 cores
    python bench/harness.py --quick    # a smoke run for CI: checks the harness runs

Figures are meant to be read as ratios against a baseline measured in the same run;
absolute numbers depend on the machine (and on whatever else it is doing).
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common
import coordinator
import hostile
import inflation
import logpath
import pages
import redis_bench
import report
import requests
import slowloris
from common import ROOT, TMP, Processes

RESULTS = ROOT / "bench" / "results"


def _step(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> None:
    """Run one benchmark; a failure is recorded, and the others still run."""
    t0 = time.monotonic()
    print(f"-- {name}", flush=True)
    try:
        results[name] = fn()
    except Exception as exc:  # one broken benchmark must not hide the others
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    results.setdefault("timings_s", {})[name] = round(time.monotonic() - t0, 1)
    if callable(results.get("on_step")):
        results["on_step"]()


def phone_page(procs: Processes) -> dict[str, Any]:
    redis_proc = procs.start_redis("pages", aof=False)
    server = procs.start_server(redis_proc)
    m = common.make_marathon(server.url, 1)
    s = requests.Session()
    # The phone's page after joining: the join form sets the phone's session.
    r = s.post(f"{server.url}/api/v1/join", json={"code": m["code"], "nickname": "Zoë"},
               timeout=10)
    r.raise_for_status()
    out = pages.page_weight(server.url, f"/m/{m['id']}/log", s)
    out["goal_bytes"] = 100 * 1024
    procs.stop_server(server)
    return out


def fanout(quick: bool) -> dict[str, Any]:
    script = ROOT / "bench" / "fanout.py"
    if not script.exists():
        return {"skipped": "bench/fanout.py is not there yet (the live issue writes it)"}
    out = TMP / "fanout.json"
    runs: dict[str, Any] = {}
    plans = [("eventlet", 0)] if quick else [("eventlet", n) for n in (500, 1000, 2000)] + [
        ("gevent", 1000), ("threading", 1000)]
    for mode, clients in plans:
        args = [sys.executable, str(script), "--mode", mode, "--out", str(out)]
        args += ["--quick"] if quick else ["--clients", str(clients), "--rate", "200",
                                          "--seconds", "20"]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
        key = f"{mode}-{clients or 'quick'}"
        if done.returncode != 0 or not out.exists():
            runs[key] = {"error": (done.stderr or done.stdout)[-800:]}
            continue
        runs[key] = json.loads(out.read_text())
        out.unlink()
    return runs


# The pages as they are now (bench/campaign.py --page).
PAGE = "health-pushed"


def campaign(quick: bool) -> dict[str, Any]:
    """Many marathons on two processes and one Redis (bench/campaign.py), one size a run."""
    script = ROOT / "bench" / "campaign.py"
    out = TMP / "campaign.json"
    runs: dict[str, Any] = {}
    # Each size starts its own Redis and servers; ~10 minutes for the eight in a full run
    # (the largest spend up to 45 s connecting their sockets, then post anyway). The three
    # servers side by side at 250 marathons, eventlet and gevent at the goal's size (800),
    # gevent again with the screens polling /healthz every beat as they did before the
    # `health` event (the ratio of one run), then the largest this box drives and the
    # moonshot (2,000), profiled with py-spy.
    plans = [("20/2/10", 5, "eventlet", 0, PAGE)] if quick else [
        ("250/6/50", 25, "eventlet", 0, PAGE), ("250/6/50", 25, "gevent", 0, PAGE),
        ("250/6/50", 25, "threading", 0, PAGE),
        ("800/10/100", 25, "eventlet", 10, PAGE), ("800/10/100", 25, "gevent", 0, PAGE),
        ("800/10/100", 25, "gevent", 0, "live-options"),
        ("1500/10/100", 25, "eventlet", 0, PAGE), ("2000/10/100", 25, "eventlet", 10, PAGE)]
    for size, seconds, mode, profile, page in plans:
        key = size if mode == "eventlet" else f"{size} {mode}"
        key += "" if page == PAGE else f" {page}"
        args = [sys.executable, str(script), "--sizes", size, "--seconds", str(seconds),
                "--mode", mode, "--profile", str(profile), "--page", page, "--out", str(out)]
        try:
            done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                                  timeout=60 if quick else 300)
        except subprocess.TimeoutExpired as exc:
            runs[key] = {"error": f"timed out after {exc.timeout} s"}
            continue
        if not out.exists():
            runs[key] = {"error": (done.stderr or done.stdout)[-800:]}
            continue
        runs[key] = json.loads(out.read_text())["runs"][0]
        out.unlink()
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run for CI (< 60 s)")
    parser.add_argument("--only", default="", help="comma-separated steps to run again "
                        "(e.g. inflation,campaign); the other steps' figures are kept "
                        "from the last run, and the results say which steps ran when")
    args = parser.parse_args(argv)
    quick = args.quick
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    started = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    results: dict[str, Any] = {
        "when": now,
        "quick": quick,
        "machine": {"cpus": _cpus(), "python": platform.python_version(),
                    "system": platform.system(), "load_average_at_start": _load()},
    }
    # `timeout` (bench/run) sends SIGTERM: exit normally so every process is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    folder = TMP if quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    name = "quick" if quick else "latest"
    if only:
        earlier = json.loads((folder / f"{name}.json").read_text())
        steps_when = earlier.get("steps_when") or {}
        results = {**earlier, "machine": results["machine"], "steps_when": {
            **steps_when, **dict.fromkeys(only, now)}, "when_partial": now}

    def step(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> None:
        if not only or name in only:
            _step(results, name, fn)

    def save() -> None:
        """Write what we have after every step: a run cut short still leaves figures."""
        results["total_seconds"] = round(time.monotonic() - started, 1)
        data = {k: v for k, v in results.items() if k != "on_step"}
        (folder / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
        (folder / f"{name}.md").write_text(report.markdown(data))

    results["on_step"] = save
    with Processes() as procs:
        step(results, "log_path", lambda: logpath.measure(procs, 1 if quick else 8, quick))
        step(results, "redis_ceiling", lambda: redis_bench.ceiling(procs, 0.2 if quick else 3))
        step(results, "memory", lambda: redis_bench.memory(
            procs, 20_000 if quick else 1_000_000, 20 if quick else 1000, 20))
        step(results, "phone_page", lambda: phone_page(procs))
        step(results, "compare", lambda: coordinator.measure(
            procs, 200 if quick else 5000, 4_000 if quick else 100_000, 2 if quick else 5))
        step(results, "profile", lambda: logpath.profile(procs, 2 if quick else 8))
        step(results, "inflation", lambda: inflation.measure(
            procs, 3 if quick else 30, before=not quick, window=4 if quick else 20))
        step(results, "hostile_bodies", lambda: hostile.measure(
            procs, 10 if quick else 200, before=not quick))
        step(results, "slowloris", lambda: slowloris.measure(procs, quick))
    step(results, "fanout", lambda: fanout(quick))
    step(results, "campaign", lambda: campaign(quick))
    results.pop("on_step")
    results["machine"]["load_average_at_end"] = _load()
    save()
    print(report.headline(results))
    print(f"wrote {folder / name}.json and .md in {results['total_seconds']} s")
    failed = [k for k, v in results.items() if isinstance(v, dict) and "error" in v]
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _load() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


if __name__ == "__main__":
    sys.exit(main())
