"""Response headers on every page: strict CSP, nosniff, Referrer-Policy, framing refused
except for a screen whose host allowed embedding; no inline script or style in any page."""

from __future__ import annotations

import re

import pytest
from helpers import Api, auth


@pytest.fixture
def pages(api: Api, client):
    reg = api.make_marathon()
    api.join(reg["join_code"], "Ana")
    mid, code = reg["id"], reg["join_code"]
    public = ["/", "/register", "/join", f"/j/{code}", f"/m/{mid}/log", f"/m/{mid}/screen",
              "/e/example/screen", f"/m/{mid}/report", f"/m/{mid}/poster", f"/m/{mid}/kit",
              "/coordinate/login", "/e/example", "/no/such/page",
              f"/api/v1/marathons/{mid}", "/healthz", "/api/v1/openapi.json"]
    return {"reg": reg, "public": public, "host": [f"/m/{mid}/host"]}


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_headers(r, path: str) -> dict[str, list[str]]:
    csp = r.headers.get("Content-Security-Policy")
    assert csp, f"{path}: no Content-Security-Policy"
    d = csp_directives(csp)
    for name in ("script-src", "style-src", "default-src"):
        values = d.get(name, d.get("default-src", []))
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, (path, csp)
    assert d.get("object-src") == ["'none'"] and d.get("base-uri") == ["'none'"]
    assert r.headers.get("X-Content-Type-Options") == "nosniff", path
    assert r.headers.get("Referrer-Policy") in ("no-referrer", "same-origin",
                                                 "strict-origin-when-cross-origin"), path
    return d


def test_every_page_sends_the_security_headers(client, pages):
    client.get(f"/h/{pages['reg']['host_token']}")
    seen = 0
    for path in pages["public"] + pages["host"]:
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        d = check_headers(r, path)
        assert d["frame-ancestors"] == ["'none'"], path
        assert r.headers.get("X-Frame-Options") == "DENY", path
        seen += 1
    assert seen >= 17


def test_no_page_has_inline_script_or_style(client, pages):
    client.get(f"/h/{pages['reg']['host_token']}")
    # Data blocks (type="application/json") are inert; anything else inline is not.
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>\s*\S",
                               re.I)
    for path in pages["public"] + pages["host"]:
        r = client.get(path)
        if not r.content_type.startswith("text/html"):
            continue
        html = r.get_data(as_text=True)
        assert not inline_script.search(html), f"{path}: inline <script>"
        assert not re.search(r"<style[\s>]", html, re.I), f"{path}: inline <style>"
        assert not re.search(r"\sstyle=[\"']", html, re.I), f"{path}: style= attribute"
        assert not re.search(r"\son[a-z]+=[\"']", html, re.I), f"{path}: on*= handler"


def test_a_screen_is_embeddable_only_when_its_host_allows_it(client, pages):
    reg = pages["reg"]
    mid = reg["id"]
    r = client.get(f"/m/{mid}/screen")
    assert csp_directives(r.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    r = client.patch(f"/api/v1/marathons/{mid}", json={"options": {"allow_embed": True}},
                     headers=auth(reg["host_token"]))
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get(f"/m/{mid}/screen")
    check_headers(r, "screen")
    assert csp_directives(r.headers["Content-Security-Policy"])["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in r.headers
    # Only the screen: its log page, host console and report stay unframeable.
    for path in (f"/m/{mid}/log", f"/m/{mid}/report", f"/m/{mid}/poster"):
        d = csp_directives(client.get(path).headers["Content-Security-Policy"])
        assert d["frame-ancestors"] == ["'none'"], path
    # Another marathon's screen is not affected.
    other = Api(client).make_marathon()
    d = csp_directives(client.get(f"/m/{other['id']}/screen").headers[
        "Content-Security-Policy"])
    assert d["frame-ancestors"] == ["'none'"]
    # Turning it off again refuses framing again.
    client.patch(f"/api/v1/marathons/{mid}", json={"options": {"allow_embed": False}},
                 headers=auth(reg["host_token"]))
    d = csp_directives(client.get(f"/m/{mid}/screen").headers["Content-Security-Policy"])
    assert d["frame-ancestors"] == ["'none'"]


def test_public_reads_allow_any_origin_but_writes_do_not(client, pages):
    mid = pages["reg"]["id"]
    r = client.get(f"/api/v1/marathons/{mid}", headers={"Origin": "https://x.example"})
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    r = client.post("/api/v1/join", json={"code": "XXXXXX", "nickname": "a"},
                    headers={"Origin": "https://x.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_session_cookie_is_http_only_and_same_site(client, pages):
    r = client.get(f"/h/{pages['reg']['host_token']}")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
