"""The one reader of the numbers in a query string (`?page=`, `?limit=`, `?rotate=`...).

Python's own tests are too kind for an address anyone can type: `str.isdigit()` says
yes to "²" and "٣", `int()` takes " 3", "+3", "3_000" and Arabic-Indic digits, and
refuses more than 4,300 digits with a ValueError. Here a number is 1 to 20 ASCII digits
(enough for any 64-bit value, and cheap to convert) within the range the caller names;
anything else is an `Invalid` naming the parameter, which the web layer answers with a
400: the API's JSON error, or a readable page.
"""

from __future__ import annotations

import re

from . import N_, Invalid

DIGITS_MAX = 20  # 2**64 - 1 has 20 digits
UINT64_MAX = 2**64 - 1  # Redis stream ids are two of these, "<ms>-<seq>"
_DIGITS = re.compile(rf"[0-9]{{1,{DIGITS_MAX}}}")  # [0-9] in a str pattern: ASCII only


def digits(raw: str) -> int | None:
    """`raw` as a number when it is 1 to 20 ASCII digits and nothing else, else None."""
    return int(raw) if _DIGITS.fullmatch(raw) else None


def whole_number(raw: str | None, name: str, lo: int, hi: int,
                 default: int | None = None) -> int | None:
    """Read `raw` (a query value, None when absent) as a whole number within [lo, hi].

    An absent or empty value gives `default`.
    """
    if raw is None or raw == "":
        return default
    value = digits(raw)
    if value is None or not lo <= value <= hi:
        raise Invalid(name, N_("'%(name)s' must be a whole number from %(lo)s to %(hi)s, "
                               "written with the digits 0 to 9."), name=name, lo=lo, hi=hi)
    return value


def stream_id(raw: str | None, name: str) -> str | None:
    """Read a Redis stream entry id, `<ms>-<seq>`, both parts 64-bit; None when absent."""
    if raw is None or raw == "":
        return None
    head, dash, tail = raw.partition("-")
    ms, seq = digits(head), digits(tail)
    if not dash or ms is None or seq is None or max(ms, seq) > UINT64_MAX:
        raise Invalid(name, N_("'%(name)s' must be an entry id: two whole numbers joined "
                               "by a dash, like 1700000000000-0."), name=name)
    return raw
