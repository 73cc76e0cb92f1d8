"""The participant pages as HTML: join, log, manifest, service worker, language switch."""

from __future__ import annotations

import re
from datetime import date

import pytest

from marathon.domain.editions import example_edition

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def html(resp) -> str:
    return resp.get_data(as_text=True)


def test_join_page_shows_the_marathon_and_the_form(client, api):
    m = api.make_marathon()
    resp = client.get(m["urls"]["join"], headers=EN)
    assert resp.status_code == 200
    page = html(resp)
    assert "Marathon des lettres 2026" in page
    for testid in ("nickname", "join"):
        assert f'data-testid="{testid}"' in page
    assert "may appear on the big screen" in page
    assert f'data-marathon="{m["id"]}"' in page


def test_join_code_is_read_whatever_its_case(client, api):
    m = api.make_marathon()
    assert client.get("/j/" + m["join_code"].lower()).status_code == 200


@pytest.mark.parametrize(("headers", "words"), [
    (EN, "could not find a marathon with the code"),
    (FR, "aucun marathon avec le code"),
])
def test_wrong_code_says_so_kindly_in_each_language(client, headers, words):
    resp = client.get("/j/QQQQQQ", headers=headers)
    assert resp.status_code == 404
    page = html(resp)
    assert words in page
    assert "QQQQQQ" in page
    assert 'name="code"' in page  # and offers to type it again


def test_malformed_code_is_escaped_in_the_message(client):
    resp = client.get("/j/%3Cb%3Ebold", headers=EN)
    assert resp.status_code == 404
    assert "<b>bold" not in html(resp)
    assert "&lt;b&gt;bold" in html(resp)


def test_home_page_code_form_redirects_to_the_join_page(client, api):
    m = api.make_marathon()
    page = html(client.get("/", headers=EN))
    assert '<section class="join"' in page and 'action="/join"' in page
    resp = client.get("/join", query_string={"code": " " + m["join_code"].lower() + " "})
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/j/{m['join_code']}"
    assert client.get("/join?code=").headers["Location"] == "/"


def test_log_page_renders_pickers_tallies_and_cases(client, api):
    m = api.make_marathon()
    p = api.join(m["join_code"])
    for _ in range(3):
        assert api.log(m["id"], p["token"]).status_code == 201
    resp = client.get(m["urls"]["log"], headers=EN)
    assert resp.status_code == 200
    page = html(resp)
    for testid in ("log", "kind", "case", "count", "undo", "mine", "total", "pending",
                   "offline"):
        assert f'data-testid="{testid}"' in page
    assert re.search(r'data-testid="total" id="total">3<', page)
    assert 'value="ales-bialiatski"' in page
    assert 'value="petition"' in page
    assert f'href="/m/{m["id"]}/manifest.webmanifest"' in page
    assert "<script>" not in page  # the CSP allows no inline script


FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def test_log_page_times_are_in_the_marathon_zone_and_language(client, api):
    # 5 December of the example edition's campaign year: inside its window whatever
    # today's date (a fixed year would leave the window one summer).
    year = example_edition()["year"]
    day = date(year, 12, 5).weekday()
    m = api.make_marathon(starts_at=f"{year}-12-05T12:00:00+01:00", timezone="Europe/Paris")
    fr = html(client.get(m["urls"]["log"], headers=FR))
    assert f"{FR_DAYS[day]} 5 décembre {year}" in fr and "12:00" in fr
    assert "dans les 6 heures qui suivent la fin" in fr
    en = html(client.get(m["urls"]["log"], headers=EN))
    assert f"{EN_DAYS[day]}, December 5, {year}" in en and "12:00" in en
    assert "within 6 hours of the end" in en


def test_log_page_for_an_unknown_marathon_is_a_404_page(client):
    resp = client.get("/m/nope/log", headers=FR)
    assert resp.status_code == 404
    assert "Aucun marathon" in html(resp) or "aucun marathon" in html(resp)


def test_titles_typed_by_hosts_are_escaped(client, api):
    m = api.make_marathon(title="<img src=x onerror=alert(1)>")
    for url in (m["urls"]["join"], m["urls"]["log"]):
        page = html(client.get(url))
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_manifest_describes_the_log_page_as_an_app(client, api):
    m = api.make_marathon()
    resp = client.get(f"/m/{m['id']}/manifest.webmanifest", headers=FR)
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    body = resp.get_json()
    assert body["start_url"] == m["urls"]["log"]
    assert body["display"] == "standalone"
    assert body["lang"] == "fr"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        r = client.get(icon["src"])
        assert r.status_code == 200
        r.close()


def test_service_worker_is_served_from_the_root(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in resp.headers["Cache-Control"]


def test_language_switch_sets_the_cookie_and_goes_back(client):
    resp = client.get("/lang/fr", query_string={"next": "/j/QQQQQQ"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/j/QQQQQQ"
    assert "lang=fr" in resp.headers["Set-Cookie"]
    page = html(client.get("/j/QQQQQQ", headers=EN))  # the cookie beats the browser
    assert '<html lang="fr">' in page
    assert 'aria-current="true">Français' in page


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "\\\\evil",
                                    "", "javascript:alert(1)"])
def test_language_switch_never_leaves_the_site(client, target):
    resp = client.get("/lang/en", query_string={"next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_unknown_language_sets_no_cookie(client):
    resp = client.get("/lang/xx", query_string={"next": "/"})
    assert resp.status_code == 302
    assert "Set-Cookie" not in resp.headers


def test_switch_links_point_back_to_the_page_without_lang(client, api):
    m = api.make_marathon()
    page = html(client.get(m["urls"]["log"] + "?lang=en&x=1", headers=EN))
    assert f'href="/lang/fr?next={m["urls"]["log"]}?x%3D1"' in page
