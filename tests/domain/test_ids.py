"""Ids and join codes: readable aloud, safe on a command line."""

from __future__ import annotations

from marathon import domain


def test_join_codes_avoid_look_alike_characters():
    codes = {domain.new_join_code() for _ in range(2000)}
    assert all(len(c) == 6 for c in codes)
    assert not set("".join(codes)) & set("0O1IL2Z5S8B")
    assert domain.normalise_join_code(" k7m 2qx ".replace("2", "3")) == "K7M3QX"


def test_ids_never_start_with_a_dash_or_underscore():
    ids = {domain.new_id() for _ in range(5000)}
    assert all(i[0].isalnum() and len(i) == 11 for i in ids)
