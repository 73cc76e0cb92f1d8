"""Region shapes an edition may bring for the live map (issue 19): strict validation
that names the country, the feature and the field; matching names of regions."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import csrf_of

from marathon import domain
from marathon.domain.editions import example_edition, validate_edition
from marathon.domain.places import REGIONS_MAX_BYTES, place_key, validate_regions


def square(lon: float = 2, lat: float = 48) -> dict:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def shapes(*names: str) -> dict:
    return {"FR": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n}, "geometry": square(i, 45)}
        for i, n in enumerate(names or ("Bretagne",))]}}


def test_valid_region_shapes_pass_inside_an_edition():
    edition = {**copy.deepcopy(example_edition()), "regions": shapes("Bretagne", "Corse")}
    assert validate_edition(edition)["regions"] == shapes("Bretagne", "Corse")


def _feature(r: dict) -> dict:
    return r["FR"]["features"][0]


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda r: r.update({"fr": r.pop("FR")}), "regions.fr"),
    (lambda r: r.update({"XX": r["FR"]}), "regions.XX"),
    (lambda r: r["FR"].update({"type": "Feature"}), "regions.FR.type"),
    (lambda r: r["FR"].update({"features": []}), "regions.FR.features"),
    (lambda r: r["FR"].update({"features": {"a": 1}}), "regions.FR.features"),
    (lambda r: _feature(r).update({"type": "Point"}), "regions.FR.features[0].type"),
    (lambda r: _feature(r).update({"properties": {}}), "regions.FR.features[0].properties.name"),
    (lambda r: _feature(r)["properties"].update({"name": 12}),
     "regions.FR.features[0].properties.name"),
    (lambda r: r["FR"]["features"].append(copy.deepcopy(_feature(r)) | {
        "properties": {"name": "BRETAGNE"}}), "regions.FR.features[1].properties.name"),
    (lambda r: _feature(r)["geometry"].update({"type": "Point"}),
     "regions.FR.features[0].geometry.type"),
    (lambda r: _feature(r)["geometry"].update({"coordinates": [[[2, 48], [3, 48]]]}),
     "regions.FR.features[0].geometry.coordinates"),
    (lambda r: _feature(r)["geometry"]["coordinates"][0][1].__setitem__(1, 91),
     "regions.FR.features[0].geometry.coordinates"),
    (lambda r: _feature(r)["geometry"]["coordinates"][0][1].__setitem__(0, "2"),
     "regions.FR.features[0].geometry.coordinates"),
    (lambda r: _feature(r)["geometry"]["coordinates"][0][1].__setitem__(0, True),
     "regions.FR.features[0].geometry.coordinates"),
    (lambda r: _feature(r)["geometry"].update({"type": "MultiPolygon", "coordinates": []}),
     "regions.FR.features[0].geometry.coordinates"),
])
def test_bad_region_shapes_are_refused_naming_the_field(mutate, field):
    raw = shapes()
    mutate(raw)
    with pytest.raises(domain.Invalid) as err:
        validate_regions(raw)
    assert err.value.field == field


def test_region_shapes_must_be_an_object_and_fit_the_size_cap():
    with pytest.raises(domain.Invalid) as err:
        validate_regions([shapes()])
    assert err.value.field == "regions"
    many = shapes(*(f"Région numéro {i}" for i in range(150)))
    for feature in many["FR"]["features"]:
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"]["coordinates"][0] = ring[:-1] * 120 + ring[-1:]
    with pytest.raises(domain.Invalid) as err:
        validate_regions(many)
    assert (err.value.field, err.value.code) == ("regions", "too_large")
    assert str(REGIONS_MAX_BYTES // 1024) in str(err.value)


def test_region_names_match_without_case_or_accents():
    assert place_key("Île-de-France") == place_key("ile de  france") == "ile de france"
    assert place_key("Provence-Alpes-Côte d’Azur") == place_key("provence alpes cote d'azur")


def test_edition_import_page_names_the_bad_region_field(client, store):
    store.add_account("admin@example.org", "correct horse battery", "admin")
    page = client.get("/coordinate/login").get_data(as_text=True)
    assert client.post("/coordinate/login", data={
        "email": "admin@example.org", "password": "correct horse battery",
        "csrf_token": csrf_of(page)}).status_code == 302
    bad = shapes()
    _feature(bad)["geometry"]["type"] = "LineString"
    raw = {**example_edition(), "id": "bad-map", "regions": bad}
    token = csrf_of(client.get("/coordinate/editions").get_data(as_text=True))
    r = client.post("/coordinate/editions/import", headers={"Accept-Language": "en"},
                    data={"csrf_token": token, "json": json.dumps(raw)},
                    follow_redirects=True)
    assert "regions.FR.features[0].geometry.type: A region&#39;s geometry is a Polygon" in (
        r.get_data(as_text=True))
    assert "bad-map" not in [e["id"] for e in store.editions()]
