"""Coordinator accounts: e-mail, password hash and role, kept in one Redis hash.

Passwords are hashed with scrypt (werkzeug's `generate_password_hash`). Accounts are
few (a national office), so one hash `keys.COORDINATORS` of email -> JSON is enough.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import orjson
from werkzeug.security import check_password_hash, generate_password_hash

from . import domain, keys
from .store import Store, unavailable_on_error

ROLES = ("coordinator", "admin")
PASSWORD_MIN = 10
PASSWORD_MAX = 200
# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong
# password and the answer time does not tell which accounts exist.
@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method="scrypt")


@dataclass(frozen=True)
class Account:
    email: str
    role: str
    created: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def email(raw: object) -> str:
    """Normalise an e-mail address (trimmed, lower case) or raise `Invalid`."""
    if not isinstance(raw, str):
        raise domain.Invalid("email", domain.N_("Give an e-mail address."))
    value = raw.strip().lower()
    local, at, host = value.partition("@")
    if not at or not local or "." not in host or len(value) > 254 or any(
            c.isspace() for c in value):
        raise domain.Invalid("email", domain.N_("Give an e-mail address."))
    return value


def password(raw: object) -> str:
    if not isinstance(raw, str) or not PASSWORD_MIN <= len(raw) <= PASSWORD_MAX:
        raise domain.Invalid("password", domain.N_("A password has %(lo)s to %(hi)s "
                                                   "characters."),
                             lo=PASSWORD_MIN, hi=PASSWORD_MAX)
    return raw


def role(raw: object) -> str:
    if raw not in ROLES:
        raise domain.Invalid("role", domain.N_("Role must be coordinator or admin."))
    return str(raw)


def _account(raw: str) -> Account:
    data = orjson.loads(raw)
    return Account(email=data["email"], role=data["role"], created=int(data["created"]))


@unavailable_on_error
def add(store: Store, address: str, secret: str, account_role: str = "coordinator") -> Account:
    """Create an account, or replace the password and role of an existing one."""
    address, secret, account_role = email(address), password(secret), role(account_role)
    record = {"email": address, "role": account_role, "created": int(time.time() * 1000),
              "hash": generate_password_hash(secret, method="scrypt")}
    store.r.hset(keys.COORDINATORS, address, orjson.dumps(record).decode())
    return _account(orjson.dumps(record).decode())


@unavailable_on_error
def get(store: Store, address: str) -> Account | None:
    raw = store.r.hget(keys.COORDINATORS, address)
    return _account(raw) if raw else None


@unavailable_on_error
def all_accounts(store: Store) -> list[Account]:
    raw = store.r.hgetall(keys.COORDINATORS)
    return sorted((_account(v) for v in raw.values()), key=lambda a: a.email)


@unavailable_on_error
def remove(store: Store, address: str) -> bool:
    return bool(store.r.hdel(keys.COORDINATORS, address))


@unavailable_on_error
def authenticate(store: Store, address: str, secret: str) -> Account | None:
    """Return the account when the password matches, else None (same cost either way)."""
    try:
        address = email(address)
    except domain.Invalid:
        address = ""
    raw = store.r.hget(keys.COORDINATORS, address) if address else None
    stored = orjson.loads(raw)["hash"] if raw else _dummy_hash()
    ok = check_password_hash(stored, secret or "")
    return _account(raw) if raw and ok else None
