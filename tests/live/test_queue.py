"""The message queue: a broadcaster tick's emits reach the other processes in one round
trip (`marathon.live.queue.TickQueue`), in order, and a Redis that fails then loses
only those emits, never the tick."""

from __future__ import annotations

import json
import time

from support import RedisProcess

from marathon.live.queue import TickQueue


def listener(redis_proc: RedisProcess):
    pubsub = redis_proc.client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("socketio")
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    return pubsub


def received(pubsub, wait: float = 0.3) -> list[dict]:
    out, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.05)
        if message:
            out.append(json.loads(message["data"]))
    return out


def test_emits_in_a_batch_are_published_together_in_order(redis_proc, redis_client):
    queue = TickQueue(redis_proc.url)
    pubsub = listener(redis_proc)
    queue._publish({"method": "emit", "n": -1})  # connected, as a server's queue is
    assert [m["n"] for m in received(pubsub)] == [-1]
    before = redis_client.info("commandstats").get("cmdstat_publish", {}).get("calls", 0)
    with queue.batch():
        for i in range(3):
            queue._publish({"method": "emit", "n": i})
        with queue.batch():  # nested: published with the outer batch
            queue._publish({"method": "emit", "n": 3})
        assert received(pubsub, 0.2) == []  # held until the batch ends
    assert [m["n"] for m in received(pubsub)] == [0, 1, 2, 3]
    after = redis_client.info("commandstats")["cmdstat_publish"]["calls"]
    assert after - before == 4
    queue._publish({"method": "emit", "n": 4})  # outside a batch: at once
    assert [m["n"] for m in received(pubsub)] == [4]


def test_redis_failing_under_a_batch_loses_its_emits_not_the_tick(tmp_path):
    proc = RedisProcess(tmp_path / "r").start()
    queue = TickQueue(proc.url)
    queue._publish({"method": "emit", "n": 0})  # connected
    proc.stop()
    with queue.batch():  # raises nothing: the screens get the next tick's snapshot
        queue._publish({"method": "emit", "n": 1})
    proc.start()  # back: the next emit reconnects
    pubsub = listener(proc)
    with queue.batch():
        queue._publish({"method": "emit", "n": 2})
    assert [m["n"] for m in received(pubsub)] == [2]
    proc.stop()

