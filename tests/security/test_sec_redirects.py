"""Issue 16, item 2: no open redirect; one `safe_next` rules every `next` of the site.

Browsers drop tabs and newlines from an address and read a backslash as a slash, so
`/<TAB>/evil.example` is `//evil.example`, another site. Each address below was an
open redirect on the language switch (its own copy of the check) before the site kept
one helper, `marathon.web.helpers.safe_next`.
"""

from __future__ import annotations

import pytest
from coordinate_data import csrf_token

from marathon.web import helpers

PASSWORD = "correct horse battery"
LEAVING = ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\t\\evil.example",
           "/ /evil.example", "/\u3000/evil.example", "/\u200b/evil.example",
           "/\\/evil.example", "//evil.example", "https://evil.example/", "\\\\evil",
           "javascript:alert(1)", "/\x00/evil.example"]


@pytest.mark.parametrize("target", LEAVING)
def test_item2_language_switch_never_redirects_off_the_site(client, target):
    resp = client.get("/lang/en", query_string={"next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_item2_tab_slash_from_the_issue_gives_no_protocol_relative_location(client):
    resp = client.get("/lang/en?next=/%09/evil.example")
    assert resp.headers["Location"] == "/"
    resp = client.get("/lang/fr?next=/m/abc/log%3Fx%3D1")
    assert resp.headers["Location"] == "/m/abc/log?x=1"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\/evil.example", "/\u3000/x"])
def test_item2_coordinator_login_follows_the_same_rule(client, store, target):
    store.add_account("c@example.org", PASSWORD)
    r = client.post("/coordinate/login", data={
        "email": "c@example.org", "password": PASSWORD, "csrf_token": csrf_token(client),
        "next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/coordinate"


def test_item2_one_safe_next_for_the_whole_app():
    from pathlib import Path

    package = Path(helpers.__file__).resolve().parent.parent
    defining = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                      if "def safe_next" in p.read_text() or "def _safe_next" in p.read_text())
    assert defining == ["web/helpers.py"]
