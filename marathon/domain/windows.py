"""Editions' windows: the days an edition's marathons may run in, and when it closes.

An edition may give `opens` and `closes` ("YYYY-MM-DD"); without them its window runs
from 1 October of its `year` to 30 June of `year + 1`. A marathon starts and ends inside
its edition's window, in its own time zone (`check_window`); the edition's nicknames
are erased counting from its close (`closes_ms`, see `store.retention`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .. import domain

YEAR_MIN, YEAR_MAX = 2000, 2200
# The default window: 1 October of the year to 30 June of the next (month, day).
DEFAULT_OPENS, DEFAULT_CLOSES = (10, 1), (6, 30)
WINDOW_DAYS_MAX = 731
# A date ends at midnight in the last time zone to reach it (UTC-12).
LAST_ZONE_HOURS = 12


def campaign_year(today: date) -> int:
    """The Write for Rights campaign a day belongs to: from July on, this year's (it
    opens in the autumn, peaks on 10 December); before July, last year's."""
    return today.year if today.month >= 7 else today.year - 1


def window_date(raw: Any, field: str) -> date:
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise domain.Invalid(field, domain.N_("Give a date as YYYY-MM-DD, like 2026-10-01."))


def window_dates(raw: dict[str, Any]) -> tuple[date, date] | None:
    """Check an edition's `opens` and `closes`; return its window (None without a year)."""
    year = raw.get("year")
    has_year = not isinstance(year, bool) and isinstance(year, int) and (
        YEAR_MIN <= year <= YEAR_MAX)
    opens = window_date(raw["opens"], "opens") if "opens" in raw else None
    closes = window_date(raw["closes"], "closes") if "closes" in raw else None
    if not has_year and (opens is None or closes is None):
        return None
    opens = opens or date(year, *DEFAULT_OPENS)
    closes = closes or date(year + 1, *DEFAULT_CLOSES)
    if closes < opens:
        raise domain.Invalid("closes", domain.N_("An edition closes on or after it opens."))
    if (closes - opens).days > WINDOW_DAYS_MAX:
        raise domain.Invalid("closes", domain.N_(
            "An edition's window lasts at most %(n)s days."), n=WINDOW_DAYS_MAX)
    return opens, closes


def window(edition: dict[str, Any]) -> tuple[date, date] | None:
    """The days an edition's marathons may run in (None for an edition without a year
    or with a faulty window: nothing to check against)."""
    try:
        return window_dates(edition)
    except domain.Invalid:
        return None


def closes_ms(edition: dict[str, Any]) -> int | None:
    """When the edition's window has closed everywhere on Earth (ms), or None."""
    span = window(edition)
    if span is None:
        return None
    end = datetime.combine(span[1] + timedelta(days=1), time(), UTC)
    return domain.ms(end + timedelta(hours=LAST_ZONE_HOURS))


def check_window(edition: dict[str, Any], starts: int, duration_hours: int, tz: str) -> None:
    """Refuse a marathon that does not start and end inside its edition's window, in
    its own time zone: the fault names `starts_at` (it starts outside) or
    `duration_hours` (it starts inside but ends after the close)."""
    span = window(edition)
    if span is None:
        return
    opens, closes = span
    zone = ZoneInfo(tz)
    start = domain.from_ms(starts, tz)
    end = (start + timedelta(hours=duration_hours)).astimezone(zone)
    params = {"opens": opens.isoformat(), "closes": closes.isoformat()}
    if not opens <= start.date() <= closes:
        raise domain.Invalid("starts_at", domain.N_(
            "This edition runs from %(opens)s to %(closes)s: start the marathon inside "
            "it."), "outside_edition", **params)
    if (end - timedelta(microseconds=1)).date() > closes:
        raise domain.Invalid("duration_hours", domain.N_(
            "This edition closes on %(closes)s: the marathon must end by then."),
            "outside_edition", **params)


def salvage_window(raw: dict[str, Any], year: Any) -> dict[str, str]:
    """The `opens` and `closes` of a stored edition that still make a window with its
    `year` (for `editions.readable`); none when they do not."""
    kept = {}
    for name in ("opens", "closes"):
        try:
            window_date(raw.get(name), name)
            kept[name] = raw[name]
        except domain.Invalid:
            pass
    return kept if window({"year": year, **kept}) is not None else {}
