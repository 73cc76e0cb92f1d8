"""The after-event report: public JSON, page, certificates, edition median."""

from __future__ import annotations

from helpers import CASES, Api, auth

from marathon.domain.names import MASK


def logs(api: Api, mid: str, token: str, n: int, **kw) -> None:
    for _ in range(n):
        assert api.log(mid, token, **kw).status_code == 201


def test_report_sums_by_kind_case_and_hour_and_lists_only_opted_in_writers(client, api: Api):
    m = api.make_marathon()
    zoe = api.join(m["join_code"], "Zoë")
    shy = api.join(m["join_code"], "Shy", on_board=False)
    rude = api.join(m["join_code"], "Connard")
    api.join(m["join_code"], "Idle")
    logs(api, m["id"], zoe["token"], 3, case_id=CASES[0])
    logs(api, m["id"], shy["token"], 5, kind="email", case_id=CASES[1])
    logs(api, m["id"], rude["token"], 1, kind="card", case_id="")

    resp = client.get(f"/api/v1/marathons/{m['id']}/report")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    r = resp.get_json()
    assert r["total"] == 9
    assert r["by_kind"] == {"letter": 3, "card": 1, "email": 5, "petition": 0, "post": 0}
    by_case = {c["id"]: c["count"] for c in r["by_case"]}
    assert by_case[CASES[0]] == 3 and by_case[CASES[1]] == 5 and sum(by_case.values()) == 8
    assert len(r["hourly"]) == 24 and sum(h["count"] for h in r["hourly"]) == 9
    assert r["best_hour"]["count"] == 9 and r["best_hour"]["hour"] == 1
    assert r["participants"] == 4 and r["active_participants"] == 3
    assert r["top"] == [{"nickname": "Zoë", "total": 3}, {"nickname": MASK, "total": 1}]
    assert r["goal_reached"] is False and r["marathon"]["goal"] == 500


def test_report_leaves_out_banned_writers_and_the_whole_board_when_hidden(client, api: Api):
    m = api.make_marathon()
    a = api.join(m["join_code"], "Ana")
    b = api.join(m["join_code"], "Ben")
    logs(api, m["id"], a["token"], 2)
    logs(api, m["id"], b["token"], 1)
    client.patch(f"/api/v1/marathons/{m['id']}/participants/{b['participant_id']}",
                 json={"banned": True}, headers=auth(m["host_token"]))
    url = f"/api/v1/marathons/{m['id']}/report"
    assert [p["nickname"] for p in client.get(url).get_json()["top"]] == ["Ana"]
    client.patch(f"/api/v1/marathons/{m['id']}", json={"options": {"hide_top": True}},
                 headers=auth(m["host_token"]))
    assert client.get(url).get_json()["top"] == []


def test_report_compares_with_the_median_marathon_of_the_edition(client, api: Api):
    ms = [api.make_marathon() for _ in range(4)]
    for m, n in zip(ms, [2, 4, 10, 0], strict=True):
        p = api.join(m["join_code"])
        logs(api, m["id"], p["token"], n)
    r = client.get(f"/api/v1/marathons/{ms[2]['id']}/report").get_json()
    assert r["edition"] == {"marathons": 3, "median": 4.0, "rank": 1, "ratio_to_median": 2.5}
    idle = client.get(f"/api/v1/marathons/{ms[3]['id']}/report").get_json()
    assert idle["edition"]["rank"] is None and idle["edition"]["median"] == 4.0
    p = api.join(ms[3]["join_code"], "Late")
    logs(api, ms[3]["id"], p["token"], 3)
    r = client.get(f"/api/v1/marathons/{ms[0]['id']}/report").get_json()
    assert r["edition"]["median"] == 3.5 and r["edition"]["rank"] == 4


def test_report_of_an_unknown_marathon_is_404_json(client):
    resp = client.get("/api/v1/marathons/nope/report")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "marathon_not_found"


def test_report_route_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/marathons/{mid}/report"]


def test_report_page_is_public_and_shows_the_chart_data(client, api: Api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    logs(api, m["id"], p["token"], 4, case_id=CASES[2])
    html = client.get(f"/m/{m['id']}/report").get_data(as_text=True)
    assert 'data-testid="report"' in html and 'data-testid="hourly"' in html
    assert 'data-counts="0,4,' in html and "chart.umd.min.js" in html
    assert "Albert Woodfox" in html


def test_certificates_show_the_participant_and_the_group(client, api: Api):
    m = api.make_marathon()
    p = api.join(m["join_code"], "Zoë")
    logs(api, m["id"], p["token"], 7)
    client.get(f"/h/{m['host_token']}")
    html = client.get(f"/m/{m['id']}/certificate/{p['participant_id']}").get_data(as_text=True)
    assert "Zoë" in html and "7 actions" in html
    html = client.get(f"/m/{m['id']}/certificate").get_data(as_text=True)
    assert "Lycée Victor Hugo" in html and "7 actions" in html
    assert client.get(f"/m/{m['id']}/certificate/nobody").status_code == 404
