"""Case cards (issue 11): the host's printable kit and the cases' texts for phones.

The kit at ``/m/<id>/kit`` prints one A4 page per case (presentation, addressee, model
letter) and the join poster, in the language of ``?lang=``. Phones get the same texts
embedded in the log page (`_case_card.html`, through the `case_cards_for` template
function), so that the cards open offline; ``GET /api/v1/editions/<id>/cases`` serves
them as JSON for anyone else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..domain.editions import case_cards, localised
from ..domain.names import public_meta
from ..store import store
from .helpers import page_language
from .host import join_url, qr_svg, require_host

bp = Blueprint("kit", __name__)


@bp.get("/m/<mid>/kit")
def kit(mid: str) -> str:
    """Print the host's kit: the join poster, then one A4 page per case (host only)."""
    meta, _ = require_host(mid)
    edition = store().edition(meta["edition_id"])
    cards = case_cards(edition, page_language(), meta["options"])
    url = join_url(meta["join_code"])
    return render_template("kit.html", meta=public_meta(meta), mid=mid, cards=cards, join_url=url,
                           qr=qr_svg(url),
                           edition_title=localised(edition.get("title"), cards["lang"]))


@bp.app_template_global()
def case_cards_for(mid: str) -> dict[str, Any]:
    """Give a page the case cards of a marathon's edition, in the page's language.

    The phone carries them in its page, so they are trimmed to what a card shows: the
    summary only stands in for a missing presentation.
    """
    meta = store().marathon(mid)
    cards = case_cards(store().edition(meta["edition_id"]), page_language(), meta["options"])
    del cards["note"]  # the card says "example" in its own words
    for card in cards["cases"]:
        if card["presentation"]:
            del card["summary"]
    return cards
