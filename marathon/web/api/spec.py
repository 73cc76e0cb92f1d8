"""The OpenAPI 3 descriptions of the /api/v1 operations, by path and method.

`marathon.web.api.ROUTES` says what is served; `document()` describes exactly those
routes from here (and `/healthz`, served by the pages). A route with no description
fails the document's build, and `tests/web/test_openapi.py` checks both agree with the
app's URL map; the schemathesis test checks answers against it.
"""

from __future__ import annotations

from typing import Any

from ... import domain
from ...domain import compare
from .. import exports
from . import spec_review


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}

def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}

def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "Bad input (the field is named)", 401: "No or unknown token",
            403: "Not allowed with this token", 404: "Unknown id",
            409: "Outside the window, closed, or idempotency mismatch", 413: "Body over 16 KB",
            415: "Not sent as application/json",
            422: "Not plausible, or a text holds invisible characters (the field is named)",
            429: "Rate limited (see Retry-After)",
            503: "Redis unavailable"}
    return {str(s): _json(_ref("Error"), text[s]) for s in statuses}


MID = {"name": "mid", "in": "path", "required": True, "schema": {"type": "string"}}
CID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}
PID = {"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}}
TID = {"name": "tid", "in": "path", "required": True, "schema": {"type": "string"}}
TEAM_ID = {"type": ["string", "null"], "description": "a team of the marathon (null: none)"}
HOST = [{"bearer": []}]
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_CARD = {"type": "object", "required": ["id", "name", "country"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "country": {"type": "string"},
    "country_name": {"type": "string"}, "summary": {"type": "string"},
    "presentation": {"type": "string"}, "ask": {"type": "string"},
    "goal": {"type": ["integer", "null"]},
    "letter": {"type": ["object", "null"], "properties": {
        "addressee": {"type": "object", "properties": {
            "name": {"type": "string"}, "title": {"type": "string"},
            "address": {"type": "array", "items": {"type": "string"}}}},
        "salutation": {"type": "string"}, "body": {"type": "string"},
        "closing": {"type": "string"}}},
    "solidarity": {"type": ["object", "null"], "properties": {
        "address": {"type": "array", "items": {"type": "string"}},
        "examples": {"type": "array", "items": {"type": "string"}}}},
    "postage": {"type": "string"}}}


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
                             "group": _ref("Group"), "edition_id": {"type": "string"},
                             "title": {"type": "string"},
                             "starts_at": {"type": "string", "format": "date-time"},
                             "timezone": {"type": "string"},
                             "duration_hours": {"type": "integer", "minimum": 1,
                                                "maximum": 48},
                             "goal": {"type": ["integer", "null"], "minimum": 0},
                             "registration_code": {"type": "string"}}},
        "Registered": {"type": "object",
                       "required": ["id", "join_code", "host_token", "urls"],
                       "properties": {"id": {"type": "string"},
                                      "join_code": {"type": "string"},
                                      "host_token": {"type": "string"},
                                      "urls": {"type": "object"}}},
        "Marathon": {"type": "object", "required": ["id", "title", "status"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "string", "enum": ["scheduled", "running", "ended"]},
            "starts_at": {"type": "string"}, "ends_at": {"type": "string"},
            "snapshot": _ref("Snapshot")}},
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


def paths() -> dict[str, Any]:
    """Every operation's description, by path and method."""
    described: dict[str, Any] = {
        "/healthz": {"get": {"summary": "Health and Redis persistence",
                             "responses": {"200": _json({"type": "object"}),
                                           **_errors(503)}}},
        "/api/v1/editions": {"get": {"summary": "Editions and their cases", "responses": {
            "200": _json({"type": "object"}), **_errors(503)}}},
        "/api/v1/marathons": {"post": {
            "summary": "Register a marathon",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Registration")}}},
            "responses": {"201": _json(_ref("Registered"), "Registered"),
                          **_errors(400, 413, 429, 503)}}},
        "/api/v1/marathons/{mid}": {
            "get": {"summary": "Public details and snapshot", "parameters": [MID],
                    "responses": {"200": _json(_ref("Marathon")), **_errors(404, 503)}},
            "patch": {"summary": "Edit (host)", "parameters": [MID], "security": HOST,
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": _ref("Patch")}}},
                      "responses": {"200": _json(_ref("Marathon")),
                                    **_errors(400, 401, 403, 404, 413, 503)}}},
        "/api/v1/marathons/{mid}/close": {"post": {
            "summary": "Close early (host)", "parameters": [MID], "security": HOST,
            "responses": {"200": _json(_ref("Marathon")), **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/reopen": {"post": {
            "summary": "Reopen (host)", "parameters": [MID], "security": HOST,
            "responses": {"200": _json(_ref("Marathon")), **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/host-token": {"post": {
            "summary": "Replace the host token (host)", "parameters": [MID], "security": HOST,
            "responses": {"201": _json({"type": "object"}, "New token"),
                          **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/join": {"post": {
            "summary": "Join with a code",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Join")}}},
            "responses": {"201": _json(_ref("Joined"), "Joined"),
                          **_errors(400, 404, 409, 413, 429, 503)}}},
        "/api/v1/marathons/{mid}/actions": {
            "post": {"summary": "Log an action (participant or host)", "parameters": [MID],
                     "security": HOST,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": _ref("Action")}}},
                     "responses": {"201": _json(_ref("Logged"), "Counted"),
                                   "200": _json(_ref("Logged"), "Already counted (replay)"),
                                   **_errors(400, 401, 403, 404, 409, 413, 422, 429, 503)}},
            "get": {"summary": "The action log, newest first (host)", "security": HOST,
                    "parameters": [MID,
                                   {"name": "limit", "in": "query",
                                    "schema": {"type": "integer", "minimum": 1,
                                               "maximum": 500}},
                                   {"name": "before", "in": "query",
                                    "schema": {"type": "string"}}],
                    "responses": {"200": _json({"type": "object"}),
                                  **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/actions/{client_id}": {"delete": {
            "summary": "Undo an action (its participant, or the host)", "security": HOST,
            "parameters": [MID, CID],
            "responses": {"200": _json(_ref("Logged")),
                          **_errors(400, 401, 403, 404, 409, 503)}}},
        "/api/v1/marathons/{mid}/actions/{client_id}/void": {"post": {
            "summary": "Void an action with a reason (host)", "security": HOST,
            "parameters": [MID, CID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("Void")}}},
            "responses": {"200": _json(_ref("Logged")),
                          **_errors(400, 401, 403, 404, 409, 413, 503)}}},
        "/api/v1/marathons/{mid}/participants": {"get": {
            "summary": "Participants and tallies (host)", "security": HOST, "parameters": [MID],
            "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/participants/{pid}": {"get": {
            "summary": "One participant: nickname, board, ban, team (the participant "
                       "themselves, or the host)", "security": HOST, "parameters": [MID, PID],
            "responses": {"200": _json(_ref("Participant")),
                          **_errors(401, 403, 404, 503)}}, "patch": {
            "summary": "Rename, hide, ban, move to a team with all their actions (host; a "
                       "participant may change their own team)",
            "security": HOST, "parameters": [MID, PID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("ParticipantPatch")}}},
            "responses": {"200": _json({"type": "object"}),
                          **_errors(400, 401, 403, 404, 413, 503)}}},
        **_team_paths(),
        "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": _json({"type": "object"})}}},
        "/api/v1/editions/{eid}/cases": {"get": {
            "summary": "An edition's case cards in one language: presentation, the ask, "
                       "appeal letter, solidarity message, postage, safety notes, goals",
            "parameters": [
                {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "lang", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(domain.LANGUAGES)}}],
            "responses": {
                "200": _json({"type": "object", "required": [
                    "edition_id", "lang", "example", "safety", "cases"], "properties": {
                    "edition_id": {"type": "string"}, "lang": {"type": "string"},
                    "example": {"type": "boolean"}, "note": {"type": "string"},
                    "safety": {"type": "array", "items": {"type": "string"}},
                    "cases": {"type": "array", "items": _CARD}}}),
                **_errors(404, 503)}}},
        "/api/v1/marathons/{mid}/report": {"get": {
            "summary": "After-event report: totals by kind and case, hours, edition median",
            "parameters": [MID],
            "responses": {
                "200": _json({"type": "object", "required": [
                    "marathon", "total", "by_kind", "by_case", "hourly", "participants",
                    "edition"], "properties": {
                    "total": {"type": "integer"}, "goal_reached": {"type": "boolean"},
                    "by_kind": COUNTS, "by_case": {"type": "array"},
                    "hourly": {"type": "array"}, "best_hour": {"type": ["object", "null"]},
                    "participants": {"type": "integer"}, "top": {"type": "array"},
                    "edition": {"type": "object"}}}),
                **_errors(404, 503)}}},
    }
    described.update(_compare_paths())
    described.update(spec_review.paths())
    # Every body is read by `common.json_body` (415 when it is not JSON) and its texts
    # pass `domain.text`, which refuses invisible characters (422).
    for operations in described.values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["responses"].update(_errors(415, 422))
    return described


def _team_paths() -> dict[str, Any]:
    body = {"required": True, "content": {"application/json": {"schema": _ref("TeamName")}}}
    return {
        "/api/v1/marathons/{mid}/teams": {
            "get": {"summary": "Teams with their totals and members, highest first (public: "
                               "names masked)", "parameters": [MID],
                    "responses": {"200": _json(_ref("Teams")), **_errors(404, 503)}},
            "post": {"summary": "Add a team (host)", "parameters": [MID], "security": HOST,
                     "requestBody": body,
                     "responses": {"201": _json(_ref("Team"), "Created"),
                                   **_errors(400, 401, 403, 404, 409, 413, 503)}}},
        "/api/v1/marathons/{mid}/teams/{tid}": {
            "patch": {"summary": "Rename a team (host)", "parameters": [MID, TID],
                      "security": HOST, "requestBody": body,
                      "responses": {"200": _json(_ref("Team")),
                                    **_errors(400, 401, 403, 404, 409, 413, 503)}},
            "delete": {"summary": "Delete a team; its members move to no team (host)",
                       "parameters": [MID, TID], "security": HOST,
                       "responses": {"200": _json({"type": "object"}),
                                     **_errors(401, 403, 404, 503)}}},
    }


def _compare_paths() -> dict[str, Any]:
    eid = {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}}

    def q(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": text}

    def answer(text: str, media: str = "application/json") -> dict[str, Any]:
        return {"description": text, "content": {media: {"schema": {"type": "object"}}}}

    def error(text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}

    table_params = [
        eid, q("country", {"type": "string"}, "ISO codes, comma-separated"),
        q("region", {"type": "string"}, "exact region"),
        q("type", {"type": "string", "enum": list(domain.GROUP_TYPES)}, "group type"),
        q("status", {"type": "string", "enum": list(compare.STATUSES)}, "status"),
        q("q", {"type": "string"}, "text search in group, title, city, region"),
        q("sort", {"type": "string"}, "a column name, or case:<case id>"),
        q("order", {"type": "string", "enum": ["asc", "desc"]}, "sort order"),
        q("page", {"type": "integer", "minimum": 1}, "page, from 1"),
        q("per_page", {"type": "integer", "minimum": 1, "maximum": compare.PER_PAGE_MAX},
          "rows per page"),
        q("charts", {"type": "string", "enum": ["1"]}, "add chart data (coordinator)"),
    ]
    return {
        "/api/v1/editions/{eid}/live": {"get": {
            "summary": "An edition's live totals: the edition screen's snapshot (verified "
                       "marathons only, names masked); public, CORS allowed",
            "parameters": [eid],
            "responses": {"200": answer("The edition snapshot"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/marathons": {"get": {
            "summary": "Compare table: public columns, or all for a coordinator",
            "parameters": table_params,
            "responses": {"200": answer("A page of rows, the count and the totals row"),
                          "400": error("Bad parameter"), "404": error("Unknown edition"),
                          "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/curves": {"get": {
            "summary": "Hourly counts of selected marathons (coordinator)",
            "parameters": [eid, q("ids", {"type": "string"}, "marathon ids, comma-separated")],
            "responses": {"200": answer("Curves"), "401": error("Not logged in"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/export.csv": {"get": {
            "summary": "Export as CSV, UTF-8 with BOM (coordinator)",
            "parameters": [eid, q("kind", {"type": "string", "enum": list(exports.KINDS)},
                                  "a record per marathon, or per marathon x case, x hour, x team"),
                           q("sep", {"type": "string", "enum": list(exports.SEPARATORS)},
                             "separator (with ; the decimal mark is a comma)")],
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {
                "schema": {"type": "string"}}}},
                "400": error("Bad parameter"), "401": error("Not logged in"),
                "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/export.json": {"get": {
            "summary": "Export as JSON (coordinator)",
            "parameters": [eid, q("kind", {"type": "string", "enum": list(exports.KINDS)},
                                  "a record per marathon, or per marathon x case, x hour, x team")],
            "responses": {"200": answer("Edition, kind and records"),
                          "400": error("Bad parameter"), "401": error("Not logged in"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
    }
