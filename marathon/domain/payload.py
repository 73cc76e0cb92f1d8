"""Read a JSON document a client sent: a clean value, or one `Invalid` naming the field.

The standard library's parser takes what JSON allows and more: it recurses once per
level (7,000 nested arrays end in a RecursionError), keeps the last of two equal keys
without a word, accepts lone surrogates ("\\ud800", which no encoder can write back
out), NaN and Infinity, and integers of any length (a few thousand digits take long to
convert). `parse_json` refuses each of these with its own code, and names the field
where it can, so every such body gets a clear 400 instead of a 500 or a silent guess.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from . import N_, Invalid

DEPTH_MAX = 32  # our bodies nest three levels; editions five
DIGITS_MAX = 20  # every number we take fits in far fewer (GOAL_MAX has 8)
# A string, or an unterminated one to the end of the text. Possessive quantifiers and the
# unterminated case matter: with `"(?:[^"\\]|\\.)*"`, a body of `\"` × 8,000 without a
# closing quote made the scan restart at every quote, quadratic (seconds of CPU for 16 KB).
# This one never backtracks and never restarts inside a string it has begun: linear.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
# Outside strings: a number too long for `_int`, an exponent (a float may overflow to
# infinity), NaN or Infinity. Without any, the parser's number hooks cannot refuse
# anything, and are left out: 8,000 numbers would otherwise cost 8,000 Python calls.
_NUMBER_RISK = re.compile(rf"[0-9]{{{DIGITS_MAX + 1}}}|[0-9][eE]|[NI]")
# A surrogate escape (or a surrogate itself): only then can `_check` find one.
_SURROGATE_RISK = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_NUMBER_HOOKS: dict[str, Any] = {}  # filled below, once the hooks are defined


class _OutOfRange:
    """Stands for a number the parser met that is too long, infinite or not a number."""


_OUT_OF_RANGE = _OutOfRange()


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _int(digits: str) -> int | _OutOfRange:
    return int(digits) if len(digits.lstrip("-")) <= DIGITS_MAX else _OUT_OF_RANGE


def _float(digits: str) -> float | _OutOfRange:
    value = float(digits)
    return value if value not in (float("inf"), float("-inf")) else _OUT_OF_RANGE


def _constant(_: str) -> _OutOfRange:  # NaN, Infinity, -Infinity
    return _OUT_OF_RANGE


_NUMBER_HOOKS.update(parse_int=_int, parse_float=_float, parse_constant=_constant)


def depth(text: str) -> int:
    """Return how deeply `text` nests arrays and objects (brackets in strings ignored).

    Linear in the length of `text`, and every loop runs in C: strings out, then all
    but the brackets out, then the running sum of +1 / -1 and its maximum.
    """
    return _depth(_STRING.sub("", text))


def _depth(bare: str) -> int:
    """`depth` of a text whose strings are already out."""
    brackets = _NOT_BRACKET.sub("", bare)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def parse_json(raw: bytes | str, field: str = "body") -> Any:
    """Parse a JSON document strictly; `field` names the document in errors."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(field, N_("This is not UTF-8 text (byte %(at)s)."),
                          code="invalid_encoding", at=exc.start) from None
    bare = _STRING.sub("", raw)
    if _depth(bare) > DEPTH_MAX:
        raise Invalid(field, N_("JSON nested more than %(n)s levels deep is not accepted."),
                      code="too_deep", n=DEPTH_MAX)
    try:
        numbers = _NUMBER_RISK.search(bare) is not None
        value = json.loads(raw, object_pairs_hook=_object,
                           **(_NUMBER_HOOKS if numbers else {}))
    except _Duplicate as dup:
        raise Invalid(_path(field, dup.key), N_("This key is given twice."),
                      code="duplicate_key") from None
    except RecursionError:  # a guard: depth() has already refused deeper documents
        raise Invalid(field, N_("JSON nested more than %(n)s levels deep is not accepted."),
                      code="too_deep", n=DEPTH_MAX) from None
    except ValueError as exc:
        raise Invalid(field, N_("This is not valid JSON (%(error)s)."), code="invalid_json",
                      error=str(exc)[:120]) from None
    if numbers or _SURROGATE_RISK.search(raw):  # else there is nothing it could find
        _check(value, field)
    return value


def _path(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return key if where == "body" else f"{where}.{key}"


def _clean(value: Any) -> bool:
    """Whether `value` holds no out-of-range number and no lone surrogate (no paths kept:
    the common answer, yes, costs one pass and no string building)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if _SURROGATE.search(item):
                return False
        elif kind is dict:
            if any(_SURROGATE.search(key) for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is _OutOfRange:
            return False
    return True


def _check(value: Any, field: str) -> None:
    """Refuse out-of-range numbers and lone surrogates anywhere, naming where they are."""
    if _clean(value):
        return
    stack: list[tuple[Any, str]] = [(value, field)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, _OutOfRange):
            raise Invalid(where, N_("Numbers must be finite and have at most %(n)s "
                                    "digits."), code="number_out_of_range", n=DIGITS_MAX)
        if isinstance(item, str):
            _unicode(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                _unicode(key, where)
                stack.append((child, _path(where, key)))
        elif isinstance(item, list):
            stack.extend((child, _path(where, i)) for i, child in enumerate(item))


def _unicode(text: str, where: str) -> None:
    if _SURROGATE.search(text):
        raise Invalid(where, N_("This text is not valid Unicode (it holds a lone "
                                "surrogate)."), code="invalid_unicode")
