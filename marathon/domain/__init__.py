"""Domain rules: validation of every field; ids, join codes and tokens (from ids.py).

Functions here take the raw JSON a client sent and return clean values or raise
`Invalid` naming the field at fault. They know nothing of Redis or Flask.
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale

from config import LANGUAGES

# Ids, tokens, screen keys and join codes live in ids.py; callers name them `domain.…`.
from .ids import JOIN_ALPHABET as JOIN_ALPHABET
from .ids import JOIN_CODE_LENGTH as JOIN_CODE_LENGTH
from .ids import TokenHash as TokenHash
from .ids import hash_token as hash_token
from .ids import new_id as new_id
from .ids import new_join_code as new_join_code
from .ids import new_screen_key as new_screen_key
from .ids import new_token as new_token
from .ids import screen_key_matches as screen_key_matches
from .marks import cap_marks

KINDS = ("letter", "card", "email", "petition", "post")
GROUP_TYPES = ("school", "university", "local_group", "library", "other")
MAX_COUNT = 100
HOUR_MS = 3_600_000
NICKNAME_MAX = 32
TITLE_MAX = 120
TEXT_MAX = 120
DURATION_MIN, DURATION_MAX = 1, 48
GOAL_MAX = 10_000_000

_TIMEZONES = frozenset(available_timezones())
_COUNTRIES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
)


class Invalid(ValueError):
    """A client sent a value that breaks a rule; `field` names it."""

    def __init__(self, field: str, message: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.field = field
        self.message = message  # untranslated; the API translates it with params
        self.params = params
        self.code = code


def N_(message: str) -> str:
    """Mark a message for translation; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Group:
    name: str
    type: str
    city: str
    region: str
    country: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "city": self.city,
                "region": self.region, "country": self.country}


@dataclass(frozen=True)
class MarathonInput:
    group: Group
    edition_id: str
    title: str
    starts_at: datetime
    timezone: str
    duration_hours: int
    goal: int | None
    # The group of an earlier marathon, from the "register again" link: only a check that
    # the group's name, city and country still match it (see `domain.groups`).
    group_id: str | None = None


@dataclass(frozen=True)
class ActionInput:
    client_id: str
    kind: str
    case_id: str
    count: int
    written_at: datetime


# ---------------------------------------------------------------- join codes

def normalise_join_code(raw: Any) -> str:
    """Clean a typed join code: case and spaces do not matter."""
    if not isinstance(raw, str):
        raise Invalid("code", N_("The join code must be text."))
    code = "".join(raw.split()).upper()
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_ALPHABET for c in code):
        raise Invalid("code", N_("A join code has 6 letters and digits, like K7M2QX."))
    return code


# ---------------------------------------------------------------- time

def now_ms() -> int:
    """The app's one clock: the server's time in milliseconds since the epoch."""
    return int(time.time() * 1000)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(value: int | str, tz: str = "UTC") -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, ZoneInfo(tz))


def parse_instant(raw: Any, field: str) -> datetime:
    """Parse an ISO 8601 time that carries its UTC offset."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise Invalid(field, N_("Give a time in ISO 8601 with its offset, "
                                "like 2026-12-05T12:00:00+01:00."))
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(field, N_("This is not a valid ISO 8601 time.")) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(field, N_("The time needs its UTC offset, like +01:00."))
    if not 2000 <= moment.year <= 2200:
        raise Invalid(field, N_("The year is out of range."))
    return moment


def timezone(raw: Any, field: str = "timezone") -> str:
    if not isinstance(raw, str) or raw not in _TIMEZONES:
        raise Invalid(field, N_("Give an IANA time zone, like Europe/Paris."))
    return raw


# ---------------------------------------------------------------- text and numbers

def unicode_text(value: str, field: str) -> str:
    """Refuse a lone surrogate: it is not a character, and no encoder can write it."""
    if any(unicodedata.category(c) == "Cs" for c in value):
        raise Invalid(field, N_("This text is not valid Unicode (it holds a lone "
                                "surrogate)."), code="invalid_unicode")
    return value


def text(raw: Any, field: str, *, max_len: int = TEXT_MAX, required: bool = True) -> str:
    """Trim and NFC-normalise free text, cap combining marks; refuse control and
    invisible characters.

    Invisible characters (zero-width spaces and joiners, bidi controls, the soft hyphen:
    Unicode's "format" category) could hide a word from the nickname blocklist or turn
    a name around on a screen, so they are refused with their own code.
    """
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise Invalid(field, N_("This must be text."))
    value = cap_marks(unicodedata.normalize("NFC", unicode_text(raw, field))).strip()
    if required and not value:
        raise Invalid(field, N_("This is required."))
    if len(value) > max_len:
        raise Invalid(field, N_("At most %(n)s characters."), n=max_len)
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise Invalid(field, N_("Control characters are not allowed."))
    if any(unicodedata.category(c) == "Cf" for c in value):
        raise Invalid(field, N_("Invisible characters (zero-width spaces, text-direction "
                                "marks) are not allowed."), code="invisible_characters")
    return value


def nickname(raw: Any) -> str:
    value = text(raw, "nickname", max_len=NICKNAME_MAX, required=False)
    if not value:
        raise Invalid("nickname", N_("Choose a nickname of 1 to 32 characters."))
    return value


def integer(raw: Any, field: str, lo: int, hi: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Invalid(field, N_("Give a whole number from %(lo)s to %(hi)s."), lo=lo, hi=hi)
    if not lo <= raw <= hi:
        raise Invalid(field, N_("Give a whole number from %(lo)s to %(hi)s."), lo=lo, hi=hi)
    return raw


def boolean(raw: Any, field: str, default: bool) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        raise Invalid(field, N_("Give true or false."))
    return raw


def country(raw: Any, field: str = "group.country") -> str:
    if not isinstance(raw, str) or raw.upper() not in _COUNTRIES:
        raise Invalid(field, N_("Give a two-letter ISO country code, like FR."))
    return raw.upper()


def kind(raw: Any) -> str:
    if raw not in KINDS:
        raise Invalid("kind", N_("Kind must be one of: %(kinds)s."), kinds=", ".join(KINDS))
    return raw


def case_id(raw: Any, case_ids: frozenset[str] | set[str]) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or raw not in case_ids:
        raise Invalid("case_id", N_("This case is not part of the marathon's edition."))
    return raw


def client_id(raw: Any) -> str:
    """Accept a UUID (any version) as the idempotency key, in canonical form."""
    if not isinstance(raw, str) or len(raw) > 64:
        raise Invalid("client_id", N_("client_id must be a UUID made by the phone."))
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Invalid("client_id", N_("client_id must be a UUID made by the phone.")) from None


_PUBLIC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{10}")


def public_id(raw: Any, field: str) -> str:
    """Accept an id made by `new_id` (a marathon's, a group's), or refuse it."""
    if not isinstance(raw, str) or not _PUBLIC_ID.fullmatch(raw):
        raise Invalid(field, N_("This is not a valid id."), code="invalid_id")
    return raw


def body(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid("body", N_("Send a JSON object."))
    return raw


# ---------------------------------------------------------------- whole inputs

def group(raw: Any) -> Group:
    if not isinstance(raw, dict):
        raise Invalid("group", N_("Describe the group: name, type, city, region, country."))
    kind_ = raw.get("type", "other")
    if kind_ not in GROUP_TYPES:
        raise Invalid("group.type", N_("Type must be one of: %(types)s."),
                      types=", ".join(GROUP_TYPES))
    return Group(
        name=text(raw.get("name"), "group.name"),
        type=kind_,
        city=text(raw.get("city"), "group.city", required=False),
        region=text(raw.get("region"), "group.region", required=False),
        country=country(raw.get("country")),
    )


def goal(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    return integer(raw, "goal", 0, GOAL_MAX)


def marathon(raw: Any, edition_ids: set[str]) -> MarathonInput:
    """Validate a registration."""
    data = body(raw)
    edition_id = data.get("edition_id")
    if not isinstance(edition_id, str) or edition_id not in edition_ids:  # {} is unhashable
        raise Invalid("edition_id", N_("Choose one of the campaign editions."))
    tz = timezone(data.get("timezone"))
    return MarathonInput(
        group=group(data.get("group")),
        edition_id=edition_id,
        title=text(data.get("title"), "title", max_len=TITLE_MAX),
        starts_at=parse_instant(data.get("starts_at"), "starts_at"),
        timezone=tz,
        duration_hours=integer(data.get("duration_hours", 24), "duration_hours",
                               DURATION_MIN, DURATION_MAX),
        goal=goal(data.get("goal")),
        group_id=None if data.get("group_id") in (None, "") else public_id(
            data["group_id"], "group_id"),
    )


def action(raw: Any, case_ids: frozenset[str], now: datetime, skew: float) -> ActionInput:
    """Validate one logged action; `written_at` may not be ahead of `now` by more than skew."""
    data = body(raw)
    written = parse_instant(data.get("written_at"), "written_at")
    if written > now + timedelta(seconds=skew):
        raise Invalid("written_at", N_("written_at is in the future: check the phone's clock."))
    return ActionInput(
        client_id=client_id(data.get("client_id")),
        kind=kind(data.get("kind", "letter")),
        case_id=case_id(data.get("case_id"), case_ids),
        count=integer(data.get("count", 1), "count", 1, MAX_COUNT),
        written_at=written,
    )


def status(starts: int, ends: int, closed: bool, now: int) -> str:
    """Derive a marathon's status from its window and the host's close."""
    if closed or now >= ends:
        return "ended"
    return "running" if now >= starts else "scheduled"


DISPLAY_THEMES = ("dark", "light")
# Names on the big screen (issue 28): the host decides what the room sees.
NAMES_MODES = ("shown", "initials", "hidden")


def display_options(raw: Any) -> dict[str, Any]:
    """Validate the screen's display options (theme, language, hide_top, ...)."""
    if not isinstance(raw, dict):
        raise Invalid("options", N_("Display options must be a JSON object."))
    out: dict[str, Any] = {}
    for name, value in raw.items():
        field = f"options.{name}"
        if name == "theme":
            if value not in DISPLAY_THEMES:
                raise Invalid(field, N_("Theme must be dark or light."))
            out[name] = value
        elif name == "lang":
            if value != "" and value not in LANGUAGES:
                raise Invalid(field, N_("Language must be one of: %(langs)s."),
                              langs=", ".join(LANGUAGES))
            out[name] = value
        elif name in ("hide_top", "freeze_last_hour", "allow_embed"):
            out[name] = boolean(value, field, False)
        elif name == "rotate_seconds":
            out[name] = integer(value, field, 0, 600)
        elif name == "names":
            if value not in NAMES_MODES:
                raise Invalid(field, N_("Names are shown, initials or hidden."))
            out[name] = value
        elif name == "case_goals":
            out[name] = case_goals(value, field)
        else:
            raise Invalid(field, N_("Unknown display option."))
    return out


CASE_GOALS_MAX = 100


def case_goals(raw: Any, field: str = "options.case_goals") -> dict[str, int]:
    """Validate the host's per-case goals: {case id: goal}; 0 hides the edition's goal."""
    if not isinstance(raw, dict) or len(raw) > CASE_GOALS_MAX:
        raise Invalid(field, N_("Per-case goals are a JSON object: {\"case id\": goal}."))
    out: dict[str, int] = {}
    for cid, value in raw.items():
        if not cid or len(cid) > 64 or not cid.replace("-", "").isalnum():
            raise Invalid(field, N_("Per-case goals are a JSON object: {\"case id\": goal}."))
        out[cid] = integer(value, f"{field}.{cid}", 0, GOAL_MAX)
    return out
