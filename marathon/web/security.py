"""Response headers that keep pages safe: CSP without inline scripts, CORS for public reads."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors {ancestors}")
# Pages that a host may let other sites embed (display option `allow_embed`).
EMBEDDABLE = frozenset({"/m/<mid>/screen"})


def _embed_ancestors(resp: Response) -> str | None:
    """Allow framing of a marathon's screen by any site when its host turned it on."""
    rule = request.url_rule
    if rule is None or rule.rule not in EMBEDDABLE or resp.status_code != 200:
        return None
    mid = (request.view_args or {}).get("mid")
    try:
        options = current_app.extensions["store"].marathon(mid)["options"]
    except Exception:  # unknown marathon or Redis down: keep the default refusal
        return None
    return "*" if options.get("allow_embed") is True else None


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
        if request.method in ("GET", "HEAD", "OPTIONS") and (
                request.path.startswith("/api/v1/") or request.path == "/healthz"):
            # Public reads may be embedded anywhere (a section's website shows a live total).
            resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        return resp
