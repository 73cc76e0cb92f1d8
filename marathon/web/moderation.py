"""Registering a marathon in the state its edition's policy gives it (shared by the
registration form and the API), and the form's prefill for a group that comes back."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .. import domain
from ..domain import groups, trust
from ..domain.names import MASK, display_name
from ..domain.windows import check_window
from ..store import NotFound, store


def registration_code(raw: Any) -> str:
    """The optional registration code a national office sent its groups.

    A code that cannot be right (not text, too long, odd characters) is taken as no
    code rather than refused: a wrong code answers exactly like none.
    """
    try:
        return domain.text(raw, "registration_code", max_len=trust.REGISTRATION_CODE_MAX,
                           required=False)
    except domain.Invalid:
        return ""


def register_marathon(data: domain.MarathonInput, code_given: str,
                      ) -> tuple[str, str, str, str]:
    """Store a new marathon; return its id, join code, host token and state.

    Raises `domain.Invalid` (`starts_at`, `duration_hours`) for a marathon outside its
    edition's window.
    """
    check_window(store().edition(data.edition_id), domain.ms(data.starts_at),
                 data.duration_hours, data.timezone)
    now = domain.now_ms()
    state = store().initial_state(
        data.edition_id, code_given, now=now,
        tries_per_hour=int(current_app.config["REGISTRATION_CODE_TRIES_PER_HOUR"]))
    mid, code, token = store().register(data, now, state)
    return mid, code, token, state


def group_prefill(raw: Any) -> dict[str, Any] | None:
    """The registration form's group fields for the "register again" link's group id, or
    None for an id that names no group (or no verified marathon: anyone may register
    under a group's name, so only what the national office verified describes it).

    The id is only a prefill: registering checks that the name, city and country still
    match it. A name the public sees masked is not filled in (the host types it again).
    """
    try:
        gid = domain.public_id(raw, "group_id")
        marathons = [m for m in store().marathons_of_group(gid) if m["state"] == "verified"]
    except (domain.Invalid, NotFound):
        return None
    if not marathons:
        return None
    group = dict(groups.description(marathons))
    if display_name(str(group.get("name") or "")) == MASK:
        group["name"] = ""
    return {"group_id": gid, **group}
