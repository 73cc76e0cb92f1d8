"""Erase nicknames a set time after an edition ends; every count stays (PRODUCT §8).

Nicknames are kept in one place, each marathon's `people` hash; boards, streams and the
ticker hold participant ids and read the nickname from there. Erasing therefore
rewrites that hash only: each participant becomes "participant N" (N in the order they
joined), and the counters, the stream and what `reconcile` rebuilds stay as they were.

An edition has ended when its window closes (`domain.editions.closes_ms`) or, earlier,
when the last of its marathons has ended; its nicknames are erased `keep_ms` after that.
A marathon registered far in the future therefore cannot keep an edition "running":
its window bounds it (registration refuses such a marathon anyway). Erasing is
idempotent, so the daily job of every server process and `marathon purge` may all run it.
"""

from __future__ import annotations

from typing import Any

import orjson
import redis

from ..domain.windows import closes_ms
from . import keys
from .base import StoreBase
from .editions import decode_edition
from .errors import unavailable_on_error
from .keys import EditionKeys, MarathonKeys, marathon_room

PSEUDONYM = "participant {n}"


class Retention(StoreBase):
    @unavailable_on_error
    def erase_nicknames(self, now: int, keep_ms: int, *, apply: bool) -> list[dict[str, Any]]:
        """Report (and with `apply`, erase) the nicknames of editions ended before
        `now - keep_ms`; one line per such edition."""
        report = []
        editions = self._redis.hgetall(keys.EDITIONS)
        for eid in sorted(editions):
            # Every marathon, whatever its state (`marathons` lists only verified ones).
            mids = self._redis.zrange(EditionKeys(eid).every, 0, -1)
            pipe = self._redis.pipeline(transaction=False)
            for mid in mids:
                pipe.hget(MarathonKeys(mid).meta, "ends")
            ends = [int(e) for e in pipe.execute() if e]
            if not ends:
                continue
            ended = max(ends)
            closes = closes_ms(decode_edition(eid, editions[eid]))
            if closes is not None:
                ended = min(ended, closes)
            if now < ended + keep_ms:
                continue
            erased = sum(self._erase_marathon(mid, apply) for mid in mids)
            report.append({"edition": eid, "ended_at": ended, "marathons": len(mids),
                           "nicknames": erased, "applied": apply})
        return report

    def _erase_marathon(self, mid: str, apply: bool) -> int:
        """Rename a marathon's participants "participant N"; return how many changed."""
        k = MarathonKeys(mid)
        with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(k.people)
                    people = {pid: orjson.loads(raw)
                              for pid, raw in pipe.hgetall(k.people).items()}
                    joined = sorted(people, key=lambda pid: (people[pid].get("j", 0), pid))
                    changes = {}
                    for n, pid in enumerate(joined, 1):
                        person = people[pid]
                        if person.get("n") != PSEUDONYM.format(n=n):
                            person["n"] = PSEUDONYM.format(n=n)
                            changes[pid] = orjson.dumps(person).decode()
                    if not apply or not changes:
                        pipe.unwatch()
                        return len(changes)
                    pipe.multi()
                    pipe.hset(k.people, mapping=changes)
                    pipe.sadd(keys.CHANGED, marathon_room(mid))  # screens still open redraw
                    pipe.execute()
                    return len(changes)
                except redis.WatchError:
                    continue  # the host renamed someone meanwhile: read again
