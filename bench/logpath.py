"""The log path: POST …/actions against the same server's bare JSON POST, with wrk.

Each server gets a fresh marathon with enough participants that the plausibility cap
(actions per participant-hour) never refuses a request; echo and actions runs
alternate on the same server so that both figures see the same machine state.
"""

from __future__ import annotations

import collections
import subprocess
import time
from pathlib import Path
from typing import Any

import redis
from common import TMP, Processes, make_marathon, ratio, wrk, wrk_script

PARTICIPANTS = 300


def _commands(redis_url: str) -> int:
    """Commands Redis has processed: the broadcaster's and the limiter's count too."""
    client = redis.Redis(unix_socket_path=redis_url[len("unix://"):])
    return int(client.info("stats")["total_commands_processed"])


def _pair(server_url: str, redis_url: str, seconds: float, name: str, participants: int
          ) -> dict[str, Any]:
    """Measure echo, actions, echo again; report the actions/echo ratio."""
    m = make_marathon(server_url, participants)
    actions = wrk_script(f"/api/v1/marathons/{m['id']}/actions", m, f"{name}-actions")
    echo = wrk_script("/api/v1/echo", m, f"{name}-echo")
    wrk(server_url, actions, min(seconds, 2))  # warm up: imports, caches, pools
    e1 = wrk(server_url, echo, seconds / 2)
    before = _commands(redis_url)
    a = wrk(server_url, actions, seconds)
    a["redis_commands_per_request"] = round(
        (_commands(redis_url) - before) / max(1, a["requests"]), 2)
    e2 = wrk(server_url, echo, seconds / 2)
    bare = {"rps": round((e1["rps"] + e2["rps"]) / 2, 1),
            "p50_ms": max(e1["p50_ms"] or 0, e2["p50_ms"] or 0),
            "p99_ms": max(e1["p99_ms"] or 0, e2["p99_ms"] or 0),
            "non_2xx": e1["non_2xx"] + e2["non_2xx"]}
    return {"actions": a, "bare": bare, "ratio": ratio(a["rps"], bare["rps"])}


def actions_only(server_url: str, seconds: float, name: str, participants: int
                 ) -> dict[str, Any]:
    m = make_marathon(server_url, participants)
    script = wrk_script(f"/api/v1/marathons/{m['id']}/actions", m, name)
    wrk(server_url, script, min(seconds, 2))
    return wrk(server_url, script, seconds)


# (name, rate limiter on, extra server environment)
LIMITER_SETTINGS = (
    ("limiter_off", False, {}),
    ("limiter_on", True, {}),
    ("limiter_on_no_headers", True, {"RATELIMIT_HEADERS_ENABLED": "0"}),
)


# Which settings each server is measured with. gevent, the newest mode, gets the two
# figures that decide between the modes: the rate limiter off and on.
SETTINGS_BY_MODE = {"eventlet": ("limiter_off", "limiter_on", "limiter_on_no_headers"),
                    "threading": ("limiter_off", "limiter_on", "limiter_on_no_headers"),
                    "gevent": ("limiter_off", "limiter_on")}
# The smoke run checks each kind of figure once, and that each server serves.
QUICK = {("eventlet", "limiter_off"), ("eventlet", "limiter_on"), ("threading", "limiter_off"),
         ("gevent", "limiter_off")}


def measure(procs: Processes, seconds: float, quick: bool) -> dict[str, Any]:
    """Every log-path figure: each async mode, limiter settings, fsync always/everysec."""
    people = 40 if quick else PARTICIPANTS
    redis_proc = procs.start_redis("logpath", aof=True, fsync="everysec")
    url = redis_proc.url
    out: dict[str, Any] = {"seconds": seconds, "connections": 16, "participants": people,
                           "redis": "unix socket, appendonly yes, appendfsync everysec"}
    for mode, settings in SETTINGS_BY_MODE.items():
        fig: dict[str, Any] = {}
        for name, limiter, env in LIMITER_SETTINGS:
            if name not in settings or quick and (mode, name) not in QUICK:
                continue
            server = procs.start_server(redis_proc, async_mode=mode, ratelimit=limiter, **env)
            fig[name] = _pair(server.url, url, seconds, f"{mode}-{name}", people)
            if mode == "eventlet" and name == "limiter_off":
                # Durability: the same server, Redis switched to fsync on every write.
                client = redis_proc.client()
                client.config_set("appendfsync", "always")
                always = actions_only(server.url, seconds, f"{mode}-always", people)
                client.config_set("appendfsync", "everysec")
                fig["fsync_always"] = always
                fig["fsync_always_vs_everysec"] = ratio(always["rps"],
                                                        fig[name]["actions"]["rps"])
            procs.stop_server(server)
        out[mode] = fig
    return out


def profile(procs: Processes, seconds: float, mode: str = "threading") -> dict[str, Any]:
    """Sample the server with py-spy while wrk drives the log path (limiter on).

    Threading mode by default, sampling only the thread holding the GIL: that is where
    the CPU goes per request. Under eventlet py-spy cannot tell green threads apart and
    charges a switched-out greenlet's last frame (a socket send) with the hub's time.
    """
    exe = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy"
    if not exe.exists():
        return {"skipped": "py-spy is not installed (it is in the dev extras)"}
    redis_proc = procs.start_redis("profile", aof=True, fsync="everysec")
    server = procs.start_server(redis_proc, async_mode=mode, ratelimit=True)
    m = make_marathon(server.url, 40)
    script = wrk_script(f"/api/v1/marathons/{m['id']}/actions", m, "profile")
    wrk(server.url, script, 1)
    raw = TMP / "profile.txt"
    spy = subprocess.Popen([str(exe), "record", "--pid", str(server.proc.pid), "--duration",
                            str(int(seconds)), "--rate", "200", "--format", "raw",
                            "--output", str(raw), "--nonblocking", "--subprocesses",
                            *(["--gil"] if mode == "threading" else [])],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    load = wrk(server.url, script, seconds)
    try:
        _, err = spy.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        spy.kill()
        return {"skipped": "py-spy did not finish"}
    procs.stop_server(server)
    if not raw.exists():
        return {"skipped": f"py-spy failed: {err.strip()[-300:]}"}
    return {"mode": mode, "load": load, **summarise(raw.read_text())}


# Where the time of one request goes: a sample belongs to the first bucket (in this
# order) that any frame of its stack matches, so the limiter's own Redis calls count
# as the limiter's, and the server and hub get only what nothing above claimed.
BUCKETS = (
    ("Flask-Limiter (rate-limit check)", ("flask_limiter", "limits/")),
    ("Redis round trip (store.log, Lua)", ("marathon/store/", "redis/")),
    ("validation (domain.action)", ("marathon/domain/",)),
    ("JSON answer (write_answer, jsonify)", ("write_answer", "flask/json")),
    ("Flask-Babel / i18n", ("flask_babel", "babel/", "marathon/web/i18n.py")),
    ("security headers", ("marathon/web/security.py",)),
    ("WSGI server, HTTP parsing", ("eventlet/wsgi.py", "werkzeug/serving.py",
                                   "socketserver.py", "gevent/pywsgi.py")),
    ("werkzeug request/response objects", ("werkzeug/",)),
    ("eventlet hub (idle, waiting on sockets)", ("eventlet/hubs",)),
    ("gevent hub (idle, waiting on sockets)", ("gevent/hub", "gevent/_hub")),
)


def summarise(raw: str, buckets_: tuple[tuple[str, tuple[str, ...]], ...] = BUCKETS,
              ) -> dict[str, Any]:
    """Share of samples per bucket and the top self-time frames, from collapsed stacks."""
    buckets: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        leaves[_short(frames[-1])] += count
        owner = next((name for name, marks in buckets_
                      if any(m in frame for frame in frames for m in marks)), "other")
        buckets[owner] += count
    if not total:
        return {"samples": 0}
    return {"samples": total,
            "buckets": {k: round(100 * v / total, 1) for k, v in buckets.most_common()},
            "top_self": [(k, round(100 * v / total, 1)) for k, v in leaves.most_common(12)]}


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)"
    if frame.startswith("process "):  # py-spy's root frame: a pid and a command line
        return "(no Python frame)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit("/", 1)[-1].split(":")[0]
    return f"{name} ({where})" if where else name
