"""Case cards on the phone and the host's printed kit (issue 11), in real Chromium.

Each test runs against a real server process and Redis: the phone opens a case card,
copies the model letter through the real clipboard, logs from the card and the server
counts it for that case; the kit is printed to PDF and its pages counted.
"""

from __future__ import annotations

import copy
import re
import time

import pytest
import requests
from browser_kit import ARTIFACTS, screenshot
from helpers import Api

from config import LANGUAGES
from marathon.domain.editions import example_edition

pytestmark = pytest.mark.browser

CASE = "ales-bialiatski"
SCRIPT = "<script>alert('case')</script>"


@pytest.fixture
def api(server) -> Api:
    return Api(requests.Session(), base=server.url)


def phone_context(context_factory, server, locale: str):
    ctx = context_factory(viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, device_scale_factor=2, locale=locale)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    return ctx


def new_page(ctx):
    page = ctx.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def join(page, server, marathon, nickname: str = "Zoë") -> None:
    page.goto(server.url + marathon["urls"]["join"])
    page.get_by_test_id("nickname").fill(nickname)
    page.get_by_test_id("join").click()
    page.wait_for_url(re.compile(r"/m/[^/]+/log$"))
    page.wait_for_function("() => !document.querySelector('[data-testid=log]').disabled")
    page.wait_for_selector("#case-cards[data-ready=true]", state="attached")


def open_card(page, case_id: str):
    page.locator(f'[data-testid=case-open][data-case="{case_id}"]').click()
    card = page.get_by_test_id("case-card")
    card.wait_for(state="visible")
    assert card.get_attribute("data-case") == case_id
    return card


def letter_text(case: dict, lang: str) -> str:
    letter = case["letter"]
    return "\n\n".join([letter["salutation"][lang], letter["body"][lang],
                        letter["closing"][lang]])


def wait_case_count(api: Api, mid: str, case_id: str, want: int) -> dict:
    """Poll the server until it counts `want` actions for the case; return the snapshot."""
    deadline = time.monotonic() + 15
    while True:
        snap = api.marathon(mid)["snapshot"]
        if snap["by_case"].get(case_id, 0) >= want or time.monotonic() > deadline:
            assert snap["by_case"].get(case_id, 0) == want, snap["by_case"]
            return snap
        time.sleep(0.2)  # poll interval, under the 15 s deadline above


@pytest.mark.parametrize("lang, locale", [("fr", "fr-FR"), ("en", "en-GB")])
def test_case_card_in_each_language_copies_the_letter_and_logs_for_its_case(
        context_factory, server, api, lang, locale):
    m = api.make_marathon()
    ed = example_edition()
    case = next(c for c in ed["cases"] if c["id"] == CASE)
    page = new_page(phone_context(context_factory, server, locale))
    join(page, server, m)

    card = open_card(page, CASE)
    assert card.get_by_test_id("presentation").text_content() == case["presentation"][lang]
    assert case["ask"][lang] in card.text_content()
    card.get_by_test_id("case-letter").locator("summary").click()
    addressee = card.get_by_test_id("addressee").text_content()
    assert case["letter"]["addressee"]["name"] in addressee
    assert case["letter"]["addressee"]["title"][lang] in addressee
    assert ed["safety"][lang][0] in card.get_by_test_id("safety").text_content()
    if lang == "en":
        card.evaluate("el => el.scrollIntoView({block: 'start'})")
        screenshot(page, "case-card", docs=True)

    card.get_by_test_id("copy-letter").click()
    page.wait_for_function("() => document.querySelector('.copy-status').textContent !== ''")
    assert page.evaluate("navigator.clipboard.readText()") == letter_text(case, lang)

    card.get_by_test_id("case-log-letter").click()
    snap = wait_case_count(api, m["id"], CASE, 1)
    assert snap["total"] == 1 and snap["by_kind"]["letter"] == 1
    card.get_by_test_id("case-solidarity").locator("summary").click()
    for example in case["solidarity"]["examples"][lang]:
        assert example in card.text_content()
    card.get_by_test_id("case-log-card").click()
    snap = wait_case_count(api, m["id"], CASE, 2)
    assert snap["by_kind"]["card"] == 1 and snap["total"] == 2
    assert page.dialogs == [] and page.errors == []


def test_cards_open_offline_after_one_load(context_factory, server, api):
    m = api.make_marathon()
    ed = example_edition()
    ctx = phone_context(context_factory, server, "en-GB")
    page = new_page(ctx)
    join(page, server, m)
    ctx.set_offline(True)
    try:
        check_cards_open(page, ed)
        # The page reloads without a network (its service worker keeps it and the
        # cards' files), and the cards open again.
        ctx.set_offline(False)
        page.reload()
        page.evaluate("navigator.serviceWorker.ready")
        page.wait_for_function("""async () => !!navigator.serviceWorker.controller
            && !!(await caches.match(location.pathname))
            && !!(await caches.match('/static/js/cases.js'))
            && !!(await caches.match('/static/css/cases.css'))""", polling=200, timeout=15_000)
        ctx.set_offline(True)
        page.reload()
        page.wait_for_selector("#case-cards[data-ready=true]", state="attached")
        check_cards_open(page, ed)
    finally:
        ctx.set_offline(False)


def check_cards_open(page, ed: dict) -> None:
    for case in ed["cases"]:
        card = open_card(page, case["id"])
        assert card.get_by_test_id("presentation").text_content() == \
            case["presentation"]["en"]
        card.get_by_test_id("case-back").click()
    card = open_card(page, "mahadine")
    card.get_by_test_id("case-letter").locator("summary").click()
    assert "Dear President," in card.get_by_test_id("model-letter").text_content()
    card.get_by_test_id("case-back").click()


def test_model_letter_with_markup_is_shown_as_text(context_factory, server, api):
    from marathon.store import Store, connect

    ed = copy.deepcopy(example_edition())
    ed["id"] = "hostile"
    first = ed["cases"][0]
    first["letter"]["body"] = {"fr": f"Bonjour\n\n{SCRIPT}", "en": f"Hello\n\n{SCRIPT}"}
    first["presentation"]["en"] = "<img src=x onerror=alert(1)> and more. Second sentence."
    Store(connect(server.redis_url), grace_ms=0, keep_ms=0,
          cap_per_hour=0).import_edition(ed)
    m = api.make_marathon(edition_id="hostile")
    page = new_page(phone_context(context_factory, server, "en-GB"))
    join(page, server, m)
    card = open_card(page, CASE)
    card.get_by_test_id("case-letter").locator("summary").click()
    assert SCRIPT in card.get_by_test_id("model-letter").text_content()
    assert "<img src=x" in card.get_by_test_id("presentation").text_content()
    assert card.locator("script, img").count() == 0
    # Proves a negative, so a fixed wait: 300 ms for a late handler to open a dialog.
    page.wait_for_timeout(300)
    assert page.dialogs == [] and page.errors == []


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("lang", LANGUAGES)  # German and Polish labels run longer
def test_kit_prints_one_page_per_case_plus_the_poster(context_factory, server, api, lang):
    m = api.make_marathon()
    ctx = context_factory(locale="en-GB")
    page = new_page(ctx)
    page.goto(server.url + m["urls"]["host"])
    page.goto(f"{server.url}/m/{m['id']}/kit?lang={lang}")
    cases = example_edition()["cases"]
    assert page.get_by_test_id("kit-case").count() == len(cases)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"kit-{lang}.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == len(cases) + 1
    # Each page is cut to one A4 sheet when printed: nothing may be cut off.
    page.emulate_media(media="print")
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.kit-page')]
        .filter((el) => el.scrollHeight > el.clientHeight + 1).map((el) => el.dataset.case)""")
    assert overflowing == []
    page.emulate_media(media="screen")
    if lang == "en":
        page.set_viewport_size({"width": 820, "height": 1160})
        page.get_by_test_id("kit-case").first.screenshot(
            path=str(screenshot_path("kit-page")))


def screenshot_path(name: str):
    from browser_kit import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
