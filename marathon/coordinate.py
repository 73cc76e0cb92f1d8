"""Coordinator pages and exports (issue 8)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coordinate", __name__)
