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

from ..domain import compare
from ..extensions import limiter
from ..store import NotFound, store
from . import exports
from .auth import current_account, login_required
from .helpers import edition_title, safe_next

bp = Blueprint("coordinate", __name__)


@bp.route("/coordinate/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login() -> Any:
    """Show the login form; check the password (wrong ones are rate limited)."""
    error = None
    if request.method == "POST":
        account = store().authenticate(request.form.get("email", ""),
                                       request.form.get("password", ""))
        if account is not None:
            # A fresh session (no state from before the login carries over), except the
            # host links this browser opened: a host may also be a coordinator.
            hosts = session.get("hosts")
            session.clear()
            if hosts:
                session["hosts"] = hosts
            session["coordinator"] = account.email
            return redirect(safe_next(request.form.get("next"),
                                      url_for("coordinate.dashboard")))
        error = gettext("Wrong e-mail or password.")
    body = render_template("login.html", error=error,
                           next=request.values.get("next", ""))
    return (body, 401) if error else body


@bp.post("/coordinate/logout")
def logout() -> Response:
    """Forget the coordinator's session (a POST with the CSRF token)."""
    session.pop("coordinator", None)
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
