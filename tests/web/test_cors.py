"""CORS: `Access-Control-Allow-Origin: *` on the public reads only (any website may show a
live total), never on a private read, nor on a public read answered with private fields."""

from __future__ import annotations

import re

import pytest
from coordinate_data import login
from helpers import Api, auth

from marathon.web.api import PREFIX, ROUTES

ORIGIN = {"Origin": "https://section.example"}
ACAO = "Access-Control-Allow-Origin"
PASSWORD = "correct horse battery"


def path_of(rule: str, m: dict) -> str:
    """A route's rule with real ids: the marathon, its group, the example edition."""
    ids = {"mid": m["id"], "eid": "example", "pid": "someone",
           "group_id": m.get("group_id", "")}
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda g: ids[g.group(1)], PREFIX + rule)


@pytest.fixture
def marathon(api: Api):
    m = api.make_marathon()
    api.join(m["join_code"], "Ana")
    return {**m, "group_id": api.marathon(m["id"])["group_id"]}


@pytest.fixture
def coordinator(client, store):
    store.add_account("coord@example.org", PASSWORD)
    assert login(client, "coord@example.org", PASSWORD).status_code == 302
    return client


PUBLIC = [r for r in ROUTES if r.public]
PRIVATE_GETS = [r for r in ROUTES if r.method == "GET" and not r.public]


def test_only_reads_are_public():
    assert PUBLIC and all(r.method == "GET" for r in PUBLIC)
    assert {r.rule for r in PUBLIC} >= {"/marathons/<mid>", "/editions/<eid>/marathons",
                                        "/editions/<eid>/live"}


@pytest.mark.parametrize("route", PUBLIC, ids=lambda r: r.rule)
def test_public_reads_allow_any_origin(client, marathon, route):
    r = client.get(path_of(route.rule, marathon), headers=ORIGIN)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.headers.get(ACAO) == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_health_check_allows_any_origin(client):
    assert client.get("/healthz", headers=ORIGIN).headers.get(ACAO) == "*"


@pytest.mark.parametrize("route", PRIVATE_GETS, ids=lambda r: r.rule)
def test_private_reads_never_allow_other_origins(client, marathon, route):
    path = path_of(route.rule, marathon)
    # Refused (no credentials), or answered to the host, or to a coordinator: no header.
    assert ACAO not in client.get(path, headers=ORIGIN).headers
    r = client.get(path, headers={**ORIGIN, **auth(marathon["host_token"])})
    assert ACAO not in r.headers, r.status_code


@pytest.mark.parametrize("route", PRIVATE_GETS, ids=lambda r: r.rule)
def test_coordinator_reads_never_allow_other_origins(coordinator, marathon, route):
    r = coordinator.get(path_of(route.rule, marathon), headers=ORIGIN)
    assert ACAO not in r.headers, r.status_code


def test_coordinator_exports_are_answered_without_the_header(coordinator):
    for fmt in ("csv", "json"):
        r = coordinator.get(f"/api/v1/editions/example/export.{fmt}", headers=ORIGIN)
        assert r.status_code == 200 and ACAO not in r.headers


def test_host_read_of_a_public_route_has_no_header(client, marathon):
    mid = marathon["id"]
    r = client.get(f"/api/v1/marathons/{mid}", headers={**ORIGIN, **auth(marathon["host_token"])})
    assert r.get_json()["join_code"] == marathon["join_code"]  # private fields: ours only
    assert ACAO not in r.headers
    # The host console's session cookie widens the answer the same way.
    client.get(marathon["urls"]["host"])
    r = client.get(f"/api/v1/marathons/{mid}", headers=ORIGIN)
    assert "join_code" in r.get_json() and ACAO not in r.headers


def test_anonymous_read_of_a_marathon_is_public_fields_with_the_header(client, marathon):
    r = client.get(f"/api/v1/marathons/{marathon['id']}", headers=ORIGIN)
    body = r.get_json()
    assert r.headers[ACAO] == "*"
    assert "join_code" not in body and "audit" not in body and "host_token" not in body


def test_coordinator_compare_table_has_no_header(coordinator, marathon):
    r = coordinator.get("/api/v1/editions/example/marathons", headers=ORIGIN)
    assert r.get_json()["public"] is False and ACAO not in r.headers


def test_preflight_of_a_public_read_does_not_allow_sending_a_token(client, marathon):
    r = client.options(f"/api/v1/marathons/{marathon['id']}",
                       headers={**ORIGIN, "Access-Control-Request-Method": "GET",
                                "Access-Control-Request-Headers": "authorization"})
    assert r.headers.get(ACAO) == "*"
    # No Access-Control-Allow-Headers: a browser will not send another site's token here.
    assert "Access-Control-Allow-Headers" not in r.headers


def test_writes_never_allow_other_origins(client, marathon):
    r = client.patch(f"/api/v1/marathons/{marathon['id']}", json={"title": "X"},
                     headers={**ORIGIN, **auth(marathon["host_token"])})
    assert r.status_code == 200 and ACAO not in r.headers
    r = client.post("/api/v1/join", json={"code": marathon["join_code"], "nickname": "Bo"},
                    headers=ORIGIN)
    assert r.status_code == 201 and ACAO not in r.headers
