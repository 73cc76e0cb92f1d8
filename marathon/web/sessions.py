"""Server-side sessions: the cookie holds a random id, the session lives in Redis.

What a session holds: the marathons this browser may host (`hosts`: marathon id -> the
SHA-256 of its host token, never the token) and the coordinator logged in; Flask-WTF's
CSRF secret is derived from the id, never stored (a visitor who only opens a form costs
no Redis key). It expires by itself: a host's after SESSION_HOST_DAYS, a coordinator's
after SESSION_COORDINATOR_HOURS; a cookie holding only an id for the CSRF secret after
SESSION_ANONYMOUS_HOURS. Logging out, a new password or a removed account ends all
of the coordinator's sessions (`store.sessions`): a cookie copied before is dead after.

The session is read from Redis on first use, so requests that never look at it (static
files, the phones' API, /healthz) cost no round trip.
"""

from __future__ import annotations

import hmac
import secrets
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, session
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from itsdangerous import BadSignature

from .. import domain

SID_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
SID_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits
CSRF_FIELD = "csrf_token"  # where Flask-WTF keeps its secret (WTF_CSRF_FIELD_NAME)


def _valid_sid(raw: str | None) -> bool:
    return raw is not None and len(raw) == SID_LENGTH and set(raw) <= SID_CHARS


class ServerSession(SessionMixin):
    """One browser's session, loaded from the store when first read or written.

    Its CSRF secret is not stored: it is derived from the session's id (an HMAC with the
    app's secret key), so a visitor who only opens a form costs no Redis key. The id is
    made when Flask-WTF first asks for the secret and set as the cookie; a Redis entry
    exists only once the session holds something else (hosts, a coordinator).
    """

    def __init__(self, store: Any, sid: str | None, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self.sid = sid  # None: no id yet (made when the CSRF secret or data is needed)
        self._data: dict[str, Any] | None = None if sid else {}
        self.stored = False  # the id names a session kept in Redis
        self.modified = False
        self.accessed = False
        self.issued = False  # the id was made in this request: the cookie must be set
        self.rotate = False  # give it a new id when saved (a login, a new password)

    @property
    def data(self) -> dict[str, Any]:
        self.accessed = True
        if self._data is None:
            loaded = self._store.session(self.sid)
            self.stored = loaded is not None
            self._data = loaded or {}
        return self._data

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.sid is None

    def _csrf_secret(self) -> str:
        assert self.sid is not None
        return hmac.new(self._secret, b"csrf:" + self.sid.encode(), "sha256").hexdigest()

    def __getitem__(self, key: str) -> Any:
        if key == CSRF_FIELD:
            self.accessed = True
            if self.sid is None:
                raise KeyError(key)
            return self._csrf_secret()
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key == CSRF_FIELD:  # Flask-WTF making a secret: give the session an id instead
            if self.sid is None:
                self.sid, self.issued = secrets.token_urlsafe(32), True
            return
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
        sess = ServerSession(app.extensions["store"], raw if _valid_sid(raw) else None,
                             str(app.secret_key).encode())
        if raw and sess.sid is None:
            _carry_over_signed_cookie(app, raw, sess)
        return sess

    def save_session(self, app: Flask, sess: SessionMixin, response: Response) -> None:
        assert isinstance(sess, ServerSession)
        if sess.accessed:
            response.vary.add("Cookie")
        if sess.modified:
            self._write(app, sess, response)
        elif sess.issued:
            self._cookie(app, response, sess.sid, _lifetime(app, {}))

    def _write(self, app: Flask, sess: ServerSession, response: Response) -> None:
        store = app.extensions["store"]
        data = dict(sess.data)
        if sess.stored and (sess.rotate or not data):
            store.end_session(sess.sid)
            sess.stored = False
        if not data:  # nothing left to keep: an id for the CSRF secret, no Redis entry
            if sess.rotate or sess.sid is None:
                sess.sid = secrets.token_urlsafe(32)
            self._cookie(app, response, sess.sid, _lifetime(app, {}))
            return
        ttl, account = _lifetime(app, data), data.get("coordinator")
        if sess.stored:
            if not store.save_session(sess.sid, data, _ms(ttl), new=False, account=account):
                return  # it ended meanwhile (a logout elsewhere): it stays ended
        else:
            # A new entry always gets a new id: an id seen before it held anything (one
            # planted in the browser, one whose session ended) is never promoted.
            sess.sid = secrets.token_urlsafe(32)
            while not store.save_session(sess.sid, data, _ms(ttl), new=True, account=account):
                sess.sid = secrets.token_urlsafe(32)  # 256 bits: never in practice
            sess.stored = True
        sess.rotate = False
        self._cookie(app, response, sess.sid, ttl)

    def _cookie(self, app: Flask, response: Response, sid: str | None,
                ttl: timedelta) -> None:
        response.set_cookie(
            self.get_cookie_name(app), sid or "",
            expires=datetime.now(UTC) + ttl, domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app), secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app), samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app))


def _carry_over_signed_cookie(app: Flask, raw: str, sess: ServerSession) -> None:
    """Keep a host's rights across the upgrade from signed-cookie sessions.

    Before sessions lived in Redis, the cookie itself held `{"hosts": {mid: token}}`,
    signed with SECRET_KEY; a host in the middle of an event must not lose the console
    (the host link was shown once). Such a cookie becomes a server-side session holding
    the tokens' hashes, under a new id. A coordinator logs in again: a cookie copied
    before the upgrade must not outlive it.
    """
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    try:
        old = serializer.loads(raw, max_age=int(app.permanent_session_lifetime
                                                .total_seconds())) if serializer else None
    except BadSignature:
        return
    hosts = old.get("hosts") if isinstance(old, dict) else None
    if isinstance(hosts, dict) and hosts:
        sess["hosts"] = {str(mid): domain.hash_token(str(token))
                         for mid, token in list(hosts.items())[:50]}


def _lifetime(app: Flask, data: dict[str, Any]) -> timedelta:
    """How long a session lives after it was last written."""
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
