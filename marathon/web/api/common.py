"""What every /api/v1 view shares: the JSON body, tokens, and the answers' shapes."""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from flask import Response, request
from flask_babel import gettext

from ... import domain
from ...domain.names import display_name, public_group
from ...extensions import csrf, parsed_body
from ...store import WriteResult, store
from ..errors import ApiError
from ..helpers import projector_path
from ..sessions import hosted


def json_body() -> dict[str, Any]:
    """Read the request's JSON object strictly (`domain.payload`), or answer 4xx."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", gettext(
            "Send a JSON object with 'Content-Type: application/json'."), "Content-Type")
    return domain.body(parsed_body())


def bearer() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[7:].strip()
        return token or None
    return None


def require_token() -> str:
    token = bearer()
    if token is None:
        raise ApiError(401, "unauthorized", gettext(
            "Send the participant or host token as 'Authorization: Bearer <token>'."))
    return token


def host_token(mid: str) -> str:
    """Return the host token of the caller (bearer), or the hash of it its host session
    holds (the store takes either), or refuse."""
    token = bearer()
    if token is None:
        token = hosted(mid)
        if token is not None:
            csrf.protect()  # a cookie-authenticated write must come from our pages
    if token is None:
        raise ApiError(401, "unauthorized",
                       gettext("Only the host can do this: send the host token."))
    meta = store().marathon(mid)
    if not hmac.compare_digest(domain.hash_token(token), meta["host_hash"]):
        raise ApiError(403, "forbidden", gettext("Only this marathon's host can do this."))
    return token


def coordinator(*, admin: bool = False) -> str:
    """Return the signed-in coordinator's e-mail, or refuse; writes must carry CSRF."""
    from ..auth import current_account

    account = current_account()
    if account is None:
        raise ApiError(401, "unauthorized", gettext("Log in as a coordinator first."))
    if admin and not account.is_admin:
        raise ApiError(403, "forbidden", gettext("Only an admin can do this."))
    if request.method != "GET":
        csrf.protect()
    return account.email


def is_host(mid: str, meta: dict[str, Any]) -> bool:
    """Whether the caller holds the marathon's host token (bearer or host session)."""
    token = bearer() or hosted(mid)
    return bool(token) and hmac.compare_digest(domain.hash_token(token), meta["host_hash"])


def host_marathon(meta: dict[str, Any], now: int) -> dict[str, Any]:
    """The marathon as its host sees it: the public fields plus the join code, the
    projector link, the defences and the national office's reason for its state."""
    return {**public_marathon(meta, now), "join_code": meta["join_code"],
            "state_reason": meta["state_reason"],
            "joins_paused": meta["joins_paused"],
            "max_participants": meta["max_participants"],
            "urls": urls(meta["id"], meta["join_code"], screen_key=meta["screen_key"])}


def public_marathon(meta: dict[str, Any], now: int) -> dict[str, Any]:
    """What anyone may read: no join code and no screen key (the code is a secret of the
    room: on the projector and the poster, never online), no reason for a rejection or a
    hide (for the host and coordinators only)."""
    tz = meta["timezone"]
    return {
        "id": meta["id"], "edition_id": meta["edition_id"], "title": display_name(meta["title"]),
        "group": public_group(meta["group"]), "group_id": meta["group_id"],
        "starts_at": domain.from_ms(meta["starts"], tz).isoformat(),
        "ends_at": domain.from_ms(meta["ends"], tz).isoformat(),
        "timezone": tz, "duration_hours": meta["duration_hours"], "goal": meta["goal"],
        "status": domain.status(meta["starts"], meta["ends"], meta["closed"], now),
        "closed": meta["closed"], "state": meta["state"], "options": meta["options"],
        "urls": urls(meta["id"]),
    }


def urls(mid: str, code: str | None = None, token: str | None = None,
         screen_key: str | None = None) -> dict[str, str]:
    """A marathon's links; with its screen key (host answers only), `screen` is the
    projector link, which shows the join code, and `public_screen` the one to share."""
    out = {"screen": f"/m/{mid}/screen", "log": f"/m/{mid}/log",
           "report": f"/m/{mid}/report"}
    if screen_key:
        out["public_screen"] = out["screen"]
        out["screen"] = projector_path(mid, screen_key)
    if code:
        out["join"] = f"/j/{code}"
    if token:
        out["host"] = f"/h/{token}"
    return out


def write_answer(result: WriteResult, mid: str, action: dict[str, Any] | None = None) -> Response:
    counts = result.counts
    case_ids = store().case_ids(store().edition_of(mid))
    body = {
        "seq": result.seq,
        "status": result.status,
        "action": action,
        "totals": {
            "total": counts.get("total", 0),
            "by_kind": {k: counts.get(f"k:{k}", 0) for k in domain.KINDS},
            "by_case": {c: counts.get(f"c:{c}", 0) for c in sorted(case_ids)},
        },
        "mine": result.mine,
    }
    # The phones' hot path: orjson is several times faster than the stdlib encoder.
    return Response(orjson.dumps(body), mimetype="application/json")


def marathon_timezone(mid: str) -> str | None:
    """The marathon's time zone for an error message, or None when it cannot be read."""
    try:
        return store().marathon(mid)["timezone"]
    except Exception:
        return None
