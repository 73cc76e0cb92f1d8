"""Registering a marathon in the state its edition's policy gives it (shared by the
registration form and the API)."""

from __future__ import annotations

from typing import Any

from .. import domain
from ..domain import trust
from ..store import store


def registration_code(raw: Any) -> str:
    """The optional registration code a national office sent its groups."""
    if raw in (None, ""):
        return ""
    return domain.text(raw, "registration_code", max_len=trust.REGISTRATION_CODE_MAX)


def register_marathon(data: domain.MarathonInput, code_given: str,
                      ) -> tuple[str, str, str, str]:
    """Store a new marathon; return its id, join code, host token and state."""
    state = store().initial_state(data.edition_id, code_given)
    mid, code, token = store().register(data, domain.now_ms(), state)
    return mid, code, token, state
