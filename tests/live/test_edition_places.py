"""The edition snapshot's totals by country and region, for the live map (issue 19),
against a real redis-server: verified marathons only, undos and voids taken back."""

from __future__ import annotations

import time

from helpers import CASES

from marathon.domain.editions import example_edition
from marathon.live import CompactJSON
from marathon.live.snapshots import edition_snapshot
from marathon.store.keys import EditionKeys

EID = example_edition()["id"]


def _ms() -> int:
    return int(time.time() * 1000)


def square(lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def french_regions() -> dict:
    return {"FR": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Bretagne"}, "geometry": square(-4, 48)},
        {"type": "Feature", "properties": {"name": "Île-de-France"},
         "geometry": square(2, 48.5)}]}}


def group(country: str, region: str, name: str = "Groupe") -> dict:
    return {"name": name, "type": "school", "city": "Ville", "region": region,
            "country": country}


def test_country_totals_are_exact_verified_only_with_undo_and_void(api, store, redis_client):
    fr = api.make_marathon(group=group("FR", "Bretagne"))
    de = api.make_marathon(group=group("DE", "Bayern"))
    fr2 = api.make_marathon(group=group("FR", "Occitanie"))
    redis_client.hset(EditionKeys(EID).policy, "registration", "review")
    pending = api.make_marathon(group=group("BE", "Wallonie"))

    a = api.join(fr["join_code"], "Anne")
    b = api.join(de["join_code"], "Bernd")
    c = api.join(fr2["join_code"], "Chloé")
    d = api.join(pending["join_code"], "Dirk")
    assert api.log(fr["id"], a["token"], count=7).status_code == 201
    undone = api.log(fr["id"], a["token"], count=2)
    assert undone.status_code == 201
    assert api.undo(fr["id"], a["token"], undone.get_json()["action"]["client_id"]
                    ).status_code in (200, 201)
    assert api.log(de["id"], b["token"], count=4, case_id=CASES[1]).status_code == 201
    assert api.log(fr2["id"], c["token"], count=3).status_code == 201
    voided = api.join(fr2["join_code"], "Intrus")
    assert api.log(fr2["id"], voided["token"], count=50).status_code == 201
    assert api.log(pending["id"], d["token"], count=9).status_code == 201

    before = edition_snapshot(store, EID, _ms())
    assert before["countries"] == {"FR": 60, "DE": 4}
    store.void_participant(fr2["id"], voided["participant_id"], reason="spam", now=_ms())

    snap = edition_snapshot(store, EID, _ms())
    assert snap["countries"] == {"FR": 10, "DE": 4}  # BE's marathon is not verified
    assert sum(snap["countries"].values()) == snap["total"] == 14
    assert snap["regions"] == {}  # the edition has no region shapes


def test_region_totals_follow_the_edition_shapes_case_and_accents_aside(api, store):
    edition = {**example_edition(), "regions": french_regions()}
    store.import_edition(edition)
    idf = api.make_marathon(group=group("FR", "ile-de-france"))
    bzh = api.make_marathon(group=group("FR", "BRETAGNE"))
    other = api.make_marathon(group=group("FR", "Normandie"))
    de = api.make_marathon(group=group("DE", "Bayern"))
    for m, n in ((idf, 5), (bzh, 2), (other, 1), (de, 3)):
        p = api.join(m["join_code"])
        assert api.log(m["id"], p["token"], count=n).status_code == 201

    snap = edition_snapshot(store, EID, _ms())
    assert snap["countries"] == {"FR": 8, "DE": 3}
    # Normandie has no shape: it counts in France only; Germany has no shapes at all.
    assert snap["regions"] == {"FR": {"Île-de-France": 5, "Bretagne": 2}}
    shapes = api.c.get(f"/api/v1/editions/{EID}/regions").get_json()["regions"]
    assert [f["properties"]["name"] for f in shapes["FR"]["features"]] == [
        "Bretagne", "Île-de-France"]
    # An import without `regions` keeps the shapes; `{}` removes them.
    store.import_edition(example_edition())
    assert store.region_shapes(EID) == french_regions()
    store.import_edition({**example_edition(), "regions": {}})
    assert edition_snapshot(store, EID, _ms())["regions"] == {}


def test_country_totals_add_a_few_bytes_per_country_to_the_edition_snapshot(api, store):
    countries = ["FR", "DE", "BE", "CH", "ES", "IT", "PT", "NL", "LU", "AT", "PL", "CZ", "SK",
                 "HU", "SI", "HR", "RO", "BG", "GR", "CY", "MT", "IE", "GB", "DK", "SE",
                 "NO", "FI", "IS", "EE", "LV", "LT", "UA", "MD", "GE", "AM", "TR", "MA",
                 "TN", "SN", "CI"]
    for i, country in enumerate(countries):
        m = api.make_marathon(group=group(country, "", f"Lycée général Victor Hugo n°{i}"))
        p = api.join(m["join_code"])
        assert api.log(m["id"], p["token"], count=1 + i).status_code == 201
    snap = edition_snapshot(store, EID, _ms())
    assert len(snap["countries"]) == 40
    assert len(CompactJSON.dumps(snap["countries"]).encode()) <= 40 * 10
    # The 5 KB of two rankings of 20 named marathons (tests/live/test_live.py), and the
    # map's countries beside them.
    assert len(CompactJSON.dumps(snap).encode()) <= 5120 + 40 * 10
