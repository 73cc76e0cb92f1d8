"""Browser sessions, and the failed logins of each e-mail.

A session is a JSON object under `keys.session(digest)`, where the digest is the
SHA-256 of the random id in the browser's cookie: the cookie opens it, a copy of the data
set does not give the cookie. It expires on its own (the web layer says when). A
coordinator's sessions are indexed by account (`keys.account_sessions`), so logging out
or a new password ends all of them at once. An ended session is never written back: an
existing session is only rewritten while its key still lives.

Login attempts count per e-mail, whether or not an account has it, so the wait they
cause does not tell which accounts exist (`domain.accounts.login_wait_ms` is the rule).
Each attempt counts as a failure from the moment it is allowed; a success forgets them.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import redis

from ..domain.accounts import login_wait_ms
from . import keys
from .base import StoreBase
from .errors import unavailable_on_error

# A failed login is forgotten a day after the last one.
FAILURES_KEPT_MS = 86_400_000


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class Sessions(StoreBase):
    @unavailable_on_error
    def session(self, sid: str) -> dict[str, Any] | None:
        """The session data of a cookie's id, or None when it is unknown or has ended."""
        raw = self._redis.get(keys.session(_digest(sid)))
        return orjson.loads(raw) if raw else None

    @unavailable_on_error
    def save_session(self, sid: str, data: dict[str, Any], ttl_ms: int, *, new: bool,
                     account: str | None = None) -> bool:
        """Write a session for `ttl_ms`: a new one only under an unused id, an existing
        one only while it lives. Returns whether it was written (False: the id is taken,
        or the session ended meanwhile, e.g. a logout on another device)."""
        digest = _digest(sid)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(keys.session(digest), orjson.dumps(data), px=ttl_ms, nx=new, xx=not new)
        if account:
            index = keys.account_sessions(account)
            pipe.sadd(index, digest)
            # Every session of an account lives as long (a coordinator's), so the index
            # outlives each one when its expiry follows the newest.
            pipe.pexpire(index, ttl_ms)
        return bool(pipe.execute()[0])

    @unavailable_on_error
    def end_session(self, sid: str, account: str | None = None) -> None:
        digest = _digest(sid)
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(keys.session(digest))
        if account:
            pipe.srem(keys.account_sessions(account), digest)
        pipe.execute()

    @unavailable_on_error
    def end_sessions(self, address: str) -> int:
        """End every session of an account (logout, new password, removal): a copied
        cookie is dead after this. Returns how many it ended (some may have expired)."""
        index = keys.account_sessions(address)

        def end(pipe: redis.client.Pipeline) -> int:
            digests = pipe.smembers(index)  # watched: a login meanwhile makes this retry
            pipe.multi()
            for digest in digests:
                pipe.delete(keys.session(digest))
            pipe.delete(index)
            return len(digests)

        return int(self._writer.transaction(end, index, value_from_callable=True))

    @unavailable_on_error
    def login_attempt(self, address: str, now: int, *, free: int, max_ms: int) -> int:
        """Reserve a login attempt for this e-mail: 0 when its password may be checked now
        (the attempt counts as a failure until `login_succeeded`), else the ms it must
        still wait. Check and count are one transaction, so a burst of parallel attempts
        gets `free` checks at most, then one per wait."""
        key = keys.login_failures(address)

        def reserve(pipe: redis.client.Pipeline) -> int:
            failures, until = pipe.hmget(key, "n", "until")  # watched: a race retries
            if until is not None and int(until) > now:
                return int(until) - now
            failures = int(failures or 0) + 1
            pipe.multi()
            pipe.hset(key, mapping={
                "n": failures, "until": now + login_wait_ms(failures, free=free,
                                                            max_ms=max_ms)})
            pipe.pexpire(key, FAILURES_KEPT_MS)
            return 0

        return int(self._writer.transaction(reserve, key, value_from_callable=True))

    @unavailable_on_error
    def login_succeeded(self, address: str) -> None:
        self._writer.delete(keys.login_failures(address))
