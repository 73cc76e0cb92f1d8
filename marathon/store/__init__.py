"""The Redis store: the system of record, and the only package that imports redis.

Every write is one Lua script (``lua/*.lua``, shared helpers in ``lua/lib/``) that
does all of that write atomically; reads that need several keys use one script or one
pipeline. `Store` is the facade the rest of the app uses; its methods come from one
module per aggregate:

    marathons     register, details, edits, join codes, host tokens
    participants  join, token look-up, moderation
    actions       log, undo / void, the action log
    editions      editions and their cases
    accounts      coordinator accounts
    sessions      browser sessions, failed logins per e-mail
    live          snapshot data and the broadcaster's tick
    compare       the compare table's per-edition indexes
    report        where a marathon stands in its edition
    reconcile     rebuild counters from the stream
    retention     erase nicknames a set time after an edition ends
    teams         a marathon's teams, and moving a participant between them
    groups        groups that come back: their marathons, their previous totals

It returns ints, dicts and dataclasses with the API's names, and turns every Redis
failure into `StoreUnavailable`. Key names: `keys`. The embedded redis-server: `embedded`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .accounts import Accounts
from .actions import WriteResult
from .base import connect
from .compare import Compare
from .editions import Editions
from .errors import Conflict, Denied, NotFound, StoreError, StoreUnavailable
from .groups import Groups
from .live import EditionData, Live, MarathonData, TickData
from .marathons import Marathons
from .moderation import Moderation
from .participants import Participants
from .reconcile import Reconcile
from .report import EditionStanding, Report
from .retention import Retention
from .teams import Teams
from .upgrade import Upgrade

__all__ = ["Conflict", "Denied", "EditionData", "EditionStanding", "MarathonData",
           "NotFound", "Store", "StoreError", "StoreUnavailable", "TickData", "WriteResult",
           "init_app", "store"]

log = logging.getLogger(__name__)


class Store(Marathons, Participants, Moderation, Reconcile, Editions, Accounts, Live, Compare,
            Report, Retention, Teams, Groups, Upgrade):
    """All reads and writes of Letter Marathon's data (see the module docstring)."""


def store() -> Store:
    """Return the current app's store."""
    return current_app.extensions["store"]


def init_app(app: Flask, offload: Callable[..., Any] | None = None) -> Store:
    """Connect a Store to REDIS_URL, or start the embedded, supervised redis-server.

    `offload(fn, *args)` runs CPU-heavy work (password hashing) off the event loop."""
    cfg = app.config
    url = cfg.get("REDIS_URL")
    if not url:
        from .embedded import EmbeddedRedis

        embedded = EmbeddedRedis(Path(app.instance_path) / "redis",
                                 binary=cfg["REDIS_SERVER_BIN"],
                                 fsync=cfg["EMBEDDED_REDIS_FSYNC"]).start()
        app.extensions["embedded_redis"] = embedded
        url = embedded.url
        cfg["REDIS_URL"] = url
    cfg["REDIS_MODE"] = "embedded" if "embedded_redis" in app.extensions else "external"
    client = connect(url, cfg["REDIS_SOCKET_TIMEOUT"], cfg["REDIS_MAX_CONNECTIONS"])
    writer = connect(url, cfg["REDIS_WRITE_TIMEOUT"], cfg["REDIS_WRITE_CONNECTIONS"])
    app.extensions["store"] = the_store = Store(
        client,
        writer=writer,
        grace_ms=int(cfg["LATE_SYNC_HOURS"] * 3_600_000),
        keep_ms=int(cfg["IDEMPOTENCY_EXTRA_DAYS"] * 86_400_000),
        cap_per_hour=cfg["MAX_ACTIONS_PER_PARTICIPANT_HOUR"],
        skew_ms=int(cfg["CLOCK_SKEW_SECONDS"] * 1000),
        host_bound=(cfg["HOST_TALLY_HOUR_BASE"], cfg["HOST_TALLY_HOUR_PER_PARTICIPANT"]),
        action_limits=_limits(cfg, "RATELIMIT_ACTIONS", "RATELIMIT_ACTIONS_ADDRESS"),
        join_limits=_limits(cfg, "RATELIMIT_JOIN", "RATELIMIT_JOIN_MARATHON"),
        envelope_rate=cfg["ENVELOPE_PER_PARTICIPANT_HOUR"],
        host_tally_max=cfg["HOST_TALLY_HOUR_MAX"],
    )
    if offload is not None:
        the_store.offload = offload
    # Flask-Limiter keeps its counters in the same Redis.
    storage = "redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url
    cfg.setdefault("RATELIMIT_STORAGE_URI", storage)
    cfg.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5,
                                                 "socket_connect_timeout": 0.5})
    return the_store


def _limits(cfg: Any, first: str, second: str) -> tuple[int, int, int, int] | None:
    """Two limits checked inside a write script (no round trip of their own), each held
    over any span of its window (lua/lib/budget.lua): the log path's RATELIMIT_ACTIONS
    per token and RATELIMIT_ACTIONS_ADDRESS per address, the join's RATELIMIT_JOIN per
    address and marathon and RATELIMIT_JOIN_MARATHON per marathon."""
    if not cfg.get("RATELIMIT_ENABLED", True):
        return None
    from limits import parse

    a, b = parse(cfg[first]), parse(cfg[second])
    return (a.amount, a.get_expiry() * 1000, b.amount, b.get_expiry() * 1000)


def bootstrap(the_store: Store) -> dict[str, Any] | None:
    """Name the data set, upgrade an older one, load the example edition when there is
    none, report persistence.

    Returns the persistence report, or None when Redis is not reachable yet (requests
    get 503 until it is).
    """
    try:
        the_store.ensure_epoch()
        the_store.upgrade()
        the_store.load_example_if_empty()
        persistence = the_store.persistence()
    except StoreUnavailable as exc:
        log.warning("Redis is not reachable at start-up (%s); requests will get 503 "
                    "until it is.", exc)
        return None
    if not persistence["durable"]:
        log.warning("The Redis server at REDIS_URL keeps nothing on disk: acknowledged "
                    "actions would be lost if it restarts. Enable appendonly.")
    return persistence
