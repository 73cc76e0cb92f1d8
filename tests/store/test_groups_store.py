"""Groups that come back, in the store: matching on registration, the group's indexes
written by the registration script, previous-edition totals, the schema-4 upgrade."""

from __future__ import annotations

import orjson
from group_data import CURRENT, EARLIER, EXPECTED, add_earlier_edition, build, make
from helpers import _json, registration

from marathon import domain
from marathon.domain import compare
from marathon.store import keys
from marathon.store.keys import EditionKeys, MarathonKeys
from marathon.store.upgrade import SCHEMA_VERSION


def gid_of(store, made) -> str:
    return store.marathon(made["id"])["group_id"]


def test_spellings_of_one_group_get_its_group_id_across_editions(api, store, redis_client):
    add_earlier_edition(store, redis_client)
    a = make(api, EARLIER, "Lycée Victor-Hugo", "Paris")
    b = make(api, CURRENT, "lycee victor hugo", "paris")
    gid = gid_of(store, a)
    assert gid and gid_of(store, b) == gid
    # Indexed by the registration script itself: the identity and the group's marathons.
    assert redis_client.get(keys.group_match("lycee victor hugo|paris|FR")) == gid
    assert redis_client.hgetall(keys.group_marathons(gid)) == {a["id"]: EARLIER,
                                                               b["id"]: CURRENT}
    assert orjson.loads(redis_client.hget(EditionKeys(CURRENT).rows, b["id"]))["gid"] == gid


def test_the_same_name_in_another_city_is_another_group(api, store):
    paris = make(api, CURRENT, "Lycée Victor Hugo", "Paris")
    besancon = make(api, CURRENT, "Lycée Victor Hugo", "Besançon")
    belgium = make(api, CURRENT, "Lycée Victor Hugo", "Paris", country="BE")
    assert len({gid_of(store, m) for m in (paris, besancon, belgium)}) == 3


def test_a_group_id_that_its_name_city_and_country_do_not_match_attaches_nothing(
        api, store, redis_client):
    victim = make(api, CURRENT, "Lycée Victor Hugo", "Paris")
    gid = gid_of(store, victim)
    before = redis_client.zcard(EditionKeys(CURRENT).every)
    for group in ({"name": "Les Faussaires", "city": "Paris"},
                  {"name": "Lycée Victor Hugo", "city": "Lyon"}):
        r = api._call("post", "/api/v1/marathons", json={**_registration(group), "group_id": gid})
        assert r.status_code == 409, r.get_data(as_text=True)
        assert _json(r)["error"]["code"] == "group_mismatch"
        assert _json(r)["error"]["field"] == "group_id"
    assert redis_client.hgetall(keys.group_marathons(gid)) == {victim["id"]: CURRENT}
    assert redis_client.zcard(EditionKeys(CURRENT).every) == before
    # The id of the group the name matches is accepted, and changes nothing to matching.
    again = api.make_marathon(group={"name": "LYCÉE VICTOR-HUGO", "type": "school",
                                     "city": "Paris", "country": "FR"}, group_id=gid)
    assert gid_of(store, again) == gid


def _registration(group):
    return registration(group={"type": "school", "country": "FR", **group})


def test_previous_totals_sum_the_verified_marathons_of_the_most_recent_earlier_edition(
        api, store, redis_client):
    made = build(api, store, redis_client)
    gids = {key: gid_of(store, m) for key, m in made.items()}
    earlier = store.earlier_totals(CURRENT, gids.values())
    assert earlier[gids["hugo26"]] == (EARLIER, 5)  # 3 + 2: two sites last year
    assert earlier[gids["brest26"]] == (EARLIER, 4)
    assert gids["hugo26b"] not in earlier
    assert store.earlier_totals(EARLIER, gids.values()) == {}  # nothing the year before
    # A pending marathon counts in no edition, so not in a group's totals either.
    store.set_state(made["brest25"]["id"], "pending", reason="check", who="c@x.org", now=0)
    assert gids["brest26"] not in store.earlier_totals(CURRENT, [gids["brest26"]])


def test_the_upgrade_gives_older_marathons_their_groups(api, store, redis_client):
    made = build(api, store, redis_client)
    # The layout of schema 3: no group id, no group keys, rows without "gid".
    for key in redis_client.keys("grp:*"):
        redis_client.delete(key)
    for m in made.values():
        redis_client.hdel(MarathonKeys(m["id"]).meta, "gid")
    for eid in (EARLIER, CURRENT):
        rows = EditionKeys(eid).rows
        for mid, raw in redis_client.hgetall(rows).items():
            row = orjson.loads(raw)
            row.pop("gid")
            redis_client.hset(rows, mid, orjson.dumps(row).decode())
    redis_client.set(keys.SCHEMA, 3)
    assert store.marathon(made["hugo26"]["id"])["group_id"] is None

    assert store.upgrade() == len(made)
    assert store.upgrade() == 0  # once only
    assert redis_client.get(keys.SCHEMA) == str(SCHEMA_VERSION)
    gids = {key: gid_of(store, m) for key, m in made.items()}
    assert gids["hugo25a"] == gids["hugo25b"] == gids["hugo26"]
    assert gids["brest25"] == gids["brest26"]
    assert len({gids["hugo26"], gids["brest26"], gids["hugo26b"]}) == 3
    # The compare table reads its rows again (their revision moved) and compares.
    rows = {r["id"]: r for r in _rows(store)}
    for key, (before, change, pct) in EXPECTED.items():
        row = rows[made[key]["id"]]
        assert (row["previous_total"], row["change"], row["change_pct"]) == (
            before, change, pct), key
    # New registrations find the upgraded groups.
    late = make(api, CURRENT, "Groupe de Brest", "BREST")
    assert gid_of(store, late) == gids["brest26"]


def _rows(store):
    index = store.compare_index(CURRENT)
    return compare.build_rows(index, (), domain.now_ms())
