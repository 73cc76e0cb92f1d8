"""Places for the live map (issue 19): totals by country and region, and the region
shapes an edition may bring.

An edition may give, per country, the shapes of its regions as a GeoJSON
FeatureCollection whose features carry a `name`; a marathon counts in the region whose
name matches its group's free-text region once case and accents are set aside
("ile-de-france" is "Île-de-France"). Marathons whose region matches no shape count in
their country only. The shapes are checked strictly at the import: they are drawn by
every edition screen, so a malformed or huge one must not reach a page.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import orjson

from .. import domain

# The whole `regions` block, serialised: a country's regions simplified for a screen
# are 20-80 KB of GeoJSON, and the edition import takes 512 KB in all.
REGIONS_MAX_BYTES = 400 * 1024
REGION_COUNTRIES_MAX = 20
FEATURES_MAX = 200
REGION_NAME_MAX = 120
GEOMETRIES = ("Polygon", "MultiPolygon")


def place_key(text: str) -> str:
    """Fold a region's name for matching: no case, no accents, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.replace("-", " ").replace("'", " ").replace("’", " ").split())


def region_names(regions: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Return {country: {folded name: name as given}} of validated region shapes."""
    return {country: {place_key(f["properties"]["name"]): f["properties"]["name"]
                      for f in shapes["features"]}
            for country, shapes in regions.items()}


def place_totals(rows: dict[str, dict[str, Any]], totals: dict[str, int],
                 names: dict[str, dict[str, str]],
                 ) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Sum marathons' totals by country, and by region where the edition has shapes.

    `rows` and `totals` are the edition's verified marathons (the compare table's
    index), so an unverified marathon counts nowhere, as in the edition's totals.
    Countries and regions with nothing yet are left out.
    """
    countries: dict[str, int] = {}
    regions: dict[str, dict[str, int]] = {}
    for mid, row in rows.items():
        total = totals.get(mid, 0)
        group = row.get("group") or {}
        country = group.get("country") or ""
        if total <= 0 or not country:
            continue
        countries[country] = countries.get(country, 0) + total
        shapes = names.get(country)
        if shapes:
            region = shapes.get(place_key(group.get("region") or ""))
            if region is not None:
                per = regions.setdefault(country, {})
                per[region] = per.get(region, 0) + total
    return countries, regions


# ---------------------------------------------------------------- validation


def validate_regions(raw: Any, field: str = "regions") -> dict[str, Any]:
    """Check an edition's region shapes: {country: FeatureCollection}; errors name the
    country, the feature and the field at fault."""
    if not isinstance(raw, dict):
        raise domain.Invalid(field, domain.N_(
            "Give the region shapes as a JSON object: {\"FR\": a GeoJSON "
            "FeatureCollection, ...}."))
    if len(orjson.dumps(raw)) > REGIONS_MAX_BYTES:
        raise domain.Invalid(field, domain.N_(
            "The region shapes take at most %(n)s KB: simplify them."),
            code="too_large", n=REGIONS_MAX_BYTES // 1024)
    if len(raw) > REGION_COUNTRIES_MAX:
        raise domain.Invalid(field, domain.N_(
            "Region shapes are given for at most %(n)s countries."), n=REGION_COUNTRIES_MAX)
    for country, shapes in raw.items():
        where = f"{field}.{country}"
        if domain.country(country, where) != country:
            raise domain.Invalid(where, domain.N_(
                "Give a two-letter ISO country code, like FR."))
        _collection(shapes, where)
    return raw


def _collection(raw: Any, where: str) -> None:
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        raise domain.Invalid(f"{where}.type", domain.N_(
            "This must be a GeoJSON FeatureCollection."))
    features = raw.get("features")
    if not isinstance(features, list) or not 1 <= len(features) <= FEATURES_MAX:
        raise domain.Invalid(f"{where}.features", domain.N_(
            "Give a list of 1 to %(n)s features."), n=FEATURES_MAX)
    seen: set[str] = set()
    for i, feature in enumerate(features):
        at = f"{where}.features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise domain.Invalid(f"{at}.type", domain.N_("This must be a GeoJSON Feature."))
        props = feature.get("properties")
        name = props.get("name") if isinstance(props, dict) else None
        domain.text(name, f"{at}.properties.name", max_len=REGION_NAME_MAX)
        if not isinstance(name, str) or name != name.strip():
            raise domain.Invalid(f"{at}.properties.name", domain.N_(
                "Give the region's name without spaces around it."))
        key = place_key(name)
        if key in seen:
            raise domain.Invalid(f"{at}.properties.name", domain.N_(
                "Two regions of one country have this name."))
        seen.add(key)
        _geometry(feature.get("geometry"), f"{at}.geometry")


def _geometry(raw: Any, where: str) -> None:
    if not isinstance(raw, dict) or raw.get("type") not in GEOMETRIES:
        raise domain.Invalid(f"{where}.type", domain.N_(
            "A region's geometry is a Polygon or a MultiPolygon."))
    coords = raw.get("coordinates")
    polygons = [coords] if raw["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise domain.Invalid(f"{where}.coordinates", domain.N_(
            "These coordinates do not make a polygon."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise domain.Invalid(f"{where}.coordinates", domain.N_(
                "These coordinates do not make a polygon."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise domain.Invalid(f"{where}.coordinates", domain.N_(
                    "Each ring of a polygon has at least 4 positions."))
            for position in ring:
                if not _position(position):
                    raise domain.Invalid(f"{where}.coordinates", domain.N_(
                        "A position is [longitude, latitude] in degrees."))


def _position(raw: Any) -> bool:
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        return False
    if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
           for v in raw):
        return False
    return -180 <= raw[0] <= 180 and -90 <= raw[1] <= 90
