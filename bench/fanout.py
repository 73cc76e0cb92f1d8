"""Fan-out: N Socket.IO clients watch one marathon while actions arrive at a steady rate.

    python bench/fanout.py --clients 500 --rate 200 --seconds 10 --mode eventlet --out f.json
    python bench/fanout.py --clients 500,1000,2000 --mode eventlet,threading --out f.json
    python bench/fanout.py --quick --out f.json     (100 clients, 3 s, eventlet; < 20 s)

For each mode and each N: a private redis-server and a fresh server process (`wsgi.py`,
LIVE_MAX_HZ=4, WSGI_MAX_CONNECTIONS=5000, no rate limits); N python-socketio clients
(websocket transport) spread over helper processes (`--per-worker` each, default 500)
all watch one marathon; a driver posts `--rate` actions a second over HTTP for
`--seconds`, keeping each acknowledgement's time and `seq`.

Figures, per run (written as JSON to `--out`, and printed):

- `delay_ms` p50/p90/p99/max: from an action's HTTP acknowledgement to the first
  snapshot at each client whose `seq` includes it, over every (action, client) pair
  (a snapshot that beat the acknowledgement back counts as 0);
- `missed`: (action, client) pairs never delivered before the end;
- `msgs_per_client_s` and `bytes_per_msg` (the snapshot as the server encodes it);
- `server`: RSS idle and with the sockets open, RSS per 1,000 sockets, CPU (% of one
  core) during the load and per 1,000 sockets (it includes serving the actions).

Every process runs on loopback and stops by itself. Clocks: `time.monotonic()` is one
system-wide clock on Linux, so times from different processes compare.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from common import Processes, make_marathon

HERE = Path(__file__).resolve()
GOAL = {"p99_ms_at_2000": 500, "msgs_per_client_s": 4, "bytes_per_msg": 2048}


# ---------------------------------------------------------------- helper processes


class Watcher:
    """One Socket.IO client on /live, keeping (time, seq) of every snapshot it receives."""

    def __init__(self, url: str, mid: str, measure_bytes: bool) -> None:
        import socketio

        self.url, self.mid = url, mid
        self.got: list[tuple[float, int]] = []
        self.sizes: list[int] = []
        self.first = threading.Event()
        self.measure_bytes = measure_bytes
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("snapshot", self.on_snapshot, namespace="/live")

    def on_snapshot(self, data: dict[str, Any]) -> None:
        self.got.append((time.monotonic(), data["seq"]))
        if self.measure_bytes:
            self.sizes.append(len(json.dumps(data, ensure_ascii=False,
                                              separators=(",", ":")).encode()))
        self.first.set()

    def start(self) -> bool:
        try:
            self.sio.connect(self.url, namespaces=["/live"], transports=["websocket"],
                             wait_timeout=30)
            self.sio.emit("watch", {"marathon": self.mid}, namespace="/live")
            return self.first.wait(30)
        except Exception:  # a refused client is a figure (clients_connected), not a crash
            return False

    def stop(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass


def worker(url: str, mid: str, n: int) -> None:
    """Hold `n` clients: print "ready" when all watch, dump their snapshots after "stop"."""
    threading.stack_size(512 * 1024)  # two threads a client: keep their stacks small
    # Closing hundreds of clients makes Engine.IO log one line each; not a figure.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    watchers = [Watcher(url, mid, measure_bytes=(i == 0)) for i in range(n)]
    with ThreadPoolExecutor(16) as pool:
        ok = sum(pool.map(lambda w: w.start(), watchers))
    print(f"ready {ok}", flush=True)
    sys.stdin.readline()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda w: w.stop(), watchers))
    json.dump({"clients": [w.got for w in watchers if w.got], "connected": ok,
               "sizes": watchers[0].sizes}, sys.stdout)
    sys.stdout.flush()


# ---------------------------------------------------------------- the server's figures


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the driver


def drive(url: str, m: dict[str, Any], rate: float, seconds: float,
          threads: int = 16) -> list[tuple[int, float]]:
    """Post `rate` actions a second for `seconds`; return (seq, ack time) of each 201."""
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    acks: list[tuple[int, float]] = []
    lock = threading.Lock()

    def run(k: int) -> None:
        s = requests.Session()
        for i in range(k, total, threads):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            body = {"client_id": str(uuid.uuid4()), "kind": "letter",
                    "case_id": m["cases"][i % len(m["cases"])], "count": 1,
                    "written_at": datetime.now(UTC).isoformat()}
            try:
                r = s.post(f"{url}/api/v1/marathons/{m['id']}/actions", json=body,
                           headers={"Authorization": f"Bearer {m['tokens'][i % len(m['tokens'])]}"},
                           timeout=10)
            except requests.RequestException:
                continue
            if r.status_code == 201:
                t = time.monotonic()
                with lock:
                    acks.append((r.json()["seq"], t))

    pool = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sorted(acks)


def delays(acks: list[tuple[int, float]], clients: list[list[list[float]]]
           ) -> tuple[list[int], int]:
    """Histogram (1 ms bins) of ack → first snapshot with that seq, and pairs never seen."""
    hist = [0] * 60_001
    missed = 0
    for got in clients:
        i = 0
        for t, seq in got:
            while i < len(acks) and acks[i][0] <= seq:
                ms = min(60_000, max(0, round((t - acks[i][1]) * 1000)))
                hist[ms] += 1
                i += 1
        missed += len(acks) - i
    return hist, missed


def percentile(hist: list[int], q: float) -> float | None:
    count = sum(hist)
    if not count:
        return None
    want, seen = q * count, 0
    for ms, n in enumerate(hist):
        seen += n
        if seen >= want:
            return float(ms)
    return float(len(hist) - 1)


def one_run(mode: str, clients: int, rate: float, seconds: float, per_worker: int
            ) -> dict[str, Any]:
    with Processes() as procs:
        redis_proc = procs.start_redis("redis")
        server = procs.start_server(redis_proc, async_mode=mode, LIVE_MAX_HZ="4",
                                    WSGI_MAX_CONNECTIONS="5000",
                                    MAX_ACTIONS_PER_PARTICIPANT_HOUR="0")
        m = make_marathon(server.url, 20)
        requests.get(server.url + "/healthz", timeout=5)
        pid = server.proc.pid
        rss_idle = rss_mb(pid)

        n_workers = max(1, math.ceil(clients / per_worker))
        shares = [clients // n_workers + (1 if i < clients % n_workers else 0)
                  for i in range(n_workers)]
        connect_start = time.monotonic()
        workers = [subprocess.Popen(
            [sys.executable, str(HERE), "--worker", server.url, m["id"], str(share)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for share in shares]
        try:
            connected = sum(int(w.stdout.readline().split()[1]) for w in workers)
            connect_seconds = time.monotonic() - connect_start
            time.sleep(1.0)  # let the handshakes' garbage settle before measuring
            rss_sockets = rss_mb(pid)

            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            acks = drive(server.url, m, rate, seconds)
            cpu1, t1 = cpu_seconds(pid), time.monotonic()
            time.sleep(1.5)  # the last snapshots
            rss_end = rss_mb(pid)
            outputs = []
            for w in workers:
                w.stdin.write("stop\n")
                w.stdin.flush()
            for w in workers:
                out, _ = w.communicate(timeout=120)
                outputs.append(json.loads(out))
        finally:
            for w in workers:
                if w.poll() is None:
                    w.kill()

    got = [c for o in outputs for c in o["clients"]]
    hist, missed = delays(acks, got)
    in_window = [sum(1 for t, _ in c if t0 <= t <= t1 + 0.3) for c in got]
    sizes = [s for o in outputs for s in o["sizes"]]
    cpu_pct = 100 * (cpu1 - cpu0) / (t1 - t0)
    per_k = 1000 / max(1, connected)
    return {
        # The load average when the run ended: on a shared machine, read the figures
        # against it (client threads starve long before the server does).
        "load_avg_1min": round(os.getloadavg()[0], 1),
        "mode": mode, "clients": clients, "clients_connected": connected,
        "workers": n_workers, "connect_seconds": round(connect_seconds, 1),
        "rate_target": rate, "rate_achieved": round(len(acks) / (t1 - t0), 1),
        "seconds": round(t1 - t0, 2), "actions_acked": len(acks),
        "delay_ms": {"p50": percentile(hist, 0.50), "p90": percentile(hist, 0.90),
                     "p99": percentile(hist, 0.99), "max": percentile(hist, 1.0)},
        "pairs": sum(hist), "missed": missed,
        "msgs_per_client_s": round(sum(in_window) / max(1, len(in_window)) / (t1 - t0 + 0.3),
                                   2),
        "bytes_per_msg": round(sum(sizes) / len(sizes)) if sizes else None,
        "server": {"rss_idle_mb": round(rss_idle, 1), "rss_sockets_mb": round(rss_sockets, 1),
                   "rss_end_mb": round(rss_end, 1),
                   "rss_mb_per_1000_sockets": round((rss_sockets - rss_idle) * per_k, 1),
                   "cpu_pct": round(cpu_pct, 1),
                   "cpu_pct_per_1000_sockets": round(cpu_pct * per_k, 1)},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", default="500", help="comma-separated N, e.g. 500,1000,2000")
    p.add_argument("--rate", type=float, default=200, help="actions per second")
    p.add_argument("--seconds", type=float, default=10, help="seconds of load per run")
    p.add_argument("--mode", default="eventlet", help="eventlet, threading or both (a,b)")
    p.add_argument("--per-worker", type=int, default=500, help="clients per helper process")
    p.add_argument("--out", type=Path, help="write the figures here as JSON")
    p.add_argument("--quick", action="store_true", help="100 clients, 3 s, eventlet (< 20 s)")
    p.add_argument("--worker", nargs=3, metavar=("URL", "MARATHON", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return 0
    if args.quick:
        args.clients, args.seconds, args.mode, args.per_worker = "100", 3, "eventlet", 50

    runs = []
    for mode in args.mode.split(","):
        for n in (int(x) for x in args.clients.split(",")):
            print(f"fan-out: {mode}, {n} clients, {args.rate:g} actions/s, "
                  f"{args.seconds:g} s ...", flush=True)
            run = one_run(mode.strip(), n, args.rate, args.seconds, args.per_worker)
            d, s = run["delay_ms"], run["server"]
            print(f"  p50 {d['p50']} ms, p99 {d['p99']} ms, max {d['max']} ms; "
                  f"{run['msgs_per_client_s']} msg/client/s, {run['bytes_per_msg']} B/msg; "
                  f"{run['clients_connected']}/{n} connected, missed {run['missed']}; "
                  f"server RSS {s['rss_sockets_mb']} MB ({s['rss_mb_per_1000_sockets']} MB "
                  f"per 1,000 sockets), CPU {s['cpu_pct']} %", flush=True)
            runs.append(run)
    result = {"benchmark": "fanout", "rate": args.rate, "seconds": args.seconds,
              "quick": args.quick, "goal": GOAL, "runs": runs,
              "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
