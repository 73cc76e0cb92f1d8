"""Fan-out: N Socket.IO clients watch one marathon while actions arrive at a steady rate.

    python bench/fanout.py --clients 500 --rate 200 --seconds 10 --mode eventlet --out f.json
    python bench/fanout.py --clients 500,1000,2000 --mode eventlet,gevent,threading --out f.json
    python bench/fanout.py --quick --out f.json     (100 clients, 3 s, eventlet; < 20 s)
    python bench/fanout.py --client python ...      (the python-socketio clients)

For each mode and each N: a private redis-server and a fresh server process (`wsgi.py`,
LIVE_MAX_HZ=4, WSGI_MAX_CONNECTIONS=5000, no rate limits); N clients (websocket
transport) all watch one marathon while `--rate` actions a second are posted over HTTP
for `--seconds`, keeping each acknowledgement's time and `seq`. Two load clients:

- `--client node` (the default when `node` and node_modules/socket.io-client are there):
  one Node process, `bench/fanout_client.mjs`, holds every socket and posts the actions;
  an event loop costs so little per socket that the figures are the server's. Like a
  browser it offers permessage-deflate, so the server keeps a zlib stream per socket
  (`--no-deflate` to compare with the python client, which never offers it).
- `--client python`: python-socketio clients spread over helper processes
  (`--per-worker` each, default 500) and a driver with 16 threads. Two threads a
  client: on 2 cores they starve first (at 2,000 clients, 0.2 msg/s received and a
  13 s p99 while the server used a quarter of a core).

Figures, per run (written as JSON to `--out`, and printed):

- `delay_ms` p50/p90/p99/max: from an action's HTTP acknowledgement to the first
  snapshot at each client whose `seq` includes it, over every (action, client) pair
  (a snapshot that beat the acknowledgement back counts as 0);
- `missed`: (action, client) pairs never delivered before the end;
- `msgs_per_client_s` and `bytes_per_msg` (the snapshot as the server encodes it);
- `server`: RSS idle and with the sockets open, RSS per 1,000 sockets, CPU (% of one
  core) during the load and per 1,000 sockets (it includes serving the actions).

Each run says which `client` produced it. Every process runs on loopback and stops by
itself. Clocks: `time.monotonic()` is one system-wide clock on Linux, so times from
different processes compare; the Node client times acknowledgements and snapshots on its
own clock, in one process.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import shutil
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
from common import ROOT, Processes, make_marathon, node_event

from config import ASYNC_MODES

HERE = Path(__file__).resolve()
NODE_CLIENT = HERE.parent / "fanout_client.mjs"
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


class ServerMeter:
    """The server's memory idle and with the sockets open, and its CPU during the load."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.rss_idle = rss_mb(pid)
        self.rss_sockets = self.rss_idle
        self.cpu0 = self.cpu1 = self.t0 = self.t1 = 0.0

    def ready(self) -> None:
        """Every client watches: read the memory, then start the CPU clock."""
        time.sleep(1.0)  # let the handshakes' garbage settle before measuring
        self.rss_sockets = rss_mb(self.pid)
        self.cpu0, self.t0 = cpu_seconds(self.pid), time.monotonic()

    def driven(self) -> None:
        """The last action was answered: stop the CPU clock."""
        self.cpu1, self.t1 = cpu_seconds(self.pid), time.monotonic()

    def cpu_pct(self) -> float:
        return 100 * (self.cpu1 - self.cpu0) / max(1e-9, self.t1 - self.t0)


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


def python_clients(server_url: str, m: dict[str, Any], clients: int, rate: float,
                   seconds: float, per_worker: int, meter: ServerMeter) -> dict[str, Any]:
    """Hold the clients in python-socketio helper processes; post from threads here."""
    n_workers = max(1, math.ceil(clients / per_worker))
    shares = [clients // n_workers + (1 if i < clients % n_workers else 0)
              for i in range(n_workers)]
    connect_start = time.monotonic()
    workers = [subprocess.Popen(
        [sys.executable, str(HERE), "--worker", server_url, m["id"], str(share)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for share in shares]
    try:
        connected = sum(int(w.stdout.readline().split()[1]) for w in workers)
        connect_seconds = time.monotonic() - connect_start
        meter.ready()
        t0 = time.monotonic()
        acks = drive(server_url, m, rate, seconds)
        t1 = time.monotonic()
        meter.driven()
        time.sleep(1.5)  # the last snapshots
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
    figures = {
        "client": "python", "clients": clients, "clients_connected": connected,
        "workers": n_workers, "connect_seconds": round(connect_seconds, 1),
        "rate_target": rate, "rate_achieved": round(len(acks) / (t1 - t0), 1),
        "seconds": round(t1 - t0, 2), "actions_acked": len(acks),
        "delay_ms": {"p50": percentile(hist, 0.50), "p90": percentile(hist, 0.90),
                     "p99": percentile(hist, 0.99), "max": percentile(hist, 1.0)},
        "pairs": sum(hist), "missed": missed,
        "msgs_per_client_s": round(sum(in_window) / max(1, len(in_window)) / (t1 - t0 + 0.3),
                                   2),
        "bytes_per_msg": round(sum(sizes) / len(sizes)) if sizes else None,
    }
    return figures


def node_clients(server_url: str, m: dict[str, Any], clients: int, rate: float,
                 seconds: float, folder: Path, meter: ServerMeter, deflate: bool = True
                 ) -> dict[str, Any]:
    """Hold the clients and post the actions from one Node process (bench/fanout_client.mjs).

    It times the delays itself, on its own clock; only the server's figures are read here.
    """
    plan = folder / "fanout-plan.json"
    plan.write_text(json.dumps({"url": server_url, "marathon": m["id"], "tokens": m["tokens"],
                                "cases": m["cases"], "clients": clients, "rate": rate,
                                "seconds": seconds, "settle": 1.5, "deflate": deflate}))
    # Run from the repository root so that node resolves node_modules/socket.io-client.
    proc = subprocess.Popen(["node", str(NODE_CLIENT), str(plan), "--handshake"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        node_event(proc, "ready")
        meter.ready()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        node_event(proc, "driven")
        meter.driven()
        figures = node_event(proc, "result")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    del figures["event"]
    figures["workers"] = 1
    return figures


def one_run(mode: str, clients: int, rate: float, seconds: float, per_worker: int,
            client: str = "python", deflate: bool = True) -> dict[str, Any]:
    with Processes() as procs:
        redis_proc = procs.start_redis("redis")
        server = procs.start_server(redis_proc, async_mode=mode, LIVE_MAX_HZ="4",
                                    WSGI_MAX_CONNECTIONS="5000",
                                    MAX_ACTIONS_PER_PARTICIPANT_HOUR="0")
        m = make_marathon(server.url, 20)
        requests.get(server.url + "/healthz", timeout=5)
        meter = ServerMeter(server.proc.pid)
        if client == "node":
            figures = node_clients(server.url, m, clients, rate, seconds, procs.folder, meter,
                                   deflate)
        else:
            figures = python_clients(server.url, m, clients, rate, seconds, per_worker, meter)
        rss_end = rss_mb(meter.pid)

    connected = figures["clients_connected"]
    cpu_pct = meter.cpu_pct()
    per_k = 1000 / max(1, connected)
    return {
        # The load average when the run ended: on a shared machine, read the figures
        # against it (client threads starve long before the server does).
        "load_avg_1min": round(os.getloadavg()[0], 1),
        "mode": mode, **figures,
        "server": {"rss_idle_mb": round(meter.rss_idle, 1),
                   "rss_sockets_mb": round(meter.rss_sockets, 1),
                   "rss_end_mb": round(rss_end, 1),
                   "rss_mb_per_1000_sockets": round((meter.rss_sockets - meter.rss_idle) * per_k,
                                                    1),
                   "cpu_pct": round(cpu_pct, 1),
                   "cpu_pct_per_1000_sockets": round(cpu_pct * per_k, 1)},
    }


def default_client() -> str:
    """Node when it and its socket.io-client are installed: the lighter load client."""
    if shutil.which("node") and (ROOT / "node_modules" / "socket.io-client").is_dir():
        return "node"
    return "python"


# The campaign's largest size: 22,000 sockets in the one load client, each also open
# in a server, plus the phones' HTTP connections.
OPEN_FILES_WANTED = 65536


def raise_open_files_limit() -> None:
    """One socket a client, both ends on this machine: lift the soft limit to the hard
    one, and the hard one to OPEN_FILES_WANTED where this user may (root may)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < OPEN_FILES_WANTED:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES_WANTED, OPEN_FILES_WANTED))
            return
        except (ValueError, OSError):  # raising the hard limit needs the privilege
            pass
    want = hard if hard != resource.RLIM_INFINITY else OPEN_FILES_WANTED
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", default="500", help="comma-separated N, e.g. 500,1000,2000")
    p.add_argument("--rate", type=float, default=200, help="actions per second")
    p.add_argument("--seconds", type=float, default=10, help="seconds of load per run")
    p.add_argument("--mode", default="eventlet",
                   help=f"{', '.join(ASYNC_MODES)}, or several (a,b)")
    p.add_argument("--client", choices=("node", "python"), default=default_client(),
                   help="load client (default: node when node and its socket.io-client "
                        "are installed, else python)")
    p.add_argument("--no-deflate", dest="deflate", action="store_false",
                   help="node client: do not offer permessage-deflate (browsers do)")
    p.add_argument("--per-worker", type=int, default=500,
                   help="clients per helper process (python client)")
    p.add_argument("--out", type=Path, help="write the figures here as JSON")
    p.add_argument("--quick", action="store_true", help="100 clients, 3 s, eventlet (< 20 s)")
    p.add_argument("--worker", nargs=3, metavar=("URL", "MARATHON", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return 0
    if args.quick:
        args.clients, args.seconds, args.mode, args.per_worker = "100", 3, "eventlet", 50

    modes = [m.strip() for m in args.mode.split(",")]
    if unknown := [m for m in modes if m not in ASYNC_MODES]:
        p.error(f"--mode: {', '.join(unknown)} is not one of {', '.join(ASYNC_MODES)}")

    raise_open_files_limit()
    runs = []
    for mode in modes:
        for n in (int(x) for x in args.clients.split(",")):
            print(f"fan-out: {mode}, {n} {args.client} clients, {args.rate:g} actions/s, "
                  f"{args.seconds:g} s ...", flush=True)
            run = one_run(mode, n, args.rate, args.seconds, args.per_worker,
                          args.client, args.deflate)
            d, s = run["delay_ms"], run["server"]
            print(f"  p50 {d['p50']} ms, p99 {d['p99']} ms, max {d['max']} ms; "
                  f"{run['msgs_per_client_s']} msg/client/s, {run['bytes_per_msg']} B/msg; "
                  f"{run['clients_connected']}/{n} connected, missed {run['missed']}; "
                  f"server RSS {s['rss_sockets_mb']} MB ({s['rss_mb_per_1000_sockets']} MB "
                  f"per 1,000 sockets), CPU {s['cpu_pct']} %", flush=True)
            runs.append(run)
    result = {"benchmark": "fanout", "client": args.client, "rate": args.rate,
              "seconds": args.seconds, "quick": args.quick, "goal": GOAL, "runs": runs,
              "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
