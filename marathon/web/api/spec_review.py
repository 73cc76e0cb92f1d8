"""The OpenAPI descriptions of the trust operations: review, policy, host defences."""

from __future__ import annotations

from typing import Any

from ...domain import trust


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "Bad input (the field is named)", 401: "Not logged in / no host token",
            403: "Not allowed", 404: "Unknown id", 409: "Conflict", 413: "Body too large",
            503: "Redis unavailable"}
    return {str(s): _json({"$ref": "#/components/schemas/Error"}, text[s]) for s in statuses}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


EID = {"name": "eid", "in": "path", "required": True, "schema": {"type": "string"}}
MID = {"name": "mid", "in": "path", "required": True, "schema": {"type": "string"}}
PID = {"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}}
HOST = [{"bearer": []}]
STATE = {"type": "string", "enum": ["verified", "rejected", "pending", "verify", "reject",
                                    "hide", "review"]}
REASON = {"type": "string", "maxLength": trust.REASON_MAX}


def paths() -> dict[str, Any]:
    obj = {"type": "object"}
    return {
        "/api/v1/editions/{eid}/review": {
            "get": {"summary": "Every marathon of the edition with its state, flags, "
                               "plausibility envelope, held amount and audit trail; pending "
                               "and grown-since-verification first (coordinator)",
                    "parameters": [EID],
                    "responses": {"200": _json(obj), **_errors(401, 404, 503)}},
            "post": {"summary": "Verify, reject or hide marathons in bulk (coordinator)",
                     "parameters": [EID],
                     "requestBody": _body({"type": "object", "required": ["ids", "state"],
                                           "properties": {
                                               "ids": {"type": "array",
                                                       "items": {"type": "string"}},
                                               "state": STATE, "reason": REASON}}),
                     "responses": {"200": _json(obj), **_errors(400, 401, 404, 413, 503)}}},
        "/api/v1/editions/{eid}/policy": {"put": {
            "summary": "Set the edition's registration policy: review, code or open (admin)",
            "parameters": [EID],
            "requestBody": _body({"type": "object", "required": ["registration"],
                                  "properties": {
                                      "registration": {"type": "string",
                                                       "enum": list(trust.POLICIES)},
                                      "code": {"type": "string",
                                               "minLength": trust.REGISTRATION_CODE_MIN,
                                               "maxLength": trust.REGISTRATION_CODE_MAX},
                                      "generate_code": {"type": "boolean"}}}),
            "responses": {"200": _json(obj), **_errors(400, 401, 403, 404, 413, 503)}}},
        "/api/v1/marathons/{mid}/state": {"put": {
            "summary": "Verify, reject or hide one marathon (coordinator)",
            "parameters": [MID],
            "requestBody": _body({"type": "object", "required": ["state"],
                                  "properties": {"state": STATE, "reason": REASON}}),
            "responses": {"200": _json(obj), **_errors(400, 401, 404, 413, 503)}}},
        "/api/v1/marathons/{mid}/join-code": {"post": {
            "summary": "Replace the join code and the projector link's key; the old "
                       "ones are refused (host)",
            "parameters": [MID], "security": HOST,
            "responses": {"201": _json(obj, "New code"), **_errors(401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/pace": {"get": {
            "summary": "This hour's joins and actions, the tally bound, alerts, and what "
                       "waits for the national office beyond the envelope (host)",
            "parameters": [MID], "security": HOST,
            "responses": {"200": _json(obj), **_errors(401, 403, 404, 503)}}},
        "/api/v1/marathons/{mid}/participants/{pid}/void-all": {"post": {
            "summary": "Ban a participant and void all their actions (host)",
            "parameters": [MID, PID], "security": HOST,
            "requestBody": _body({"type": "object", "required": ["reason"],
                                  "properties": {"reason": REASON}}),
            "responses": {"200": _json(obj), **_errors(400, 401, 403, 404, 413, 503)}}},
        "/api/v1/marathons/{mid}/participants/{pid}/restore-all": {"post": {
            "summary": "Undo a void-all: unban and count the actions again (host)",
            "parameters": [MID, PID], "security": HOST,
            "responses": {"200": _json(obj), **_errors(401, 403, 404, 503)}}},
    }
