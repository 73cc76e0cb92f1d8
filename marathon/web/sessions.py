"""Server-side sessions: the cookie holds a random id, the session lives in Redis.

What a session may hold: the CSRF secret (Flask-WTF), the marathons this browser may
host (`hosts`: marathon id -> the SHA-256 of its host token, never the token), and the
coordinator logged in. It expires by itself: a host's after SESSION_HOST_DAYS, a
coordinator's after SESSION_COORDINATOR_HOURS, one with neither (a form's CSRF secret)
after SESSION_ANONYMOUS_HOURS. Logging out, a new password or a removed account ends all
of the coordinator's sessions (`store.sessions`): a cookie copied before is dead after.

The session is read from Redis on first use, so requests that never look at it (static
files, the phones' API, /healthz) cost no round trip.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, session
from flask.sessions import SessionInterface, SessionMixin

from .. import domain

SID_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
SID_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits


def _valid_sid(raw: str | None) -> bool:
    return raw is not None and len(raw) == SID_LENGTH and set(raw) <= SID_CHARS


class ServerSession(SessionMixin):
    """One browser's session, loaded from the store when first read or written."""

    def __init__(self, store: Any, sid: str | None) -> None:
        self._store = store
        self.sid = sid  # None: none yet (made when something is written)
        self._data: dict[str, Any] | None = None if sid else {}
        self.modified = False
        self.accessed = False
        self.rotate = False  # give it a new id when saved (a login, a new password)
        self.stale = False  # the cookie named a session that ended or expired

    @property
    def data(self) -> dict[str, Any]:
        self.accessed = True
        if self._data is None:
            loaded = self._store.session(self.sid)
            if loaded is None:
                self.stale, self.sid = True, None
            self._data = loaded or {}
        return self._data

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.sid is None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self.data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def clear(self) -> None:
        self.data.clear()
        self.modified = True


class RedisSessionInterface(SessionInterface):
    """Flask's session, kept by the store (`Store.session`, `save_session`, …)."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        raw = request.cookies.get(self.get_cookie_name(app))
        return ServerSession(app.extensions["store"], raw if _valid_sid(raw) else None)

    def save_session(self, app: Flask, sess: SessionMixin, response: Response) -> None:
        assert isinstance(sess, ServerSession)
        name, domain_, path = (self.get_cookie_name(app), self.get_cookie_domain(app),
                               self.get_cookie_path(app))
        if sess.accessed:
            response.vary.add("Cookie")
        if not sess.modified:
            if sess.stale:
                response.delete_cookie(name, domain=domain_, path=path)
            return
        store = app.extensions["store"]
        data = dict(sess.data)
        old = sess.sid
        if not data:
            if old:
                store.end_session(old)
            response.delete_cookie(name, domain=domain_, path=path)
            return
        ttl = _lifetime(app, data)
        account = data.get("coordinator")
        if old and sess.rotate:
            store.end_session(old)
        if old and not sess.rotate:
            if not store.save_session(old, data, _ms(ttl), new=False, account=account):
                return  # it ended meanwhile (a logout elsewhere): it stays ended
            sid = old
        else:
            sid = secrets.token_urlsafe(32)
            while not store.save_session(sid, data, _ms(ttl), new=True, account=account):
                sid = secrets.token_urlsafe(32)  # 256 bits: never in practice
        sess.sid, sess.rotate = sid, False
        response.set_cookie(
            name, sid, expires=datetime.now(UTC) + ttl, domain=domain_, path=path,
            secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app), partitioned=self.get_cookie_partitioned(app))


def _lifetime(app: Flask, data: dict[str, Any]) -> timedelta:
    cfg = app.config
    if data.get("coordinator"):
        return timedelta(hours=cfg["SESSION_COORDINATOR_HOURS"])
    if data.get("hosts"):
        return timedelta(days=cfg["SESSION_HOST_DAYS"])
    return timedelta(hours=cfg["SESSION_ANONYMOUS_HOURS"])


def _ms(span: timedelta) -> int:
    return int(span.total_seconds() * 1000)


def renew() -> None:
    """Give this browser's session a new id when it is saved (the old cookie then opens
    nothing): after a login, so an id planted before it is worth nothing."""
    sess = session._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(sess, ServerSession)
    sess.rotate = sess.modified = True


def hosted(mid: str) -> str | None:
    """The hash of the host token this session holds for marathon `mid`, if any."""
    value = session.get("hosts", {}).get(mid)
    return domain.TokenHash(value) if value else None


def add_host(mid: str, token: str) -> None:
    """Let this session host marathon `mid`; it keeps the token's hash, not the token."""
    session["hosts"] = {**session.get("hosts", {}), mid: domain.hash_token(token)}


def init_sessions(app: Flask) -> None:
    app.session_interface = RedisSessionInterface()
