"""Marathons: register, read, edit, close and reopen, the host token, the report."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, session

from ... import domain
from ...extensions import limiter
from ...live.snapshots import marathon_snapshot
from ...store import store
from ..report import marathon_report
from .common import host_token, json_body, public_marathon, urls


def get_marathon(mid: str) -> Response:
    """Show a marathon's public details and its current snapshot."""
    now = domain.now_ms()
    meta = store().marathon(mid)
    body = public_marathon(meta, now)
    body["snapshot"] = marathon_snapshot(store(), mid, now)
    return jsonify(body)


@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
def register() -> tuple[Response, int]:
    """Register a marathon; the answer holds the secret host token, shown only once."""
    eids = {e["id"] for e in store().editions()}
    data = domain.marathon(json_body(), eids)
    mid, code, token = store().register(data, domain.now_ms())
    return jsonify({"id": mid, "join_code": code, "host_token": token,
                    "urls": urls(mid, code, token)}), 201


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
        changes["goal"] = goal
    if "timezone" in data:
        changes["timezone"] = domain.timezone(data["timezone"])
    starts = meta["starts"]
    duration = meta["duration_hours"]
    if "starts_at" in data:
        starts = domain.ms(domain.parse_instant(data["starts_at"], "starts_at"))
    if "duration_hours" in data:
        duration = domain.integer(data["duration_hours"], "duration_hours",
                                  domain.DURATION_MIN, domain.DURATION_MAX)
    if "starts_at" in data or "duration_hours" in data:
        changes.update(starts=starts, ends=starts + duration * 3_600_000,
                       duration_hours=duration)
    if "options" in data:
        changes["options"] = {**meta["options"], **domain.display_options(data["options"])}
    store().update(mid, changes)
    return jsonify(public_marathon(store().marathon(mid), domain.now_ms()))


def close_marathon(mid: str) -> Response:
    """Close a marathon early (host only); it accepts no more actions until reopened."""
    host_token(mid)
    store().update(mid, {"closed": domain.now_ms()})
    return jsonify(public_marathon(store().marathon(mid), domain.now_ms()))


def reopen_marathon(mid: str) -> Response:
    """Reopen a closed marathon (host only)."""
    host_token(mid)
    store().update(mid, {"closed": None})
    return jsonify(public_marathon(store().marathon(mid), domain.now_ms()))


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


def report_json(mid: str) -> Response:
    """Publish a marathon's report as read-only JSON (anyone may read it)."""
    return jsonify(marathon_report(store(), mid, domain.now_ms()))
