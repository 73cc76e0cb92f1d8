"""The embedded, supervised redis-server: AOF always, restarted after kill -9."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from helpers import Api, wait_for


@pytest.fixture
def embedded_app(make_app):
    """An app with no REDIS_URL: it starts its own redis-server (stopped after the test)."""
    return make_app(REDIS_URL=None)


def _pid(app) -> int:
    return app.extensions["embedded_redis"].proc.pid


def test_embedded_redis_uses_a_unix_socket_and_fsyncs_every_write(embedded_app):
    health = embedded_app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["redis"]["mode"] == "embedded"
    assert health["redis"]["aof"] is True and health["redis"]["appendfsync"] == "always"
    assert embedded_app.config["REDIS_URL"].startswith("unix://")
    folder = Path(embedded_app.instance_path) / "redis"
    assert (folder / "redis.sock").exists()


def test_killed_redis_is_restarted_and_keeps_every_acknowledged_action(embedded_app):
    api = Api(embedded_app.test_client())
    m = api.make_marathon()
    p = api.join(m["join_code"])
    acked = 0
    for i in range(50):
        r = api.log(m["id"], p["token"], count=(i % 3) + 1)
        assert r.status_code == 201
        acked += (i % 3) + 1
    old = _pid(embedded_app)
    os.kill(old, signal.SIGKILL)

    wait_for(lambda: (api.c.get("/healthz").status_code == 200
                      and embedded_app.extensions["embedded_redis"].restarts == 1),
             timeout=10, what="the supervisor to restart Redis")
    assert _pid(embedded_app) != old
    assert embedded_app.extensions["embedded_redis"].restarts == 1
    assert api.marathon(m["id"])["snapshot"]["total"] == acked
    assert api.log(m["id"], p["token"]).status_code == 201
    assert embedded_app.extensions["store"].reconcile(m["id"], repair=False)[
        "differences"] == []


def test_missing_redis_server_binary_says_what_to_install(tmp_path):
    from marathon.store.embedded import EmbeddedRedis, EmbeddedRedisError

    with pytest.raises(EmbeddedRedisError, match="apt-get install redis-server"):
        EmbeddedRedis(tmp_path, binary="no-such-redis-server").start()
