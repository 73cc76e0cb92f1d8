"""Shared plumbing for the benchmarks: private processes, API set-up and wrk.

Everything runs on loopback with processes of our own: redis-server on a private unix
socket (never port 6379) and the app's server on a free port, all stopped when the
`Processes` context ends, even on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import RedisProcess, ServerProcess  # noqa: E402

from marathon.store.keys import EditionKeys  # noqa: E402

TMP = ROOT / "bench" / "results" / "tmp"
KINDS = ("letter", "card", "email", "petition", "post")
# Limits high enough never to refuse a benchmark request, so that with the limiter on
# we measure what its bookkeeping costs, not how fast it says 429.
NO_LIMITS = {"RATELIMIT_ACTIONS": "100000000 per minute",
             "RATELIMIT_ACTIONS_ADDRESS": "100000000 per minute",
             "RATELIMIT_JOIN": "100000000 per minute",
             "RATELIMIT_JOIN_MARATHON": "100000000 per minute",
             "RATELIMIT_REGISTER": "100000000 per minute"}
# Every load client runs on this machine: one address, which the per-address caps would
# refuse beyond a hall's worth. Off, unless a benchmark measures the caps themselves.
NO_ADDRESS_CAPS = {"MAX_CONNECTIONS_PER_ADDRESS": "0", "MAX_WEBSOCKETS_PER_ADDRESS": "0"}


def node_event(proc: subprocess.Popen[str], name: str) -> dict[str, Any]:
    """Read the Node load client's next JSON line and check it is the event `name`."""
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        raise RuntimeError(f"the node client stopped before {name!r} "
                           f"(exit {proc.wait(timeout=10)})")
    message = json.loads(line)
    if message.get("event") != name:
        raise RuntimeError(f"the node client said {line.strip()!r}, not {name!r}")
    return message


class Processes:
    """Start redis-servers and app servers; stop every one of them at the end."""

    def __init__(self) -> None:
        TMP.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="lm-bench-", dir=TMP))
        self.redis: list[RedisProcess] = []
        self.servers: list[ServerProcess] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for s in self.servers:
            s.stop()
        for r in self.redis:
            r.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start_redis(self, name: str, *, aof: bool = True, fsync: str = "everysec"
                    ) -> RedisProcess:
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        proc = RedisProcess(folder, aof=aof).start()
        self.redis.append(proc)
        # The benchmarks measure the full write path: the example edition counts every
        # marathon at once ("open"), so each action also moves the edition's indexes.
        proc.client().hset(EditionKeys("example").policy, "registration", "open")
        if aof:
            proc.client().config_set("appendfsync", fsync)
        return proc

    def start_server(self, redis_proc: RedisProcess, *, async_mode: str = "eventlet",
                     ratelimit: bool = False, limits: dict[str, str] | None = None,
                     root: Path = ROOT, address_caps: bool = False, **env: str
                     ) -> ServerProcess:
        """Serve `root`'s app (this checkout, or an older one) with bench/serve.py;
        `limits` replaces the never-refusing NO_LIMITS ({} keeps the app's defaults);
        `address_caps` keeps the per-address connection caps on."""
        full = {"RATELIMIT_ENABLED": "1" if ratelimit else "0",
                **({} if address_caps else NO_ADDRESS_CAPS),
                **(NO_LIMITS if limits is None else limits), **env}
        server = ServerProcess(redis_proc.url, async_mode=async_mode, env=full,
                               instance=self.folder / f"srv-{len(self.servers)}",
                               entry=root / "bench" / "serve.py")
        self.servers.append(server)
        return server.start()

    def stop_server(self, server: ServerProcess) -> None:
        server.stop()
        self.servers.remove(server)


def registration(hours_ago: float = 1.0, duration: int = 24) -> dict[str, Any]:
    starts = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {"group": {"name": "Bench group", "type": "school", "city": "Lyon",
                      "region": "Auvergne-Rhône-Alpes", "country": "FR"},
            "edition_id": "example", "title": "Bench marathon",
            "starts_at": starts.replace(microsecond=0).isoformat(), "timezone": "UTC",
            "duration_hours": duration, "goal": 1000}


def make_marathon(url: str, participants: int) -> dict[str, Any]:
    """Register a marathon running now and join `participants` phones to it."""
    s = requests.Session()
    r = s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10)
    r.raise_for_status()
    reg = r.json()
    tokens = []
    for i in range(participants):
        j = s.post(f"{url}/api/v1/join", json={"code": reg["join_code"],
                                               "nickname": f"writer {i}"}, timeout=10)
        j.raise_for_status()
        tokens.append(j.json()["token"])
    eds = s.get(f"{url}/api/v1/editions", timeout=10).json()["editions"]
    cases = next(e for e in eds if e["id"] == "example")["cases"]
    return {"id": reg["id"], "code": reg["join_code"], "host_token": reg["host_token"],
            "tokens": tokens, "cases": [c["id"] for c in cases]}


# ---------------------------------------------------------------- wrk

WRK_SCRIPT = r"""
-- Generated by bench/common.py: POST one action per request, each with a unique
-- client_id (run, thread, counter), rotating through the participants' tokens.
local tokens = {%(tokens)s}
local cases = {%(cases)s}
local kinds = {"letter", "card", "email", "petition", "post"}
local path = "%(path)s"
local run = %(run)d
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)  -- a global of that thread's Lua state
end

function init(args)
  -- Every wrk process (a warm-up, then the measured run) gets its own nonce.
  local f = io.open("/dev/urandom", "rb")
  local b1, b2, b3 = f:read(3):byte(1, 3)
  f:close()
  run = (run + b1 * 65536 + b2 * 256 + b3) %% 2147483647
  math.randomseed(run + id * 7919)
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local cid = string.format("%%08x-%%04x-4%%03x-a%%03x-%%012x", run, id,
    math.random(0, 4095), math.random(0, 4095), counter)
  local body = '{"client_id":"' .. cid .. '","kind":"' .. kinds[math.random(1, #kinds)]
    .. '","case_id":"' .. cases[math.random(1, #cases)] .. '","count":1,"written_at":"'
    .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ") .. '"}'
  wrk.headers["Authorization"] = "Bearer " .. tokens[(counter %% #tokens) + 1]
  return wrk.format("POST", path, nil, body)
end
"""


def wrk_script(path: str, marathon: dict[str, Any], name: str) -> Path:
    """Write a wrk Lua script that posts actions (or the same bodies) to `path`."""
    def lua_list(items: list[str]) -> str:
        return ", ".join(f'"{x}"' for x in items)

    text = WRK_SCRIPT % {"tokens": lua_list(marathon["tokens"]),
                         "cases": lua_list(marathon["cases"]), "path": path,
                         "run": random.getrandbits(31)}
    out = TMP / f"{name}.lua"
    out.write_text(text)
    return out


def wrk(url: str, script: Path, seconds: float, connections: int = 16,
        threads: int = 2) -> dict[str, Any]:
    """Run wrk and return requests/s, p50/p99 latency (ms) and the error counts."""
    exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    cmd = [exe, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    return parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def latency(key: str) -> float | None:
        raw = lat.get(key)
        if raw is None:
            return None
        m = re.match(r"([\d.]+)(us|ms|s|m)$", raw)
        return round(_ms(m.group(1), m.group(2)), 2) if m else None

    if rps is None:
        raise RuntimeError("wrk printed no figures:\n" + out)
    return {"rps": round(float(rps.group(1)), 1), "p50_ms": latency("50"),
            "p99_ms": latency("99"), "requests": int(total.group(1)) if total else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


@contextmanager
def env_var(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 3)
