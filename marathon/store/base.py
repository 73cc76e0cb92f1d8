"""The store's plumbing: the Redis client, the registered scripts and answer decoding.

Aggregate modules (`marathons`, `participants`, `actions`, …) add their methods to
`StoreBase` as mixins; `marathon.store.Store` puts them together. Only this package
holds a Redis client.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .. import domain
from . import keys, scripts
from .errors import NotFound, unavailable_on_error
from .keys import MarathonKeys

T = TypeVar("T")
KINDS_ARG = ",".join(domain.KINDS)
PERSISTENCE_SECONDS = 30.0
# How long a PONG answers for every liveness check of this process: each projected
# screen's heartbeat asks every few seconds, hundreds of screens per process on a campaign
# day, and they only need to know Redis answered a moment ago. A failure is never reused.
PING_SECONDS = 1.0
# The scripts that only read (snapshots, the broadcaster's tick): they share the main
# pool with every other read. Every other script is a write and runs on the writers'
# pool, which nothing else draws from (see `StoreBase`).
READ_SCRIPTS = frozenset({"snapshot", "edition_snapshot", "live_last", "take_changed",
                          "finish_tick"})


def pairs(flat: list[Any]) -> dict[str, Any]:
    """Turn a flat [field, value, …] answer of a script into a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def ints(flat: list[Any]) -> dict[str, int]:
    """Keep the numeric fields of a flat HGETALL answer (hour leaders are ids)."""
    return {k: int(v) for k, v in pairs(flat).items() if not k.startswith("lt:")}


def flatten(d: dict[str, Any]) -> list[Any]:
    return [x for kv in d.items() for x in kv]


def connect(url: str, timeout: float = 2.0, max_connections: int = 200) -> redis.Redis:
    """Open a client that fails fast: a phone retries, a hung request helps nobody.

    A blocking pool bounds the connections one process opens (thousands of green
    threads under eventlet must not each open one) and makes a burst wait its turn
    instead of failing.
    """
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=min(timeout, 0.5),
        retry=Retry(NoBackoff(), 0),
        health_check_interval=15,
    )
    return redis.Redis(connection_pool=pool)


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return fn(*args, **kwargs)


class StoreBase:
    """The client, the scripts and the settings every aggregate shares."""

    def __init__(self, client: redis.Redis, *, grace_ms: int, keep_ms: int,
                 writer: redis.Redis | None = None,
                 cap_per_hour: int = 0, skew_ms: int = 300_000,
                 host_bound: tuple[int, int] = (500, 50),
                 action_limits: tuple[int, int, int, int] | None = None,
                 join_limits: tuple[int, int, int, int] | None = None,
                 envelope_rate: int = 0, host_tally_max: int = 0) -> None:
        self._redis = client
        # Writes first under load: the write scripts, and the two cached reads the log
        # path needs (`edition_of`, `Editions.edition`), take their connections from a
        # pool of their own, so a burst of polls or snapshot reads that empties the main
        # pool makes them wait, not a participant's letter (issue 17).
        self._writer = writer if writer is not None else client
        self.grace_ms = grace_ms
        self.keep_ms = keep_ms
        self.cap_per_hour = cap_per_hour
        # How far before their join a participant's action may be dated (clock skew).
        self.skew_ms = skew_ms
        # The host's hourly bound for a room: base + per participant, beyond which a
        # tally needs the host's confirmation.
        self.host_bound = host_bound
        # The API's rate limits on logging, checked inside log.lua: requests per token per
        # window (ms), counted actions per address per window (ms); None: no limits.
        self.action_limits = action_limits
        # The API's join limits, checked inside join.lua: joins per address and marathon
        # per window (ms), joins per marathon per window (ms); None: no limits.
        self.join_limits = join_limits
        # Runs CPU-heavy work (password hashing, ~170 ms of scrypt) where it stops no other
        # request: `create_app(offload=...)` gives the server's thread pool (wsgi.py);
        # by default it is a plain call (threading mode: each request has its own thread).
        self.offload: Callable[..., Any] = _call
        # A verified marathon's plausibility envelope: actions per participant-hour (plus
        # the host's hourly bound) beyond which what it logs is held out of its edition
        # until a coordinator verifies it again (lua/lib/envelope.lua); 0: no envelope.
        self.envelope_rate = envelope_rate
        # The host's entries per hour even when confirmed (0: no limit).
        self.host_tally_max = host_tally_max
        self._scripts = {name: client.register_script(src)
                         for name, src in scripts.sources().items()}
        # Per-process caches, each used by one aggregate: editions (a few seconds),
        # marathon -> edition (for good), marathon cards for the edition room (`live`),
        # the compare table's index (`compare`, until a write moves it), its groups'
        # previous-edition totals (`groups`, while its rows are the same, for seconds), an
        # edition's region shapes (`editions`, a few seconds).
        self._edition_cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._regions_cache: dict[str, tuple[float, Any]] = {}
        self._marathon_edition: dict[str, str] = {}
        self._cards: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._index: dict[str, tuple[tuple[str, str, str], Any]] = {}
        self._earlier: dict[str, tuple[float, Any, dict[str, tuple[str, int]]]] = {}
        self._persistence: tuple[float, dict[str, Any]] | None = None
        self._pong = float("-inf")
        # The data set these caches were filled from (keys.EPOCH); None until known.
        self.epoch: str | None = None

    def _forget_caches(self) -> None:
        for cache in (self._edition_cache, self._regions_cache, self._marathon_edition,
                      self._cards, self._index, self._earlier):
            cache.clear()
        self._persistence = None

    def notice_epoch(self, epoch: str) -> None:
        """Drop every per-process cache when the data set is not the one they came from.

        The broadcaster's tick reads the epoch in every process a few times a second
        (`take_changed`), so a Redis wiped or restored under running servers is noticed
        within a tick. A wiped one ("": no epoch) is named again and gets the example
        edition back, as at start-up.
        """
        if epoch == self.epoch:
            return
        self._forget_caches()
        if not epoch:
            epoch = self.ensure_epoch()
            self.load_example_if_empty()  # type: ignore[attr-defined] - Editions' own
        self.epoch = epoch

    def _run(self, name: str, keys_: list[str], args: list[Any], client: Any = None) -> Any:
        if client is None and name not in READ_SCRIPTS:
            client = self._writer
        return self._scripts[name](keys=keys_, args=args, client=client)

    @unavailable_on_error
    def edition_of(self, mid: str) -> str:
        """Return the marathon's edition id; it never changes, so it is cached for good."""
        eid = self._marathon_edition.get(mid)
        if eid is None:
            eid = self._writer.hget(MarathonKeys(mid).meta, "edition")
            if eid is None:
                raise NotFound("marathon")
            if len(self._marathon_edition) > 100_000:
                self._marathon_edition.clear()
            self._marathon_edition[mid] = eid
        return eid

    @unavailable_on_error
    def ping(self) -> bool:
        """Check that Redis answers: at most one PING a second per process (PING_SECONDS)."""
        if time.monotonic() - self._pong < PING_SECONDS:
            return True
        up = bool(self._redis.ping())
        if up:
            self._pong = time.monotonic()
        return up

    @unavailable_on_error
    def ensure_epoch(self) -> str:
        """Name this data set; a wiped Redis gets a new name, so screens can tell."""
        self._redis.set(keys.EPOCH, domain.new_id(), nx=True)
        epoch = self._redis.get(keys.EPOCH) or ""
        if epoch != self.epoch:
            self._forget_caches()
            self.epoch = epoch
        return epoch

    @unavailable_on_error
    def persistence(self) -> dict[str, Any]:
        """Report what the Redis server keeps on disk (read again every half minute: every
        projected screen's heartbeat asks, and it changes only when an admin reconfigures
        the server)."""
        cached = self._persistence
        if cached is not None and time.monotonic() - cached[0] < PERSISTENCE_SECONDS:
            return cached[1]
        info = self._redis.info("persistence")
        conf = self._redis.config_get("appendfsync")
        save = self._redis.config_get("save").get("save", "")
        aof = bool(info.get("aof_enabled"))
        report = {
            "aof": aof,
            "appendfsync": conf.get("appendfsync") if aof else None,
            "rdb_save": save,
            "durable": aof or bool(save),
        }
        self._persistence = (time.monotonic(), report)
        return report
