"""Editions: stored whole as JSON in one hash, read through a short in-process cache.

An edition is validated before it is stored; what is read back still passes through
`domain.editions.readable`, so that one written some other way (by hand, by an older
version) is shown as well as it can be rather than taking every page down.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from ..domain import Invalid
from ..domain.editions import example_edition, readable, validate_edition
from ..domain.places import region_names
from . import keys
from .base import StoreBase
from .errors import NotFound, unavailable_on_error
from .keys import EditionKeys

EDITION_CACHE_SECONDS = 5.0


class Editions(StoreBase):
    @unavailable_on_error
    def put_edition(self, edition: dict[str, Any], *, current: bool = False) -> None:
        """Store (or replace) an edition; `current` makes it the one shown first."""
        self._redis.hset(keys.EDITIONS, edition["id"], orjson.dumps(edition).decode())
        if current or not self._redis.exists(keys.CURRENT_EDITION):
            self._redis.set(keys.CURRENT_EDITION, edition["id"])
        self._edition_cache.pop(edition["id"], None)

    @unavailable_on_error
    def editions(self) -> list[dict[str, Any]]:
        """Return every edition, newest year first."""
        raw = self._redis.hgetall(keys.EDITIONS)
        return sorted((decode_edition(eid, v) for eid, v in raw.items()),
                      key=lambda e: (-e.get("year", 0), e["id"]))

    @unavailable_on_error
    def current_edition_id(self) -> str | None:
        return self._redis.get(keys.CURRENT_EDITION)

    @unavailable_on_error
    def edition(self, eid: str) -> dict[str, Any]:
        """Return an edition, cached for a few seconds: the log path reads it per request."""
        hit = self._edition_cache.get(eid)
        now = time.monotonic()
        if hit and now - hit[0] < EDITION_CACHE_SECONDS:
            return hit[1]
        raw = self._writer.hget(keys.EDITIONS, eid)  # on the log path: the writers' pool
        if raw is None:
            raise NotFound("edition")
        edition = dict(decode_edition(eid, raw))
        edition["case_ids"] = frozenset(c["id"] for c in edition.get("cases", []))
        self._edition_cache[eid] = (now, edition)
        return edition

    def case_ids(self, eid: str) -> frozenset[str]:
        return self.edition(eid)["case_ids"]

    def import_edition(self, raw: Any, *, current: bool = False) -> dict[str, Any]:
        """Validate an edition given as JSON and store it; return it.

        Its region shapes (`regions`), when given, replace the ones stored before
        (`{}` removes them); an edition given without them keeps them.
        """
        edition = dict(validate_edition(raw))
        regions = edition.pop("regions", None)
        self.put_edition(edition, current=current)
        if regions is not None:
            self.put_region_shapes(edition["id"], regions)
        return edition

    @unavailable_on_error
    def put_region_shapes(self, eid: str, regions: dict[str, Any]) -> None:
        """Store an edition's validated region shapes ({country: FeatureCollection})."""
        key = EditionKeys(eid).regions
        if regions:
            self._redis.set(key, orjson.dumps(regions))
        else:
            self._redis.delete(key)
        self._regions_cache.pop(eid, None)

    def region_shapes(self, eid: str) -> dict[str, Any]:
        """Return an edition's region shapes, {} when it has none (cached a few seconds)."""
        return self._regions(eid)[0]

    def region_names(self, eid: str) -> dict[str, dict[str, str]]:
        """Return {country: {folded name: name}} of the edition's region shapes."""
        return self._regions(eid)[1]

    @unavailable_on_error
    def _regions(self, eid: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
        # The edition snapshot asks on every tick: one GET every few seconds at most.
        hit = self._regions_cache.get(eid)
        now = time.monotonic()
        if hit and now - hit[0] < EDITION_CACHE_SECONDS:
            return hit[1]
        raw = self._redis.get(EditionKeys(eid).regions)
        shapes = orjson.loads(raw) if raw else {}
        value = (shapes, region_names(shapes))
        self._regions_cache[eid] = (now, value)
        return value

    def load_example_if_empty(self) -> None:
        """Store the shipped example edition when there is no edition at all; move a
        stored one (still flagged `example`) to the current campaign year."""
        editions = self.editions()
        if not editions:
            self.put_edition(example_edition(), current=True)
            return
        shipped = example_edition()
        for stored in editions:
            if stored["id"] == shipped["id"] and stored.get("example") and any(
                    stored.get(name) != shipped[name] for name in ("year", "opens", "closes")):
                moved = {**stored, **{name: shipped[name]
                                      for name in ("year", "opens", "closes")}}
                try:
                    self.put_edition(validate_edition(moved))
                except Invalid:  # edited into something else by hand: leave it
                    pass


def decode_edition(eid: str, raw: str) -> dict[str, Any]:
    """Read a stored edition (JSON); a damaged one reads as a placeholder (`readable`)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = None
    return readable(value, eid)
