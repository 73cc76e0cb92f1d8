"""Slow heads from one address: is /healthz from another address still answered?

The attack an outside probe made (issue 28): 5,200 connections from one address, each
sending a request line and then one header line every 10 s, more than the whole pool
(WSGI_MAX_CONNECTIONS, 5,000). With the default settings the server refuses what is
beyond the address's cap and closes the rest once their head has taken
HTTP_HEADER_TIMEOUT; meanwhile a neighbour on another address asks /healthz every
0.25 s. The same attack on a server with the caps and the timeout off shows what they
are for. The attacker binds its sockets to 127.0.0.3 and the neighbour to 127.0.0.2:
the server, on 127.0.0.1, sees two addresses.

    python bench/slowloris.py [--quick]     (bench/run runs it as the "slowloris" step)
"""

from __future__ import annotations

import argparse
import json
import resource
import selectors
import socket
import statistics
import threading
import time
from typing import Any

from common import Processes

ATTACKER = "127.0.0.3"
NEIGHBOUR = "127.0.0.2"
TRICKLE_SECONDS = 10  # one header line per connection this often, as the probe did
OFF = {"MAX_CONNECTIONS_PER_ADDRESS": "0", "HTTP_HEADER_TIMEOUT": "0"}


def _raise_fd_limit(need: int) -> int:
    """Lift this process's (and so its servers') open-file limit to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        soft = hard if hard == resource.RLIM_INFINITY else min(hard, max(need, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def _healthz(port: int) -> float | None:
    """One /healthz from the neighbour on a fresh connection: seconds, None if none in 5 s."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5,
                                      source_address=(NEIGHBOUR, 0)) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not s.recv(64).startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return time.monotonic() - t0


def attack(port: int, connections: int, hold: float) -> dict[str, Any]:
    """Open `connections` slow heads from the attacker, hold them `hold` s, probe."""
    probes: list[float | None] = []
    stop = threading.Event()

    def neighbour() -> None:
        while not stop.is_set():
            probes.append(_healthz(port))
            stop.wait(0.25)  # the neighbour's pace, not a wait for anything

    sel = selectors.DefaultSelector()
    opened_at: dict[socket.socket, float] = {}
    closed: dict[socket.socket, tuple[float, bytes]] = {}
    failed = 0
    prober = threading.Thread(target=neighbour, daemon=True)
    t0 = time.monotonic()
    prober.start()
    for _ in range(connections):
        s = socket.socket()
        s.settimeout(10)
        try:
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            failed += 1
            s.close()
            continue
        s.setblocking(False)
        opened_at[s] = time.monotonic()
        sel.register(s, selectors.EVENT_READ)
    opened_s = time.monotonic() - t0
    next_trickle = time.monotonic() + TRICKLE_SECONDS
    end = time.monotonic() + hold  # held `hold` s once all are open (slow under threads)
    while (now := time.monotonic()) < end:
        for key, _ in sel.select(timeout=min(0.5, end - now)):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            closed[s] = (time.monotonic() - opened_at[s], data[:12])
            sel.unregister(s)
        if time.monotonic() >= next_trickle:
            next_trickle += TRICKLE_SECONDS
            for s in opened_at:
                if s not in closed:
                    try:
                        s.send(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
    stop.set()
    prober.join(10)
    for s in opened_at:
        s.close()
    sel.close()

    refused = [t for t, head in closed.values() if head.startswith(b"HTTP/1.1 503")]
    timed_out = sorted(t for t, head in closed.values() if not head.startswith(b"HTTP/1.1 503"))
    answered = [p for p in probes if p is not None]
    return {
        "connections": connections, "connect_failed": failed,
        "opened_in_s": round(opened_s, 1), "held_s": hold,
        "refused_503": len(refused),
        "closed_by_server_later": len(timed_out),
        "closed_after_s_median": round(statistics.median(timed_out), 1) if timed_out else None,
        "still_open_at_end": len(opened_at) - len(closed),
        "healthz_probes": len(probes), "healthz_unanswered_5s": len(probes) - len(answered),
        "healthz_p50_ms": round(statistics.median(answered) * 1000, 1) if answered else None,
        "healthz_max_ms": round(max(answered) * 1000, 1) if answered else None,
        "healthz_all_under_1s": bool(probes) and len(answered) == len(probes)
        and max(answered) < 1,
    }


def measure(procs: Processes, quick: bool) -> dict[str, Any]:
    connections = 300 if quick else 5200
    hold = 2 if quick else 30  # longer than HTTP_HEADER_TIMEOUT (20 s): the drop shows
    limit = _raise_fd_limit(connections + 1000)
    out: dict[str, Any] = {"open_files_limit": limit, "attacker": ATTACKER,
                           "neighbour": NEIGHBOUR, "runs": {}}
    if limit < connections + 200:
        return {**out, "skipped": f"ulimit -n is {limit}: {connections} sockets need more"}
    plans = [("eventlet", "defaults")] if quick else [
        ("eventlet", "defaults"), ("gevent", "defaults"), ("threading", "defaults"),
        ("eventlet", "caps and timeout off")]
    redis_proc = procs.start_redis("slowloris", aof=False)
    for mode, setting in plans:
        env = OFF if setting != "defaults" else {}
        server = procs.start_server(redis_proc, async_mode=mode, address_caps=True, **env)
        try:
            out["runs"][f"{mode}, {setting}"] = attack(server.port, connections, hold)
        finally:
            procs.stop_server(server)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with Processes() as procs:
        print(json.dumps(measure(procs, args.quick), indent=2))
