"""Issue 16, item 3: nothing a client sends gives a 500.

The two bodies of the issue (JSON nested 7,000 deep, a lone surrogate in a nickname or
a title) answered 500; they and their kin now answer a JSON 400 with a code and the
field. The fuzz suite (tests/web/test_openapi_fuzz.py) sends every class to every
operation; this file keeps the issue's own cases and the edition import's.
"""

from __future__ import annotations

import pytest
from coordinate_data import csrf_token
from helpers import auth

DEEP = "[" * 7000 + "]" * 7000


def _post(client, url: str, raw: str | bytes, **headers: str):
    return client.post(url, data=raw, headers={"Content-Type": "application/json",
                                                **headers})


def test_item3_json_nested_7000_deep_is_a_400_not_a_500(client, api):
    m = api.make_marathon()
    for url, raw in (("/api/v1/join", DEEP), ("/api/v1/marathons", f'{{"group": {DEEP}}}'),
                     (f"/api/v1/marathons/{m['id']}/actions", DEEP)):
        r = _post(client, url, raw, **auth(m["host_token"]))
        assert r.status_code == 400, url
        assert r.get_json()["error"]["code"] == "too_deep"
        assert r.get_json()["error"]["field"] == "body"


def test_item3_lone_surrogates_in_a_nickname_or_a_title_are_a_400(client, api):
    m = api.make_marathon()
    r = _post(client, "/api/v1/join", f'{{"code": "{m["join_code"]}", "nickname": "\\ud800"}}')
    assert r.status_code == 400
    assert (r.get_json()["error"]["code"], r.get_json()["error"]["field"]) == (
        "invalid_unicode", "nickname")
    r = client.patch(f"/api/v1/marathons/{m['id']}", data='{"title": "x\\udc00"}',
                     headers={"Content-Type": "application/json", **auth(m["host_token"])})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "title"


@pytest.mark.parametrize(("raw", "code"), [
    (b'{"nickname": "\xff"}', "invalid_encoding"),
    (b'{"nickname": "a", "nickname": "b"}', "duplicate_key"),
    (b'{"count": 1' + b"0" * 5000 + b"}", "number_out_of_range"),
    (b'{"count": Infinity}', "number_out_of_range"),
])
def test_item3_bad_bytes_duplicate_keys_and_huge_numbers_are_named(client, raw, code):
    r = _post(client, "/api/v1/join", raw)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == code


@pytest.fixture
def admin(client, store):
    store.add_account("admin@example.org", "correct horse battery", "admin")
    r = client.post("/coordinate/login", data={
        "email": "admin@example.org", "password": "correct horse battery",
        "csrf_token": csrf_token(client)})
    assert r.status_code == 302
    return client


@pytest.mark.parametrize(("raw", "says"), [
    ("[" * 2000 + "]" * 2000, "json: JSON nested more than 32 levels"),
    ('{"id": "x\\ud800"}', "json.id: This text is not valid Unicode"),
    ('{"id": "a", "id": "b"}', "json.id: This key is given twice."),
])
def test_item3_edition_import_of_a_hostile_document_says_why(admin, store, raw, says):
    token = csrf_token(admin, "/coordinate/editions")
    r = admin.post("/coordinate/editions/import", data={"csrf_token": token, "json": raw},
                   headers={"Accept-Language": "en"}, follow_redirects=True)
    assert r.status_code == 200
    assert says in r.get_data(as_text=True)
    assert [e["id"] for e in store.editions()] == ["example"]
