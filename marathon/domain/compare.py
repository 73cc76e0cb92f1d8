"""The compare table: one row per marathon of an edition, filtered, sorted, paged.

Pure functions over an `EditionIndex` (read by `marathon.store.compare`). Choices where the issue
is silent:

- *per hour* is the total divided by the planned duration in hours, so marathons of
  different lengths compare fairly once ended;
- *per participant* is empty (None) for a marathon nobody joined; empty values sort
  last whatever the order;
- the totals row sums the filtered rows; its per participant and per hour divide the
  summed total by the summed participants and summed hours; its best hour is the
  highest best hour;
- *previous total* is the group's total in its previous edition (`domain.groups`),
  empty for a group new this edition; the totals row compares like with like: the
  previous totals of the groups that have one (each once) against the totals of their
  rows this edition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .. import domain
from .groups import change
from .names import MASK, display_name, public_fields


@dataclass
class EditionIndex:
    """Everything the compare table needs for one edition."""

    rows: dict[str, dict[str, Any]]  # marathon id -> descriptive fields
    totals: dict[str, int]  # marathon id -> total
    stats: dict[str, dict[str, int]]  # marathon id -> {"p", "b", "k:<kind>", "c:<case>"}
    # Rows built from this copy, per tuple of case ids (see `compare.build_rows`).
    built: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)
    # When this copy patched an older one: that copy and the marathons that changed.
    previous: EditionIndex | None = None
    changed: frozenset[str] = frozenset()
    # group id -> (its previous edition, the group's total there), set by the store.
    earlier: dict[str, tuple[str, int]] = field(default_factory=dict)


TEXT_COLUMNS = ("group", "title", "type", "city", "region", "country", "status")
NUMBER_COLUMNS = ("starts_at", "participants", "total", "previous_total", "change",
                  "change_pct", "per_participant", "per_hour", "best_hour", "letters",
                  "other")
PRIVATE_COLUMNS = frozenset({"participants", "per_participant"})
STATUSES = ("scheduled", "running", "ended")
PER_PAGE_MAX = 500


@dataclass
class Query:
    """What the caller asked of the table."""

    country: frozenset[str] = frozenset()
    region: str = ""
    type: str = ""
    status: str = ""
    q: str = ""
    sort: str = "total"
    desc: bool = True
    page: int = 1
    per_page: int = 50
    public: bool = True
    case_ids: tuple[str, ...] = field(default_factory=tuple)


def sortable(case_ids: tuple[str, ...], public: bool) -> list[str]:
    names = [*TEXT_COLUMNS, *NUMBER_COLUMNS, *(f"case:{c}" for c in case_ids)]
    return [n for n in names if not (public and n in PRIVATE_COLUMNS)]


def build_rows(index: EditionIndex, case_ids: tuple[str, ...], now: int,
               ) -> list[dict[str, Any]]:
    """Turn the index into one flat row per marathon (numbers and plain text only).

    The rows are built once per copy of the index and shared by the requests that use
    it (callers never change them); only the status, which moves with the clock, and
    the previous-edition columns, which other editions move, are worked out again each
    time.
    """
    rows = index.built.get(case_ids)
    if rows is None:
        before = index.previous.built.get(case_ids) if index.previous else None
        if before is not None:
            # Only a few marathons changed since the previous copy: rebuild just those.
            rows = [_row(index, r["id"], case_ids, now) if r["id"] in index.changed else r
                    for r in before]
        else:
            rows = [_row(index, mid, case_ids, now) for mid in index.rows]
        index.built[case_ids] = rows
        index.previous = None
    for r in rows:
        _refresh(r, index, now)
    return rows


def _refresh(row: dict[str, Any], index: EditionIndex, now: int) -> None:
    """Work out again what moves without a write to this edition: the status (the
    clock) and the previous-edition columns (another edition's writes)."""
    row["status"] = domain.status(row["starts_at"], row["ends_at"], row["closed"], now)
    earlier = index.earlier.get(row["group_id"] or "")
    row["previous_edition"], row["previous_total"] = earlier or (None, None)
    row["change"], row["change_pct"] = change(row["total"], row["previous_total"])


def _row(index: EditionIndex, mid: str, case_ids: tuple[str, ...], now: int,
         ) -> dict[str, Any]:
    meta = index.rows[mid]
    st = index.stats.get(mid, {})
    group = meta["group"]
    total = index.totals.get(mid, 0)
    people = st.get("p", 0)
    letters = st.get("k:letter", 0)
    duration = meta["duration"] or 1
    return {
        "id": mid, "title": meta["title"], "group": group["name"],
        "group_id": meta.get("gid") or None,
        "type": group.get("type", "other"), "city": group.get("city", ""),
        "region": group.get("region", ""), "country": group.get("country", ""),
        "status": domain.status(meta["starts"], meta["ends"], bool(meta["closed"]), now),
        "closed": bool(meta["closed"]),
        "starts_at": meta["starts"], "ends_at": meta["ends"], "timezone": meta["tz"],
        "duration_hours": duration, "participants": people, "total": total,
        "per_participant": round(total / people, 2) if people else None,
        "per_hour": round(total / duration, 2), "best_hour": st.get("b", 0),
        "letters": letters, "other": total - letters,
        "by_kind": {k: st.get(f"k:{k}", 0) for k in domain.KINDS},
        "by_case": {c: st.get(f"c:{c}", 0) for c in case_ids},
    }


def _matches(row: dict[str, Any], query: Query, needle: str) -> bool:
    if query.country and row["country"] not in query.country:
        return False
    if query.region and row["region"].casefold() != query.region.casefold():
        return False
    if query.type and row["type"] != query.type:
        return False
    if query.status and row["status"] != query.status:
        return False
    if needle:
        hay = " ".join((row["group"], row["title"], row["city"], row["region"],
                        row["country"])).casefold()
        return needle in hay
    return True


def _value(row: dict[str, Any], column: str) -> Any:
    if column.startswith("case:"):
        return row["by_case"].get(column[5:], 0)
    value = row[column]
    return value.casefold() if isinstance(value, str) else value


def select(rows: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    """Filter and sort the rows; ties keep group-name order, empty values go last."""
    needle = query.q.strip().casefold()
    kept = [r for r in rows if _matches(r, query, needle)]
    kept.sort(key=lambda r: (r["group"].casefold(), r["id"]))
    present = [r for r in kept if _value(r, query.sort) is not None]
    empty = [r for r in kept if _value(r, query.sort) is None]
    present.sort(key=lambda r: _value(r, query.sort), reverse=query.desc)
    return present + empty


def totals(rows: list[dict[str, Any]], case_ids: tuple[str, ...]) -> dict[str, Any]:
    """Sum the filtered rows into the table's totals row."""
    total = sum(r["total"] for r in rows)
    people = sum(r["participants"] for r in rows)
    hours = sum(r["duration_hours"] for r in rows)
    returning = [r for r in rows if r["previous_total"] is not None]
    before = sum({r["group_id"]: r["previous_total"] for r in returning}.values())
    now_total = sum(r["total"] for r in returning)
    diff, pct = change(now_total, before) if returning else (None, None)
    return {
        "marathons": len(rows), "participants": people, "total": total,
        "previous_total": before if returning else None, "change": diff, "change_pct": pct,
        "per_participant": round(total / people, 2) if people else None,
        "per_hour": round(total / hours, 2) if hours else None,
        "best_hour": max((r["best_hour"] for r in rows), default=0),
        "letters": sum(r["letters"] for r in rows), "other": sum(r["other"] for r in rows),
        "by_kind": {k: sum(r["by_kind"][k] for r in rows) for k in domain.KINDS},
        "by_case": {c: sum(r["by_case"][c] for r in rows) for c in case_ids},
    }


def charts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals by country and region, and the spread of per-participant totals."""
    by_country: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for r in rows:
        by_country[r["country"]] = by_country.get(r["country"], 0) + r["total"]
        region = f"{r['country']} · {r['region']}" if r["region"] else r["country"]
        by_region[region] = by_region.get(region, 0) + r["total"]
    values = [r["per_participant"] for r in rows if r["per_participant"] is not None]
    return {"by_country": _ranked(by_country), "by_region": _ranked(by_region),
            "distribution": distribution(values)}


def _ranked(sums: dict[str, int]) -> list[list[Any]]:
    return [[k, v] for k, v in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))]


def distribution(values: list[float], bins: int = 10) -> dict[str, list[float]]:
    """Count values into at most `bins` equal bins of a round width (1, 2 or 5 × 10^k)."""
    if not values:
        return {"edges": [], "counts": []}
    top = max(values)
    raw = max(top / bins, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    width = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = max(1, min(bins, math.floor(top / width) + 1))
    counts = [0] * n
    for v in values:
        counts[min(n - 1, int(v // width))] += 1
    return {"edges": [round(i * width, 6) for i in range(n + 1)], "counts": counts}


def page(rows: list[dict[str, Any]], query: Query) -> list[dict[str, Any]]:
    start = (query.page - 1) * query.per_page
    return rows[start:start + query.per_page]


def present(row: dict[str, Any], public: bool) -> dict[str, Any]:
    """Shape a row for JSON: ISO times in the marathon's zone, private columns dropped."""
    tz = row["timezone"]
    out = dict(row)
    out["starts_at"] = domain.from_ms(row["starts_at"], tz).isoformat(timespec="seconds")
    out["ends_at"] = domain.from_ms(row["ends_at"], tz).isoformat(timespec="seconds")
    if public:
        out.update(public_fields(row, ("title", "group", "city", "region")))
        for name in PRIVATE_COLUMNS:
            out.pop(name, None)
    return out


def table(index: EditionIndex, query: Query, now: int, *, with_charts: bool = False,
          ) -> dict[str, Any]:
    """Answer one request of the table: a page of rows, the count, totals and charts."""
    rows = select(build_rows(index, query.case_ids, now), query)
    body: dict[str, Any] = {
        "rows": [present(r, query.public) for r in page(rows, query)],
        "count": len(rows), "page": query.page, "per_page": query.per_page,
        "pages": max(1, math.ceil(len(rows) / query.per_page)),
        "sort": query.sort, "order": "desc" if query.desc else "asc",
        "totals": totals(rows, query.case_ids),
        "server_time": now,
    }
    if query.public:
        for name in PRIVATE_COLUMNS:
            body["totals"].pop(name, None)
    if with_charts:
        body["charts"] = charts(rows)
    return body


def filter_values(index: EditionIndex, public: bool = False) -> dict[str, list[str]]:
    """The countries, regions and types present in the edition (for the filter menus);
    the public's menu leaves out the regions the mask hides."""
    countries, regions, types = set(), set(), set()
    for meta in index.rows.values():
        g = meta["group"]
        countries.add(g.get("country", ""))
        if g.get("region") and not (public and display_name(g["region"]) == MASK):
            regions.add(g["region"])
        types.add(g.get("type", "other"))
    return {"country": sorted(countries), "region": sorted(regions, key=str.casefold),
            "type": sorted(types)}
