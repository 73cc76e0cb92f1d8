"""The JSON API, version 1: every route under /api/v1, in one table.

`ROUTES` is what the API serves, and the OpenAPI document at /api/v1/openapi.json is
built from the same table (`spec` holds each operation's description). A route marked
`public` may be read from any origin (`security.py` sends the CORS header). Views are
thin: they parse input, call one domain or store function, and shape the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify

from ...extensions import csrf
from . import actions, editions, groups, marathons, participants, review, spec, teams

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # below PREFIX, in Flask's syntax
    view: Callable[..., Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    # A read any website may make (CORS `*`): public fields only, nothing private.
    public: bool = False

    @property
    def path(self) -> str:
        """The rule in OpenAPI's syntax: /marathons/{mid}."""
        return PREFIX + re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", self.rule)


def openapi_json() -> Response:
    """Serve this API's OpenAPI 3 document."""
    return jsonify(document())


ROUTES: tuple[Route, ...] = (
    Route("GET", "/openapi.json", openapi_json, public=True),
    # editions, their case cards, the compare table and exports
    Route("GET", "/editions", editions.list_editions, public=True),
    Route("GET", "/editions/<eid>/cases", editions.edition_cases, public=True),
    Route("GET", "/editions/<eid>/live", editions.edition_live, public=True),
    Route("GET", "/editions/<eid>/regions", editions.edition_regions, public=True),
    Route("GET", "/editions/<eid>/marathons", editions.compare_marathons, public=True),
    Route("GET", "/editions/<eid>/curves", editions.curves),
    Route("GET", "/editions/<eid>/export.csv", editions.export, {"fmt": "csv"}),
    Route("GET", "/editions/<eid>/export.json", editions.export, {"fmt": "json"}),
    # review: who counts in the edition (coordinators), its registration policy (admins)
    Route("GET", "/editions/<eid>/review", review.review_queue),
    Route("POST", "/editions/<eid>/review", review.review_decide),
    Route("PUT", "/editions/<eid>/policy", review.set_policy),
    # marathons
    Route("POST", "/marathons", marathons.register),
    Route("GET", "/marathons/<mid>", marathons.get_marathon, public=True),
    Route("PATCH", "/marathons/<mid>", marathons.patch_marathon),
    Route("POST", "/marathons/<mid>/close", marathons.close_marathon),
    Route("POST", "/marathons/<mid>/reopen", marathons.reopen_marathon),
    Route("POST", "/marathons/<mid>/host-token", marathons.regenerate_host_token),
    Route("GET", "/marathons/<mid>/report", marathons.report_json, public=True),
    Route("PUT", "/marathons/<mid>/state", marathons.set_state),
    Route("POST", "/marathons/<mid>/join-code", marathons.new_join_code),
    Route("GET", "/marathons/<mid>/pace", marathons.pace),
    # groups that come back, edition after edition
    Route("GET", "/groups/<group_id>", groups.get_group, public=True),
    # participants
    Route("POST", "/join", participants.join),
    Route("GET", "/marathons/<mid>/participants", participants.list_participants),
    Route("GET", "/marathons/<mid>/participants/<pid>", participants.get_participant),
    Route("PATCH", "/marathons/<mid>/participants/<pid>", participants.patch_participant),
    Route("POST", "/marathons/<mid>/participants/<pid>/void-all", participants.void_all),
    Route("POST", "/marathons/<mid>/participants/<pid>/restore-all", participants.restore_all),
    # teams (a class, a table): the host's; their board is public
    Route("GET", "/marathons/<mid>/teams", teams.list_teams, public=True),
    Route("POST", "/marathons/<mid>/teams", teams.create_team),
    Route("PATCH", "/marathons/<mid>/teams/<tid>", teams.patch_team),
    Route("DELETE", "/marathons/<mid>/teams/<tid>", teams.delete_team),
    # actions
    Route("POST", "/marathons/<mid>/actions", actions.log_action),
    Route("GET", "/marathons/<mid>/actions", actions.list_actions),
    Route("DELETE", "/marathons/<mid>/actions/<client_id>", actions.undo_action),
    Route("POST", "/marathons/<mid>/actions/<client_id>/void", actions.void_action),
)


def public_reads() -> frozenset[str]:
    """The rules (in Flask's syntax, with the prefix) of the reads any website may make."""
    return frozenset(PREFIX + r.rule for r in ROUTES if r.public and r.method == "GET")


def blueprint() -> Blueprint:
    """Build the API's blueprint from `ROUTES` (CSRF-exempt: it takes tokens, not cookies,
    except the host console's session, which `common.host_token` checks for CSRF)."""
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    for route in ROUTES:
        bp.add_url_rule(route.rule, view_func=route.view, methods=[route.method],
                        **({"defaults": route.defaults} if route.defaults else {}))
    csrf.exempt(bp)
    return bp


def document() -> dict[str, Any]:
    """Build the OpenAPI document of exactly the routes in `ROUTES`, plus /healthz."""
    described = spec.paths()
    paths: dict[str, Any] = {"/healthz": described["/healthz"]}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = (
            described[route.path][route.method.lower()])
    return {
        "openapi": "3.1.0",
        "info": {"title": "Letter Marathon API", "version": "1.0.0",
                 "description": "Register marathons, join, log actions, read live totals."},
        "paths": paths,
        "components": {"schemas": spec.schemas(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "Participant or host token"}}},
    }
