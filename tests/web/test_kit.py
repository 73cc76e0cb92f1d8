"""The host's printable kit, the cases' JSON, per-case goals, and texts shown as text."""

from __future__ import annotations

import copy
import json
import re

from helpers import auth

from marathon.domain.editions import example_edition

SCRIPT = "<script>alert('kit')</script>"


def host_session(client, marathon: dict) -> None:
    r = client.get(marathon["urls"]["host"])
    assert r.status_code == 303


def hostile_edition(store) -> None:
    ed = copy.deepcopy(example_edition())
    ed["id"] = "hostile"
    first = ed["cases"][0]
    first["letter"]["body"] = {"fr": f"Bonjour\n\n{SCRIPT}", "en": f"Hello\n\n{SCRIPT}"}
    first["name"] = "<b>Ales</b>"
    store.import_edition(ed)


def test_kit_is_for_the_host_only(app, client, api):
    m = api.make_marathon()
    assert client.get(f"/m/{m['id']}/kit").status_code == 401
    host_session(client, m)
    assert client.get(f"/m/{m['id']}/kit").status_code == 200
    # A token replaced from another device no longer opens it.
    r = app.test_client().post(f"/api/v1/marathons/{m['id']}/host-token",
                               headers=auth(m["host_token"]))
    assert r.status_code == 201
    assert client.get(f"/m/{m['id']}/kit").status_code == 403


def test_kit_has_one_page_per_case_and_the_poster_in_the_chosen_language(client, api):
    m = api.make_marathon()
    host_session(client, m)
    ed = example_edition()
    fr = client.get(f"/m/{m['id']}/kit?lang=fr").get_data(as_text=True)
    en = client.get(f"/m/{m['id']}/kit?lang=en").get_data(as_text=True)
    for page, lang in ((fr, "fr"), (en, "en")):
        assert page.count('data-testid="kit-case"') == len(ed["cases"])
        assert page.count('data-testid="kit-poster"') == 1
        assert m["join_code"] in page
        for case in ed["cases"]:
            assert case["letter"]["addressee"]["name"] in page
            closing = case["letter"]["closing"][lang].replace("'", "&#39;")
            assert closing in page
    assert "Monsieur le Président," in fr and "Dear President," in en
    assert "Biélorussie" in fr and "Belarus" in en


def test_kit_and_cards_show_markup_in_case_texts_as_text(client, api, store):
    hostile_edition(store)
    m = api.make_marathon(edition_id="hostile")
    host_session(client, m)
    page = client.get(f"/m/{m['id']}/kit?lang=en").get_data(as_text=True)
    assert SCRIPT not in page and "<b>Ales</b>" not in page
    assert "&lt;script&gt;alert(&#39;kit&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Ales&lt;/b&gt;" in page


def test_cases_json_is_public_and_in_the_asked_language(client):
    r = client.get("/api/v1/editions/example/cases?lang=fr")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.get_json()
    assert body["lang"] == "fr" and body["example"] is True
    assert body["safety"][0].startswith("Restez courtois")
    ales = body["cases"][0]
    assert ales["letter"]["salutation"] == "Monsieur le Président,"
    assert ales["goal"] == 100 and ales["country_name"] == "Biélorussie"
    assert len(ales["solidarity"]["examples"]) == 3
    en = client.get("/api/v1/editions/example/cases?lang=en").get_json()
    assert en["cases"][0]["letter"]["salutation"] == "Dear President,"
    assert client.get("/api/v1/editions/nope/cases").status_code == 404


def test_default_safety_notes_when_the_edition_has_none(client, store):
    ed = copy.deepcopy(example_edition())
    ed["id"] = "plain"
    del ed["safety"]
    store.import_edition(ed)
    en = client.get("/api/v1/editions/plain/cases?lang=en").get_json()["safety"]
    fr = client.get("/api/v1/editions/plain/cases?lang=fr").get_json()["safety"]
    assert len(en) == 3 and en[0].startswith("Be polite")
    assert fr[0].startswith("Restez courtois")


def test_host_sets_per_case_goals_and_the_snapshot_shows_them(client, api):
    m = api.make_marathon()
    assert api.marathon(m["id"])["snapshot"]["case_goals"] == {
        "ales-bialiatski": 100, "mahadine": 150, "magai-matiop-ngong": 150}
    r = client.patch(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"]),
                     json={"options": {"case_goals": {"jani-silva": 25, "mahadine": 0}}})
    assert r.status_code == 200, r.get_json()
    assert api.marathon(m["id"])["snapshot"]["case_goals"] == {
        "ales-bialiatski": 100, "magai-matiop-ngong": 150, "jani-silva": 25}
    r = client.patch(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"]),
                     json={"options": {"case_goals": {"jani-silva": "lots"}}})
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == "options.case_goals.jani-silva"
    host_session(client, m)
    kit = client.get(f"/m/{m['id']}/kit?lang=en").get_data(as_text=True)
    goals = re.findall(r'data-case="([^"]+)".*?(?:goal for this case: (\d+)|</article>)',
                       kit, re.S)
    assert ("jani-silva", "25") in goals and ("mahadine", "") in goals


def test_log_page_carries_the_cards_as_inert_json(client, api, store):
    hostile_edition(store)
    m = api.make_marathon(edition_id="hostile")
    page = client.get(f"/m/{m['id']}/log?lang=fr").get_data(as_text=True)
    start = page.index('<script type="application/json" id="cases-data">')
    block = page[start:page.index("</script>", start)]
    assert SCRIPT not in page and "<b>Ales</b>" not in page
    data = json.loads(block.split(">", 1)[1])
    ales = data["cards"]["cases"][0]
    assert ales["letter"]["body"] == f"Bonjour\n\n{SCRIPT}"
    assert ales["letter"]["salutation"] == "Monsieur le Président,"
    assert data["labels"]["copy"] == "Copier la lettre"
    assert 'src="/static/js/cases.js"' in page
