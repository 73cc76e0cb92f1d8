"""Coordinator accounts, kept in one Redis hash (`keys.COORDINATORS`: e-mail -> JSON).

Accounts are few (a national office), so one hash is enough. Passwords are hashed
with scrypt (werkzeug's `generate_password_hash`).
"""

from __future__ import annotations

import functools
import time

import orjson
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain import Invalid
from ..domain.accounts import Account, email, password, role
from . import keys
from .base import StoreBase
from .errors import unavailable_on_error


# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong
# password and the answer time does not tell which accounts exist.
@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method="scrypt")


def _account(raw: str) -> Account:
    data = orjson.loads(raw)
    return Account(email=data["email"], role=data["role"], created=int(data["created"]))


class Accounts(StoreBase):
    @unavailable_on_error
    def add_account(self, address: str, secret: str, account_role: str = "coordinator"
                    ) -> Account:
        """Create an account, or replace the password and role of an existing one."""
        address, secret, account_role = email(address), password(secret), role(account_role)
        record = orjson.dumps({
            "email": address, "role": account_role, "created": int(time.time() * 1000),
            "hash": generate_password_hash(secret, method="scrypt")}).decode()
        self._redis.hset(keys.COORDINATORS, address, record)
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
        return bool(self._redis.hdel(keys.COORDINATORS, address))

    @unavailable_on_error
    def authenticate(self, address: str, secret: str) -> Account | None:
        """Return the account when the password matches, else None (same cost either way)."""
        try:
            address = email(address)
        except Invalid:
            address = ""
        raw = self._redis.hget(keys.COORDINATORS, address) if address else None
        stored = orjson.loads(raw)["hash"] if raw else _dummy_hash()
        ok = check_password_hash(stored, secret or "")
        return _account(raw) if raw and ok else None
