"""Admin pages of /coordinate: editions (create, edit cases, import/export, current) and
coordinator accounts."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from .. import domain
from ..domain import query
from ..domain.accounts import ROLES
from ..domain.editions import FALLBACK, YEAR_MAX, YEAR_MIN
from ..domain.payload import parse_json
from ..store import store
from .auth import admin_required, current_account, login_required
from .helpers import edition_title
from .sessions import renew

bp = Blueprint("admin", __name__)

CASE_FIELDS = ("id", "name", "country")
BLANK_CASE_ROWS = 3


@bp.url_value_preprocessor
def _larger_body_for_the_edition_upload(endpoint: str | None, _: Any) -> None:
    """Let the edition import take more than MAX_CONTENT_LENGTH (and nothing else).

    URL value preprocessors run before every before_request function, so this is set
    before the CSRF check reads the form.
    """
    if endpoint == "admin.edition_import":
        request.max_content_length = current_app.config["EDITION_UPLOAD_MAX_BYTES"]
        request.max_form_memory_size = current_app.config["EDITION_UPLOAD_MAX_BYTES"]


def _message(exc: domain.Invalid) -> str:
    return f"{exc.field}: {gettext(exc.message, **exc.params)}"


@bp.get("/coordinate/editions")
@admin_required
def editions() -> str:
    """List the editions; import one from JSON."""
    current = store().current_edition_id()
    items = [{"id": e["id"], "year": e.get("year"), "title": edition_title(e),
              "cases": len(e.get("cases", [])), "current": e["id"] == current}
             for e in store().editions()]
    return render_template("coordinate_editions.html", items=items, account=current_account())


@bp.post("/coordinate/editions/import")
@admin_required
def edition_import() -> Any:
    """Load an edition from pasted or uploaded JSON (replaces one with the same id)."""
    upload = request.files.get("file")
    try:
        if upload and upload.filename:
            raw = parse_json(upload.read(), "file")
        else:
            raw = parse_json(request.form.get("json", ""), "json")
        edition = store().import_edition(raw, current=bool(request.form.get("current")))
    except domain.Invalid as exc:
        flash(_message(exc), "error")
        return redirect(url_for("admin.editions"))
    flash(gettext("Edition %(id)s imported.", id=edition["id"]), "ok")
    return redirect(url_for("admin.editions"))


@bp.get("/coordinate/editions/<eid>.json")
@login_required
def edition_json(eid: str) -> Response:
    """Download an edition as JSON (the same shape the import takes)."""
    edition = {k: v for k, v in store().edition(eid).items() if k != "case_ids"}
    if regions := store().region_shapes(eid):
        edition["regions"] = regions
    resp = jsonify(edition)
    resp.headers["Content-Disposition"] = f'attachment; filename="edition-{eid}.json"'
    return resp


@bp.post("/coordinate/editions/<eid>/current")
@admin_required
def edition_current(eid: str) -> Any:
    """Make an edition the one shown first."""
    store().put_edition({k: v for k, v in store().edition(eid).items() if k != "case_ids"},
                        current=True)
    flash(gettext("Edition %(id)s is now the current edition.", id=eid), "ok")
    return redirect(url_for("admin.editions"))


def _form_edition(base: dict[str, Any]) -> dict[str, Any]:
    """Read the edition form into an edition dict (blank case rows are skipped)."""
    form = request.form
    edition = dict(base)
    if "id" not in base:
        edition["id"] = form.get("id", "").strip()
    year = query.digits(form.get("year", "").strip())  # the one reader of numbers
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise domain.Invalid("year", domain.N_("Give a year from %(lo)s to %(hi)s."),
                             lo=YEAR_MIN, hi=YEAR_MAX)
    edition["year"] = year
    # English is required (the import names it when it is missing); other languages
    # left blank fall back to it.
    languages = current_app.config["LANGUAGES"]
    edition["title"] = {
        lang: domain.text(form.get(f"title_{lang}"), f"title_{lang}")
        for lang in languages if lang == FALLBACK or form.get(f"title_{lang}", "").strip()}
    fields = [*CASE_FIELDS, *(f"summary_{lang}" for lang in languages)]
    columns = [form.getlist(f"case_{name}") for name in fields]
    # The form edits a case's id, name, country and summary; anything else a case
    # carries (its card and kit texts, issue 11) is kept as it was.
    before = {c["id"]: c for c in base.get("cases", [])}
    cases = []
    # A language column the form did not send (a page from before it was added) is blank.
    for values in zip_longest(*columns, fillvalue=""):
        cid, name, country, *summaries = (v.strip() for v in values)
        if not any((cid, name, country, *summaries)):
            continue
        case = {**before.get(cid, {}), "id": cid, "name": name, "country": country.upper()}
        case.pop("summary", None)
        summary = {lang: text for lang, text in zip(languages, summaries, strict=True)
                   if text}
        if summary:
            case["summary"] = summary
        cases.append(case)
    edition["cases"] = cases
    for name in ("opens", "closes"):  # blank: the default window of the year
        edition.pop(name, None)
        if form.get(name, "").strip():
            edition[name] = form[name].strip()
    return edition


def _edit(base: dict[str, Any], is_new: bool) -> Any:
    error = None
    edition = base
    if request.method == "POST":
        try:
            edition = _form_edition(base)
            if is_new and edition["id"] in {e["id"] for e in store().editions()}:
                raise domain.Invalid("id", domain.N_("An edition with this id exists."))
            store().import_edition(edition, current=bool(request.form.get("current")))
        except domain.Invalid as exc:
            error = _message(exc)
        else:
            flash(gettext("Edition %(id)s saved.", id=edition["id"]), "ok")
            return redirect(url_for("admin.editions"))
    title = edition.get("title") or {}
    if isinstance(title, str):
        title = {FALLBACK: title}
    blank = {"id": "", "name": "", "country": "", "summary": {}}
    rows = [*edition.get("cases", []), *([blank] * BLANK_CASE_ROWS)]
    return render_template("coordinate_edition_form.html", edition=edition, is_new=is_new,
                           title=title, cases=rows, error=error,
                           account=current_account()), (400 if error else 200)


@bp.route("/coordinate/editions/new", methods=["GET", "POST"])
@admin_required
def edition_new() -> Any:
    """Create an edition."""
    return _edit({"cases": []}, is_new=True)


@bp.route("/coordinate/editions/<eid>/edit", methods=["GET", "POST"])
@admin_required
def edition_edit(eid: str) -> Any:
    """Edit an edition's year, title and cases."""
    base = {k: v for k, v in store().edition(eid).items() if k != "case_ids"}
    return _edit(base, is_new=False)


# ---------------------------------------------------------------- accounts


@bp.route("/coordinate/accounts", methods=["GET", "POST"])
@admin_required
def accounts_page() -> Any:
    """List coordinator accounts; add one or change its password and role."""
    error = None
    if request.method == "POST":
        try:
            account = store().add_account(request.form.get("email", ""),
                                          request.form.get("password", ""),
                                          request.form.get("role", "coordinator"))
        except domain.Invalid as exc:
            error = _message(exc)
        else:
            # A new password ended every session of the account (store.add_account);
            # an admin who changed their own keeps this one, under a new id.
            me = current_account()
            if me is not None and me.email == account.email:
                renew()
            flash(gettext("Account %(email)s saved.", email=account.email), "ok")
            return redirect(url_for("admin.accounts_page"))
    return render_template("coordinate_accounts.html", items=store().accounts(),
                           roles=ROLES, error=error,
                           account=current_account()), (400 if error else 200)


@bp.post("/coordinate/accounts/remove")
@admin_required
def account_remove() -> Any:
    """Remove an account (not one's own: an office must keep an admin)."""
    address = request.form.get("email", "")
    me = current_account()
    if me is not None and address == me.email:
        flash(gettext("You cannot remove your own account."), "error")
    elif store().remove_account(address):
        flash(gettext("Account %(email)s removed.", email=address), "ok")
    return redirect(url_for("admin.accounts_page"))
