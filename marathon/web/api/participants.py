"""Participants: joining with a code, and the host's list and moderation."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from ... import domain
from ...extensions import limiter
from ...store import store
from ..errors import from_domain
from .common import host_token, json_body


@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN"])
def join() -> tuple[Response, int]:
    """Join a marathon by its code; the answer holds the participant's secret token."""
    data = json_body()
    code = domain.normalise_join_code(data.get("code"))
    nickname = domain.nickname(data.get("nickname"))
    on_board = domain.boolean(data.get("on_board"), "on_board", True)
    mid = store().marathon_by_code(code)
    try:
        pid, token = store().join(mid, nickname, on_board, domain.now_ms())
    except Exception as exc:
        raise from_domain(exc, store().marathon(mid)["timezone"]) from exc
    return jsonify({"participant_id": pid, "token": token, "marathon_id": mid,
                    "nickname": nickname, "on_board": on_board,
                    "urls": {"log": f"/m/{mid}/log", "screen": f"/m/{mid}/screen"}}), 201


def list_participants(mid: str) -> Response:
    """List participants with their tallies (host only)."""
    host_token(mid)
    return jsonify({"participants": store().participants(mid)})


def patch_participant(mid: str, pid: str) -> Response:
    """Rename, hide from the board, or ban a participant (host only)."""
    host_token(mid)
    data = json_body()
    nickname = domain.nickname(data["nickname"]) if "nickname" in data else None
    on_board = domain.boolean(data.get("on_board"), "on_board", None)  # type: ignore[arg-type]
    banned = domain.boolean(data.get("banned"), "banned", None)  # type: ignore[arg-type]
    return jsonify(store().patch_participant(mid, pid, nickname=nickname, on_board=on_board,
                                             banned=banned))
