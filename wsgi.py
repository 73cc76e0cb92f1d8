"""The production entry point: the only module that knows the server.

``ASYNC_MODE`` (read from config.py) picks it: ``eventlet`` (the default) or ``gevent``
monkey-patch first thing, before the app or any library is imported, then build the app;
``threading`` serves with Werkzeug's threaded server. Nothing else in the code base
imports eventlet or gevent. Each of the three gives a request's head a deadline
(HTTP_HEADER_TIMEOUT) and counts connections and websockets per client address
(marathon/connections.py), so that a hall's laptop, with no proxy in front, stays
answerable when one machine opens thousands of slow connections.

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
import contextlib  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

from marathon import create_app  # noqa: E402
from marathon.connections import REFUSED, AddressCounter, client_key, websocket_cap  # noqa: E402


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
    """Turn SIGTERM into a normal exit so the embedded Redis is shut down cleanly.

    Under eventlet the exit goes to the main green thread, the one that accepts
    connections: the server then stops accepting and finishes the requests in flight. A
    signal handler runs in whichever green thread is running when Python gets to it; on
    a loaded machine that can be a request's, and raising there would drop that request
    without an answer.
    """
    if ASYNC_MODE == "eventlet":
        import greenlet
        from eventlet import hubs

        main_thread = greenlet.getcurrent()

        def handler(signum, frame):
            hubs.get_hub().schedule_call_global(0, main_thread.throw, SystemExit(0))
    else:
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


def _per_address() -> AddressCounter:
    """The connections each client address holds; no cap behind a proxy (it is the
    only address the server sees: nginx's `limit_conn` is the cap there)."""
    cap = app.config["MAX_CONNECTIONS_PER_ADDRESS"]
    return AddressCounter(0 if app.config["TRUSTED_PROXIES"] else cap)


def _serve_eventlet(host: str, port: int) -> None:
    import eventlet.wsgi

    head_timeout = app.config["HTTP_HEADER_TIMEOUT"]
    per_address = _per_address()

    class Protocol(eventlet.wsgi.HttpProtocol):
        """eventlet's HTTP handler, with a deadline on each request's head.

        eventlet's own `socket_timeout` bounds each read, so one header line every few
        seconds would hold a connection forever; the deadline bounds the whole head,
        from the connection's opening (or the previous answer) to its last header.
        """

        def handle_one_request(self) -> None:
            self._head_deadline = eventlet.Timeout(head_timeout) if head_timeout > 0 else None
            try:
                super().handle_one_request()
            except eventlet.Timeout as timeout:
                if timeout is not self._head_deadline:
                    raise
                self.close_connection = 1
            finally:
                self._end_head()

        def parse_request(self) -> bool:
            try:
                return super().parse_request()
            finally:
                self._end_head()  # the head is in: what follows is the app's time

        def _end_head(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()

    class Refused:
        """What the accept loop links its clean-up to, for a connection never served."""

        def link(self, callback, *args) -> None:
            callback(self, *args)  # eventlet's clean-up closes the socket

    class Pool(eventlet.GreenPool):
        """eventlet's pool, admitting at most the address's cap from any one address."""

        def spawn(self, serve, connection):
            key = client_key(connection[0][0] if isinstance(connection[0], tuple) else "")
            if not per_address.take(key):
                with contextlib.suppress(OSError):  # a full send buffer: just close
                    connection[1].fd.send(REFUSED)
                return Refused()

            def serve_and_count(connection):
                try:
                    serve(connection)
                finally:
                    per_address.give(key)

            return super().spawn(serve_and_count, connection)

    # eventlet's pool admits 1,024 connections by default: one projector screen per
    # hall is nothing, but a campaign night with thousands of sockets needs more.
    # Each socket is a file descriptor: `ulimit -n` must exceed WSGI_MAX_CONNECTIONS.
    listener = eventlet.listen((host, port), backlog=BACKLOG)
    # A number for `keepalive` makes eventlet tell clients (`Keep-Alive: timeout=…`) how
    # long an idle connection lasts, so that a browser reuses none the server is closing.
    eventlet.wsgi.server(listener, app, custom_pool=Pool(app.config["WSGI_MAX_CONNECTIONS"]),
                         protocol=Protocol, log_output=False, keepalive=head_timeout or True)


def _serve_gevent(host: str, port: int) -> None:
    # gevent's own WSGI server, as Flask-SocketIO's `socketio.run` starts it, but with
    # a pool of WSGI_MAX_CONNECTIONS greenlets (gevent's default has no bound) so that
    # it admits what eventlet's does. Websockets come from simple-websocket: engineio's
    # gevent driver uses it when gevent-websocket (unmaintained) is not installed.
    import socket

    from gevent import GreenletExit, Timeout
    from gevent.pool import Pool
    from gevent.pywsgi import WSGIHandler, WSGIServer

    head_timeout = app.config["HTTP_HEADER_TIMEOUT"]
    per_address = _per_address()

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

        def handle_one_request(self):
            # A deadline on the whole head (request line and headers), from the
            # connection's opening or the previous answer: a per-read timeout would let
            # one header line every few seconds hold the connection for ever.
            self._head_deadline = Timeout(head_timeout) if head_timeout > 0 else None
            if self._head_deadline is not None:
                self._head_deadline.start()
            try:
                return super().handle_one_request()
            except Timeout as timeout:
                if timeout is not self._head_deadline:
                    raise
                return None  # close the connection
            finally:
                self._end_head()

        def read_request(self, raw_requestline):
            try:
                return super().read_request(raw_requestline)
            finally:
                self._end_head()  # the head is in: what follows is the app's time

        def _end_head(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.close()

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

    class Server(WSGIServer):
        """pywsgi's server, admitting at most the address's cap from any one address."""

        def do_handle(self, client, address) -> None:
            key = client_key(address[0] if isinstance(address, tuple) else "")
            if not per_address.take(key):
                with contextlib.suppress(OSError):  # a full send buffer: just close
                    getattr(client, "_sock", client).send(REFUSED)
                client.close()
                return
            try:
                super().do_handle(client, address)
            except BaseException:
                per_address.give(key)  # never spawned
                raise

        def handle(self, client, address) -> None:
            try:
                super().handle(client, address)
            finally:
                per_address.give(client_key(address[0] if isinstance(address, tuple)
                                            else ""))

    Server((host, port), app, backlog=BACKLOG, handler_class=Handler,
           spawn=Pool(app.config["WSGI_MAX_CONNECTIONS"]), log=None).serve_forever()


def _serve_threading(host: str, port: int) -> None:
    """Werkzeug's threaded server (what `socketio.run` starts), with the same limits.

    A thread per connection and no pool: beyond WSGI_MAX_CONNECTIONS in all, as beyond
    an address's cap, a connection gets a 503 and is closed.
    """
    import io
    import socket

    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    head_timeout = app.config["HTTP_HEADER_TIMEOUT"]
    per_address = _per_address()
    everyone = AddressCounter(app.config["WSGI_MAX_CONNECTIONS"])
    admitted: dict[socket.socket, str] = {}  # an accepted connection's address key

    class HeadReader(io.RawIOBase):
        """The connection's reads, each given what is left of the head's deadline.

        A socket timeout bounds one read; the head's deadline bounds them all, so one
        header line every few seconds cannot hold the connection (and its thread).
        """

        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock
            self.deadline: float | None = None

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("request head too slow")
                self.sock.settimeout(left)
            return self.sock.recv_into(buffer)

        def end_head(self) -> None:
            if self.deadline is not None:
                self.deadline = None
                with contextlib.suppress(OSError):  # closed by the client already
                    self.sock.settimeout(None)

    class Handler(WSGIRequestHandler):
        def setup(self) -> None:
            super().setup()
            # The socket's own reader, replaced before anything is read, stays open till
            # `finish`: while it is, a websocket's close leaves the descriptor to us.
            self.socket_reader = self.rfile
            self.head = HeadReader(self.connection)
            self.rfile = io.BufferedReader(self.head)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                self.socket_reader.close()

        def handle_one_request(self) -> None:
            if head_timeout > 0:
                self.head.deadline = time.monotonic() + head_timeout
            try:
                super().handle_one_request()  # a TimeoutError there closes the connection
            finally:
                self.head.end_head()

        def parse_request(self) -> bool:
            try:
                return super().parse_request()
            finally:
                self.head.end_head()  # the head is in: what follows is the app's time

        def log_request(self, *args) -> None:
            pass  # as the green servers (log_output=False): no address per request

        def log_error(self, format: str, *args) -> None:
            if not format.startswith("Request timed out"):  # a slow head: closed, as
                super().log_error(format, *args)  # the green servers do, unlogged

    class Server(ThreadedWSGIServer):
        def verify_request(self, request, client_address) -> bool:
            key = client_key(client_address[0] if isinstance(client_address, tuple)
                             else "")
            if everyone.take(""):
                if per_address.take(key):
                    admitted[request] = key
                    return True
                everyone.give("")
            with contextlib.suppress(OSError):  # a full send buffer: just close
                request.setblocking(False)
                request.send(REFUSED)
            return False

        def shutdown_request(self, request) -> None:
            key = admitted.pop(request, None)
            if key is not None:
                per_address.give(key)
                everyone.give("")
            super().shutdown_request(request)

    Server(host, port, app, handler=Handler).serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Letter Marathon.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    _stop_on_sigterm()
    _calm_collector(app.config["GC_FULL_SECONDS"])
    app.wsgi_app = websocket_cap(app.wsgi_app, app.config["MAX_WEBSOCKETS_PER_ADDRESS"],
                                 app.config["TRUSTED_PROXIES"])
    print(f"Letter Marathon on http://{args.host}:{args.port}/ "
          f"({ASYNC_MODE}, Redis: {app.config['REDIS_MODE']})", flush=True)
    if ASYNC_MODE == "eventlet":
        _serve_eventlet(args.host, args.port)
    elif ASYNC_MODE == "gevent":
        _serve_gevent(args.host, args.port)
    else:
        _serve_threading(args.host, args.port)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (KeyboardInterrupt, SystemExit):
        pass
