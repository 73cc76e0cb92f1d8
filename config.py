"""Settings for Letter Marathon.

Every value comes from an environment variable with a typed default. `create_app`
loads `Config` (or the class or mapping it is given) and then the instance folder's
generated secret.
"""

from __future__ import annotations

import os


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


# The languages the app speaks, English first: it is the fallback of every text (the
# catalogs' source language, and the one text an edition must give).
LANGUAGES = ("en", "fr", "pl", "de", "es")

# The servers wsgi.py knows: eventlet and gevent (green threads), threading (Werkzeug).
ASYNC_MODES = ("eventlet", "threading", "gevent")


def _async_mode() -> str:
    mode = os.environ.get("ASYNC_MODE", "eventlet").strip().lower()
    if mode not in ASYNC_MODES:
        raise ValueError(f"ASYNC_MODE={mode!r} is not a server this app knows: use one of "
                         f"{', '.join(ASYNC_MODES)}")
    return mode


class Config:
    # Redis: unset means "start and supervise an embedded redis-server".
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # A stopped or killed Redis refuses at once (503 in milliseconds); the read timeout
    # only bounds a Redis that hangs, and must stay above a loaded machine's hiccups.
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", 2.0))
    REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", 200))
    # Participants' writes (log, undo, join) have a pool of their own, so screens' polls,
    # snapshot reads and exports that wait for a connection never make a letter wait.
    REDIS_WRITE_CONNECTIONS = int(os.environ.get("REDIS_WRITE_CONNECTIONS", 64))
    # ... and a longer read timeout: on a saturated machine a write whose answer is slow
    # to come back still lands (a 503 would only make the phone send it again); a 503
    # to a phone means Redis is down (refused at once) or hung for this long.
    REDIS_WRITE_TIMEOUT = float(os.environ.get("REDIS_WRITE_TIMEOUT", 8.0))
    EMBEDDED_REDIS_FSYNC = os.environ.get("EMBEDDED_REDIS_FSYNC", "always")
    REDIS_SERVER_BIN = os.environ.get("REDIS_SERVER_BIN", "redis-server")

    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    DEBUG = _bool("FLASK_DEBUG", False)
    # Production refuses to start without a real secret; development makes one
    # in the instance folder.
    ENV_PRODUCTION = _bool("MARATHON_PRODUCTION", False)

    ASYNC_MODE = _async_mode()
    LIVE_MAX_HZ = float(os.environ.get("LIVE_MAX_HZ", 4))
    LIVE_BROADCAST = _bool("LIVE_BROADCAST", True)
    WSGI_MAX_CONNECTIONS = int(os.environ.get("WSGI_MAX_CONNECTIONS", 5000))
    # What one client address may hold open at once (0: no cap), so that one machine
    # cannot take the whole pool. A school hall's 150+ phones share ONE address behind
    # its NAT: each holds a websocket and, while a page loads, up to 6 connections, so
    # the moment everyone scans the QR code is ~1,000; once loaded, ~2 each. 1,500 leaves
    # room and is still under a third of the pool (WSGI_MAX_CONNECTIONS). Beyond the cap
    # a connection gets a 503 and is closed. Behind a proxy (TRUSTED_PROXIES) every
    # connection comes from the proxy: the connection cap is then the proxy's job, and
    # websockets are counted by the forwarded address.
    MAX_CONNECTIONS_PER_ADDRESS = int(os.environ.get("MAX_CONNECTIONS_PER_ADDRESS", 1500))
    # A websocket costs ~120 KB: 150 phones and the hall's screens, three times over.
    MAX_WEBSOCKETS_PER_ADDRESS = int(os.environ.get("MAX_WEBSOCKETS_PER_ADDRESS", 500))
    # Seconds a connection has to send a whole request head (request line and headers),
    # counted from its opening or from the end of the previous answer on it: a client
    # that trickles its headers, or a kept-alive connection left idle, is closed then.
    # A phone's head is one packet; 20 s covers a hall's worst Wi-Fi retransmits.
    HTTP_HEADER_TIMEOUT = float(os.environ.get("HTTP_HEADER_TIMEOUT", 20))
    # The server process's full garbage collections: with thousands of sockets open, one
    # pass over every object stops the process 0.6–1 s (every ~15 s at 800 marathons:
    # the ack-to-screen p99). The server keeps what survived a full pass out of the next
    # ones and lets a pass see everything only this often (0: Python's own schedule).
    GC_FULL_SECONDS = float(os.environ.get("GC_FULL_SECONDS", 3600))
    # permessage-deflate keeps a zlib compressor per socket and compresses every snapshot
    # once per client: ~90 MB more per 1,000 sockets and the p99 at 2,000 screens
    # (bench/results/latest.md). Snapshots are ~1.8 KB at ≤ 4/s, so it is off by default.
    WEBSOCKET_COMPRESSION = _bool("WEBSOCKET_COMPRESSION", False)
    SOCKETIO_CORS_ORIGINS = os.environ.get("SOCKETIO_CORS_ORIGINS", "")
    # The Redis pub/sub channel the server processes share their emits on. Channels are
    # not per database: two services on one Redis (different REDIS_URL databases) each
    # need their own.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "socketio")

    MAX_CONTENT_LENGTH = 16 * 1024
    # The admin's edition upload only: the shipped example is ~28 KB, one with 20 cases
    # and their letters in two languages a few hundred.
    EDITION_UPLOAD_MAX_BYTES = int(os.environ.get("EDITION_UPLOAD_MAX_BYTES", 512 * 1024))
    LATE_SYNC_HOURS = float(os.environ.get("LATE_SYNC_HOURS", 6))
    CLOCK_SKEW_SECONDS = float(os.environ.get("CLOCK_SKEW_SECONDS", 300))
    # How long idempotency keys outlive the acceptance window.
    IDEMPOTENCY_EXTRA_DAYS = float(os.environ.get("IDEMPOTENCY_EXTRA_DAYS", 7))
    # Plausibility cap: actions one participant may log in one hour of the window.
    MAX_ACTIONS_PER_PARTICIPANT_HOUR = int(
        os.environ.get("MAX_ACTIONS_PER_PARTICIPANT_HOUR", 600)
    )
    UNDO_WINDOW_SECONDS = int(os.environ.get("UNDO_WINDOW_SECONDS", 300))
    # The host's paper tallies: at most this many per entry, and beyond base + per
    # participant in one hour (server time) a tally needs a second confirmation.
    TALLY_MAX = int(os.environ.get("TALLY_MAX", 500))
    HOST_TALLY_HOUR_BASE = int(os.environ.get("HOST_TALLY_HOUR_BASE", 500))
    HOST_TALLY_HOUR_PER_PARTICIPANT = int(os.environ.get("HOST_TALLY_HOUR_PER_PARTICIPANT", 50))
    # Confirmed or not, the host's entries per hour stop here (0: no limit).
    HOST_TALLY_HOUR_MAX = int(os.environ.get("HOST_TALLY_HOUR_MAX", 20_000))
    # A verified marathon's plausibility envelope: participants x hours begun x this, plus
    # the host's hourly bound x hours begun. What it logs beyond it is held out of the
    # edition and the marathon is back in review until a coordinator verifies it (0: off).
    ENVELOPE_PER_PARTICIPANT_HOUR = int(os.environ.get("ENVELOPE_PER_PARTICIPANT_HOUR", 120))

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # X-RateLimit-* headers on every answer cost the limiter two more Redis round trips per
    # request (bench/results/latest.md); a 429 still says Retry-After without them.
    RATELIMIT_HEADERS_ENABLED = _bool("RATELIMIT_HEADERS_ENABLED", False)
    # Registrations per address, the form and the API together.
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "20 per hour")
    # Registrations per edition and hour whose registration code is checked, from every
    # address; beyond it a code is not checked (the marathon waits for review).
    REGISTRATION_CODE_TRIES_PER_HOUR = int(os.environ.get(
        "REGISTRATION_CODE_TRIES_PER_HOUR", 60))
    # Joins, per address *and* marathon (a school hall shares one address: 150 pupils
    # joining in a minute must all get in), and per marathon from all addresses.
    RATELIMIT_JOIN = os.environ.get("RATELIMIT_JOIN", "300 per minute")
    RATELIMIT_JOIN_MARATHON = os.environ.get("RATELIMIT_JOIN_MARATHON", "600 per minute")
    # Paper tallies per marathon (the host's form and the host's API writes of count > 1).
    RATELIMIT_TALLY = os.environ.get("RATELIMIT_TALLY", "30 per minute")
    RATELIMIT_ACTIONS = os.environ.get("RATELIMIT_ACTIONS", "120 per minute")
    # Actions counted from one address, whatever the tokens (each action costs its count):
    # a hall of 150 pupils writes a few hundred in 10 minutes; a stranger joining again
    # and again to get fresh tokens is held to this.
    RATELIMIT_ACTIONS_ADDRESS = os.environ.get("RATELIMIT_ACTIONS_ADDRESS",
                                               "3000 per 10 minutes")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "5 per 15 minutes")

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = LANGUAGES
    # Nicknames are erased this many days after the edition's last marathon ends.
    NICKNAME_RETENTION_DAYS = int(os.environ.get("NICKNAME_RETENTION_DAYS", 90))
    # Erase nicknames NICKNAME_RETENTION_DAYS after their edition ended, once a day.
    RETENTION_JOB = _bool("RETENTION_JOB", True)
    # Extra words masked on screens, comma-separated, on top of the shipped lists.
    NICKNAME_BLOCKLIST = os.environ.get("NICKNAME_BLOCKLIST", "")

    # Behind nginx (docs/deploy.md) set this to the number of proxies in front, so rate
    # limits and absolute URLs use the client's address and host, not the proxy's.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))

    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript",
                          "application/javascript", "image/svg+xml",
                          "application/manifest+json"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    # Static files are versioned by the set-up; phones keep them for an hour.
    SEND_FILE_MAX_AGE_DEFAULT = 3600

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # Production serves HTTPS (behind nginx): cookies are only sent over it, unless
    # ALLOW_INSECURE_HTTP=1 says this server is knowingly reached over plain HTTP.
    ALLOW_INSECURE_HTTP = _bool("ALLOW_INSECURE_HTTP", False)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE",
                                  ENV_PRODUCTION and not ALLOW_INSECURE_HTTP)
    # Sessions live in Redis (the cookie holds a random id) and end by themselves: a host's
    # (the marathons this browser may run) after these days, a coordinator's after these
    # hours, a session holding only a form's CSRF secret after these hours.
    SESSION_HOST_DAYS = float(os.environ.get("SESSION_HOST_DAYS", 30))
    SESSION_COORDINATOR_HOURS = float(os.environ.get("SESSION_COORDINATOR_HOURS", 12))
    SESSION_ANONYMOUS_HOURS = float(os.environ.get("SESSION_ANONYMOUS_HOURS", 24))
    # Failed logins of one e-mail, from any address: after this many in a row, each next
    # one must wait 1 s, then 2, 4… up to LOGIN_BACKOFF_MAX_SECONDS (on top of
    # RATELIMIT_LOGIN per address). A success, or a day without failures, forgets them.
    LOGIN_BACKOFF_AFTER = int(os.environ.get("LOGIN_BACKOFF_AFTER", 3))
    LOGIN_BACKOFF_MAX_SECONDS = float(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", 900))


class TestConfig(Config):
    TESTING = True
    ASYNC_MODE = "threading"
    SECRET_KEY = "test-secret-key-not-for-production"
    LIVE_BROADCAST = False
    RETENTION_JOB = False
    RATELIMIT_ENABLED = False
    ENV_PRODUCTION = False
