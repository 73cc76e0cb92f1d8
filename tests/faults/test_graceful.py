"""Graceful shutdown: SIGTERM lets in-flight requests finish, closes live sockets
cleanly, and the process exits; clients carry on with the other process.

Two server processes share one Redis. A phone is half-way through sending an action
(headers sent, body not yet) and a screen is watching over Socket.IO when process A
gets SIGTERM. The action must still be answered 201 by A; the screen must see its
socket close promptly (not after a ping timeout), reconnect to B, and get a snapshot
that includes the action; process A must exit by itself.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import socketio
from faultkit import server_has_read, setup_marathon, signal_taken
from helpers import wait_for
from support import RedisProcess, ServerProcess

from marathon import live

pytestmark = pytest.mark.slow


def _start_slow_post(port: int, path: str, token: str, body: bytes) -> socket.socket:
    """Send the headers and half the body of a POST, then leave it in flight."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    s.sendall(head + body[: len(body) // 2])
    return s


def _finish(s: socket.socket, body: bytes) -> tuple[int, dict]:
    s.sendall(body[len(body) // 2:])
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    return status, json.loads(payload or b"{}")


@pytest.mark.skipif(not hasattr(live, "LiveNamespace"),
                    reason="the /live namespace has no `watch` handler yet")
def test_sigterm_finishes_in_flight_requests_and_screens_move_over(
        redis_proc: RedisProcess, redis_client, tmp_path: Path) -> None:
    a, b = (ServerProcess(redis_proc.url, instance=tmp_path / f"srv{i}").start()
            for i in range(2))
    try:
        mid, host, tokens = setup_marathon(b.url, 1)
        closed = threading.Event()
        snapshots: list[dict] = []
        screen = socketio.Client(reconnection=False)
        screen.on("snapshot", lambda s: snapshots.append(s), namespace="/live")
        screen.on("disconnect", lambda *args: closed.set(), namespace="/live")
        screen.connect(a.url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
        screen.emit("watch", {"marathon": mid}, namespace="/live")
        wait_for(lambda: snapshots, timeout=5, what="a snapshot from process A")

        body = json.dumps({"client_id": str(uuid.uuid4()), "kind": "letter", "count": 3,
                           "written_at": datetime.now(UTC).isoformat()}).encode()
        in_flight = _start_slow_post(a.port, f"/api/v1/marathons/{mid}/actions", tokens[0],
                                     body)
        # In flight: A has accepted the connection and read the headers and half body.
        wait_for(lambda: server_has_read(in_flight, a.port), timeout=5, interval=0.02,
                 what="process A to read the first half of the request")
        term_at = time.monotonic()
        a.proc.send_signal(signal.SIGTERM)
        # A has taken the signal before the rest of the body arrives.
        wait_for(lambda: signal_taken(a.proc.pid, signal.SIGTERM), timeout=5,
                 interval=0.01, what="process A to take its SIGTERM")
        status, answer = _finish(in_flight, body)
        assert status == 201, answer
        assert answer["totals"]["total"] == 3

        # The screen's socket is closed by the server, not left to time out.
        assert closed.wait(8), "the live socket was not closed on SIGTERM"
        closed_after = time.monotonic() - term_at
        code = a.proc.wait(timeout=15)
        exit_after = time.monotonic() - term_at
        assert code in (0, -signal.SIGTERM)
        # New connections to A are refused; the screen reconnects to B.
        with pytest.raises(requests.ConnectionError):
            requests.get(a.url + "/healthz", timeout=2)
        snapshots.clear()
        screen2 = socketio.Client(reconnection=False)
        screen2.on("snapshot", lambda s: snapshots.append(s), namespace="/live")
        screen2.connect(b.url, namespaces=["/live"], transports=["websocket"],
                        wait_timeout=10)
        screen2.emit("watch", {"marathon": mid}, namespace="/live")
        try:
            wait_for(lambda: snapshots, timeout=5, what="a snapshot from process B")
        finally:
            screen2.disconnect()
        assert snapshots and snapshots[-1]["total"] == 3
        print(f"[graceful] in-flight action answered {status}; socket closed after "
              f"{closed_after:.2f} s; process exited after {exit_after:.2f} s")
    finally:
        for s in (a, b):
            s.stop()
