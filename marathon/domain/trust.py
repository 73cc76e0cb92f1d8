"""Who counts in an edition, and what looks implausible: pure rules, no I/O.

A marathon is `pending`, `verified` or `rejected`. Only a verified marathon counts in
its edition's totals, rankings, compare table, exports, edition screen and milestone
ticker; its own screen, phones, host console and report work whatever its state. An
edition's `registration` policy says what state a new marathon starts in.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from . import HOUR_MS, N_, Invalid, text

STATES = ("pending", "verified", "rejected")
POLICIES = ("review", "code", "open")
DEFAULT_POLICY = "review"
REASON_MAX = 200
REGISTRATION_CODE_MAX = 64
# A registration code an office types is at least this long; one the app makes is
# REGISTRATION_CODE_LENGTH letters and digits of CODE_ALPHABET (about 50 bits).
REGISTRATION_CODE_MIN = 10
REGISTRATION_CODE_LENGTH = 12
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed
# A marathon writing faster than this per participant-hour is flagged for review.
FAST_PER_PARTICIPANT_HOUR = 120
# The host console alerts when, in the current hour, joins exceed this...
ALERT_JOINS_PER_HOUR = 200
# ... or actions exceed this per participant (plus the room's paper-tally allowance).
ALERT_ACTIONS_PER_PARTICIPANT_HOUR = 120


def canonical_code(code: str) -> str:
    """A registration code as it is compared: spaces and case do not matter."""
    return "".join(code.split()).upper()


def initial_state(policy: str, code_given: str, code_hash: str | None, hash_fn: Any) -> str:
    """The state a new registration starts in under the edition's `policy`.

    A wrong code starts the marathon pending, exactly like no code. A code stored before
    codes were compared canonically (hashed as typed, trimmed) still matches as typed.
    """
    if policy == "open":
        return "verified"
    if policy == "code" and code_given and code_hash and any(
            hmac.compare_digest(hash_fn(form), code_hash)
            for form in (canonical_code(code_given), code_given.strip())):
        return "verified"
    return "pending"


def new_registration_code() -> str:
    """Make a registration code for an edition (shown once to the admin who asked)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(REGISTRATION_CODE_LENGTH))


def registration_code(raw: Any) -> str:
    """Check a registration code an admin typed: at least REGISTRATION_CODE_MIN characters,
    so that the registrations an address or an edition may try cannot find it."""
    code = text(raw, "code", max_len=REGISTRATION_CODE_MAX).strip()
    if len(code) < REGISTRATION_CODE_MIN:
        raise Invalid("code", N_("A registration code has at least %(n)s characters; "
                                 "leave it out to have one made for you."),
                      n=REGISTRATION_CODE_MIN)
    return code


def policy(raw: Any) -> str:
    if raw not in POLICIES:
        raise Invalid("registration", N_("Choose review, code or open."), "invalid_choice")
    return raw


def decision(raw: Any) -> str:
    """The state a coordinator asks for: verify, reject, hide (= reject) or review again."""
    states = {"verify": "verified", "verified": "verified", "reject": "rejected",
              "rejected": "rejected", "hide": "rejected", "pending": "pending",
              "review": "pending"}
    if not isinstance(raw, str) or raw not in states:
        raise Invalid("state", N_("Send state 'verified', 'rejected' or 'pending'."),
                      "invalid_choice")
    return states[raw]


def reason(raw: Any, required: bool) -> str:
    return text(raw, "reason", max_len=REASON_MAX, required=required) if (
        required or raw not in (None, "")) else ""


@dataclass(frozen=True)
class Pace:
    """What a marathon wrote, for its review row's flags and its host's alerts."""

    total: int
    participants: int
    hours: float  # hours of its window elapsed (at least one)
    refused: int  # actions refused by the per-participant cap
    joins_this_hour: int
    actions_this_hour: int

    @property
    def per_participant_hour(self) -> float:
        return self.total / max(1, self.participants) / max(1.0, self.hours)

    def flags(self, fast: float = FAST_PER_PARTICIPANT_HOUR) -> list[str]:
        out = []
        if self.per_participant_hour > fast:
            out.append("fast")
        if self.refused:
            out.append("at_cap")
        return out

    def alerts(self, host_base: int) -> list[str]:
        out = []
        if self.joins_this_hour > ALERT_JOINS_PER_HOUR:
            out.append("joins")
        if self.actions_this_hour > (ALERT_ACTIONS_PER_PARTICIPANT_HOUR * self.participants
                                     + host_base):
            out.append("actions")
        return out


def envelope(starts: int, ends: int, now: int, people: int, rate: int, host_base: int,
             host_per: int, created: int | None = None) -> int:
    """A verified marathon's plausibility envelope at `now`: what it may put into its
    edition (the same rule as ``store/lua/lib/envelope.lua``): the hours of its window
    begun (at least one, at most its duration; from its registration if that came after
    its start) times its participants' hourly rate plus the host's hourly tally bound."""
    start = min(ends, max(starts, created if created is not None else starts))
    last = max(1, -(-(ends - start) // HOUR_MS))
    hours = min(last, max(1, (now - start) // HOUR_MS + 1))
    return hours * (people * rate + host_base + host_per * people)


def hours_elapsed(starts: int, ends: int, now: int) -> float:
    return max(1.0, (min(now, ends) - starts) / HOUR_MS)
