"""Teams: the host creates, renames and deletes them; anyone reads their board."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext

from ...domain.names import display_name
from ...domain.teams import team_name
from ...store import Conflict, store
from ..errors import ApiError
from .common import host_token, is_host, json_body


def _refused(exc: Conflict) -> ApiError:
    if exc.code == "team_taken":
        return ApiError(409, "team_taken",
                        gettext("Another team of this marathon has this name."), "name")
    return ApiError(409, "teams_full", gettext(
        "A marathon has at most %(limit)s teams.", limit=exc.details["limit"]), "name")


def list_teams(mid: str) -> Response:
    """List the marathon's teams, highest total first (public: names masked; its host
    sees them as typed)."""
    teams = store().teams(mid)
    if not is_host(mid, store().marathon(mid)):
        teams = [{**t, "name": display_name(t["name"])} for t in teams]
    return jsonify({"teams": teams})


def create_team(mid: str) -> tuple[Response, int]:
    """Add a team to the marathon (host only)."""
    host_token(mid)
    name = team_name(json_body().get("name"))
    try:
        return jsonify(store().create_team(mid, name)), 201
    except Conflict as exc:
        raise _refused(exc) from exc


def patch_team(mid: str, tid: str) -> Response:
    """Rename a team (host only)."""
    host_token(mid)
    name = team_name(json_body().get("name"))
    try:
        return jsonify(store().rename_team(mid, tid, name))
    except Conflict as exc:
        raise _refused(exc) from exc


def delete_team(mid: str, tid: str) -> Response:
    """Delete a team; its members are then in no team, with their actions (host only)."""
    host_token(mid)
    store().delete_team(mid, tid)
    return jsonify({"id": tid, "deleted": True})
