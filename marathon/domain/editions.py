"""Editions: the example edition shipped in the package, imports from JSON, case cards.

An edition is a campaign year with its cases. Besides the name, country and summary
that every page shows, a case may carry what the case cards and the host's printed
kit show (issue 11): a presentation, the ask, the appeal letter (addressee, salutation,
model letter, closing), the solidarity message (address and examples), postage hints
and a goal. Every text is given per language, in English (the fallback) and in any of
the app's other languages (`config.LANGUAGES`); a page in a language the edition does
not give shows the English text::

    {"id": "...", "title": {"en": ..., "fr": ...}, "example": true, "note": {...},
     "safety": {"fr": ["...", ...], "en": [...]},
     "cases": [{"id": "slug", "name": "...", "country": "BY", "goal": 100,
                "summary": {"en", ...}, "presentation": {...}, "ask": {...},
                "letter": {"addressee": {"name": "...", "title": {"en", ...},
                                         "address": ["line", ...]},
                           "salutation": {...}, "body": {...}, "closing": {...}},
                "solidarity": {"address": ["line", ...],
                               "examples": {"fr": ["...", ...], "en": [...]}},
                "postage": {"en", ...}}],
     "regions": {"FR": {"type": "FeatureCollection", "features": [...]}}}

`opens` and `closes` (optional, "YYYY-MM-DD") give the edition's window (`.windows`).

`regions` (optional, for the live map) gives a country's region shapes; see
`domain.places`. The store keeps them apart from the edition, which every request reads.
The year and the title are required; the card blocks are optional per case (an
edition may name its cases only), but a block that is there must be complete.
Validation checks and returns the edition as given, so that an export followed by an
import changes nothing. `readable` makes a stored edition safe to show even when it
was written some other way (by hand, by an older version), so that one bad edition
cannot take pages down.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from babel import Locale
from flask_babel import force_locale, gettext

from .. import domain
from .places import validate_regions
from .windows import YEAR_MAX, YEAR_MIN, campaign_year, salvage_window, window_dates

FALLBACK = "en"  # the language every text of an edition is given in
CASES_MAX = 100
CASE_ID_MAX = 64
NAME_MAX = 120
SUMMARY_MAX = 300
PRESENTATION_MAX = 1200
ASK_MAX = 400
SALUTATION_MAX = 120
BODY_MAX = 2500  # a model letter must fit on one printed A4 page with its case
CLOSING_MAX = 300
POSTAGE_MAX = 300
NOTE_MAX = 600
SAFETY_MAX = 300
SAFETY_NOTES_MAX = 8
EXAMPLES_MIN, EXAMPLES_MAX = 1, 5
EXAMPLE_MAX = 300
ADDRESS_LINES_MAX = 8
ADDRESS_LINE_MAX = 120
# Blocks whose fields are all known: a misspelt field there is an error, not ignored.
LETTER_FIELDS = {"addressee", "salutation", "body", "closing"}
ADDRESSEE_FIELDS = {"name", "title", "address"}
SOLIDARITY_FIELDS = {"address", "examples"}

def example_edition(today: date | None = None) -> dict[str, Any]:
    """The shipped example edition in the current campaign year, its window from 1 January
    of that year to 31 December of the next: today is at least six months from either
    end, so demos and tests registering around "now" never fall outside it."""
    raw = (resources.files("marathon") / "data" / "example-edition.json").read_text("utf-8")
    edition = json.loads(raw)
    year = campaign_year(today or datetime.now(UTC).date())
    edition.update(year=year, opens=f"{year}-01-01", closes=f"{year + 1}-12-31")
    return edition


# ---------------------------------------------------------------- validation


def validate_edition(raw: Any) -> dict[str, Any]:
    """Check an edition's shape; errors name the case and the field at fault."""
    if not isinstance(raw, dict):
        raise domain.Invalid("edition", domain.N_("An edition is a JSON object."))
    eid = raw.get("id")
    if not isinstance(eid, str) or not eid or len(eid) > 40 or not eid.replace(
            "-", "").isalnum():
        raise domain.Invalid("id", domain.N_("An edition needs an id of letters, digits "
                                             "and dashes."))
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not (
            YEAR_MIN <= year <= YEAR_MAX):
        raise domain.Invalid("year", domain.N_("Give a year from %(lo)s to %(hi)s."),
                             lo=YEAR_MIN, hi=YEAR_MAX)
    window_dates(raw)
    if raw.get("title") is None:
        raise domain.Invalid("title", domain.N_("An edition needs a title, at least in "
                                                "en (or one text for every language)."))
    _text_or_texts(raw["title"], "title", NAME_MAX)
    if "note" in raw:
        _text_or_texts(raw["note"], "note", NOTE_MAX)
    if "example" in raw:
        domain.boolean(raw["example"], "example", False)
    if "safety" in raw:
        _text_lists(raw["safety"], "safety", SAFETY_MAX, 1, SAFETY_NOTES_MAX)
    cases = raw.get("cases")
    if not isinstance(cases, list) or not cases:
        raise domain.Invalid("cases", domain.N_("An edition needs a list of cases."))
    if len(cases) > CASES_MAX:
        raise domain.Invalid("cases", domain.N_("An edition has at most %(n)s cases."),
                             n=CASES_MAX)
    seen: set[str] = set()
    for i, case in enumerate(cases):
        if not isinstance(case, dict):
            raise domain.Invalid(f"cases[{i}]", domain.N_("A case is a JSON object."))
        cid = case.get("id")
        if (not isinstance(cid, str) or not cid or len(cid) > CASE_ID_MAX
                or not cid.replace("-", "").isalnum() or cid in seen):
            raise domain.Invalid(f"cases[{i}].id", domain.N_(
                "Each case needs a unique id of letters, digits and dashes."))
        seen.add(cid)
        _case(case, f"cases[{cid}]")
    if "regions" in raw:
        validate_regions(raw["regions"])
    return raw


def _case(case: dict[str, Any], where: str) -> None:
    domain.text(case.get("name"), f"{where}.name", max_len=NAME_MAX)
    domain.country(case.get("country"), f"{where}.country")
    if "summary" in case:
        _texts(case["summary"], f"{where}.summary", SUMMARY_MAX)
    if case.get("goal") is not None:
        domain.integer(case["goal"], f"{where}.goal", 0, domain.GOAL_MAX)
    if "presentation" in case:
        _texts(case["presentation"], f"{where}.presentation", PRESENTATION_MAX)
    if "ask" in case:
        _texts(case["ask"], f"{where}.ask", ASK_MAX)
    if "letter" in case:
        _letter(case["letter"], f"{where}.letter")
    if "solidarity" in case:
        _solidarity(case["solidarity"], f"{where}.solidarity")
    if "postage" in case:
        _texts(case["postage"], f"{where}.postage", POSTAGE_MAX)


def _letter(raw: Any, where: str) -> None:
    block = _block(raw, where, LETTER_FIELDS)
    if "addressee" not in block:
        raise domain.Invalid(f"{where}.addressee", domain.N_(
            "The appeal letter needs its addressee: name, title and postal address."))
    addressee = _block(block["addressee"], f"{where}.addressee", ADDRESSEE_FIELDS)
    if not isinstance(addressee.get("name"), str) or not addressee["name"].strip():
        raise domain.Invalid(f"{where}.addressee.name", domain.N_(
            "Give the name of the person the letter is addressed to."))
    domain.text(addressee["name"], f"{where}.addressee.name", max_len=NAME_MAX)
    _texts(addressee.get("title"), f"{where}.addressee.title", NAME_MAX)
    _address(addressee.get("address"), f"{where}.addressee.address")
    _texts(block.get("salutation"), f"{where}.salutation", SALUTATION_MAX)
    _texts(block.get("body"), f"{where}.body", BODY_MAX, multiline=True)
    _texts(block.get("closing"), f"{where}.closing", CLOSING_MAX, multiline=True)


def _solidarity(raw: Any, where: str) -> None:
    block = _block(raw, where, SOLIDARITY_FIELDS)
    _address(block.get("address"), f"{where}.address")
    _text_lists(block.get("examples"), f"{where}.examples", EXAMPLE_MAX,
                EXAMPLES_MIN, EXAMPLES_MAX)


def _block(raw: Any, where: str, fields: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise domain.Invalid(where, domain.N_("This must be a JSON object."))
    for name in raw:
        if name not in fields:
            raise domain.Invalid(f"{where}.{name}", domain.N_(
                "Unknown field; expected one of: %(fields)s."),
                fields=", ".join(sorted(fields)))
    return raw


def _languages(raw: Any, where: str) -> dict[str, Any]:
    """Check that `raw` maps English and any of the app's other languages to something."""
    if not isinstance(raw, dict):
        if raw is None:
            raise domain.Invalid(where, domain.N_("This is required, at least in %(lang)s."),
                                 lang=FALLBACK)
        raise domain.Invalid(where, domain.N_(
            "Texts are given per language: {\"en\": \"…\", \"fr\": \"…\"}."))
    for lang in raw:
        if lang not in domain.LANGUAGES:
            raise domain.Invalid(f"{where}.{lang}", domain.N_(
                "Unknown language \"%(lang)s\": texts are given in %(langs)s."),
                lang=str(lang)[:20], langs=", ".join(domain.LANGUAGES))
    if FALLBACK not in raw:
        raise domain.Invalid(f"{where}.{FALLBACK}", domain.N_(
            "This text is missing in %(lang)s."), lang=FALLBACK)
    return raw


def _texts(raw: Any, where: str, max_len: int, *, multiline: bool = False) -> None:
    for lang, value in _languages(raw, where).items():
        _one_text(value, f"{where}.{lang}", max_len, multiline)


def _text_or_texts(raw: Any, where: str, max_len: int) -> None:
    if isinstance(raw, str):
        _one_text(raw, where, max_len, False)
    else:
        _texts(raw, where, max_len)


def _text_lists(raw: Any, where: str, max_len: int, lo: int, hi: int) -> None:
    for lang, items in _languages(raw, where).items():
        field = f"{where}.{lang}"
        if not isinstance(items, list) or not lo <= len(items) <= hi:
            raise domain.Invalid(field, domain.N_(
                "Give a list of %(lo)s to %(hi)s texts."), lo=lo, hi=hi)
        for i, item in enumerate(items):
            _one_text(item, f"{field}[{i}]", max_len, False)


def _address(raw: Any, where: str) -> None:
    if (not isinstance(raw, list) or not 1 <= len(raw) <= ADDRESS_LINES_MAX):
        raise domain.Invalid(where, domain.N_(
            "Give the postal address as a list of 1 to %(n)s lines."), n=ADDRESS_LINES_MAX)
    for i, line in enumerate(raw):
        domain.text(line, f"{where}[{i}]", max_len=ADDRESS_LINE_MAX)


def _one_text(raw: Any, field: str, max_len: int, multiline: bool) -> None:
    """Check one text; a model letter may hold line breaks, nothing else may."""
    if not isinstance(raw, str):
        raise domain.Invalid(field, domain.N_("This must be text."))
    domain.unicode_text(raw, field)
    if not raw.strip():
        raise domain.Invalid(field, domain.N_("This is required."))
    if len(raw) > max_len:
        raise domain.Invalid(field, domain.N_("At most %(n)s characters."), n=max_len)
    allowed = "\n" if multiline else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in raw):
        raise domain.Invalid(field, domain.N_("Control characters are not allowed."))


# ---------------------------------------------------------------- stored editions


def readable(raw: Any, eid: str) -> dict[str, Any]:
    """Return a stored edition in a shape every page can show, whatever was stored.

    A valid edition is returned as it is. Otherwise the fields that fail their check
    are left out, the title falls back to the id, and a case that fails keeps only its
    id, name and country (cases without a usable id are left out): the edition's
    pages and its marathons keep working while a coordinator imports a fixed one.
    """
    if not isinstance(raw, dict):
        raw = {}
    try:
        return validate_edition(raw) if raw.get("id") == eid else _salvage(raw, eid)
    except domain.Invalid:
        return _salvage(raw, eid)


def _passes(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except domain.Invalid:
        return False
    return True


def _salvage(raw: dict[str, Any], eid: str) -> dict[str, Any]:
    edition: dict[str, Any] = {"id": eid}
    year = raw.get("year")
    if not isinstance(year, bool) and isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX:
        edition["year"] = year
    edition.update(salvage_window(raw, edition.get("year")))
    checks = {"title": lambda v: _text_or_texts(v, "title", NAME_MAX),
              "note": lambda v: _text_or_texts(v, "note", NOTE_MAX),
              "safety": lambda v: _text_lists(v, "safety", SAFETY_MAX, 1, SAFETY_NOTES_MAX),
              "example": lambda v: domain.boolean(v, "example", False)}
    for name, check in checks.items():
        if raw.get(name) is not None and _passes(check, raw[name]):
            edition[name] = raw[name]
    edition.setdefault("title", eid)
    cases, seen = [], set()
    for case in raw.get("cases") if isinstance(raw.get("cases"), list) else []:
        cid = case.get("id") if isinstance(case, dict) else None
        if (not isinstance(cid, str) or not cid or len(cid) > CASE_ID_MAX
                or not cid.replace("-", "").isalnum() or cid in seen):
            continue
        seen.add(cid)
        if _passes(_case, case, cid):
            cases.append(case)
            continue
        name = case.get("name")
        country = case.get("country")
        cases.append({
            "id": cid,
            "name": name if _passes(domain.text, name, "name") else cid,
            "country": country.upper() if _passes(domain.country, country) else "",
        })
    edition["cases"] = cases
    return edition


# ---------------------------------------------------------------- case cards


def localised(value: Any, lang: str) -> Any:
    """Pick one language of a text (or list of texts) given per language, else English.

    A plain text (one for every language) is returned as it is.
    """
    if isinstance(value, dict):
        return value.get(lang) or value.get(FALLBACK) or next(iter(value.values()), "")
    return str(value or "")


def case_goals(edition: dict[str, Any], options: dict[str, Any] | None = None
               ) -> dict[str, int]:
    """Merge the edition's per-case goals with the marathon's (the host's win; 0 = none)."""
    goals = {c["id"]: c["goal"] for c in edition.get("cases", []) if c.get("goal")}
    ids = {c["id"] for c in edition.get("cases", [])}
    for cid, goal in ((options or {}).get("case_goals") or {}).items():
        if cid in ids:
            goals[cid] = goal
    return {cid: goal for cid, goal in goals.items() if goal}


def default_safety_notes() -> list[str]:
    """Amnesty's advice for letter writers, used when the edition brings none."""
    return [
        gettext("Be polite and respectful: a courteous letter persuades, an insulting "
                "one is thrown away."),
        gettext("Stick to the case: do not mention religion or politics beyond the "
                "person's situation."),
        gettext("If you have ties to the country (family, travel, work), sign with your "
                "initials and town only."),
    ]


def safety_notes(edition: dict[str, Any], lang: str) -> list[str]:
    """The edition's advice in `lang` (else in English), or Amnesty's default advice."""
    notes = localised(edition.get("safety") or {}, lang)
    if notes:
        return list(notes)
    with force_locale(lang):
        return default_safety_notes()


def case_card(case: dict[str, Any], lang: str, goal: int | None = None) -> dict[str, Any]:
    """Flatten one case into the card shown on phones and printed in the kit."""
    letter = case.get("letter")
    solidarity = case.get("solidarity")
    countries = Locale.parse(lang).territories
    return {
        "id": case["id"],
        "name": case["name"],
        "country": case["country"],
        "country_name": countries.get(case["country"], case["country"]),
        "summary": localised(case.get("summary"), lang),
        "presentation": localised(case.get("presentation"), lang),
        "ask": localised(case.get("ask"), lang),
        "goal": goal,
        "letter": {
            "addressee": {"name": letter["addressee"]["name"],
                          "title": localised(letter["addressee"]["title"], lang),
                          "address": list(letter["addressee"]["address"])},
            "salutation": localised(letter["salutation"], lang),
            "body": localised(letter["body"], lang),
            "closing": localised(letter["closing"], lang),
        } if letter else None,
        "solidarity": {
            "address": list(solidarity["address"]),
            "examples": list(localised(solidarity["examples"], lang)),
        } if solidarity else None,
        "postage": localised(case.get("postage"), lang),
    }


def case_cards(edition: dict[str, Any], lang: str,
               options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the case cards of one edition show, in one language."""
    goals = case_goals(edition, options)
    return {
        "edition_id": edition["id"],
        "lang": lang,
        "example": bool(edition.get("example")),
        "note": localised(edition.get("note"), lang),
        "safety": safety_notes(edition, lang),
        "cases": [case_card(c, lang, goals.get(c["id"])) for c in edition.get("cases", [])],
    }
