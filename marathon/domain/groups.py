"""Groups that come back: one stable `group_id` for a group across editions.

A registration belongs to the group whose name, city and country are the same once
`match_key` has folded case, accents, punctuation, hyphens and spacing away ("Lycée
Victor-Hugo", Paris, FR is "lycee victor hugo", paris, FR); the same name in another
city is another group. Choices where the issue is silent:

- only *verified* marathons count in a group's totals, as in its editions' totals;
- the *previous edition* of a marathon is the most recent edition of an earlier year in
  which its group had a verified marathon; when the group held several marathons that
  year, their totals are summed (one group, one December);
- the change in percent is empty when the previous total is 0.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from .. import domain

_SEPARATORS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold one part of a group's identity: no case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    kept = "".join(c if c.isalnum() else " " for c in decomposed
                   if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", kept).strip()


def match_key(group: domain.Group | dict[str, Any]) -> str:
    """The identity a registration is matched on: folded name, folded city, country."""
    g = group.as_dict() if isinstance(group, domain.Group) else group
    return "|".join((fold(str(g.get("name") or "")), fold(str(g.get("city") or "")),
                     str(g.get("country") or "").upper()))


def description(marathons: list[dict[str, Any]]) -> dict[str, Any]:
    """How a group is described: as its latest verified marathon describes it (or its
    latest marathon, when none is verified yet). `marathons` are oldest first."""
    verified = [m for m in marathons if m["state"] == "verified"]
    return (verified or marathons)[-1]["group"]


def earlier_editions(editions: Iterable[dict[str, Any]], eid: str) -> list[str]:
    """The editions of years before edition `eid`'s, most recent first."""
    editions = list(editions)
    year = next((e.get("year", 0) for e in editions if e["id"] == eid), 0)
    older = [e for e in editions if e.get("year", 0) < year]
    return [e["id"] for e in sorted(older, key=lambda e: (-e.get("year", 0), e["id"]))]


def previous(totals: dict[str, int], earlier: list[str]) -> tuple[str, int] | None:
    """The previous edition and its total, from a group's verified totals by edition."""
    for eid in earlier:
        if eid in totals:
            return eid, totals[eid]
    return None


def change(total: int, before: int | None) -> tuple[int | None, float | None]:
    """The change from `before` to `total`: absolute, and in percent (one decimal)."""
    if before is None:
        return None, None
    return total - before, round(100 * (total - before) / before, 1) if before else None
