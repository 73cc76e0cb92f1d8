"""Background jobs of the server process: the daily erasure of old nicknames.

Like the broadcaster, the job runs where `socketio.start_background_task` puts it (a
green thread under eventlet, a daemon thread under threading), only when its setting
is on: the server has RETENTION_JOB on, tests and one-off commands leave it off.
Every process may run it: erasing is idempotent (`Store.erase_nicknames`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from .domain import now_ms
from .extensions import socketio
from .store import Store, StoreUnavailable

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400.0
RETRY_SECONDS = 600.0
DAY_MS = 86_400_000


def erase_due(store: Store, retention_days: float, now: int, *, apply: bool = True,
              ) -> list[dict[str, Any]]:
    """Erase the nicknames of editions that ended more than `retention_days` ago."""
    return store.erase_nicknames(now, int(retention_days * DAY_MS), apply=apply)


def daily_erasure(store: Store, retention_days: float) -> None:
    """Erase due nicknames now, then once a day, forever (the background task)."""
    while True:
        try:
            for line in erase_due(store, retention_days, now_ms()):
                if line["nicknames"]:
                    log.info("erased %(nicknames)s nicknames of edition %(edition)s", line)
            wait = DAY_SECONDS
        except StoreUnavailable as exc:
            log.warning("nickname erasure: Redis unavailable (%s); retrying", exc)
            wait = RETRY_SECONDS
        except Exception:  # a bug must not end the job for good: log and go on
            log.exception("nickname erasure failed")
            wait = RETRY_SECONDS
        socketio.sleep(wait)


def init_jobs(app: Flask) -> None:
    """Start the daily erasure when RETENTION_JOB is on."""
    if app.config["RETENTION_JOB"]:
        socketio.start_background_task(daily_erasure, app.extensions["store"],
                                       float(app.config["NICKNAME_RETENTION_DAYS"]))
