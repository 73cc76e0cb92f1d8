"""Two editions of one campaign and groups that come back between them.

`EARLIER` (the year before) is imported next to the shipped example edition (which
follows the current campaign year, `YEAR`); both count
every marathon at once. `build` registers, through the API, marathons whose totals are
known, with the group names spelt differently from one year to the next.
"""

from __future__ import annotations

from typing import Any

from helpers import _text, auth

from marathon.domain.editions import example_edition
from marathon.store.keys import EditionKeys

YEAR = example_edition()["year"]
EARLIER, CURRENT = f"w4r-{YEAR - 1}", "example"

# key: (edition, group name, city, country, actions logged)
MARATHONS: dict[str, tuple[str, str, str, str, int]] = {
    "hugo25a": (EARLIER, "Lycée Victor-Hugo", "Paris", "FR", 3),
    "hugo25b": (EARLIER, "LYCÉE VICTOR HUGO", "Paris", "FR", 2),  # a second site, same year
    "brest25": (EARLIER, "Groupe de Brest", "Brest", "FR", 4),
    "hugo26": (CURRENT, "lycee victor hugo", "paris", "FR", 9),
    "brest26": (CURRENT, "Groupe  de Brest.", "Brest", "FR", 2),
    "hugo26b": (CURRENT, "Lycée Victor Hugo", "Besançon", "FR", 1),  # another city: new
}
# key: (previous total, change, change in percent) in the current compare table
EXPECTED = {"hugo26": (5, 4, 80.0), "brest26": (4, -2, -50.0), "hugo26b": (None, None, None)}


def add_earlier_edition(store: Any, redis_client: Any) -> None:
    """Store last year's edition (the example's cases), open to every registration."""
    store.import_edition({**example_edition(), "id": EARLIER, "year": YEAR - 1,
                          "title": {"en": f"Write for Rights {YEAR - 1}",
                                    "fr": f"Écrire {YEAR - 1}"}})
    redis_client.hset(EditionKeys(EARLIER).policy, "registration", "open")


def make(api: Any, edition: str, name: str, city: str, country: str = "FR",
         actions: int = 0, **overrides: Any) -> dict[str, Any]:
    """Register a marathon of this group and log `actions` letters in it."""
    m = api.make_marathon(edition_id=edition, group={
        "name": name, "type": "school", "city": city, "region": "", "country": country},
        **overrides)
    if actions:
        p = api.join(m["join_code"], "Zoë")
        for _ in range(actions):
            r = api.log(m["id"], p["token"])
            assert r.status_code == 201, _text(r)
    return m


def build(api: Any, store: Any, redis_client: Any) -> dict[str, dict[str, Any]]:
    """Register `MARATHONS`; return key -> the registration's answer."""
    add_earlier_edition(store, redis_client)
    return {key: make(api, edition, name, city, country, n)
            for key, (edition, name, city, country, n) in MARATHONS.items()}


def close(api: Any, made: dict[str, Any]) -> None:
    r = api._call("post", f"/api/v1/marathons/{made['id']}/close",
                  headers=auth(made["host_token"]))
    assert r.status_code == 200, _text(r)
