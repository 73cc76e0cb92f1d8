"""The screen pages as the server renders them (no browser): markup, options, QR code."""

from __future__ import annotations

import segno
from helpers import auth, data_attr


def test_marathon_screen_has_every_test_hook(client, api):
    m = api.make_marathon()
    r = client.get(f"/m/{m['id']}/screen")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for testid in ("total", "goal", "countdown", "hourly", "top", "by-case", "ticker",
                   "live-status"):
        assert f'data-testid="{testid}"' in html, testid
    # The join code and QR come over the live link to the projector link only.
    assert 'data-testid="join-code"' not in html and 'data-testid="join-qr"' not in html
    assert m["join_code"] not in html and "data:image/svg" not in html
    assert 'data-state="reconnecting"' in html  # live only once a snapshot arrived
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither
    assert "chart.umd.min.js" in html and "js/screen.js" in html


def test_unknown_marathon_or_edition_screen_is_404(client):
    assert client.get("/m/nope/screen").status_code == 404
    assert client.get("/m/nope/qr.svg").status_code == 404
    assert client.get("/e/nope/screen").status_code == 404


def test_join_qr_is_an_svg_of_the_absolute_join_address(client, api):
    m = api.make_marathon()
    key = m["urls"]["screen"].split("#key=")[1]
    r = client.get(f"/m/{m['id']}/qr.svg", headers={"X-Screen-Key": key})
    assert r.status_code == 200
    assert r.mimetype == "image/svg+xml"
    assert "no-store" in r.headers["Cache-Control"] and "public" not in r.headers["Cache-Control"]
    svg = r.get_data(as_text=True)
    assert svg.startswith("<svg") and "viewBox" in svg
    expected = segno.make(f"http://localhost/j/{m['join_code']}", error="m")
    assert f'viewBox="0 0 {expected.symbol_size(scale=10, border=2)[0]}' in svg


def test_join_qr_needs_the_screen_key_or_the_host(client, api):
    m = api.make_marathon()
    assert client.get(f"/m/{m['id']}/qr.svg").status_code == 403
    assert client.get(f"/m/{m['id']}/qr.svg", headers={"X-Screen-Key": "x"}).status_code == 403
    assert client.get(f"/m/{m['id']}/qr.svg", headers=auth(m["host_token"])).status_code == 200


def test_hostile_title_and_group_are_escaped(client, api):
    m = api.make_marathon(title="<script>alert(1)</script>", group={
        "name": "<img src=x onerror=alert(2)>", "type": "school", "city": "X",
        "region": "", "country": "FR"})
    html = client.get(f"/m/{m['id']}/screen").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_address_options_override_stored_options(client, api):
    m = api.make_marathon()
    r = client.patch(f"/api/v1/marathons/{m['id']}", headers=auth(m["host_token"]),
                     json={"options": {"theme": "light", "hide_top": True, "lang": "fr",
                                       "rotate_seconds": 20, "freeze_last_hour": True}})
    assert r.status_code == 200, r.get_json()
    html = client.get(f"/m/{m['id']}/screen").get_data(as_text=True)
    options = data_attr(html, "options")
    assert options == {"theme": "light", "lang": "fr", "hide_top": True,
                       "freeze_last_hour": True, "rotate_seconds": 20}
    assert "theme-light" in html and 'data-testid="top"' not in html
    assert 'lang="fr"' in html and "Scannez ou tapez le code" in html

    html = client.get(f"/m/{m['id']}/screen?theme=dark&hide_top=0&lang=en&freeze=0&rotate=7"
                      ).get_data(as_text=True)
    options = data_attr(html, "options")
    assert options == {"theme": "dark", "lang": "en", "hide_top": False,
                       "freeze_last_hour": False, "rotate_seconds": 7}
    assert 'data-testid="top"' in html and "Scan or type the code" in html


def test_screen_words_are_translated(client, api):
    m = api.make_marathon()
    fr = data_attr(client.get(f"/m/{m['id']}/screen?lang=fr").get_data(as_text=True), "words")
    assert fr["kinds"]["letter"]["one_case"] == "lettre pour {case}"
    assert fr["kinds"]["letter"]["other_case"]["other"] == "{n} lettres pour {case}"
    assert fr["milestone_banner"] == {"one": "{n} lettre !", "many": "{n} lettres !",
                                      "other": "{n} lettres !"}
    en = data_attr(client.get(f"/m/{m['id']}/screen?lang=en").get_data(as_text=True), "words")
    assert en["kinds"]["card"]["other"] == {"one": "{n} card", "other": "{n} cards"}
    assert en["reconnecting"] == "Reconnecting…"


def test_edition_screen_renders_with_cases(client):
    r = client.get("/e/example/screen?lang=fr")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for testid in ("total", "ranking", "live-status"):
        assert f'data-testid="{testid}"' in html
    assert data_attr(html, "cases")["ales-bialiatski"] == "Ales Bialiatski"
    assert "Écrire pour les droits" in html
