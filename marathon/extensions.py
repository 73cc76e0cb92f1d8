"""Flask extensions, created unbound and bound to an app in `create_app`."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from .domain import Invalid
from .domain.payload import parse_json

socketio = SocketIO()
babel = Babel()
csrf = CSRFProtect()
# Phones on venue wifi: pages and assets go out compressed (JSON answers stay small).
compress = Compress()


def parsed_body() -> Any:
    """The request's JSON body read by the strict parser (`domain.payload`), once per
    request, so a hostile body costs one parse however many readers it has. Raises its
    `Invalid` again for each reader."""
    if "parsed_body" not in g:
        try:
            g.parsed_body = parse_json(request.get_data(cache=True))
        except Invalid as exc:
            g.parsed_body = exc
    if isinstance(g.parsed_body, Invalid):
        raise g.parsed_body
    return g.parsed_body


def marathon_key() -> str:
    """Per marathon (the host's paper tallies)."""
    return "m:" + str((request.view_args or {}).get("mid", "-"))[:40]


limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
