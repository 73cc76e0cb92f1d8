"""Editions in the store: an imported edition is stored as given."""

from __future__ import annotations

import copy

from marathon.domain.editions import example_edition


def test_import_stores_the_edition_as_given(store):
    ed = copy.deepcopy(example_edition())
    ed["id"] = "w4r-test"
    store.import_edition(ed)
    stored = dict(store.edition("w4r-test"))
    stored.pop("case_ids")
    assert stored == ed
