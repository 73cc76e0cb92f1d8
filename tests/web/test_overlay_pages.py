"""The overlays and the widget as the server renders them: test hooks, strict options
(a bad one is a readable 400 that does not echo it), languages, framing by any site."""

from __future__ import annotations

import re

import pytest
from helpers import auth, data_attr

PAGES = ["/m/{mid}/overlay", "/m/{mid}/widget", "/e/example/overlay"]



def frame_ancestors(resp) -> str:
    return re.search(r"frame-ancestors ([^;]+)", resp.headers["Content-Security-Policy"]).group(1)


@pytest.fixture
def mid(api):
    return api.make_marathon()["id"]


@pytest.mark.parametrize("page", PAGES)
def test_embeddable_pages_may_be_framed_by_any_site(client, mid, page):
    r = client.get(page.format(mid=mid))
    assert r.status_code == 200
    assert frame_ancestors(r) == "*" and "X-Frame-Options" not in r.headers
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    assert 'data-testid="total"' in html and 'data-testid="live-status"' in html
    assert "js/overlay.js" in html and " style=" not in html and "<script>" not in html


def test_overlay_is_chromeless_and_shows_every_part_by_default(client, mid):
    html = client.get(f"/m/{mid}/overlay").get_data(as_text=True)
    assert 'class="overlay size-medium"' in html
    assert 'class="site"' not in html  # no header, no language switch: nothing but the parts
    for testid in ("total", "goal", "ticker", "celebration"):
        assert f'data-testid="{testid}"' in html, testid
    assert data_attr(html, "options")["show"] == ["total", "goal", "ticker", "celebrate"]


def test_show_keeps_only_the_parts_asked_for(client, mid):
    html = client.get(f"/m/{mid}/overlay?show=ticker,total").get_data(as_text=True)
    assert 'data-testid="total"' in html and 'data-testid="ticker"' in html
    assert 'data-testid="goal"' not in html and 'data-testid="celebration"' not in html


@pytest.mark.parametrize(("query", "color"), [
    ("color=%23FF0000", "#ff0000"), ("color=00aa11", "#00aa11"), ("color=Yellow", "#ffe600"),
    ("", ""),
])
def test_colors_are_six_hex_digits_or_a_known_name(client, mid, query, color):
    html = client.get(f"/m/{mid}/overlay?{query}").get_data(as_text=True)
    assert data_attr(html, "options")["color"] == color


def test_size_is_a_class(client, mid):
    html = client.get(f"/m/{mid}/overlay?size=LARGE").get_data(as_text=True)
    assert 'class="overlay size-large"' in html


@pytest.mark.parametrize("query", [
    "color=red;background:url(x)", "color=%23ff00", "color=<script>alert(1)</script>",
    "size=huge", "size=", "show=total,<b>x</b>", "show=", "show=,", "lang=xx",
    'color="><img src=x onerror=alert(1)>',
])
@pytest.mark.parametrize("page", PAGES)
def test_bad_options_are_a_readable_400_that_does_not_echo_them(client, mid, page, query):
    r = client.get(page.format(mid=mid) + "?" + query)
    assert r.status_code == 400, query
    html = r.get_data(as_text=True)
    name = query.split("=")[0]
    assert f"The option {name} takes one of:" in html
    for raw in ("<script>", "<b>x", "onerror", "url(x)", "huge"):
        assert raw not in html
    # Still framed by any site: the mistake shows where it was typed (a browser source).
    assert frame_ancestors(r) == "*"


@pytest.mark.parametrize("page", PAGES)
def test_lang_fr_renders_french(client, mid, page):
    html = client.get(page.format(mid=mid) + "?lang=fr",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "actions pour les droits humains" in html
    assert data_attr(html, "words")["goal_reached"] == "Objectif atteint !"


def test_the_browsers_language_is_used_without_lang(client, mid):
    html = client.get(f"/m/{mid}/overlay", headers={"Accept-Language": "fr"}).get_data(
        as_text=True)
    assert '<html lang="fr">' in html


def test_unknown_marathon_or_edition_is_404(client):
    for path in ("/m/nope/overlay", "/m/nope/widget", "/e/nope/overlay"):
        assert client.get(path).status_code == 404, path


def test_widget_masks_the_group_name_and_links_to_the_public_report(client, api):
    m = api.make_marathon(group={"name": "Les connards", "type": "school", "city": "Lyon",
                                 "country": "FR"})
    html = client.get(f"/m/{m['id']}/widget").get_data(as_text=True)
    assert "connards" not in html.lower() and "•••" in html
    assert f'href="http://localhost/m/{m["id"]}/report" target="_blank" rel="noopener"' in html


def test_overlay_keeps_what_the_hosts_screen_options_keep_from_the_public(client, api):
    m = api.make_marathon()
    html = client.get(f"/m/{m['id']}/overlay").get_data(as_text=True)
    assert data_attr(html, "options")["anonymous"] is False
    assert data_attr(html, "options")["freeze"] is False
    r = client.patch(f"/api/v1/marathons/{m['id']}",
                     json={"options": {"hide_top": True, "freeze_last_hour": True}},
                     headers=auth(m["host_token"]))
    assert r.status_code == 200
    html = client.get(f"/m/{m['id']}/overlay").get_data(as_text=True)
    assert data_attr(html, "options")["anonymous"] is True
    assert data_attr(html, "options")["freeze"] is True


def test_host_console_shows_the_embed_snippet(client, api):
    m = api.make_marathon()
    client.get(m["urls"]["host"])
    html = client.get(f"/m/{m['id']}/host").get_data(as_text=True)
    assert (f'&lt;iframe src=&#34;http://localhost/m/{m["id"]}/widget&#34; width=&#34;320&#34;'
            in html)
    assert f'value="http://localhost/m/{m["id"]}/overlay"' in html
    assert "js/embed.js" in html
