"""One error shape for the JSON API, and readable error pages for people.

API errors are always ``{"error": {"code", "message", "field"?}}`` with a fitting
status; pages get a short message in the user's language. Nothing a client can send
produces a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from babel import dates
from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_locale, gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import domain
from ..store import Conflict, Denied, NotFound, StoreUnavailable
from .quiet_logs import loggable_path

log = logging.getLogger(__name__)

# Well-formed input that is refused for what it holds answers 422, not 400.
# A malformed team id names no team: the same answer as an unknown one.
UNPROCESSABLE = {"invisible_characters": 422, "team_not_found": 404}


class ApiError(Exception):
    """An error answer: status, stable code, translated message, optional field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}
        self.extra = extra


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json")


def error_response(err: ApiError) -> Response:
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.field:
        body["field"] = err.field
    body.update(err.extra)
    resp = jsonify({"error": body})
    resp.status_code = err.status
    for name, value in err.headers.items():
        resp.headers[name] = value
    return resp


def _when(ms_value: int | None, tz: str | None) -> str:
    """Format a time in the marathon's own time zone and the reader's language."""
    if ms_value is None:
        return "?"
    moment = domain.from_ms(ms_value, tz or "UTC")
    return dates.format_datetime(moment, "medium", tzinfo=moment.tzinfo,
                                 locale=str(get_locale() or "en"))


def from_domain(exc: Exception, tz: str | None = None) -> ApiError:
    """Translate a domain or store error into the API's answer."""
    if isinstance(exc, domain.Invalid):
        status = UNPROCESSABLE.get(exc.code, 400)
        return ApiError(status, exc.code, gettext(exc.message, **exc.params), exc.field)
    if isinstance(exc, StoreUnavailable):
        log.warning("store unavailable: %s", exc)
        return ApiError(503, "store_unavailable",
                        gettext("The server's database is unavailable. Try again shortly."),
                        headers={"Retry-After": "1"})
    if isinstance(exc, NotFound):
        messages = {
            "marathon": gettext("No marathon has this id."),
            "join_code": gettext("No marathon has this join code. Check the code on the "
                                 "screen or the poster."),
            "action": gettext("No action has this client_id in this marathon."),
            "participant": gettext("No participant has this id in this marathon."),
            "edition": gettext("No edition has this id."),
            "host_token": gettext("This host link is not valid (it may have been "
                                  "replaced by a newer one)."),
            "team": gettext("No team has this id in this marathon."),
            "group": gettext("No group has this id."),
        }
        return ApiError(404, f"{exc.what}_not_found",
                        messages.get(exc.what, gettext("Not found.")),
                        "team_id" if exc.what == "team" else None)
    if isinstance(exc, Denied):
        if exc.code == "unauthorized":
            return ApiError(401, "unauthorized",
                            gettext("Send the participant or host token as "
                                    "'Authorization: Bearer <token>'."))
        if exc.code == "banned":
            return ApiError(403, "banned",
                            gettext("The host has blocked this participant."))
        return ApiError(403, "forbidden", gettext("This token does not allow that."))
    if isinstance(exc, Conflict):
        runs = {"starts": _when(exc.starts, tz), "ends": _when(exc.ends, tz)}
        messages = {
            "closed": gettext("The host has closed this marathon; it accepts no more "
                              "actions."),
            "too_late": gettext("This marathon ran from %(starts)s to %(ends)s; actions "
                                "are accepted up to 6 hours after the end.", **runs),
            "not_started": gettext("This marathon runs from %(starts)s to %(ends)s: it "
                                   "has not started at the time this was written.", **runs),
            "ended": gettext("This marathon runs from %(starts)s to %(ends)s: this was "
                             "written after its end.", **runs),
            "idempotency_mismatch": gettext("This client_id was already used for a "
                                            "different action."),
            "joins_paused": gettext("The host has paused joining for now. Ask the host "
                                    "in the room."),
            "code_replaced": gettext("The host replaced this join code. Use the new code "
                                     "shown on the screen in the room."),
            "group_mismatch": gettext("This group's name, city and country are not those "
                                      "of the group you registered with before. Give them "
                                      "as they were, or register as a new group."),
        }
        fields = {"joins_paused": "code", "code_replaced": "code", "full": "code",
                  "group_mismatch": "group_id"}
        if exc.code == "rate_limited":
            seconds = max(1, -(-exc.details["retry_ms"] // 1000))
            return ApiError(429, "rate_limited", gettext(
                "Too many requests. Wait a moment and try again."),
                headers={"Retry-After": str(seconds)})
        if exc.code == "before_join":
            return ApiError(422, "before_join", gettext(
                "This action is dated before this phone joined the marathon: check the "
                "phone's clock."), "written_at")
        if exc.code == "implausible_tally":
            return ApiError(409, "implausible_tally", gettext(
                "More than %(bound)s entered by the host in one hour is more than this room "
                "can plausibly write: confirm the tally to add it.",
                bound=exc.details["bound"]), "count", **exc.details)
        if exc.code == "tally_budget":
            return ApiError(409, "tally_budget", gettext(
                "The host's entries reached this marathon's budget of %(bound)s this hour. "
                "Enter the rest next hour, or ask the national office.",
                bound=exc.details["bound"]), "count", **exc.details)
        if exc.code == "full":
            return ApiError(409, "full", gettext(
                "This marathon is full (%(limit)s participants). Ask the host in the room.",
                limit=exc.details["limit"]), "code")
        if exc.code == "implausible":
            return ApiError(422, "implausible", gettext(
                "More than %(cap)s actions in one hour for one participant is not "
                "plausible; ask the host to enter paper stacks.", cap=exc.details["cap"]))
        extra = {}
        if exc.starts is not None:
            extra = {"starts_at": domain.from_ms(exc.starts, tz or "UTC").isoformat(),
                     "ends_at": domain.from_ms(exc.ends or 0, tz or "UTC").isoformat()}
        return ApiError(409, exc.code, messages.get(exc.code, gettext("Conflict.")),
                        fields.get(exc.code), **extra)
    raise exc


def _retry_after() -> int:
    """Seconds until the limit that was hit resets (asked of Redis only on a 429)."""
    from ..extensions import limiter

    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - the limiter's storage may be down too
        log.warning("could not read the rate limit's reset time", exc_info=True)
    return 60


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        return error_response(err)

    @app.errorhandler(domain.Invalid)
    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(NotFound)
    @app.errorhandler(Denied)
    @app.errorhandler(Conflict)
    def _domain_error(exc: Exception) -> Any:
        err = from_domain(exc)
        if wants_json():
            return error_response(err)
        return render_template("error.html", message=err.message), err.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        message = gettext("This form has expired or was not sent from this site. "
                          "Reload the page and try again.")
        if wants_json():
            return error_response(ApiError(400, "csrf", message))
        return render_template("error.html", message=message), 400

    @app.errorhandler(RateLimitExceeded)
    def _limited(exc: RateLimitExceeded) -> Any:
        message = gettext("Too many requests. Wait a moment and try again.")
        retry = str(_retry_after())
        if wants_json():
            resp = error_response(ApiError(429, "rate_limited", message))
        else:
            resp = Response(render_template("error.html", message=message), 429)
        resp.status_code = 429
        resp.headers["Retry-After"] = retry
        return resp

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                 404: "not_found", 405: "method_not_allowed", 413: "too_large",
                 415: "unsupported_media_type", 429: "rate_limited"}
        messages = {
            404: gettext("There is nothing at this address."),
            405: gettext("This method is not allowed here."),
            413: gettext("The request is too large (at most %(kb)s KB).",
                         kb=(request.max_content_length or 0) // 1024),
        }
        status = exc.code or 500
        message = messages.get(status, exc.description or exc.name)
        if wants_json():
            return error_response(ApiError(status, codes.get(status, "error"), message))
        return render_template("error.html", message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unexpected error on %s %s", request.method, loggable_path())
        message = gettext("Something went wrong on our side. Try again.")
        if wants_json():
            return error_response(ApiError(500, "internal", message))
        return render_template("error.html", message=message), 500
