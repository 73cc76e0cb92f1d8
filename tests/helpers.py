"""Small data factories shared by the tests, and `wait_for`, to poll for a condition."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 10, interval: float = 0.05,
             what: str = "") -> Any:
    """Poll `predicate` until it returns something truthy and return that, or fail after
    `timeout` seconds saying what was awaited.

    Not for Playwright pages: their events only arrive while Playwright waits, so use
    `page.wait_for_function` / `expect` there.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for "
                                 f"{what or getattr(predicate, '__name__', 'a condition')}"
                                 f" (last: {value!r})")
        time.sleep(interval)


CASES = ["ales-bialiatski", "moses-akatugba", "albert-woodfox", "mahadine"]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid registration body for a marathon running now (started an hour ago)."""
    body: dict[str, Any] = {
        "group": {"name": "Lycée Victor Hugo", "type": "school", "city": "Besançon",
                  "region": "Bourgogne-Franche-Comté", "country": "FR"},
        "edition_id": "example", "title": "Marathon des lettres 2026",
        "starts_at": iso(now() - timedelta(hours=1)), "timezone": "Europe/Paris",
        "duration_hours": 24, "goal": 500,
    }
    body.update(overrides)
    return body


def action(**overrides: Any) -> dict[str, Any]:
    body = {"client_id": str(uuid.uuid4()), "kind": "letter", "case_id": CASES[0],
            "count": 1, "written_at": iso(now())}
    body.update(overrides)
    return body


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'name="csrf-token" content="([^"]+)"|'
                  r'type="hidden" name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Read the CSRF token a page carries (a form field or the meta tag)."""
    m = CSRF.search(html)
    assert m, "no CSRF token on the page"
    return next(g for g in m.groups() if g)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """Drive the JSON API through a Flask test client or a requests session."""

    def __init__(self, client: Any, base: str = "") -> None:
        self.c = client
        self.base = base

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        fn = getattr(self.c, method)
        return fn(self.base + path, **kw)

    def make_marathon(self, **overrides: Any) -> dict[str, Any]:
        r = self._call("post", "/api/v1/marathons", json=registration(**overrides))
        assert r.status_code == 201, _text(r)
        return _json(r)

    def join(self, code: str, nickname: str = "Zoë", on_board: bool = True, *,
             joined_at: str | None = None, host: str | None = None,
             team_id: str | None = None) -> dict[str, Any]:
        """Join (in team `team_id`, if given); with the host token `host`, the join may be
        dated `joined_at` (a phone may not log actions dated before its join)."""
        body: dict[str, Any] = {"code": code, "nickname": nickname, "on_board": on_board}
        if joined_at is not None:
            body["joined_at"] = joined_at
        if team_id is not None:
            body["team_id"] = team_id
        r = self._call("post", "/api/v1/join", json=body,
                       headers=auth(host) if host else {})
        assert r.status_code == 201, _text(r)
        return _json(r)

    def make_team(self, mid: str, host: str, name: str) -> dict[str, Any]:
        r = self._call("post", f"/api/v1/marathons/{mid}/teams", json={"name": name},
                       headers=auth(host))
        assert r.status_code == 201, _text(r)
        return _json(r)

    def log(self, mid: str, token: str, **overrides: Any) -> Any:
        return self._call("post", f"/api/v1/marathons/{mid}/actions",
                          json=action(**overrides), headers=auth(token))

    def undo(self, mid: str, token: str, client_id: str) -> Any:
        return self._call("delete", f"/api/v1/marathons/{mid}/actions/{client_id}",
                          headers=auth(token))

    def marathon(self, mid: str) -> dict[str, Any]:
        r = self._call("get", f"/api/v1/marathons/{mid}")
        assert r.status_code == 200, _text(r)
        return _json(r)


def _json(r: Any) -> Any:
    return r.get_json() if hasattr(r, "get_json") else r.json()


def _text(r: Any) -> str:
    return r.get_data(as_text=True) if hasattr(r, "get_data") else r.text


def data_attr(page: str, name: str) -> Any:
    """The JSON of a data-* attribute a page's script reads."""
    match = re.search(rf"data-{name}='([^']*)'", page)
    assert match, name
    return json.loads(html.unescape(match.group(1)))
