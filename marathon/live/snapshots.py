"""Shape the full snapshots that the API returns and the live rooms broadcast.

A snapshot is complete, so a client that missed messages only needs the latest one,
and small: a marathon's stays under 2 KB with 500 participants (in its `recent`
ticker, `count` is left out when it is 1); an edition's names up to 20 + 20 marathons
in its two rankings and stays under 5 KB, plus about 10 bytes for each country with
actions on its live map (`countries`; under 2 KB if all 170 had some). The store
reads the data in one round trip (`Store.marathon_data`, `Store.edition_data`; an
edition's map adds the compare index's version check, see `shape_edition`); this
module turns it into the documented shape.

Snapshots are public (a projector, a phone, anyone with the id), so every nickname, team,
group name, title and city in them goes through the one masking step,
`domain.names.display_name`;
there is no unmasked variant to pick by mistake.
"""

from __future__ import annotations

import math
from typing import Any

from .. import domain
from ..domain.editions import case_goals
from ..domain.names import display_name, initials, public_fields
from ..domain.places import place_totals
from ..domain.progress import pace
from ..store import EditionData, MarathonData, Store

NAME_MAX = 40


def marathon_snapshot(store: Store, mid: str, now: int) -> dict[str, Any]:
    """Build a marathon's full snapshot (one Redis round trip)."""
    return shape_marathon(store, mid, now, store.marathon_data(mid, now))


def screen_name(nickname: str, mode: str) -> str | None:
    """A participant's name as the host lets the room see it (display option `names`):
    masked, its initials, or None (the screen says "someone")."""
    if mode == "hidden":
        return None
    return initials(nickname) if mode == "initials" else display_name(nickname)


def shape_marathon(store: Store, mid: str, now: int, data: MarathonData) -> dict[str, Any]:
    """Turn a marathon's data into its snapshot, names masked for the public and shown
    as the host chose (`options.names`: shown, initials or hidden)."""
    meta, counts = data.meta, data.counts
    mode = meta["options"].get("names", "shown")
    edition = store.edition(meta["edition_id"])
    case_ids = [c["id"] for c in edition.get("cases", [])]
    starts, ends = meta["starts"], meta["ends"]
    hours = max(1, math.ceil((ends - starts) / domain.HOUR_MS))
    total = counts.get("total", 0)

    ticker = []
    for entry, person in data.recent:
        if entry["op"] != "log":
            continue
        shown = person is not None and person["on_board"] and not person["banned"]
        line = {"nickname": screen_name(person["nickname"], mode) if shown and person else None,
                "kind": entry["kind"], "case": entry["case_id"], "at": entry["received_at"]}
        # Nearly every action is one letter: `count` only when it is more, which keeps
        # a 500-participant marathon's snapshot under 2 KB.
        if entry["count"] != 1:
            line["count"] = entry["count"]
        ticker.append(line)

    board = [{"nickname": screen_name(person["nickname"], mode), "total": score}
             for person, score in data.top if person and score > 0]

    last_hour_top = None
    if data.leader:
        person, score = data.leader
        if person and person["on_board"] and not person["banned"] and score > 0:
            last_hour_top = {"nickname": screen_name(person["nickname"], mode), "total": score}

    return {
        "marathon": mid,
        "seq": counts.get("seq", 0),
        "epoch": data.epoch,
        "title": display_name(meta["title"]),
        # Bumped when the host changes the join code: the screen then reloads its code and QR.
        "code_version": meta["code_version"],
        # Bumped by every edit of the marathon: the screen reads its options again then.
        "options_version": meta["options_version"],
        "total": total,
        "by_kind": {k: counts.get(f"k:{k}", 0) for k in domain.KINDS},
        "by_case": {c: counts.get(f"c:{c}", 0) for c in case_ids},
        # Per-case goals (issue 11): the edition's, overridden by the host's options.
        "case_goals": case_goals(edition, meta["options"]),
        "hourly": [counts.get(f"h:{h}", 0) for h in range(hours)],
        "participants": data.participants,
        "top": board,
        "last_hour_top": last_hour_top,
        "recent": ticker,
        # The team board (issue 18), highest total first; [] when the host made none.
        # The API's snapshot keeps it; the live rooms get it as its own message
        # (`split_teams`), since 30 teams would double a 2 KB snapshot.
        "teams": [{**t, "name": display_name(t["name"])} for t in data.teams],
        "goal": meta["goal"],
        "milestone": None,
        "pace": pace(total, starts, ends, now),
        "status": domain.status(starts, ends, meta["closed"], now),
        "starts_at": starts,
        "ends_at": ends,
        "timezone": meta["timezone"],
        "server_time": now,
    }


def split_teams(snapshot: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Split a marathon's snapshot into what the `snapshot` event carries and its `teams`
    event ({marathon, seq, epoch, teams}; None when the marathon has no teams).

    Measured on 500 participants and 30 teams (tests/live/test_live.py): 3.9 KB with
    the board inside, so the board travels on its own and the snapshot stays under 2 KB.
    """
    rest = {k: v for k, v in snapshot.items() if k != "teams"}
    if not snapshot.get("teams"):
        return rest, None
    return rest, {"marathon": snapshot["marathon"], "seq": snapshot["seq"],
                  "epoch": snapshot["epoch"], "teams": snapshot["teams"]}


# What a phone's log page reads of a marathon's snapshot: a twelfth of its bytes.
PHONE_FIELDS = ("marathon", "seq", "epoch", "total", "status", "starts_at", "ends_at",
                "server_time")


def phone_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The part of a marathon's snapshot its phones use (the total, the window, status,
    and each team's total when there are teams: a phone shows its own team's)."""
    view = {k: snapshot[k] for k in PHONE_FIELDS}
    if snapshot.get("teams"):
        view["team_totals"] = {t["id"]: t["total"] for t in snapshot["teams"]}
    return view


def phone_snapshot(store: Store, mid: str, now: int) -> dict[str, Any]:
    return phone_view(marathon_snapshot(store, mid, now))


def marathon_names(store: Store, mids: list[str]) -> dict[str, dict[str, str]]:
    """Return {id: {"name", "city"}} of the marathons that exist (cached half a minute)."""
    return {mid: {"name": display_name(card["name"])[:NAME_MAX],
                  "city": display_name(card["city"])[:NAME_MAX]}
            for mid, card in store.marathon_cards(mids).items()}


def edition_snapshot(store: Store, eid: str, now: int, *, bump: bool = False,
                     ) -> dict[str, Any]:
    """Build an edition's full snapshot: totals, marathons running, rankings, milestones.

    One round trip reads the edition's counters and rankings; the marathons it names
    come from a few-seconds cache (one pipeline for the misses), the totals by country
    and region from the compare table's index (re-read only where a write moved it).
    `bump` advances the edition's `seq`: the broadcaster bumps it, a new watcher reads it.
    """
    return shape_edition(store, eid, now, store.edition_data(eid, now, bump=bump))


def shape_edition(store: Store, eid: str, now: int, data: EditionData) -> dict[str, Any]:
    """Turn an edition's live numbers into its snapshot."""
    case_ids = [c["id"] for c in store.edition(eid).get("cases", [])]
    named = [m for m, _ in data.top_total] + [m for m, _ in data.top_pp]
    cards = store.marathon_cards(named + data.recent_starts)
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
            out.append({"id": mid, "name": display_name(card["name"])[:NAME_MAX],
                        "city": display_name(card["city"])[:NAME_MAX], field: value})
        return out

    # Totals by country and region for the live map, from the compare table's index:
    # each process keeps its copy and re-reads only the marathons written since (a few
    # a tick), so this costs a version check, those few reads and one pass in memory
    # (about a millisecond for 5,000 marathons), never a read of every marathon.
    # The index is read just after `data`: on a busy tick the places may be a few
    # actions ahead of `total`, never behind for long.
    index = store.compare_index(eid)
    countries, regions = place_totals(index.rows, index.totals, store.region_names(eid))
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
        "countries": countries,
        "regions": regions,
        "top": {"total": ranked(data.top_total, "total"),
                "per_participant": ranked(data.top_pp, "per_participant")},
        # Milestones recorded before names were masked on the way in are masked here.
        "recent": [public_fields(r, ("name", "city")) for r in data.milestones],
        "milestone": None,
        "server_time": now,
    }
