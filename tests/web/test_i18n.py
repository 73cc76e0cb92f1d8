"""The catalogs against the code: every string a person can see is translated in every
language of `config.LANGUAGES`, with the same placeholders, and plural forms that fit.

Strings are extracted from the package and the templates with Babel's own extractor (the
same keywords as `scripts/i18n.py`), so a string added without running
`scripts/i18n.py update` and setting its translation fails here, named with its file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from config import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "marathon" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "plural_forms": (1, 2)}
METHODS = [("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def extracted() -> dict[str, set[str]]:
    """Map each source file to the msgids it holds."""
    found: dict[str, set[str]] = defaultdict(set)
    for folder in ("marathon", "templates"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, METHODS, keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found[f"{folder}/{filename}"].add(msgid)
    return found


SOURCES = extracted()


def translated(cat, msgid: str) -> bool:
    msg = cat.get(msgid)
    if msg is None or "fuzzy" in msg.flags:
        return False
    strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
    return all(strings)


def test_the_extractor_finds_the_pages_strings():
    assert "My tally" in SOURCES["templates/log.html"]
    assert "Letter" in SOURCES["marathon/web/phone.py"]
    assert len(SOURCES) > 5


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_string_has_a_french_translation(source):
    fr = catalog("fr")
    missing = sorted(m for m in SOURCES[source] if not translated(fr, m))
    assert missing == [], f"{source}: run scripts/i18n.py update, then set these in French"


def test_every_string_is_in_the_english_catalog():
    # English is the source language: an empty msgstr falls back to the msgid, but a
    # msgid absent from the catalog means `scripts/i18n.py update` was not run.
    en = catalog("en")
    every = set().union(*SOURCES.values())
    assert sorted(m for m in every if en.get(m) is None) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_in_every_plural_form(lang):
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        template = read_po(fh)
    cat = catalog(lang)
    missing = sorted(str(m.id) for m in template if m.id and not translated(cat, m.id))
    assert missing == [], f"{lang}: {len(missing)} messages without a translation"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang):
    wrong = []
    for msg in catalog(lang):
        if not msg.id or not msg.string:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        want = {m for i in ids for m in PLACEHOLDER.findall(i)}
        for s in strings:
            if s and {m for m in PLACEHOLDER.findall(s)} != want:
                wrong.append(msg.id)
    assert wrong == []


def test_polish_has_three_plural_forms():
    assert catalog("pl").num_plurals == 3


@pytest.mark.parametrize("lang", ["pl"])
def test_polish_plural_forms_follow_the_number(app, lang):
    # 1 list, 2/22 listy, 5/12/25 listów: the catalog's forms 0, 1, 2.
    forms = catalog(lang).get("{n} letter").string
    assert len(set(forms)) == 3 and all(forms)
    with app.test_request_context(), force_locale(lang):
        got = {n: ngettext("{n} letter", "{n} letters", n) for n in (1, 2, 5, 12, 22, 25)}
    assert got == {1: forms[0], 2: forms[1], 22: forms[1],
                   5: forms[2], 12: forms[2], 25: forms[2]}


def test_the_catalog_script_keeps_the_apps_languages():
    script = (ROOT / "scripts" / "i18n.py").read_text("utf-8")
    langs = re.search(r"^LANGS = \((.*)\)$", script, re.M)
    assert langs and set(re.findall(r'"(\w+)"', langs.group(1))) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").exists(), lang


@pytest.mark.parametrize(("headers", "cookie", "words"), [
    ({"Accept-Language": "fr"}, None, "Aucun marathon"),
    ({"Accept-Language": "en"}, None, "No marathon"),
    ({"Accept-Language": "en"}, "fr", "Aucun marathon"),
])
def test_api_error_messages_follow_the_language(client, headers, cookie, words):
    if cookie:
        client.set_cookie("lang", cookie)
    resp = client.post("/api/v1/join", json={"code": "QQQQQQ", "nickname": "Zoë"},
                       headers=headers)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"].startswith(words)
