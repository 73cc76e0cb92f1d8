"""Baseline routes for `bench/run`, registered by `bench/serve.py` only.

The log path's headline figure is its throughput relative to the cheapest JSON POST
the same server can answer: same Flask app, same hooks (security headers, locale,
rate-limiter checks), but no token check, validation or Redis.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from marathon.extensions import csrf

bp = Blueprint("bench", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.post("/echo")
def echo() -> tuple[Response, int]:
    """Parse a JSON body and answer it back: the bare-POST baseline."""
    data = request.get_json(silent=True)
    return jsonify({"received": data}), 201
