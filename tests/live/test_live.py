"""Live totals over Socket.IO: real clients against real server processes and Redis.

The clients are python-socketio's own (`socketio.Client`, websocket transport); the
servers are `wsgi.py` processes on random ports (tests/support.py), under each
ASYNC_MODE (eventlet, threading, gevent). Nothing is mocked.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import websocket
from helpers import CASES, Api, action, auth, iso, now, wait_for
from support import RedisProcess, ServerProcess

from config import ASYNC_MODES
from marathon.extensions import socketio as server_socketio
from marathon.live import CompactJSON
from marathon.live.broadcaster import Broadcaster
from marathon.live.snapshots import edition_snapshot, marathon_snapshot, phone_view, split_teams
from marathon.store import keys

HZ = 4


def wire_size(snapshot: dict[str, Any]) -> int:
    """Bytes of a snapshot as the server encodes it for Socket.IO (live.CompactJSON)."""
    return len(CompactJSON.dumps(snapshot).encode())


# ---------------------------------------------------------------- a screen


class Screen:
    """A real Socket.IO client watching rooms of /live and keeping what it receives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.snapshots: list[tuple[float, dict[str, Any]]] = []
        self.errors: list[dict[str, Any]] = []
        self.health: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("snapshot", self._snapshot, namespace="/live")
        self.sio.on("error", self._error, namespace="/live")
        self.sio.on("health", self._health, namespace="/live")

    def _snapshot(self, data: dict[str, Any]) -> None:
        with self.changed:
            self.snapshots.append((time.monotonic(), data))
            self.changed.notify_all()

    def _error(self, data: dict[str, Any]) -> None:
        with self.changed:
            self.errors.append(data)
            self.changed.notify_all()

    def _health(self, data: dict[str, Any]) -> None:
        with self.changed:
            self.health.append(data)
            self.changed.notify_all()

    def connect(self) -> Screen:
        self.sio.connect(self.url, namespaces=["/live"], transports=["websocket"],
                         wait_timeout=10)
        return self

    def watch(self, **room: str) -> Screen:
        self.sio.emit("watch", room, namespace="/live")
        return self

    def wait(self, predicate, timeout: float = 15, what: str = "") -> Any:
        """Wait until predicate(self) is truthy and return its value."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    last = self.snapshots[-1][1] if self.snapshots else None
                    raise AssertionError(f"timed out waiting for {what}; errors "
                                         f"{self.errors}; last snapshot {last}")
                self.changed.wait(left)

    def wait_total(self, total: int, timeout: float = 15, key: str = "total") -> dict:
        return self.wait(lambda s: s.last() and s.last()[key] == total and s.last(),
                         timeout, f"{key} == {total}")

    def last(self) -> dict[str, Any] | None:
        return self.snapshots[-1][1] if self.snapshots else None

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def screens() -> Iterator[Any]:
    made: list[Screen] = []

    def make(url: str) -> Screen:
        screen = Screen(url).connect()
        made.append(screen)
        return screen

    yield make
    for s in made:
        s.close()


@pytest.fixture
def servers(redis_proc: RedisProcess, redis_client, tmp_path: Path) -> Iterator[Any]:
    """Start server processes on the session's Redis (flushed); all stopped at the end."""
    started: list[ServerProcess] = []

    def start(async_mode: str = "eventlet", **env: str) -> ServerProcess:
        env = {"LIVE_MAX_HZ": str(HZ), **env}
        server = ServerProcess(redis_proc.url, async_mode=async_mode, env=env,
                               instance=tmp_path / f"srv{len(started)}")
        started.append(server)
        return server.start()

    yield start
    for s in started:
        s.stop()


def wait_broadcasts_out(redis_client) -> None:
    """Wait until every change made so far has been broadcast and its tick is over.

    No room is left in the changed set (a tick took them), and the tick lock is free:
    the tick that took them has emitted and held the lock its period after (see
    lua/take_changed.lua, lua/finish_tick.lua). A screen that watches now gets the
    `watch` answer first, not a broadcast of older changes.
    """
    def quiet() -> bool:
        pipe = redis_client.pipeline(transaction=True)
        pipe.exists(keys.CHANGED)
        pipe.exists(keys.LIVE_LOCK)
        return not any(pipe.execute())

    wait_for(quiet, timeout=10, interval=0.02, what="the pending broadcasts to go out")


def http(server: ServerProcess) -> Api:
    return Api(requests.Session(), base=server.url)


def marathon_with(server: ServerProcess, participants: int = 10, **reg: Any,
                  ) -> tuple[str, list[str]]:
    """Register a marathon running now on `server`; return its id and participants' tokens."""
    api = http(server)
    m = api.make_marathon(**reg)
    tokens = [api.join(m["join_code"], nickname=f"Zoë {i}")["token"]
              for i in range(participants)]
    return m["id"], tokens


def post_actions(server: ServerProcess, mid: str, tokens: list[str], n: int, *,
                 workers: int = 8, per_second: float | None = None) -> list[dict]:
    """Log `n` actions over HTTP, as fast as possible or at `per_second`; return answers."""
    local = threading.local()
    start = time.monotonic()

    def one(i: int) -> dict:
        if per_second:  # pacing the load, not waiting for anything
            time.sleep(max(0.0, start + i / per_second - time.monotonic()))
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        r = session.post(f"{server.url}/api/v1/marathons/{mid}/actions",
                         json=action(case_id=CASES[i % len(CASES)]),
                         headers=auth(tokens[i % len(tokens)]), timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


def store_totals(server: ServerProcess, mid: str) -> dict[str, Any]:
    return http(server).marathon(mid)["snapshot"]


def same_numbers(a: dict[str, Any], b: dict[str, Any]) -> bool:
    fields = ("seq", "total", "by_kind", "by_case", "hourly", "participants", "top")
    return all(a[f] == b[f] for f in fields)


def broadcast_gaps(screen: Screen) -> list[int]:
    """Gaps (ms) between the broadcasts a screen received, by their `server_time`.

    The server stamps a snapshot when its tick starts, so these gaps show the server's
    pace whatever delays the client's own process adds on a busy machine. The first
    snapshot is the answer to `watch`, not a broadcast.
    """
    stamps = [s["server_time"] for _, s in screen.snapshots[1:]]
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def assert_paced(screen: Screen, started: float) -> None:
    """At most LIVE_MAX_HZ snapshots a second (plus the watch answer and one partial
    second), never two broadcasts closer than 1/LIVE_MAX_HZ (1 ms rounding), and seq
    never going backwards."""
    times = [t for t, _ in screen.snapshots]
    seconds = times[-1] - started
    assert len(times) <= HZ * seconds + 2, (len(times), seconds)
    assert min(broadcast_gaps(screen)) >= 1000 / HZ - 1, broadcast_gaps(screen)
    seqs = [x["seq"] for _, x in screen.snapshots]
    assert seqs == sorted(seqs)


# ---------------------------------------------------------------- in process


FIRST_NAMES = ["Zoë", "Léa M.", "Camille", "Noé (4e B)", "Inès", "Jules R.", "Chloé", "Maël"]


def busy_marathon(api, title: str, nickname, hours: int = 24) -> dict[str, Any]:
    """A marathon with 500 participants, 600 actions over kinds and cases."""
    m = api.make_marathon(title=title, duration_hours=hours, goal=5000)
    tokens = [api.join(m["join_code"], nickname=nickname(i))["token"] for i in range(500)]
    for i in range(600):
        r = api.log(m["id"], tokens[i * 7 % 500], case_id=CASES[i % len(CASES)],
                    kind=("letter", "card", "email")[i % 3])
        assert r.status_code == 201
    return m


def test_marathon_snapshot_stays_under_2kb_with_500_participants(api, store):
    m = busy_marathon(api, "Marathon des lettres — Lycée Victor Hugo",
                      lambda i: f"{FIRST_NAMES[i % 8]} {i}")
    snap = marathon_snapshot(store, m["id"], int(time.time() * 1000))
    assert snap["participants"] == 500 and snap["total"] == 600
    assert len(snap["top"]) == 10 and len(snap["recent"]) == 10 and len(snap["hourly"]) == 24
    assert wire_size(snap) <= 2048, wire_size(snap)


def test_marathon_snapshot_with_longest_names_stays_under_3kb(api, store):
    # Every nickname at its 32-character maximum and a 120-character title: the
    # worst case, not a real hall.
    m = busy_marathon(api, "É" * 120, lambda i: f"Écrivain·e très très motivé {i:04d}"[:32])
    snap = marathon_snapshot(store, m["id"], int(time.time() * 1000))
    assert wire_size(snap) <= 3072, wire_size(snap)


def test_edition_snapshot_sums_marathons_and_ranks_them(api, store):
    made = []
    for i, n in enumerate((5, 12, 3)):
        m = api.make_marathon(group={"name": f"Groupe {i}", "type": "school", "city": "Lyon",
                                     "region": "Auvergne-Rhône-Alpes", "country": "FR"})
        p = api.join(m["join_code"])
        for _ in range(n):
            assert api.log(m["id"], p["token"]).status_code == 201
        made.append(m["id"])
    later = api.make_marathon(starts_at=iso(now() + timedelta(hours=5)))
    snap = edition_snapshot(store, "example", int(time.time() * 1000))
    assert snap["total"] == 20 and snap["by_kind"]["letter"] == 20
    assert snap["by_case"][CASES[0]] == 20
    assert snap["marathons"] == 4 and snap["running"] == 3
    assert [row["id"] for row in snap["top"]["total"]] == [made[1], made[0], made[2]]
    assert snap["top"]["total"][0] == {"id": made[1], "name": "Groupe 1", "city": "Lyon",
                                       "total": 12}
    assert snap["top"]["per_participant"][0]["per_participant"] == 12.0
    assert later["id"] not in [row["id"] for row in snap["top"]["total"]]
    # A watcher reads the seq; only a broadcast advances it.
    again = edition_snapshot(store, "example", int(time.time() * 1000), bump=True)
    assert again["seq"] == snap["seq"] + 1


def test_edition_snapshot_with_forty_ranked_marathons_stays_small(api, store):
    for i in range(40):
        m = api.make_marathon(group={"name": f"Lycée général Victor Hugo n°{i}",
                                     "type": "school", "city": "Besançon",
                                     "region": "Bourgogne-Franche-Comté", "country": "FR"})
        p = api.join(m["join_code"])
        api.log(m["id"], p["token"], count=1 + i)
    snap = edition_snapshot(store, "example", int(time.time() * 1000))
    assert len(snap["top"]["total"]) == 20 and len(snap["top"]["per_participant"]) == 20
    # Two rankings of 20 named marathons cannot fit in 2 KB (~100 bytes a row);
    # 5 KB is the bound we keep for the edition room (a few national screens).
    assert wire_size(snap) <= 5120, wire_size(snap)


def test_one_taker_per_tick_however_many_race(store, redis_client):
    redis_client.sadd("live:changed", "m:a", "e:b")
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def take(i: int) -> None:
        barrier.wait()
        results.append(store.take_changed(f"proc{i}", 2000))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [rooms for rooms, _ in results if rooms is not None]
    assert len(winners) == 1
    assert sorted(winners[0]) == ["e:b", "m:a"]
    assert all(0 < wait <= 2000 for rooms, wait in results if rooms is None)
    assert not redis_client.exists("live:changed")


def test_lock_is_held_a_period_after_an_emit_and_freed_after_an_empty_tick(store):
    rooms, _ = store.take_changed("a", 2000)
    assert rooms == []
    assert store.finish_tick("a", 0)
    rooms, _ = store.take_changed("b", 2000)
    assert rooms == []
    assert store.finish_tick("b", 250)
    rooms, wait = store.take_changed("a", 2000)
    assert rooms is None and 0 < wait <= 250
    assert not store.finish_tick("a", 250)  # not its lock
    # Freed once its 250 ms are up: within 0.3 s from here, as when this slept 0.3 s.
    wait_for(lambda: store.take_changed("a", 2000)[0] == [], timeout=0.3, interval=0.01,
             what="the lock to free after its 250 ms")


def test_a_long_tick_does_not_lengthen_the_wait_before_the_next(api, store, redis_client):
    """The lock is held until a period after the take, not a period after the emits:
    a tick that took 150 ms of a 250 ms period leaves at most 100 ms to wait."""
    m = api.make_marathon()
    room = f"m:{m['id']}"

    class SlowBroadcaster(Broadcaster):
        def build(self, rooms, now):
            time.sleep(0.15)  # a busy process, or a tick of many rooms
            return super().build(rooms, now)

    b = SlowBroadcaster(store, server_socketio, 4)
    redis_client.delete(keys.LIVE_LOCK)
    redis_client.sadd(keys.CHANGED, room)
    wait = b.tick()
    assert 0 < wait <= 0.101
    assert 0 < redis_client.pttl(keys.LIVE_LOCK) <= 100  # still one tick per period
    redis_client.sadd(keys.CHANGED, room)
    assert 0 < b.tick() <= 0.101  # held: try again when it frees, not a period later
    assert redis_client.sismember(keys.CHANGED, room)


def test_milestone_rides_once_on_the_snapshot_that_passes_it(api, store):
    m = api.make_marathon(goal=150)
    p = api.join(m["join_code"])
    b = Broadcaster(store, server_socketio, HZ)
    now = int(time.time() * 1000)
    room = f"m:{m['id']}"

    def log(n: int) -> list[str]:
        return [api.log(m["id"], p["token"]).get_json()["action"]["client_id"]
                for _ in range(n)]

    assert b.build({room}, now)[room]["milestone"] is None
    log(99)
    assert b.build({room}, now)[room]["milestone"] is None
    last = log(1)
    built = b.build({room}, now)
    assert built[room]["milestone"] == 100
    assert built["e:example"]["recent"][0]["milestone"] == 100
    assert built["e:example"]["recent"][0]["marathon"] == m["id"]
    # An undo and a new action pass 100 again: no second celebration.
    assert api.undo(m["id"], p["token"], last[0]).status_code == 200
    assert b.build({room}, now)[room]["milestone"] is None
    log(1)
    assert b.build({room}, now)[room]["milestone"] is None
    # Passing 200 and the goal (150) in one tick celebrates the highest.
    log(100)
    assert b.build({room}, now)[room]["milestone"] == 200


# ---------------------------------------------------------------- real servers


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_watch_answers_with_a_snapshot_or_a_clear_error(servers, screens, async_mode):
    server = servers(async_mode)
    mid, _ = marathon_with(server, participants=2)
    screen = screens(server.url).watch(marathon=mid)
    first = screen.wait(lambda s: s.last(), what="the first snapshot")
    assert same_numbers(first, store_totals(server, mid))
    assert first["participants"] == 2 and first["total"] == 0

    screen.watch(marathon="no-such-marathon")
    screen.watch(edition="no-such-edition")
    screen.watch(room="m:whatever")
    screen.watch(marathon="../../etc")
    screen.wait(lambda s: len(s.errors) >= 4, what="four errors")
    # Events are handled concurrently: compare without order.
    assert sorted((e["code"], e["message"]) for e in screen.errors) == [
        ("bad_request", 'Send {"marathon": "<id>"} or {"edition": "<id>"} to watch a room.'),
        ("bad_request", 'Send {"marathon": "<id>"} or {"edition": "<id>"} to watch a room.'),
        ("not_found", "There is no edition with this id."),
        ("not_found", "There is no marathon with this id."),
    ]

    ed = screens(server.url).watch(edition="example")
    snap = ed.wait(lambda s: s.last(), what="the edition snapshot")
    assert snap["edition"] == "example" and snap["marathons"] == 1


def test_a_connection_may_watch_ten_rooms(servers, screens):
    server = servers()
    ids = [marathon_with(server, participants=0)[0] for _ in range(11)]
    screen = screens(server.url)
    for mid in ids:
        screen.watch(marathon=mid)
    screen.wait(lambda s: len(s.snapshots) >= 10 and s.errors, what="10 rooms then an error")
    assert [e["code"] for e in screen.errors] == ["too_many_rooms"]
    # Leaving a room frees its place: the eleventh is watched now.
    screen.sio.call("unwatch", {"marathon": ids[0]}, namespace="/live", timeout=10)
    screen.watch(marathon=ids[10])
    screen.wait(lambda s: any(snap["marathon"] == ids[10] for _, snap in s.snapshots),
                what="the eleventh room's snapshot")
    for _ in range(30):
        screen.watch(marathon=ids[0])
    screen.wait(lambda s: any(e["code"] == "rate_limited" for e in s.errors),
                what="rate_limited")


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_thousand_actions_arrive_as_few_coalesced_snapshots(servers, screens, async_mode,
                                                             redis_client):
    server = servers(async_mode)
    mid, tokens = marathon_with(server)
    wait_broadcasts_out(redis_client)  # the joins' own: the first snapshot answers watch
    screen = screens(server.url).watch(marathon=mid)
    screen.wait(lambda s: s.last(), what="the first snapshot")
    started = screen.snapshots[0][0]

    answers = post_actions(server, mid, tokens, 1000)
    assert max(a["seq"] for a in answers) == 1000
    truth = store_totals(server, mid)
    last = screen.wait_total(1000)
    # Proves a negative, so a fixed wait: 1 s (4 ticks at HZ) for any late or extra
    # snapshot to show up and break (a) or (b).
    time.sleep(1.0)

    # (a) the snapshot that reached 1000 is the store's totals exactly, and so is every
    # one after it: a tick may take a change whose numbers the previous tick already
    # showed and send them again (the same numbers, a later server_time), never others.
    assert same_numbers(last, truth)
    after = [snap for _, snap in screen.snapshots if snap["total"] == 1000]
    assert after and all(same_numbers(snap, truth) for snap in after)
    assert screen.last() in after
    # (b) at most LIVE_MAX_HZ per second, (c) seq never goes backwards
    assert_paced(screen, started)


@pytest.mark.slow
@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_two_processes_share_rooms_and_the_rate_limit(servers, screens, async_mode,
                                                      redis_client):
    a, b = servers(async_mode), servers(async_mode)
    mid, tokens = marathon_with(b)
    wait_broadcasts_out(redis_client)  # the joins' own: the first snapshot answers watch
    on_a = screens(a.url).watch(marathon=mid)
    on_b = screens(b.url).watch(marathon=mid)
    for s in (on_a, on_b):
        s.wait(lambda s: s.last(), what="the first snapshot")
    started = time.monotonic()

    # Spread over ~3 s, so that every tick has news and two broadcasting processes
    # would show as twice the rate.
    post_actions(b, mid, tokens, 1000, per_second=330)
    truth = store_totals(a, mid)
    for s in (on_a, on_b):
        assert same_numbers(s.wait_total(1000), truth)
    # Proves a negative, so a fixed wait: 1 s (4 ticks at HZ) for a second broadcaster's
    # extra snapshots, were there one, to arrive before they are counted.
    time.sleep(1.0)

    for s in (on_a, on_b):
        assert_paced(s, started)
    # One broadcaster per tick: both screens got the same stream of snapshots, and each
    # milestone passed (100, 200, ... 1000) was celebrated at most once.
    stream_a = [x["seq"] for _, x in on_a.snapshots[1:]]
    stream_b = [x["seq"] for _, x in on_b.snapshots[1:]]
    assert stream_a == stream_b
    fired = [x["milestone"] for _, x in on_a.snapshots if x["milestone"]]
    assert fired == sorted(set(fired)) and fired[-1] == 1000
    assert fired == [x["milestone"] for _, x in on_b.snapshots if x["milestone"]]


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_reconnected_screen_gets_the_missed_actions_in_its_first_snapshot(
        servers, screens, async_mode, redis_client):
    server = servers(async_mode)
    mid, tokens = marathon_with(server)
    post_actions(server, mid, tokens, 20)
    screen = screens(server.url).watch(marathon=mid)
    screen.wait_total(20)
    screen.close()

    post_actions(server, mid, tokens, 100)
    wait_broadcasts_out(redis_client)  # those 100 were broadcast to nobody

    again = screens(server.url).watch(marathon=mid)
    first = again.wait(lambda s: s.last(), what="the first snapshot after reconnecting")
    assert first["total"] == 120
    assert same_numbers(first, store_totals(server, mid))


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_edition_room_reflects_actions_from_three_marathons(servers, screens, async_mode):
    server = servers(async_mode)
    made = [marathon_with(server, participants=3) for _ in range(3)]
    screen = screens(server.url).watch(edition="example")
    first = screen.wait(lambda s: s.last(), what="the edition snapshot")
    assert first["total"] == 0 and first["marathons"] == 3 and first["running"] == 3

    for (mid, tokens), n in zip(made, (30, 50, 20), strict=True):
        post_actions(server, mid, tokens, n)
    last = screen.wait_total(100)
    assert last["by_kind"]["letter"] == 100
    assert sum(last["by_case"].values()) == 100
    assert [(row["id"], row["total"]) for row in last["top"]["total"]] == [
        (made[1][0], 50), (made[0][0], 30), (made[2][0], 20)]
    seqs = [s["seq"] for _, s in screen.snapshots]
    assert seqs == sorted(seqs) and seqs[-1] > seqs[0]
    assert last["milestone"] == 100  # the edition passed its first hundred


@pytest.mark.slow
@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_broadcaster_survives_redis_going_away_and_recovers(tmp_path, screens, async_mode):
    redis_own = RedisProcess(tmp_path / "redis", aof=True).start()
    server = ServerProcess(redis_own.url, async_mode=async_mode,
                           env={"LIVE_MAX_HZ": str(HZ)}, instance=tmp_path / "srv").start()
    try:
        mid, tokens = marathon_with(server)
        screen = screens(server.url).watch(marathon=mid)
        post_actions(server, mid, tokens, 10)
        screen.wait_total(10)

        redis_own.kill()
        # The watching socket is told at once, without asking (no /healthz poll).
        screen.wait(lambda s: s.health == [{"redis": False}], timeout=5,
                    what="health {redis: false}")
        # Proves a negative (the process does not die), so a fixed wait: 3 s of Redis
        # gone, about three failed ticks of the broadcaster (it retries every second).
        time.sleep(3)
        assert server.proc.poll() is None
        assert screen.health == [{"redis": False}]  # told once, not on every failed tick
        redis_own.start()
        screen.wait(lambda s: s.health == [{"redis": False}, {"redis": True}], timeout=10,
                    what="health {redis: true}")

        # Actions logged after the outage reach the screen with no help.
        sent, deadline = 10, time.monotonic() + 20
        while sent < 15 and time.monotonic() < deadline:
            if http(server).log(mid, tokens[sent % len(tokens)]).status_code == 201:
                sent += 1
            else:
                time.sleep(0.2)  # retry pause: 503 while Redis loads its data again
        assert sent == 15
        assert same_numbers(screen.wait_total(15), store_totals(server, mid))
        # The next tick after recovery says so.
        wait_for(lambda: "live broadcaster: Redis is back" in server.log_path.read_text(),
                 timeout=5, interval=0.1, what="the broadcaster to log that Redis is back")
        assert server.log_path.read_text().count("live broadcaster: Redis unavailable") == 1
    finally:
        server.stop()
        redis_own.stop()


@pytest.mark.slow
@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_green_server_holds_3000_open_sockets(servers, async_mode):
    # Every socket comes from 127.0.0.1 here: the per-address cap is off, the pool is
    # what this measures (tests/faults/test_slow_connections.py tests the cap).
    server = servers(async_mode, WSGI_MAX_CONNECTIONS="5000", MAX_CONNECTIONS_PER_ADDRESS="0")
    held = []
    try:
        for _ in range(3100):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            held.append(s)
        # eventlet's default pool (1,024), or too small a gevent pool, would leave this
        # request queued behind them.
        r = requests.get(server.url + "/healthz", timeout=10)
        assert r.status_code == 200
    finally:
        for s in held:
            s.close()


def test_screens_leaving_leave_no_error_in_the_server_log(servers, screens, async_mode):
    """A closed websocket ends its connection: the server does not read the screen's last
    frames as a new HTTP request (gevent's pywsgi did: "Invalid HTTP method")."""
    server = servers(async_mode)
    mid, _ = marathon_with(server, participants=1)
    for _ in range(3):
        screen = screens(server.url).watch(marathon=mid)
        screen.wait(lambda s: s.last(), what="the first snapshot")
        screen.close()
    # Proves a negative, so a fixed wait: 1 s for the last frames of the screens that
    # left to reach the server and be (mis)read.
    time.sleep(1.0)
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    log = server.log_path.read_text()
    assert "Invalid HTTP method" not in log and "Traceback" not in log, log


def test_a_stopping_server_drops_websockets_without_writing_http_into_them(servers,
                                                                          async_mode):
    """What a screen reads when its server stops is the end of the stream, not an HTTP
    error response in the middle of websocket frames (gevent's pywsgi wrote a 500)."""
    server = servers(async_mode)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    try:
        assert ws.recv().startswith("0{")  # Engine.IO's open packet
        server.stop()
        try:
            last = ws.recv()
        except websocket.WebSocketConnectionClosedException:
            last = ""
        assert last == "" and not ws.connected
    finally:
        ws.shutdown()  # close() does nothing once the peer has gone, not even the socket


@pytest.mark.parametrize("mode", ["gevnt", "asyncio"])
def test_an_unknown_async_mode_stops_the_server_with_a_clear_error(tmp_path, mode):
    server = ServerProcess(None, async_mode=mode, instance=tmp_path / "srv")
    done = subprocess.run([sys.executable, str(server.entry), "--port", str(server.port)],
                          env=server.env(), cwd=server.entry.parent, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip() == (f"error: ASYNC_MODE={mode!r} is not a server this app "
                                   "knows: use one of eventlet, threading, gevent")


def test_phones_get_the_total_not_the_big_screen_snapshot(servers, screens, async_mode):
    """A phone watches {marathon, view: phone}: the same seq and total as the screen, in a
    message a fraction of the size (issue 17)."""
    server = servers(async_mode)
    mid, tokens = marathon_with(server, participants=3)
    screen = screens(server.url).watch(marathon=mid)
    phone = screens(server.url).watch(marathon=mid, view="phone")
    first = phone.wait(lambda s: s.last(), what="the phone's first snapshot")
    assert set(first) == {"marathon", "seq", "epoch", "total", "status", "starts_at",
                          "ends_at", "server_time"}
    post_actions(server, mid, tokens, 9)
    on_phone = phone.wait_total(9)
    on_screen = screen.wait_total(9)
    assert on_phone["seq"] == on_screen["seq"] and on_phone["epoch"] == on_screen["epoch"]
    assert wire_size(on_phone) * 3 < wire_size(on_screen)
    phone.watch(marathon=mid, view="projector")
    phone.wait(lambda s: s.errors, what="an error for an unknown view")
    assert phone.errors[0]["code"] == "bad_request"


def test_an_edit_moves_the_options_version_on_the_live_snapshot(servers, screens):
    server = servers()
    api = http(server)
    m = api.make_marathon()
    screen = screens(server.url).watch(marathon=m["id"])
    before = screen.wait(lambda s: s.last(), what="the first snapshot")["options_version"]
    r = requests.patch(f"{server.url}/api/v1/marathons/{m['id']}",
                       json={"options": {"theme": "light"}}, headers=auth(m["host_token"]),
                       timeout=10)
    assert r.status_code == 200
    screen.wait(lambda s: s.last()["options_version"] == before + 1,
                what="the options version to move")


def test_healthz_costs_redis_at_most_one_ping_a_second(servers, redis_proc):
    # Hundreds of screens' heartbeats per process: one PONG answers them for a second.
    server = servers()
    client = redis_proc.client()
    requests.get(server.url + "/healthz", timeout=5)  # reads the persistence once
    before = client.info("commandstats")
    started = time.monotonic()
    for _ in range(20):
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    seconds = time.monotonic() - started
    after = client.info("commandstats")
    calls = {k: after[k]["calls"] - before.get(k, {"calls": 0})["calls"] for k in after}
    # (redis-py's own health checks may add a PING per connection every 15 s)
    assert calls.get("cmdstat_ping", 0) <= seconds + 3
    assert calls.get("cmdstat_info", 0) <= 2 and calls.get("cmdstat_config|get", 0) <= 2


def test_marathon_snapshot_with_thirty_teams_stays_under_2kb(api, store):
    # Issue 18: the team board travels in the marathon's snapshot. Thirty classes of a
    # school ("6e A" … "Terminale B"-like names) on the 500-participant marathon above.
    m = busy_marathon(api, "Marathon des lettres — Lycée Victor Hugo",
                      lambda i: f"{FIRST_NAMES[i % 8]} {i}")
    teams = [api.make_team(m["id"], m["host_token"], f"Classe {i + 1:02d}")["id"]
             for i in range(30)]
    for i in range(60):
        p = api.join(m["join_code"], nickname=f"Élève {i}", team_id=teams[i % 30])
        for _ in range(1 + i % 3):
            assert api.log(m["id"], p["token"]).status_code == 201
    snap = marathon_snapshot(store, m["id"], int(time.time() * 1000))
    assert len(snap["teams"]) == 30
    assert sum(t["participants"] for t in snap["teams"]) == 60
    assert [t["total"] for t in snap["teams"]] == sorted(
        (t["total"] for t in snap["teams"]), reverse=True)
    # With the board inside, the snapshot is about twice 2 KB: the board is sent as its
    # own `teams` event, and each message stays under 2 KB.
    shown, teams = split_teams(snap)
    print(f"\n[30 teams] snapshot with the board {wire_size(snap)} B; the snapshot event "
          f"{wire_size(shown)} B, the teams event {wire_size(teams)} B, the phones' "
          f"{wire_size(phone_view(snap))} B")
    assert wire_size(snap) > 2048
    assert wire_size(shown) <= 2048, wire_size(shown)
    assert wire_size(teams) <= 2048, wire_size(teams)
    assert wire_size(phone_view(snap)) <= 1024
