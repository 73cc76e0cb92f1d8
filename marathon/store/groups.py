"""Groups that come back: a group's marathons across editions, and its previous totals.

Registration (`marathons.register`, ``lua/register.lua``) keeps, in the same script,
`keys.group_match` (the group's identity -> its id) and `keys.group_marathons` (its
marathons, each with its edition). A group's total in an edition is the sum of its
verified marathons' totals, read from the edition's totals zset, which holds exactly the
verified marathons (``lua/lib/edition.lua``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import orjson

from ..domain import groups
from ..domain.compare import EditionIndex
from . import keys
from .base import StoreBase
from .errors import NotFound, unavailable_on_error
from .keys import EditionKeys, MarathonKeys

# How long a process reuses a compare table's previous-edition totals while its rows do
# not change: earlier editions are over, but a late undo or verification may move them.
EARLIER_SECONDS = 30.0


class Groups(StoreBase):
    @unavailable_on_error
    def marathons_of_group(self, gid: str) -> list[dict[str, Any]]:
        """Return a group's marathons (oldest first), each with its state and total."""
        listed = self._redis.hgetall(keys.group_marathons(gid))
        if not listed:
            raise NotFound("group")
        mids = sorted(listed)
        pipe = self._redis.pipeline(transaction=False)
        for mid in mids:
            pipe.hmget(MarathonKeys(mid).meta, "title", "group", "starts", "ends", "tz",
                       "closed", "state")
            pipe.hget(MarathonKeys(mid).counts, "total")
        answers = pipe.execute()
        out = []
        for mid, f, total in zip(mids, answers[::2], answers[1::2], strict=True):
            if f[0] is None:  # a marathon erased by hand: its listing outlived it
                continue
            out.append({"id": mid, "edition_id": listed[mid], "title": f[0],
                        "group": orjson.loads(f[1]), "starts": int(f[2]), "ends": int(f[3]),
                        "timezone": f[4], "closed": bool(f[5]), "state": f[6] or "pending",
                        "total": int(total or 0)})
        return sorted(out, key=lambda m: (m["starts"], m["id"]))

    @unavailable_on_error
    def earlier_totals(self, eid: str, gids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Each group's previous edition before `eid` and its total there (see
        `domain.groups`); groups with no verified marathon in an earlier edition are left
        out. Two round trips, however many groups."""
        earlier = groups.earlier_editions(self.editions(), eid)
        gids = sorted(set(gids) - {""})
        if not earlier or not gids:
            return {}
        wanted = set(earlier)
        asked: list[tuple[str, str]] = []
        pipe = self._redis.pipeline(transaction=False)
        for gid, listed in zip(gids, self._listings(gids), strict=True):
            by_edition: dict[str, list[str]] = {}
            for mid, meid in listed.items():
                if meid in wanted:
                    by_edition.setdefault(meid, []).append(mid)
            for meid, mids in by_edition.items():
                pipe.zmscore(EditionKeys(meid).totals, mids)
                asked.append((gid, meid))
        totals: dict[str, dict[str, int]] = {}
        for (gid, meid), scores in zip(asked, pipe.execute() if asked else [], strict=True):
            counted = [int(s) for s in scores if s is not None]
            if counted:
                totals.setdefault(gid, {})[meid] = sum(counted)
        out = {}
        for gid, by_edition in totals.items():
            found = groups.previous(by_edition, earlier)
            if found is not None:
                out[gid] = found
        return out

    def _listings(self, gids: list[str]) -> list[dict[str, str]]:
        pipe = self._redis.pipeline(transaction=False)
        for gid in gids:
            pipe.hgetall(keys.group_marathons(gid))
        return pipe.execute()

    def with_earlier(self, eid: str, index: EditionIndex) -> EditionIndex:
        """Give a compare index its groups' previous-edition totals, reused while its
        rows are the same and for at most `EARLIER_SECONDS`."""
        cached = self._earlier.get(eid)
        now = time.monotonic()
        if cached is not None and cached[1] is index.rows and now - cached[0] < EARLIER_SECONDS:
            index.earlier = cached[2]
            return index
        earlier = self.earlier_totals(eid, (r.get("gid") or "" for r in index.rows.values()))
        self._earlier[eid] = (now, index.rows, earlier)
        index.earlier = earlier
        return index
