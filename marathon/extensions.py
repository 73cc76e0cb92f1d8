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


def _bearer_or_address() -> str:
    """Rate-limit by bearer token when there is one (a phone), else by address."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer ") and len(auth) > 16:
        return "t:" + auth[-24:]
    return get_remote_address()


def _join_code() -> str:
    data = request.get_json(silent=True)
    code = data.get("code") if isinstance(data, dict) else None
    return str(code)[:16].upper() if isinstance(code, str) else "-"


def address_and_code_key() -> str:
    """Joins per address *and* marathon: a hall behind one address joins one marathon."""
    return f"j:{get_remote_address()}:{_join_code()}"


def code_key() -> str:
    """Joins per marathon, from every address."""
    return f"jm:{_join_code()}"


def marathon_key() -> str:
    """Per marathon (the host's paper tallies)."""
    return "m:" + str((request.view_args or {}).get("mid", "-"))[:40]


def address_key() -> str:
    return "a:" + get_remote_address()


def action_count() -> int:
    """What one logged action costs in the per-address budget: its count (1 to 100)."""
    data = request.get_json(silent=True)
    count = data.get("count", 1) if isinstance(data, dict) else 1
    return count if isinstance(count, int) and 1 <= count <= 100 else 1


def counted(response) -> bool:  # type: ignore[no-untyped-def]
    """Only an action that counted (201) spends the budget; a replay or a refusal not."""
    return response.status_code == 201


limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
bearer_key = _bearer_or_address
