"""Logs hold no join code, token or client address (PRODUCT §8), whatever logs them.

Three sources would write them at INFO:

- Flask-Limiter logs every refusal with its key: `j:<address>:<join code>` for joins,
  the address for the others. The record keeps the limit and the endpoint, not the key.
- Werkzeug's server (ASYNC_MODE=threading) logs one line per request, with the
  client's address and the path (`/h/<host token>`, `/j/<join code>`): those lines
  are dropped below WARNING. (Eventlet and gevent are started without an access log.)
- Our own "unexpected error" line names the route's rule (`/h/<token>`), never the
  path as requested: `loggable_path`.
"""

from __future__ import annotations

import logging

from flask import request

# Flask-Limiter 4's message for a refused request: "ratelimit %s (%s) exceeded at
# endpoint: %s" with (limit, key, endpoint).
_LIMITER_BREACH = "ratelimit %s (%s) exceeded at endpoint: %s"


class LimiterKeys(logging.Filter):
    """Keep the limit and the endpoint of a limiter record, drop its key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _LIMITER_BREACH and isinstance(record.args, tuple) and len(
                record.args) == 3:
            record.msg = "ratelimit %s exceeded at endpoint: %s"
            record.args = (record.args[0], record.args[2])
        elif record.levelno < logging.WARNING and record.args:
            # Another INFO record of the limiter's, with values we did not vet.
            record.msg, record.args = str(record.msg).split("%", 1)[0].strip(), ()
        return True


class RequestLines(logging.Filter):
    """Drop the server's per-request lines (address, path, query) below WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def loggable_path() -> str:
    """The request's route rule (`/h/<token>`), or only the first segment of its path."""
    rule = request.url_rule
    if rule is not None:
        return rule.rule
    return "/" + request.path.lstrip("/").split("/", 1)[0] + "/…"


def init_quiet_logs() -> None:
    """Install the filters (once per process; building more apps adds nothing)."""
    for name, kind in (("flask-limiter", LimiterKeys), ("werkzeug", RequestLines)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
