"""schemathesis against /api/v1/openapi.json: every operation, no 5xx, answers as documented.

The schema is loaded from the running app (WSGI, on the test Redis), so it is the same
document clients download, including the routes other modules add with
`openapi.add_paths`. Path ids and bearer tokens are those of a real marathon, so that
generated bodies reach the validation and the store rather than stopping at 404; a
logged-in coordinator's session cookie reaches the compare table and the exports.
Both schema-valid (positive) and schema-breaking (negative) inputs are sent.

(schemathesis' pytest plugin does not run under this pytest version, so each operation's
hypothesis strategy is driven here directly.)
"""

from __future__ import annotations

import os
import re
import zlib
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
# Examples per operation: 30 for `make test`, 80 in `make test-long`.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 30))
RUN: Counter = Counter()
STATUSES: Counter = Counter()


def _coordinator_cookie(app) -> str:
    """Log a coordinator in and return the session cookie (for the compare and exports)."""
    import re


    app.extensions["store"].add_account("fuzz@example.org", "fuzz fuzz fuzz fuzz", "admin")
    c = app.test_client()
    page = c.get("/coordinate/login").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"',
                  page)
    token = next(g for g in m.groups() if g)
    r = c.post("/coordinate/login", data={"email": "fuzz@example.org",
                                          "password": "fuzz fuzz fuzz fuzz", "csrf_token": token})
    assert r.status_code == 302
    return c.get_cookie("session").value


@pytest.fixture
def fuzz_target(app, api):
    """The app with one running marathon, a participant, a coordinator, and their secrets."""
    reg = api.make_marathon()
    joined = api.join(reg["join_code"], "fuzz")
    r = api.log(reg["id"], joined["token"])
    assert r.status_code == 201
    return {"app": app, "mid": reg["id"], "host": reg["host_token"],
            "coordinator": _coordinator_cookie(app),
            "participant": joined["participant_id"], "participant_token": joined["token"],
            "client_id": r.get_json()["action"]["client_id"]}


def _aim(case, target, mode) -> None:
    """Point the generated case at the real marathon (mostly) and send the host's token."""
    params = case.path_parameters
    if params is not None:
        if "mid" in params:
            params["mid"] = target["mid"]
        if "eid" in params and zlib.crc32(str(params["eid"]).encode()) % 4:
            params["eid"] = "example"
        if "pid" in params and zlib.crc32(str(params["pid"]).encode()) % 2:
            params["pid"] = target["participant"]
        if "client_id" in params and zlib.crc32(str(params["client_id"]).encode()) % 2:
            params["client_id"] = target["client_id"]
    if not case.cookies:
        case.cookies = {"session": target["coordinator"]}
    if case.operation.definition.raw.get("security"):
        headers = dict(case.headers or {})
        if mode is GenerationMode.POSITIVE or "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {target['host']}"
        case.headers = headers


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(fuzz_target, mode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_target["app"])
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        try:
            strategy = operation.as_strategy(generation_mode=mode)
        except Exception as exc:  # an operation without negative space, e.g. no inputs
            RUN[f"skipped: {mode} {label}: {type(exc).__name__}"] += 0
            continue

        @given(case=strategy)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            _aim(case, fuzz_target, mode)
            RUN[f"{mode} {case.method.upper()} {case.operation.path}"] += 1
            response = case.call_and_validate(checks=checks)
            STATUSES[response.status_code] += 1
            if case.path.endswith("/host-token") and response.status_code == 201:
                fuzz_target["host"] = response.json()["host_token"]  # the old one is revoked

        try:
            run()
        except Unsatisfiable:
            # Nothing in this operation can break the schema (no body, free-form strings).
            RUN[f"no negative input for {label}"] += 0
        except Exception as exc:
            failures.append(f"{label} ({mode}): {exc}"[:3000])

    cases = sum(v for k, v in RUN.items() if k.startswith(f"{mode} "))
    print(f"\n[schemathesis {mode}] operations={len(operations)} cases={cases} "
          f"statuses so far={dict(sorted(STATUSES.items()))}")
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------- hostile bodies
# Issue 16, item 3: classes of input schemathesis does not generate, sent to every
# operation. Each must get a JSON 4xx with a code (and, for a body, the field), never
# a 500.

def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


HOSTILE_BODIES = {
    # name: (body bytes, content type, expected code, expected field)
    "deep nesting": (_deep(7000), "application/json", "too_deep", "body"),
    "deep nesting in an object": (b'{"nickname": ' + _deep(7000) + b"}",
                                  "application/json", "too_deep", "body"),
    "lone surrogate in nickname": (b'{"code": "QQQQQQ", "nickname": "\\ud800"}',
                                   "application/json", "invalid_unicode", "nickname"),
    "lone surrogate in title": (b'{"title": "a\\udfffb"}', "application/json",
                                "invalid_unicode", "title"),
    "lone surrogate in a key": (b'{"\\ud800": 1}', "application/json", "invalid_unicode",
                                "body"),
    "non-UTF-8 bytes": (b'{"nickname": "caf\xe9"}', "application/json",
                        "invalid_encoding", "body"),
    "huge integer": (b'{"goal": 1' + b"0" * 5000 + b', "count": 1}', "application/json",
                     "number_out_of_range", "goal"),
    "infinite number": (b'{"count": 1e999}', "application/json", "number_out_of_range",
                        "count"),
    "NaN": (b'{"count": NaN}', "application/json", "number_out_of_range", "count"),
    "duplicate keys": (b'{"title": "a", "title": "b"}', "application/json",
                       "duplicate_key", "title"),
    "form body": (b"title=x", "application/x-www-form-urlencoded",
                  "unsupported_media_type", "Content-Type"),
    "text body": (b'{"title": "x"}', "text/plain", "unsupported_media_type", "Content-Type"),
    "no content type": (b'{"title": "x"}', "", "unsupported_media_type", "Content-Type"),
    "not JSON": (b"{title: x", "application/json", "invalid_json", "body"),
}


def _concrete(path: str, target: dict) -> str:
    return (path.replace("{mid}", target["mid"]).replace("{eid}", "example")
            .replace("{pid}", target["participant"])
            .replace("{client_id}", target["client_id"]))


def _operations(app) -> list[tuple[str, str, bool]]:
    from marathon.web.api import document

    with app.app_context():
        paths = document()["paths"]
    return [(method.upper(), path, "requestBody" in op)
            for path, ops in paths.items() for method, op in ops.items()]


@pytest.mark.parametrize("hostile", sorted(HOSTILE_BODIES))
def test_hostile_bodies_get_a_clear_4xx_on_every_operation(fuzz_target, hostile) -> None:
    from coordinate_data import csrf_token

    body, content_type, code, field = HOSTILE_BODIES[hostile]
    client = fuzz_target["app"].test_client()
    # The host's token, and a coordinator's (admin) session with its CSRF header for the
    # review operations, so that every operation gets as far as reading the body.
    client.set_cookie("session", fuzz_target["coordinator"])
    headers = {"Authorization": f"Bearer {fuzz_target['host']}",
               "X-CSRFToken": csrf_token(client, "/coordinate")}
    if content_type:
        headers["Content-Type"] = content_type
    operations = _operations(fuzz_target["app"])
    assert sum(takes_body for *_, takes_body in operations) >= 6
    for method, path, takes_body in operations:
        if method in ("GET", "DELETE") or path.endswith((
                "/close", "/reopen", "/host-token", "/join-code", "/restore-all")):
            continue  # no body is read: the hostile bytes are ignored, as they should be
        url = _concrete(path, fuzz_target)
        resp = client.open(url, method=method, data=body, headers=headers)
        label = f"{method} {path} with {hostile}"
        assert resp.status_code < 500, label
        assert takes_body, f"{label}: an operation reads a body its document does not show"
        error = resp.get_json()["error"]
        assert resp.status_code == (415 if code == "unsupported_media_type" else 400), label
        assert (error["code"], error.get("field")) == (code, field), label


HOSTILE_URLS = ["%FF%FE", "%ED%A0%80", "9" * 400, "%00", "..%2F..%2F", "%E2%80%AE"]


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_hostile_path_and_query_values_never_give_a_500(fuzz_target, hostile) -> None:
    client = fuzz_target["app"].test_client()
    client.set_cookie("session", fuzz_target["coordinator"])
    headers = {"Authorization": f"Bearer {fuzz_target['host']}"}
    for method, path, _ in _operations(fuzz_target["app"]):
        url = re.sub(r"\{[^}]+\}", hostile, path)
        query = "&".join(f"{name}={hostile}" for name in (
            "limit", "before", "page", "per_page", "sort", "order", "lang", "ids", "q"))
        resp = client.open(f"{url}?{query}", method=method, headers=headers,
                           json={} if method in ("POST", "PATCH") else None)
        assert resp.status_code < 500, f"{method} {url}"
        assert resp.is_json, f"{method} {url}"
