"""The join code is a secret of the room (issue 27, item 1), tried from outside.

A stranger knows a verified marathon's id (the edition's public table lists it) and
reads everything a real server offers without a secret: every GET route of the app,
every Socket.IO message of the marathon's, the phones' and the edition's rooms. The code
must be nowhere; the QR code (which is the code) must not be served; and once the host
changes the code, a copy of the old projector link shows nothing while the open
projector follows. Real server process, real Redis, real Socket.IO clients.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
import requests
import socketio
from helpers import Api, auth, wait_for

# GET routes a stranger cannot call without a secret other than the marathon's id.
NEEDS_A_SECRET = {"/h/<token>", "/j/<code>", "/lang/<code>", "/join",
                  "/static/<path:filename>"}


class Socket:
    """A python-socketio client on /live that keeps every event it receives."""

    def __init__(self, url: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._any, namespace="/live")
        self.sio.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)

    def _any(self, event: str, data: Any = None) -> None:
        with self.changed:
            self.events.append((event, data))
            self.changed.notify_all()

    def emit(self, event: str, data: Any) -> None:
        self.sio.emit(event, data, namespace="/live")

    def named(self, event: str) -> list[Any]:
        return [data for name, data in list(self.events) if name == event]

    def next(self, event: str, after: int, timeout: float = 10) -> Any:
        """The first `event` received after the first `after` of them."""
        return wait_for(lambda: self.named(event)[after:] and self.named(event)[after],
                        timeout, what=f"{event} #{after + 1}")

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def room(live_server) -> dict[str, Any]:
    """A verified marathon (the tests' example edition is open) with a participant, a
    team and a few actions, registered through the real server."""
    api = Api(requests.Session(), live_server.url)
    m = api.make_marathon()
    assert m["state"] == "verified"
    team = api.make_team(m["id"], m["host_token"], "Table 3")
    phone = api.join(m["join_code"], nickname="Zoë", team_id=team["id"])
    for _ in range(3):
        assert api.log(m["id"], phone["token"]).status_code == 201
    return {**m, "api": api, "team": team, "phone": phone,
            "key": m["urls"]["screen"].partition("#key=")[2]}


def public_paths(app, room: dict[str, Any]) -> list[str]:
    """Every GET route of the app, with the room's ids in it."""
    gid = room["api"].marathon(room["id"])["group_id"]
    values = {"mid": room["id"], "eid": "example", "group_id": gid,
              "pid": room["phone"]["participant_id"], "tid": room["team"]["id"]}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule in NEEDS_A_SECRET:
            continue
        paths.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule))
    return sorted(paths)


def change_code(room: dict[str, Any]) -> dict[str, Any]:
    r = room["api"].c.post(f"{room['api'].base}/api/v1/marathons/{room['id']}/join-code",
                           headers=auth(room["host_token"]))
    assert r.status_code == 201, r.text
    return r.json()


def test_a_stranger_reads_no_join_code_on_any_page_or_api_answer(app, live_server, room):
    stranger = requests.Session()
    paths = public_paths(app, room)
    assert f"/m/{room['id']}/screen" in paths and f"/api/v1/marathons/{room['id']}" in paths
    read = 0
    for path in paths:
        for lang in ("en", "fr"):
            r = stranger.get(live_server.url + path, headers={"Accept-Language": lang},
                             timeout=10)
            assert r.status_code < 500, (path, r.status_code)
            body = r.content.decode("utf-8", "replace")
            assert room["join_code"] not in body, (path, r.status_code)
            assert not room["key"] or room["key"] not in body, (path, r.status_code)
            read += r.status_code == 200
    assert read >= 40  # pages, widgets, overlays, reports, edition pages, API answers


def test_a_stranger_cannot_get_the_qr_code(live_server, room):
    url = f"{live_server.url}/m/{room['id']}/qr.svg"
    for headers in ({}, {"X-Screen-Key": "guess"}, {"X-Screen-Key": room["key"][:-1]},
                    {"X-Screen-Key": room["join_code"]}):
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 403 and "<svg" not in r.text
    projector = requests.get(url, headers={"X-Screen-Key": room["key"]}, timeout=10)
    assert projector.status_code == 200 and projector.text.startswith("<svg")
    cache = projector.headers["Cache-Control"]
    assert "no-store" in cache and "private" in cache and "public" not in cache


def test_no_socket_message_carries_the_join_code(live_server, room):
    stranger = Socket(live_server.url)
    try:
        stranger.emit("watch", {"marathon": room["id"]})
        stranger.emit("watch", {"edition": "example"})
        stranger.emit("watch", {"marathon": room["id"], "view": "phone"})
        wait_for(lambda: len(stranger.named("snapshot")) >= 3, what="three rooms' snapshots")
        version = next(s["code_version"] for s in stranger.named("snapshot")
                       if "code_version" in s)
        # Without the key, or with a wrong one, the projector's question gets no answer.
        stranger.emit("screen", {"marathon": room["id"]})
        stranger.emit("screen", {"marathon": room["id"], "key": room["join_code"]})
        wait_for(lambda: len([e for e in stranger.named("error")
                              if e["code"] == "screen_key"]) == 2, what="two refusals")
        # The room lives on: actions, a team's board, a new join code.
        api = room["api"]
        assert api.log(room["id"], room["phone"]["token"]).status_code == 201
        new = change_code(room)
        wait_for(lambda: any(s.get("code_version", -1) > version
                             for s in stranger.named("snapshot")), what="the new code's snapshot")
        assert stranger.named("teams") and not stranger.named("join")
        wire = json.dumps(stranger.events, ensure_ascii=False)
        for secret in filter(None, (room["join_code"], new["join_code"], room["key"])):
            assert secret not in wire
    finally:
        stranger.close()


def test_after_a_new_code_the_old_projector_link_shows_nothing_and_the_open_one_follows(
        live_server, room):
    projector = Socket(live_server.url)
    try:
        projector.emit("watch", {"marathon": room["id"]})
        projector.emit("screen", {"marathon": room["id"], "key": room["key"]})
        shown = projector.next("join", 0)
        assert shown["code"] == room["join_code"] and shown["key"] == room["key"]
        before = len(projector.named("snapshot"))

        new = change_code(room)
        new_key = new["urls"]["screen"].split("#key=", 1)[1]
        assert new["join_code"] != room["join_code"] and new_key != room["key"]
        # The open projector learns of the change from its room's snapshot (a version,
        # not the code), then asks on its own connection, which showed the key before:
        # it is answered though the key it still has is the old one.
        changed = wait_for(lambda: [s for s in projector.named("snapshot")[before:]
                                    if s["code_version"] > shown["code_version"]])
        assert "join_code" not in changed[0]
        projector.emit("screen", {"marathon": room["id"], "key": room["key"]})
        follows = projector.next("join", 1)
        assert follows["code"] == new["join_code"] and follows["key"] == new_key
        projector.emit("screen", {"marathon": room["id"]})
        assert projector.next("join", 2)["code"] == new["join_code"]

        # A copy of the old projector link: refused on the socket and for the QR code.
        late = Socket(live_server.url)
        try:
            late.emit("screen", {"marathon": room["id"], "key": room["key"]})
            refused = late.next("error", 0)
            assert refused["code"] == "screen_key" and not late.named("join")
            late.emit("screen", {"marathon": room["id"]})  # no key: not a projector
            assert late.next("error", 1)["code"] == "screen_key"
            late.emit("screen", {"marathon": room["id"], "key": new_key})
            assert late.next("join", 0)["code"] == new["join_code"]
        finally:
            late.close()
        qr = f"{live_server.url}/m/{room['id']}/qr.svg"
        for key, status in ((room["key"], 403), (new_key, 200)):
            assert requests.get(qr, headers={"X-Screen-Key": key}, timeout=10).status_code == status
    finally:
        projector.close()


def test_the_host_answers_carry_the_code_and_the_projector_link(live_server, room):
    api = room["api"]
    public = requests.get(f"{live_server.url}/api/v1/marathons/{room['id']}", timeout=10).json()
    assert "join_code" not in public and public["urls"]["screen"] == f"/m/{room['id']}/screen"
    host = api.c.get(f"{live_server.url}/api/v1/marathons/{room['id']}",
                     headers=auth(room["host_token"]), timeout=10).json()
    assert host["join_code"] == room["join_code"]
    assert host["urls"]["screen"] == f"/m/{room['id']}/screen#key={room['key']}"
    assert host["urls"]["public_screen"] == f"/m/{room['id']}/screen"
    # The key rides in the fragment, which no request carries: the server never logs it.
    assert room["key"] not in live_server.log_path.read_text(errors="replace")
