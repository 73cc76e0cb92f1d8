"""Shape the full snapshots that the API returns and the live rooms broadcast.

A snapshot is small (≤ 2 KB) and complete: a client that missed messages only needs
the latest one. The store reads the raw data in one round trip; this module turns it
into the documented shape.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from . import domain
from .editions import case_goals
from .store import Store, _ints, _pairs, decode_entry

HOUR_MS = 3_600_000


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
    meta_raw, counts_raw, top, top_people, participants, recent, recent_people, leader, epoch \
        = store.snapshot_data(mid, now)
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
        ticker.append({
            "nickname": name(person["n"]) if visible else None,
            "kind": entry["kind"], "case": entry["case_id"], "count": entry["count"],
            "at": entry["received_at"],
        })

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
