"""Response headers that keep pages safe: CSP without inline scripts, CORS for public reads."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors {ancestors}")


def init_security(app: Flask) -> None:
    @app.after_request
    def _headers(resp: Response) -> Response:
        ancestors = resp.headers.pop("X-Frame-Ancestors", None) or "'none'"
        resp.headers.setdefault("Content-Security-Policy", CSP.format(ancestors=ancestors))
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.method in ("GET", "HEAD", "OPTIONS") and (
                request.path.startswith("/api/v1/") or request.path == "/healthz"):
            # Public reads may be embedded anywhere (a section's website shows a live total).
            resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        return resp
