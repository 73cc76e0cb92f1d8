"""Flask extensions, created unbound and bound to an app in `create_app`."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

socketio = SocketIO()
babel = Babel()
csrf = CSRFProtect()
# Phones on venue wifi: pages and assets go out compressed (JSON answers stay small).
compress = Compress()


def marathon_key() -> str:
    """Per marathon (the host's paper tallies)."""
    return "m:" + str((request.view_args or {}).get("mid", "-"))[:40]


limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
