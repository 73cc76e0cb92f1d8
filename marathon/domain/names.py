"""Mask offensive nicknames on screens, in the ticker and in public reports.

Nicknames are free text typed by pupils on their phones; the host can rename anyone,
but a projected insult is seen by the whole room before the host reacts. Screens
therefore show `display_name(nickname)`, which replaces a nickname that matches the
blocklist with a neutral mask. The stored nickname is left as typed (the host sees it
in the console and can rename).

The blocklist is the shipped ``data/blocklist-fr.txt`` and ``data/blocklist-en.txt``
plus the words of the ``NICKNAME_BLOCKLIST`` setting (comma-separated). A plain word
matches a whole word of the nickname; ``*word*`` matches anywhere in it. Matching
ignores case, accents, separators inside starred words, repeated letters and the
usual digits-for-letters tricks.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from flask import current_app, has_app_context

MASK = "•••"
SHIPPED = ("blocklist-fr.txt", "blocklist-en.txt")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "€": "e"})


@dataclass(frozen=True)
class Blocklist:
    whole: re.Pattern[str] | None  # tested against each word of the nickname
    anywhere: re.Pattern[str] | None  # tested against the nickname's letters run together

    def blocks(self, nickname: str) -> bool:
        text = fold(nickname)
        if self.anywhere is not None and self.anywhere.search(re.sub(r"[^a-z]", "", text)):
            return True
        if self.whole is not None:
            return any(self.whole.fullmatch(w) for w in re.split(r"[^a-z]+", text) if w)
        return False


def fold(text: str) -> str:
    """Lower-case, strip accents and undo digit-for-letter spelling."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LEET))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    # "fuuuck" is "fuck": let every letter repeat.
    alternatives = sorted({"".join(re.escape(c) + "+" for c in w) for w in words if w})
    return re.compile("|".join(alternatives)) if alternatives else None


def parse(lines: list[str]) -> Blocklist:
    """Build a blocklist from lines of words (``#`` starts a comment)."""
    whole: list[str] = []
    anywhere: list[str] = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        starred = len(line) > 2 and line.startswith("*") and line.endswith("*")
        word = re.sub(r"[^a-z]", "", fold(line.strip("*")))
        if word:
            (anywhere if starred else whole).append(word)
    return Blocklist(_pattern(whole), _pattern(anywhere))


@functools.lru_cache(maxsize=8)
def blocklist(extra: str = "") -> Blocklist:
    """Return the shipped lists extended by `extra` (comma-separated words)."""
    folder = resources.files("marathon") / "data"
    lines: list[str] = []
    for name in SHIPPED:
        lines += (folder / name).read_text(encoding="utf-8").splitlines()
    lines += extra.split(",")
    return parse(lines)


def display_name(nickname: str) -> str:
    """Return the nickname to show in public, masked when it matches the blocklist."""
    extra = current_app.config.get("NICKNAME_BLOCKLIST", "") if has_app_context() else ""
    return MASK if blocklist(extra or "").blocks(nickname) else nickname
