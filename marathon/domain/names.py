"""Mask offensive names wherever the public reads them: the one masking step.

Nicknames are free text typed by pupils on their phones, group names are typed by
hosts; the host can rename anyone, but a projected insult is seen by the whole room
before the host reacts. Every public reader therefore gets `display_name(name)`, which
replaces a name that matches the blocklist with a neutral mask: the snapshots of
`marathon.live.snapshots` (so the `watch` reply, the broadcaster's snapshots, the API's
snapshot and the report), the report's top writers, the edition's rankings and
milestones, the compare table's public rows, the API's public marathon, and the pages
through the `public_name` template filter. The stored name is left as typed (the host
sees it in the console and can rename).

Names are normalised at the door (`marathon.domain.text`: NFC, no control, invisible
or bidi characters), so a zero-width space cannot split a word past the blocklist;
`fold` drops such characters anyway, for names stored before that rule.

The blocklist is the shipped ``data/blocklist-fr.txt`` and ``data/blocklist-en.txt``
plus the words of the ``NICKNAME_BLOCKLIST`` setting (comma-separated). A plain word
matches a whole word of the nickname; ``*word*`` matches anywhere in it. Matching
ignores case, accents, separators inside starred words, repeated letters, the usual
digits-for-letters tricks and Cyrillic or Greek letters that look like Latin ones.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from flask import current_app, has_app_context

MASK = "•••"
SHIPPED = ("blocklist-fr.txt", "blocklist-en.txt")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "€": "e"})
# Letters of other scripts drawn like Latin ones ("соnnard" with a Cyrillic о and с),
# after case folding; compatibility forms (fullwidth, mathematical) go by NFKD.
_LOOK_ALIKES = str.maketrans({
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "н": "h",
    "і": "i", "ї": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o",
    "р": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ѵ": "v",
    "ԝ": "w", "ɡ": "g", "ı": "i", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "s", "μ": "u",
})


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
    """Lower-case, strip accents and invisible characters, undo look-alike spelling."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    kept = "".join(c for c in decomposed
                   if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    # NFKD again: a look-alike may map to a letter that had a precomposed accent.
    return unicodedata.normalize("NFKD", kept.translate(_LOOK_ALIKES).translate(_LEET))


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


def display_name(name: str) -> str:
    """Return a nickname or group name to show in public, masked when it is blocked.

    The blocklist's extra words come from the app's NICKNAME_BLOCKLIST setting; the
    broadcaster runs in an app context for that reason (`marathon.live.init_live`).
    """
    extra = current_app.config.get("NICKNAME_BLOCKLIST", "") if has_app_context() else ""
    return MASK if blocklist(extra or "").blocks(name) else name


def public_group(group: dict[str, Any]) -> dict[str, Any]:
    """Return a marathon's group as the public sees it: its name through the mask."""
    return {**group, "name": display_name(str(group.get("name") or ""))}
