"""Live updates over Socket.IO: the /live namespace and the broadcaster.

A screen connects to ``/live`` and emits ``watch`` (`namespace`); the broadcaster
(`broadcaster`) emits a fresh ``snapshot`` to each room whose numbers changed, at most
``LIVE_MAX_HZ`` times a second; `snapshots` shapes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask

from ..domain import names
from ..extensions import socketio
from .broadcaster import Broadcaster
from .namespace import NAMESPACE, LiveNamespace, WatchBudget
from .queue import TickQueue


class CompactJSON:
    """Socket.IO's JSON codec: orjson, with text as UTF-8 rather than ASCII escapes.

    The standard library escapes every accent to six bytes (``\u00e9``); French
    nicknames and titles would cost a third of a snapshot's 2 KB budget.
    """

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    @staticmethod
    def loads(raw: str | bytes, **_: Any) -> Any:
        return orjson.loads(raw)


def socketio_options(app: Flask) -> dict[str, Any]:
    """Flask-SocketIO's settings: async mode, the Redis message queue, pings, the codec."""
    origins = [o.strip() for o in app.config["SOCKETIO_CORS_ORIGINS"].split(",") if o.strip()]
    return {
        "async_mode": app.config["ASYNC_MODE"],
        # The unix:// scheme would send Flask-SocketIO to kombu: pass the manager ourselves.
        "client_manager": TickQueue(app.config["REDIS_URL"],
                                    channel=app.config["SOCKETIO_CHANNEL"]),
        "cors_allowed_origins": origins or None,
        "ping_interval": 10,
        "ping_timeout": 10,
        "max_http_buffer_size": 16 * 1024,
        # Snapshots are encoded with orjson, accents as UTF-8 (see CompactJSON).
        "json": CompactJSON,
    }


def without_websocket_compression(wsgi_app: Any) -> Any:
    """Hide the client's WebSocket extension offer, so no socket negotiates deflate."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def init_live(app: Flask) -> None:
    """Register the /live handlers and, when LIVE_BROADCAST is on, start the broadcaster.

    Tests' in-process apps leave LIVE_BROADCAST off; the server process (wsgi.py) has
    it on. `start_background_task` gives a green thread under eventlet and a daemon
    thread under threading; the broadcaster runs in an app context, so that the names
    it sends are masked with this app's NICKNAME_BLOCKLIST words too.
    """
    store = app.extensions["store"]
    live: dict[str, Any] = {"store": store, "budget": WatchBudget(), "broadcaster": None}
    app.extensions["live"] = live
    socketio.on_namespace(LiveNamespace(NAMESPACE))
    if app.config["LIVE_BROADCAST"]:
        # Read the name lists now (a few hundred ms), not in the first tick, where they
        # would hold every screen's first snapshot.
        names.blocklist(app.config.get("NICKNAME_BLOCKLIST") or "")
        broadcaster = Broadcaster(store, socketio, float(app.config["LIVE_MAX_HZ"]), NAMESPACE)
        live["broadcaster"] = broadcaster
        socketio.start_background_task(_in_context, app, broadcaster.run)


def _in_context(app: Flask, run: Callable[[], None]) -> None:
    with app.app_context():
        run()
