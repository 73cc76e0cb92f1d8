"""Letter Marathon: live tracker for Write for Rights letter marathons."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: Any = None) -> Flask:
    """Build the application: settings, Redis (embedded or external), extensions, routes."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("MARATHON_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    from config import Config

    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _secret_key(app)
    _redis(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore

    from .errors import register_error_handlers
    from .extensions import babel, compress, csrf, limiter, socketio
    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    socketio.init_app(app, **_socketio_options(app))
    if not app.config["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = _without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign]
    register_error_handlers(app)

    from . import api, coordinate, host, kit, openapi, pages, phone, screens
    from .live import init_live

    for module in (api, openapi, pages, phone, screens, host, coordinate, kit):
        app.register_blueprint(module.bp)
    if app.config.get("BENCH_ENDPOINTS"):
        from . import bench_endpoints

        app.register_blueprint(bench_endpoints.bp)
    init_live(app)

    from .security import init_security

    init_security(app)
    _bootstrap(app)
    return app


def _secret_key(app: Flask) -> None:
    """Use SECRET_KEY, or make one in the instance folder (refused in production)."""
    key = app.config.get("SECRET_KEY")
    if key and app.config.get("ENV_PRODUCTION") and (
            len(str(key)) < 32 or "not-for-production" in str(key)):
        raise RuntimeError(
            "SECRET_KEY is too short or a known default. In production set it to a long "
            "random value (python -c 'import secrets; print(secrets.token_hex(32))').")
    if key:
        return
    if app.config.get("ENV_PRODUCTION"):
        raise RuntimeError(
            "SECRET_KEY is not set. In production set the SECRET_KEY environment "
            "variable to a long random value (python -c 'import secrets; "
            "print(secrets.token_hex(32))')."
        )
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


def _redis(app: Flask) -> None:
    """Connect the store to REDIS_URL, or start the embedded, supervised redis-server."""
    from .batching import ScriptBatcher
    from .store import Store, connect

    url = app.config.get("REDIS_URL")
    if not url:
        from .embedded_redis import EmbeddedRedis

        embedded = EmbeddedRedis(Path(app.instance_path) / "redis",
                                 binary=app.config["REDIS_SERVER_BIN"],
                                 fsync=app.config["EMBEDDED_REDIS_FSYNC"]).start()
        app.extensions["embedded_redis"] = embedded
        url = embedded.url
        app.config["REDIS_URL"] = url
    app.config["REDIS_MODE"] = "embedded" if "embedded_redis" in app.extensions else "external"
    cfg = app.config
    client = connect(url, cfg["REDIS_SOCKET_TIMEOUT"], cfg["REDIS_MAX_CONNECTIONS"])
    batch = cfg["REDIS_BATCH_WRITES"]
    if batch == "auto":
        batch = "on" if cfg["ASYNC_MODE"] == "eventlet" else "off"
    app.extensions["store"] = Store(
        client,
        grace_ms=int(cfg["LATE_SYNC_HOURS"] * 3_600_000),
        keep_ms=int(cfg["IDEMPOTENCY_EXTRA_DAYS"] * 86_400_000),
        cap_per_hour=cfg["MAX_ACTIONS_PER_PARTICIPANT_HOUR"],
        batcher=ScriptBatcher(client, cfg["REDIS_SOCKET_TIMEOUT"]) if batch == "on" else None,
    )
    # Flask-Limiter keeps its counters in the same Redis.
    storage = "redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5,
                                                        "socket_connect_timeout": 0.5})


def _socketio_options(app: Flask) -> dict[str, Any]:
    import socketio as sio

    from .live import CompactJSON

    origins = [o.strip() for o in app.config["SOCKETIO_CORS_ORIGINS"].split(",") if o.strip()]
    return {
        "async_mode": app.config["ASYNC_MODE"],
        # The unix:// scheme would send Flask-SocketIO to kombu: pass the manager ourselves.
        "client_manager": sio.RedisManager(app.config["REDIS_URL"]),
        "cors_allowed_origins": origins or None,
        "ping_interval": 10,
        "ping_timeout": 10,
        "max_http_buffer_size": 16 * 1024,
        # Snapshots are encoded with orjson, accents as UTF-8 (see live.CompactJSON).
        "json": CompactJSON,
    }


def _without_websocket_compression(wsgi_app: Any) -> Any:
    """Hide the client's WebSocket extension offer, so no socket negotiates deflate."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def _bootstrap(app: Flask) -> None:
    """Name the data set, load the example edition when there is none, report persistence."""
    from .editions import load_example_if_empty
    from .store import StoreUnavailable

    store = app.extensions["store"]
    try:
        store.ensure_epoch()
        load_example_if_empty(store)
        persistence = store.persistence()
    except StoreUnavailable as exc:
        log.warning("Redis is not reachable at start-up (%s); requests will get 503 "
                    "until it is.", exc)
        return
    if not persistence["durable"]:
        log.warning("The Redis server at REDIS_URL keeps nothing on disk: acknowledged "
                    "actions would be lost if it restarts. Enable appendonly.")
