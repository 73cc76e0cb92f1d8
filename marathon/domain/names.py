"""Mask offensive names wherever the public reads them: the one masking step.

Nicknames are free text typed by pupils on their phones; group names, marathon titles,
cities, regions and venues are typed by hosts. A projected insult is seen by the whole
room before anyone reacts, so every public reader gets `display_name(name)`, which
replaces a name that matches the blocklist with a neutral mask (and caps combining
marks, for names stored before the door did): the snapshots of `marathon.live.snapshots`
(the `watch` reply, the broadcaster's snapshots, the API's snapshot, the report), the
edition's rankings and milestones, the compare table and its exports, the API's public
marathon, group history, and the pages through the `public_name` template filter.
`public_group` and `public_fields` apply it to every name of a record. The stored name
is left as typed (the host sees it in the console and can rename).

What is matched: the name's *skeleton* (`fold`). Each character goes through Unicode's
confusables table (UTS #39 data, as shipped by the `confusable-homoglyphs` package:
Cyrillic, Greek, Armenian, Cherokee... look-alikes of Latin letters); otherwise through
compatibility decomposition (fullwidth and mathematical letters), losing its accents
and invisible characters, and what is still not ASCII (small capitals, other scripts)
through `anyascii`'s transliteration. Then case is folded, the digits and signs people
use for letters become those letters (1 i, 3 e, 4 a, 0 o, 5 s, 7 t, 8 b, + t, @ a, $ s,
! and | i, "()" o, "vv" w), and ``l`` becomes ``i``: a lower-case l and a capital I
are drawn alike on a screen. Every word list goes through the same fold.

The lists: the vendored LDNOOBW lists for en, fr, pl, de and es
(``data/ldnoobw-*.txt``, CC BY 4.0), the project's own ``data/blocklist-*.txt`` and the
words of the ``NICKNAME_BLOCKLIST`` setting (comma-separated). A plain word matches a
whole word of the name, or the run of its words written apart ("s.h.i.t",
"n i g g e r"), with the plural and case endings of its language; ``*word*`` matches
anywhere in the name's letters run together; any letter may repeat ("fuuuck"). Words
of ``data/names-allowed.txt`` (given names, places, "Scunthorpe") are never masked.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any

from anyascii import anyascii
from flask import current_app, has_app_context

from .marks import cap_marks

MASK = "•••"
LANGUAGES = ("en", "fr", "pl", "de", "es")
# Plural (and, for Polish, case) endings per language, after folding (so "ł" is "i").
ENDINGS: dict[str, tuple[str, ...]] = {
    "en": ("s", "es"),
    "fr": ("s", "x", "e", "es"),
    "es": ("s", "es"),
    "de": ("e", "en", "er", "n", "s", "ern", "es"),
    "pl": ("a", "y", "i", "e", "u", "o", "ow", "om", "ami", "ach", "em", "ie", "ek", "ki"),
}
# The setting's words, of any language: the plural endings of the four other languages.
ENDINGS["*"] = ("s", "es", "x", "e", "en", "er", "n")
# Digits and signs written for letters; after case folding, before l and I meet as i.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "8": "b", "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "+": "t",
                       "l": "i"})
# Letters drawn with two signs: "()" for o, "vv" for w.
_DRAWN = (("()", "o"), ("vv", "w"))
_LETTERS = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=1)
def _skeleton_table() -> dict[int, str]:
    """Map each non-ASCII character Unicode calls confusable with ASCII letters to them.

    Built once per process from the confusables data of `confusable-homoglyphs` (its
    JSON lists, for each character, the characters drawn like it); the first
    look-alike that is one ASCII letter or digit wins, like a UTS #39 prototype.
    """
    data = json.loads((resources.files("confusable_homoglyphs") / "confusables.json")
                      .read_text(encoding="utf-8"))
    table: dict[int, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            # A prototype may carry a mark ("O̵" for Cherokee Ꮎ): the letter is enough.
            target = "".join(c for c in unicodedata.normalize("NFD", glyph["c"])
                             if not unicodedata.combining(c))
            # One letter only: Unicode's skeleton of "m" is "rn", which no list spells.
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ord(char)] = target
                break
    return table


def _latin(c: str, table: dict[int, str]) -> str:
    """One character as Latin letters: its confusable, else its transliteration."""
    return table.get(ord(c)) or unicodedata.normalize("NFKD", anyascii(c))


def fold(text: str) -> str:
    """Return a name's skeleton: lower-case ASCII letters, other characters as spaces."""
    table = _skeleton_table()
    out: list[str] = []
    for whole in text:
        # The confusables first: compatibility decomposition would turn some look-alikes
        # into other letters (the lunate sigma "ϲ", drawn like c, into a final sigma).
        if not whole.isascii() and ord(whole) in table:
            out.append(table[ord(whole)])
            continue
        for c in unicodedata.normalize("NFKD", whole):
            if unicodedata.combining(c) or unicodedata.category(c) in ("Cf", "Mn", "Me"):
                continue
            out.append(c if c.isascii() else _latin(c, table))
    folded = "".join(out).casefold()
    for drawn, letter in _DRAWN:
        folded = folded.replace(drawn, letter)
    return re.sub(r"[^a-z]+", " ", folded.translate(_LEET)).strip()


def sort_key(text: str) -> str:
    """Order names as a reader expects: case and accents ignored (not the skeleton,
    which files "Lucas" under I)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _squeeze(word: str) -> str:
    """Collapse repeated letters: the key under which a word is looked up."""
    return re.sub(r"(.)\1+", r"\1", word)


def _repeating(word: str) -> str:
    return "".join(re.escape(c) + "+" for c in word)


@dataclass(frozen=True)
class Blocklist:
    # squeezed word -> patterns of the word with its endings, each letter repeatable
    whole: dict[str, tuple[re.Pattern[str], ...]]
    endings: tuple[str, ...]  # every squeezed ending some word takes, "" first
    anywhere: re.Pattern[str] | None  # searched in the name's letters run together
    allowed: frozenset[str]

    def _whole_word(self, word: str) -> bool:
        squeezed = _squeeze(word)
        for ending in self.endings:
            if ending and not squeezed.endswith(ending):
                continue
            for pattern in self.whole.get(squeezed[:len(squeezed) - len(ending)], ()):
                if pattern.fullmatch(word):
                    return True
        return False

    def blocks(self, name: str) -> bool:
        words = _LETTERS.findall(fold(name))
        words = [w for w in words if w not in self.allowed]
        if self.anywhere is not None and self.anywhere.search("".join(words)):
            return True
        # Each word, and each run of neighbouring words written together: "s.h.i.t",
        # "n i g g e r", "fu ck", and the lists' phrases ("fils de pute").
        for start in range(len(words)):
            joined = ""
            for word in words[start:]:
                joined += word
                if joined not in self.allowed and self._whole_word(joined):
                    return True
        return False


def parse(lines: list[str], lang: str = "*", allowed: list[str] | None = None,
          ) -> Blocklist:
    """Build a blocklist from lines of words (``#`` starts a comment).

    `lines` holds plain lines, taking `lang`'s endings, or (lang, line) pairs.
    """
    whole: dict[str, list[re.Pattern[str]]] = defaultdict(list)
    anywhere: list[str] = []
    endings = {""}
    for item in lines:
        word_lang, raw = item if isinstance(item, tuple) else (lang, item)
        line = raw.split("#", 1)[0].strip()
        starred = len(line) > 2 and line.startswith("*") and line.endswith("*")
        word = "".join(_LETTERS.findall(fold(line.strip("*"))))
        if len(word) < 2:
            continue
        if starred:
            anywhere.append(_repeating(word))
            continue
        ends = ENDINGS.get(word_lang, ENDINGS["*"])
        endings.update(_squeeze(e) for e in ends)
        suffix = "(?:" + "|".join(_repeating(e) for e in ends) + ")?"
        whole[_squeeze(word)].append(re.compile(_repeating(word) + suffix))
        if word_lang == "pl" and word[-1] in "aoe" and len(word) > 3:
            # Polish endings replace the final vowel: kurwa, kurwy, kurwami.
            stem = word[:-1]
            whole[_squeeze(stem)].append(re.compile(_repeating(stem) + suffix[:-1]))
    allowed_words = frozenset("".join(_LETTERS.findall(fold(w))) for w in allowed or ())
    return Blocklist(
        whole={k: tuple(v) for k, v in whole.items()},
        endings=tuple(sorted(endings, key=len)),
        anywhere=re.compile("|".join(sorted(set(anywhere)))) if anywhere else None,
        allowed=frozenset(w for w in allowed_words if w))


def _data_lines(name: str) -> list[str]:
    return (resources.files("marathon") / "data" / name).read_text(
        encoding="utf-8").splitlines()


@functools.lru_cache(maxsize=8)
def blocklist(extra: str = "") -> Blocklist:
    """Return the shipped lists extended by `extra` (comma-separated words)."""
    lines: list[tuple[str, str] | str] = []
    for lang in LANGUAGES:
        for name in (f"ldnoobw-{lang}.txt", f"blocklist-{lang}.txt"):
            lines += [(lang, line) for line in _data_lines(name)]
    lines += [("*", word) for word in extra.split(",")]
    allowed = [line.split("#", 1)[0].strip() for line in _data_lines("names-allowed.txt")]
    return parse(lines, allowed=[w for w in allowed if w])


@functools.lru_cache(maxsize=4096)
def _display(name: str, extra: str) -> str:
    return MASK if blocklist(extra).blocks(name) else cap_marks(name)


def display_name(name: Any) -> str:
    """Return a name to show in public: the mask when it is blocked, else the name.

    For every public name: nickname, team, group name, marathon title, city, region,
    venue. The blocklist's extra words come from the app's NICKNAME_BLOCKLIST setting;
    the broadcaster runs in an app context for that reason (`marathon.live.init_live`).
    """
    text = "" if name is None else str(name)
    if not text:
        return text
    extra = current_app.config.get("NICKNAME_BLOCKLIST", "") if has_app_context() else ""
    return _display(text, extra or "")


PUBLIC_FIELDS = ("name", "title", "city", "region", "venue")


def public_fields(record: dict[str, Any], fields: tuple[str, ...] = PUBLIC_FIELDS,
                  ) -> dict[str, Any]:
    """Return a copy of `record` with each of its public name fields masked."""
    out = dict(record)
    for field in fields:
        if isinstance(out.get(field), str):
            out[field] = display_name(out[field])
    return out


def public_group(group: dict[str, Any]) -> dict[str, Any]:
    """Return a marathon's group as the public sees it: its name, city and region
    through the mask."""
    return public_fields({**group, "name": str(group.get("name") or "")})


def initials(name: str) -> str:
    """Return a name's initials for the big screen ("Zoé Martin" -> "Z. M.").

    Initials of a masked name are the mask: "F. U." is still read aloud.
    """
    shown = display_name(name)
    if shown == MASK:
        return MASK
    letters = [w[0] for w in re.findall(r"\w+", shown)][:3]
    return " ".join(f"{c.upper()}." for c in letters) or MASK


def public_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Return a marathon's stored record as a public page shows it: title and group
    (name, city, region) through the mask. For screens, overlays, widgets, phones,
    posters and certificates; never hand the stored record to a public template."""
    return {**meta, "title": display_name(meta.get("title")),
            "group": public_group(meta.get("group") or {})}
