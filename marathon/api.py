"""The JSON API, version 1: thin views over `domain` and `store`."""

from __future__ import annotations

import hmac
import time
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, jsonify, request, session
from flask_babel import gettext

from . import domain
from .errors import ApiError, from_domain
from .extensions import bearer_key, csrf, limiter
from .names import display_name
from .snapshots import marathon_snapshot
from .store import Store

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def store() -> Store:
    return current_app.extensions["store"]


def now_ms() -> int:
    return int(time.time() * 1000)


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json", gettext("Send a JSON object with "
                                                    "'Content-Type: application/json'."),
                       "body")
    return domain.body(data)


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
    """Return the host token of the caller (bearer or host session), or refuse."""
    token = bearer()
    if token is None:
        token = session.get("hosts", {}).get(mid)
        if token is not None:
            csrf.protect()  # a cookie-authenticated write must come from our pages
    if token is None:
        raise ApiError(401, "unauthorized",
                       gettext("Only the host can do this: send the host token."))
    meta = store().marathon(mid)
    if not hmac.compare_digest(domain.hash_token(token), meta["host_hash"]):
        raise ApiError(403, "forbidden", gettext("Only this marathon's host can do this."))
    return token


def public_marathon(meta: dict[str, Any], now: int) -> dict[str, Any]:
    tz = meta["timezone"]
    return {
        "id": meta["id"], "edition_id": meta["edition_id"], "title": meta["title"],
        "group": meta["group"],
        "starts_at": domain.from_ms(meta["starts"], tz).isoformat(),
        "ends_at": domain.from_ms(meta["ends"], tz).isoformat(),
        "timezone": tz, "duration_hours": meta["duration_hours"], "goal": meta["goal"],
        "status": domain.status(meta["starts"], meta["ends"], meta["closed"], now),
        "closed": meta["closed"], "join_code": meta["join_code"],
        "options": meta["options"],
        "urls": urls(meta["id"], meta["join_code"]),
    }


def urls(mid: str, code: str, token: str | None = None) -> dict[str, str]:
    out = {"screen": f"/m/{mid}/screen", "join": f"/j/{code}", "log": f"/m/{mid}/log",
           "report": f"/m/{mid}/report"}
    if token:
        out["host"] = f"/h/{token}"
    return out


def write_answer(result: Any, mid: str, action: dict[str, Any] | None = None) -> Response:
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


# ---------------------------------------------------------------- public reads


@bp.get("/editions")
def editions() -> Response:
    """List the campaign editions with their cases."""
    items = store().editions()
    current = store().current_edition_id()
    return jsonify({"editions": items, "current": current})


@bp.get("/marathons/<mid>")
def get_marathon(mid: str) -> Response:
    """Show a marathon's public details and its current snapshot."""
    now = now_ms()
    meta = store().marathon(mid)
    body = public_marathon(meta, now)
    body["snapshot"] = marathon_snapshot(store(), mid, now, display_name=display_name)
    return jsonify(body)


# ---------------------------------------------------------------- registration, join


@bp.post("/marathons")
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
def register() -> tuple[Response, int]:
    """Register a marathon; the answer holds the secret host token, shown only once."""
    eids = {e["id"] for e in store().editions()}
    data = domain.marathon(json_body(), eids)
    mid, code, token = store().register(data, now_ms())
    return jsonify({"id": mid, "join_code": code, "host_token": token,
                    "urls": urls(mid, code, token)}), 201


@bp.post("/join")
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN"])
def join() -> tuple[Response, int]:
    """Join a marathon by its code; the answer holds the participant's secret token."""
    data = json_body()
    code = domain.normalise_join_code(data.get("code"))
    nickname = domain.nickname(data.get("nickname"))
    on_board = domain.boolean(data.get("on_board"), "on_board", True)
    mid = store().marathon_by_code(code)
    try:
        pid, token = store().join(mid, nickname, on_board, now_ms())
    except Exception as exc:
        raise from_domain(exc, store().marathon(mid)["timezone"]) from exc
    return jsonify({"participant_id": pid, "token": token, "marathon_id": mid,
                    "nickname": nickname, "on_board": on_board,
                    "urls": {"log": f"/m/{mid}/log", "screen": f"/m/{mid}/screen"}}), 201


# ---------------------------------------------------------------- actions


@bp.post("/marathons/<mid>/actions")
@limiter.limit(lambda: current_app.config["RATELIMIT_ACTIONS"], key_func=bearer_key)
def log_action(mid: str) -> tuple[Response, int]:
    """Log one action; the same client_id again answers 200 and counts nothing."""
    token = require_token()
    eid = store().edition_of(mid)
    cfg = current_app.config
    now = now_ms()
    action = domain.action(json_body(), store().case_ids(eid),
                           domain.from_ms(now), cfg["CLOCK_SKEW_SECONDS"])
    try:
        result = store().log(mid, token, action, now)
    except Exception as exc:
        raise from_domain(exc, _tz(mid)) from exc
    record = {"client_id": action.client_id, "kind": action.kind,
              "case_id": action.case_id or None, "count": action.count,
              "written_at": action.written_at.isoformat(), "seq": result.seq}
    return write_answer(result, mid, record), 201 if result.status == "ok" else 200


@bp.delete("/marathons/<mid>/actions/<client_id>")
def undo_action(mid: str, client_id: str) -> Response:
    """Undo an action (its participant) with a compensating entry; undoing twice is harmless."""
    token = bearer() or host_token(mid)
    return _compensate(mid, token, client_id, "undo", "")


@bp.post("/marathons/<mid>/actions/<client_id>/void")
def void_action(mid: str, client_id: str) -> Response:
    """Void any action as the host, with a reason kept in the audit log."""
    token = host_token(mid)
    data = json_body()
    reason = domain.text(data.get("reason"), "reason", max_len=200)
    return _compensate(mid, token, client_id, "void", reason)


def _compensate(mid: str, token: str, client_id: str, op: str, reason: str) -> Response:
    cid = domain.client_id(client_id)
    try:
        result = store().compensate(mid, token, cid, now_ms(), op=op, reason=reason)
    except Exception as exc:
        raise from_domain(exc, _tz(mid)) from exc
    return write_answer(result, mid, {"client_id": cid, "op": op, "seq": result.seq})


@bp.get("/marathons/<mid>/actions")
def list_actions(mid: str) -> Response:
    """Page through the action log, newest first (host only)."""
    host_token(mid)
    limit = _int_arg("limit", 50, 1, 500)
    before = request.args.get("before") or None
    if before is not None and not _stream_id(before):
        raise ApiError(400, "invalid", gettext("'before' must be an entry id."), "before")
    entries = store().entries(mid, before=before, limit=limit)
    people = {p["id"]: p["nickname"] for p in store().participants(mid)}
    for e in entries:
        e["nickname"] = people.get(e["participant_id"])
    nxt = entries[-1]["id"] if len(entries) == limit else None
    return jsonify({"actions": entries, "next": nxt})


# ---------------------------------------------------------------- host


@bp.patch("/marathons/<mid>")
def patch_marathon(mid: str) -> Response:
    """Edit a marathon's title, goal, times or display options (host only)."""
    host_token(mid)
    meta = store().marathon(mid)
    data = json_body()
    changes: dict[str, Any] = {}
    if "title" in data:
        changes["title"] = domain.text(data["title"], "title", max_len=domain.TITLE_MAX)
    if "goal" in data:
        goal = domain.goal(data["goal"])
        changes["goal"] = "" if goal is None else goal
    if "timezone" in data:
        changes["tz"] = domain.timezone(data["timezone"])
    starts = meta["starts"]
    duration = meta["duration_hours"]
    if "starts_at" in data:
        starts = domain.ms(domain.parse_instant(data["starts_at"], "starts_at"))
    if "duration_hours" in data:
        duration = domain.integer(data["duration_hours"], "duration_hours",
                                  domain.DURATION_MIN, domain.DURATION_MAX)
    if "starts_at" in data or "duration_hours" in data:
        changes.update(starts=starts, ends=starts + duration * 3_600_000, duration=duration)
    if "options" in data:
        options = {**meta["options"], **domain.display_options(data["options"])}
        changes["options"] = orjson.dumps(options).decode()
    store().update(mid, changes)
    return jsonify(public_marathon(store().marathon(mid), now_ms()))


@bp.post("/marathons/<mid>/close")
def close_marathon(mid: str) -> Response:
    """Close a marathon early (host only); it accepts no more actions until reopened."""
    host_token(mid)
    store().update(mid, {"closed": now_ms()})
    return jsonify(public_marathon(store().marathon(mid), now_ms()))


@bp.post("/marathons/<mid>/reopen")
def reopen_marathon(mid: str) -> Response:
    """Reopen a closed marathon (host only)."""
    host_token(mid)
    store().update(mid, {"closed": None})
    return jsonify(public_marathon(store().marathon(mid), now_ms()))


@bp.post("/marathons/<mid>/host-token")
def regenerate_host_token(mid: str) -> tuple[Response, int]:
    """Replace the host token; the old secret link stops working (host only)."""
    host_token(mid)
    token = store().new_host_token(mid)
    hosts = dict(session.get("hosts", {}))
    if mid in hosts:
        hosts[mid] = token
        session["hosts"] = hosts
    meta = store().marathon(mid)
    return jsonify({"host_token": token, "urls": urls(mid, meta["join_code"], token)}), 201


@bp.get("/marathons/<mid>/participants")
def list_participants(mid: str) -> Response:
    """List participants with their tallies (host only)."""
    host_token(mid)
    return jsonify({"participants": store().participants(mid)})


@bp.patch("/marathons/<mid>/participants/<pid>")
def patch_participant(mid: str, pid: str) -> Response:
    """Rename, hide from the board, or ban a participant (host only)."""
    host_token(mid)
    data = json_body()
    nickname = domain.nickname(data["nickname"]) if "nickname" in data else None
    on_board = domain.boolean(data.get("on_board"), "on_board", None)  # type: ignore[arg-type]
    banned = domain.boolean(data.get("banned"), "banned", None)  # type: ignore[arg-type]
    return jsonify(store().patch_participant(mid, pid, nickname=nickname, on_board=on_board,
                                             banned=banned))


# ---------------------------------------------------------------- helpers


def _tz(mid: str) -> str | None:
    try:
        return store().marathon(mid)["timezone"]
    except Exception:
        return None


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError(400, "invalid", gettext("Give a whole number from %(lo)s to %(hi)s.",
                                               lo=lo, hi=hi), name)
    return int(raw)


def _stream_id(raw: str) -> bool:
    head, _, tail = raw.partition("-")
    return head.isdigit() and tail.isdigit() and len(raw) < 48
