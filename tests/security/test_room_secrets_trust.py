"""Issue 27, items 5 to 8, playing each attacker on the real server (its own process,
a real redis-server, plain HTTP):

- a registration in 2200 against the purge (editions have a window);
- a stranger using a group's name in another spelling, then reading its public history;
- an anonymous reader looking for the national office's reason and the audit trail;
- someone guessing the edition's registration code.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from helpers import Api, auth, iso, now, registration
from support import ServerProcess

from marathon.domain.editions import example_edition
from marathon.domain.names import MASK
from marathon.domain.windows import closes_ms
from marathon.jobs import DAY_MS, erase_due
from marathon.store.keys import EditionKeys

EID = example_edition()["id"]
PASSWORD = "correct horse battery"
REASON = "Mme Durand, the teacher named here, is suspected of inventing the group"


@pytest.fixture
def server(redis_proc, redis_client, tmp_path):
    srv = ServerProcess(redis_proc.url, instance=tmp_path / "srv",
                        env={"REGISTRATION_CODE_TRIES_PER_HOUR": "5"}).start()
    yield srv
    srv.stop()


@pytest.fixture
def web(server) -> Api:
    """An anonymous visitor of the real server."""
    return Api(requests.Session(), base=server.url)


def session_of(server: ServerProcess, store: Any, email: str, role: str) -> requests.Session:
    """A coordinator (or admin) logged in on the real server."""
    store.add_account(email, PASSWORD, role)
    s = requests.Session()
    page = s.get(server.url + "/coordinate/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(server.url + "/coordinate/login", allow_redirects=False, timeout=10,
               data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.text
    page = s.get(server.url + "/coordinate", timeout=10).text
    found = re.search(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      page)
    s.headers["X-CSRFToken"] = found.group(1) or found.group(2)
    return s


def post(web: Api, body: dict[str, Any]) -> requests.Response:
    return web.c.post(web.base + "/api/v1/marathons", json=body, timeout=10)


# ---------------------------------------------------------------- item 5: the window


def test_a_registration_in_2200_is_refused_and_cannot_hold_off_the_purge(
        web: Api, store, redis_client):
    redis_client.hset(EditionKeys(EID).policy, "registration", "open")
    r = post(web, registration(starts_at="2200-12-05T12:00:00+01:00", duration_hours=48))
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "starts_at", r.text
    # Starting inside the window but ending after its close names the duration.
    closes = store.edition(EID)["closes"]
    r = post(web, registration(starts_at=f"{closes}T20:00:00+01:00", duration_hours=24))
    assert r.status_code == 400 and r.json()["error"]["field"] == "duration_hours", r.text

    # A real marathon, with nicknames; its host tries to move it to 2200 afterwards.
    m = web.make_marathon()
    for nickname in ("Zoë", "Malik"):
        web.join(m["join_code"], nickname)
    r = web.c.patch(f"{web.base}/api/v1/marathons/{m['id']}", timeout=10,
                    json={"starts_at": "2200-01-01T00:00:00+00:00"},
                    headers=auth(m["host_token"]))
    assert r.status_code == 400 and r.json()["error"]["field"] == "starts_at"
    r = web.c.patch(f"{web.base}/api/v1/marathons/{m['id']}", timeout=10,
                    json={"starts_at": f"{closes}T20:00:00+00:00",
                          "timezone": "Pacific/Kiritimati"},  # the next day there
                    headers=auth(m["host_token"]))
    assert r.status_code == 400 and r.json()["error"]["field"] == "starts_at"
    r = web.c.patch(f"{web.base}/api/v1/marathons/{m['id']}", timeout=10,
                    json={"duration_hours": 48}, headers=auth(m["host_token"]))
    assert r.status_code == 200  # inside the window: fine
    assert web.marathon(m["id"])["starts_at"][:4] != "2200"

    # A marathon stored in 2200 some other way (before this check existed) is bounded
    # by the edition's close: the purge counts from there.
    legacy = web.make_marathon()
    web.join(legacy["join_code"], "Inès")
    year_2200 = 7_258_118_400_000
    store.update(legacy["id"], {"starts": year_2200, "ends": year_2200 + 48 * 3_600_000})
    close = closes_ms(store.edition(EID))
    assert erase_due(store, 90, close + 89 * DAY_MS, apply=False) == []
    done = erase_due(store, 90, close + 91 * DAY_MS)
    assert done == [{"edition": EID, "ended_at": close, "marathons": 2, "nicknames": 3,
                     "applied": True}]
    assert {p["nickname"] for p in store.participants(legacy["id"])} == {"participant 1"}


def test_an_edition_with_its_own_window_refuses_marathons_outside_it(web: Api, store):
    store.import_edition({**example_edition(), "id": "wfr-past", "year": 2020,
                          "opens": "2020-10-01", "closes": "2021-06-30"})
    r = post(web, registration(edition_id="wfr-past"))
    assert r.status_code == 400 and r.json()["error"]["field"] == "starts_at"
    assert "2020-10-01" in r.json()["error"]["message"]
    r = post(web, registration(edition_id="wfr-past", starts_at="2020-12-05T10:00:00+01:00"))
    assert r.status_code == 201, r.text


# ---------------------------------------------------------------- item 6: group history


def test_a_stranger_using_a_groups_name_does_not_write_in_its_history(
        web: Api, store, redis_client, server):
    redis_client.hset(EditionKeys(EID).policy, "registration", "open")
    group = {"name": "Lycée Victor-Hugo", "type": "school", "city": "Paris", "region": "",
             "country": "FR"}
    real = web.make_marathon(group=group, title="Marathon du lycée")
    gid = web.marathon(real["id"])["group_id"]

    redis_client.hset(EditionKeys(EID).policy, "registration", "review")
    stranger = web.make_marathon(
        group={**group, "name": "LYCEE  victor-hugo!!", "city": "PARIS"},
        title="sieg heil 1488")
    assert stranger["state"] == "pending"
    assert web.marathon(stranger["id"])["group_id"] == gid  # the same group, as intended

    r = requests.get(f"{server.url}/api/v1/groups/{gid}", timeout=10)
    assert r.status_code == 200
    listed = [m["id"] for e in r.json()["editions"] for m in e["marathons"]]
    assert listed == [real["id"]]
    assert "sieg heil" not in r.text and "LYCEE" not in r.text
    assert r.json()["name"] == "Lycée Victor-Hugo"
    # The "register again" form does not take the stranger's spelling either.
    page = requests.get(f"{server.url}/register?group_id={gid}", timeout=10).text
    assert "LYCEE" not in page and "Lycée Victor-Hugo" in page

    # A group with only a pending marathon has no public history at all.
    alone = web.make_marathon(group={**group, "name": "Groupe fantôme", "city": "Lyon"})
    alone_gid = web.marathon(alone["id"])["group_id"]
    assert requests.get(f"{server.url}/api/v1/groups/{alone_gid}",
                        timeout=10).status_code == 404


def test_a_verified_marathons_title_is_masked_in_the_group_history(
        web: Api, redis_client, server):
    redis_client.hset(EditionKeys(EID).policy, "registration", "open")
    m = web.make_marathon(title="Connard Club des lettres")
    gid = web.marathon(m["id"])["group_id"]
    body = requests.get(f"{server.url}/api/v1/groups/{gid}", timeout=10).json()
    assert body["editions"][0]["marathons"][0]["title"] == MASK


# ---------------------------------------------------------------- item 7: reasons


def test_an_anonymous_reader_finds_no_reason_and_no_audit_trail(web: Api, store, server):
    m = web.make_marathon()  # pending: the shipped default policy is review
    voter = web.join(m["join_code"], "Tom")
    assert web.log(m["id"], voter["token"]).status_code == 201
    # The host voids a participant with a reason; the office rejects with another.
    pid = voter["participant_id"]
    r = web.c.post(f"{web.base}/api/v1/marathons/{m['id']}/participants/{pid}/void-all",
                   json={"reason": "Tom typed 500 letters at once"}, timeout=10,
                   headers=auth(m["host_token"]))
    assert r.status_code in (200, 201), r.text
    office = session_of(server, store, "office@example.org", "coordinator")
    r = office.put(f"{server.url}/api/v1/marathons/{m['id']}/state", timeout=10,
                   json={"state": "rejected", "reason": REASON})
    assert r.status_code == 200 and r.json()["state_reason"] == REASON, r.text

    anonymous = requests.Session()
    public = [f"/api/v1/marathons/{m['id']}", f"/api/v1/marathons/{m['id']}/report",
              f"/m/{m['id']}/report", f"/m/{m['id']}/screen", f"/m/{m['id']}/log",
              f"/m/{m['id']}/overlay", f"/m/{m['id']}/widget",
              f"/api/v1/editions/{EID}/marathons?per_page=100", f"/e/{EID}",
              f"/e/{EID}/screen",
              f"/api/v1/groups/{web.marathon(m['id'])['group_id']}"]
    for path in public:
        r = anonymous.get(server.url + path, timeout=10, headers={"Origin": "https://x.example"})
        assert "Mme Durand" not in r.text and "500 letters at once" not in r.text, path
    body = anonymous.get(f"{server.url}/api/v1/marathons/{m['id']}", timeout=10).json()
    assert body["state"] == "rejected"
    assert "state_reason" not in body and "audit" not in body

    # The host and the office still read both.
    host = requests.get(f"{server.url}/api/v1/marathons/{m['id']}", timeout=10,
                        headers=auth(m["host_token"])).json()
    assert host["state_reason"] == REASON
    assert [a["what"] for a in host["audit"]] == ["void_participant", "rejected"]
    seen = office.get(f"{server.url}/api/v1/marathons/{m['id']}", timeout=10).json()
    assert seen["state_reason"] == REASON and seen["audit"]


# ---------------------------------------------------------------- item 8: codes


def test_an_admin_cannot_set_a_short_code_and_a_made_one_is_shown_once(store, server):
    admin = session_of(server, store, "admin@example.org", "admin")
    url = f"{server.url}/api/v1/editions/{EID}/policy"
    for short in ("X", "LYON-2026"):
        r = admin.put(url, json={"registration": "code", "code": short}, timeout=10)
        assert r.status_code == 400 and r.json()["error"]["field"] == "code", r.text
    assert store.edition_policy(EID)["has_code"] is False
    r = admin.put(url, json={"registration": "code", "generate_code": True}, timeout=10)
    assert r.status_code == 200, r.text
    code = r.json()["code"]
    assert len(code) >= 10 and code.isalnum()
    queue = admin.get(f"{server.url}/api/v1/editions/{EID}/review", timeout=10)
    assert code not in queue.text  # shown once: only its hash is kept
    r = admin.put(url, json={"registration": "code", "code": "Lyon-2026-W4R"}, timeout=10)
    assert r.status_code == 200 and "code" not in r.json()


def _answer(r: requests.Response) -> tuple[int, list[str], str, set[str]]:
    body = r.json()
    return r.status_code, sorted(body), body["state"], set(body["urls"])


def test_a_wrong_code_answers_exactly_like_no_code_and_guesses_are_limited_per_edition(
        web: Api, store):
    code = "GUESS-ME-IF-YOU-CAN"
    store.set_edition_policy(EID, "code", code)
    none = post(web, registration())
    wrong = post(web, registration(registration_code="GUESS-ME-IF-YOU-CA"))
    assert none.status_code == wrong.status_code == 201
    assert _answer(none) == _answer(wrong)
    assert store.marathon(wrong.json()["id"])["state"] == "pending"
    assert set(none.headers) == set(wrong.headers)
    for odd in ("x" * 65, "\u200bGUESS", 42):  # a code that cannot be right: like none
        r = post(web, registration(registration_code=odd))
        assert _answer(r) == _answer(none), r.text
    # The right code, in any case and spacing, verifies at once.
    right = post(web, registration(registration_code=" guess-me-if-you-can "))
    assert right.json()["state"] == "verified"

    # Five tries an hour per edition (this server's setting), from any address: the
    # guesser's next tries, and even the right code, now only wait for review.
    for i in range(3):
        assert post(web, registration(registration_code=f"WRONG-GUESS-{i}")
                    ).json()["state"] == "pending"
    late = post(web, registration(registration_code=code))
    assert late.status_code == 201 and _answer(late) == _answer(none)
    assert store.marathon(late.json()["id"])["state"] == "pending"


def test_registration_tries_per_address_count_the_form_and_the_api_together(
        redis_proc, redis_client, tmp_path):
    srv = ServerProcess(redis_proc.url, instance=tmp_path / "lim",
                        env={"RATELIMIT_ENABLED": "1", "RATELIMIT_REGISTER": "3 per hour"})
    srv.start()
    try:
        s = requests.Session()
        for _ in range(2):
            assert s.post(srv.url + "/api/v1/marathons", json=registration(
                registration_code="A-WRONG-GUESS"), timeout=10).status_code == 201
        page = s.get(srv.url + "/register", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                          r'name="csrf_token" value="([^"]+)"', page)
        form = {"csrf_token": token.group(1) or token.group(2), "group_name": "G",
                "registration_code": "ANOTHER-GUESS"}
        assert s.post(srv.url + "/register", data=form, timeout=10).status_code in (200, 400)
        assert s.post(srv.url + "/api/v1/marathons", json=registration(),
                      timeout=10).status_code == 429
        assert s.post(srv.url + "/register", data=form, timeout=10).status_code == 429
    finally:
        srv.stop()


def test_registrations_in_the_window_still_start_around_now(web: Api, redis_client):
    """The example edition follows the campaign year: a marathon two days ago or in two
    days is inside its window whatever today is."""
    redis_client.hset(EditionKeys(EID).policy, "registration", "open")
    for delta in (-48, 48):
        r = post(web, registration(starts_at=iso(now() + timedelta(hours=delta))))
        assert r.status_code == 201, r.text


def test_the_admin_form_sets_and_clears_an_editions_window(client, store):
    from coordinate_data import csrf_token, login

    store.add_account("admin@example.org", PASSWORD, "admin")
    assert login(client, "admin@example.org", PASSWORD).status_code == 302
    form = {"csrf_token": csrf_token(client, "/coordinate/editions/new"), "id": "wfr-2027",
            "year": "2027", "title_en": "Write for Rights 2027", "opens": "2027-11-01",
            "closes": "2028-01-31", "case_id": ["c1"], "case_name": ["Case"],
            "case_country": ["FR"]}
    assert client.post("/coordinate/editions/new", data=form).status_code == 302
    ed = store.edition("wfr-2027")
    assert (ed["opens"], ed["closes"]) == ("2027-11-01", "2028-01-31")
    page = client.get("/coordinate/editions/wfr-2027/edit").get_data(as_text=True)
    assert 'value="2027-11-01"' in page and 'value="2028-01-31"' in page
    form.pop("id")
    r = client.post("/coordinate/editions/wfr-2027/edit", data={**form, "closes": "2027-10-01"})
    assert r.status_code == 400  # closes before it opens
    assert client.post("/coordinate/editions/wfr-2027/edit",
                       data={**form, "opens": "", "closes": ""}).status_code == 302
    store._edition_cache.clear()
    assert "opens" not in store.edition("wfr-2027")  # back to the default window
