"""Fixtures: a private redis-server per session, the app, clients, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from browser_kit import CHROMIUM, CHROMIUM_ARGS
from helpers import Api, wait_for
from support import RedisProcess, ServerProcess

from config import ASYNC_MODES

# Tests whose point is timing (pacing, outages, crashes, loads) share one xdist worker
# (`make test` runs `-n 2 --dist loadgroup`), so two of them never compete for the
# machine's two cores; every other test is shared between the workers.
TIMING_FOLDERS = ("live", "faults")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        if item.path.parent.name in TIMING_FOLDERS and item.path.parent.parent == tests:
            item.add_marker(pytest.mark.xdist_group("timing"))


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


@pytest.fixture(scope="module")
def module_app(redis_proc: RedisProcess, tmp_path_factory: pytest.TempPathFactory):
    """One app with the test settings for a module's tests (building one costs 0.1 s).

    Tests that need other settings build their own with `make_app`; a test must not
    change this app's config (`make_app(SETTING=...)` instead).
    """
    from config import TestConfig
    from marathon import create_app

    cfg = type("Cfg", (TestConfig,), {"REDIS_URL": redis_proc.url})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARATHON_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        return create_app(cfg)


@pytest.fixture
def app(module_app, redis_client):
    """The app on the session's Redis, with the test settings, on a fresh data set.

    The data set is emptied for each test; the app names it again and loads the example
    edition, as it does at start-up, and drops the caches of the previous data set.
    """
    the_store = module_app.extensions["store"]
    the_store.ensure_epoch()
    the_store.load_example_if_empty()
    return module_app


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


@pytest.fixture(scope="session")
def shared_server(redis_proc: RedisProcess,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One eventlet server process for the session, for the tests that do not stop it."""
    # Its own database and channel on the session's Redis: tests that start servers of
    # their own (on database 0) never share a broadcaster, a tick lock or an emit with it.
    server = ServerProcess(redis_proc.url + "?db=1", instance=tmp_path_factory.mktemp("shared"),
                           env={"SOCKETIO_CHANNEL": "socketio-shared"}).start()
    yield server
    server.stop()


@pytest.fixture
def live_server(shared_server: ServerProcess) -> Iterator[ServerProcess]:
    """The app in its own eventlet process, on a Redis database emptied for the test.

    The process is shared by every test that uses this fixture (starting one costs
    1.5–4 s), on database 1 of the session's Redis (`live_server.redis_url`: a test that
    reads or seeds the server's data uses that). Its data set is new for each test:
    emptied, named again and given the example edition (policy "open"), as a fresh
    server would have it; the test starts once the server says it works on that data
    set (its per-process caches belong to an epoch and are dropped when it moves, see
    `Store.notice_epoch`). A test that stops, kills or restarts its server uses
    `own_server`.
    """
    from marathon.store import Store, connect

    seeder = Store(connect(shared_server.redis_url), grace_ms=0, keep_ms=0)
    raw = seeder_client(shared_server.redis_url)
    raw.flushdb()
    open_example_edition(raw)
    epoch = seeder.ensure_epoch()
    seeder.load_example_if_empty()
    wait_for(lambda: requests.get(shared_server.url + "/healthz", timeout=5)
             .json().get("epoch") == epoch, timeout=10, interval=0.02,
             what="the shared server to work on the new data set")
    yield shared_server
    raw.flushdb()
    assert shared_server.proc is not None and shared_server.proc.poll() is None, (
        "the shared server stopped: a test that stops its server uses `own_server`")


def seeder_client(url: str):
    import redis

    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)


@pytest.fixture
def live_redis(live_server: ServerProcess):
    """A client on the live server's own Redis database (to read or seed its data)."""
    client = seeder_client(live_server.redis_url)
    yield client
    client.close()


@pytest.fixture
def blocklisted_server(redis_proc: RedisProcess, redis_client,
                       tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own (broadcaster on) whose blocklist adds "zorglub"."""
    proc = ServerProcess(redis_proc.url, instance=tmp_path / "srv",
                         env={"NICKNAME_BLOCKLIST": "zorglub", "LIVE_MAX_HZ": "4"}).start()
    yield proc
    proc.stop()


@pytest.fixture
def own_server(redis_proc: RedisProcess, redis_client, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server process of the test's own (it may stop, kill or restart it)."""
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Playwright cannot download its own here);
    one per process, as Playwright's sync API allows only one: every test that drives a
    browser uses this one."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM} (make test installs it)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
