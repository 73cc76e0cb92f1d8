"""The /live namespace: who emits what, and what is sent back.

A screen connects to ``/live`` and emits ``watch`` with ``{"marathon": id}`` or
``{"edition": id}``. It joins the room ``m:<id>`` or ``e:<id>`` and gets a full
``snapshot`` at once; after that the broadcaster (``broadcaster.py``) emits a fresh
``snapshot`` to the room whenever its numbers change, at most ``LIVE_MAX_HZ`` times a
second. A marathon with teams also sends its team board as ``teams`` right after each
of its snapshots (`snapshots.split_teams`). Anything wrong is answered with ``error``
``{"code", "message"}``, never with silence. Snapshot shapes: ``snapshots.py``.
Every connected socket also gets ``health`` ``{"redis": false}`` when its server loses
Redis and ``{"redis": true}`` when it is back, so a page knows its numbers are stale
without polling ``/healthz``.

No room's message carries the join code: it is a secret of the room. The projector
link's page asks for it with ``screen`` (its screen key), and gets it as ``join``, on
its own connection only (`on_screen`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext
from flask_socketio import Namespace, emit, join_room, leave_room

from .. import domain
from ..domain import now_ms
from ..store import NotFound, Store, StoreUnavailable
from ..store.keys import edition_room, marathon_room, phone_room
from .snapshots import edition_snapshot, marathon_snapshot, phone_snapshot, split_teams

NAMESPACE = "/live"

# Abuse limits per connection: a screen watches one room, a dashboard a few.
MAX_ROOMS = 10
MAX_WATCHES_PER_MINUTE = 30
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class LiveError(Exception):
    """A `watch` that cannot be served; sent to the client as an `error` event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class WatchBudget:
    """Count each connection's `watch` and `screen` events in one-minute windows, and
    keep the rooms it watches and the marathons it is the projector of.

    Socket.IO can list a client's rooms (`flask_socketio.rooms`), but only by scanning
    every room of the namespace, one per connected client among them: with thousands of
    screens and phones per process that made each `watch` cost as much as all the
    others, the largest share of a campaign day's CPU (bench/campaign.py, profiled).
    """

    def __init__(self, per_minute: int = MAX_WATCHES_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}
        self._rooms: dict[str, set[str]] = {}
        self._projectors: dict[str, set[str]] = {}

    def rooms(self, sid: str) -> set[str]:
        """The rooms `sid` watches (a live set: add to it when it joins one)."""
        return self._rooms.setdefault(sid, set())

    def projects(self, sid: str) -> set[str]:
        """The marathons whose projector `sid` is: it gave their screen key (a live set)."""
        return self._projectors.setdefault(sid, set())

    def allow(self, sid: str) -> bool:
        clock = time.monotonic()
        start, count = self._windows.get(sid, (clock, 0))
        if clock - start >= 60:
            start, count = clock, 0
        self._windows[sid] = (start, count + 1)
        return count < self.per_minute

    def forget(self, sid: str) -> None:
        self._windows.pop(sid, None)
        self._rooms.pop(sid, None)
        self._projectors.pop(sid, None)


class LiveNamespace(Namespace):
    """The /live namespace: screens watch rooms; the broadcaster feeds them."""

    def on_watch(self, data: Any = None) -> None:
        """A screen emits `watch` {"marathon": id} or {"edition": id}.

        The server joins it to that room and emits `snapshot` (the full snapshot) to it
        at once, then `teams` for a marathon with teams; later ones come from the
        broadcaster. A bad or unknown id, too many rooms or too many watches get `error`
        {code, message} instead.
        """
        try:
            snapshot, teams = split_teams(watch(request.sid, data))
        except LiveError as err:
            emit("error", err.as_dict(), ignore_queue=True)
        else:
            emit("snapshot", snapshot, ignore_queue=True)
            if teams:
                emit("teams", teams, ignore_queue=True)

    def on_screen(self, data: Any = None) -> None:
        """A projector link's page emits `screen` {"marathon": id, "key": screen key}
        once connected, and again when a snapshot's `code_version` moved.

        The server emits `join` {"marathon", "code", "key", "code_version"} to this
        connection only (the page then draws the QR code from ``/m/<id>/qr.svg`` with
        that key: an HTTP request sees the address the proxy was asked for). A key that
        matches makes the connection the marathon's projector for its life, so its
        later questions are answered whatever key they carry: an open projector follows
        a new join code (and gets the new key for its address), while a copy of the old
        link, on a connection of its own, shows nothing. Any other connection gets `error`
        {"code": "screen_key", ...}; too many requests `error` {"code": "rate_limited"}.
        """
        try:
            answer = projector(request.sid, data)
        except LiveError as err:
            emit("error", err.as_dict(), ignore_queue=True)
        else:
            emit("join", answer, ignore_queue=True)

    def on_unwatch(self, data: Any = None) -> None:
        """A screen emits `unwatch` {"marathon": id} or {"edition": id}; nothing is sent back."""
        try:
            room, _, _ = target(data)
        except LiveError:
            return
        leave_room(room)
        current_app.extensions["live"]["budget"].rooms(request.sid).discard(room)

    def on_disconnect(self, reason: Any = None) -> None:
        """The client went away: forget its watch budget and rooms (Socket.IO drops its
        rooms)."""
        current_app.extensions["live"]["budget"].forget(request.sid)


Builder = Callable[[Store, str, int], dict[str, Any]]


def target(data: Any) -> tuple[str, str, Builder]:
    """Return the room, id and snapshot builder a `watch` payload names.

    ``{"marathon": id, "view": "phone"}`` is a phone's watch: the room ``p:<id>`` gets
    only what the log page reads (`snapshots.phone_view`).
    """
    if isinstance(data, dict) and data.get("view") == "phone" and len(data) == 2:
        ident = data.get("marathon")
        if isinstance(ident, str) and ID.match(ident):
            return phone_room(ident), ident, phone_snapshot
    elif isinstance(data, dict) and len(data) == 1:
        (kind, ident), = data.items()
        if kind in ("marathon", "edition") and isinstance(ident, str) and ID.match(ident):
            if kind == "marathon":
                return marathon_room(ident), ident, marathon_snapshot
            return edition_room(ident), ident, edition_snapshot
    raise LiveError("bad_request", gettext(
        'Send {"marathon": "<id>"} or {"edition": "<id>"} to watch a room.'))


def watch(sid: str, data: Any) -> dict[str, Any]:
    """Join `sid` to the room `data` names and return that room's snapshot."""
    room, ident, build = target(data)
    live = current_app.extensions["live"]
    if not live["budget"].allow(sid):
        raise LiveError("rate_limited", gettext(
            "Too many watch requests on this connection: wait a minute."))
    joined = live["budget"].rooms(sid)
    if room not in joined and len(joined) >= MAX_ROOMS:
        raise LiveError("too_many_rooms", gettext(
            "A connection may watch at most %(n)d rooms.", n=MAX_ROOMS))
    # Join before reading, so a change made meanwhile reaches this client too.
    join_room(room)
    joined.add(room)
    try:
        return build(live["store"], ident, now_ms())
    except NotFound as exc:
        leave_room(room)
        joined.discard(room)
        if build is not edition_snapshot:
            message = gettext("There is no marathon with this id.")
        else:
            message = gettext("There is no edition with this id.")
        raise LiveError("not_found", message) from exc
    except StoreUnavailable as exc:
        # Stay in the room: the broadcaster sends a snapshot when Redis is back.
        raise LiveError("unavailable", gettext(
            "Live numbers are unavailable for a moment; they will come back by "
            "themselves.")) from exc


def projector(sid: str, data: Any) -> dict[str, Any]:
    """The join code and screen key of the marathon `sid` is (or becomes) the projector
    of; see `LiveNamespace.on_screen`."""
    ident = data.get("marathon") if isinstance(data, dict) else None
    if (not isinstance(ident, str) or not ID.match(ident)
            or not set(data) <= {"marathon", "key"}):
        raise LiveError("bad_request", gettext(
            'Send {"marathon": "<id>", "key": "<screen key>"} to show the join code.'))
    live = current_app.extensions["live"]
    if not live["budget"].allow(sid):
        raise LiveError("rate_limited", gettext(
            "Too many watch requests on this connection: wait a minute."))
    try:
        meta = live["store"].marathon(ident)
    except NotFound as exc:
        raise LiveError("not_found", gettext("There is no marathon with this id.")) from exc
    except StoreUnavailable as exc:
        raise LiveError("unavailable", gettext(
            "Live numbers are unavailable for a moment; they will come back by "
            "themselves.")) from exc
    projects = live["budget"].projects(sid)
    if domain.screen_key_matches(data.get("key"), meta["screen_key"]):
        projects.add(ident)
    elif ident not in projects:
        raise LiveError("screen_key", gettext(
            "This projector link is out of date: open the new one from the host console "
            "to show the join code."))
    return {"marathon": ident, "code": meta["join_code"], "key": meta["screen_key"],
            "code_version": meta["code_version"]}
