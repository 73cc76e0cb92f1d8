"""Participant pages: join by code or QR, the log page, the language switch (issue 5).

The phone keeps the participant's token in `localStorage` (never in a cookie), so the
pages themselves are public: the join page looks the code up, and the log page renders
the marathon, its cases and the current total; `static/js/log.js` does the rest through
the JSON API. A service worker (`/sw.js`) lets the log page reload without a network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import dates
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number, get_locale, gettext
from flask_babel import lazy_gettext as _l

from .. import domain
from ..domain.names import display_name, public_meta
from ..live.snapshots import marathon_snapshot
from ..store import NotFound, store
from .helpers import safe_next
from .i18n import LANG_COOKIE, language_name

bp = Blueprint("phone", __name__)

KIND_LABELS = {
    "letter": _l("Letter"),
    "card": _l("Solidarity card"),
    "email": _l("Email"),
    "petition": _l("Petition signature"),
    "post": _l("Social-media post"),
}
LANG_COOKIE_MAX_AGE = 365 * 86_400


def _when(value_ms: int, tz: str) -> str:
    """Format a moment in the marathon's own time zone (Flask-Babel's would be UTC)."""
    moment = domain.from_ms(value_ms, tz)
    locale = get_locale() or "en"
    day = dates.format_date(moment, "full", locale=locale)
    hour = dates.format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    return dates.get_datetime_format("long", locale=locale).replace(
        "{1}", day).replace("{0}", hour)


# ---------------------------------------------------------------- join


@bp.get("/join")
def join_form() -> Any:
    """Take the code typed on the home page to its join page."""
    raw = request.args.get("code", "")
    code = "".join(raw.split()).upper()
    if not code:
        return redirect(url_for("pages.index"))
    return redirect(url_for("phone.join", code=code))


@bp.get("/j/<code>")
def join(code: str) -> tuple[str, int]:
    """Show the join form for a marathon's code (the QR target), or say the code is wrong."""
    try:
        mid = store().marathon_by_code(domain.normalise_join_code(code))
    except (domain.Invalid, NotFound):
        return render_template("join.html", marathon=None, code=code), 404
    meta = store().marathon(mid)
    status = domain.status(meta["starts"], meta["ends"], meta["closed"], domain.now_ms())
    return render_template(
        "join.html", marathon=public_meta(meta), code=meta["join_code"], status=status,
        starts=_when(meta["starts"], meta["timezone"]),
        ends=_when(meta["ends"], meta["timezone"]),
        nickname_max=domain.NICKNAME_MAX, teams=_teams(mid),
    ), 200


def _teams(mid: str) -> list[dict[str, Any]]:
    """The marathon's teams for a phone's picker, names masked (a public page)."""
    return [{"id": t["id"], "name": display_name(t["name"]), "total": t["total"]}
            for t in sorted(store().teams(mid), key=lambda t: t["name"].casefold())]


# ---------------------------------------------------------------- log


@bp.get("/m/<mid>/log")
def log(mid: str) -> str:
    """Render the log page: big +1, pickers, tallies; log.js talks to the API."""
    meta = store().marathon(mid)
    now = domain.now_ms()
    snapshot = marathon_snapshot(store(), mid, now)
    edition = store().edition(meta["edition_id"])
    cases = [{"id": c["id"], "name": c["name"]} for c in edition.get("cases", [])]
    cfg = current_app.config
    tz = meta["timezone"]
    grace_hours = cfg["LATE_SYNC_HOURS"]
    return render_template(
        "log.html", marathon=public_meta(meta), cases=cases, kinds=KIND_LABELS,
        snapshot=snapshot, total_text=format_number(snapshot["total"]),
        starts=_when(meta["starts"], tz), ends=_when(meta["ends"], tz),
        grace_ends=_when(meta["ends"] + int(grace_hours * 3_600_000), tz),
        grace_hours=int(grace_hours) if grace_hours == int(grace_hours) else grace_hours,
        undo_seconds=cfg["UNDO_WINDOW_SECONDS"], max_count=domain.MAX_COUNT,
        teams=_teams(mid),
    )


@bp.get("/m/<mid>/manifest.webmanifest")
def manifest(mid: str) -> Response:
    """Describe the log page as an app, so a phone can add it to its home screen."""
    meta = store().marathon(mid)
    icons = [
        {"src": url_for("static", filename=f"icons/icon-{size}.png"),
         "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ]
    icons.append({"src": url_for("static", filename="icons/icon.svg"), "sizes": "any",
                  "type": "image/svg+xml"})
    body = {
        "name": f"{display_name(meta['title'])} — {gettext('Letter Marathon')}",
        "short_name": gettext("Letter Marathon"),
        "lang": str(get_locale()),
        "start_url": url_for("phone.log", mid=mid),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#000000",
        "icons": icons,
    }
    resp = jsonify(body)
    resp.mimetype = "application/manifest+json"
    return resp


@bp.get("/sw.js")
def service_worker() -> Response:
    """Serve the service worker from the root so that it may control the log pages."""
    path = Path(current_app.static_folder or "", "js", "sw.js")
    resp = Response(path.read_bytes(), mimetype="text/javascript")
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


# ---------------------------------------------------------------- language


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    target = safe_next(request.args.get("next"), url_for("pages.index"))
    resp = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        resp.set_cookie(LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return resp


@bp.app_context_processor
def language_links() -> dict[str, Any]:
    """Give every template the current locale and the language switch's links."""

    def lang_links() -> list[dict[str, Any]]:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        here = request.path + ("?" + urlencode(args) if args else "")
        current = str(get_locale())
        return [{"code": code, "name": language_name(code),
                 "current": code == current,
                 "href": url_for("phone.set_language", code=code, next=here)}
                for code in current_app.config["LANGUAGES"]]

    # base.html reads the page language from get_locale() for <html lang>.
    return {"lang_links": lang_links, "get_locale": get_locale}
