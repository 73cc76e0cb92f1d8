"""The projected screens (issue 6), and the overlays and widget other sites embed (issue 18).

The pages are rendered once with everything that does not change during the event
(names, words, display options); the numbers arrive as snapshots on the `/live`
Socket.IO namespace, and the page's script draws them. The join code and its QR code
are a secret of the room: the page never holds them. Opened with the projector link
(its secret screen key in the address's fragment), the script asks the live link for
them (`live.namespace`), and that link brings the new ones when the host changes the
code. The overlays (for a
livestream's browser source) and the widget (for a website) may be framed by any site
(`security.ALWAYS_EMBEDDABLE`); they show only what the snapshots show, names masked.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import segno
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext

from .. import domain
from ..domain.editions import localised
from ..domain.names import display_name, public_meta
from ..store import store
from .api.common import is_host
from .helpers import int_arg
from .i18n import plural_forms

bp = Blueprint("screens", __name__)

# Display options a screen's address may override: query name -> stored option name.
URL_OPTIONS = {"theme": "theme", "lang": "lang", "hide_top": "hide_top",
               "freeze": "freeze_last_hour", "rotate": "rotate_seconds"}
ROTATE_MAX = 600


def screen_options(stored: dict[str, Any]) -> dict[str, Any]:
    """Merge the host's stored display options with the ones in the screen's address."""
    options = {"theme": "dark", "lang": "", "hide_top": False, "freeze_last_hour": False,
               "rotate_seconds": 0}
    options.update({k: v for k, v in stored.items() if k in options})
    args = request.args
    if args.get("theme") in ("dark", "light"):
        options["theme"] = args["theme"]
    if args.get("lang") in current_app.config["LANGUAGES"]:
        options["lang"] = args["lang"]
    for query, name in (("hide_top", "hide_top"), ("freeze", "freeze_last_hour")):
        if query in args:
            options[name] = args[query].lower() in ("1", "true", "yes", "on")
    if args.get("rotate"):
        options["rotate_seconds"] = int_arg("rotate", 0, 0, ROTATE_MAX)
    return options


def screen_locale(options: dict[str, Any]) -> str:
    """The address's ?lang= wins, then the host's stored language, then the browser's."""
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        return request.args["lang"]
    return options["lang"] or str(get_locale())


def kind_words() -> dict[str, dict[str, str]]:
    """The ticker's words per action kind, singular and plural, with and without a case."""
    return {
        "letter": {
            "one_case": gettext("letter for {case}"),
            "other_case": plural_forms("{n} letter for {case}", "{n} letters for {case}"),
            "one": gettext("a letter"),
            "other": plural_forms("{n} letter", "{n} letters"),
        },
        "card": {
            "one_case": gettext("card for {case}"),
            "other_case": plural_forms("{n} card for {case}", "{n} cards for {case}"),
            "one": gettext("a card"),
            "other": plural_forms("{n} card", "{n} cards"),
        },
        "email": {
            "one_case": gettext("email for {case}"),
            "other_case": plural_forms("{n} email for {case}", "{n} emails for {case}"),
            "one": gettext("an email"),
            "other": plural_forms("{n} email", "{n} emails"),
        },
        "petition": {
            "one_case": gettext("petition signed for {case}"),
            "other_case": plural_forms("{n} petition signed for {case}",
                                       "{n} petitions signed for {case}"),
            "one": gettext("a petition signed"),
            "other": plural_forms("{n} petition signed", "{n} petitions signed"),
        },
        "post": {
            "one_case": gettext("post for {case}"),
            "other_case": plural_forms("{n} post for {case}", "{n} posts for {case}"),
            "one": gettext("a post"),
            "other": plural_forms("{n} post", "{n} posts"),
        },
    }


def common_words() -> dict[str, Any]:
    """Words the screens' scripts put together at run time (already translated)."""
    return {
        "someone": gettext("Someone"),
        "starts_in": gettext("Starts in"),
        "ends_in": gettext("Ends in"),
        "ended": gettext("Ended"),
        "final_hour": gettext("Final hour: the total is revealed at the end"),
        "next_milestone": gettext("Next: {n}"),
        "goal_reached": gettext("Goal reached!"),
        "goal": gettext("Goal: {n}"),
        "pace": gettext("At this pace: {n} by the end"),
        "milestone_banner": plural_forms("{n} letter!", "{n} letters!"),
        "goal_banner": plural_forms("Goal reached: {n} letter!", "Goal reached: {n} letters!"),
        "reveal_banner": gettext("Final total: {n}!"),
        "no_case": gettext("No case given"),
        "actions": gettext("Actions"),
        "live": gettext("Live"),
        "reconnecting": gettext("Reconnecting…"),
        "nobody_yet": gettext("Nobody yet"),
        "members": plural_forms("{n} member", "{n} members"),
        "passed_mark": plural_forms("passed {n} action", "passed {n} actions"),
        "in_all": gettext("out of {n} marathons registered"),
        "days": plural_forms("{n} day", "{n} days"),
        "day": gettext("1 day"),
        "kind_names": {"letter": gettext("Letters"), "card": gettext("Cards"),
                       "email": gettext("Emails"), "petition": gettext("Petitions"),
                       "post": gettext("Social media posts")},
    }


def case_names(eid: str) -> dict[str, str]:
    return {c["id"]: c["name"] for c in store().edition(eid).get("cases", [])}


@bp.get("/m/<mid>/screen")
def marathon_screen(mid: str) -> str:
    """Show a marathon's big screen (projector): the numbers come live over /live."""
    meta = store().marathon(mid)
    options = screen_options(meta["options"])
    lang = screen_locale(options)
    with force_locale(lang):
        return render_template(
            "screen.html", meta=public_meta(meta), options=options, lang=lang,
            words={**common_words(), "kinds": kind_words(),
                   "join_qr": gettext("QR code to join: {url}"),
                   "stale_key": gettext("This projector link is out of date: open the "
                                        "new one from the host console to show the "
                                        "join code.")},
            cases=case_names(meta["edition_id"]),
        )


@bp.get("/m/<mid>/qr.svg")
def join_qr(mid: str) -> Response:
    """Draw the marathon's join QR code (the absolute address of /j/<code>) as SVG.

    For the projector (its screen key in the `X-Screen-Key` header) and the host (host
    token or session) only, and never kept by a cache: the QR code is the join code.
    """
    meta = store().marathon(mid)
    given = request.headers.get("X-Screen-Key")
    if not (domain.screen_key_matches(given, meta["screen_key"]) or is_host(mid, meta)):
        abort(403)
    qr = segno.make(request.host_url + f"j/{meta['join_code']}", error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=10, border=2, dark="#000", light="#fff", omitsize=True,
            xmldecl=False, svgns=True, title=None)
    resp = Response(out.getvalue(), mimetype="image/svg+xml")
    resp.cache_control.no_store = True
    resp.cache_control.private = True
    resp.vary.add("X-Screen-Key")
    resp.vary.add("Cookie")
    return resp


@bp.get("/e/<eid>/screen")
def edition_screen(eid: str) -> str:
    """Show the edition-wide screen (national projector), live over /live."""
    edition = store().edition(eid)
    options = screen_options({})
    lang = screen_locale(options)
    with force_locale(lang):
        return render_template(
            "edition_screen.html", edition=edition, options=options, lang=lang,
            title=localised(edition.get("title"), lang) or edition["id"],
            words={**common_words(), "kinds": kind_words()},
            cases=case_names(eid),
        )


# ---------------------------------------------------------------- overlays and widget

OVERLAY_PARTS = ("total", "goal", "ticker", "celebrate")
OVERLAY_SIZES = ("small", "medium", "large")
NAMED_COLORS = {"white": "#ffffff", "black": "#000000", "yellow": "#ffe600"}
HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")


class BadOption(ValueError):
    """An overlay option the address gives a value we do not know (answered with a 400)."""

    def __init__(self, name: str, allowed: str) -> None:
        super().__init__(name)
        self.name, self.allowed = name, allowed


def overlay_options(args: Mapping[str, str]) -> dict[str, Any]:
    """Read an overlay's options from its address, strictly: any unknown value is refused.

    `show` is a comma list of OVERLAY_PARTS (all by default), `size` one of OVERLAY_SIZES,
    `color` six hex digits (with or without "#", which an address must send as %23) or a
    name of NAMED_COLORS, `lang` one of the app's languages. The values kept are ours,
    never the raw text of the address.
    """
    options: dict[str, Any] = {"show": list(OVERLAY_PARTS), "size": "medium", "color": ""}
    if "show" in args:
        asked = [part.strip().lower() for part in args["show"].split(",") if part.strip()]
        if not asked or any(part not in OVERLAY_PARTS for part in asked):
            raise BadOption("show", ", ".join(OVERLAY_PARTS))
        options["show"] = [part for part in OVERLAY_PARTS if part in asked]
    if "size" in args:
        if args["size"].lower() not in OVERLAY_SIZES:
            raise BadOption("size", ", ".join(OVERLAY_SIZES))
        options["size"] = args["size"].lower()
    if "color" in args:
        raw = args["color"].strip().lower()
        match = HEX_COLOR.fullmatch(raw)
        if raw in NAMED_COLORS:
            options["color"] = NAMED_COLORS[raw]
        elif match:
            options["color"] = "#" + match.group(1)
        else:
            raise BadOption("color", "rrggbb, " + ", ".join(NAMED_COLORS))
    languages = current_app.config["LANGUAGES"]
    if "lang" in args and args["lang"] not in languages:
        raise BadOption("lang", ", ".join(languages))
    return options


def embed_page(template: str, stored: dict[str, Any], **context: Any) -> Any:
    """Render an overlay or the widget in its language, or a readable 400 for a bad option.

    A bad option gets a page rather than the default: the address is typed once, while
    setting up the browser source or the website, and that is when a typo must show.
    """
    try:
        overlay = overlay_options(request.args)
    except BadOption as bad:
        message = gettext("The option %(name)s takes one of: %(allowed)s.",
                          name=bad.name, allowed=bad.allowed)
        return render_template("overlay_error.html", message=message), 400
    # The host's screen options that keep something from the public hold here too.
    overlay["anonymous"] = stored.get("hide_top") is True
    overlay["freeze"] = stored.get("freeze_last_hour") is True
    lang = screen_locale({"lang": stored.get("lang", "")})
    with force_locale(lang):
        return render_template(template, overlay=overlay, lang=lang,
                               words={**common_words(), "kinds": kind_words()}, **context)


@bp.get("/m/<mid>/overlay")
def marathon_overlay(mid: str) -> Any:
    """Show a marathon's live overlay for a livestream: transparent, framed by anyone."""
    meta = store().marathon(mid)
    return embed_page("overlay.html", meta["options"], room={"marathon": mid},
                      title=display_name(meta["title"]), cases=case_names(meta["edition_id"]))


@bp.get("/e/<eid>/overlay")
def edition_overlay(eid: str) -> Any:
    """Show an edition's live overlay (its total, milestones, the marathons passing them)."""
    edition = store().edition(eid)
    return embed_page("overlay.html", {}, room={"edition": eid},
                      title=localised(edition.get("title"), screen_locale({"lang": ""})) or eid,
                      cases=case_names(eid))


@bp.get("/m/<mid>/widget")
def marathon_widget(mid: str) -> Any:
    """Show a marathon's small live card for a website, linking to its public report."""
    meta = store().marathon(mid)
    return embed_page("widget.html", meta["options"], room={"marathon": mid},
                      meta=public_meta(meta),
                      cases={}, link=url_for("host.report_page", mid=mid, _external=True))
