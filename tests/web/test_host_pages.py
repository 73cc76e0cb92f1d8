"""Host pages through the Flask test client: register form, host link, guards, tally."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from helpers import CASES, Api, auth, csrf_of

from marathon.domain import hash_token
from marathon.domain.names import MASK, display_name, parse


def form_body(**overrides: str) -> dict[str, str]:
    starts = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    body = {"group.name": "Lycée Victor Hugo", "group.type": "school",
            "group.city": "Besançon", "group.region": "Bourgogne-Franche-Comté",
            "group.country": "FR", "edition_id": "example",
            "title": "Marathon des lettres", "starts_at": starts,
            "timezone": "Europe/Paris", "duration_hours": "24", "goal": "500"}
    body.update(overrides)
    return body


def register(client, **overrides: str):
    token = csrf_of(client.get("/register").get_data(as_text=True))
    return client.post("/register", data={**form_body(**overrides), "csrf_token": token})


def registered_ids(html: str) -> tuple[str, str, str]:
    host = re.search(r'href="(http[^"]+/h/([^"]+))" data-testid="host-link"', html)
    screen = re.search(r'href="http[^"]+/m/([^/"]+)/screen#key=[^"]+" data-testid="screen-link"',
                       html)
    code = re.search(r'data-testid="join-code">([A-Z0-9]{6})<', html)
    assert host and screen and code
    return screen.group(1), host.group(2), code.group(1)


def host_session(client, token: str) -> str:
    resp = client.get(f"/h/{token}")
    assert resp.status_code == 303
    return resp.headers["Location"]


# ---------------------------------------------------------------- register


def test_index_offers_registration_and_live_editions(client):
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="register-link"' in html
    assert "/e/example/screen" in html


def test_register_form_names_fields_as_in_the_api(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'data-testid="register"' in html
    for name in form_body():
        assert f'name="{name}"' in html, name


def test_bad_time_zone_and_negative_goal_are_both_shown_in_french_with_values_kept(client):
    client.set_cookie("lang", "fr")
    resp = register(client, timezone="Europe/Atlantis", goal="-5", title="Mon marathon")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'data-error-for="timezone"' in html and 'data-error-for="goal"' in html
    assert "Indiquez un fuseau horaire IANA" in html or "fuseau" in html
    assert 'value="Europe/Atlantis"' in html and 'value="-5"' in html
    assert 'value="Mon marathon"' in html and 'value="Lycée Victor Hugo"' in html
    assert "/h/" not in html


def test_missing_group_name_and_unreadable_start_are_reported(client):
    resp = register(client, **{"group.name": "  ", "starts_at": "tomorrow"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'data-error-for="group.name"' in html and 'data-error-for="starts_at"' in html


def test_registering_shows_host_link_join_code_and_screen_link(client, api: Api):
    resp = register(client)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    mid, token, code = registered_ids(html)
    assert "<svg" in html and "key to your event" in html
    body = api.marathon(mid)
    assert body["join_code"] not in html.split('data-testid="screen-links"')[1].split("</div>")[0]
    assert f'href="http://localhost/m/{mid}/screen" data-testid="public-screen-link"' in html
    assert body["goal"] == 500
    assert body["starts_at"].endswith(("+01:00", "+02:00"))  # the group's clock, Paris
    # The registering browser is the host already.
    assert client.get(f"/m/{mid}/host").status_code == 200
    assert token not in client.get(f"/m/{mid}/host").get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, redis_client):
    resp = client.post("/register", data=form_body())
    assert resp.status_code == 400
    assert not redis_client.keys("m:*")


# ---------------------------------------------------------------- host link and guards


def test_host_link_sets_the_session_and_drops_the_token_from_the_address(client, api: Api):
    m = api.make_marathon()
    fresh = client.application.test_client()
    location = host_session(fresh, m["host_token"])
    assert location.endswith(f"/m/{m['id']}/host") and m["host_token"] not in location
    assert fresh.get(location).status_code == 200


def test_unknown_host_link_is_refused(client):
    assert client.get("/h/not-a-real-token").status_code == 403


@pytest.mark.parametrize("path", ["/m/{mid}/host", "/m/{mid}/certificate",
                                  "/m/{mid}/certificate/{pid}"])
def test_host_pages_need_the_host_session(client, api: Api, path: str):
    m = api.make_marathon()
    other = api.make_marathon()
    pid = api.join(m["join_code"])["participant_id"]
    url = path.format(mid=m["id"], pid=pid)
    assert client.get(url).status_code == 401
    host_session(client, other["host_token"])  # host of another marathon
    assert client.get(url).status_code == 401
    client.set_cookie("session", "")
    fake = client.application.test_client()
    with fake.session_transaction() as s:
        # the hash of a token for the wrong marathon
        s["hosts"] = {m["id"]: hash_token(other["host_token"])}
    assert fake.get(url).status_code == 403
    host_session(client, m["host_token"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("method,path,body", [
    ("patch", "", {"goal": 1}), ("post", "/close", None), ("post", "/reopen", None),
    ("get", "/actions", None), ("get", "/participants", None),
    ("post", "/host-token", None),
    ("post", "/actions/7d1c1a4e-3b7a-4f7e-9a51-8d3f2f0c9b11/void", {"reason": "x"}),
])
def test_host_endpoints_need_the_host_cookie_or_token(client, api: Api, method, path, body):
    m = api.make_marathon()
    url = f"/api/v1/marathons/{m['id']}{path}"
    kw = {"json": body} if body is not None else {}
    assert getattr(client, method)(url, **kw).status_code == 401
    other = api.make_marathon()
    assert getattr(client, method)(url, headers=auth(other["host_token"]),
                                   **kw).status_code == 403


def test_cookie_authenticated_api_write_needs_the_csrf_header(client, api: Api):
    m = api.make_marathon()
    location = host_session(client, m["host_token"])
    url = f"/api/v1/marathons/{m['id']}"
    assert client.patch(url, json={"goal": 900}).status_code == 400
    token = csrf_of(client.get(location).get_data(as_text=True))
    resp = client.patch(url, json={"goal": 900}, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["goal"] == 900


def test_regenerated_host_link_revokes_the_old_one(client, api: Api):
    m = api.make_marathon()
    old_host = client.application.test_client()
    host_session(old_host, m["host_token"])
    resp = client.post(f"/api/v1/marathons/{m['id']}/host-token",
                       headers=auth(m["host_token"]))
    assert resp.status_code == 201
    new = resp.get_json()["host_token"]
    assert client.get(f"/h/{m['host_token']}").status_code == 403
    assert old_host.get(f"/m/{m['id']}/host").status_code == 403
    host_session(client, new)
    assert client.get(f"/m/{m['id']}/host").status_code == 200


# ---------------------------------------------------------------- paper tally


def tally(client, mid: str, **form: str):
    token = csrf_of(client.get(f"/m/{mid}/host").get_data(as_text=True))
    return client.post(f"/m/{mid}/host/tally", data={"csrf_token": token, **form})


def test_paper_tally_adds_a_stack_in_entries_of_at_most_100(client, api: Api):
    m = api.make_marathon()
    host_session(client, m["host_token"])
    resp = tally(client, m["id"], kind="letter", case_id=CASES[1], count="250")
    assert resp.status_code == 303
    snap = api.marathon(m["id"])["snapshot"]
    assert snap["total"] == 250 and snap["by_case"][CASES[1]] == 250
    log = client.get(f"/api/v1/marathons/{m['id']}/actions",
                     headers=auth(m["host_token"])).get_json()["actions"]
    assert sorted(e["count"] for e in log) == [50, 100, 100]
    assert {e["participant_id"] for e in log} == {"host"}
    assert len({e["client_id"] for e in log}) == 3
    assert "250" in client.get(f"/m/{m['id']}/host").get_data(as_text=True)


def test_paper_tally_refuses_a_bad_count_and_a_closed_marathon(client, api: Api):
    m = api.make_marathon()
    host_session(client, m["host_token"])
    tally(client, m["id"], kind="letter", count="0")
    assert "flash-error" in client.get(f"/m/{m['id']}/host").get_data(as_text=True)
    client.post(f"/api/v1/marathons/{m['id']}/close", headers=auth(m["host_token"]))
    tally(client, m["id"], kind="letter", count="3")
    assert api.marathon(m["id"])["snapshot"]["total"] == 0


def test_paper_tally_without_host_session_is_refused(client, api: Api):
    m = api.make_marathon()
    host = client.application.test_client()
    host_session(host, m["host_token"])
    token = csrf_of(host.get(f"/m/{m['id']}/host").get_data(as_text=True))
    resp = client.post(f"/m/{m['id']}/host/tally",
                       data={"csrf_token": token, "kind": "letter", "count": "5"})
    assert resp.status_code in (400, 401)
    assert api.marathon(m["id"])["snapshot"]["total"] == 0


# ---------------------------------------------------------------- poster


def test_poster_is_for_the_host_with_qr_code_and_instructions_in_the_chosen_language(
        client, api):
    m = api.make_marathon()
    stranger = client.application.test_client()
    assert m["join_code"] not in stranger.get(f"/m/{m['id']}/poster").get_data(as_text=True)
    assert stranger.get(f"/m/{m['id']}/poster").status_code == 401
    host_session(client, m["host_token"])
    html = client.get(f"/m/{m['id']}/poster?lang=fr").get_data(as_text=True)
    assert m["join_code"] in html and "<svg" in html and "pseudo" in html
    html = client.get(f"/m/{m['id']}/poster?lang=en").get_data(as_text=True)
    assert "nickname" in html


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("nickname", ["fuck", "FUUUCK you", "sh1t", "Gros con", "Salope",
                                      "putain!", "p.u.t.a.i.n", "Connard42"])
def test_offensive_nicknames_are_masked(app, nickname):
    with app.app_context():
        assert display_name(nickname) == MASK


@pytest.mark.parametrize("nickname", ["Zoë", "Constance", "Dickens", "Scunthorpe", "Hancock",
                                      "computer", "Député", "Nigeria", "李明", "Therapist"])
def test_ordinary_nicknames_are_kept(app, nickname):
    with app.app_context():
        assert display_name(nickname) == nickname


def test_config_extends_the_blocklist(make_app):
    app = make_app(NICKNAME_BLOCKLIST="voldemort, *grumpf*")
    with app.app_context():
        assert display_name("Lord Voldemort") == MASK
        assert display_name("xxGRUMPFxx") == MASK
        # Issue 28: the setting's words take plural endings too, not any longer word.
        assert display_name("Voldemorts") == MASK
        assert display_name("Voldemortian") == "Voldemortian"


def test_starred_words_match_anywhere_and_plain_words_whole():
    bl = parse(["*abc*", "xyz"])
    assert bl.blocks("zzabczz") and bl.blocks("a-b-c") and bl.blocks("the xyz")
    assert not bl.blocks("xyzzy")


def test_api_snapshot_masks_nicknames_on_the_board(client, api: Api):
    m = api.make_marathon()
    p = api.join(m["join_code"], nickname="Salope")
    api.log(m["id"], p["token"])
    snap = api.marathon(m["id"])["snapshot"]
    assert snap["top"][0]["nickname"] == MASK
    assert snap["recent"][0]["nickname"] == MASK
