"""Reads and writes of the live rooms: snapshots' data, the broadcaster's tick.

Scripts: ``lua/snapshot.lua`` (one marathon), ``lua/edition_snapshot.lua`` (one
edition), ``take_changed.lua`` / ``finish_tick.lua`` (the tick lock shared by every
process) and ``live_last.lua`` (milestone marks). The answers come back decoded, as
`MarathonData` and `EditionData`, for `marathon.live.snapshots` to shape.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from . import keys
from .actions import decode_entry
from .base import StoreBase, ints, pairs
from .errors import NotFound, unavailable_on_error
from .keys import EditionKeys, MarathonKeys, edition_room, marathon_room
from .marathons import decode_meta
from .participants import decode_person
from .teams import decode_teams

# A marathon runs at most this long (domain.DURATION_MAX hours): only marathons that
# started within it can be running now.
LONGEST_MS = 48 * 3_600_000
MILESTONES_KEPT = 20
MARATHON_TOP = MARATHON_RECENT = 10
EDITION_TOP = 20
EDITION_RECENT = 5
# A marathon's card (name, city, window, closed) for the edition room: the edition
# snapshot checks every marathon that started in the last two days, 800 of them on a
# national day, and each read costs an HMGET; names and windows seldom change, so an
# edition screen may show a rename or a close half a minute late.
CARD_CACHE_SECONDS = 30.0


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
            counts={k: int(v) for k, v in pairs(counts_raw).items()},
            top_total=[(m, float(s)) for m, s in zip(tot[::2], tot[1::2], strict=True)],
            top_pp=[(m, float(s)) for m, s in zip(pp[::2], pp[1::2], strict=True)],
            marathons=int(n),
            recent_starts=list(starts),
            milestones=[orjson.loads(m) for m in milestones],
            epoch=epoch,
        )


@dataclass
class MarathonData:
    """The raw numbers of a marathon snapshot, decoded (see ``lua/snapshot.lua``)."""

    meta: dict[str, Any]
    counts: dict[str, int]
    top: list[tuple[dict[str, Any] | None, int]]  # (participant, total), highest first
    participants: int
    recent: list[tuple[dict[str, Any], dict[str, Any] | None]]  # (entry, participant)
    leader: tuple[dict[str, Any] | None, int] | None  # this hour's best writer
    epoch: str
    teams: list[dict[str, Any]]  # id, name (as typed), total, participants


    @classmethod
    def parse(cls, raw: list[Any]) -> MarathonData:
        (meta, counts, top, top_people, participants, recent, recent_people, leader, epoch,
         teams, tcounts) = raw
        return cls(
            meta=decode_meta(pairs(meta)),
            counts=ints(counts),
            top=[(decode_person(person), int(float(top[2 * i + 1])))
                 for i, person in enumerate(top_people)],
            participants=int(participants),
            recent=[(decode_entry(sid, pairs(fields)), decode_person(person))
                    for (sid, fields), person in zip(recent, recent_people, strict=True)],
            leader=(decode_person(leader[2]), int(leader[1])) if leader else None,
            epoch=epoch,
            teams=decode_teams(pairs(teams), pairs(tcounts)),
        )


@dataclass
class TickData:
    """Everything one broadcaster tick reads, from one MULTI."""

    marathons: dict[str, MarathonData]  # id -> its data (missing: gone)
    editions: dict[str, EditionData]
    marks: dict[str, tuple[int, int]]  # room -> (highest total broadcast before, total)


class Live(StoreBase):
    def _snapshot_args(self, mid: str, now: int) -> tuple[list[str], list[Any]]:
        k = MarathonKeys(mid)
        return ([k.meta, k.counts, k.board, k.people, k.log, k.ph, keys.EPOCH, k.teams,
                 k.tcounts],
                [MARATHON_TOP, MARATHON_RECENT, now])

    def _edition_args(self, eid: str, now: int, bump: bool) -> tuple[list[str], list[Any]]:
        ek = EditionKeys(eid)
        return ([ek.counts, ek.totals, ek.per_participant, ek.marathons, ek.live_seq,
                 ek.milestones, keys.EPOCH],
                ["1" if bump else "0", EDITION_TOP, now - LONGEST_MS, now, EDITION_RECENT])

    @unavailable_on_error
    def marathon_data(self, mid: str, now: int) -> MarathonData:
        """Read everything a marathon snapshot needs in one round trip."""
        raw = self._run("snapshot", *self._snapshot_args(mid, now))
        if not raw:
            raise NotFound("marathon")
        return MarathonData.parse(raw)

    @unavailable_on_error
    def edition_data(self, eid: str, now: int, *, bump: bool) -> EditionData:
        """Read an edition's live numbers in one round trip; `bump` advances its seq."""
        return EditionData.parse(self._run("edition_snapshot",
                                           *self._edition_args(eid, now, bump)))

    @unavailable_on_error
    def take_changed(self, token: str, lease_ms: int) -> tuple[list[str] | None, int]:
        """Take this tick: the rooms changed since the last one, or (None, ms to wait)."""
        got, value, epoch = self._run("take_changed",
                                      [keys.LIVE_LOCK, keys.CHANGED, keys.EPOCH],
                                      [token, lease_ms])
        self.notice_epoch(epoch)
        if not got:
            return None, max(0, int(value))
        return list(value), 0

    @unavailable_on_error
    def finish_tick(self, token: str, hold_ms: int) -> bool:
        """Hold the tick lock `hold_ms` after emitting (0: free it); False if it was lost."""
        return bool(self._run("finish_tick", [keys.LIVE_LOCK], [token, hold_ms]))

    @unavailable_on_error
    def read_tick(self, mids: list[str], eids: list[str], now: int) -> TickData:
        """Read the snapshots of changed rooms and swap their milestone marks, atomically.

        One round trip for the whole tick, however many rooms changed; each edition's
        seq advances.
        """
        pipe = self._redis.pipeline(transaction=True)
        for mid in mids:
            self._run("snapshot", *self._snapshot_args(mid, now), client=pipe)
        for eid in eids:
            self._run("edition_snapshot", *self._edition_args(eid, now, True), client=pipe)
        rooms = [marathon_room(m) for m in mids] + [edition_room(e) for e in eids]
        counts = [MarathonKeys(m).counts for m in mids] + [EditionKeys(e).counts for e in eids]
        if rooms:
            self._run("live_last", [keys.LIVE_LAST, *counts], rooms, client=pipe)
        answers = pipe.execute()
        marks = answers[-1] if rooms else []
        return TickData(
            marathons={mid: MarathonData.parse(raw)
                       for mid, raw in zip(mids, answers, strict=False) if raw},
            editions={eid: EditionData.parse(raw)
                      for eid, raw in zip(eids, answers[len(mids):], strict=False)},
            marks={room: (max(0, int(marks[2 * i])), int(marks[2 * i + 1]))
                   for i, room in enumerate(rooms)},
        )

    @unavailable_on_error
    def record_milestones(self, eid: str, records: list[dict[str, Any]]) -> None:
        """Remember marathons that just passed a milestone, for the edition's ticker."""
        if not records:
            return
        ek = EditionKeys(eid)
        pipe = self._redis.pipeline(transaction=True)
        pipe.lpush(ek.milestones, *(orjson.dumps(r).decode() for r in records))
        pipe.ltrim(ek.milestones, 0, MILESTONES_KEPT - 1)
        pipe.execute()

    def marathon_cards(self, mids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Return {id: name, city, starts, ends, closed} of the marathons that exist.

        Cached for CARD_CACHE_SECONDS: the edition snapshot names up to 40 marathons and
        checks which of those that started in the last two days are still running; at
        4 Hz that would be thousands of reads a second on a campaign weekend, for
        fields that seldom change. One pipeline reads the misses.
        """
        clock = time.monotonic()
        out: dict[str, dict[str, Any]] = {}
        missing = []
        for mid in dict.fromkeys(mids):
            hit = self._cards.get(mid)
            if hit and clock - hit[0] < CARD_CACHE_SECONDS:
                if hit[1] is not None:
                    out[mid] = hit[1]
            else:
                missing.append(mid)
        if missing:
            if len(self._cards) > 50_000:
                self._cards.clear()
            for mid, card in zip(missing, self._read_cards(missing), strict=True):
                self._cards[mid] = (clock, card)
                if card is not None:
                    out[mid] = card
        return out

    @unavailable_on_error
    def _read_cards(self, mids: list[str]) -> list[dict[str, Any] | None]:
        pipe = self._redis.pipeline(transaction=False)
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
