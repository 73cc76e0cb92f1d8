"""Case cards (issue 11): the host's printable kit and the cases' texts for phones.

The kit at ``/m/<id>/kit`` prints one A4 page per case (presentation, addressee, model
letter) and the join poster, in the language of ``?lang=``. Phones get the same texts
embedded in the log page (`_case_card.html`, through the `case_cards_for` template
function), so that the cards open offline; ``GET /api/v1/editions/<id>/cases`` serves
them as JSON for anyone else.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import get_locale
from markupsafe import Markup

from . import openapi
from .editions import case_cards, in_language
from .host import join_url, qr_svg, require_host
from .store import Store

bp = Blueprint("kit", __name__)
api_bp = Blueprint("kit_api", __name__, url_prefix="/api/v1")
bp.register_blueprint(api_bp)


def store() -> Store:
    return current_app.extensions["store"]


def page_lang() -> str:
    """The page's language (``?lang=``, the cookie, then the browser's)."""
    lang = str(get_locale())
    return lang if lang in current_app.config["LANGUAGES"] else "en"


@bp.get("/m/<mid>/kit")
def kit(mid: str) -> str:
    """Print the host's kit: the join poster, then one A4 page per case (host only)."""
    meta, _ = require_host(mid)
    edition = store().edition(meta["edition_id"])
    cards = case_cards(edition, page_lang(), meta["options"])
    url = join_url(meta["join_code"])
    return render_template("kit.html", meta=meta, mid=mid, cards=cards, join_url=url,
                           qr=qr_svg(url),
                           edition_title=in_language(edition.get("title"), cards["lang"]))


@bp.app_template_global()
def case_cards_for(mid: str) -> dict[str, Any]:
    """Give a page the case cards of a marathon's edition, in the page's language.

    The phone carries them in its page, so they are trimmed to what a card shows: the
    summary only stands in for a missing presentation.
    """
    meta = store().marathon(mid)
    cards = case_cards(store().edition(meta["edition_id"]), page_lang(), meta["options"])
    del cards["note"]  # the card says "example" in its own words
    for card in cards["cases"]:
        if card["presentation"]:
            del card["summary"]
    return cards


@bp.app_template_filter()
def compact_json(value: Any) -> Markup:
    """Serialise data for a <script type="application/json"> block: compact and inert.

    `<`, `>` and `&` are escaped, so a text holding "</script>" cannot end the block.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


@api_bp.get("/editions/<eid>/cases")
def edition_cases(eid: str) -> Response:
    """Publish an edition's case cards in one language (``?lang=fr|en``)."""
    cards = case_cards(store().edition(eid), page_lang())
    resp = jsonify(cards)
    resp.headers["Content-Language"] = cards["lang"]
    resp.headers["Vary"] = "Accept-Language, Cookie"
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


_CARD = {"type": "object", "required": ["id", "name", "country"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"},
    "country_name": {"type": "string"}, "summary": {"type": "string"},
    "presentation": {"type": "string"}, "ask": {"type": "string"},
    "goal": {"type": ["integer", "null"]},
    "letter": {"type": ["object", "null"], "properties": {
        "addressee": {"type": "object", "properties": {
            "name": {"type": "string"}, "title": {"type": "string"},
            "address": {"type": "array", "items": {"type": "string"}}}},
        "salutation": {"type": "string"}, "body": {"type": "string"},
        "closing": {"type": "string"}}},
    "solidarity": {"type": ["object", "null"], "properties": {
        "address": {"type": "array", "items": {"type": "string"}},
        "examples": {"type": "array", "items": {"type": "string"}}}},
    "postage": {"type": "string"}}}

openapi.add_paths({
    "/api/v1/editions/{eid}/cases": {"get": {
        "summary": "An edition's case cards in one language: presentation, the ask, "
                   "appeal letter, solidarity message, postage, safety notes, goals",
        "parameters": [
            {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "lang", "in": "query", "required": False,
             "schema": {"type": "string", "enum": ["fr", "en"]}}],
        "responses": {
            "200": openapi._json({"type": "object", "required": [
                "edition_id", "lang", "example", "safety", "cases"], "properties": {
                "edition_id": {"type": "string"}, "lang": {"type": "string"},
                "example": {"type": "boolean"}, "note": {"type": "string"},
                "safety": {"type": "array", "items": {"type": "string"}},
                "cases": {"type": "array", "items": _CARD}}}),
            **openapi._errors(404, 503)}}},
})
