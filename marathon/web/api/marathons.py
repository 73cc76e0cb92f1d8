"""Marathons: register, read, edit, close and reopen, the host token, the report."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from ... import domain
from ...domain import trust
from ...domain.windows import check_window
from ...extensions import limiter
from ...live.snapshots import marathon_snapshot
from ...store import store
from ..auth import current_account
from ..errors import from_domain
from ..moderation import register_marathon, registration_code
from ..report import marathon_report
from ..sessions import add_host, hosted
from .common import (
    coordinator,
    host_marathon,
    host_token,
    is_host,
    json_body,
    public_marathon,
    urls,
)


def get_marathon(mid: str) -> Response:
    """Show a marathon's public details and its current snapshot; its host also gets the
    join code and defences, its host and coordinators the moderation audit trail."""
    now = domain.now_ms()
    meta = store().marathon(mid)
    host = is_host(mid, meta)
    body = host_marathon(meta, now) if host else public_marathon(meta, now)
    if host or current_account() is not None:
        body["state_reason"] = meta["state_reason"]
        body["audit"] = store().audit(mid)
    body["snapshot"] = marathon_snapshot(store(), mid, now)
    return jsonify(body)


@limiter.shared_limit(lambda: current_app.config["RATELIMIT_REGISTER"], "register")
def register() -> tuple[Response, int]:
    """Register a marathon; the answer holds the secret host token, shown only once."""
    raw = json_body()
    eids = {e["id"] for e in store().editions()}
    data = domain.marathon(raw, eids)
    mid, code, token, state = register_marathon(data, registration_code(
        raw.get("registration_code")))
    key = store().marathon(mid)["screen_key"]
    return jsonify({"id": mid, "join_code": code, "host_token": token, "state": state,
                    "urls": urls(mid, code, token, key)}), 201


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
    if "starts_at" in data or "duration_hours" in data or "timezone" in data:
        check_window(store().edition(meta["edition_id"]), starts, duration,
                     changes.get("timezone", meta["timezone"]))
    if "starts_at" in data or "duration_hours" in data:
        changes.update(starts=starts, ends=starts + duration * 3_600_000,
                       duration_hours=duration)
    if "options" in data:
        changes["options"] = {**meta["options"], **domain.display_options(data["options"])}
    if "joins_paused" in data:
        changes["joins_paused"] = 1 if domain.boolean(data["joins_paused"], "joins_paused",
                                                      False) else None
    if "max_participants" in data:
        raw_max = data["max_participants"]
        changes["max_participants"] = None if raw_max is None else domain.integer(
            raw_max, "max_participants", 1, 100_000)
    store().update(mid, changes)
    return jsonify(host_marathon(store().marathon(mid), domain.now_ms()))


def close_marathon(mid: str) -> Response:
    """Close a marathon early (host only); it accepts no more actions until reopened."""
    host_token(mid)
    store().update(mid, {"closed": domain.now_ms()})
    return jsonify(host_marathon(store().marathon(mid), domain.now_ms()))


def reopen_marathon(mid: str) -> Response:
    """Reopen a closed marathon (host only)."""
    host_token(mid)
    store().update(mid, {"closed": None})
    return jsonify(host_marathon(store().marathon(mid), domain.now_ms()))


def new_join_code(mid: str) -> tuple[Response, int]:
    """Give the marathon a new join code and projector link; the old ones stop working
    (host only)."""
    host_token(mid)
    now = domain.now_ms()
    store().new_join_code(mid, now)
    return jsonify(host_marathon(store().marathon(mid), now)), 201


def pace(mid: str) -> Response:
    """This hour's joins and actions, the room's tally bound, and alerts (host only)."""
    host_token(mid)
    now = domain.now_ms()
    p = store().pace(mid, now)
    done, bound = store().host_hour(mid, now)
    held = store().held(mid, now)
    return jsonify({"joins_this_hour": p.joins_this_hour,
                    "actions_this_hour": p.actions_this_hour,
                    "participants": p.participants, "tally_this_hour": done,
                    "tally_bound": bound, "alerts": p.alerts(bound), "flags": p.flags(),
                    "held": held["held"], "envelope": held["envelope"]})


def set_state(mid: str) -> Response:
    """Verify, reject or hide a marathon, with a reason (coordinator)."""
    who = coordinator()
    data = json_body()
    state = trust.decision(data.get("state"))
    reason = trust.reason(data.get("reason"), required=state == "rejected")
    try:
        store().set_state(mid, state, reason=reason, who=who, now=domain.now_ms())
    except Exception as exc:
        raise from_domain(exc) from exc
    meta = store().marathon(mid)
    return jsonify({**public_marathon(meta, domain.now_ms()),
                    "state_reason": meta["state_reason"], "audit": store().audit(mid)})


def regenerate_host_token(mid: str) -> tuple[Response, int]:
    """Replace the host token; the old secret link stops working (host only)."""
    host_token(mid)
    token = store().new_host_token(mid)
    if hosted(mid) is not None:
        add_host(mid, token)
    meta = store().marathon(mid)
    return jsonify({"host_token": token,
                    "urls": urls(mid, meta["join_code"], token, meta["screen_key"])}), 201


def report_json(mid: str) -> Response:
    """Publish a marathon's report as read-only JSON (anyone may read it)."""
    return jsonify(marathon_report(store(), mid, domain.now_ms()))
