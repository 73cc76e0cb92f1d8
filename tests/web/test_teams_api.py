"""Teams inside a marathon through the API (issue 18): the host's teams, the public
board, joining a team, changing it, and moving a participant with all their actions."""

from __future__ import annotations

from helpers import auth

from marathon.domain.teams import TEAMS_MAX
from marathon.live.snapshots import marathon_snapshot


def teams_url(mid: str, tid: str = "") -> str:
    return f"/api/v1/marathons/{mid}/teams" + (f"/{tid}" if tid else "")


def board(client, mid: str, token: str | None = None) -> dict[str, dict]:
    r = client.get(teams_url(mid), headers=auth(token) if token else {})
    assert r.status_code == 200
    return {t["name"]: t for t in r.get_json()["teams"]}


def move(client, mid: str, pid: str, team: str | None, token: str):
    return client.patch(f"/api/v1/marathons/{mid}/participants/{pid}",
                        json={"team_id": team}, headers=auth(token))


def error(r) -> tuple[int, str, str | None]:
    body = r.get_json()["error"]
    return r.status_code, body["code"], body.get("field")


def test_host_creates_renames_lists_and_deletes_teams(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    r = client.post(teams_url(mid), json={"name": " 6e A "}, headers=auth(host))
    assert r.status_code == 201 and r.get_json() == {"id": "t1", "name": "6e A"}
    b = api.make_team(mid, host, "6e B")
    assert set(board(client, mid)) == {"6e A", "6e B"}
    r = client.patch(teams_url(mid, b["id"]), json={"name": "5e B"}, headers=auth(host))
    assert r.status_code == 200 and r.get_json() == {"id": b["id"], "name": "5e B"}
    assert board(client, mid)["5e B"] == {"id": b["id"], "name": "5e B", "total": 0,
                                          "participants": 0}
    r = client.delete(teams_url(mid, "t1"), headers=auth(host))
    assert r.status_code == 200
    assert set(board(client, mid)) == {"5e B"}
    # Ids are never reused: a new team after a delete gets a new one.
    assert api.make_team(mid, host, "6e A")["id"] == "t3"


def test_bad_team_input_is_a_clear_4xx_naming_the_field(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    api.make_team(mid, host, "Table 3")
    cases = [({"name": ""}, (400, "invalid", "name")),
             ({}, (400, "invalid", "name")),
             ({"name": 3}, (400, "invalid", "name")),
             ({"name": "x" * 33}, (400, "invalid", "name")),
             ({"name": "Table\u200b4"}, (422, "invisible_characters", "name")),
             ({"name": "table  3"}, (409, "team_taken", "name"))]
    for body, want in cases:
        assert error(client.post(teams_url(mid), json=body, headers=auth(host))) == want, body
    assert error(client.patch(teams_url(mid, "t9"), json={"name": "x"},
                              headers=auth(host))) == (404, "team_not_found", "team_id")
    assert error(client.delete(teams_url(mid, "nope"), headers=auth(host))) == (
        404, "team_not_found", "team_id")
    assert client.get(teams_url("nope")).status_code == 404


def test_a_marathon_has_at_most_the_cap_of_teams(api, client):
    m = api.make_marathon()
    for i in range(TEAMS_MAX):
        api.make_team(m["id"], m["host_token"], f"Table {i}")
    r = client.post(teams_url(m["id"]), json={"name": "One more"},
                    headers=auth(m["host_token"]))
    assert error(r) == (409, "teams_full", "name")


def test_only_this_marathons_host_may_change_its_teams(api, client):
    m, other = api.make_marathon(), api.make_marathon()
    api.make_team(m["id"], m["host_token"], "6e A")
    p = api.join(m["join_code"])
    for token, status in ((other["host_token"], 403), (p["token"], 403), (None, 401)):
        headers = auth(token) if token else {}
        assert client.post(teams_url(m["id"]), json={"name": "x"},
                           headers=headers).status_code == status
        assert client.patch(teams_url(m["id"], "t1"), json={"name": "x"},
                            headers=headers).status_code == status
        assert client.delete(teams_url(m["id"], "t1"), headers=headers).status_code == status
    assert set(board(client, m["id"])) == {"6e A"}


def test_joining_a_team_counts_the_participant_and_their_actions(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    a, b = api.make_team(mid, host, "6e A")["id"], api.make_team(mid, host, "6e B")["id"]
    zoe = api.join(m["join_code"], "Zoë", team_id=a)
    assert zoe["team_id"] == a
    leo = api.join(m["join_code"], "Léo", team_id=a)
    ines = api.join(m["join_code"], "Inès", team_id=b)
    loner = api.join(m["join_code"], "Sans équipe")
    for p, n in ((zoe, 3), (leo, 2), (ines, 4), (loner, 7)):
        assert api.log(mid, p["token"], count=n).status_code == 201
    assert api.log(mid, host, count=10).status_code == 201  # the host's tally: no team
    undo = api.log(mid, leo["token"])
    api.undo(mid, leo["token"], undo.get_json()["action"]["client_id"])
    teams = board(client, mid)
    assert teams["6e A"] == {"id": a, "name": "6e A", "total": 5, "participants": 2}
    assert teams["6e B"]["total"] == 4 and teams["6e B"]["participants"] == 1
    assert list(teams) == ["6e A", "6e B"]  # highest total first
    # Voiding all of a participant's actions takes them out of their team's total too.
    r = client.post(f"/api/v1/marathons/{mid}/participants/{zoe['participant_id']}/void-all",
                    json={"reason": "test"}, headers=auth(host))
    assert r.status_code == 200
    assert board(client, mid)["6e A"]["total"] == 2


def test_joining_an_unknown_team_is_refused_naming_team_id(api, client):
    m = api.make_marathon()
    for team in ("t7", "nope", 12):
        r = client.post("/api/v1/join", json={"code": m["join_code"], "nickname": "Zoë",
                                              "team_id": team})
        assert error(r) == (404, "team_not_found", "team_id"), team
    assert api.marathon(m["id"])["snapshot"]["participants"] == 0


def test_moving_a_participant_moves_all_their_actions(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    a, b = api.make_team(mid, host, "6e A")["id"], api.make_team(mid, host, "6e B")["id"]
    zoe = api.join(m["join_code"], "Zoë", team_id=a)
    assert api.log(mid, zoe["token"], count=5).status_code == 201
    r = move(client, mid, zoe["participant_id"], b, host)
    assert r.status_code == 200 and r.get_json()["team_id"] == b
    teams = board(client, mid)
    assert (teams["6e A"]["total"], teams["6e A"]["participants"]) == (0, 0)
    assert (teams["6e B"]["total"], teams["6e B"]["participants"]) == (5, 1)
    # Later actions count for the new team; undoing an old one takes it from there too.
    first = api.log(mid, zoe["token"], count=2).get_json()["action"]["client_id"]
    api.undo(mid, zoe["token"], first)
    assert board(client, mid)["6e B"]["total"] == 5
    # Out of every team, then deleting a team moves its members to "no team".
    assert move(client, mid, zoe["participant_id"], None, host).get_json()["team_id"] is None
    assert board(client, mid)["6e B"]["participants"] == 0
    move(client, mid, zoe["participant_id"], a, host)
    client.delete(teams_url(mid, a), headers=auth(host))
    people = client.get(f"/api/v1/marathons/{mid}/participants",
                        headers=auth(host)).get_json()["participants"]
    assert people[0]["team_id"] is None and people[0]["total"] == 5
    assert error(move(client, mid, zoe["participant_id"], a, host)) == (
        404, "team_not_found", "team_id")


def test_a_participant_changes_their_own_team_but_nobody_elses(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    a, b = api.make_team(mid, host, "6e A")["id"], api.make_team(mid, host, "6e B")["id"]
    zoe = api.join(m["join_code"], "Zoë", team_id=a)
    leo = api.join(m["join_code"], "Léo", team_id=a)
    api.log(mid, zoe["token"], count=3)
    assert move(client, mid, zoe["participant_id"], b, zoe["token"]).status_code == 200
    assert board(client, mid)["6e B"]["total"] == 3
    # Not someone else's team, and not their own nickname or ban through this door.
    assert error(move(client, mid, leo["participant_id"], b, zoe["token"]))[:2] == (
        403, "forbidden")
    r = client.patch(f"/api/v1/marathons/{mid}/participants/{zoe['participant_id']}",
                     json={"team_id": a, "banned": False}, headers=auth(zoe["token"]))
    assert r.status_code == 403
    assert board(client, mid)["6e A"]["participants"] == 1
    other = api.make_marathon()
    assert move(client, mid, zoe["participant_id"], a,
                other["host_token"]).status_code == 403


def test_a_rude_team_name_is_masked_in_public_but_not_for_the_host(api, client, store):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    rude = api.make_team(mid, host, "Les connards")["id"]
    api.make_team(mid, host, "Table 2")
    api.join(m["join_code"], "Zoë", team_id=rude)
    assert set(board(client, mid)) == {"•••", "Table 2"}
    assert set(board(client, mid, host)) == {"Les connards", "Table 2"}
    snap = marathon_snapshot(store, mid, 0)
    assert {t["name"] for t in snap["teams"]} == {"•••", "Table 2"}
    assert {t["name"] for t in api.marathon(mid)["snapshot"]["teams"]} == {"•••", "Table 2"}



def test_report_certificate_and_export_per_team(api, client, store):
    import csv
    import io

    from coordinate_data import login

    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    store.set_state(mid, "verified", reason="", who="test", now=0)
    a, b = api.make_team(mid, host, "6e A")["id"], api.make_team(mid, host, "6e B")["id"]
    for name, team, n in (("Zoë", a, 4), ("Léo", b, 6), ("Inès", b, 1)):
        p = api.join(m["join_code"], name, team_id=team)
        api.log(mid, p["token"], count=n)
    report = client.get(f"/api/v1/marathons/{mid}/report").get_json()
    assert [(t["name"], t["participants"], t["total"]) for t in report["teams"]] == [
        ("6e B", 2, 7), ("6e A", 1, 4)]
    page = client.get(f"/m/{mid}/report").get_data(as_text=True)
    assert 'data-testid="report-teams"' in page and "6e B" in page
    assert client.get(f"/m/{mid}/certificate/team/{a}").status_code in (302, 401, 403)
    client.get(f"/h/{host}")  # the host's session
    cert = client.get(f"/m/{mid}/certificate/team/{b}")
    assert cert.status_code == 200 and "6e B" in cert.get_data(as_text=True)
    assert client.get(f"/m/{mid}/certificate/team/t99").status_code == 404

    store.add_account("coord@example.org", "correct horse battery")
    assert login(client, "coord@example.org", "correct horse battery").status_code == 302
    r = client.get("/api/v1/editions/example/export.csv?kind=teams")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"), newline="")))
    assert [(row["team_name"], row["participants"], row["count"]) for row in rows] == [
        ("6e B", "2", "7"), ("6e A", "1", "4")]


def test_a_participant_reads_their_own_team_after_the_host_moved_them(api, client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    a, b = api.make_team(mid, host, "6e A")["id"], api.make_team(mid, host, "6e B")["id"]
    zoe = api.join(m["join_code"], "Zoë", team_id=a)
    leo = api.join(m["join_code"], "Léo")
    move(client, mid, zoe["participant_id"], b, host)
    url = f"/api/v1/marathons/{mid}/participants/{zoe['participant_id']}"
    r = client.get(url, headers=auth(zoe["token"]))
    assert r.status_code == 200 and r.get_json()["team_id"] == b
    assert client.get(url, headers=auth(host)).get_json()["nickname"] == "Zoë"
    assert client.get(url, headers=auth(leo["token"])).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/marathons/{mid}/participants/nope",
                      headers=auth(host)).status_code == 404
