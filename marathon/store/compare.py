"""Reads of the per-edition indexes that serve the compare table (issue 8).

The write scripts keep, per edition, a hash of every marathon's descriptive row
(`EditionKeys.rows`), a hash of its numbers (`EditionKeys.stats`: participants, best
hour, per kind, per case) and the totals zset. The table is built from these three
keys in one round trip, never by reading every marathon's own keys. Each process keeps
its last copy and reads again only when a write has moved the edition's versions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from .. import domain
from ..domain.compare import EditionIndex
from . import keys
from .errors import unavailable_on_error, unavailable_while_down
from .groups import Groups
from .keys import EditionKeys, MarathonKeys

# Beyond this many marathons written since the last read, read the whole index again.
CATCH_UP_MAX = 500


class Compare(Groups):
    def compare_index(self, eid: str) -> EditionIndex:
        """Return the edition's index, with its groups' previous-edition totals."""
        return self.with_earlier(eid, self._read_index(eid))

    @unavailable_on_error
    def _read_index(self, eid: str) -> EditionIndex:
        """Read the edition's index; a copy is reused while no write has changed it.

        Three small reads tell whether the copy is current (the data set's epoch, the
        rows' revision, the stats' version "~v" that every write bumps), so a dashboard
        that refreshes without new actions costs one quick round trip.
        """
        ek = EditionKeys(eid)
        pipe = self._redis.pipeline(transaction=False)
        epoch, rev, stats_v = pipe.get(keys.EPOCH).get(ek.rev).hget(ek.stats, "~v").execute()
        version = (epoch or "", rev or "0", stats_v or "0")
        cached = self._index.get(eid)
        if cached is not None and cached[0] == version:
            return cached[1]
        if cached is not None and cached[0][:2] == version[:2]:
            patched = self._catch_up(eid, cached[1], int(cached[0][2]))
            if patched is not None:
                self._index[eid] = (version, patched)
                return patched
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(ek.stats).zrange(ek.totals, 0, -1, withscores=True)
        rows_current = cached is not None and cached[0][:2] == version[:2]
        if not rows_current:
            pipe.hgetall(ek.rows)
        answers = pipe.execute()
        stats_raw, totals_raw = answers[0], answers[1]
        rows = cached[1].rows if rows_current and cached else {
            mid: orjson.loads(v) for mid, v in answers[2].items()}
        stats: dict[str, dict[str, int]] = {}
        for name, value in stats_raw.items():
            mid, _, field = name.partition(":")
            if field:
                stats.setdefault(mid, {})[field] = int(value)
        totals = {mid: int(score) for mid, score in totals_raw}
        index = EditionIndex(rows=rows, totals=totals, stats=stats)
        # The stats and rows were read after `version`: at worst a newer copy is kept
        # under an older version, and the next request reads again.
        self._index[eid] = (version, index)
        return index

    def _catch_up(self, eid: str, old: EditionIndex, since: int) -> EditionIndex | None:
        """Re-read only the marathons written since version `since` (None: too many)."""
        ek = EditionKeys(eid)
        mids = self._redis.zrangebyscore(ek.touched, f"({since}", "+inf")
        if len(mids) > CATCH_UP_MAX:
            return None
        mids = [m for m in mids if m in old.rows]
        if not mids:
            return old
        case_ids = [c["id"] for c in self.edition(eid).get("cases", [])]
        names = ["p", "b", *(f"k:{k}" for k in domain.KINDS), *(f"c:{c}" for c in case_ids)]
        pipe = self._redis.pipeline(transaction=False)
        for mid in mids:
            pipe.hmget(ek.stats, [f"{mid}:{n}" for n in names])
        pipe.zmscore(ek.totals, mids)
        *values, scores = pipe.execute()
        stats = dict(old.stats)
        totals = dict(old.totals)
        for mid, got, score in zip(mids, values, scores, strict=True):
            stats[mid] = {n: int(v) for n, v in zip(names, got, strict=True) if v is not None}
            totals[mid] = int(score or 0)
        # Keep the chain one copy deep: a copy nobody built rows from is skipped.
        base, changed = (old, frozenset(mids)) if old.built or old.previous is None else (
            old.previous, old.changed | frozenset(mids))
        return EditionIndex(rows=old.rows, totals=totals, stats=stats, previous=base,
                            changed=changed)

    def hourly_counts(self, rows: dict[str, dict[str, Any]], mids: Iterable[str],
               batch: int = 500) -> Iterator[tuple[str, list[int]]]:
        """Yield (marathon id, count per hour of its window), reading in pipelined batches."""
        mids = list(mids)
        for start in range(0, len(mids), batch):
            chunk = mids[start:start + batch]
            pipe = self._redis.pipeline(transaction=False)
            for mid in chunk:
                pipe.hgetall(MarathonKeys(mid).counts)
            with unavailable_while_down():
                answers = pipe.execute()
            for mid, counts in zip(chunk, answers, strict=True):
                row = rows[mid]
                hours = max(1, math.ceil((row["ends"] - row["starts"]) / domain.HOUR_MS))
                yield mid, [int(counts.get(f"h:{h}", 0)) for h in range(hours)]
