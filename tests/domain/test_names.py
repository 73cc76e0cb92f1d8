"""Names at the door and in public (issue 16, item 1): normalised, then folded and masked."""

from __future__ import annotations

import pytest

from marathon import domain
from marathon.domain.names import MASK, display_name, fold, public_group


@pytest.mark.parametrize("nickname", ["Cönnard", "c0nnard", "CONNARD", "соnnаrd",
                                      "Ｃｏｎｎａｒｄ", "𝐜𝐨𝐧𝐧𝐚𝐫𝐝", "Big Dіck", "d\u200bick",
                                      "di\u00adck"])
def test_item1_case_accents_and_look_alikes_are_folded_before_the_blocklist(nickname):
    # The Cyrillic о, а and і, fullwidth and bold letters, and invisible characters
    # stored before they were refused at the door, all fold to the Latin word.
    assert display_name(nickname) == MASK


@pytest.mark.parametrize("nickname", ["Zoë", "Дима", "Ελένη", "李明", "Dickens", "Richard"])
def test_ordinary_names_in_any_script_are_kept(nickname):
    assert display_name(nickname) == nickname


def test_fold_drops_accents_and_format_characters():
    assert fold("Zoe\u0301\u200d") == "zoe"


@pytest.mark.parametrize("raw", ["d\u200bick", "\u202eevil", "a\u2066b\u2069", "\ufeffbob"])
def test_item1_invisible_and_bidi_characters_are_refused_naming_the_field(raw):
    with pytest.raises(domain.Invalid) as caught:
        domain.nickname(raw)
    assert caught.value.field == "nickname"
    assert caught.value.code == "invisible_characters"


def test_names_are_stored_in_nfc_and_lone_surrogates_refused():
    assert domain.nickname("Zoe\u0301") == "Zoé"
    with pytest.raises(domain.Invalid) as caught:
        domain.text("a\ud800", "title")
    assert caught.value.field == "title" and caught.value.code == "invalid_unicode"


def test_public_group_masks_the_name_only():
    group = {"name": "Les connards", "city": "Lyon", "country": "FR"}
    assert public_group(group) == {"name": MASK, "city": "Lyon", "country": "FR"}
