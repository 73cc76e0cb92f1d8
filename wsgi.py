"""The production entry point: the only module that knows the server.

Under the default ``ASYNC_MODE=eventlet`` it monkey-patches first thing, before any
other import, then builds the app. ``ASYNC_MODE=threading`` serves with Werkzeug's
threaded server instead, and nothing else in the code base imports eventlet.

    python wsgi.py --host 0.0.0.0 --port 5000      (or: marathon serve)
"""

import os
import warnings

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    # eventlet prints an 8-line deprecation notice on import. We know (PRODUCT §7): it
    # is confined to this entry point, ASYNC_MODE=threading works without it, and the
    # notice only alarms the volunteer running `make run`. This is the one place that
    # decides it; docs/architecture.md says the same.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from marathon import create_app  # noqa: E402
from marathon.extensions import socketio  # noqa: E402

app = create_app()


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the embedded Redis is shut down cleanly."""

    def handler(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Letter Marathon.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    _stop_on_sigterm()
    print(f"Letter Marathon on http://{args.host}:{args.port}/ "
          f"({ASYNC_MODE}, Redis: {app.config['REDIS_MODE']})", flush=True)
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi

        # eventlet's pool admits 1,024 connections by default: one projector screen per
        # hall is nothing, but a campaign night with thousands of sockets needs more.
        # Each socket is a file descriptor: `ulimit -n` must exceed WSGI_MAX_CONNECTIONS.
        listener = eventlet.listen((args.host, args.port), backlog=2048)
        eventlet.wsgi.server(listener, app, max_size=app.config["WSGI_MAX_CONNECTIONS"],
                             log_output=False, keepalive=True)
    else:
        socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                     log_output=False, use_reloader=False, debug=False)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (KeyboardInterrupt, SystemExit):
        pass
