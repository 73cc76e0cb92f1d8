"""Screens' websockets are not compressed by default (a zlib stream per socket is costly)."""

from __future__ import annotations

import base64
import os
import socket

from support import ServerProcess


def _handshake(port: int) -> str:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n")[0].decode(errors="replace")


def test_websocket_upgrade_does_not_negotiate_deflate(redis_proc, redis_client, tmp_path,
                                                     async_mode):
    server = ServerProcess(redis_proc.url, async_mode=async_mode,
                           instance=tmp_path / "srv").start()
    try:
        head = _handshake(server.port)
    finally:
        server.stop()
    assert head.startswith("HTTP/1.1 101"), head
    assert "permessage-deflate" not in head.lower()
