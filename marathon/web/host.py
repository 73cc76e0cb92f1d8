"""Host pages: register, the secret host link, console, paper tally, poster, report.

The console itself talks to the JSON API (with the host session and the CSRF header);
this module serves the pages and the two writes that have no API of their own: the
registration form and the paper tally.
"""

from __future__ import annotations

import functools
import hmac
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import segno
from babel import Locale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, SelectChoice, SelectField, StringField

from .. import domain
from ..domain import query
from ..domain.names import public_meta, sort_key
from ..extensions import limiter, marathon_key
from ..store import Conflict, StoreError, store
from . import report
from .errors import from_domain
from .helpers import in_page_language, int_arg, projector_path
from .moderation import group_prefill, register_marathon, registration_code
from .sessions import add_host, hosted

bp = Blueprint("host", __name__)

GROUP_TYPE_LABELS = {"school": _l("School"), "university": _l("University"),
                     "local_group": _l("Local group"), "library": _l("Library"),
                     "other": _l("Other")}
KIND_LABELS = {"letter": _l("Letters"), "card": _l("Cards"), "email": _l("Emails"),
               "petition": _l("Petition signatures"), "post": _l("Social-media posts")}
# A valid stand-in for each field, so that one pass can report every faulty field.
STAND_INS: dict[str, Any] = {
    "group.name": "-", "group.type": "other", "group.city": "", "group.region": "",
    "group.country": "FR", "title": "-", "timezone": "UTC",
    "starts_at": "2026-12-05T12:00:00+00:00", "duration_hours": 24, "goal": None,
}


# ---------------------------------------------------------------- registration


class RegisterForm(FlaskForm):
    """The registration form; field names are the API's (``group.name``, ``goal``...)."""

    group_name = StringField(_l("Group name"), name="group.name")
    group_type = SelectField(_l("Type of group"), name="group.type", validate_choice=False,
                             choices=[SelectChoice(k, v) for k, v in GROUP_TYPE_LABELS.items()])
    group_city = StringField(_l("City"), name="group.city")
    group_region = StringField(_l("Region"), name="group.region")
    group_country = SelectField(_l("Country"), name="group.country", validate_choice=False)
    edition_id = SelectField(_l("Campaign edition"), validate_choice=False)
    title = StringField(_l("Title of the marathon"))
    starts_at = StringField(_l("Starts on"), render_kw={"type": "datetime-local"})
    timezone = StringField(_l("Time zone"), render_kw={"list": "timezones",
                                                       "autocomplete": "off"})
    duration_hours = StringField(_l("Duration in hours"), default="24",
                                 render_kw={"type": "number", "min": domain.DURATION_MIN,
                                            "max": domain.DURATION_MAX})
    goal = StringField(_l("Goal (actions, optional)"),
                       render_kw={"type": "number", "min": 0})
    registration_code = StringField(_l("Registration code (optional, from your national "
                                       "office)"), render_kw={"autocomplete": "off"})
    group_id = HiddenField()  # from the report's "register again" link: a check only


def countries() -> list[tuple[str, str]]:
    """Country codes and names in the page's language, sorted as a reader expects."""
    names = Locale.parse(str(get_locale())).territories
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha()]
    return sorted(pairs, key=lambda pair: sort_key(pair[1]))


@functools.lru_cache(maxsize=1)
def timezones() -> list[str]:
    return sorted(z for z in available_timezones()
                  if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))


def _browser_country() -> str:
    for lang, _ in request.accept_languages:
        _, _, region = lang.replace("_", "-").partition("-")
        if len(region) == 2 and region.isalpha():
            return region.upper()
    return ""


def _number(raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    value = query.digits(text)  # ASCII digits only: int() would take "٣" and "3_000"
    return text if value is None else value  # the domain names the field and says why


def registration_body(form: RegisterForm) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn the form into the API's registration body; report the date if unreadable."""
    errors: dict[str, str] = {}
    tz = (form.timezone.data or "").strip()
    starts = (form.starts_at.data or "").strip()
    starts_at: Any = None
    try:
        local = datetime.fromisoformat(starts)
        if local.tzinfo is not None:
            raise ValueError
    except ValueError:
        errors["starts_at"] = gettext("Give a date and a time.")
    else:
        try:
            zone = ZoneInfo(domain.timezone(tz))
        except domain.Invalid:
            zone = ZoneInfo("UTC")  # the time zone's own error is reported below
        starts_at = local.replace(tzinfo=zone).isoformat()
    duration = _number(form.duration_hours.data)
    body = {
        "group": {"name": form.group_name.data, "type": form.group_type.data,
                  "city": form.group_city.data, "region": form.group_region.data,
                  "country": form.group_country.data},
        "edition_id": form.edition_id.data, "title": form.title.data,
        "starts_at": starts_at, "timezone": tz,
        "duration_hours": 24 if duration is None else duration,
        "goal": _number(form.goal.data),
        "group_id": form.group_id.data or None,
    }
    return body, errors


def validate_registration(body: dict[str, Any], edition_ids: set[str],
                          errors: dict[str, str]) -> domain.MarathonInput | None:
    """Check the body with `domain.marathon`, collecting every faulty field at once.

    The domain stops at the first fault; each faulty field is replaced by a valid
    stand-in and the check runs again, so the host sees all problems in one go.
    """
    trial = {**body, "group": dict(body["group"])}
    for field in errors:
        _stand_in(trial, field, edition_ids)
    for _ in range(len(STAND_INS) + 2):
        try:
            data = domain.marathon(trial, edition_ids)
        except domain.Invalid as exc:
            if exc.field in errors or not _stand_in(trial, exc.field, edition_ids):
                errors.setdefault(exc.field, gettext(exc.message, **exc.params))
                return None
            errors[exc.field] = gettext(exc.message, **exc.params)
            continue
        return None if errors else data
    return None


def _stand_in(trial: dict[str, Any], field: str, edition_ids: set[str]) -> bool:
    if field == "edition_id" and edition_ids:
        trial["edition_id"] = sorted(edition_ids)[0]
    elif field.startswith("group.") and field in STAND_INS:
        trial["group"][field[6:]] = STAND_INS[field]
    elif field in STAND_INS:
        trial[field] = STAND_INS[field]
    else:
        return False
    return True


@bp.route("/register", methods=["GET", "POST"])
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_REGISTER"], "register",
                      methods=["POST"])
def register() -> Any:
    """Show the registration form; on success, the page with the secret host link."""
    editions = store().editions()
    form = RegisterForm()
    form.group_country.choices = [SelectChoice("", gettext("Choose a country")),
                                  *(SelectChoice(*pair) for pair in countries())]
    form.edition_id.choices = [SelectChoice(e["id"],
                                            f'{e.get("year", "")} — {in_page_language(e["title"])}')
                               for e in editions]
    if request.method == "GET":
        form.group_country.data = _browser_country()
        form.edition_id.data = store().current_edition_id()
        again = group_prefill(request.args.get("group_id"))
        for name, value in (again or {}).items():
            field = getattr(form, "group_id" if name == "group_id" else f"group_{name}", None)
            if field is not None:
                field.data = value
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        body, errors = registration_body(form)
        data = validate_registration(body, {e["id"] for e in editions}, errors)
        given = registration_code(form.registration_code.data)
        if data is not None:
            try:
                mid, code, token, state = register_marathon(data, given)
            except Conflict as exc:  # a "register again" id its group no longer matches
                errors["group_id"] = from_domain(exc).message
            except domain.Invalid as exc:  # outside the edition's window
                errors[exc.field] = gettext(exc.message, **exc.params)
            else:
                add_host(mid, token)
                return render_template("registered.html", mid=mid, code=code,
                                       host_url=url_for("host.host_link", token=token,
                                                        _external=True),
                                       join_url=join_url(code), qr=qr_svg(join_url(code)),
                                       **screen_links(store().marathon(mid)),
                                       title=data.title, state=state)
    status = 400 if errors else 200
    return render_template("register.html", form=form, errors=errors,
                           timezones=timezones(), again=bool(form.group_id.data)), status


def join_url(code: str) -> str:
    return request.host_url.rstrip("/") + f"/j/{code}"


def screen_links(meta: dict[str, Any]) -> dict[str, str]:
    """The two screen links a host page offers: the projector link (with its secret key,
    it shows the join code) to project, and the public screen (without) to share."""
    base = request.host_url.rstrip("/")
    return {"projector_url": base + projector_path(meta["id"], meta["screen_key"]),
            "public_screen_url": base + url_for("screens.marathon_screen", mid=meta["id"])}


def qr_svg(url: str) -> Markup:
    """Draw the join QR code as inline SVG markup.

    The SVG holds only segno's paths and our own translated title (the URL is encoded
    in the modules, never written out), so it is marked safe here, once, for templates.
    """
    return Markup(segno.make(url, error="m").svg_inline(
        scale=4, omitsize=True, svgclass="qr", lineclass=None, title=gettext("Join QR code")))


# ---------------------------------------------------------------- host session


@bp.get("/h/<token>")
def host_link(token: str) -> Response:
    """Open the secret host link: this browser's session may host the marathon from now
    on (it keeps the token's hash, server-side); the address bar forgets the token."""
    try:
        mid = store().marathon_by_host_token(token)
    except StoreError as exc:
        _refuse(403, from_domain(exc).message)
    add_host(mid, token)
    return redirect(url_for("host.console", mid=mid), 303)


def _refuse(status: int, message: str) -> None:
    abort(Response(render_template("error.html", message=message), status))


def require_host(mid: str) -> tuple[dict[str, Any], str]:
    """Return the marathon and the host token's hash this session holds, or refuse
    (401/403). The store takes the hash wherever it takes the token."""
    meta = store().marathon(mid)
    token = hosted(mid)
    if not token:
        _refuse(401, gettext("This page is for the marathon's host. Open the secret host "
                             "link you received when registering."))
    if not hmac.compare_digest(token, meta["host_hash"]):
        _refuse(403, gettext("This host link has been replaced by a newer one. Ask the "
                             "host for the new link."))
    return meta, token


def local_input(ms_value: int, tz: str) -> str:
    """Format an instant for a datetime-local input, on the marathon's clock."""
    return domain.from_ms(ms_value, tz).strftime("%Y-%m-%dT%H:%M")


@bp.get("/m/<mid>/host")
def console(mid: str) -> str:
    """Run the event: totals, settings, close/reopen, participants, log, paper tally."""
    meta, _ = require_host(mid)
    edition = store().edition(meta["edition_id"])
    return render_template(
        "host.html", meta=meta, mid=mid, cases=edition.get("cases", []), **screen_links(meta),
        kinds=KIND_LABELS, starts_local=local_input(meta["starts"], meta["timezone"]),
        options={"theme": "dark", "lang": "", "hide_top": False, "freeze_last_hour": False,
                 "rotate_seconds": 0, "allow_embed": False, "names": "shown",
                 **meta["options"]},
        status=domain.status(meta["starts"], meta["ends"], meta["closed"], domain.now_ms()),
        held=store().held(mid, domain.now_ms()),
        timezones=timezones(), tally_max=current_app.config["TALLY_MAX"],
        previous=report.previous_edition(store(), meta),
        confirm=int_arg("confirm", None, 1, current_app.config["TALLY_MAX"]),
        confirm_kind=request.args.get("kind", ""), confirm_case=request.args.get("case_id", ""))


@bp.post("/m/<mid>/host/tally")
@limiter.limit(lambda: current_app.config["RATELIMIT_TALLY"], key_func=marathon_key)
def tally(mid: str) -> Response:
    """Enter a paper stack: N actions for one kind and case, as the host's entries.

    An action carries at most 100, so a bigger stack becomes several entries, each
    with its own client_id. Beyond what the room can plausibly write in an hour, the
    console asks the host to confirm first (nothing is added until then).
    """
    meta, token = require_host(mid)
    case_ids = store().case_ids(meta["edition_id"])
    now = domain.now_ms()
    target = url_for("host.console", mid=mid) + "#tally"
    try:
        kind = domain.kind(request.form.get("kind"))
        case = domain.case_id(request.form.get("case_id") or None, case_ids)
        count = domain.integer(_number(request.form.get("count")), "count", 1,
                               current_app.config["TALLY_MAX"])
        confirmed = request.form.get("confirm") == str(count)
        entered, bound = store().host_hour(mid, now)
        if entered + count > bound and not confirmed:
            flash(gettext("%(n)s would bring the host's entries this hour above %(bound)s, "
                          "more than this room can plausibly write. Check the stack, then "
                          "confirm.", n=count, bound=bound), "confirm")
            return redirect(url_for("host.console", mid=mid, confirm=count, kind=kind,
                                    case_id=case) + "#tally", 303)
        written = domain.from_ms(min(now, meta["ends"]))
        done = 0
        while done < count:
            n = min(domain.MAX_COUNT, count - done)
            action = domain.ActionInput(client_id=str(uuid.uuid4()), kind=kind,
                                        case_id=case, count=n, written_at=written)
            store().log(mid, token, action, now, note="paper", confirmed=True)
            done += n
    except (domain.Invalid, StoreError) as exc:
        message = from_domain(exc, meta["timezone"]).message
        if isinstance(exc, domain.Invalid) and exc.field == "count":
            message = gettext("How many: %(message)s", message=message)
        flash(message, "error")
    else:
        flash(gettext("%(n)s added to the total.", n=count), "ok")
    return redirect(target, 303)


# ---------------------------------------------------------------- printables


@bp.get("/m/<mid>/poster")
def poster(mid: str) -> str:
    """Print the join poster: title, big QR code, join code, short instructions (host
    only: the join code is a secret of the room)."""
    meta, _ = require_host(mid)
    url = join_url(meta["join_code"])
    return render_template("poster.html", meta=public_meta(meta), join_url=url, qr=qr_svg(url))


@bp.get("/m/<mid>/report")
def report_page(mid: str) -> str:
    """Show the after-event report, printable, with the hourly chart."""
    data = report.marathon_report(store(), mid, domain.now_ms())
    return render_template("report.html", r=data, mid=mid, kinds=KIND_LABELS)


@bp.get("/m/<mid>/certificate")
def group_certificate(mid: str) -> str:
    """Print the group's thank-you certificate (host only)."""
    require_host(mid)
    data = report.marathon_report(store(), mid, domain.now_ms())
    return render_template("certificate.html", r=data, person=None)


@bp.get("/m/<mid>/certificate/team/<tid>")
def team_certificate(mid: str, tid: str) -> str:
    """Print one team's thank-you certificate (host only)."""
    require_host(mid)
    team = next((t for t in store().teams(mid) if t["id"] == tid), None)
    if team is None:
        _refuse(404, gettext("No team has this id in this marathon."))
    data = report.marathon_report(store(), mid, domain.now_ms())
    return render_template("certificate.html", r=data, person=None, team=team)


@bp.get("/m/<mid>/certificate/<pid>")
def certificate(mid: str, pid: str) -> str:
    """Print one participant's thank-you certificate (host only)."""
    require_host(mid)
    person = next((p for p in store().participants(mid) if p["id"] == pid), None)
    if person is None:
        _refuse(404, gettext("No participant has this id in this marathon."))
    data = report.marathon_report(store(), mid, domain.now_ms())
    return render_template("certificate.html", r=data, person=person)
