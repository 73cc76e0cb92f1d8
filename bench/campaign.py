"""Campaign day: N marathons × (1 screen + k phones) on P server processes and one Redis.

    python bench/campaign.py                       # 250/6/50, 800/10/100, 1500/10/100
    python bench/campaign.py --sizes 800/10/100 --seconds 30 --out c.json
    python bench/campaign.py --quick               # 20/2/10 for 5 s (CI: the harness runs)

A size is marathons/phones per marathon/actions per second. For each size: a fresh
redis-server (AOF, appendfsync everysec; the example edition "open", as every bench
has it) and P fresh server processes (bench/serve.py, eventlet by default, rate limits
off, LIVE_MAX_HZ=4), all sharing that one Redis. One Node process
(`bench/campaign_client.mjs`) then does what the browsers of a national campaign day do,
imitating the pages' code as it is in this checkout:

- registers the marathons and joins the participants through the API;
- per marathon, one projected screen: a socket on /live watching its marathon, a GET of
  the marathon's API at load, then every 2.5 s (after the previous beat) a GET of
  /healthz, and a GET of the marathon's API on every 4th beat while the screen is live,
  on every beat while it is not (static/js/live.js, screen_common.js, screen.js);
- per marathon, k phones: a socket each watching the marathon's live totals, no polling
  (static/js/log.js); actions posted with the phones' tokens at `rate` per second,
  marathons drawn from a Zipf law (a few big ones), resent with the same client_id after
  a network failure, a 5xx or a 429, as the phone's queue does;
- sockets spread over the P processes in turn; each socket's HTTP goes to its process.

Figures per size (JSON to `--out`, and printed): ack → screen delay p50/p99 (from the
POST's answer to the first snapshot at that marathon's screen socket whose `seq`
includes it; the same for phones), POST latency p50/p99, CPU (% of one core, while the
actions are posted) and RSS per server process (and Redis's and the load client's CPU),
Redis commands per action in all and by command (INFO commandstats before and after the
actions, commands run inside Lua scripts included, divided by the actions
acknowledged), HTTP requests per second by kind, bytes per message (screen and phone),
errors (non-2xx answers, network and socket errors) and the exactness check: every
marathon's total (GET /api/v1/marathons/<id> → snapshot.total) equals what was
acknowledged as counted, once the actions never acknowledged during the run (a timeout,
a 5xx) were sent again with their client_id, as a phone's queue does when the network
comes back (`exact.sent_again_after_the_run` says how many, and how many of those the
server had already counted). `redis.sample` (MONITOR over a few seconds) splits the
commands clients send from those the Lua scripts run inside; `--profile` adds py-spy.

The sockets connect 50 at a time; when the box is so loaded that this takes longer than
`--connect-budget` seconds, the actions start anyway while the rest go on connecting
(`connected_at_start` and `sockets_connected`, those that ever watched, tell).
The load client runs on the same machine as the servers: read `client_loop_lag_ms` and
the load average beside the delays.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from common import ROOT, Processes, node_event
from fanout import cpu_seconds, raise_open_files_limit, rss_mb
from logpath import summarise

from marathon.store.scripts import sources

HERE = Path(__file__).resolve()
NODE_CLIENT = HERE.parent / "campaign_client.mjs"
# Files the load client needs besides its sockets: the phones' HTTP connections (256
# posts in flight, the screens' polls), node's own.
OWN_FILES = 1500
SIZES = "250/6/50,800/10/100,1500/10/100"
GOAL = {"ack_to_screen_p99_ms": 1000, "redis_commands_per_action": 10}


def parse_sizes(text: str) -> list[tuple[int, int, float]]:
    sizes = []
    for part in text.split(","):
        n, k, r = part.strip().split("/")
        sizes.append((int(n), int(k), float(r)))
    return sizes


class Meter:
    """CPU (% of one core) of some processes between two instants, and their RSS."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.cpu0: dict[str, float] = {}
        self.t0 = self.t1 = 0.0
        self.cpu1: dict[str, float] = {}
        self.rss_ready: dict[str, float] = {}

    def _cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def start(self) -> None:
        self.rss_ready = {name: rss_mb(pid) for name, pid in self.pids.items()}
        self.cpu0, self.t0 = self._cpu(), time.monotonic()

    def stop(self) -> None:
        self.cpu1, self.t1 = self._cpu(), time.monotonic()

    def figures(self) -> dict[str, dict[str, float]]:
        span = max(1e-9, self.t1 - self.t0)
        return {name: {"cpu_pct": round(100 * (self.cpu1[name] - self.cpu0[name]) / span, 1),
                       "rss_mb": round(self.rss_ready[name], 1)}
                for name in self.pids}


def commandstats(client: Any) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def redis_per_action(before: dict[str, int], after: dict[str, int], actions: int
                     ) -> dict[str, Any]:
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    delta["info"] = delta.get("info", 0) - 1  # the bench's own INFO
    delta = {k: v for k, v in delta.items() if v > 0}
    total = sum(delta.values())
    per = max(1, actions)
    by_command = {k: round(v / per, 2) for k, v in
                  sorted(delta.items(), key=lambda kv: -kv[1])}
    return {"commands": total, "per_action": round(total / per, 1), "by_command": by_command}


class CommandSample:
    """Who sends Redis its commands, from MONITOR over a few seconds of the actions.

    INFO commandstats counts the commands run inside Lua scripts with the rest; MONITOR
    tells them apart (their client is `lua`). Per log script run (the EVALSHA of
    log.lua, by its SHA1), it gives the commands clients send (round trips: what the
    network, the connection pools and Redis's event loop pay for) and the commands the
    scripts run inside, each by command.
    """

    def __init__(self, client: Any, seconds: float, delay: float) -> None:
        self.client, self.seconds, self.delay = client, seconds, delay
        self.sent: dict[str, int] = {}
        self.inside: dict[str, int] = {}
        self.logs = 0
        self.log_sha = hashlib.sha1(sources()["log"].encode()).hexdigest()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        time.sleep(self.delay)
        with self.client.monitor() as m:
            end = time.monotonic() + self.seconds
            for line in m.listen():
                if time.monotonic() > end:
                    break
                words = line["command"].split(" ", 2)
                name = words[0].strip('"').lower()
                if line.get("client_type") == "lua":
                    self.inside[name] = self.inside.get(name, 0) + 1
                    continue
                self.sent[name] = self.sent.get(name, 0) + 1
                if name == "evalsha" and len(words) > 1 and self.log_sha in words[1]:
                    self.logs += 1

    def figures(self) -> dict[str, Any]:
        self.thread.join(self.delay + self.seconds + 30)
        per = max(1, self.logs)

        def by(d: dict[str, int]) -> dict[str, float]:
            return {k: round(v / per, 2) for k, v in sorted(d.items(), key=lambda kv: -kv[1])}

        return {"seconds": self.seconds, "log_scripts": self.logs,
                "sent_per_action": round(sum(self.sent.values()) / per, 1),
                "inside_scripts_per_action": round(sum(self.inside.values()) / per, 1),
                "sent_by_command": by(self.sent), "inside_by_command": by(self.inside)}


# Where a campaign day's server CPU goes (py-spy, eventlet: the greenlet running when
# sampled); a sample belongs to the first bucket any frame of its stack matches.
CAMPAIGN_BUCKETS = (
    ("broadcaster: read and shape snapshots", ("Broadcaster.build",
                                               "shape_marathon", "shape_edition")),
    ("broadcaster: emit to rooms", ("Broadcaster.tick",)),
    ("message queue: receive and deliver emits", ("pubsub_manager", "kombu_manager",
                                                  "redis_manager")),
    ("socket watch (join a room, first snapshot)", ("on_watch",)),
    ("log POST (actions API)", ("log_action",)),
    ("screens' polls (healthz, marathon API)", ("healthz", "get_marathon")),
    ("Socket.IO connect and websocket I/O", ("engineio/", "socketio/")),
    ("HTTP server (eventlet.wsgi)", ("eventlet/wsgi.py",)),
    ("eventlet hub (idle, waiting on sockets)", ("eventlet/hubs",)),
)


def start_profile(pids: list[int], seconds: float, folder: Path) -> list[tuple[Path, Any]]:
    """py-spy each server process for `seconds` (nothing when py-spy is missing)."""
    exe = ROOT / ".venv" / "bin" / "py-spy"
    if not exe.exists() or seconds <= 0:
        return []
    spies = []
    for pid in pids:
        raw = folder / f"campaign-profile-{pid}.txt"
        spies.append((raw, subprocess.Popen(
            [str(exe), "record", "--pid", str(pid), "--duration", str(int(seconds)),
             "--rate", "50", "--format", "raw", "--output", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    return spies


def finish_profile(spies: list[tuple[Path, Any]], seconds: float) -> dict[str, Any] | None:
    if not spies:
        return None
    out = {}
    for i, (raw, spy) in enumerate(spies):
        try:
            spy.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            spy.kill()
        if raw.exists():
            out[f"server {i + 1}"] = summarise(raw.read_text(), CAMPAIGN_BUCKETS)
    return out


def phones_for_a_helper(marathons: int, phones: int) -> int:
    """How many of each marathon's phones a second load process must hold: one process
    opens at most its open-files limit (the hard limit here, which needs a privilege
    to raise), less what the phones' HTTP and the process itself need."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    room = limit - OWN_FILES if limit != resource.RLIM_INFINITY else sys.maxsize
    over = marathons * (1 + phones) - room
    return 0 if over <= 0 else min(phones, -(-over // marathons))


def one_size(marathons: int, phones: int, rate: float, seconds: float, processes: int,
             mode: str, zipf: float, deflate: bool, transports: list[str],
             connect_budget: float, page: str = "health-pushed", profile: float = 0,
             ) -> dict[str, Any]:
    sockets = marathons * (1 + phones)
    # One file descriptor per socket and per kept-alive HTTP connection: the pool must
    # hold a process's share of them (the default 5,000 is for one process's screens).
    pool = max(5000, sockets // processes + 2000)
    helper_phones = phones_for_a_helper(marathons, phones)
    with Processes() as procs:
        redis_proc = procs.start_redis("redis")
        servers = [procs.start_server(redis_proc, async_mode=mode, LIVE_MAX_HZ="4",
                                      WSGI_MAX_CONNECTIONS=str(pool))
                   for _ in range(processes)]
        client = redis_proc.client()
        plan = procs.folder / "campaign-plan.json"
        plan.write_text(json.dumps({
            "servers": [s.url for s in servers], "marathons": marathons, "phones": phones,
            "rate": rate, "seconds": seconds, "warmup": 3, "settle": 3, "resend_for": 10,
            "connect_budget": connect_budget,
            "zipf": zipf, "deflate": deflate, "transports": transports, "seed": 17,
            "page": page, "helper_phones": helper_phones}))
        # Run from the repository root so that node resolves node_modules/socket.io-client.
        proc = subprocess.Popen(["node", str(NODE_CLIENT), str(plan)], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        pids = {f"server {i + 1}": s.proc.pid for i, s in enumerate(servers)}
        pids |= {"redis": redis_proc.proc.pid, "load client": proc.pid}
        helper = None
        steps: dict[str, Any] = {}
        try:
            steps["setup"] = node_event(proc, "setup")
            if helper_phones:
                helper_plan = procs.folder / "campaign-helper-plan.json"
                helper_plan.write_text(json.dumps({
                    "helper": True, "servers": [s.url for s in servers],
                    "ids": steps["setup"]["ids"], "phones": helper_phones,
                    "connect_budget": connect_budget, "deflate": deflate,
                    "transports": transports, "seed": 18}))
                helper = subprocess.Popen(["node", str(NODE_CLIENT), str(helper_plan)],
                                          cwd=ROOT, stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, text=True)
                pids["load helper"] = helper.pid
            steps["ready"] = node_event(proc, "ready")
            if helper:
                steps["helper ready"] = node_event(helper, "ready")
                steps["ready"]["sockets"] += steps["helper ready"]["sockets"]
                steps["ready"]["connected"] += steps["helper ready"]["connected"]
            meter = Meter(pids)
            print(f"  set up in {steps['setup']['seconds']} s; "
                  f"{steps['ready']['connected']}/{steps['ready']['sockets']} sockets "
                  f"watching after {steps['ready']['connect_seconds']} s", flush=True)
            before = commandstats(client)
            sample = CommandSample(redis_proc.client(), min(8.0, seconds / 2),
                                   min(2.0, seconds / 4))
            sample.start()
            spies = start_profile([s.proc.pid for s in servers], profile, procs.folder)
            meter.start()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            driven = node_event(proc, "driven")
            meter.stop()
            after = commandstats(client)
            profiled = finish_profile(spies, profile)
            node_event(proc, "settled")
            figures = node_event(proc, "result")
            proc.wait(timeout=60)
            if helper:
                helper.stdin.write("stop\n")
                helper.stdin.flush()
                helped = node_event(helper, "result")
                helper.wait(timeout=60)
                for key in ("sockets", "connected_at_start", "sockets_connected"):
                    figures[key] += helped[key]
                figures["helper"] = {"phones_each": helper_phones, "sockets": helped["sockets"],
                                     "errors": helped["errors"]}
        finally:
            for p in (proc, helper):
                if p is not None and p.poll() is None:
                    p.kill()
        rss_end = {name: round(rss_mb(pid), 1) for name, pid in pids.items()
                   if name.startswith("server")}
        memory = client.info("memory")["used_memory"]

    del figures["event"]
    per_process = meter.figures()
    for name, mb in rss_end.items():
        per_process[name]["rss_end_mb"] = mb
    return {
        "load_avg_1min": round(os.getloadavg()[0], 1), "mode": mode, "processes": processes,
        "page": page,
        "zipf": zipf, "wsgi_max_connections": pool, **figures,
        "redis": {**redis_per_action(before, after, driven["acked"]),
                  "used_memory_mb": round(memory / 2**20, 1), "sample": sample.figures()},
        "per_process": per_process,
        "setup_seconds": steps["setup"]["seconds"],
        **({"profile": profiled} if profiled else {}),
    }


def summary(run: dict[str, Any]) -> str:
    s, p, r = run["ack_to_screen_ms"], run["post_ms"], run["redis"]
    top = ", ".join(f"{k} {v}" for k, v in list(r["by_command"].items())[:3])
    procs = "; ".join(f"{k} {v['cpu_pct']} % {v.get('rss_end_mb', v['rss_mb'])} MB"
                      for k, v in run["per_process"].items())
    e = run["errors"]
    bad = (sum(e["post_status"].values()) + e["post_network"]
           + sum(e["healthz_status"].values()) + e["healthz_network"]
           + sum(e["api_status"].values()) + e["api_network"])
    return (f"  ack→screen p50 {s['p50']} / p99 {s['p99']} ms (missed {s['missed']}); "
            f"POST p50 {p['p50']} / p99 {p['p99']} ms; {run['rate_achieved']} actions/s; "
            f"Redis {r['per_action']} cmds/action ({top}); "
            f"{run['bytes_per_msg']['screen']} B/msg; HTTP errors {bad}, socket errors "
            f"{e['connect_error'] + e['disconnects']}; exact "
            f"{'yes' if run['exact']['exact'] else 'NO'}\n  {procs}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=SIZES,
                   help="marathons/phones per marathon/actions per s, comma-separated")
    p.add_argument("--seconds", type=float, default=25, help="seconds of actions per size")
    p.add_argument("--connect-budget", type=float, default=45,
                   help="seconds to wait for the sockets before the actions start anyway "
                        "(an overloaded box connects ever more slowly)")
    p.add_argument("--processes", type=int, default=2, help="server processes")
    p.add_argument("--mode", default="eventlet", choices=("eventlet", "threading", "gevent"),
                   help="ASYNC_MODE of the servers")
    p.add_argument("--zipf", type=float, default=1.0,
                   help="skew of the actions over marathons (Zipf exponent; 0 = even)")
    p.add_argument("--no-deflate", dest="deflate", action="store_false",
                   help="do not offer permessage-deflate (browsers do)")
    p.add_argument("--upgrade", action="store_true",
                   help="start every socket on long-polling and upgrade, as the browser "
                        "client does (default: websocket at once; the steady state is "
                        "the same)")
    p.add_argument("--page", choices=["health-pushed", "live-options", "every-4th"],
                   default="health-pushed",
                   help="the pages' polling: as they are now (no /healthz while the socket "
                        "is heard from), before the `health` event (/healthz every beat), "
                        "or before issue 17 (the screen also reads the API every 4th beat, "
                        "phones watch the screen's room)")
    p.add_argument("--profile", type=float, default=0, metavar="SECONDS",
                   help="py-spy every server process for this long once the actions start")
    p.add_argument("--out", type=Path, help="write the figures here as JSON")
    p.add_argument("--quick", action="store_true", help="20/2/10 for 5 s (< 30 s)")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds = "20/2/10", 5
    transports = ["polling", "websocket"] if args.upgrade else ["websocket"]

    raise_open_files_limit()
    runs = []
    for n, k, rate in parse_sizes(args.sizes):
        print(f"campaign: {n} marathons × (1 screen + {k} phones) = {n * (1 + k)} sockets, "
              f"{rate:g} actions/s for {args.seconds:g} s on {args.processes} "
              f"{args.mode} processes ...", flush=True)
        t0 = time.monotonic()
        try:
            run = one_size(n, k, rate, args.seconds, args.processes, args.mode, args.zipf,
                           args.deflate, transports, args.connect_budget, args.page,
                           args.profile)
        except Exception as exc:  # one size that breaks must not hide the others
            run = {"marathons": n, "phones_each": k, "rate_target": rate, "page": args.page,
                   "error": f"{type(exc).__name__}: {exc}"[-800:]}
            print(f"  failed: {run['error']}", flush=True)
        else:
            print(summary(run), flush=True)
        run["wall_seconds"] = round(time.monotonic() - t0, 1)
        runs.append(run)
    result = {"benchmark": "campaign", "client": "node", "seconds": args.seconds,
              "processes": args.processes, "mode": args.mode, "quick": args.quick,
              "transports": transports, "goal": GOAL, "runs": runs,
              "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
