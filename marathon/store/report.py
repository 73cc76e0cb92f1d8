"""Reads for the after-event report: where a marathon stands in its edition."""

from __future__ import annotations

from dataclasses import dataclass

from .base import StoreBase
from .errors import unavailable_on_error
from .keys import EditionKeys


@dataclass(frozen=True)
class EditionStanding:
    """Where a marathon stands among the marathons of its edition that logged anything."""

    marathons: int  # marathons of the edition with at least one action
    median: float | None  # their median total
    rank: int | None  # 1 = the highest total; None when this marathon has logged nothing


class Report(StoreBase):
    @unavailable_on_error
    def edition_standing(self, eid: str, mid: str) -> EditionStanding:
        """Find the edition's median marathon total and this marathon's rank, in two round trips.

        The edition keeps a sorted set of marathon totals (the write scripts update it), so
        the median is read by index instead of by loading every total.
        """
        key = EditionKeys(eid).totals
        zeros, active, own = (self._redis.pipeline(transaction=False)
                              .zcount(key, "-inf", 0).zcount(key, "(0", "+inf")
                              .zscore(key, mid).execute())
        if not active:
            return EditionStanding(0, None, None)
        low, high = zeros + (active - 1) // 2, zeros + active // 2
        ranked = own is not None and own > 0
        middle, above = (self._redis.pipeline(transaction=False)
                         .zrange(key, low, high, withscores=True)
                         .zcount(key, f"({own if ranked else 0}", "+inf").execute())
        median = sum(score for _, score in middle) / len(middle)
        return EditionStanding(int(active), median, int(above) + 1 if ranked else None)
