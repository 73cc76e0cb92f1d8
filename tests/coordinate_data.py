"""A small edition for the coordinator tests: 3 countries × 4 marathons, known actions.

Every expected number in `EXPECTED` was worked out by hand from `MARATHONS`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from helpers import _json, _text, auth, iso, now

A, B = "ales-bialiatski", "moses-akatugba"

# key: (country, region, type, city, group name, duration h, start (h from now),
#       participants, actions [(kind, case, count, hour)], closed)
MARATHONS: dict[str, tuple[Any, ...]] = {
    "fr1": ("FR", "Bretagne", "school", "Rennes", "Lycée Victor Hugo", 24, -5, 2,
            [("letter", A, 3, 0), ("card", B, 2, 1), ("letter", "", 1, 1)], False),
    "fr2": ("FR", "Bretagne", "local_group", "Brest", "Groupe de Brest", 12, -5, 3,
            [("letter", A, 10, 0), ("email", "", 5, 0)], False),
    "fr3": ("FR", "Occitanie", "school", "Toulouse", "Collège Jean Jaurès", 24, -5, 1,
            [("petition", B, 4, 2)], False),
    "fr4": ("FR", "Occitanie", "library", "Albi", "Médiathèque d'Albi", 24, -5, 0, [], False),
    "be1": ("BE", "Wallonie", "school", "Liège", "Athénée de Liège", 24, -5, 4,
            [("letter", A, 20, 0), ("letter", B, 8, 1)], False),
    "be2": ("BE", "Flandre", "university", "Gent", "UGent Amnesty", 6, -7, 2,
            [("post", "", 6, 0)], False),
    "be3": ("BE", "Bruxelles", "local_group", "Bruxelles", 'Groupe "Ixelles", centre', 24, -5,
            2, [("letter", A, 1, 0)], False),
    "be4": ("BE", "Wallonie", "school", "Namur", '=HYPERLINK("http://x")', 24, -5, 1,
            [("card", A, 2, 3)], False),
    "ch1": ("CH", "Genève", "school", "Genève", "École de Plainpalais", 24, -5, 5,
            [("letter", A, 50, 0), ("letter", A, 30, 1), ("email", B, 5, 1)], False),
    "ch2": ("CH", "Vaud", "university", "Lausanne", "UNIL", 24, -5, 2,
            [("letter", B, 12, 0)], False),
    "ch3": ("CH", "Vaud", "other", "Montreux", "Scouts de Montreux", 24, 2, 0, [], False),
    "ch4": ("CH", "Genève", "school", "Carouge", "Cycle de Carouge", 24, -5, 2,
            [("letter", "", 7, 0)], True),
}

COLUMNS = ("status", "participants", "total", "per_participant", "per_hour", "best_hour",
           "letters", "other")
# key: status, participants, total, per participant, per hour, best hour, letters, other,
#      {case: count}
EXPECTED: dict[str, tuple[Any, ...]] = {
    "fr1": ("running", 2, 6, 3.0, 0.25, 3, 4, 2, {A: 3, B: 2}),
    "fr2": ("running", 3, 15, 5.0, 1.25, 15, 10, 5, {A: 10}),
    "fr3": ("running", 1, 4, 4.0, 0.17, 4, 0, 4, {B: 4}),
    "fr4": ("running", 0, 0, None, 0.0, 0, 0, 0, {}),
    "be1": ("running", 4, 28, 7.0, 1.17, 20, 28, 0, {A: 20, B: 8}),
    "be2": ("ended", 2, 6, 3.0, 1.0, 6, 0, 6, {}),
    "be3": ("running", 2, 1, 0.5, 0.04, 1, 1, 0, {A: 1}),
    "be4": ("running", 1, 2, 2.0, 0.08, 2, 0, 2, {A: 2}),
    "ch1": ("running", 5, 85, 17.0, 3.54, 50, 80, 5, {A: 80, B: 5}),
    "ch2": ("running", 2, 12, 6.0, 0.5, 12, 12, 0, {B: 12}),
    "ch3": ("scheduled", 0, 0, None, 0.0, 0, 0, 0, {}),
    "ch4": ("ended", 2, 7, 3.5, 0.29, 7, 7, 0, {}),
}


def build(api: Any) -> dict[str, str]:
    """Register, join and log the whole edition through the API; return key -> marathon id.

    fr1 also logs 5 more letters in its first hour and undoes them, so the best hour
    must come back down to 3 (the compensation path of the indexes).
    """
    ids: dict[str, str] = {}
    base = now().replace(microsecond=0)
    for key, (country, region, type_, city, name, hours, start, people, actions,
              closed) in MARATHONS.items():
        starts = base + timedelta(hours=start)
        made = api.make_marathon(
            group={"name": name, "type": type_, "city": city, "region": region,
                   "country": country},
            title=f"Marathon {key}", starts_at=iso(starts), duration_hours=hours,
            timezone="Europe/Paris")
        mid = ids[key] = made["id"]
        tokens = [api.join(made["join_code"], f"p{i}", joined_at=iso(starts),
                           host=made["host_token"])["token"] for i in range(people)]
        for kind, case, count, hour in actions:
            at = iso(starts + timedelta(hours=hour, minutes=30))
            r = api.log(mid, tokens[0], kind=kind, case_id=case or None, count=count,
                        written_at=at)
            assert r.status_code == 201, _text(r)
        if key == "fr1":
            extra = api.log(mid, tokens[0], kind="letter", case_id=A, count=5,
                            written_at=iso(starts + timedelta(minutes=40)))
            assert extra.status_code == 201
            cid = _json(extra)["action"]["client_id"]
            assert api.undo(mid, tokens[0], cid).status_code == 200
        if closed:
            host = made["host_token"]
            r = api._call("post", f"/api/v1/marathons/{mid}/close", headers=auth(host))
            assert r.status_code == 200
    return ids


def csrf_token(client: Any, path: str = "/coordinate/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def login(client: Any, email: str, password: str) -> Any:
    token = csrf_token(client)
    return client.post("/coordinate/login", data={"email": email, "password": password,
                                                  "csrf_token": token})
