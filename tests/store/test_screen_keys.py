"""Screen keys (issue 27, item 1): each marathon's projector link has a secret key, a new
one with each join code; the schema-5 upgrade gives one to marathons stored before
(real redis-server)."""

from __future__ import annotations

import time

from helpers import auth, registration

from marathon import domain
from marathon.domain.editions import example_edition
from marathon.store import keys
from marathon.store.keys import MarathonKeys
from marathon.store.upgrade import SCHEMA_VERSION

EID = example_edition()["id"]


def _register(store) -> str:
    mid, _, _ = store.register(domain.marathon(registration(), {EID}),
                               int(time.time() * 1000), "verified")
    return mid


def test_a_new_join_code_comes_with_a_new_screen_key(store):
    mid = _register(store)
    before = store.marathon(mid)
    assert len(before["screen_key"]) >= 22  # 128 bits
    store.new_join_code(mid, int(time.time() * 1000))
    after = store.marathon(mid)
    assert after["join_code"] != before["join_code"]
    assert after["screen_key"] != before["screen_key"]
    assert not domain.screen_key_matches(before["screen_key"], after["screen_key"])
    assert domain.screen_key_matches(after["screen_key"], after["screen_key"])


def test_screen_key_compare_refuses_anything_but_the_key():
    key = domain.new_screen_key()
    for given in (None, "", key[:-1], key + "x", key.upper(), 42, ["x"], "é" * 22):
        assert not domain.screen_key_matches(given, key)
    assert not domain.screen_key_matches("", "")


def test_the_upgrade_gives_older_marathons_a_screen_key_and_keeps_the_others(
        store, redis_client):
    older, newer = _register(store), _register(store)
    kept = store.marathon(newer)["screen_key"]
    # The layout before schema 5: no screen key.
    redis_client.hdel(MarathonKeys(older).meta, "skey")
    redis_client.set(keys.SCHEMA, 4)
    assert store.marathon(older)["screen_key"] == ""

    assert store.upgrade() == 1
    assert store.upgrade() == 0  # once only
    assert len(store.marathon(older)["screen_key"]) >= 22
    assert store.marathon(newer)["screen_key"] == kept
    assert redis_client.get(keys.SCHEMA) == str(SCHEMA_VERSION)


def test_after_the_upgrade_at_start_up_the_host_gets_a_working_projector_link(
        make_app, store, redis_client):
    mid, _, token = store.register(domain.marathon(registration(), {EID}),
                                   int(time.time() * 1000), "verified")
    redis_client.hdel(MarathonKeys(mid).meta, "skey")
    redis_client.set(keys.SCHEMA, 4)
    client = make_app().test_client()  # start-up runs the upgrade
    host = client.get(f"/api/v1/marathons/{mid}", headers=auth(token)).get_json()
    key = host["urls"]["screen"].partition("#key=")[2]
    assert key and host["urls"]["public_screen"] == f"/m/{mid}/screen"
    assert client.get(f"/m/{mid}/qr.svg", headers={"X-Screen-Key": key}).status_code == 200
    assert client.get(f"/m/{mid}/qr.svg").status_code == 403
