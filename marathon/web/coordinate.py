"""Coordinators' pages: login, the compare dashboard, and the public edition table.

The table's data and the exports are API routes (`web.api.editions`); editions and
accounts are managed on the admin pages (`web.admin`). The public table (`/e/<id>`)
shows no participant data.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from .. import domain
from ..domain import compare
from ..extensions import limiter
from ..store import NotFound, store
from . import exports
from .auth import current_account, login_required
from .helpers import edition_title, safe_next
from .sessions import renew

bp = Blueprint("coordinate", __name__)


@bp.route("/coordinate/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login() -> Any:
    """Show the login form; check the password (wrong ones are rate limited per address,
    and each e-mail waits longer and longer after failures, from any address)."""
    if request.method == "GET":
        return render_template("login.html", error=None, next=request.values.get("next", ""))
    address = request.form.get("email", "").strip().lower()[:254]
    cfg, now = current_app.config, domain.now_ms()
    wait = store().login_attempt(address, now, free=cfg["LOGIN_BACKOFF_AFTER"],
                                 max_ms=int(cfg["LOGIN_BACKOFF_MAX_SECONDS"] * 1000))
    if wait:
        return _login_refused(gettext(
            "Too many wrong passwords for this e-mail. Try again in %(n)s seconds.",
            n=-(-wait // 1000)), 429, wait)
    account = store().authenticate(address, request.form.get("password", ""))
    if account is None:
        return _login_refused(gettext("Wrong e-mail or password."), 401)
    store().login_succeeded(address)
    # A fresh session under a new id (no state from before the login carries over),
    # except the marathons this browser may host: a host may also be a coordinator.
    hosts = session.get("hosts")
    session.clear()
    if hosts:
        session["hosts"] = hosts
    session["coordinator"] = account.email
    renew()
    return redirect(safe_next(request.form.get("next"), url_for("coordinate.dashboard")))


def _login_refused(message: str, status: int, wait_ms: int = 0) -> Response:
    body = render_template("login.html", error=message, next=request.values.get("next", ""))
    resp = Response(body, status)
    if wait_ms:
        resp.headers["Retry-After"] = str(-(-wait_ms // 1000))
    return resp


@bp.post("/coordinate/logout")
def logout() -> Response:
    """Log out (a POST with the CSRF token): every session of this coordinator ends, on
    every device, so a cookie copied before is dead. What else this browser's session
    holds (the marathons it may host) stays, under a new id."""
    address = session.pop("coordinator", None)
    if address:
        store().end_sessions(address)
        renew()
    return redirect(url_for("coordinate.login"))


# ---------------------------------------------------------------- dashboard


def _page_context(eid: str | None, public: bool = False) -> dict[str, Any]:
    editions = store().editions()
    if not editions:
        raise NotFound("edition")
    eid = eid or store().current_edition_id() or editions[0]["id"]
    edition = store().edition(eid)
    index = store().compare_index(eid)
    return {"edition": edition, "edition_title": edition_title(edition),
            "editions": [(e["id"], edition_title(e)) for e in editions],
            "filters": compare.filter_values(index, public), "statuses": compare.STATUSES,
            "kinds": exports.KINDS}


@bp.get("/coordinate")
@login_required
def dashboard() -> str:
    """The compare table, filters, charts and exports of one edition."""
    ctx = _page_context(request.args.get("edition"))
    return render_template("coordinate.html", account=current_account(), public=False, **ctx)


@bp.get("/e/<eid>")
def edition_public(eid: str) -> str:
    """The public compare table of an edition (no participant data)."""
    ctx = _page_context(eid, public=True)
    return render_template("edition_public.html", public=True, **ctx)
