"""Groups that come back, on the web: the group API, year over year in the compare table,
the exports, the report and the host console, and the "register again" link."""

from __future__ import annotations

import csv
import io
import re

import pytest
from coordinate_data import login
from group_data import CURRENT, EARLIER, EXPECTED, YEAR, build, close, make
from helpers import auth, csrf_of, registration
from test_host_pages import form_body

from marathon.domain.names import MASK

PASSWORD = "correct horse battery"


@pytest.fixture
def made(api, store, redis_client):
    return build(api, store, redis_client)


@pytest.fixture
def coordinator(client, store):
    store.add_account("coord@example.org", PASSWORD)
    assert login(client, "coord@example.org", PASSWORD).status_code == 302
    return client


def gid(api, m) -> str:
    return api.marathon(m["id"])["group_id"]


# ---------------------------------------------------------------- GET /api/v1/groups/<id>


def test_the_group_endpoint_lists_its_marathons_by_edition_with_totals(client, api, made):
    r = client.get(f"/api/v1/groups/{gid(api, made['hugo26'])}")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.get_json()
    # Described as its latest verified marathon describes it.
    assert {k: body[k] for k in ("name", "type", "city", "region", "country")} == {
        "name": "lycee victor hugo", "type": "school", "city": "paris", "region": "",
        "country": "FR"}
    assert [(e["edition_id"], e["year"], e["total"]) for e in body["editions"]] == [
        (CURRENT, YEAR, 9), (EARLIER, YEAR - 1, 5)]
    assert sorted(m["id"] for m in body["editions"][1]["marathons"]) == sorted(
        [made["hugo25a"]["id"], made["hugo25b"]["id"]])
    assert set(body["editions"][0]["marathons"][0]) == {
        "id", "title", "state", "status", "starts_at", "total", "report"}


def test_the_group_endpoint_shows_nothing_private(client, api, store, made):  # attacker
    m = made["hugo26"]
    api.join(m["join_code"], "Nickname-Secret")
    r = client.get(f"/api/v1/groups/{gid(api, m)}")
    text = r.get_data(as_text=True)
    for secret in (m["host_token"], m["join_code"], "Nickname-Secret", "Zoë",
                   store.marathon(m["id"])["host_hash"]):
        assert secret not in text
    # Only the public description: no field a later change could fill with private data.
    assert set(r.get_json()) == {"id", "name", "type", "city", "region", "country",
                                 "editions"}


def test_the_group_name_is_masked_and_rejected_marathons_are_left_out(
        client, api, store, coordinator):
    rude = make(api, CURRENT, "Connard Club", "Lyon")
    body = client.get(f"/api/v1/groups/{gid(api, rude)}").get_json()
    assert body["name"] == MASK
    store.set_state(rude["id"], "rejected", reason="spam", who="c@x.org", now=0)
    r = client.get(f"/api/v1/groups/{gid(api, rude)}")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "group_not_found"


def test_an_unknown_group_is_404_and_a_malformed_id_400(client):
    r = client.get("/api/v1/groups/AAAAAAAAAAA")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "group_not_found"
    for bad in ("short", "x" * 40, "-AAAAAAAAAA", "%7Bmid%7D"):
        r = client.get(f"/api/v1/groups/{bad}")
        assert r.status_code == 400, bad
        assert r.get_json()["error"]["field"] == "group_id"


def test_the_group_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]["/api/v1/groups/{group_id}"]["get"]["responses"]) >= {
        "200", "400", "404"}


# ---------------------------------------------------------------- compare table, exports


def test_the_compare_table_shows_each_groups_previous_edition_and_the_change(
        coordinator, made):
    body = coordinator.get(f"/api/v1/editions/{CURRENT}/marathons?per_page=100").get_json()
    rows = {r["id"]: r for r in body["rows"]}
    for key, (before, change, pct) in EXPECTED.items():
        row = rows[made[key]["id"]]
        assert (row["previous_total"], row["change"], row["change_pct"]) == (
            before, change, pct), key
        assert row["previous_edition"] == (EARLIER if before is not None else None)
    # Like with like: last year's totals of the groups that came back against this year's.
    t = body["totals"]
    assert (t["previous_total"], t["change"], t["change_pct"]) == (9, 2, 22.2)
    # Sortable, empty values last; the public table has the columns too.
    body = coordinator.get(f"/api/v1/editions/{CURRENT}/marathons?sort=change&order=asc"
                           ).get_json()
    assert [r["change"] for r in body["rows"]] == [-2, 4, None]
    assert 'data-col="change_pct"' in coordinator.get(f"/e/{CURRENT}").get_data(as_text=True)


def test_the_earlier_edition_has_no_previous_edition(coordinator, made):
    body = coordinator.get(f"/api/v1/editions/{EARLIER}/marathons").get_json()
    assert {r["previous_total"] for r in body["rows"]} == {None}
    assert body["totals"]["previous_total"] is None


def test_exports_carry_the_group_id_previous_total_and_change(coordinator, api, made):
    r = coordinator.get(f"/api/v1/editions/{CURRENT}/export.csv?sep=;")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"), newline=""),
                               delimiter=";"))
    by_id = {row["marathon_id"]: row for row in rows}
    for key, (before, change, pct) in EXPECTED.items():
        row = by_id[made[key]["id"]]
        assert row["group_id"] == gid(api, made[key])
        shown = ("" if before is None else str(before), "" if change is None else str(change),
                 "" if pct is None else str(pct).replace(".", ","))
        assert (row["previous_total"], row["change"], row["change_pct"]) == shown, key
    records = coordinator.get(f"/api/v1/editions/{CURRENT}/export.json").get_json()["records"]
    by_id = {rec["marathon_id"]: rec for rec in records}
    for key, (before, change, pct) in EXPECTED.items():
        rec = by_id[made[key]["id"]]
        assert (rec["previous_total"], rec["change"], rec["change_pct"]) == (
            before, change, pct), key


# ---------------------------------------------------------------- report, console


def test_report_and_host_console_show_last_editions_total_beside_this_years(
        client, api, made):
    m = made["hugo26"]
    r = client.get(f"/api/v1/marathons/{m['id']}/report").get_json()
    assert r["total"] == 9
    assert r["previous"] == {"edition_id": EARLIER, "year": YEAR - 1,
                             "edition_title": r["previous"]["edition_title"], "total": 5,
                             "change": 4, "change_pct": 80.0}
    html = client.get(f"/m/{m['id']}/report").get_data(as_text=True)
    assert re.search(r'data-testid="previous-total">5<', html) and "+80 %" in html
    client.set_cookie("lang", "fr")
    french = client.get(f"/m/{m['id']}/report").get_data(as_text=True)
    assert f"en {YEAR - 1}, l'édition précédente du groupe (+80 %)" in french
    client.delete_cookie("lang")
    client.get(f"/h/{m['host_token']}")
    console = client.get(f"/m/{m['id']}/host").get_data(as_text=True)
    assert re.search(r'data-testid="previous-total">5<', console)
    # A group new this edition shows no previous edition.
    new = made["hugo26b"]
    assert client.get(f"/api/v1/marathons/{new['id']}/report").get_json()["previous"] is None
    assert 'data-testid="previous"' not in client.get(
        f"/m/{new['id']}/report").get_data(as_text=True)


# ---------------------------------------------------------------- register again


def test_last_years_report_links_to_a_prefilled_registration_for_the_same_group(
        client, api, made):
    old = made["hugo25a"]
    group_id = gid(api, old)
    assert 'data-testid="register-again-link"' not in client.get(
        f"/m/{old['id']}/report").get_data(as_text=True)  # not before it has ended
    close(api, old)
    html = client.get(f"/m/{old['id']}/report").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="register-again-link"', html)
    assert link and link.group(1) == f"/register?group_id={group_id}"

    page = client.get(link.group(1)).get_data(as_text=True)
    assert 'data-testid="register-again"' in page
    # Prefilled as the group is described: by its latest verified marathon.
    group = client.get(f"/api/v1/groups/{group_id}").get_json()
    assert f'name="group_id" type="hidden" value="{group_id}"' in page
    assert f'value="{group["name"]}"' in page and f'value="{group["city"]}"' in page
    token = csrf_of(page)
    resp = client.post("/register", data={**form_body(**{
        "group.name": "LYCÉE VICTOR HUGO", "group.city": "Paris", "group.region": ""}),
        "group_id": group_id, "csrf_token": token})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    mid = re.search(r'/m/([^/"#]+)/screen', resp.get_data(as_text=True)).group(1)
    assert api.marathon(mid)["group_id"] == group_id


def test_the_register_again_form_refuses_a_group_that_no_longer_matches(
        client, api, made, redis_client):
    group_id = gid(api, made["hugo25a"])
    page = client.get(f"/register?group_id={group_id}").get_data(as_text=True)
    before = len(redis_client.hgetall(f"grp:{{{group_id}}}:marathons"))
    resp = client.post("/register", data={**form_body(**{"group.name": "Someone Else",
                                                         "group.city": "Paris"}),
                                          "group_id": group_id, "csrf_token": csrf_of(page)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-error-for="group_id"' in html
    assert "/h/" not in html
    assert len(redis_client.hgetall(f"grp:{{{group_id}}}:marathons")) == before


def test_an_unknown_or_malformed_group_id_prefills_nothing(client):
    for raw in ("AAAAAAAAAAA", "<script>", ""):
        page = client.get("/register", query_string={"group_id": raw}).get_data(as_text=True)
        assert 'data-testid="register-again"' not in page
        assert 'name="group_id" type="hidden" value=""' in page


def test_an_attacker_cannot_attach_a_marathon_to_another_groups_id(api, made):
    victim = gid(api, made["brest26"])
    r = api._call("post", "/api/v1/marathons", json={
        **_body("Fake Brest", "Brest"), "group_id": victim})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "group_mismatch"
    r = api._call("post", "/api/v1/marathons", json={**_body("x", "y"), "group_id": "../../x"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "group_id"
    r = api._call("get", f"/api/v1/groups/{victim}")
    assert [len(e["marathons"]) for e in r.get_json()["editions"]] == [1, 1]


def _body(name: str, city: str):
    return registration(group={"name": name, "type": "school", "city": city,
                               "country": "FR"})


def test_host_token_is_not_needed_to_read_a_group(client, api, made):
    r = client.get(f"/api/v1/groups/{gid(api, made['brest26'])}",
                   headers=auth(made["brest26"]["host_token"]))
    assert r.status_code == 200
