"""The five languages on every page: ?lang= sets <html lang>, the switch names each
language in its own words, and an unknown language falls back without an error.

The catalogs themselves are checked in tests/web/test_i18n.py.
"""

from __future__ import annotations

import re

import pytest
from coordinate_data import login
from helpers import Api

from config import LANGUAGES

PASSWORD = "correct horse battery"
HTML_LANG = re.compile(r'<html lang="([^"]*)"')

# Every HTML page a GET reaches; {mid}, {code}, {pid}, {tid} are filled in per test.
# "host" pages need the host session, "admin" ones a logged-in admin.
PAGES = [
    ("/", None), ("/register", None), ("/j/{code}", None),
    ("/m/{mid}/log", None), ("/m/{mid}/screen", None), ("/m/{mid}/overlay", None),
    ("/m/{mid}/widget", None), ("/m/{mid}/report", None), ("/e/example", None),
    ("/e/example/screen", None), ("/e/example/overlay", None),
    ("/coordinate/login", None),
    ("/m/{mid}/host", "host"), ("/m/{mid}/kit", "host"), ("/m/{mid}/poster", "host"),
    ("/m/{mid}/certificate", "host"), ("/m/{mid}/certificate/{pid}", "host"),
    ("/m/{mid}/certificate/team/{tid}", "host"),
    ("/coordinate", "admin"), ("/coordinate/editions", "admin"),
    ("/coordinate/editions/new", "admin"), ("/coordinate/editions/example/edit", "admin"),
    ("/coordinate/accounts", "admin"),
]


@pytest.fixture
def marathon(client, store):
    """A running marathon with a participant and a team, and the paths' ids."""
    api = Api(client)
    made = api.make_marathon()
    team = api.make_team(made["id"], made["host_token"], "Table 1")
    person = api.join(made["join_code"], "Zoë", team_id=team["id"])
    return {"mid": made["id"], "code": made["join_code"], "pid": person["participant_id"],
            "tid": team["id"], "host": made["host_token"]}


def open_as(client, store, marathon, who: str | None) -> None:
    if who == "host":
        assert client.get(f"/h/{marathon['host']}").status_code == 303
    elif who == "admin":
        store.add_account("admin@example.org", PASSWORD, "admin")
        assert login(client, "admin@example.org", PASSWORD).status_code == 302


def html_lang(resp) -> str:
    match = HTML_LANG.search(resp.get_data(as_text=True))
    assert match, resp.get_data(as_text=True)[:300]
    return match.group(1)


def test_the_app_speaks_five_languages_english_first():
    assert LANGUAGES == ("en", "fr", "pl", "de", "es")


@pytest.mark.parametrize(("path", "who"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_takes_its_language_from_the_address(client, store, marathon, path, who):
    open_as(client, store, marathon, who)
    url = path.format(**marathon)
    for lang in LANGUAGES:
        resp = client.get(url, query_string={"lang": lang})
        assert resp.status_code == 200, (url, lang, resp.status_code)
        assert html_lang(resp) == lang, (url, lang)


@pytest.mark.parametrize(("path", "who"), PAGES, ids=[p for p, _ in PAGES])
def test_an_unknown_language_falls_back_without_an_error(client, store, marathon, path, who):
    open_as(client, store, marathon, who)
    url = path.format(**marathon)
    for lang in ("xx", "", "pl-PL", "<b>", "fr" * 40):
        resp = client.get(url, query_string={"lang": lang},
                          headers={"Accept-Language": "de-DE,de;q=0.9"})
        # The embeds answer a mistyped option with a readable 400 (screens.embed_page).
        assert resp.status_code in (200, 400), (url, lang, resp.status_code)
        assert html_lang(resp) in LANGUAGES, (url, lang)


def test_the_browser_language_picks_among_the_five(client):
    resp = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert html_lang(resp) == "es"
    client.set_cookie("lang", "pl")
    resp = client.get("/", query_string={"lang": "xx"}, headers={"Accept-Language": "es"})
    assert html_lang(resp) == "pl"  # an unknown ?lang= leaves the chosen language


def test_the_switch_names_each_language_in_its_own_words(client):
    page = client.get("/", query_string={"lang": "pl"}).get_data(as_text=True)
    switch = page[page.index('class="lang-switch"'):]
    switch = switch[:switch.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="(\w+)"\s*'
                       r'(aria-current="true")?>([^<]+)</a>', switch)
    assert [(code, name) for _, code, _, _, name in links] == [
        ("en", "English"), ("fr", "Français"), ("pl", "Polski"), ("de", "Deutsch"),
        ("es", "Español")]
    assert all(code == href_code for _, code, href_code, _, _ in links)
    assert [code for _, code, _, current, _ in links if current] == ["pl"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_switch_remembers_each_language(client, lang):
    resp = client.get(f"/lang/{lang}", query_string={"next": "/register"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/register")
    assert html_lang(client.get("/register")) == lang


def test_the_host_may_show_the_screen_in_any_of_the_five(client, marathon):
    assert client.get(f"/h/{marathon['host']}").status_code == 303
    console = client.get(f"/m/{marathon['mid']}/host").get_data(as_text=True)
    options = re.findall(r'<option value="(\w*)" lang="(\w+)"', console)
    assert [code for code, _ in options] == list(LANGUAGES)
    api = Api(client)
    for lang in LANGUAGES:
        r = client.patch(f"/api/v1/marathons/{marathon['mid']}", json={"options": {
            "lang": lang}}, headers={"Authorization": f"Bearer {marathon['host']}"})
        assert r.status_code == 200, r.get_data(as_text=True)
        assert html_lang(client.get(f"/m/{marathon['mid']}/screen")) == lang
        assert api.marathon(marathon["mid"])["options"]["lang"] == lang
    r = client.patch(f"/api/v1/marathons/{marathon['mid']}", json={"options": {
        "lang": "it"}}, headers={"Authorization": f"Bearer {marathon['host']}"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "options.lang"
    assert "en, fr, pl, de, es" in r.get_json()["error"]["message"]


def test_numbers_on_the_report_follow_the_page_language(client):
    made = Api(client).make_marathon(goal=12000)
    pages = {lang: client.get(f"/m/{made['id']}/report", query_string={"lang": lang})
             .get_data(as_text=True) for lang in ("en", "fr", "de")}
    assert '<span class="num">12,000</span>' in pages["en"]
    assert '<span class="num">12\u202f000</span>' in pages["fr"]
    assert '<span class="num">12.000</span>' in pages["de"]
