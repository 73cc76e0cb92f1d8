"""Coordinator accounts, kept in one Redis hash (`keys.COORDINATORS`: e-mail -> JSON).

Accounts are few (a national office), so one hash is enough. Passwords are hashed
with scrypt (werkzeug's `generate_password_hash`), through `offload`: off the event loop.
"""

from __future__ import annotations

import functools
import time

import orjson
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain import Invalid
from ..domain.accounts import Account, email, password, role
from . import keys
from .errors import unavailable_on_error
from .sessions import Sessions


# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong
# password and the answer time does not tell which accounts exist.
@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method="scrypt")


def _account(raw: str) -> Account:
    data = orjson.loads(raw)
    return Account(email=data["email"], role=data["role"], created=int(data["created"]))


class Accounts(Sessions):
    @unavailable_on_error
    def add_account(self, address: str, secret: str, account_role: str = "coordinator"
                    ) -> Account:
        """Create an account, or replace the password and role of an existing one (which
        ends all of its sessions: whoever had its old password is logged out)."""
        address, secret, account_role = email(address), password(secret), role(account_role)
        hashed = self.offload(generate_password_hash, secret, method="scrypt")
        record = orjson.dumps({
            "email": address, "role": account_role, "created": int(time.time() * 1000),
            "hash": hashed}).decode()
        self._redis.hset(keys.COORDINATORS, address, record)
        self.end_sessions(address)
        return _account(record)

    @unavailable_on_error
    def account(self, address: str) -> Account | None:
        raw = self._redis.hget(keys.COORDINATORS, address)
        return _account(raw) if raw else None

    @unavailable_on_error
    def accounts(self) -> list[Account]:
        raw = self._redis.hgetall(keys.COORDINATORS)
        return sorted((_account(v) for v in raw.values()), key=lambda a: a.email)

    @unavailable_on_error
    def remove_account(self, address: str) -> bool:
        removed = bool(self._redis.hdel(keys.COORDINATORS, address))
        self.end_sessions(address)
        return removed

    @unavailable_on_error
    def authenticate(self, address: str, secret: str) -> Account | None:
        """Return the account when the password matches, else None (same cost either way)."""
        try:
            address = email(address)
        except Invalid:
            address = ""
        raw = self._redis.hget(keys.COORDINATORS, address) if address else None
        stored = orjson.loads(raw)["hash"] if raw else self.offload(_dummy_hash)
        ok = self.offload(check_password_hash, stored, secret or "")
        return _account(raw) if raw and ok else None
