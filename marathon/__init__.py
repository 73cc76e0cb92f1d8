"""Letter Marathon: live tracker for Write for Rights letter marathons."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Any = None, *, offload: Callable[..., Any] | None = None) -> Flask:
    """Build the application: settings, Redis (embedded or external), extensions, routes.

    `offload(fn, *args, **kwargs)` runs CPU-heavy work (password hashing) where it stops
    no other request: the entry point passes its server's thread pool (wsgi.py), so
    nothing here imports eventlet or gevent. Without it the work runs in the request's
    own thread, which is right for ASYNC_MODE=threading and commands.
    """
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
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore

    from . import store
    from .extensions import babel, compress, csrf, limiter, socketio
    from .jobs import init_jobs
    from .live import init_live, socketio_options, without_websocket_compression
    from .web import api, templating
    from .web.errors import register_error_handlers
    from .web.i18n import select_locale
    from .web.quiet_logs import init_quiet_logs
    from .web.security import init_security
    from .web.sessions import init_sessions

    the_store = store.init_app(app, offload)  # before the limiter: it sets the limiter's storage
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    socketio.init_app(app, **socketio_options(app))
    if not app.config["WEBSOCKET_COMPRESSION"]:
        app.wsgi_app = without_websocket_compression(app.wsgi_app)  # type: ignore
    register_error_handlers(app)
    templating.init_app(app)
    init_security(app)
    init_quiet_logs()  # no join code, token or address in the logs
    init_sessions(app)

    from .web import admin, coordinate, host, kit, pages, phone, screens

    app.register_blueprint(api.blueprint())  # every /api/v1 route: web/api/__init__.py
    for pages_bp in (pages.bp, phone.bp, screens.bp, host.bp, kit.bp, coordinate.bp,
                     admin.bp):
        app.register_blueprint(pages_bp)
    init_live(app)
    init_jobs(app)
    store.bootstrap(the_store)
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
    app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def _instance_secret(path: Path) -> str:
    """Read the instance folder's secret key, making it first if there is none.

    Two processes started together must end with the same key (each signs what the other
    checks): the key is written whole to a file of this process's own, then linked
    into place, which fails when another process linked its key first; both then read
    the one that won.
    """
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
