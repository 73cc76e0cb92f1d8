"""Exports of an edition's numbers: CSV (for spreadsheets) and JSON (for programs).

Four kinds: one record per marathon, per marathon × case, per marathon × hour, per
marathon × team (for marathons whose host made teams). Every record names the group
(`group_id` is stable across editions); a marathon's record also has its group's
previous-edition total and the change (empty for a group new this edition).
CSV is UTF-8 with a byte-order mark (so spreadsheets read accents right), one header
row, ISO 8601 times, `,` or `;` as separator (with `;` the decimal mark is a comma, as
French spreadsheets expect), and any text that starts with `=`, `+`, `-`, `@`, a tab or
a carriage return is prefixed with `'` so that no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import domain
from ..domain import compare
from ..store import Store

KINDS = ("marathons", "cases", "hours", "teams")
SEPARATORS = (",", ";")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

GROUP_FIELDS = ["marathon_id", "title", "group", "group_id", "type", "city", "region",
                "country"]


def marathon_fields(case_ids: Iterable[str]) -> list[str]:
    return [*GROUP_FIELDS, "status", "starts_at", "ends_at", "timezone", "duration_hours",
            "participants", "total", "previous_edition", "previous_total", "change",
            "change_pct", "per_participant", "per_hour", "best_hour",
            *(f"kind_{k}" for k in domain.KINDS), *(f"case_{c}" for c in case_ids)]


def fields(kind: str, case_ids: Iterable[str]) -> list[str]:
    if kind == "marathons":
        return marathon_fields(case_ids)
    if kind == "cases":
        return [*GROUP_FIELDS, "case_id", "case_name", "count"]
    if kind == "teams":
        return [*GROUP_FIELDS, "team_id", "team_name", "participants", "count"]
    return [*GROUP_FIELDS, "hour", "hour_starts_at", "count"]


def _group(row: dict[str, Any]) -> dict[str, Any]:
    return {"marathon_id": row["id"], "title": row["title"], "group": row["group"],
            "group_id": row["group_id"], "type": row["type"], "city": row["city"],
            "region": row["region"],
            "country": row["country"]}


def records(kind: str, store: Store, edition: dict[str, Any], now: int, *,
            on_marathon: Callable[[], None] | None = None) -> Iterator[dict[str, Any]]:
    """Yield the export's records, marathons ordered by country, group and start."""
    cases = edition.get("cases", [])
    case_ids = tuple(c["id"] for c in cases)
    index = store.compare_index(edition["id"])
    rows = sorted(compare.build_rows(index, case_ids, now),
                  key=lambda r: (r["country"], r["group"].casefold(), r["starts_at"], r["id"]))
    if kind == "hours":
        by_id = {r["id"]: r for r in rows}
        for mid, hourly in store.hourly_counts(index.rows, [r["id"] for r in rows]):
            row = by_id[mid]
            for hour, count in enumerate(hourly):
                at = domain.from_ms(row["starts_at"] + hour * domain.HOUR_MS, row["timezone"])
                yield {**_group(row), "hour": hour,
                       "hour_starts_at": at.isoformat(timespec="seconds"), "count": count}
            if on_marathon:
                on_marathon()
        return
    for row in rows:
        if kind == "teams":
            for team in store.teams(row["id"]):
                yield {**_group(row), "team_id": team["id"], "team_name": team["name"],
                       "participants": team["participants"], "count": team["total"]}
        elif kind == "cases":
            for case in cases:
                yield {**_group(row), "case_id": case["id"], "case_name": case["name"],
                       "count": row["by_case"][case["id"]]}
        else:
            shown = compare.present(row, public=False)
            yield {**_group(row), "status": row["status"], "starts_at": shown["starts_at"],
                   "ends_at": shown["ends_at"], "timezone": row["timezone"],
                   "duration_hours": row["duration_hours"],
                   "participants": row["participants"], "total": row["total"],
                   "previous_edition": row["previous_edition"],
                   "previous_total": row["previous_total"], "change": row["change"],
                   "change_pct": row["change_pct"],
                   "per_participant": row["per_participant"], "per_hour": row["per_hour"],
                   "best_hour": row["best_hour"],
                   **{f"kind_{k}": row["by_kind"][k] for k in domain.KINDS},
                   **{f"case_{c}": row["by_case"][c] for c in case_ids}}
        if on_marathon:
            on_marathon()


def neutralise(value: str) -> str:
    """Keep spreadsheets from reading a text cell as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Any, decimal: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", decimal) if decimal != "." else text
    return value


def csv_chunks(header: list[str], items: Iterable[dict[str, Any]], sep: str = ",",
               batch: int = 1000) -> Iterator[str]:
    """Write CSV text in chunks (for a streamed answer or a file), BOM first."""
    decimal = "," if sep == ";" else "."
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(header)
    for n, item in enumerate(items, 1):
        writer.writerow([cell(item.get(name), decimal) for name in header])
        if n % batch == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def json_document(kind: str, edition: dict[str, Any], items: Iterable[dict[str, Any]],
                  now: int) -> dict[str, Any]:
    return {"edition": {"id": edition["id"], "year": edition.get("year"),
                        "title": edition.get("title"),
                        "cases": [{"id": c["id"], "name": c["name"], "country": c["country"]}
                                  for c in edition.get("cases", [])]},
            "kind": kind, "generated_at": domain.from_ms(now).isoformat(),
            "records": list(items)}
