"""Per-case goals: the host sets them in the console, the big screen shows them."""

from __future__ import annotations

import pytest
import requests
from browser_kit import watch_page
from helpers import CASES, Api
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_host_sets_case_goals_and_screen_shows_them(server, context_factory):
    api = Api(requests.Session(), server.url)
    m = api.make_marathon()
    p = api.join(m["join_code"], "Zoë")
    for _ in range(3):
        assert api.log(m["id"], p["token"], case_id=CASES[1]).status_code == 201

    console = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    watch_page(console)
    console.goto(server.url + m["urls"]["host"])
    expect(console.get_by_test_id("kit-link")).to_be_visible()
    goals = console.get_by_test_id("case-goals")
    goals.locator(f'[name="case_goal:{CASES[1]}"]').fill("50")
    console.get_by_test_id("save-settings").click()
    expect(console.get_by_test_id("settings-status")).to_have_class("form-status ok")

    snap = api.marathon(m["id"])
    assert snap["options"]["case_goals"] == {CASES[1]: 50}
    assert snap["snapshot"]["case_goals"][CASES[1]] == 50

    screen = context_factory(viewport={"width": 1280, "height": 720}).new_page()
    watch_page(screen)
    screen.goto(server.url + m["urls"]["screen"])
    expect(screen.get_by_test_id("total")).to_have_text("3")
    labels = screen.evaluate(
        "() => Chart.getChart(document.getElementById('case-chart')).data.labels")
    assert any(label.endswith("3 / 50") for label in labels), labels
    assert not console.dialogs and not screen.errors
