"""Ids, secrets and join codes: what the app makes at random, and how it compares them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are read off a projected screen and typed on phones.
JOIN_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
JOIN_CODE_LENGTH = 6


def new_id() -> str:
    """Make a public id: 64 random bits, URL-safe, starting with a letter or digit.

    An id starting with "-" would be taken for an option on a command line and
    neutralised as a formula in CSV exports.
    """
    while True:
        candidate = secrets.token_urlsafe(8)
        if candidate[0].isalnum():
            return candidate


def new_token() -> str:
    """Make a secret bearer token (256 bits)."""
    return secrets.token_urlsafe(32)


class TokenHash(str):
    """A token already hashed: what a host's session keeps instead of the token itself.
    `hash_token` gives it back unchanged, so the store takes either."""

    __slots__ = ()


def hash_token(token: str) -> str:
    """Hash a token for storage; tokens are random, so a plain SHA-256 suffices."""
    if isinstance(token, TokenHash):
        return str(token)
    return hashlib.sha256(token.encode()).hexdigest()


def new_screen_key() -> str:
    """Make the secret key of a marathon's projector link (128 bits); a new one comes
    with every new join code, so an old projector link shows no code."""
    return secrets.token_urlsafe(16)


def screen_key_matches(given: Any, key: str) -> bool:
    """Whether `given` is the marathon's screen key, compared in constant time."""
    if not isinstance(given, str) or not given or not key:
        return False
    return hmac.compare_digest(given.encode(), key.encode())


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
