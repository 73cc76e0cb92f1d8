"""Shape the full snapshots that the API returns and the live rooms broadcast.

A snapshot is complete, so a client that missed messages only needs the latest one,
and small: a marathon's stays under 2 KB with 500 participants (in its `recent`
ticker, `count` is left out when it is 1); an edition's names up to 20 + 20 marathons
in its two rankings and stays under 5 KB. The store reads the raw data in one round
trip; this module turns it into the documented shape.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from . import domain, live_store
from .editions import case_goals
from .store import Store, _ints, _pairs, decode_entry

HOUR_MS = 3_600_000
NAME_MAX = 40
# Names and windows of the marathons an edition snapshot mentions (see MarathonCards).
_cards = live_store.MarathonCards()


def milestones_between(before: int, after: int, goal: int | None) -> int | None:
    """Return the highest milestone crossed going from `before` to `after`, if any.

    Milestones are every 100 up to 1,000, then every 1,000, and the goal.
    """
    if after <= before:
        return None
    crossed = None
    if goal and before < goal <= after:
        crossed = goal
    step_marks = []
    for mark in (100 * (after // 100), 1000 * (after // 1000)):
        step = 100 if mark < 1000 else 1000
        if mark > before and mark > 0 and mark % step == 0:
            step_marks.append(mark)
    if step_marks:
        crossed = max(crossed or 0, max(step_marks))
    return crossed


def _person(raw: str) -> dict[str, Any]:
    return orjson.loads(raw) if raw else {}


def marathon_snapshot(store: Store, mid: str, now: int, *,
                      display_name: Any = None) -> dict[str, Any]:
    """Build a marathon's full snapshot (one Redis round trip)."""
    return shape_marathon(store, mid, now, store.snapshot_data(mid, now),
                          display_name=display_name)


def shape_marathon(store: Store, mid: str, now: int, raw: list[Any], *,
                   display_name: Any = None) -> dict[str, Any]:
    """Turn the answer of ``lua/snapshot.lua`` into a marathon's snapshot."""
    meta_raw, counts_raw, top, top_people, participants, recent, recent_people, leader, epoch \
        = raw
    meta = Store._meta(_pairs(meta_raw))
    counts = _ints(counts_raw)
    name = display_name or (lambda nickname: nickname)
    case_ids = [c["id"] for c in store.edition(meta["edition_id"]).get("cases", [])]
    starts, ends = meta["starts"], meta["ends"]
    hours = max(1, math.ceil((ends - starts) / HOUR_MS))
    total = counts.get("total", 0)
    status = domain.status(starts, ends, meta["closed"], now)

    ticker = []
    for (sid, fields), person_raw in zip(recent, recent_people, strict=True):
        entry = decode_entry(sid, _pairs(fields))
        if entry["op"] != "log":
            continue
        person = _person(person_raw)
        visible = bool(person.get("b")) and not person.get("x")
        line = {"nickname": name(person["n"]) if visible else None, "kind": entry["kind"],
                "case": entry["case_id"], "at": entry["received_at"]}
        # Nearly every action is one letter: `count` only when it is more, which keeps
        # a 500-participant marathon's snapshot under 2 KB.
        if entry["count"] != 1:
            line["count"] = entry["count"]
        ticker.append(line)

    board = []
    for i in range(0, len(top), 2):
        person = _person(top_people[i // 2])
        if person and float(top[i + 1]) > 0:
            board.append({"nickname": name(person["n"]), "total": int(float(top[i + 1]))})

    last_hour_top = None
    if leader:
        person = _person(leader[2])
        if person and person.get("b") and not person.get("x") and int(leader[1]) > 0:
            last_hour_top = {"nickname": name(person["n"]), "total": int(leader[1])}

    return {
        "marathon": mid,
        "seq": counts.get("seq", 0),
        "epoch": epoch,
        "title": meta["title"],
        "total": total,
        "by_kind": {k: counts.get(f"k:{k}", 0) for k in domain.KINDS},
        "by_case": {c: counts.get(f"c:{c}", 0) for c in case_ids},
        # Per-case goals (issue 11): the edition's, overridden by the host's options.
        "case_goals": case_goals(store.edition(meta["edition_id"]), meta["options"]),
        "hourly": [counts.get(f"h:{h}", 0) for h in range(hours)],
        "participants": int(participants),
        "top": board,
        "last_hour_top": last_hour_top,
        "recent": ticker,
        "goal": meta["goal"],
        "milestone": None,
        "pace": pace(total, starts, ends, now),
        "status": status,
        "starts_at": starts,
        "ends_at": ends,
        "timezone": meta["timezone"],
        "server_time": now,
    }


def pace(total: int, starts: int, ends: int, now: int) -> int:
    """Project the total at the end from the rate so far (after the first 10 minutes)."""
    elapsed = min(now, ends) - starts
    if elapsed < 600_000 or now >= ends:
        return total
    return round(total * (ends - starts) / elapsed)


def marathon_names(store: Store, mids: list[str]) -> dict[str, dict[str, str]]:
    """Return {id: {"name", "city"}} of the marathons that exist (cached a few seconds)."""
    return {mid: {"name": card["name"][:NAME_MAX], "city": card["city"][:NAME_MAX]}
            for mid, card in _cards.get(store, mids).items()}


def edition_snapshot(store: Store, eid: str, now: int, *, bump: bool = False,
                     ) -> dict[str, Any]:
    """Build an edition's full snapshot: totals, marathons running, rankings, milestones.

    One round trip reads the edition's counters and rankings; the marathons it names
    come from a few-seconds cache (one pipeline for the misses). `bump` advances the
    edition's `seq`: the broadcaster bumps it, a new watcher reads it.
    """
    return shape_edition(store, eid, now, live_store.edition_data(store, eid, now, bump=bump))


def shape_edition(store: Store, eid: str, now: int, data: live_store.EditionData,
                  ) -> dict[str, Any]:
    """Turn an edition's live numbers into its snapshot."""
    case_ids = [c["id"] for c in store.edition(eid).get("cases", [])]
    named = [m for m, _ in data.top_total] + [m for m, _ in data.top_pp]
    cards = _cards.get(store, named + data.recent_starts)
    running = sum(1 for mid in data.recent_starts
                  if (card := cards.get(mid)) and not card["closed"]
                  and card["starts"] <= now < card["ends"])

    def ranked(rows: list[tuple[str, float]], field: str) -> list[dict[str, Any]]:
        out = []
        for mid, score in rows:
            card = cards.get(mid)
            if card is None or score <= 0:
                continue
            value = int(score) if field == "total" else round(score, 1)
            out.append({"id": mid, "name": card["name"][:NAME_MAX],
                        "city": card["city"][:NAME_MAX], field: value})
        return out

    counts = data.counts
    return {
        "edition": eid,
        "seq": data.seq,
        "epoch": data.epoch,
        "total": counts.get("total", 0),
        "by_kind": {k: counts.get(f"k:{k}", 0) for k in domain.KINDS},
        "by_case": {c: counts.get(f"c:{c}", 0) for c in case_ids},
        "running": running,
        "marathons": data.marathons,
        "top": {"total": ranked(data.top_total, "total"),
                "per_participant": ranked(data.top_pp, "per_participant")},
        "recent": data.milestones,
        "milestone": None,
        "server_time": now,
    }
