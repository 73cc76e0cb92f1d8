"""The OpenAPI 3 component schemas of the /api/v1 answers and bodies (see `spec`)."""

from __future__ import annotations

from typing import Any

from ... import domain

TEAM_ID = {"type": ["string", "null"], "description": "a team of the marathon (null: none)"}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    """The request and answer shapes the operations refer to."""
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                           "field": {"type": "string"}}}}},
        "Group": {"type": "object", "required": ["name", "country"], "properties": {
            "name": {"type": "string", "maxLength": domain.TEXT_MAX},
            "type": {"type": "string", "enum": list(domain.GROUP_TYPES)},
            "city": {"type": "string"}, "region": {"type": "string"},
            "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"}}},
        "Registration": {"type": "object",
                         "required": ["group", "edition_id", "title", "starts_at", "timezone"],
                         "properties": {
                             "group": ref("Group"), "edition_id": {"type": "string"},
                             "title": {"type": "string"},
                             "starts_at": {"type": "string", "format": "date-time"},
                             "timezone": {"type": "string"},
                             "duration_hours": {"type": "integer", "minimum": 1,
                                                "maximum": 48},
                             "goal": {"type": ["integer", "null"], "minimum": 0},
                             "registration_code": {"type": "string"},
                             "group_id": {"type": ["string", "null"], "description": (
                                 "the group of an earlier marathon (the report's "
                                 "\"register again\" link): refused with 409 unless the "
                                 "group's name, city and country match it")}}},
        "Registered": {"type": "object",
                       "required": ["id", "join_code", "host_token", "urls"],
                       "properties": {"id": {"type": "string"},
                                      "join_code": {"type": "string"},
                                      "host_token": {"type": "string"},
                                      "urls": {"type": "object", "description": (
                                          "screen: the projector link, whose secret key "
                                          "(in the fragment) shows the join code and QR; "
                                          "public_screen: the screen to share, without "
                                          "them; join, host, log, report")}}},
        "Marathon": {"type": "object", "required": ["id", "title", "status"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "group_id": {"type": ["string", "null"],
                         "description": "the group, the same across editions"},
            "status": {"type": "string", "enum": ["scheduled", "running", "ended"]},
            "starts_at": {"type": "string"}, "ends_at": {"type": "string"},
            "snapshot": ref("Snapshot")}},
        "Snapshot": {"type": "object", "required": ["seq", "total"], "properties": {
            "seq": {"type": "integer"}, "epoch": {"type": "string"},
            "total": {"type": "integer"}, "by_kind": COUNTS, "by_case": COUNTS,
            "hourly": {"type": "array", "items": {"type": "integer"}},
            "participants": {"type": "integer"},
            "top": {"type": "array"}, "recent": {"type": "array"},
            "goal": {"type": ["integer", "null"]}, "pace": {"type": "integer"},
            "status": {"type": "string"}, "starts_at": {"type": "integer"},
            "ends_at": {"type": "integer"}, "server_time": {"type": "integer"}}},
        "Join": {"type": "object", "required": ["code", "nickname"], "properties": {
            "code": {"type": "string"}, "nickname": {"type": "string"},
            "on_board": {"type": "boolean"}, "team_id": TEAM_ID}},
        "Joined": {"type": "object", "required": ["participant_id", "token", "marathon_id"],
                   "properties": {"participant_id": {"type": "string"},
                                  "token": {"type": "string"},
                                  "marathon_id": {"type": "string"}}},
        "Action": {"type": "object", "required": ["client_id", "written_at"], "properties": {
            "client_id": {"type": "string", "format": "uuid"},
            "kind": {"type": "string", "enum": list(domain.KINDS)},
            "case_id": {"type": ["string", "null"]},
            "count": {"type": "integer", "minimum": 1, "maximum": domain.MAX_COUNT},
            "written_at": {"type": "string", "format": "date-time"},
            "confirm": {"type": "boolean", "description": "the host confirms an entry "
                        "beyond the room's plausible hourly amount"}}},
        "Logged": {"type": "object", "required": ["seq", "totals", "mine"], "properties": {
            "seq": {"type": "integer"}, "action": {"type": ["object", "null"]},
            "totals": {"type": "object", "properties": {
                "total": {"type": "integer"}, "by_kind": COUNTS, "by_case": COUNTS}},
            "mine": {"type": "object"}}},
        "Patch": {"type": "object", "properties": {
            "title": {"type": "string"}, "goal": {"type": ["integer", "null"]},
            "starts_at": {"type": "string", "format": "date-time"},
            "duration_hours": {"type": "integer"}, "timezone": {"type": "string"},
            "options": {"type": "object"}, "joins_paused": {"type": "boolean"},
            "max_participants": {"type": ["integer", "null"], "minimum": 1}}},
        "ParticipantPatch": {"type": "object", "properties": {
            "nickname": {"type": "string"}, "on_board": {"type": "boolean"},
            "banned": {"type": "boolean"}, "team_id": TEAM_ID}},
        "Participant": {"type": "object", "required": ["id", "nickname", "team_id"],
                        "properties": {"id": {"type": "string"},
                                       "nickname": {"type": "string"},
                                       "on_board": {"type": "boolean"},
                                       "banned": {"type": "boolean"}, "team_id": TEAM_ID}},
        "TeamName": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": domain.NICKNAME_MAX}}},
        "Team": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}},
        "Teams": {"type": "object", "required": ["teams"], "properties": {"teams": {
            "type": "array", "items": {
                "type": "object", "required": ["id", "name", "total", "participants"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                               "total": {"type": "integer"},
                               "participants": {"type": "integer"}}}}}},
        "Void": {"type": "object", "required": ["reason"],
                 "properties": {"reason": {"type": "string"}}},
    }
