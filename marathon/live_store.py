"""Redis reads and writes of the live rooms: the broadcaster's tick and the edition's data.

It uses the Store's client and scripts (``marathon/lua/take_changed.lua``,
``live_last.lua``, ``edition_snapshot.lua``) and turns Redis failures into
`StoreUnavailable` like the Store does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from . import keys
from .keys import EditionKeys, MarathonKeys, edition_room, marathon_room
from .store import Store, _pairs, unavailable_on_error

# A marathon runs at most this long (domain.DURATION_MAX hours): only marathons that
# started within it can be running now.
LONGEST_MS = 48 * 3_600_000
MILESTONES_KEPT = 20
MARATHON_TOP = MARATHON_RECENT = 10  # as Store.snapshot_data
EDITION_TOP = 20
EDITION_RECENT = 5
CARD_CACHE_SECONDS = 5.0


@unavailable_on_error
def take_changed(store: Store, token: str, lease_ms: int) -> tuple[list[str] | None, int]:
    """Take this tick: the rooms changed since the last one, or (None, ms to wait)."""
    got, value = store.scripts["take_changed"](keys=[keys.LIVE_LOCK, keys.CHANGED],
                                               args=[token, lease_ms])
    if not got:
        return None, max(0, int(value))
    return list(value), 0


@unavailable_on_error
def finish_tick(store: Store, token: str, hold_ms: int) -> bool:
    """Hold the tick lock `hold_ms` after emitting (0: free it); False if it was lost."""
    return bool(store.scripts["finish_tick"](keys=[keys.LIVE_LOCK], args=[token, hold_ms]))


@unavailable_on_error
def record_milestones(store: Store, eid: str, records: list[dict[str, Any]]) -> None:
    """Remember marathons that just passed a milestone, for the edition's ticker."""
    if not records:
        return
    ek = EditionKeys(eid)
    pipe = store.r.pipeline(transaction=True)
    pipe.lpush(ek.milestones, *(orjson.dumps(r).decode() for r in records))
    pipe.ltrim(ek.milestones, 0, MILESTONES_KEPT - 1)
    pipe.execute()


@dataclass
class EditionData:
    """The raw numbers of an edition snapshot, normalised."""

    seq: int
    counts: dict[str, int]
    top_total: list[tuple[str, float]]
    top_pp: list[tuple[str, float]]
    marathons: int
    recent_starts: list[str]
    milestones: list[dict[str, Any]]
    epoch: str

    @classmethod
    def parse(cls, raw: list[Any]) -> EditionData:
        counts_raw, seq, tot, pp, n, starts, milestones, epoch = raw
        return cls(
            seq=int(seq),
            counts={k: int(v) for k, v in _pairs(counts_raw).items()},
            top_total=[(m, float(s)) for m, s in zip(tot[::2], tot[1::2], strict=True)],
            top_pp=[(m, float(s)) for m, s in zip(pp[::2], pp[1::2], strict=True)],
            marathons=int(n),
            recent_starts=list(starts),
            milestones=[orjson.loads(m) for m in milestones],
            epoch=epoch,
        )


def _read_edition(store: Store, client: Any, eid: str, now: int, bump: bool) -> Any:
    ek = EditionKeys(eid)
    return store.scripts["edition_snapshot"](
        keys=[ek.counts, ek.totals, ek.per_participant, ek.marathons, ek.live_seq,
              ek.milestones, keys.EPOCH],
        args=["1" if bump else "0", EDITION_TOP, now - LONGEST_MS, now, EDITION_RECENT],
        client=client)


@unavailable_on_error
def edition_data(store: Store, eid: str, now: int, *, bump: bool) -> EditionData:
    """Read an edition's live numbers in one round trip; `bump` advances its seq."""
    return EditionData.parse(_read_edition(store, store.r, eid, now, bump))


@dataclass
class TickData:
    """Everything one broadcaster tick reads, from one MULTI."""

    marathons: dict[str, list[Any]]  # id -> answer of lua/snapshot.lua (missing: gone)
    editions: dict[str, EditionData]
    marks: dict[str, tuple[int, int]]  # room -> (highest total broadcast before, total)


@unavailable_on_error
def read_tick(store: Store, mids: list[str], eids: list[str], now: int) -> TickData:
    """Read the snapshots of changed rooms and swap their milestone marks, atomically.

    One round trip for the whole tick, however many rooms changed; each edition's
    seq advances.
    """
    pipe = store.r.pipeline(transaction=True)
    for mid in mids:
        k = MarathonKeys(mid)
        # The same keys and arguments as Store.snapshot_data, queued on the pipeline.
        store.scripts["snapshot"](
            keys=[k.meta, k.counts, k.board, k.people, k.log, k.ph, keys.EPOCH],
            args=[MARATHON_TOP, MARATHON_RECENT, now], client=pipe)
    for eid in eids:
        _read_edition(store, pipe, eid, now, True)
    rooms = [marathon_room(m) for m in mids] + [edition_room(e) for e in eids]
    counts = [MarathonKeys(m).counts for m in mids] + [EditionKeys(e).counts for e in eids]
    if rooms:
        store.scripts["live_last"](keys=[keys.LIVE_LAST, *counts], args=rooms, client=pipe)
    answers = pipe.execute()
    marks = answers[-1] if rooms else []
    return TickData(
        marathons={mid: raw for mid, raw in zip(mids, answers, strict=False) if raw},
        editions={eid: EditionData.parse(raw)
                  for eid, raw in zip(eids, answers[len(mids):], strict=False)},
        marks={room: (max(0, int(marks[2 * i])), int(marks[2 * i + 1]))
               for i, room in enumerate(rooms)},
    )


class MarathonCards:
    """Names and windows of marathons for the edition room, cached for a few seconds.

    The edition snapshot names up to 40 marathons and checks which of those that
    started in the last two days are still running; at 4 Hz that would be thousands
    of reads a second on a campaign weekend, for fields that seldom change.
    """

    def __init__(self, ttl: float = CARD_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def get(self, store: Store, mids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Return {mid: card} for the marathons that exist (one pipeline for the misses)."""
        clock = time.monotonic()
        out: dict[str, dict[str, Any]] = {}
        missing = []
        for mid in dict.fromkeys(mids):
            hit = self._cache.get(mid)
            if hit and clock - hit[0] < self.ttl:
                if hit[1] is not None:
                    out[mid] = hit[1]
            else:
                missing.append(mid)
        if missing:
            if len(self._cache) > 50_000:
                self._cache.clear()
            for mid, card in zip(missing, self._read(store, missing), strict=True):
                self._cache[mid] = (clock, card)
                if card is not None:
                    out[mid] = card
        return out

    @staticmethod
    @unavailable_on_error
    def _read(store: Store, mids: list[str]) -> list[dict[str, Any] | None]:
        pipe = store.r.pipeline(transaction=False)
        for mid in mids:
            pipe.hmget(MarathonKeys(mid).meta, "group", "title", "starts", "ends", "closed")
        cards: list[dict[str, Any] | None] = []
        for group, title, starts, ends, closed in pipe.execute():
            if starts is None:
                cards.append(None)
                continue
            g = orjson.loads(group) if group else {}
            cards.append({"name": g.get("name") or title or "", "city": g.get("city") or "",
                          "starts": int(starts), "ends": int(ends), "closed": bool(closed)})
        return cards
