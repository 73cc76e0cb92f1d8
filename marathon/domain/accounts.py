"""Coordinator accounts: who they are and what a valid e-mail, password and role is.

The store keeps them (`marathon.store.accounts`); this module has no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import domain

ROLES = ("coordinator", "admin")
PASSWORD_MIN = 10
PASSWORD_MAX = 200


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


def login_wait_ms(failures: int, *, free: int, max_ms: int) -> int:
    """How long an e-mail waits after its `failures`-th failed login in a row: nothing for
    the first `free`, then 1 s, doubling each time, at most `max_ms`."""
    if failures <= free:
        return 0
    return min(max_ms, 1000 * 2 ** min(failures - free - 1, 30))
