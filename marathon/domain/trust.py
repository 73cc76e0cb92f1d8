"""Who counts in an edition, and what looks implausible: pure rules, no I/O.

A marathon is `pending`, `verified` or `rejected`. Only a verified marathon counts in
its edition's totals, rankings, compare table, exports, edition screen and milestone
ticker; its own screen, phones, host console and report work whatever its state. An
edition's `registration` policy says what state a new marathon starts in.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from . import HOUR_MS, N_, Invalid, text

STATES = ("pending", "verified", "rejected")
POLICIES = ("review", "code", "open")
DEFAULT_POLICY = "review"
REASON_MAX = 200
REGISTRATION_CODE_MAX = 64
# A marathon writing faster than this per participant-hour is flagged for review.
FAST_PER_PARTICIPANT_HOUR = 120
# The host console alerts when, in the current hour, joins exceed this...
ALERT_JOINS_PER_HOUR = 200
# ... or actions exceed this per participant (plus the room's paper-tally allowance).
ALERT_ACTIONS_PER_PARTICIPANT_HOUR = 120


def initial_state(policy: str, code_given: str, code_hash: str | None, hash_fn: Any) -> str:
    """The state a new registration starts in under the edition's `policy`."""
    if policy == "open":
        return "verified"
    if policy == "code" and code_given and code_hash and hmac.compare_digest(
            hash_fn(code_given.strip()), code_hash):
        return "verified"
    return "pending"


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
