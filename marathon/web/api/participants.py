"""Participants: joining with a code, and the host's list and moderation."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext
from flask_limiter.util import get_remote_address

from ... import domain
from ...domain import trust
from ...domain.teams import team_id
from ...store import store
from ..errors import ApiError, from_domain
from .common import bearer, host_token, is_host, json_body


def join() -> tuple[Response, int]:
    """Join a marathon by its code; the answer holds the participant's secret token.

    The join limits (RATELIMIT_JOIN per address and marathon, RATELIMIT_JOIN_MARATHON
    per marathon) are checked inside the join script, by marathon id: a padded or
    lower-case code is the same budget, and a join refused for bad input spends nothing.
    """
    data = json_body()
    code = domain.normalise_join_code(data.get("code"))
    nickname = domain.nickname(data.get("nickname"))
    on_board = domain.boolean(data.get("on_board"), "on_board", True)
    team = team_id(data.get("team_id"))
    mid = store().marathon_by_code(code)
    now = domain.now_ms()
    joined = now
    if "joined_at" in data:
        # A host may add someone who wrote earlier (on paper, or a phone that joined
        # through the host): only the host's token may date a join in the past.
        meta = store().marathon(mid)
        if not is_host(mid, meta):
            raise ApiError(403, "forbidden", gettext("Only the host can date a join."),
                           "joined_at")
        joined = domain.ms(domain.parse_instant(data["joined_at"], "joined_at"))
        joined = min(now, max(meta["starts"], joined))
    try:
        pid, token = store().join(mid, nickname, on_board, now, joined, team,
                                  address=get_remote_address())
    except Exception as exc:
        raise from_domain(exc, store().marathon(mid)["timezone"]) from exc
    return jsonify({"participant_id": pid, "token": token, "marathon_id": mid,
                    "nickname": nickname, "on_board": on_board, "team_id": team,
                    "urls": {"log": f"/m/{mid}/log", "screen": f"/m/{mid}/screen"}}), 201


def void_all(mid: str, pid: str) -> Response:
    """Ban a participant and void all their actions, with a reason (host only)."""
    host_token(mid)
    reason = trust.reason(json_body().get("reason"), required=True)
    done = store().void_participant(mid, pid, reason=reason, now=domain.now_ms())
    return jsonify({"participant_id": pid, "voided": done["actions"], "count": done["count"]})


def restore_all(mid: str, pid: str) -> Response:
    """Undo a void-all: unban the participant and count their actions again (host only)."""
    host_token(mid)
    done = store().void_participant(mid, pid, reason="", now=domain.now_ms(), restore=True)
    return jsonify({"participant_id": pid, "restored": done["actions"], "count": done["count"]})


def list_participants(mid: str) -> Response:
    """List participants with their tallies (host only)."""
    host_token(mid)
    return jsonify({"participants": store().participants(mid)})


def get_participant(mid: str, pid: str) -> Response:
    """Show one participant to themselves (their own token) or to the host: their phone
    learns a rename or a move to another team by the host."""
    token = bearer()
    if token is None or store().participant_for(mid, token) != pid:
        host_token(mid)
    return jsonify(store().participant(mid, pid))


def patch_participant(mid: str, pid: str) -> Response:
    """Rename, hide from the board, ban a participant, or move them to another team with
    all their actions (host only; a participant may change their own team)."""
    token = bearer()
    data = json_body()
    own_team = (token is not None and set(data) == {"team_id"}
                and store().participant_for(mid, token) == pid)
    if not own_team:
        host_token(mid)
    nickname = domain.nickname(data["nickname"]) if "nickname" in data else None
    on_board = domain.boolean(data.get("on_board"), "on_board", None)  # type: ignore[arg-type]
    banned = domain.boolean(data.get("banned"), "banned", None)  # type: ignore[arg-type]
    team = team_id(data.get("team_id"))
    if "team_id" in data:
        answer = store().move_to_team(mid, pid, team)
    if not own_team and (set(data) - {"team_id"} or "team_id" not in data):
        answer = store().patch_participant(mid, pid, nickname=nickname, on_board=on_board,
                                           banned=banned)
    return jsonify(answer)
