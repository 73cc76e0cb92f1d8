"""The after-event report: what a marathon did, in one public, printable summary.

`marathon_report` builds the data once; the report page, the certificates and the
public JSON at ``GET /api/v1/marathons/<id>/report`` (`web.api.marathons`) all show
that same dict.
"""

from __future__ import annotations

from typing import Any

from .. import domain
from ..domain import groups
from ..domain.names import display_name, public_group
from ..live.snapshots import marathon_snapshot
from ..store import Store

TOP_WRITERS = 10


def marathon_report(store: Store, mid: str, now: int) -> dict[str, Any]:
    """Summarise a marathon: totals by kind and case, hours, people, edition median."""
    meta = store.marathon(mid)
    snap = marathon_snapshot(store, mid, now)
    tz = meta["timezone"]
    edition = store.edition(meta["edition_id"])
    people = store.participants(mid)

    hourly = [{"hour": h, "starts_at": domain.from_ms(meta["starts"] + h * domain.HOUR_MS,
                                                     tz).isoformat(),
               "count": n} for h, n in enumerate(snap["hourly"])]
    best = max(hourly, key=lambda h: h["count"], default=None)
    # Top writers only ever lists people who opted in to the board and were not banned,
    # and none at all when the host hid the board on the screen.
    top: list[dict[str, Any]] = []
    if not meta["options"].get("hide_top"):
        top = [{"nickname": display_name(p["nickname"]), "total": p["total"]}
               for p in people if p["on_board"] and not p["banned"] and p["total"] > 0]
    standing = store.edition_standing(meta["edition_id"], mid)
    total = snap["total"]
    return {
        "marathon": {
            "id": mid, "title": display_name(meta["title"]), "group": public_group(meta["group"]),
            "group_id": meta["group_id"],
            "edition_id": meta["edition_id"], "edition_title": edition.get("title", ""),
            "starts_at": domain.from_ms(meta["starts"], tz).isoformat(),
            "ends_at": domain.from_ms(meta["ends"], tz).isoformat(),
            "timezone": tz, "status": snap["status"], "goal": meta["goal"],
        },
        "total": total,
        "goal_reached": meta["goal"] is not None and total >= meta["goal"] > 0,
        # The group's total in its previous edition, or None for a group new this year.
        "previous": previous_edition(store, meta, total),
        "by_kind": snap["by_kind"],
        "by_case": [{"id": c["id"], "name": c["name"], "country": c.get("country", ""),
                     "count": snap["by_case"].get(c["id"], 0)}
                    for c in edition.get("cases", [])],
        "hourly": hourly,
        "best_hour": best if best and best["count"] > 0 else None,
        "participants": len(people),
        "active_participants": sum(1 for p in people if p["total"] > 0),
        "top": top[:TOP_WRITERS],
        # Every team, highest total first, names masked (the snapshot's team board).
        "teams": snap["teams"],
        "edition": {
            "marathons": standing.marathons,
            "median": standing.median,
            "rank": standing.rank,
            "ratio_to_median": round(total / standing.median, 2)
            if standing.median else None,
        },
        "generated_at": domain.from_ms(now, tz).isoformat(),
    }


def previous_edition(store: Store, meta: dict[str, Any], total: int | None = None,
                     ) -> dict[str, Any] | None:
    """The group's total in its previous edition (`domain.groups`), and the change to
    this marathon's `total` when it is given."""
    gid = meta["group_id"]
    found = store.earlier_totals(meta["edition_id"], [gid]).get(gid) if gid else None
    if found is None:
        return None
    eid, before = found
    edition = store.edition(eid)
    out = {"edition_id": eid, "year": edition.get("year"),
           "edition_title": edition.get("title", ""), "total": before}
    if total is not None:
        out["change"], out["change_pct"] = groups.change(total, before)
    return out
