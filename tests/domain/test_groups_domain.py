"""Group identity: the match key, the previous edition, the change."""

from __future__ import annotations

import pytest

from marathon import domain
from marathon.domain import groups


@pytest.mark.parametrize("one, other", [
    (("Lycée Victor-Hugo", "Paris", "FR"), ("lycee victor hugo", "paris", "fr")),
    (("Lycée  Victor Hugo ", "PARIS", "FR"), ("LYCEE VICTOR-HUGO", "Paris", "FR")),
    (("Médiathèque d'Albi", "Albi", "FR"), ("mediatheque d albi", "albi", "FR")),
    (("Groupe Saint-Étienne", "Saint-Étienne", "FR"), ("groupe saint etienne.",
                                                       "saint etienne", "FR")),
    (("Ｌｙｃéｅ", "Paris", "FR"), ("lycee", "paris", "FR")),  # fullwidth letters
])
def test_spellings_of_one_group_share_a_match_key(one, other):
    a = {"name": one[0], "city": one[1], "country": one[2]}
    b = {"name": other[0], "city": other[1], "country": other[2]}
    assert groups.match_key(a) == groups.match_key(b)


@pytest.mark.parametrize("other", [
    ("Lycée Victor Hugo", "Besançon", "FR"),  # same name, another city
    ("Lycée Victor Hugo", "Paris", "BE"),  # another country
    ("Lycée Victor Hugo 2", "Paris", "FR"),
])
def test_another_city_country_or_name_is_another_group(other):
    base = {"name": "Lycée Victor-Hugo", "city": "Paris", "country": "FR"}
    assert groups.match_key(base) != groups.match_key(
        {"name": other[0], "city": other[1], "country": other[2]})


def test_a_group_value_object_and_its_dict_match_alike():
    g = domain.Group(name="UGent Amnesty", type="university", city="Gent", region="",
                     country="BE")
    assert groups.match_key(g) == groups.match_key(g.as_dict()) == "ugent amnesty|gent|BE"


EDITIONS = [{"id": "w4r-2026", "year": 2026}, {"id": "w4r-2024", "year": 2024},
            {"id": "w4r-2025", "year": 2025}, {"id": "other-2026", "year": 2026}]


def test_earlier_editions_are_the_earlier_years_most_recent_first():
    assert groups.earlier_editions(EDITIONS, "w4r-2026") == ["w4r-2025", "w4r-2024"]
    assert groups.earlier_editions(EDITIONS, "w4r-2024") == []


def test_the_previous_edition_is_the_most_recent_one_the_group_counted_in():
    earlier = ["w4r-2025", "w4r-2024"]
    assert groups.previous({"w4r-2024": 312}, earlier) == ("w4r-2024", 312)
    assert groups.previous({"w4r-2024": 312, "w4r-2025": 0}, earlier) == ("w4r-2025", 0)
    assert groups.previous({"w4r-2026": 50}, earlier) is None


def test_change_in_actions_and_percent():
    assert groups.change(450, 312) == (138, 44.2)
    assert groups.change(100, 200) == (-100, -50.0)
    assert groups.change(7, 0) == (7, None)
    assert groups.change(7, None) == (None, None)


@pytest.mark.parametrize("raw", ["", "short", "x" * 12, "-abcdefghij", "abc/defghij", 12,
                                 None, "abcdéfghijk"])
def test_a_malformed_id_is_refused(raw):
    with pytest.raises(domain.Invalid) as err:
        domain.public_id(raw, "group_id")
    assert err.value.field == "group_id"


def test_an_id_made_by_new_id_is_accepted():
    for _ in range(50):
        made = domain.new_id()
        assert domain.public_id(made, "group_id") == made
