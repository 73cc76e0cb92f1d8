"""One address cannot hold the server: slow heads time out, connections and websockets
are capped per address, and another address is still served at once.

Each server wsgi.py knows runs in its own process with small limits (a pool of 8, 5
connections and 2 websockets per address, 1.5 s for a request's head), listening on
127.0.0.1. The attacker binds its sockets to 127.0.0.3 and the neighbour to 127.0.0.2:
the server sees two addresses (every 127/8 address is this machine on Linux), neither
of them the one the fixture's start-up checks come from.
"""

from __future__ import annotations

import base64
import os
import select
import socket
import time
from collections.abc import Iterator

import pytest
from support import RedisProcess, ServerProcess

from marathon.connections import client_key

pytestmark = pytest.mark.slow

POOL = 8
PER_ADDRESS = 5
WEBSOCKETS = 2
HEAD_SECONDS = 1.5
ATTACKER = "127.0.0.3"
# Each of the other tests comes from an address of its own: what one test closed at
# its end may not be counted out yet when the next one starts.
TRICKLER, IDLER, KEEPER, SCREENS = "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"
NEIGHBOUR = "127.0.0.2"


@pytest.fixture(scope="module", params=["eventlet", "gevent", "threading"])
def server(request, redis_proc: RedisProcess, tmp_path_factory) -> Iterator[ServerProcess]:
    env = {"WSGI_MAX_CONNECTIONS": str(POOL), "MAX_CONNECTIONS_PER_ADDRESS": str(PER_ADDRESS),
           "MAX_WEBSOCKETS_PER_ADDRESS": str(WEBSOCKETS),
           "HTTP_HEADER_TIMEOUT": str(HEAD_SECONDS), "LIVE_BROADCAST": "0"}
    proc = ServerProcess(redis_proc.url, async_mode=request.param, env=env,
                         instance=tmp_path_factory.mktemp(f"srv-{request.param}")).start()
    yield proc
    proc.stop()


def connect(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10,
                                    source_address=(source, 0))


def healthz_seconds(port: int, source: str = NEIGHBOUR) -> float:
    """Ask /healthz from `source` on a fresh connection; return how long the answer took."""
    t0 = time.monotonic()
    with connect(port, source) as s:
        s.settimeout(5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = s.recv(64)
    assert head.split(b" ")[1] in (b"200", b"503"), head
    return time.monotonic() - t0


def closed_by_server(s: socket.socket, within: float) -> tuple[bool, bytes]:
    """Wait up to `within` s for the server to close `s`; return (closed, what it sent)."""
    s.settimeout(within)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except TimeoutError:
        return False, got
    except ConnectionResetError:
        pass
    return True, got


def closed_among(sockets: list[socket.socket], expected: int, within: float) -> list[bytes]:
    """What the server sent on each of `sockets` it closed: waits until `expected` are
    closed, then `within` s more to see that no other one is."""
    got = {s: b"" for s in sockets}
    closed: set[socket.socket] = set()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        readable, _, _ = select.select([s for s in sockets if s not in closed], [], [],
                                       max(0.0, deadline - time.monotonic()))
        for s in readable:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                chunk = b""
            if chunk:
                got[s] += chunk
            else:
                closed.add(s)
    return [got[s] for s in sockets if s in closed]


def slow_heads(port: int, n: int, source: str = ATTACKER) -> list[socket.socket]:
    """`n` connections that send a request line and one header, and then nothing."""
    out = []
    for _ in range(n):
        s = connect(port, source)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        out.append(s)
    return out


def test_slow_heads_beyond_the_cap_leave_other_addresses_served(server):
    # More than the whole pool, from one address: without a cap they would hold it all.
    held = slow_heads(server.port, POOL + 4)
    try:
        # The server refused what was beyond the address's cap, with a 503 (well
        # before the heads' deadline: that is what the 0.6 s wait below is under).
        refused = closed_among(held, len(held) - PER_ADDRESS, within=0.6)
        assert len(refused) == len(held) - PER_ADDRESS
        assert all(got.startswith(b"HTTP/1.1 503") or not got for got in refused)
        assert any(got.startswith(b"HTTP/1.1 503") for got in refused)
        # Another address is answered at once, again and again, while they are held.
        times = [healthz_seconds(server.port) for _ in range(POOL)]
        assert max(times) < 1, times
    finally:
        for s in held:
            s.close()


def test_a_trickled_head_is_closed_after_the_timeout(server):
    with connect(server.port, TRICKLER) as s:
        t0 = time.monotonic()
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        # One header line every 0.3 s: each read is quick, the head never ends.
        s.settimeout(0.3)
        closed_at = None
        while time.monotonic() - t0 < HEAD_SECONDS + 5:
            try:
                s.sendall(b"X-Slow: 1\r\n")
                if s.recv(4096) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - t0
                break
    assert closed_at is not None, "the server kept a head trickling for 6 s"
    assert HEAD_SECONDS - 0.2 <= closed_at < HEAD_SECONDS + 2, closed_at


def test_an_idle_connection_is_closed_after_the_timeout(server):
    with connect(server.port, IDLER) as s:
        t0 = time.monotonic()
        closed, _ = closed_by_server(s, HEAD_SECONDS + 3)
    assert closed and HEAD_SECONDS - 0.2 <= time.monotonic() - t0 < HEAD_SECONDS + 2


def test_a_kept_alive_connection_serves_requests_within_the_timeout(server):
    """The deadline is per request head: a busy kept-alive connection is never cut."""
    if server.async_mode == "threading":
        pytest.skip("Werkzeug closes every connection after its answer: none is kept alive")
    with connect(server.port, KEEPER) as s:
        s.settimeout(5)
        for _ in range(3):
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(s) in (b"200", b"503")
            time.sleep(HEAD_SECONDS * 0.6)  # idle for less than the deadline, each time


def read_response(s: socket.socket) -> bytes:
    """Read one whole answer (head, then Content-Length bytes); return its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, f"closed after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = s.recv(4096)
        assert chunk, "closed in the body"
        body += chunk
    return head.split(b" ")[1]


def websocket(port: int, source: str, extra: str = "") -> tuple[socket.socket, bytes]:
    """Ask Socket.IO for a websocket from `source`; return the socket and the status."""
    s = connect(port, source)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
    s.settimeout(5)
    head = s.recv(4096)
    return s, head.split(b" ")[1] if head else b""


def test_websockets_are_capped_per_address(server):
    opened = []
    try:
        for _ in range(WEBSOCKETS):
            s, status = websocket(server.port, SCREENS)
            opened.append(s)
            assert status == b"101"
        s, status = websocket(server.port, SCREENS)
        s.close()
        assert status == b"503"
        # With no proxy trusted, a forwarded address is only a header: not another count.
        s, status = websocket(server.port, SCREENS, "X-Forwarded-For: 198.51.100.9\r\n")
        s.close()
        assert status == b"503"
        # Another address has its own count.
        s, status = websocket(server.port, NEIGHBOUR)
        opened.append(s)
        assert status == b"101"
        # A websocket that closes gives its place back.
        opened.pop(0).close()
        deadline = time.monotonic() + 5
        while True:
            s, status = websocket(server.port, SCREENS)
            opened.append(s)
            if status == b"101" or time.monotonic() > deadline:
                break
            opened.pop().close()
            time.sleep(0.1)  # poll while the server notices the close
        assert status == b"101"
    finally:
        for s in opened:
            s.close()


def test_addresses_are_counted_by_host_and_ipv6_ones_by_their_64():
    """An IPv6 host picks its addresses from a whole /64: that is what is counted."""
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"  # IPv4 on a dual-stack socket
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9") == \
        "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
