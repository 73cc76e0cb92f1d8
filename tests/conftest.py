"""Fixtures: a private redis-server per session, the app, clients, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Api
from support import RedisProcess, ServerProcess


@pytest.fixture(scope="session")
def redis_proc() -> Iterator[RedisProcess]:
    proc = RedisProcess().start()
    yield proc
    proc.stop()


@pytest.fixture
def redis_client(redis_proc: RedisProcess):
    client = redis_proc.client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def app(redis_proc: RedisProcess, redis_client, tmp_path: Path):
    from config import TestConfig
    from marathon import create_app

    class Cfg(TestConfig):
        REDIS_URL = redis_proc.url

    import os

    os.environ["MARATHON_INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        yield create_app(Cfg)
    finally:
        os.environ.pop("MARATHON_INSTANCE_PATH", None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture(params=["eventlet", "threading"])
def async_mode(request) -> str:
    return request.param


@pytest.fixture
def live_server(redis_proc: RedisProcess, redis_client, tmp_path: Path) -> Iterator[ServerProcess]:
    """The app in its own eventlet process, on the session's Redis."""
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv").start()
    yield server
    server.stop()
