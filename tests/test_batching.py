"""Batched writes (the eventlet default): same answers, same guarantees, one pipeline."""

from __future__ import annotations

import threading

import pytest
from helpers import Api, action, auth


@pytest.fixture
def batched(redis_proc, redis_client, tmp_path, monkeypatch):
    from config import TestConfig
    from marathon import create_app

    monkeypatch.setenv("MARATHON_INSTANCE_PATH", str(tmp_path / "inst"))

    class Cfg(TestConfig):
        REDIS_URL = redis_proc.url
        REDIS_BATCH_WRITES = "on"

    app = create_app(Cfg)
    assert app.extensions["store"].batcher is not None
    return app


def _concurrently(n, fn):
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        barrier.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_batched_writes_count_distinct_actions_and_replays_exactly(batched):
    api = Api(batched.test_client())
    m = api.make_marathon()
    p = api.join(m["join_code"])
    url = f"/api/v1/marathons/{m['id']}/actions"
    same = action()

    def post(i):
        body = same if i % 2 else action()
        return batched.test_client().post(url, json=body, headers=auth(p["token"])).status_code

    codes = _concurrently(200, post)
    assert codes.count(201) == 101 and codes.count(200) == 99
    snap = api.marathon(m["id"])["snapshot"]
    assert snap["total"] == 101 and snap["seq"] == 101


def test_batched_writes_survive_redis_forgetting_its_scripts(batched, redis_client):
    api = Api(batched.test_client())
    m = api.make_marathon()
    p = api.join(m["join_code"])
    assert api.log(m["id"], p["token"]).status_code == 201
    redis_client.script_flush()
    r = api.log(m["id"], p["token"], count=4)
    assert r.status_code == 201 and r.get_json()["totals"]["total"] == 5
    bad = api.log(m["id"], "not-a-token")
    assert bad.status_code == 401  # a script's own answer still reaches its caller


def test_batched_writes_answer_503_when_redis_is_gone(tmp_path, monkeypatch):
    from support import RedisProcess

    from config import TestConfig
    from marathon import create_app

    monkeypatch.setenv("MARATHON_INSTANCE_PATH", str(tmp_path / "inst"))
    own = RedisProcess(tmp_path / "r").start()

    class Cfg(TestConfig):
        REDIS_URL = own.url
        REDIS_BATCH_WRITES = "on"

    try:
        app = create_app(Cfg)
        api = Api(app.test_client())
        m = api.make_marathon()
        p = api.join(m["join_code"])
        own.stop()
        r = api.log(m["id"], p["token"])
        assert r.status_code == 503 and r.get_json()["error"]["code"] == "store_unavailable"
    finally:
        own.stop()
