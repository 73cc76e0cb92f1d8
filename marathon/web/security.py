"""Response headers that keep pages safe: CSP without inline scripts, framing refused
except where a page is made to be embedded, CORS only on public reads."""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session

from .api import public_reads

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors {ancestors}")
# Pages that a host may let other sites embed (display option `allow_embed`). The screen
# shows the join code, which the public API keeps offline: framing it is the host's call.
EMBEDDABLE = frozenset({"/m/<mid>/screen"})
# Pages made to be embedded (a livestream's browser source, a website's card): they show
# what the public snapshots show and nothing else, so any site may frame them, even
# their error pages (a bad option in the address must show where it was typed).
ALWAYS_EMBEDDABLE = frozenset({"/m/<mid>/overlay", "/e/<eid>/overlay", "/m/<mid>/widget"})
# The reads any website may make: the API's public routes (`api.ROUTES` says which), and
# the health check.
PUBLIC_READS = public_reads() | {"/healthz"}


def _embed_ancestors(resp: Response) -> str | None:
    """Allow framing of the overlays and widget always, of a screen when its host allows."""
    rule = request.url_rule
    if rule is not None and rule.rule in ALWAYS_EMBEDDABLE:
        return "*"
    if rule is None or rule.rule not in EMBEDDABLE or resp.status_code != 200:
        return None
    mid = (request.view_args or {}).get("mid")
    try:
        options = current_app.extensions["store"].marathon(mid)["options"]
    except Exception:  # unknown marathon or Redis down: keep the default refusal
        return None
    return "*" if options.get("allow_embed") is True else None


def _credentialed() -> bool:
    """Whether the request carries a token or a host's or coordinator's session.

    With one, a public read may answer more than its public fields (a host's join code,
    the audit trail, a coordinator's every column): that answer is for our own pages,
    which are same-origin and need no CORS header.
    """
    if "Authorization" in request.headers:
        return True
    # Without a session cookie there is nothing to read (the session is read lazily).
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return bool(session.get("hosts")) or "coordinator" in session


def is_public_read() -> bool:
    """Whether any website may read this answer: a public read, asked without credentials."""
    rule = request.url_rule
    return (request.method in ("GET", "HEAD", "OPTIONS") and rule is not None
            and rule.rule in PUBLIC_READS and not _credentialed())


def init_security(app: Flask) -> None:
    @app.after_request
    def _headers(resp: Response) -> Response:
        ancestors = (resp.headers.pop("X-Frame-Ancestors", None) or _embed_ancestors(resp)
                     or "'none'")
        resp.headers.setdefault("Content-Security-Policy", CSP.format(ancestors=ancestors))
        if ancestors == "'none'":
            resp.headers.setdefault("X-Frame-Options", "DENY")  # browsers without CSP 3
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if is_public_read():
            # A section's website may show a live total; never a private answer.
            resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        return resp
