"""Page weight: the phone's log page and everything it loads, gzip-compressed.

The app serves files as they are; a proxy or the phone's connection compresses them.
We fetch each resource and count what gzip (level 6, as nginx and most CDNs use) would
send, or the bytes sent when the server compressed it already.
"""

from __future__ import annotations

import gzip
import re
from typing import Any
from urllib.parse import urljoin, urlparse

import requests

ASSETS = re.compile(r"""<(?:script|link|img)\b[^>]*?(?:src|href)=["']([^"']+)["']""", re.I)
IMPORTS = re.compile(r"""(?:import|from)\s*\(?\s*["']([^"']+\.m?js)["']""")


def transfer(url: str, session: requests.Session) -> tuple[int, int, str]:
    """Return (bytes on the wire with gzip, raw bytes, body text) for one resource."""
    r = session.get(url, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    wire = r.raw.read(decode_content=False)
    encoded = r.headers.get("Content-Encoding") == "gzip"
    body = gzip.decompress(wire) if encoded else wire
    if r.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {r.status_code}")
    return (len(wire) if encoded else len(gzip.compress(body, 6))), len(body), body.decode(
        "utf-8", "replace")


def page_weight(base: str, path: str, session: requests.Session | None = None
                ) -> dict[str, Any]:
    """Weigh a page and, recursively, its scripts, styles, images and JS imports."""
    s = session or requests.Session()
    host = urlparse(base).netloc
    seen: dict[str, tuple[int, int]] = {}
    todo = [urljoin(base, path)]
    while todo:
        url = todo.pop()
        if url in seen or urlparse(url).netloc != host:
            continue
        gz, raw, text = transfer(url, s)
        seen[url] = (gz, raw)
        if url.endswith((".js", ".mjs")):
            found = IMPORTS.findall(text)
        elif url.endswith(".css"):
            found = re.findall(r"""url\(['"]?([^)'"]+)""", text)
        else:
            found = ASSETS.findall(text)
        todo += [urljoin(url, f) for f in found if not f.startswith(("data:", "#"))]
    files = {urlparse(u).path: {"gzip": g, "raw": r} for u, (g, r) in sorted(seen.items())}
    return {"path": path, "files": files,
            "gzip_bytes": sum(g for g, _ in seen.values()),
            "raw_bytes": sum(r for _, r in seen.values())}
