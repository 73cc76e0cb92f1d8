"""The projected screens: marathon and edition (issue 6)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("screens", __name__)
