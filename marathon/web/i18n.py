"""Language choice (?lang=, else the switch's cookie, else the browser's Accept-Language),
the languages' own names for the switch, and counted phrases for the browser."""

from __future__ import annotations

from babel import Locale
from flask import current_app, request
from flask_babel import get_locale, ngettext

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    for chosen in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in languages:
            return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A counted phrase for the browser: its pattern for each CLDR plural category.

    The page's script picks `forms[new Intl.PluralRules(lang).select(n)]` (see
    static/js/dom.js `counted`), so Polish gets "{n} list", "{n} listy" and "{n} listów"
    where one gettext call with a fixed number could only give one of them. Each
    category takes the catalog's form for the first whole number CLDR puts in it (a
    category of fractions only, like Polish "other", takes the form of 100's).
    """
    rule = Locale.parse(str(get_locale() or "en")).plural_form
    samples: dict[str, int] = {}
    for n in range(0, 200):
        samples.setdefault(rule(n), n)
    forms = {tag: ngettext(singular, plural, samples.get(tag, 100)) for tag in rule.tags}
    forms.setdefault("other", ngettext(singular, plural, 100))
    return forms


def language_name(code: str) -> str:
    """Name a language in that language, as a switch shows it: "Polski", "Deutsch"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]
