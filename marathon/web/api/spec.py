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
from .spec_schemas import COUNTS, ref, schemas

__all__ = ["paths", "schemas"]


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
    return {str(s): _json(ref("Error"), text[s]) for s in statuses}


MID = {"name": "mid", "in": "path", "required": True, "schema": {"type": "string"}}
CID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "string"}}
PID = {"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}}
TID = {"name": "tid", "in": "path", "required": True, "schema": {"type": "string"}}
HOST = [{"bearer": []}]
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
                "schema": ref("Registration")}}},
            "responses": {"201": _json(ref("Registered"), "Registered"),
                          **_errors(400, 409, 413, 429, 503)}}},
        "/api/v1/marathons/{mid}": {
            "get": {"summary": "Public details and snapshot", "parameters": [MID],
                    "responses": {"200": _json(ref("Marathon")), **_errors(404, 503)}},
            "patch": {"summary": "Edit (host)", "parameters": [MID], "security": HOST,
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": ref("Patch")}}},
                      "responses": {"200": _json(ref("Marathon")),
                                    **_errors(400, 401, 403, 404, 413, 503)}}},
        "/api/v1/marathons/{mid}/close": {"post": {
            "summary": "Close early (host)", "parameters": [MID], "security": HOST,
            "responses": {"200": _json(ref("Marathon")), **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/reopen": {"post": {
            "summary": "Reopen (host)", "parameters": [MID], "security": HOST,
            "responses": {"200": _json(ref("Marathon")), **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/host-token": {"post": {
            "summary": "Replace the host token (host)", "parameters": [MID], "security": HOST,
            "responses": {"201": _json({"type": "object"}, "New token"),
                          **_errors(400, 401, 403, 404, 503)}}},
        "/api/v1/join": {"post": {
            "summary": "Join with a code",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("Join")}}},
            "responses": {"201": _json(ref("Joined"), "Joined"),
                          **_errors(400, 404, 409, 413, 429, 503)}}},
        "/api/v1/marathons/{mid}/actions": {
            "post": {"summary": "Log an action (participant or host)", "parameters": [MID],
                     "security": HOST,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("Action")}}},
                     "responses": {"201": _json(ref("Logged"), "Counted"),
                                   "200": _json(ref("Logged"), "Already counted (replay)"),
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
            "responses": {"200": _json(ref("Logged")),
                          **_errors(400, 401, 403, 404, 409, 503)}}},
        "/api/v1/marathons/{mid}/actions/{client_id}/void": {"post": {
            "summary": "Void an action with a reason (host)", "security": HOST,
            "parameters": [MID, CID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("Void")}}},
            "responses": {"200": _json(ref("Logged")),
                          **_errors(400, 401, 403, 404, 409, 413, 503)}}},
        "/api/v1/marathons/{mid}/participants": {"get": {
            "summary": "Participants and tallies (host)", "security": HOST, "parameters": [MID],
            "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/participants/{pid}": {"get": {
            "summary": "One participant: nickname, board, ban, team (the participant "
                       "themselves, or the host)", "security": HOST, "parameters": [MID, PID],
            "responses": {"200": _json(ref("Participant")),
                          **_errors(401, 403, 404, 503)}}, "patch": {
            "summary": "Rename, hide, ban, move to a team with all their actions (host; a "
                       "participant may change their own team)",
            "security": HOST, "parameters": [MID, PID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("ParticipantPatch")}}},
            "responses": {"200": _json({"type": "object"}),
                          **_errors(400, 401, 403, 404, 413, 503)}}},
        **_team_paths(),
        **_group_paths(),
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
                    "edition": {"type": "object"},
                    "previous": {"type": ["object", "null"], "description": (
                        "the group's total in its previous edition, and the change; null "
                        "for a group new this edition")}}}),
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


def _group_paths() -> dict[str, Any]:
    marathon = {"type": "object", "required": ["id", "title", "state", "status", "total"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                               "state": {"type": "string", "enum": ["pending", "verified"]},
                               "status": {"type": "string"},
                               "starts_at": {"type": "string"},
                               "total": {"type": "integer"}, "report": {"type": "string"}}}
    edition = {"type": "object", "required": ["edition_id", "total", "marathons"],
               "properties": {"edition_id": {"type": "string"},
                              "year": {"type": ["integer", "null"]},
                              "title": {}, "total": {"type": "integer",
                                                    "description": "verified marathons"},
                              "marathons": {"type": "array", "items": marathon}}}
    group = {"type": "object", "required": ["id", "name", "country", "editions"],
             "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                            "type": {"type": "string"}, "city": {"type": "string"},
                            "region": {"type": "string"}, "country": {"type": "string"},
                            "editions": {"type": "array", "items": edition}}}
    gid = {"name": "group_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {"/api/v1/groups/{group_id}": {"get": {
        "summary": "A group that comes back: its public description and its marathons by "
                   "edition, newest first, with totals", "parameters": [gid],
        "responses": {"200": _json(group), **_errors(400, 404, 503)}}}}


def _team_paths() -> dict[str, Any]:
    body = {"required": True, "content": {"application/json": {"schema": ref("TeamName")}}}
    return {
        "/api/v1/marathons/{mid}/teams": {
            "get": {"summary": "Teams with their totals and members, highest first (public: "
                               "names masked)", "parameters": [MID],
                    "responses": {"200": _json(ref("Teams")), **_errors(404, 503)}},
            "post": {"summary": "Add a team (host)", "parameters": [MID], "security": HOST,
                     "requestBody": body,
                     "responses": {"201": _json(ref("Team"), "Created"),
                                   **_errors(400, 401, 403, 404, 409, 413, 503)}}},
        "/api/v1/marathons/{mid}/teams/{tid}": {
            "patch": {"summary": "Rename a team (host)", "parameters": [MID, TID],
                      "security": HOST, "requestBody": body,
                      "responses": {"200": _json(ref("Team")),
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
                       "marathons only, names masked), with `countries` ({\"FR\": total}) "
                       "and `regions` ({\"FR\": {region: total}}) for the live map; "
                       "public, CORS allowed",
            "parameters": [eid],
            "responses": {"200": answer("The edition snapshot"),
                          "404": error("Unknown edition"), "503": error("Redis unavailable")}}},
        "/api/v1/editions/{eid}/regions": {"get": {
            "summary": "An edition's region shapes for the live map: {\"regions\": "
                       "{country: GeoJSON FeatureCollection}}, {} when it has none; public",
            "parameters": [eid],
            "responses": {"200": answer("The region shapes"),
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
