"""Rebuild a marathon's counters from its stream, compare, and repair.

`replay` is the one place outside Lua that knows what each counter counts; it is the
check on ``lua/lib/tally.lua`` (a test logs and undoes at random and finds no
difference), so it is written independently of it on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from . import keys
from .actions import Actions
from .base import flatten, ints
from .errors import StoreUnavailable, unavailable_while_down
from .keys import EditionKeys, MarathonKeys
from .teams import team_counts

COUNTERS = ("counts", "mine", "board", "ph", "tcounts", "held")


def replay(entries: Iterator[dict[str, Any]], visible: tuple[set[str], dict[str, str]],
           released: int = 0) -> tuple[dict[str, dict[str, int]], str]:
    """Replay a stream into the counters the write scripts keep. What is held beyond the
    plausibility envelope is what the entries after the last verification (the seq
    `released`) say they held."""
    hidden, leaders = visible
    counts: dict[str, int] = {}
    mine: dict[str, int] = {}
    board: dict[str, int] = {}
    ph: dict[str, int] = {}
    held: dict[str, int] = {}
    last = ""

    def add(d: dict[str, int], key: str, n: int) -> None:
        d[key] = d.get(key, 0) + n

    for e in entries:
        last = e["id"]
        n, pid, kind = e["count"], e["participant_id"], e["kind"]
        counts["seq"] = max(counts.get("seq", 0), e["seq"])
        add(counts, "total", n)
        add(counts, f"k:{kind}", n)
        if e["case_id"]:
            add(counts, f"c:{e['case_id']}", n)
        add(counts, f"h:{e['hour']}", n)
        add(mine, pid, n)
        add(mine, f"{pid}:{kind}", n)
        add(ph, f"{e['hour']}:{pid}", n)
        if pid not in hidden:
            add(board, pid, n)
        if e.get("held") and e["seq"] > released:
            add(held, "total", e["held"])
            add(held, f"k:{kind}", e["held"])
            if e["case_id"]:
                add(held, f"c:{e['case_id']}", e["held"])
    # Hour leaders are a display hint, not a count: keep them as they are.
    for field_, pid in leaders.items():
        counts[field_] = pid  # type: ignore[assignment]
    return {"counts": counts, "mine": mine, "board": board, "ph": ph, "held": held}, last


def differences(want: dict[str, dict[str, Any]], have: dict[str, dict[str, Any]],
                ) -> list[dict[str, Any]]:
    diff = []
    for name in COUNTERS:
        w, h = want[name], have[name]
        for f in sorted(set(w) | set(h)):
            if f.startswith("lt:"):
                continue
            a, b = w.get(f, 0), h.get(f, 0)
            if str(a) != str(b):
                diff.append({"key": name, "field": f, "stored": b, "rebuilt": a})
    return diff


class Reconcile(Actions):
    def reconcile(self, mid: str, *, repair: bool = True) -> dict[str, Any]:
        """Rebuild every counter of a marathon from its stream and report the differences.

        With `repair`, the rebuilt counters replace the stored ones atomically, unless
        an action arrived meanwhile, in which case the rebuild starts again.
        """
        k = MarathonKeys(mid)
        for _ in range(10):
            with unavailable_while_down():
                rel = self._redis.hget(k.held, "rel")
            want, last = replay(self.iter_entries(mid), self._leaders_visible(mid),
                                int(rel or 0))
            with unavailable_while_down():
                pipe = self._redis.pipeline(transaction=True)
                pipe.hgetall(k.counts).hgetall(k.mine).zrange(k.board, 0, -1, withscores=True)
                pipe.hgetall(k.ph).hgetall(k.people).hgetall(k.tcounts).hgetall(k.held)
                counts, mine, board, ph, people, tcounts, held = pipe.execute()
            have = {"counts": ints(flatten(counts)), "mine": ints(flatten(mine)),
                    "board": {p: int(s) for p, s in board}, "ph": ints(flatten(ph)),
                    "tcounts": ints(flatten(tcounts)),
                    "held": {f: int(v) for f, v in held.items() if f not in ("ok", "rel")}}
            # Teams are not in the stream: rebuilt from members' rebuilt tallies.
            want["tcounts"] = team_counts(people, want["mine"])
            diff = differences(want, have)
            if not diff or not repair:
                return {"marathon": mid, "differences": diff, "repaired": False,
                        "entries": want["counts"].get("seq", 0)}
            with unavailable_while_down():
                ek = EditionKeys(self.edition_of(mid))
                done = self._run("repair", [k.log, k.counts, k.mine, k.board, k.ph,
                                            keys.CHANGED, ek.totals, k.tcounts, k.held],
                                 [last, orjson.dumps(want).decode(), mid, rel or ""])
            if done == "ok":
                return {"marathon": mid, "differences": diff, "repaired": True,
                        "entries": want["counts"].get("seq", 0)}
        raise StoreUnavailable("the stream kept moving during reconcile")

    def _leaders_visible(self, mid: str) -> tuple[set[str], dict[str, str]]:
        k = MarathonKeys(mid)
        with unavailable_while_down():
            hidden = self._redis.smembers(k.hidden)
            counts = self._redis.hgetall(k.counts)
        return set(hidden), {f: v for f, v in counts.items() if f.startswith("lt:")}
