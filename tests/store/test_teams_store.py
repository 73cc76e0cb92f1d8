"""The team counters are rebuilt by reconcile from the participants' own tallies."""

from __future__ import annotations

from marathon.store.keys import MarathonKeys


def test_reconcile_rebuilds_broken_team_counters(api, store, redis_client):
    m = api.make_marathon()
    mid, host = m["id"], m["host_token"]
    a = api.make_team(mid, host, "6e A")["id"]
    for n in (2, 3):
        p = api.join(m["join_code"], f"P{n}", team_id=a)
        api.log(mid, p["token"], count=n)
    key = MarathonKeys(mid).tcounts
    assert redis_client.hgetall(key) == {a: "5", f"{a}:p": "2"}
    redis_client.hset(key, mapping={a: 99, f"{a}:p": 7, "t9": 4})
    report = store.reconcile(mid)
    assert report["repaired"]
    assert {(d["key"], d["field"]) for d in report["differences"]} == {
        ("tcounts", a), ("tcounts", f"{a}:p"), ("tcounts", "t9")}
    assert redis_client.hgetall(key) == {a: "5", f"{a}:p": "2"}
    assert store.reconcile(mid, repair=False)["differences"] == []
