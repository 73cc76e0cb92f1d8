"""Issue 16, item 1: names reach every public reader through the one masking step.

The projector's snapshots (the `watch` reply and the broadcaster's), the API, the
report, the public pages and the edition screen all show a blocked nickname or group
name as the mask; names are normalised at the door, so a zero-width space or a bidi
control cannot carry a word past the blocklist; the host's rename and hide still reach
the live path.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio
from helpers import Api, auth, registration, wait_for
from support import ServerProcess

from marathon.domain.names import MASK
from marathon.extensions import socketio as server_socketio
from marathon.live.broadcaster import Broadcaster
from marathon.live.snapshots import edition_snapshot

BLOCKED = ["Connard", "Cönnard", "c0nnard", "СONNARD"]  # the last with a Cyrillic С


@pytest.fixture
def server(blocklisted_server: ServerProcess) -> ServerProcess:
    """A real server (broadcaster on) whose blocklist adds the word "zorglub"."""
    return blocklisted_server


class Screen:
    """A real Socket.IO client that watches one room and keeps the snapshots it gets."""

    def __init__(self, url: str) -> None:
        self.snapshots: list[dict] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("snapshot", self._got, namespace="/live")
        self.sio.connect(url, namespaces=["/live"], transports=["websocket"],
                         wait_timeout=10)

    def _got(self, data: dict) -> None:
        with self.lock:
            self.snapshots.append(data)

    def watch(self, **room: str) -> dict:
        """Watch a room and return the snapshot the server answers with."""
        before = len(self.snapshots)
        self.sio.emit("watch", room, namespace="/live")
        wait_for(lambda: len(self.snapshots) > before, what="the watch reply")
        return self.snapshots[before]

    def next_where(self, predicate) -> dict:
        return wait_for(lambda: next((s for s in self.snapshots if predicate(s)), None),
                        what="a broadcast snapshot")

    def close(self) -> None:
        self.sio.disconnect()


def _names(snapshot: dict) -> list[str | None]:
    names = [row["nickname"] for row in snapshot["top"]]
    names += [line["nickname"] for line in snapshot["recent"]]
    if snapshot["last_hour_top"]:
        names.append(snapshot["last_hour_top"]["nickname"])
    return names


def _marathon_with_blocked_writers(api: Api, **overrides) -> dict:
    m = api.make_marathon(**overrides)
    for nickname in BLOCKED:
        joined = api.join(m["join_code"], nickname)
        assert api.log(m["id"], joined["token"]).status_code == 201
    return m


def test_item1_watch_reply_and_broadcasts_mask_blocked_nicknames(server):
    api = Api(requests.Session(), server.url)
    m = _marathon_with_blocked_writers(api)
    screen = Screen(server.url)
    try:
        snap = screen.watch(marathon=m["id"])
        assert len(snap["top"]) == 4 and len(snap["recent"]) == 4 and snap["last_hour_top"]
        assert set(_names(snap)) == {MASK}, _names(snap)
        # The broadcaster's snapshots, with the server's own extra word ("zorglub").
        zorglub = api.join(m["join_code"], "Zorglub")
        for _ in range(3):
            assert api.log(m["id"], zorglub["token"]).status_code == 201
        snap = screen.next_where(lambda s: s["total"] == 7)
        assert snap["last_hour_top"] == {"nickname": MASK, "total": 3}
        assert set(_names(snap)) == {MASK}, _names(snap)
    finally:
        screen.close()


def test_item1_broadcaster_snapshots_mask_blocked_nicknames_without_app_context(api, store):
    m = _marathon_with_blocked_writers(api)
    room = f"m:{m['id']}"
    snap = Broadcaster(store, server_socketio, 4).build({room}, int(time.time() * 1000))[room]
    assert set(_names(snap)) == {MASK}


def test_item1_blocked_group_names_are_masked_for_every_public_reader(server):
    http = requests.Session()
    api = Api(http, server.url)
    m = _marathon_with_blocked_writers(api, group={
        "name": "Club des connards", "type": "school", "city": "Lyon", "country": "FR"})
    mid, url = m["id"], server.url
    screen = Screen(url)
    try:
        edition = screen.watch(edition="example")
    finally:
        screen.close()
    assert edition["top"]["total"][0]["name"] == MASK
    assert edition["top"]["per_participant"][0]["name"] == MASK
    assert http.get(f"{url}/api/v1/marathons/{mid}").json()["group"]["name"] == MASK
    report = http.get(f"{url}/api/v1/marathons/{mid}/report").json()
    assert report["marathon"]["group"]["name"] == MASK
    assert {p["nickname"] for p in report["top"]} == {MASK}
    rows = http.get(f"{url}/api/v1/editions/example/marathons").json()["rows"]
    assert [r["group"] for r in rows] == [MASK]
    for page in (f"/j/{m['join_code']}", f"/m/{mid}/log", f"/m/{mid}/screen",
                 f"/m/{mid}/report"):
        resp = http.get(url + page)
        assert resp.status_code == 200, page
        assert "connard" not in resp.text.casefold(), page


def test_item1_invisible_and_bidi_characters_are_refused_at_the_door(client, api):
    m = api.make_marathon()
    for nickname in ("d\u200bick", "zo\u200de", "\u202eevil", "a\u2066b", "\ufeffbob",
                     "sof\u00adt"):
        resp = client.post("/api/v1/join", json={"code": m["join_code"],
                                                 "nickname": nickname})
        assert resp.status_code == 422, nickname
        error = resp.get_json()["error"]
        assert error["code"] == "invisible_characters" and error["field"] == "nickname"
    resp = client.post("/api/v1/marathons", json={
        "group": {"name": "Lyc\u200bée", "country": "FR"}, "edition_id": "example",
        "title": "t", "starts_at": registration()["starts_at"], "timezone": "Europe/Paris"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["field"] == "group.name"
    # Decomposed accents are composed (NFC): what is stored is what is shown.
    joined = client.post("/api/v1/join", json={"code": m["join_code"],
                                               "nickname": "Zoe\u0301"}).get_json()
    assert joined["nickname"] == "Zoé"


def test_item1_host_rename_and_hide_reach_the_live_snapshot(server):
    http = requests.Session()
    api = Api(http, server.url)
    m = api.make_marathon()
    rude = api.join(m["join_code"], "c0nnard")
    api.log(m["id"], rude["token"])
    screen = Screen(server.url)
    try:
        assert screen.watch(marathon=m["id"])["top"] == [{"nickname": MASK, "total": 1}]
        url = f"{server.url}/api/v1/marathons/{m['id']}/participants/{rude['participant_id']}"
        host = auth(m["host_token"])
        assert http.patch(url, json={"nickname": "Alex"}, headers=host).status_code == 200
        screen.next_where(lambda s: s["top"] == [{"nickname": "Alex", "total": 1}])
        assert http.patch(url, json={"on_board": False}, headers=host).status_code == 200
        snap = screen.next_where(lambda s: s["top"] == [])
        assert snap["recent"][0]["nickname"] is None
    finally:
        screen.close()
    # The host's own list keeps the name as it is stored.
    people = http.get(f"{server.url}/api/v1/marathons/{m['id']}/participants",
                      headers=auth(m["host_token"])).json()["participants"]
    assert [p["nickname"] for p in people] == ["Alex"]


def test_item1_edition_ticker_masks_milestones_recorded_with_a_blocked_name(api, store):
    m = api.make_marathon()
    now = int(time.time() * 1000)
    # As recorded before names were masked on the way in.
    store.record_milestones("example", [{"marathon": m["id"], "milestone": 100, "at": now,
                                         "name": "Club des connards", "city": "Lyon"}])
    recent = edition_snapshot(store, "example", now)["recent"]
    assert [(r["name"], r["city"]) for r in recent] == [(MASK, "Lyon")]
