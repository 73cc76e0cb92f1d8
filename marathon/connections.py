"""How many connections and websockets one client address may hold open at once.

A laptop in a hall has no nginx in front: the server itself must keep one address from
taking every connection it has. wsgi.py counts each accepted connection here, under each
of its three servers, and wraps the app so that websockets are counted too. Nothing here
knows a server; the counts live in the process (one server process, one set of counts).

A school hall's phones share ONE address behind its NAT, so the caps are per address but
generous (config.py says why); what they stop is one machine holding thousands.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterable
from typing import Any

# What a connection beyond its address's cap gets before it is closed, unread: the
# phone's retry (the log page's queue, Socket.IO's reconnection) comes back later.
REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n"
           b"Content-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
           b"Too many connections from this address.\n")


def client_key(address: str) -> str:
    """The address a cap counts: an IPv4 address, or the /64 an IPv6 one belongs to.

    One IPv6 host is handed a whole /64 to pick addresses from, so counting its single
    addresses would count nothing; an IPv4 client on a dual-stack socket arrives as
    `::ffff:a.b.c.d` and is counted as a.b.c.d.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address  # a unix socket's peer, or nothing: one key for all of them
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class AddressCounter:
    """Open things per address, refused beyond `cap` (0 or less: never refused)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: dict[str, int] = {}
        # Held for a dictionary update only: a real lock under Werkzeug's threads, a
        # green one under eventlet or gevent once they have patched `threading`.
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        """Count one more for `key`, or say False (and count nothing) if it is full."""
        with self._lock:
            held = self._open.get(key, 0)
            if 0 < self.cap <= held:
                return False
            self._open[key] = held + 1
            return True

    def give(self, key: str) -> None:
        """Count one fewer for `key` (each successful `take` gives back exactly once)."""
        with self._lock:
            held = self._open.get(key, 0) - 1
            if held > 0:
                self._open[key] = held
            else:
                self._open.pop(key, None)

    def held(self, key: str) -> int:
        return self._open.get(key, 0)


def forwarded_for(environ: dict[str, Any], proxies: int) -> str:
    """The client's address: the peer's, or behind `proxies` proxies the one they saw.

    The same choice as Werkzeug's ProxyFix (create_app applies it to the pages, but the
    Socket.IO middleware sits in front of it): the `proxies`-th address from the right
    of X-Forwarded-For, as the nearest trusted proxy wrote it.
    """
    peer = environ.get("REMOTE_ADDR") or ""
    if proxies <= 0:
        return peer
    chain = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    return chain[-proxies] if len(chain) >= proxies and chain[-proxies] else peer


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def websocket_cap(app: WSGIApp, cap: int, proxies: int = 0) -> WSGIApp:
    """Wrap `app` so that one address holds at most `cap` websockets at once.

    Every server this app runs on keeps a websocket inside the WSGI call that upgraded
    it (eventlet's and simple-websocket's handlers loop there until it closes), so the
    count is taken before the call and given back when it returns. Beyond the cap the
    upgrade is answered 503 before anything is allocated for it; Socket.IO's client
    retries later (or keeps long-polling, which the connection cap bounds).
    """
    if cap <= 0:
        return app
    counter = AddressCounter(cap)

    def capped(environ: dict[str, Any], start_response: Callable[..., Any]
               ) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return app(environ, start_response)
        key = client_key(forwarded_for(environ, proxies))
        if not counter.take(key):
            body = b"Too many websockets from this address.\n"
            start_response("503 Service Unavailable", [
                ("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                ("Retry-After", "5"), ("Connection", "close")])
            return [body]
        try:
            return app(environ, start_response)
        finally:
            counter.give(key)

    capped.websockets = counter  # type: ignore[attr-defined]
    return capped
