"""Coordinators' review of an edition's marathons, and its registration policy."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext

from ... import domain
from ...domain import trust
from ...store import NotFound, store
from ..errors import ApiError
from .common import coordinator, json_body

BULK_MAX = 500


def review_queue(eid: str) -> Response:
    """Every marathon of the edition with its state, flags and audit trail (coordinator)."""
    coordinator()
    store().edition(eid)
    return jsonify({"edition_id": eid, "policy": store().edition_policy(eid),
                    "marathons": store().review_rows(eid, domain.now_ms())})


def review_decide(eid: str) -> Response:
    """Verify, reject or hide several marathons at once, with one reason (coordinator)."""
    who = coordinator()
    data = json_body()
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > BULK_MAX or not all(
            isinstance(i, str) and 0 < len(i) <= 40 for i in ids):
        raise ApiError(400, "invalid", gettext("Send 'ids': a list of 1 to %(n)s marathon ids.",
                                               n=BULK_MAX), "ids")
    state = trust.decision(data.get("state"))
    reason = trust.reason(data.get("reason"), required=state == "rejected")
    now = domain.now_ms()
    done, missing = [], []
    for mid in dict.fromkeys(ids):
        try:
            if store().edition_of(mid) != eid:
                raise NotFound("marathon")
            store().set_state(mid, state, reason=reason, who=who, now=now)
            done.append(mid)
        except NotFound:
            missing.append(mid)
    return jsonify({"state": state, "changed": done, "not_found": missing})


def set_policy(eid: str) -> Response:
    """Set the edition's registration policy and code (admin).

    `"generate_code": true` has the app make a code, shown in this answer only; a typed
    `code` has at least `trust.REGISTRATION_CODE_MIN` characters.
    """
    coordinator(admin=True)
    store().edition(eid)
    data = json_body()
    registration = trust.policy(data.get("registration"))
    generate = domain.boolean(data.get("generate_code", False), "generate_code", False)
    code = data.get("code")
    if generate:
        code_text: str | None = trust.new_registration_code()
    elif code not in (None, ""):
        code_text = trust.registration_code(code)
    else:
        code_text = None
    if registration == "code" and not (code_text or store().edition_policy(eid)["has_code"]):
        raise ApiError(400, "required", gettext(
            "Give the registration code for policy 'code', or ask for one with "
            "generate_code."), "code")
    store().set_edition_policy(eid, registration, code_text)
    body = {"edition_id": eid, **store().edition_policy(eid)}
    if generate:
        body["code"] = code_text  # shown once: only its hash is kept
    return jsonify(body)
