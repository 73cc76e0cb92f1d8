"""Actions first under overload: reads that empty their pool never make a letter wait.

The pool is really emptied (every connection of the readers' pool checked out and held,
as a burst of screens' polls and snapshot reads would hold them) against a real
redis-server; the writers' own pool still logs, undoes and joins at once.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from datetime import timedelta

import pytest
from helpers import CASES, iso, now, registration

from marathon import domain
from marathon.store import Store, StoreUnavailable
from marathon.store.base import connect


def _action():
    body = {"client_id": str(uuid.uuid4()), "kind": "letter", "case_id": CASES[0],
            "count": 1, "written_at": iso(now() - timedelta(minutes=1))}
    return domain.action(body, frozenset(CASES), now(), 300)


def _two_pools(url: str, write_timeout: float):
    """A store whose readers wait 0.3 s for Redis, and a marathon with one participant."""
    readers = connect(url, timeout=0.3, max_connections=2)
    writers = connect(url, timeout=write_timeout, max_connections=2)
    store = Store(readers, writer=writers, grace_ms=3_600_000, keep_ms=3_600_000)
    t = int(time.time() * 1000)
    mid, _code, _host = store.register(domain.marathon(registration(), {"example"}), t)
    _pid, token = store.join(mid, "Ada", True, t, t - 3_600_000)
    return readers, store, mid, token, t


def test_writes_go_on_when_the_readers_pool_is_empty(redis_client, redis_proc):
    readers, store, mid, token, t = _two_pools(redis_proc.url, write_timeout=0.3)

    held = [readers.connection_pool.get_connection() for _ in range(2)]
    try:
        # The readers' pool is empty: a snapshot read waits its timeout and fails...
        with pytest.raises(StoreUnavailable):
            store.marathon_data(mid, t)
        # ... while a participant's letter, its undo and a new phone's join go through.
        first, second = _action(), _action()
        assert store.log(mid, token, first, t).status == "ok"
        assert store.log(mid, token, second, t).status == "ok"
        assert store.compensate(mid, token, first.client_id, t).status == "ok"
        assert store.join(mid, "Grace", True, t, t)[1]
    finally:
        for connection in held:
            readers.connection_pool.release(connection)

    # The reads come back with their pool, and the counts are exactly what was written.
    data = store.marathon_data(mid, t)
    assert data.counts["total"] == 1
    assert data.participants == 2


def test_a_slow_answer_fails_a_read_but_a_write_waits_for_it(redis_client, redis_proc):
    """A saturated machine answers late: the write's longer timeout lands the letter.

    The real redis-server is frozen (SIGSTOP) for longer than the readers' timeout and
    less than the writers'; a read fails fast with 503, the write in flight waits and is
    acknowledged once Redis answers, and it is counted exactly once.
    """
    _readers, store, mid, token, t = _two_pools(redis_proc.url, write_timeout=5.0)
    action = _action()

    pid = redis_proc.proc.pid
    os.kill(pid, signal.SIGSTOP)
    thaw = threading.Timer(1.2, os.kill, (pid, signal.SIGCONT))
    thaw.start()
    try:
        with pytest.raises(StoreUnavailable):
            store.marathon_data(mid, t)
        waited = time.monotonic()
        assert store.log(mid, token, action, t).status == "ok"
        assert time.monotonic() - waited > 0.3  # it really waited for the frozen Redis
    finally:
        thaw.join()
        os.kill(pid, signal.SIGCONT)

    assert store.log(mid, token, action, t).status == "replay"
    assert store.marathon_data(mid, t).counts["total"] == 1


def test_the_app_gives_writes_the_longer_timeout(make_app):
    app = make_app(REDIS_SOCKET_TIMEOUT=0.5, REDIS_WRITE_TIMEOUT=6.0)
    store = app.extensions["store"]
    read_kwargs = store._redis.connection_pool.connection_kwargs
    write_kwargs = store._writer.connection_pool.connection_kwargs
    assert read_kwargs["socket_timeout"] == 0.5
    assert write_kwargs["socket_timeout"] == 6.0
