"""Host pages: register, console, poster, report (issue 7)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("host", __name__)
