"""Participant pages: join by code or QR, the log page (issue 5)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("phone", __name__)
