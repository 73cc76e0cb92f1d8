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
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 80))
RUN: Counter = Counter()
STATUSES: Counter = Counter()


def _coordinator_cookie(app) -> str:
    """Log a coordinator in and return the session cookie (for the compare and exports)."""
    import re


    app.extensions["store"].add_account("fuzz@example.org", "fuzz fuzz fuzz fuzz")
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
