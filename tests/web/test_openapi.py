"""The OpenAPI document describes every /api/v1 route the app serves."""

from __future__ import annotations

import re


def test_every_api_route_is_in_the_openapi_document(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/") or rule.rule == "/healthz"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from openapi.json: {missing}"


def test_openapi_is_public_and_cors_enabled(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
