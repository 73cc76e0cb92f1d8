"""Helpers shared by the pages and the API: safe redirects, languages, query numbers."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import request
from flask_babel import get_locale

from ..domain import query
from ..domain.editions import localised


def safe_next(raw: str | None, default: str) -> str:
    """Follow `raw` only when it is a path of this site, else go to `default`.

    Browsers drop tabs and newlines from an address and read a backslash as a slash,
    so "/\\t/evil.example" or "/\\\\evil.example" would leave the site: any control
    character, space or backslash is refused, as is anything with a scheme or host.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") for c in raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw


def page_language() -> str:
    return str(get_locale() or "en")


def in_page_language(value: Any) -> str:
    """Pick the page's language of a text given per language (the `localised` filter)."""
    return localised(value, page_language())


def edition_title(edition: dict[str, Any]) -> str:
    """An edition's title in the page's language, or its id when it has none."""
    return in_page_language(edition.get("title")) or edition["id"]


def int_arg(name: str, default: Any, lo: int, hi: int) -> Any:
    """Read a whole-number query argument within [lo, hi] (`domain.query`, the one parser
    of query numbers), or answer 400 naming it: JSON for the API, a page for pages."""
    return query.whole_number(request.args.get(name), name, lo, hi, default)


def stream_id_arg(name: str) -> str | None:
    """Read a Redis stream entry id from the query (`domain.query`), or answer 400."""
    return query.stream_id(request.args.get(name), name)


def projector_path(mid: str, screen_key: str) -> str:
    """The projector link: the marathon's screen with its secret key.

    The key rides in the fragment, which a browser never sends: it stays out of every
    access log, proxy and Referer, and the screen's script hands it to the live link.
    """
    return f"/m/{mid}/screen#key={screen_key}"
