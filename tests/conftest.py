"""Fixtures: a private redis-server per session, the app, clients, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Api
from support import RedisProcess, ServerProcess

from config import ASYNC_MODES


@pytest.fixture(scope="session")
def redis_proc() -> Iterator[RedisProcess]:
    proc = RedisProcess().start()
    yield proc
    proc.stop()


def open_example_edition(client) -> None:
    """Make the shipped example edition count every marathon at once (policy "open").

    The product's default is "review" (a coordinator verifies each marathon); most tests
    are about counting, so they start from an open edition, and the trust tests set
    the policy they test.
    """
    from marathon.domain.editions import example_edition
    from marathon.store.keys import EditionKeys

    client.hset(EditionKeys(example_edition()["id"]).policy, "registration", "open")


@pytest.fixture
def redis_client(redis_proc: RedisProcess):
    client = redis_proc.client()
    client.flushdb()
    open_example_edition(client)
    yield client
    client.flushdb()


@pytest.fixture
def make_app(redis_proc: RedisProcess, redis_client, tmp_path: Path):
    """Build apps from `config.TestConfig` with settings overridden: `make_app()`,
    `make_app(RATELIMIT_ENABLED=True)`, `make_app(REDIS_URL=other.url)`.

    Apps are on the session's Redis (emptied for the test) unless REDIS_URL says otherwise;
    `REDIS_URL=None` gives the embedded, supervised redis-server, stopped after the test.
    Each app gets its own instance folder, tmp_path/"instance0", "instance1"...
    """
    from config import TestConfig
    from marathon import create_app

    made = []

    def make(**settings):
        settings.setdefault("REDIS_URL", redis_proc.url)
        cfg = type("Cfg", (TestConfig,), settings)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MARATHON_INSTANCE_PATH", str(tmp_path / f"instance{len(made)}"))
            app = create_app(cfg)
        made.append(app)
        return app

    yield make
    for app in made:
        embedded = app.extensions.get("embedded_redis")
        if embedded is not None:
            embedded.stop()


@pytest.fixture
def app(make_app):
    """The app on the session's Redis, with the test settings."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture(params=ASYNC_MODES)
def async_mode(request) -> str:
    return request.param


@pytest.fixture
def live_server(redis_proc: RedisProcess, redis_client, tmp_path: Path) -> Iterator[ServerProcess]:
    """The app in its own eventlet process, on the session's Redis."""
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv").start()
    yield server
    server.stop()
