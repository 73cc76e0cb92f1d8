"""Server-rendered pages (HTML); the health check lives here too."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, send_from_directory

from ..store import StoreUnavailable, store

bp = Blueprint("pages", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report whether Redis answers and what it keeps on disk.

    Every projected screen asks every few seconds, so this costs Redis one PING: what
    it keeps on disk is read again only every half minute (`Store.persistence`).
    """
    mode = current_app.config["REDIS_MODE"]
    try:
        store().ping()
        persistence = store().persistence()
    except StoreUnavailable:
        return jsonify({"status": "unavailable", "redis": {"mode": mode, "up": False}}), 503
    embedded = current_app.extensions.get("embedded_redis")
    redis_info = {"mode": mode, "up": True, **persistence}
    if embedded is not None:
        redis_info["restarts"] = embedded.restarts
    # The data set this process's caches belong to (the snapshots carry it too): an
    # operator, or a test that wiped Redis under a running server, sees it follow.
    return jsonify({"status": "ok", "epoch": store().epoch, "redis": redis_info}), 200


@bp.get("/")
def index() -> str:
    """Say what this is; register, join with a code, live editions."""
    return render_template("index.html", editions=store().editions())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Answer the browsers' automatic request with the app's icon (an SVG)."""
    return send_from_directory(current_app.static_folder + "/icons", "icon.svg",  # type: ignore
                               mimetype="image/svg+xml", max_age=86_400)
