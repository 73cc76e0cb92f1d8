"""Actions: log one (the phones' hot path), undo, void, and the host's view of the log."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from flask_limiter.util import get_remote_address

from ... import domain
from ...store import store
from ..errors import from_domain
from ..helpers import int_arg, stream_id_arg
from .common import bearer, host_token, json_body, marathon_timezone, require_token, write_answer


def log_action(mid: str) -> tuple[Response, int]:
    """Log one action; the same client_id again answers 200 and counts nothing.

    The rate limits (RATELIMIT_ACTIONS per token, RATELIMIT_ACTIONS_ADDRESS of counted
    actions per address) are checked inside the log script: the phones' hot path is one
    Redis round trip.
    """
    token = require_token()
    eid = store().edition_of(mid)
    cfg = current_app.config
    now = domain.now_ms()
    body = json_body()
    action = domain.action(body, store().case_ids(eid), domain.from_ms(now),
                           cfg["CLOCK_SKEW_SECONDS"])
    # The host confirms an entry beyond what the room can plausibly write in an hour.
    confirmed = body.get("confirm") is True
    try:
        result = store().log(mid, token, action, now, confirmed=confirmed,
                             address=get_remote_address())
    except Exception as exc:
        raise from_domain(exc, marathon_timezone(mid)) from exc
    record = {"client_id": action.client_id, "kind": action.kind,
              "case_id": action.case_id or None, "count": action.count,
              "written_at": action.written_at.isoformat(), "seq": result.seq}
    return write_answer(result, mid, record), 201 if result.status == "ok" else 200


def undo_action(mid: str, client_id: str) -> Response:
    """Undo an action (its participant) with a compensating entry; undoing twice is harmless."""
    token = bearer() or host_token(mid)
    return _compensate(mid, token, client_id, "undo", "")


def void_action(mid: str, client_id: str) -> Response:
    """Void any action as the host, with a reason kept in the audit log."""
    token = host_token(mid)
    data = json_body()
    reason = domain.text(data.get("reason"), "reason", max_len=200)
    return _compensate(mid, token, client_id, "void", reason)


def _compensate(mid: str, token: str, client_id: str, op: str, reason: str) -> Response:
    cid = domain.client_id(client_id)
    try:
        result = store().compensate(mid, token, cid, domain.now_ms(), op=op, reason=reason)
    except Exception as exc:
        raise from_domain(exc, marathon_timezone(mid)) from exc
    return write_answer(result, mid, {"client_id": cid, "op": op, "seq": result.seq})


def list_actions(mid: str) -> Response:
    """Page through the action log, newest first (host only)."""
    host_token(mid)
    limit = int_arg("limit", 50, 1, 500)
    before = stream_id_arg("before")
    entries = store().entries(mid, before=before, limit=limit)
    people = {p["id"]: p["nickname"] for p in store().participants(mid)}
    for e in entries:
        e["nickname"] = people.get(e["participant_id"])
    nxt = entries[-1]["id"] if len(entries) == limit else None
    return jsonify({"actions": entries, "next": nxt})

