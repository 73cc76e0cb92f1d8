"""Editions with case cards: validation names the case and the field.

Import into the store is in tests/store/test_store_editions.py, the CLI's export and
import in tests/cli/test_cli_editions.py.
"""

from __future__ import annotations

import copy

import pytest

from marathon import domain
from marathon.domain.editions import (
    case_cards,
    case_goals,
    example_edition,
    localised,
    validate_edition,
)

CASE = "ales-bialiatski"


def edition() -> dict:
    return copy.deepcopy(example_edition())


def case(ed: dict, cid: str = CASE) -> dict:
    return next(c for c in ed["cases"] if c["id"] == cid)


def refusal(ed: dict) -> domain.Invalid:
    with pytest.raises(domain.Invalid) as info:
        validate_edition(ed)
    return info.value


def test_the_example_edition_is_complete_and_marked_as_an_example():
    ed = example_edition()
    assert validate_edition(ed) is ed
    assert ed["example"] is True and "example" in ed["note"]["en"].lower()
    assert len(ed["safety"]["fr"]) >= 3 and len(ed["safety"]["en"]) >= 3
    for c in ed["cases"]:
        for lang in ("fr", "en"):
            sentences = c["presentation"][lang].count(". ") + 1
            assert 2 <= sentences <= 4, (c["id"], lang, sentences)
            assert c["ask"][lang] and c["postage"][lang]
            assert c["letter"]["body"][lang] and c["letter"]["closing"][lang]
            assert len(c["solidarity"]["examples"][lang]) == 3
        assert c["letter"]["addressee"]["address"][-1].startswith("(example address")
        assert c["solidarity"]["address"][-1].startswith("(example address")


def test_missing_addressee_is_refused_naming_the_case_and_the_field():
    ed = edition()
    del case(ed)["letter"]["addressee"]
    exc = refusal(ed)
    assert exc.field == f"cases[{CASE}].letter.addressee"
    assert "addressee" in str(exc)


def test_missing_addressee_name_is_refused_naming_the_field():
    ed = edition()
    del case(ed)["letter"]["addressee"]["name"]
    exc = refusal(ed)
    assert exc.field == f"cases[{CASE}].letter.addressee.name"
    assert "name" in str(exc)


@pytest.mark.parametrize("path", [
    ("presentation",), ("ask",), ("summary",), ("postage",), ("letter", "body"),
    ("letter", "salutation"), ("letter", "addressee", "title"),
    ("solidarity", "examples"),
])
def test_unknown_language_key_is_refused_naming_the_case_and_the_field(path):
    ed = edition()
    target = case(ed, "mahadine")
    for key in path:
        target = target[key]
    target["it"] = target["en"]
    exc = refusal(ed)
    assert exc.field == "cases[mahadine]." + ".".join(path) + ".it"
    assert '"it"' in str(exc) and "en, fr, pl, de, es" in str(exc)


@pytest.mark.parametrize("path", [
    ("title",), ("note",), ("cases", CASE, "presentation"), ("cases", CASE, "summary"),
    ("cases", CASE, "letter", "body"), ("cases", CASE, "letter", "addressee", "title"),
    ("cases", CASE, "solidarity", "examples"), ("safety",),
])
def test_text_missing_in_english_is_refused_naming_the_field(path):
    ed = edition()
    target = ed
    for key in path:
        target = case(ed, key) if key == CASE else target[key]
    del target["en"]
    exc = refusal(ed)
    assert exc.field == ".".join(f"[{k}]" if k == CASE else k for k in path).replace(
        ".[", "[") + ".en"
    assert str(exc) == "This text is missing in en."


def test_a_text_may_leave_out_any_language_but_english():
    ed = edition()
    del case(ed)["letter"]["body"]["fr"]
    del ed["safety"]["fr"]
    assert validate_edition(ed) is ed


@pytest.mark.parametrize("lang", ["pl", "de", "es"])
def test_the_new_languages_are_accepted_in_texts_and_safety_notes(lang):
    ed = edition()
    ed["safety"][lang] = ["Bądź uprzejmy."]
    case(ed)["ask"][lang] = "Uwolnić Alesia Bialackiego."
    ed["title"][lang] = "Maraton pisania listów"
    assert validate_edition(ed) is ed


def test_an_english_only_edition_imports_and_shows_english_in_every_language():
    ed = {"id": "en-only", "year": 2026, "title": {"en": "Write for Rights"},
          "safety": {"en": ["Be polite."]},
          "cases": [{"id": "a", "name": "A", "country": "BY",
                     "summary": {"en": "In English."}, "ask": {"en": "Free A."},
                     "solidarity": {"address": ["A", "Minsk"],
                                    "examples": {"en": ["Stay strong."]}}}]}
    assert validate_edition(ed) is ed
    for lang in ("en", "fr", "pl", "de", "es"):
        cards = case_cards(ed, lang)
        card = cards["cases"][0]
        assert (card["summary"], card["ask"]) == ("In English.", "Free A.")
        assert card["solidarity"]["examples"] == ["Stay strong."]
        assert cards["safety"] == ["Be polite."]
        assert localised(ed["title"], lang) == "Write for Rights"


def test_case_cards_show_the_language_an_edition_gives_else_english():
    ed = edition()
    case(ed)["ask"]["pl"] = "Uwolnić Alesia Bialackiego."
    case(ed)["solidarity"]["examples"]["pl"] = ["Jesteśmy z Tobą."]
    ed["safety"]["pl"] = ["Bądź uprzejmy."]
    validate_edition(ed)
    pl = case_cards(ed, "pl")
    card = next(c for c in pl["cases"] if c["id"] == CASE)
    assert card["ask"] == "Uwolnić Alesia Bialackiego."
    assert card["solidarity"]["examples"] == ["Jesteśmy z Tobą."]
    assert card["presentation"] == case(ed)["presentation"]["en"]  # no Polish given
    assert card["country_name"] == "Białoruś"  # names of countries come from Babel
    assert pl["safety"] == ["Bądź uprzejmy."]
    de = case_cards(ed, "de")
    assert next(c for c in de["cases"] if c["id"] == CASE)["ask"] == case(ed)["ask"]["en"]
    assert de["safety"] == ed["safety"]["en"]


def test_an_unknown_language_in_edition_safety_notes_is_refused():
    ed = edition()
    ed["safety"]["it"] = ["Sii cortese."]
    assert refusal(ed).field == "safety.it"




@pytest.mark.parametrize("mutate, field", [
    (lambda c: c["letter"]["addressee"].update(address=[]), "letter.addressee.address"),
    (lambda c: c["letter"].update(adressee=c["letter"]["addressee"]), "letter.adressee"),
    (lambda c: c["solidarity"]["examples"].update(en=[]), "solidarity.examples.en"),
    (lambda c: c.update(goal=-1), "goal"),
    (lambda c: c.update(goal="ten"), "goal"),
    (lambda c: c["ask"].update(en="   "), "ask.en"),
    (lambda c: c["ask"].update(en="x" * 5000), "ask.en"),
    (lambda c: c["presentation"].update(fr="bell\x07"), "presentation.fr"),
    (lambda c: c.update(country="XX"), "country"),
])
def test_faulty_case_fields_are_named(mutate, field):
    ed = edition()
    mutate(case(ed))
    assert refusal(ed).field == f"cases[{CASE}].{field}"


def test_model_letter_may_hold_line_breaks_and_markup_as_text():
    ed = edition()
    case(ed)["letter"]["body"]["en"] = "Line one\n\n<script>alert(1)</script>"
    assert validate_edition(ed) is ed


def test_a_case_may_come_without_card_texts():
    ed = {"id": "short", "year": 2026, "title": "Short",
          "cases": [{"id": "a", "name": "A", "country": "FR"}]}
    assert validate_edition(ed) is ed
    card = case_cards(ed, "en")["cases"][0]
    assert card["letter"] is None and card["solidarity"] is None


def test_case_goals_merge_edition_and_marathon_goals():
    ed = example_edition()
    assert case_goals(ed) == {"ales-bialiatski": 100, "mahadine": 150,
                              "magai-matiop-ngong": 150}
    merged = case_goals(ed, {"case_goals": {"mahadine": 0, "jani-silva": 40, "nobody": 9}})
    assert merged == {"ales-bialiatski": 100, "magai-matiop-ngong": 150, "jani-silva": 40}


def test_host_case_goals_are_validated():
    assert domain.display_options({"case_goals": {"jani-silva": 40}}) == {
        "case_goals": {"jani-silva": 40}}
    with pytest.raises(domain.Invalid) as info:
        domain.display_options({"case_goals": {"jani-silva": -4}})
    assert info.value.field == "options.case_goals.jani-silva"
    with pytest.raises(domain.Invalid):
        domain.display_options({"case_goals": ["jani-silva"]})
