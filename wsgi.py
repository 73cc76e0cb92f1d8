"""The production entry point: the only module that knows the server.

``ASYNC_MODE`` (read from config.py) picks it: ``eventlet`` (the default) or ``gevent``
monkey-patch first thing, before the app or any library is imported, then build the app;
``threading`` serves with Werkzeug's threaded server. Nothing else in the code base
imports eventlet or gevent.

    python wsgi.py --host 0.0.0.0 --port 5000      (or: marathon serve)
"""

import os
import sys
import warnings

# config.py imports only os, so reading it here patches nothing too late; it refuses an
# ASYNC_MODE it does not know, and the volunteer gets its one line, not a traceback.
try:
    from config import Config
except ValueError as error:
    sys.exit(f"error: {error}")

ASYNC_MODE = Config.ASYNC_MODE
if ASYNC_MODE == "eventlet":
    # eventlet prints an 8-line deprecation notice on import. We know (PRODUCT §7): it
    # is confined to this entry point, ASYNC_MODE=threading works without it, and the
    # notice only alarms the volunteer running `make run`. This is the one place that
    # decides it; docs/architecture.md says the same.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

from marathon import create_app  # noqa: E402
from marathon.extensions import socketio  # noqa: E402


def _offload():
    """The server's thread pool, for work that would stop every green thread while it
    runs (a login's scrypt, ~170 ms): `offload(fn, *args, **kwargs)`. Under threading
    each request has its own thread already."""
    if ASYNC_MODE == "eventlet":
        from eventlet import tpool

        return tpool.execute
    if ASYNC_MODE == "gevent":
        import gevent

        def run(fn, *args, **kwargs):
            return gevent.get_hub().threadpool.apply(fn, args, kwargs)

        return run
    return None


app = create_app(offload=_offload())
# Connections waiting to be accepted when thousands of screens reconnect at once.
BACKLOG = 2048


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the embedded Redis is shut down cleanly."""

    def handler(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def _calm_collector(full_seconds: float) -> None:
    """Keep what survived a full garbage collection out of the next ones (`gc.freeze`).

    Sockets live for hours, and a full pass walks all of their objects: at 4,400
    sockets a process, 650,000 objects and a 0.6–1 s stop of every green thread, every
    ~15 s. Frozen after each full pass, the next ones walk only what is newer. What was
    frozen and later became cyclic garbage (a closed socket's objects) waits for the
    next thaw: every `full_seconds`, one full pass sees everything again.
    """
    if full_seconds <= 0:
        return
    gc.collect()
    gc.freeze()
    thawed = time.monotonic()

    def after_collection(phase: str, info: dict) -> None:
        nonlocal thawed
        if phase != "stop" or info["generation"] != 2:
            return
        if time.monotonic() - thawed >= full_seconds:
            gc.unfreeze()  # the next full pass walks everything
            thawed = time.monotonic()
        else:
            gc.freeze()

    gc.callbacks.append(after_collection)


def _serve_eventlet(host: str, port: int) -> None:
    import eventlet.wsgi

    # eventlet's pool admits 1,024 connections by default: one projector screen per
    # hall is nothing, but a campaign night with thousands of sockets needs more.
    # Each socket is a file descriptor: `ulimit -n` must exceed WSGI_MAX_CONNECTIONS.
    listener = eventlet.listen((host, port), backlog=BACKLOG)
    eventlet.wsgi.server(listener, app, max_size=app.config["WSGI_MAX_CONNECTIONS"],
                         log_output=False, keepalive=True)


def _serve_gevent(host: str, port: int) -> None:
    # gevent's own WSGI server, as Flask-SocketIO's `socketio.run` starts it, but with
    # a pool of WSGI_MAX_CONNECTIONS greenlets (gevent's default has no bound) so that
    # it admits what eventlet's does. Websockets come from simple-websocket: engineio's
    # gevent driver uses it when gevent-websocket (unmaintained) is not installed.
    import socket

    from gevent import GreenletExit
    from gevent.pool import Pool
    from gevent.pywsgi import WSGIHandler, WSGIServer

    class Handler(WSGIHandler):
        """pywsgi's handler, without Nagle's delay, leaving websockets to themselves.

        pywsgi sends a response's headers and its body in two writes: with Nagle's
        algorithm on, the body waits for the client's delayed ACK, some 40 ms a request
        on a kept-alive connection. And simple-websocket answers the upgrade on a copy of
        the socket, so pywsgi still thinks the connection speaks HTTP: it would read the
        screen's last frames as a next request ("Invalid HTTP method" for every screen
        that leaves) and, when the server stops, write an HTTP 500 into every open
        websocket.
        """

        def handle(self) -> None:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle()

        def websocket(self) -> bool:
            return self.environ.get("HTTP_UPGRADE", "").lower() == "websocket"

        def run_application(self) -> None:
            try:
                super().run_application()
            finally:
                if self.websocket():
                    self.close_connection = True

        def handle_error(self, t, v, tb) -> None:
            if not self.websocket():
                return super().handle_error(t, v, tb)
            self.close_connection = True
            if not issubclass(t, GreenletExit):  # GreenletExit: the server is stopping
                logging.getLogger("wsgi").error("websocket failed", exc_info=(t, v, tb))

    WSGIServer((host, port), app, backlog=BACKLOG, handler_class=Handler,
               spawn=Pool(app.config["WSGI_MAX_CONNECTIONS"]), log=None).serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Letter Marathon.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    _stop_on_sigterm()
    _calm_collector(app.config["GC_FULL_SECONDS"])
    print(f"Letter Marathon on http://{args.host}:{args.port}/ "
          f"({ASYNC_MODE}, Redis: {app.config['REDIS_MODE']})", flush=True)
    if ASYNC_MODE == "eventlet":
        _serve_eventlet(args.host, args.port)
    elif ASYNC_MODE == "gevent":
        _serve_gevent(args.host, args.port)
    else:
        socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                     log_output=False, use_reloader=False, debug=False)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (KeyboardInterrupt, SystemExit):
        pass
