"""Editions' windows (issue 27, item 5): defaults, validation, the check a marathon
passes, when an edition closes, and the example edition's campaign year."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marathon import domain
from marathon.domain.editions import example_edition, readable, validate_edition
from marathon.domain.windows import campaign_year, check_window, closes_ms, window

HOUR = 3_600_000


def ms(*args: int, tz=UTC) -> int:
    return domain.ms(datetime(*args, tzinfo=tz))


def edition(**more) -> dict:
    return {"id": "w4r", "year": 2026, "title": "W4R",
            "cases": [{"id": "a", "name": "A", "country": "FR"}], **more}


def test_without_dates_the_window_runs_from_1_october_to_30_june_of_the_next_year():
    assert window(edition()) == (date(2026, 10, 1), date(2027, 6, 30))
    assert window(edition(opens="2026-11-15")) == (date(2026, 11, 15), date(2027, 6, 30))
    assert window(edition(closes="2026-12-31")) == (date(2026, 10, 1), date(2026, 12, 31))
    assert window({"id": "x"}) is None  # no year (a salvaged edition): nothing to check


@pytest.mark.parametrize(("more", "field"), [
    ({"opens": "2026-13-01"}, "opens"), ({"opens": "1 Oct 2026"}, "opens"),
    ({"closes": 20270630}, "closes"), ({"opens": None}, "opens"),
    ({"opens": "2026-12-01", "closes": "2026-11-30"}, "closes"),
    ({"opens": "2026-01-01", "closes": "2029-01-01"}, "closes"),
])
def test_a_faulty_window_is_refused_naming_its_field(more, field):
    with pytest.raises(domain.Invalid) as err:
        validate_edition(edition(**more))
    assert err.value.field == field


def test_a_stored_edition_with_a_faulty_window_keeps_the_default_one():
    shown = readable(edition(opens="soon", closes="2027-06-01"), "w4r")
    assert "opens" not in shown and shown["closes"] == "2027-06-01"
    assert window(shown) == (date(2026, 10, 1), date(2027, 6, 1))


def test_a_marathon_starts_and_ends_inside_the_window_in_its_own_time_zone():
    ed = edition()
    check_window(ed, ms(2026, 12, 5, 12), 24, "Europe/Paris")
    # 1 October, 00:30 in Paris is still 30 September in UTC: inside.
    check_window(ed, ms(2026, 9, 30, 22, 30), 2, "Europe/Paris")
    # ... and ending at midnight on 30 June (local) is inside too.
    check_window(ed, ms(2027, 6, 29, 22), 24, "Europe/Paris")
    for starts, hours, field in ((ms(2026, 9, 30, 12), 24, "starts_at"),
                                 (ms(2200, 12, 5), 48, "starts_at"),
                                 (ms(2027, 6, 30, 12), 24, "duration_hours"),
                                 (ms(2027, 6, 29, 22), 25, "duration_hours")):
        with pytest.raises(domain.Invalid) as err:
            check_window(ed, starts, hours, "Europe/Paris")
        assert err.value.field == field and err.value.code == "outside_edition"
        assert err.value.params == {"opens": "2026-10-01", "closes": "2027-06-30"}


def test_an_edition_closes_when_its_last_day_has_ended_everywhere():
    assert closes_ms(edition()) == ms(2027, 7, 1, 12)
    assert closes_ms({"id": "x"}) is None


@pytest.mark.parametrize(("today", "year"), [
    (date(2026, 12, 8), 2026), (date(2026, 7, 1), 2026), (date(2027, 6, 30), 2026),
    (date(2027, 1, 15), 2026), (date(2027, 7, 1), 2027)])
def test_the_campaign_year_turns_on_1_july(today, year):
    assert campaign_year(today) == year


@pytest.mark.parametrize("today", [date(2026, 7, 1), date(2026, 12, 8), date(2027, 6, 30),
                                   date(2031, 3, 3)])
def test_the_example_edition_follows_the_campaign_year_with_months_to_spare(today):
    ed = validate_edition(example_edition(today))
    assert ed["year"] == campaign_year(today)
    opens, closes = window(ed)
    assert (today - opens).days >= 180 and (closes - today).days >= 180
