"""Teams in a real Chromium (issue 18): the host makes three teams in the console, two
phones join two of them, and the screen's team board and the phones' team totals are
exact; the host moves a participant and all their actions go with them."""

from __future__ import annotations

import re

import pytest
import requests
from browser_kit import screenshot, wait_still, watch_page
from helpers import Api, auth
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SCREEN = {"width": 1280, "height": 720}


def board_row(page, tid: str):
    return page.locator(f'#team-list li[data-team="{tid}"]')


def expect_board(page, want: dict[str, int]) -> None:
    """The screen's team board shows exactly these totals, highest first."""
    for tid, total in want.items():
        expect(board_row(page, tid).locator(".count")).to_have_text(str(total), timeout=20_000)
    order = [tid for tid, _ in sorted(want.items(), key=lambda kv: -kv[1])]
    shown = page.locator("#team-list li").evaluate_all("els => els.map(e => e.dataset.team)")
    assert [t for t in shown if want[t] != 0] == [t for t in order if want[t] != 0]


def join(page, base: str, code: str, nickname: str, team: str) -> None:
    page.goto(f"{base}/j/{code}")
    page.get_by_test_id("nickname").fill(nickname)
    page.get_by_test_id("on-board").check()
    page.get_by_test_id("team").select_option(label=team)
    page.get_by_test_id("join").click()
    page.wait_for_url(re.compile(r"/m/[^/]+/log$"))
    page.wait_for_function("!document.querySelector('[data-testid=log]').disabled")


def tap(page, times: int) -> None:
    for _ in range(times):
        page.get_by_test_id("log").click()


def test_team_board_and_team_totals_are_exact_and_a_move_takes_all_actions(
        server, context_factory):
    base = server.url
    api = Api(requests.Session(), base)
    m = api.make_marathon(title="Marathon des lettres — collège Jean Moulin")
    mid = m["id"]

    # ---- the host makes three teams in the console
    host = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    watch_page(host)
    host.goto(f"{base}/h/{m['host_token']}")
    for i, name in enumerate(("6e A", "6e B", "Table 3")):
        host.get_by_test_id("team-name").fill(name)
        host.get_by_test_id("add-team").click()
        expect(host.get_by_test_id("team-table").locator("tbody tr")).to_have_count(i + 1)
        expect(host.get_by_test_id("team-name")).to_have_value("")
    assert host.errors == [], host.errors
    teams = {t["name"]: t["id"] for t in requests.get(
        f"{base}/api/v1/marathons/{mid}/teams").json()["teams"]}
    assert set(teams) == {"6e A", "6e B", "Table 3"}
    a, b, c = teams["6e A"], teams["6e B"], teams["Table 3"]

    # ---- the screen shows the board as soon as there are teams
    screen = context_factory(viewport=SCREEN).new_page()
    watch_page(screen)
    screen.goto(f"{base}/m/{mid}/screen")
    expect(screen.get_by_test_id("teams")).to_be_visible(timeout=20_000)
    expect(screen.locator("#team-list li")).to_have_count(3)

    # ---- two phones join two of the teams and write; a third writer joins 6e A by API
    phone_kw = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                    device_scale_factor=2)
    zoe, leo = context_factory(**phone_kw).new_page(), context_factory(**phone_kw).new_page()
    for page in (zoe, leo):
        watch_page(page)
    join(zoe, base, m["join_code"], "Zoë", "6e A")
    join(leo, base, m["join_code"], "Léo", "6e B")
    tap(zoe, 3)
    tap(leo, 2)
    ines = api.join(m["join_code"], "Inès", team_id=a)
    assert api.log(mid, ines["token"], count=4).status_code == 201

    expect_board(screen, {a: 7, b: 2, c: 0})
    expect(board_row(screen, a).locator(".name")).to_contain_text("6e A")
    expect(board_row(screen, a).locator(".members")).to_have_text("2 members")
    expect(zoe.get_by_test_id("team-total")).to_have_text("7", timeout=20_000)
    expect(leo.get_by_test_id("team-total")).to_have_text("2", timeout=20_000)
    expect(zoe.get_by_test_id("mine")).to_have_text("3")
    wait_still(screen)
    screenshot(screen, "teams-screen", docs=True)
    screenshot(zoe, "teams-phone")

    # ---- the host moves Léo to Table 3: his two actions go with him
    people = requests.get(f"{base}/api/v1/marathons/{mid}/participants",
                          headers=auth(m["host_token"])).json()["participants"]
    leo_id = next(p["id"] for p in people if p["nickname"] == "Léo")
    host.reload()
    host.locator(f'tr[data-pid="{leo_id}"] [data-testid="participant-team"]').select_option(c)
    expect(host.locator(f'tr[data-team="{c}"] [data-testid="team-total"]')).to_have_text("2")
    expect_board(screen, {a: 7, b: 0, c: 2})
    expect(board_row(screen, c).locator(".members")).to_have_text("1 member")
    # His phone learns of the move when its page opens again.
    leo.reload()
    expect(leo.locator("#team-name")).to_have_text("Table 3", timeout=20_000)
    expect(leo.get_by_test_id("team-total")).to_have_text("2")
    expect(leo.get_by_test_id("team-change")).to_have_value(c)

    # ---- Zoë changes her own team from the log page: her three actions go with her
    zoe.get_by_test_id("team-change").select_option(b)
    expect(zoe.get_by_test_id("team-total")).to_have_text("3", timeout=20_000)
    expect_board(screen, {a: 4, b: 3, c: 2})
    totals = {t["id"]: t["total"] for t in requests.get(
        f"{base}/api/v1/marathons/{mid}/teams").json()["teams"]}
    assert totals == {a: 4, b: 3, c: 2}
    assert api.marathon(mid)["snapshot"]["total"] == 9
    for page in (host, screen, zoe, leo):
        assert page.errors == [] and page.dialogs == []
