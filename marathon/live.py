"""Socket.IO rooms and the broadcaster (namespace /live).

Placeholder until the live issue lands: `init_live` binds nothing yet.
"""

from __future__ import annotations

from flask import Flask


def init_live(app: Flask) -> None:
    """Register the /live handlers and start the broadcaster for this app."""
