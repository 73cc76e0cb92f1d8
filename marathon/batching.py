"""Gather concurrent script calls into one pipelined round trip.

Under eventlet, hundreds of green threads each paying their own Redis round trip
spend the hub's time on tiny reads and writes. A single background worker instead
takes every call queued since its last round and sends them in one pipeline: one
write and one read for the whole batch. Each call is still one atomic EVALSHA, so
nothing about atomicity or ordering per marathon changes; a caller blocks on its own
event exactly as it would on its socket.

The stdlib `queue` and `threading` primitives used here are green under eventlet's
monkey-patching and plain threads otherwise, so this module does not import eventlet.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.commands.core import Script

log = logging.getLogger(__name__)
MAX_BATCH = 256


@dataclass
class _Call:
    script: Script
    keys: list[str]
    args: list[Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class ScriptBatcher:
    """Run Lua scripts for many callers, one pipeline per round."""

    def __init__(self, client: redis.Redis, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self._queue: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Queue one script call and wait for its answer (or its error)."""
        self._ensure_worker()
        item = _Call(script, keys, args)
        self._queue.put(item)
        if not item.done.wait(self.timeout * 2 + 1):
            raise redis.TimeoutError("the batched Redis call did not finish in time")
        if item.error is not None:
            raise item.error
        return item.result

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="redis-batcher",
                                                daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._send(batch)
            except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
                for item in batch:
                    if not item.done.is_set():
                        item.error = exc
                        item.done.set()

    def _send(self, batch: list[_Call]) -> None:
        results = self._pipeline(batch)
        missing = [i for i, r in enumerate(results)
                   if isinstance(r, redis.exceptions.NoScriptError)]
        if missing:
            # Redis restarted and forgot the scripts: load them, then resend those calls.
            for script in {id(batch[i].script): batch[i].script for i in missing}.values():
                self.client.script_load(script.script)
            again = self._pipeline([batch[i] for i in missing])
            for i, r in zip(missing, again, strict=True):
                results[i] = r
        for item, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                item.error = result
            else:
                item.result = result
            item.done.set()

    def _pipeline(self, batch: list[_Call]) -> list[Any]:
        pipe = self.client.pipeline(transaction=False)
        for item in batch:
            pipe.evalsha(item.script.sha, len(item.keys), *item.keys, *item.args)
        return pipe.execute(raise_on_error=False)
