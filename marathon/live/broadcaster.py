"""The broadcaster: one full snapshot per changed room per tick, across all server processes.

The log path publishes nothing: its Lua script only adds the marathon's and the
edition's rooms to the changed set. Every server process runs a broadcaster; on each
tick one of them takes the changed set atomically under a Redis lease
(``lua/take_changed.lua``), reads every changed room's data in one round trip
(`Store.read_tick`), builds one snapshot per room and emits it to the room.
Flask-SocketIO's Redis message queue carries the emits to every process, a tick's in
one round trip (`queue.TickQueue`), and each delivers them to its own clients, encoded
once per room.

When Redis goes away or comes back, each process's broadcaster says so to its own
sockets (`health` {redis: bool}): the screens' "live" needs no polling.

After emitting, the broadcaster holds the lease until one period after it took the tick
(``lua/finish_tick.lua``), so ticks start at least ``1 / LIVE_MAX_HZ`` apart and a room
gets at most one snapshot per tick, however many actions arrive and however many
processes run; a long tick does not lengthen the wait before the next.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections import defaultdict
from typing import Any

from flask_socketio import SocketIO

from ..domain import now_ms
from ..domain.progress import milestones_between
from ..store import NotFound, Store, StoreUnavailable
from ..store.keys import edition_room, marathon_room, phone_room
from ..store.live import EDITION_RECENT
from .snapshots import marathon_names, phone_view, shape_edition, shape_marathon, split_teams

log = logging.getLogger(__name__)

# Long enough to build a tick's snapshots; if the process dies mid-tick, another one
# takes over after this.
LEASE_MS = 2000
# How long to wait before trying again after Redis failed.
RETRY_SECONDS = 1.0


class Broadcaster:
    """Emit a snapshot to every room whose numbers changed, at most `hz` times a second."""

    def __init__(self, store: Store, socketio: SocketIO, hz: float,
                 namespace: str = "/live") -> None:
        self.namespace = namespace
        self.store = store
        self.socketio = socketio
        self.period = 1.0 / hz
        self.token = secrets.token_hex(8)
        # Rooms taken from Redis whose snapshots could not be sent (Redis failed
        # half-way): sent with the next tick this process takes.
        self.pending: set[str] = set()
        self.down = False

    def run(self) -> None:
        """Tick forever (the background task); nothing, not even Redis down, stops it."""
        log.info("live broadcaster started (%.1f Hz, token %s)", 1 / self.period, self.token)
        while True:
            try:
                wait = self.tick()
            except Exception:  # a bug must not silence every screen: log and keep going
                log.exception("live broadcaster tick failed")
                wait = RETRY_SECONDS
            self.socketio.sleep(wait)

    def tick(self, now: int | None = None) -> float:
        """Take the changed rooms and emit their snapshots; return seconds until the next try."""
        try:
            rooms, wait_ms = self.store.take_changed(self.token, LEASE_MS)
            took = time.monotonic()  # when the snapshots' server_time is stamped
            if rooms is None:
                self._up()
                # Another process has this tick: try again when its lock frees.
                return min(wait_ms / 1000, self.period) + 0.001
            rooms = set(rooms) | self.pending
            self.pending = set()
            try:
                payloads = self.build(rooms, now or now_ms())
            except StoreUnavailable:
                self.pending = rooms
                raise
            # The other processes get the tick's emits in one round trip (TickQueue).
            with self.socketio.server.manager.batch():
                for room, snapshot in payloads.items():
                    shown, teams = split_teams(snapshot)
                    self.socketio.emit("snapshot", shown, to=room, namespace=self.namespace)
                    if teams:  # the team board, on its own (see `split_teams`)
                        self.socketio.emit("teams", teams, to=room, namespace=self.namespace)
                    if room.startswith("m:"):  # and its phones get the part they read
                        self.socketio.emit("snapshot", phone_view(snapshot),
                                           to=phone_room(room[2:]), namespace=self.namespace)
            # Hold the lock until a period after the take, so that ticks (and their
            # snapshots' server_time) are at least a period apart; the time this one
            # took is not added to the wait before the next.
            hold = 0
            if payloads:
                hold = max(0, math.ceil((self.period - (time.monotonic() - took)) * 1000))
            self.store.finish_tick(self.token, hold)
        except StoreUnavailable as exc:
            self._down(exc)
            return RETRY_SECONDS
        self._up()
        return (hold / 1000 if payloads else self.period) + 0.001

    def build(self, rooms: set[str], now: int) -> dict[str, dict[str, Any]]:
        """Build the snapshots of `rooms`, with milestones passed since the last broadcast.

        One round trip reads them all (`Store.read_tick`); another, rare, keeps
        the marathons that passed a milestone for their edition's ticker.
        """
        mids = sorted(r[2:] for r in rooms if r.startswith("m:"))
        eids = {r[2:] for r in rooms if r.startswith("e:")}
        # A marathon's milestone also goes to its edition's ticker, so read that too.
        eids = sorted(eids | {self.store.edition_of(m) for m in mids})
        data = self.store.read_tick(mids, eids, now)
        out: dict[str, dict[str, Any]] = {}
        passed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for mid, marathon in data.marathons.items():
            room = marathon_room(mid)
            snap = shape_marathon(self.store, mid, now, marathon)
            snap["milestone"] = self._milestone(data.marks[room], snap["goal"])
            # Only a verified marathon's milestones go to its edition's ticker.
            if snap["milestone"] and marathon.meta["state"] == "verified":
                passed[self.store.edition_of(mid)].append(
                    {"marathon": mid, "milestone": snap["milestone"], "at": now})
            out[room] = snap
        for eid, records in passed.items():
            names = marathon_names(self.store, [r["marathon"] for r in records])
            for r in records:
                r.update(names.get(r["marathon"], {}))
            self.store.record_milestones(eid, records)
        for eid, ed in data.editions.items():
            # The milestones just recorded are newer than what the read found.
            ed.milestones = (passed.get(eid, [])[::-1] + ed.milestones)[:EDITION_RECENT]
            try:
                snap = shape_edition(self.store, eid, now, ed)
            except NotFound:
                continue
            room = edition_room(eid)
            snap["milestone"] = self._milestone(data.marks[room], None)
            out[room] = snap
        return out

    @staticmethod
    def _milestone(mark: tuple[int, int], goal: int | None) -> int | None:
        before, total = mark
        return milestones_between(before, total, goal)

    def _down(self, exc: Exception) -> None:
        if not self.down:
            log.warning("live broadcaster: Redis unavailable (%s); retrying every %.0f s",
                        exc, RETRY_SECONDS)
            self._tell_health(False)
        self.down = True

    def _up(self) -> None:
        if self.down:
            log.warning("live broadcaster: Redis is back")
            self._tell_health(True)
        self.down = False

    def _tell_health(self, up: bool) -> None:
        """Tell this process's own sockets that Redis went away or came back.

        Every process's broadcaster tries Redis several times a second, so it knows at
        once; the screens learn it from their socket instead of polling /healthz. The
        emit skips the message queue: it lives in Redis, and each process speaks for
        itself.
        """
        self.socketio.emit("health", {"redis": up}, namespace=self.namespace,
                           ignore_queue=True)
