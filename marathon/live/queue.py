"""The message queue between server processes: python-socketio's Redis manager, able to
publish a broadcaster tick's emits in one Redis round trip.

Each emit goes to the process's own sockets at once and, through Redis, to the other
processes' (`socketio.PubSubManager.emit`). A tick emits two or three messages per
changed room; published one by one, that is one round trip each, and under load every
round trip gives the other green threads their turn, so a tick of 30 rooms took up to
1.8 s at 800 marathons. Inside `batch()` the messages are held and published together,
in order, in one pipeline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import socketio

log = logging.getLogger(__name__)


class TickQueue(socketio.RedisManager):
    """`socketio.RedisManager` whose emits inside `batch()` are published together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Held messages belong to the thread (green thread under eventlet and gevent,
        # whose monkey-patching makes this local to it) that opened the batch.
        self._local = threading.local()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold this thread's emits to other processes; publish them on leaving."""
        if getattr(self._local, "held", None) is not None:  # already batching
            yield
            return
        self._local.held = []
        try:
            yield
        finally:
            held, self._local.held = self._local.held, None
            if held:
                self._publish_all(held)

    def _publish(self, data: dict[str, Any]) -> Any:
        held = getattr(self._local, "held", None)
        if held is None:
            return super()._publish(data)
        held.append(data)
        return None

    def _publish_all(self, messages: list[dict[str, Any]]) -> None:
        """Publish `messages` in one pipeline; if that fails, one by one as `_publish`
        does (it reconnects, tries twice, and logs what it could not send).

        A pipeline that failed half-way may deliver a snapshot twice to the other
        processes' sockets: harmless, a snapshot is the room's whole state.
        """
        if self.connected:
            try:
                pipe = self.redis.pipeline(transaction=False)
                for data in messages:
                    pipe.publish(self.channel, self.json.dumps(data))
                pipe.execute()
                return
            except Exception as exc:  # as `_publish`: a lost emit must not stop the tick
                self.connected = False
                log.warning("cannot publish %d emits to Redis at once: %s", len(messages), exc)
        for data in messages:
            super()._publish(data)

