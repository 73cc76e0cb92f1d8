"""Reads of the per-edition indexes that serve the compare table (issue 8).

The write scripts keep, per edition, a hash of every marathon's descriptive row
(`EditionKeys.rows`), a hash of its numbers (`EditionKeys.stats`: participants, best
hour, per kind, per case) and the totals zset. The table is built from these three
keys in one round trip, never by reading every marathon's own keys. The rows change
rarely (registration, an edit), so each process keeps them until the edition's
revision counter moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from . import keys
from .keys import EditionKeys, MarathonKeys
from .store import Store, unavailable_on_error

HOUR_MS = 3_600_000


@dataclass
class EditionIndex:
    """Everything the compare table needs for one edition."""

    rows: dict[str, dict[str, Any]]  # marathon id -> descriptive fields
    totals: dict[str, int]  # marathon id -> total
    stats: dict[str, dict[str, int]]  # marathon id -> {"p", "b", "k:<kind>", "c:<case>"}


class CompareStore:
    """Read the compare indexes; one instance per app (`app.extensions["compare_store"]`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rows: dict[str, tuple[tuple[str, str], dict[str, dict[str, Any]]]] = {}

    @unavailable_on_error
    def index(self, eid: str) -> EditionIndex:
        ek = EditionKeys(eid)
        pipe = self.store.r.pipeline(transaction=False)
        pipe.get(keys.EPOCH).get(ek.rev).hgetall(ek.stats).zrange(ek.totals, 0, -1,
                                                                   withscores=True)
        epoch, rev, stats_raw, totals_raw = pipe.execute()
        version = (epoch or "", rev or "0")
        cached = self._rows.get(eid)
        if cached is None or cached[0] != version:
            raw = self.store.r.hgetall(ek.rows)
            cached = (version, {mid: orjson.loads(v) for mid, v in raw.items()})
            self._rows[eid] = cached
        stats: dict[str, dict[str, int]] = {}
        for name, value in stats_raw.items():
            mid, _, field = name.partition(":")
            stats.setdefault(mid, {})[field] = int(value)
        totals = {mid: int(score) for mid, score in totals_raw}
        return EditionIndex(rows=cached[1], totals=totals, stats=stats)

    def hourly(self, rows: dict[str, dict[str, Any]], mids: Iterable[str],
               batch: int = 500) -> Iterator[tuple[str, list[int]]]:
        """Yield (marathon id, count per hour of its window), reading in pipelined batches."""
        mids = list(mids)
        for start in range(0, len(mids), batch):
            chunk = mids[start:start + batch]
            pipe = self.store.r.pipeline(transaction=False)
            for mid in chunk:
                pipe.hgetall(MarathonKeys(mid).counts)
            with self.store._guard():  # a generator: the decorator would not cover it
                answers = pipe.execute()
            for mid, counts in zip(chunk, answers, strict=True):
                row = rows[mid]
                hours = max(1, math.ceil((row["ends"] - row["starts"]) / HOUR_MS))
                yield mid, [int(counts.get(f"h:{h}", 0)) for h in range(hours)]
