"""A verified marathon's plausibility envelope in the store (issue 27 item 3): what it
logs beyond it is held out of its edition, it is back in review, a verification
releases it; undo, void, restore and reconcile keep the held amounts equal to a replay
of the stream (real redis-server)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from helpers import iso, now, registration

from marathon import domain
from marathon.domain import trust
from marathon.domain.editions import example_edition
from marathon.store import Conflict, Denied
from marathon.store.keys import EditionKeys, MarathonKeys

EID = example_edition()["id"]
CASES = [c["id"] for c in example_edition()["cases"]]
HOUR = 3_600_000


def _ms() -> int:
    return int(time.time() * 1000)


def _verified(store, people: int = 2) -> tuple[str, str, list[str]]:
    """A verified marathon that started 30 minutes ago (one hour begun), with `people`."""
    data = domain.marathon(registration(starts_at=iso(now() - timedelta(minutes=30))),
                           {EID})
    t = _ms()
    mid, _, host = store.register(data, t, "verified")
    tokens = [store.join(mid, f"P{i}", True, t, t - 60_000)[1] for i in range(people)]
    return mid, host, tokens


def _log(store, mid: str, token: str, n: int, t: int, case: str = "") -> str:
    cid = str(uuid.uuid4())
    body = {"client_id": cid, "kind": "letter", "case_id": case or None, "count": n,
            "written_at": iso(now())}
    store.log(mid, token, domain.action(body, frozenset(CASES), now(), 300), t,
              confirmed=True)
    return cid


def _edition_total(redis_client) -> int:
    return int(redis_client.hget(EditionKeys(EID).counts, "total") or 0)


def _row(store, mid: str) -> dict:
    return next(r for r in store.review_rows(EID, _ms()) if r["id"] == mid)


def _same_as_replay(store, mid: str) -> None:
    assert store.reconcile(mid, repair=False)["differences"] == []


def test_the_envelope_is_participants_hours_rate_plus_the_host_allowance(store):
    mid, host, _ = _verified(store, people=2)
    # One hour begun: 2 x 120 + (500 + 2 x 50) = 840.
    assert store.held(mid, _ms()) == {"held": 0, "envelope": 840}
    assert store.held(mid, _ms() + HOUR) == {"held": 0, "envelope": 1680}


def test_beyond_the_envelope_the_excess_is_held_and_the_marathon_is_back_in_review(
        store, redis_client):
    mid, host, _ = _verified(store, people=2)
    t = _ms()
    for _ in range(15):  # the host's 1,500, confirmed
        _log(store, mid, host, 100, t, CASES[0])
    assert int(redis_client.hget(MarathonKeys(mid).counts, "total")) == 1500
    assert _edition_total(redis_client) == 840
    ek = EditionKeys(EID)
    assert redis_client.zscore(ek.totals, mid) == 840
    assert int(redis_client.hget(ek.counts, f"c:{CASES[0]}")) == 840
    assert int(redis_client.hget(ek.stats, f"{mid}:k:letter")) == 840
    row = _row(store, mid)
    assert row["state"] == "verified" and row["held"] == 660 and row["envelope"] == 840
    assert "grown_since_verification" in row["flags"]
    assert store.review_rows(EID, _ms())[0]["id"] == mid  # first in the queue
    grown = [a for a in store.audit(mid) if a["what"] == "grown_since_verification"]
    assert len(grown) == 1 and grown[0]["envelope"] == 840 and grown[0]["held"] == 60
    _same_as_replay(store, mid)

    # The coordinator verifies: everything counts, nothing is held, the audit says so.
    store.set_state(mid, "verified", reason="", who="office@x.org", now=_ms())
    assert _edition_total(redis_client) == 1500
    assert redis_client.zscore(ek.totals, mid) == 1500
    assert store.held(mid, _ms())["held"] == 0
    assert "grown_since_verification" not in _row(store, mid)["flags"]
    assert store.audit(mid)[-1]["released"] == 660
    _same_as_replay(store, mid)
    # What the coordinator saw is the new floor: 100 more is held again at once.
    _log(store, mid, host, 100, _ms())
    assert _edition_total(redis_client) == 1500
    assert store.held(mid, _ms())["held"] == 100
    _same_as_replay(store, mid)


def test_undo_void_and_restore_keep_the_held_amounts_equal_to_a_replay(store,
                                                                        redis_client):
    mid, host, tokens = _verified(store, people=2)
    t = _ms()
    for _ in range(8):
        _log(store, mid, host, 100, t)  # 800 of 840
    over = _log(store, mid, tokens[0], 100, t)  # 40 in, 60 held
    assert _edition_total(redis_client) == 840 and store.held(mid, t)["held"] == 60
    store.compensate(mid, tokens[0], over, t, op="undo")
    assert _edition_total(redis_client) == 800 and store.held(mid, t)["held"] == 0
    _same_as_replay(store, mid)

    _log(store, mid, tokens[1], 100, t)  # 40 in, 60 held
    _log(store, mid, tokens[1], 50, t)  # all held
    assert store.held(mid, t)["held"] == 110
    store.void_participant(mid, _pid(store, mid, "P1"), reason="x", now=t)
    assert _edition_total(redis_client) == 800 and store.held(mid, t)["held"] == 0
    _same_as_replay(store, mid)
    # A restore goes through the envelope like new actions: 40 in, 110 held again.
    store.void_participant(mid, _pid(store, mid, "P1"), reason="", now=t, restore=True)
    assert _edition_total(redis_client) == 840 and store.held(mid, t)["held"] == 110
    _same_as_replay(store, mid)


def _pid(store, mid: str, nickname: str) -> str:
    return next(p["id"] for p in store.participants(mid) if p["nickname"] == nickname)


def test_reconcile_rebuilds_the_held_amounts_and_the_edition_from_the_stream(
        store, redis_client):
    mid, host, _ = _verified(store, people=1)
    t = _ms()
    for _ in range(10):
        _log(store, mid, host, 100, t, CASES[1])  # envelope 1 x (120 + 550) = 670
    assert store.held(mid, t) == {"held": 330, "envelope": 670}
    k, ek = MarathonKeys(mid), EditionKeys(EID)
    want_edition = {f: v for f, v in redis_client.hgetall(ek.counts).items()}
    # Lose the held amounts (a bad restore), and the edition with them.
    redis_client.hdel(k.held, "total", "k:letter", f"c:{CASES[1]}")
    redis_client.hincrby(ek.counts, "total", 330)
    report = store.reconcile(mid, repair=False)
    assert {(d["key"], d["field"]) for d in report["differences"]} == {
        ("held", "total"), ("held", "k:letter"), ("held", f"c:{CASES[1]}")}
    out = store.reconcile_edition(EID)
    assert out["marathons"][0]["repaired"]
    assert store.held(mid, t) == {"held": 330, "envelope": 670}
    assert redis_client.hgetall(ek.counts) == want_edition
    assert redis_client.zscore(ek.totals, mid) == 670
    _same_as_replay(store, mid)


def test_the_host_tallies_spend_an_hourly_budget_even_when_confirmed(make_app):
    app = make_app(HOST_TALLY_HOUR_MAX=1000)
    store = app.extensions["store"]
    mid, host, _ = _verified(store, people=0)
    t = _ms()
    for _ in range(10):
        _log(store, mid, host, 100, t)
    with pytest.raises(Conflict) as refused:
        _log(store, mid, host, 1, t)
    assert refused.value.code == "tally_budget" and refused.value.details["bound"] == 1000
    assert store.marathon(mid)["refused"] == 1


def test_random_logs_undos_voids_restores_and_verifications_keep_held_equal_to_a_replay(
        make_app, redis_client):
    """A tight envelope (1 per participant-hour, host bound 1), so most actions hold."""
    import random

    app = make_app(ENVELOPE_PER_PARTICIPANT_HOUR=1, HOST_TALLY_HOUR_BASE=1,
                   HOST_TALLY_HOUR_PER_PARTICIPANT=0, MAX_ACTIONS_PER_PARTICIPANT_HOUR=0)
    store = app.extensions["store"]
    rng = random.Random(27)
    mid, host, tokens = _verified(store, people=3)
    k = MarathonKeys(mid)
    logged: list[tuple[str, str]] = []  # (token, client_id)
    verified, held_seen = True, 0
    t = _ms()
    for step in range(300):
        op = rng.random()
        try:  # a banned phone is refused, a compensated action answers "already": fine
            if op < 0.55:
                token = rng.choice(tokens)
                logged.append((token, _log(store, mid, token, rng.randint(1, 9), t,
                                           rng.choice([*CASES[:2], ""]))))
            elif op < 0.7 and logged:
                token, cid = logged.pop(rng.randrange(len(logged)))
                store.compensate(mid, host if rng.random() < 0.5 else token, cid, t,
                                 op="void" if rng.random() < 0.5 else "undo")
            elif op < 0.8:
                store.void_participant(mid, _pid(store, mid, f"P{rng.randrange(3)}"),
                                       reason="x", now=t, restore=rng.random() < 0.6)
            elif op < 0.9:
                state = rng.choice(["verified", "verified", "pending"])
                store.set_state(mid, state, reason="", who="t", now=t)
                verified = state == "verified"
            else:
                t += 20 * 60_000  # the clock moves: the envelope grows by the hour
        except (Denied, Conflict):
            pass
        total = int(redis_client.hget(k.counts, "total") or 0)
        held = {f: int(v) for f, v in redis_client.hgetall(k.held).items()}
        assert all(v >= 0 for f, v in held.items() if f not in ("ok", "rel")), (step, held)
        held_seen += held.get("total", 0) > 0
        share = total - held.get("total", 0)
        assert _edition_total(redis_client) == (share if verified else 0), step
        if verified:  # never more than the envelope, or what a coordinator verified
            meta = store.marathon(mid)
            envelope = trust.envelope(meta["starts"], meta["ends"], t, 3, 1, 1, 0,
                                      meta["created"])
            assert share <= max(held.get("ok", 0), envelope), (step, share, held, envelope)
        assert store.reconcile(mid, repair=False)["differences"] == [], step
    assert held_seen > 50  # the envelope did hold, often


def test_a_window_dated_back_gives_no_hours_of_its_own(store):
    """Registered now for a marathon that 'started' 20 hours ago: one hour begun, not 21."""
    data = domain.marathon(registration(starts_at=iso(now() - timedelta(hours=20)),
                                        duration_hours=24), {EID})
    mid, _, _ = store.register(data, _ms(), "verified")
    assert store.held(mid, _ms())["envelope"] == 500
    assert store.held(mid, _ms() + 2 * HOUR)["envelope"] == 1500
