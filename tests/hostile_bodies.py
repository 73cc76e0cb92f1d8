"""Pathological request bodies, one per class, each at most 16 KB (MAX_CONTENT_LENGTH).

Shared by tests/security/test_hostile_bodies.py (each must get a 4xx, fast, from a real
server) and bench/hostile.py (the server's CPU per request for each). Every body is
built to be the worst of its class for the parser or for what reads the parsed value.
"""

from __future__ import annotations

LIMIT = 16 * 1024


def _fill(head: str, unit: str, tail: str = "") -> bytes:
    """`head` + as many `unit`s as fit in LIMIT with `tail`."""
    n = (LIMIT - len(head.encode()) - len(tail.encode())) // len(unit.encode())
    return (head + unit * n + tail).encode()


def _many_keys(limit: int = LIMIT) -> bytes:
    parts, size, i = [], 2, 0
    while size + len(f'"k{i}":0,') < limit:
        parts.append(f'"k{i}":0')
        size += len(parts[-1]) + 1
        i += 1
    return ("{" + ",".join(parts) + "}").encode()


# name -> body. Names are stable: the bench's figures are keyed by them.
BODIES: dict[str, bytes] = {
    # The issue's own: escaped quotes in a string never closed (the old depth scan
    # restarted at every quote, quadratic), and the same string closed.
    "backtracking_unterminated": _fill('{"a":"', '\\"'),
    "backtracking_terminated": _fill('{"nickname":"', '\\"', '"}'),
    "backslashes_unterminated": _fill('{"a":"', "\\\\"),
    # Deep nesting: arrays, objects, and brackets hidden in strings between levels.
    "deep_arrays": _fill("", "["),
    "deep_objects": _fill("", '{"a":'),
    "deep_mixed": _fill("", '[{"a":"]}",'),
    "wide_shallow_arrays": _fill("[", "[],", "[]]"),
    # Long numbers: integer, fraction, exponent, and an array of many small ones.
    "long_integer": _fill('{"count":1', "0", "}"),
    "long_fraction": _fill('{"count":1.', "0", "}"),
    "long_exponent": _fill('{"count":1e', "9", "}"),
    "many_numbers": _fill('{"count":[', "1,", "1]}"),
    "many_exponents": _fill('{"count":[', "1e1,", "1]}"),
    "many_floats": _fill('{"count":[', "0.5,", "1]}"),
    # Many keys, and one key given again and again.
    "many_keys": _many_keys(),
    "duplicate_keys": _fill("{", '"a":0,', '"a":0}'),
    # Long strings of escapes, lone surrogates, and text that is not UTF-8.
    "unicode_escapes": _fill('{"nickname":"', "\\u00e9", '"}'),
    "lone_surrogates": _fill('{"nickname":"', "\\ud800", '"}'),
    "surrogate_pairs": _fill('{"nickname":"', "\\ud83d\\ude00", '"}'),
    "combining_marks": _fill('{"nickname":"a', "\u0301", '"}'),
    "invalid_utf8": b'{"nickname":"' + b"\xff" * (LIMIT - 15) + b'"}',
    # Wrong types where strings and objects are wanted, at full size.
    "top_level_array": _fill("[", "0,", "0]"),
    "top_level_string": _fill('"', "x", '"'),
    "code_as_array": _fill('{"code":[', '"A",', '"A"]}'),
    "nickname_as_object": b'{"code":"ABCDEF","nickname":' + _many_keys(LIMIT - 40) + b"}",
    "whitespace": _fill("", " ", "{}"),
}

assert all(len(body) <= LIMIT for body in BODIES.values()), "every body fits the limit"
