"""Coordinators: login, the compare dashboard, its JSON API and the exports (issue 8).

Pages under /coordinate redirect to the login page without a session; the coordinator
parts of /api/v1 answer 401. Edition and account management is for admins. The public
table (`/e/<id>` and the anonymous use of `/api/v1/editions/<id>/marathons`) shows no
participant data.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, gettext

from . import accounts, compare, domain, exports, openapi
from .accounts import Account
from .compare_store import CompareStore
from .errors import ApiError
from .extensions import limiter
from .store import NotFound, Store

bp = Blueprint("coordinate", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def store() -> Store:
    return current_app.extensions["store"]


def compare_store() -> CompareStore:
    ext = current_app.extensions
    if "compare_store" not in ext:
        ext["compare_store"] = CompareStore(store())
    return ext["compare_store"]


def now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------- sessions


def current_account() -> Account | None:
    """Return the logged-in coordinator (read once per request), or None."""
    if "account" not in g:
        address = session.get("coordinator")
        g.account = accounts.get(store(), address) if address else None
    return g.account


def _refuse() -> Any:
    if request.path.startswith("/api/"):
        raise ApiError(401, "unauthorized", gettext("Log in as a coordinator first."))
    return redirect(url_for("coordinate.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return _refuse()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = current_account()
        if account is None:
            return _refuse()
        if not account.is_admin:
            return render_template("error.html", message=gettext(
                "Only an admin can manage editions and accounts.")), 403
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _safe_next(raw: str | None) -> str:
    """Follow `next` only to a path of this site."""
    if not raw:
        return url_for("coordinate.dashboard")
    parts = urlsplit(raw)
    # Browsers read a backslash as a slash ("/\host" would be "//host").
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//") or (
            "\\" in raw):
        return url_for("coordinate.dashboard")
    return raw


@bp.route("/coordinate/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login() -> Any:
    """Show the login form; check the password (wrong ones are rate limited)."""
    error = None
    if request.method == "POST":
        account = accounts.authenticate(store(), request.form.get("email", ""),
                                        request.form.get("password", ""))
        if account is not None:
            # A fresh session (no state from before the login carries over), except the
            # host links this browser opened: a host may also be a coordinator.
            hosts = session.get("hosts")
            session.clear()
            if hosts:
                session["hosts"] = hosts
            session["coordinator"] = account.email
            return redirect(_safe_next(request.form.get("next")))
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


def edition_title(edition: dict[str, Any]) -> str:
    title = edition.get("title") or edition["id"]
    if isinstance(title, dict):
        lang = str(get_locale() or "en")
        return title.get(lang) or title.get("en") or next(iter(title.values()), edition["id"])
    return str(title)


def _edition_or_404(eid: str) -> dict[str, Any]:
    return store().edition(eid)


def _page_context(eid: str | None) -> dict[str, Any]:
    editions = store().editions()
    if not editions:
        raise NotFound("edition")
    eid = eid or store().current_edition_id() or editions[0]["id"]
    edition = _edition_or_404(eid)
    index = compare_store().index(eid)
    return {"edition": edition, "edition_title": edition_title(edition),
            "editions": [(e["id"], edition_title(e)) for e in editions],
            "filters": compare.filter_values(index), "statuses": compare.STATUSES,
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
    ctx = _page_context(eid)
    return render_template("edition_public.html", public=True, **ctx)


# ---------------------------------------------------------------- JSON API


def _query(edition: dict[str, Any], public: bool) -> compare.Query:
    args = request.args
    case_ids = tuple(c["id"] for c in edition.get("cases", []))
    sort = args.get("sort", "total")
    if sort not in compare.sortable(case_ids, public):
        raise ApiError(400, "invalid", gettext("This column cannot be sorted on."), "sort")
    order = args.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "invalid", gettext("Order is asc or desc."), "order")
    status = args.get("status", "")
    if status and status not in compare.STATUSES:
        raise ApiError(400, "invalid", gettext("Status is scheduled, running or ended."),
                       "status")
    kind = args.get("type", "")
    if kind and kind not in domain.GROUP_TYPES:
        raise ApiError(400, "invalid", gettext("Type must be one of: %(types)s.",
                                               types=", ".join(domain.GROUP_TYPES)), "type")
    countries = frozenset(c.strip().upper() for c in args.get("country", "").split(",")
                          if c.strip())
    return compare.Query(
        country=countries, region=args.get("region", "").strip()[:120], type=kind,
        status=status, q=args.get("q", "")[:120], sort=sort, desc=order == "desc",
        page=_int_arg("page", 1, 1, 1_000_000),
        per_page=_int_arg("per_page", 50, 1, compare.PER_PAGE_MAX),
        public=public, case_ids=case_ids)


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError(400, "invalid", gettext("Give a whole number from %(lo)s to %(hi)s.",
                                               lo=lo, hi=hi), name)
    return int(raw)


@bp.get("/api/v1/editions/<eid>/marathons")
def marathons(eid: str) -> Response:
    """The compare table: public columns for anyone, every column for coordinators."""
    edition = _edition_or_404(eid)
    public = current_account() is None
    query = _query(edition, public)
    charts = request.args.get("charts") == "1" and not public
    body = compare.table(compare_store().index(eid), query, now_ms(), with_charts=charts)
    body["edition"] = eid
    body["public"] = public
    return jsonify(body)


@bp.get("/api/v1/editions/<eid>/curves")
@login_required
def curves(eid: str) -> Response:
    """Hourly counts of a few marathons, aligned on hours since their start (coordinator)."""
    _edition_or_404(eid)
    index = compare_store().index(eid)
    ids = [i for i in request.args.get("ids", "").split(",") if i in index.rows][:12]
    out = [{"id": mid, "group": index.rows[mid]["group"]["name"], "hourly": hourly}
           for mid, hourly in compare_store().hourly(index.rows, ids)]
    return jsonify({"edition": eid, "curves": out})


@bp.get("/api/v1/editions/<eid>/export.csv", defaults={"fmt": "csv"})
@bp.get("/api/v1/editions/<eid>/export.json", defaults={"fmt": "json"})
@login_required
def export(eid: str, fmt: str) -> Response:
    """Download an edition's numbers as CSV or JSON (coordinator)."""
    edition = _edition_or_404(eid)
    kind = request.args.get("kind", "marathons")
    if kind not in exports.KINDS:
        raise ApiError(400, "invalid", gettext("Kind is marathons, cases or hours."), "kind")
    sep = request.args.get("sep", ",")
    if sep not in exports.SEPARATORS:
        raise ApiError(400, "invalid", gettext("The separator is , or ;."), "sep")
    now = now_ms()
    items = exports.records(kind, compare_store(), edition, now)
    name = f"{eid}-{kind}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "no-store"}
    if fmt == "json":
        resp = jsonify(exports.json_document(kind, edition, items, now))
        resp.headers.update(disposition)
        return resp
    case_ids = [c["id"] for c in edition.get("cases", [])]
    chunks = exports.csv_chunks(exports.fields(kind, case_ids), items, sep)
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers=disposition, content_type="text/csv; charset=utf-8")


# ---------------------------------------------------------------- OpenAPI


def _doc() -> dict[str, Any]:
    eid = {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}}

    def q(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": text}

    def answer(text: str, media: str = "application/json") -> dict[str, Any]:
        return {"description": text, "content": {media: {"schema": {"type": "object"}}}}

    def error(text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}

    table_params = [
        eid, q("country", {"type": "string"}, "ISO codes, comma-separated"),
        q("region", {"type": "string"}, "exact region"),
        q("type", {"type": "string", "enum": list(domain.GROUP_TYPES)}, "group type"),
        q("status", {"type": "string", "enum": list(compare.STATUSES)}, "status"),
        q("q", {"type": "string"}, "text search in group, title, city, region"),
        q("sort", {"type": "string"}, "a column name, or case:<case id>"),
        q("order", {"type": "string", "enum": ["asc", "desc"]}, "sort order"),
        q("page", {"type": "integer", "minimum": 1}, "page, from 1"),
        q("per_page", {"type": "integer", "minimum": 1, "maximum": compare.PER_PAGE_MAX},
          "rows per page"),
        q("charts", {"type": "string", "enum": ["1"]}, "add chart data (coordinator)"),
    ]
    return {
        "/api/v1/editions/{eid}/marathons": {"get": {
            "summary": "Compare table: public columns, or all for a coordinator",
            "parameters": table_params,
            "responses": {"200": answer("A page of rows, the count and the totals row"),
                          "400": error("Bad parameter"), "404": error("Unknown edition"),
                          "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/curves": {"get": {
            "summary": "Hourly counts of selected marathons (coordinator)",
            "parameters": [eid, q("ids", {"type": "string"}, "marathon ids, comma-separated")],
            "responses": {"200": answer("Curves"), "401": error("Not logged in"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/export.csv": {"get": {
            "summary": "Export as CSV, UTF-8 with BOM (coordinator)",
            "parameters": [eid, q("kind", {"type": "string", "enum": list(exports.KINDS)},
                                  "one record per marathon, marathon x case, marathon x hour"),
                           q("sep", {"type": "string", "enum": list(exports.SEPARATORS)},
                             "separator (with ; the decimal mark is a comma)")],
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {
                "schema": {"type": "string"}}}},
                "400": error("Bad parameter"), "401": error("Not logged in"),
                "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/export.json": {"get": {
            "summary": "Export as JSON (coordinator)",
            "parameters": [eid, q("kind", {"type": "string", "enum": list(exports.KINDS)},
                                  "one record per marathon, marathon x case, marathon x hour")],
            "responses": {"200": answer("Edition, kind and records"),
                          "400": error("Bad parameter"), "401": error("Not logged in"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
    }


openapi.add_paths(_doc())

# The admin pages (editions, accounts) add their routes to this blueprint.
from . import coordinate_admin  # noqa: E402,F401
