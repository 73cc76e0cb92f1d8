"""A load harness for fault tests: phones that retry until acknowledged, and a ledger.

Each writer thread plays one phone: it makes actions with fresh `client_id`s at a
steady pace and sends each one until the server acknowledges it (201 counted, or 200
"already counted"), exactly as the log page's offline queue does. Every attempt is
recorded, so a test can ask what the API answered while something was broken.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
CASES = ["ales-bialiatski", "moses-akatugba", "albert-woodfox", "mahadine"]
KINDS = ["letter", "card", "email", "petition", "post"]


@dataclass
class Attempt:
    started: float  # time.monotonic() when the request was sent
    elapsed: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timeout)
    url: str
    error_code: str | None = None


@dataclass
class Ledger:
    """What the phones sent and what the server acknowledged."""

    acked: dict[str, int] = field(default_factory=dict)  # client_id -> count
    attempts: list[Attempt] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def statuses(self) -> Counter:
        return Counter(a.status for a in self.attempts)

    def during(self, t0: float, t1: float) -> list[Attempt]:
        return [a for a in self.attempts if t0 <= a.started <= t1]

    def first_ack_after(self, t0: float) -> float | None:
        times = [a.started + a.elapsed for a in self.attempts
                 if a.started >= t0 and a.status in (200, 201)]
        return min(times) if times else None


class RoundRobin:
    """The test's own load balancer: each attempt goes to the next server."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = list(urls)
        self._next = itertools.cycle(range(len(self.urls)))
        self._lock = threading.Lock()

    def pick(self) -> str:
        with self._lock:
            return self.urls[next(self._next)]


class Writers:
    """`n` phones posting about `rate` actions per second in all, retrying until acked."""

    def __init__(self, balancer: RoundRobin, mid: str, tokens: list[str], *, rate: float,
                 ledger: Ledger | None = None, counts: tuple[int, ...] = (1, 1, 2, 3)) -> None:
        self.balancer = balancer
        self.mid = mid
        self.tokens = tokens
        self.interval = len(tokens) / rate
        self.ledger = ledger or Ledger()
        self.counts = counts
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i, t), daemon=True)
                        for i, t in enumerate(tokens)]

    def start(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def stop(self, timeout: float = 30) -> Ledger:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout)
            assert not t.is_alive(), "a writer did not get its last action acknowledged"
        return self.ledger

    def _run(self, index: int, token: str) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        n = 0
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            n += 1
            body = {"client_id": str(uuid.uuid4()), "kind": KINDS[n % len(KINDS)],
                    "case_id": CASES[(n + index) % len(CASES)],
                    "count": self.counts[n % len(self.counts)],
                    "written_at": datetime.now(UTC).isoformat()}
            self._send_until_acked(session, headers, body)
            next_at += self.interval
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the load, not waiting for anything
            else:
                next_at = time.monotonic()

    def _send_until_acked(self, session: requests.Session, headers: dict[str, str],
                          body: dict[str, Any]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            url = self.balancer.pick()
            t0 = time.monotonic()
            try:
                r = session.post(f"{url}/api/v1/marathons/{self.mid}/actions", json=body,
                                 headers=headers, timeout=(2, 10))
            except requests.RequestException:
                self.ledger.record(Attempt(t0, time.monotonic() - t0, None, url))
                session = requests.Session()
                time.sleep(0.05)  # retry pause, as the log page's queue has
                continue
            elapsed = time.monotonic() - t0
            code = None
            try:
                code = r.json().get("error", {}).get("code")
            except ValueError:
                self.ledger.unexpected.append(f"{r.status_code} not JSON: {r.text[:200]}")
            self.ledger.record(Attempt(t0, elapsed, r.status_code, url, code))
            if r.status_code in (200, 201):
                with self.ledger.lock:
                    self.ledger.acked[body["client_id"]] = body["count"]
                return
            if r.status_code != 503:
                self.ledger.unexpected.append(f"{r.status_code}: {r.text[:200]}")
            time.sleep(0.05)  # retry pause, as the log page's queue has
        self.ledger.unexpected.append(f"never acknowledged: {body['client_id']}")


def setup_marathon(base: str, phones: int, joined_at: str | None = None,
                   ) -> tuple[str, str, list[str]]:
    """Register a running marathon and join `phones` participants (joined at `joined_at`,
    dated by the host, when their queues hold older actions); return id, host, tokens."""
    from helpers import registration

    r = requests.post(f"{base}/api/v1/marathons", json=registration(goal=None), timeout=10)
    assert r.status_code == 201, r.text
    reg = r.json()
    tokens = []
    for i in range(phones):
        body = {"code": reg["join_code"], "nickname": f"phone{i}"}
        headers = {}
        if joined_at:
            body["joined_at"] = joined_at
            headers = {"Authorization": f"Bearer {reg['host_token']}"}
        j = requests.post(f"{base}/api/v1/join", json=body, headers=headers, timeout=10)
        assert j.status_code == 201, j.text
        tokens.append(j.json()["token"])
    return reg["id"], reg["host_token"], tokens


def logged_entries(base: str, mid: str, host: str) -> list[dict[str, Any]]:
    """Read the whole action log through the host's API, paging newest first."""
    out: list[dict[str, Any]] = []
    before = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if before:
            params["before"] = before
        r = requests.get(f"{base}/api/v1/marathons/{mid}/actions", params=params,
                         headers={"Authorization": f"Bearer {host}"}, timeout=10)
        assert r.status_code == 200, r.text
        page = r.json()
        out += page["actions"]
        if not page["next"]:
            return out
        before = page["next"]


@dataclass
class Verdict:
    acknowledged: int
    lost: int
    doubled: int
    total_acked: int
    total_counted: int
    seq_increasing: bool

    def line(self, name: str) -> str:
        return (f"[{name}] acknowledged={self.acknowledged} lost={self.lost} "
                f"doubled={self.doubled} total acked={self.total_acked} "
                f"counted={self.total_counted}")


def verdict(ledger: Ledger, entries: list[dict[str, Any]], total: int) -> Verdict:
    """Compare what was acknowledged with what the audit log holds."""
    logged = Counter(e["client_id"] for e in entries if e["op"] == "log")
    lost = [cid for cid in ledger.acked if logged[cid] == 0]
    doubled = [cid for cid, n in logged.items() if n > 1]
    seqs = [e["seq"] for e in reversed(entries)]  # oldest first
    return Verdict(
        acknowledged=len(ledger.acked), lost=len(lost) + len(set(logged) - set(ledger.acked)),
        doubled=len(doubled), total_acked=sum(ledger.acked.values()), total_counted=total,
        seq_increasing=all(a < b for a, b in zip(seqs, seqs[1:], strict=False)),
    )


def reconcile_cli(redis_url: str, mid: str, instance: Path) -> subprocess.CompletedProcess:
    """Run `marathon reconcile --check-only` against the given Redis."""
    env = {k: v for k, v in os.environ.items()}
    env.update({"REDIS_URL": redis_url, "MARATHON_INSTANCE_PATH": str(instance),
                "SECRET_KEY": "reconcile", "PYTHONWARNINGS": "ignore"})
    exe = Path(sys.executable).parent / "marathon"
    return subprocess.run([str(exe), "reconcile", mid, "--check-only"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def kill_pidfile(path: Path) -> int:
    """kill -9 the process whose pid a pid file holds; return that pid."""
    pid = int(path.read_text().strip())
    os.kill(pid, signal.SIGKILL)
    return pid


def signal_taken(pid: int, sig: int) -> bool:
    """True once process `pid` has taken signal `sig` sent to it (no longer pending), or
    has gone. Linux: reads the process-wide pending mask in /proc/<pid>/status."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    pending = next(int(line.split()[1], 16) for line in status.splitlines()
                   if line.startswith("ShdPnd:"))
    return not pending & (1 << (sig - 1))


def server_has_read(client: socket.socket, server_port: int) -> bool:
    """True once the server on `server_port` has accepted `client`'s connection and read
    all it was sent so far. Linux: the server's end in /proc/net/tcp has a socket inode
    (none while it waits in the accept queue) and an empty receive queue."""
    client_port = client.getsockname()[1]
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            local, remote = int(f[1].rsplit(":", 1)[1], 16), int(f[2].rsplit(":", 1)[1], 16)
            if local == server_port and remote == client_port:
                rx_queue = int(f[4].split(":")[1], 16)
                return f[9] != "0" and rx_queue == 0
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
