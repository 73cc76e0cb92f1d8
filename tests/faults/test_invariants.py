"""Random operations on the Store: counters always equal a replay of the stream.

A hypothesis state machine drives one marathon through joins, logs (fresh and
replayed), undos, host voids, hides, bans, closes, reopens and the clock moving on,
on a real Redis. After every step: `reconcile(repair=False)` finds no difference,
no total is negative, `seq` strictly increases along the stream, and the counters
match a plain Python model of what should have counted.

The store's clock is the test's own (`self.now`), and it never comes from a fixed date:
the marathon starts at this hour shifted by `offset`. Redis keeps its own real clock for
expiries, so the machine also runs with the store's clock a year behind and a year ahead
of Redis's: the same as moving the machine's clock, so no fixed date can come back (a
key expired by Redis's clock while the store's window is still open fails it).

Sizes come from the environment: INVARIANT_EXAMPLES (default 100) examples of
INVARIANT_STEPS steps (default 50); `make test-long` runs 400 of 80.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from marathon import domain
from marathon.domain import trust
from marathon.store import Conflict, Denied, Store, connect
from marathon.store.keys import EditionKeys, MarathonKeys

pytestmark = pytest.mark.slow

HOUR = 3_600_000
CAP = 12
GRACE = 2 * HOUR
CASES = ["ales-bialiatski", "mahadine", ""]
ENVELOPE = (1, 1, 0)  # per participant-hour; the host's hourly bound: base, per participant
STATS: Counter = Counter()
EXAMPLES = int(os.environ.get("INVARIANT_EXAMPLES", 100))
STEPS = int(os.environ.get("INVARIANT_STEPS", 50))
YEAR = timedelta(days=365)


def this_hour(offset: timedelta) -> datetime:
    """The start of the current hour (UTC), shifted by `offset`."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + offset


def make_machine(redis_url: str, offset: timedelta = timedelta(0)):
    # A tight plausibility envelope (issue 27), so that verified marathons hold often.
    store = Store(connect(redis_url, 2.0), grace_ms=GRACE, keep_ms=HOUR, cap_per_hour=CAP,
                  envelope_rate=ENVELOPE[0], host_bound=ENVELOPE[1:])
    raw = connect(redis_url, 2.0)  # reads the counters as they are stored, past the store

    class Marathon(RuleBasedStateMachine):
        people = Bundle("people")
        actions = Bundle("actions")

        @initialize()
        def register(self) -> None:
            raw.flushdb()  # each example starts from an empty data set (edition included)
            store.load_example_if_empty()
            self.start = this_hour(offset)
            data = domain.MarathonInput(
                group=domain.Group("G", "school", "C", "R", "FR"), edition_id="example",
                title="T", starts_at=self.start, timezone="Europe/Paris", duration_hours=3,
                goal=None)
            self.starts = domain.ms(self.start)
            self.ends = self.starts + 3 * HOUR
            self.now = self.starts + 1000
            self.mid, _, self.host = store.register(data, self.now)
            self.closed = False
            self.banned: set[str] = set()
            self.live: dict[str, tuple[str, str, str, int, int]] = {}  # cid -> action
            self.bodies: dict[str, domain.ActionInput] = {}
            self.owner: dict[str, str] = {}  # cid -> token
            self.writer: dict[str, str] = {}  # cid -> pid
            self.per_hour: dict[str, int] = defaultdict(int)
            self.received: dict[str, int] = defaultdict(int)  # by the server's hour
            self.joined: dict[str, int] = {}
            self.verified = False

        @rule(target=people, on_board=st.booleans())
        def join(self, on_board: bool):
            try:
                pid, token = store.join(self.mid, "p" + uuid.uuid4().hex[:6], on_board,
                                        self.now)
            except Conflict as exc:
                assert self.closed or self.now > self.ends + GRACE, exc.code
                return multiple()
            self.joined[pid] = self.now
            return pid, token

        @rule(minutes=st.integers(1, 40))
        def tick(self, minutes: int) -> None:
            self.now += minutes * 60_000

        @rule(person=people, kind=st.sampled_from(domain.KINDS), case=st.sampled_from(CASES),
              count=st.integers(1, 5), offset=st.integers(-10, 190), target=actions)
        def log(self, person, kind, case, count, offset):
            pid, token = person
            written = self.starts + offset * 60_000
            action = domain.ActionInput(str(uuid.uuid4()), kind, case, count,
                                        domain.from_ms(written))
            hour = min((written - self.starts) // HOUR, 2)
            expected = None
            if pid in self.banned:
                expected = "banned"
            elif self.closed:
                expected = "closed"
            elif self.now > self.ends + GRACE:
                expected = "too_late"
            elif written < self.starts:
                expected = "not_started"
            elif written > self.ends:
                expected = "ended"
            elif written < self.joined[pid] - store.skew_ms:
                expected = "before_join"
            elif (self.per_hour[f"{hour}:{pid}"] + count > CAP
                  or self.received[f"{self.now // HOUR}:{pid}"] + count > CAP):
                expected = "implausible"
            try:
                result = store.log(self.mid, token, action, self.now)
            except (Conflict, Denied) as exc:
                assert exc.code == expected, (exc.code, expected)
                return None
            assert expected is None, f"counted although {expected}"
            assert result.status == "ok"
            STATS["counted"] += 1
            self.live[action.client_id] = (pid, kind, case, count, hour)
            self.bodies[action.client_id] = action
            self.owner[action.client_id] = token
            self.writer[action.client_id] = pid
            self.per_hour[f"{hour}:{pid}"] += count
            # Taking an action back does not give its place in the server's hour back.
            self.received[f"{self.now // HOUR}:{pid}"] += count
            return action.client_id

        @rule(cid=actions)
        def replay(self, cid) -> None:
            if cid is None:
                return
            before = raw.hget(MarathonKeys(self.mid).counts, "seq")
            try:
                result = store.log(self.mid, self.owner[cid], self.bodies[cid], self.now)
            except Denied as exc:
                assert exc.code == "banned" and self.writer[cid] in self.banned
                return
            assert result.status == "replay"
            assert raw.hget(MarathonKeys(self.mid).counts, "seq") == before

        @rule(cid=actions, by_host=st.booleans())
        def undo(self, cid, by_host: bool) -> None:
            if cid is None:
                return
            token = self.host if by_host else self.owner[cid]
            op = "void" if by_host else "undo"
            was_live = cid in self.live
            pid = self.live[cid][0] if was_live else None
            try:
                result = store.compensate(self.mid, token, cid, self.now, op=op,
                                          reason="test" if by_host else "")
            except (Conflict, Denied) as exc:
                assert op == "undo" and was_live
                assert exc.code in {"banned", "closed", "too_late"}, exc.code
                return
            if not was_live:
                assert result.status == "already"
                return
            assert result.status == "ok"
            STATS["compensated"] += 1
            _, _, _, count, hour = self.live.pop(cid)
            self.per_hour[f"{hour}:{pid}"] -= count

        @rule(person=people, thief=people)
        def undo_someone_elses(self, person, thief) -> None:
            theirs = [c for c, a in self.live.items() if a[0] == person[0]]
            if not theirs or person[0] == thief[0]:
                return
            try:
                store.compensate(self.mid, thief[1], theirs[0], self.now, op="undo")
            except Denied as exc:
                assert exc.code in {"forbidden", "banned"}
            else:
                raise AssertionError("a participant undid another's action")

        @rule(person=people, hide=st.booleans(), ban=st.booleans())
        def moderate(self, person, hide: bool, ban: bool) -> None:
            pid, _ = person
            store.patch_participant(self.mid, pid, on_board=not hide, banned=ban)
            (self.banned.add if ban else self.banned.discard)(pid)

        @rule(person=people)
        def void_all(self, person) -> None:
            pid, _ = person
            done = store.void_participant(self.mid, pid, reason="intruder", now=self.now)
            mine = [c for c, a in self.live.items() if a[0] == pid]
            assert done["actions"] == len(mine)
            assert done["count"] == sum(self.live[c][3] for c in mine)
            for cid in mine:
                _, _, _, count, hour = self.live.pop(cid)
                self.per_hour[f"{hour}:{pid}"] -= count
            self.banned.add(pid)

        @rule(state=st.sampled_from(["verified", "rejected", "pending"]))
        def review(self, state: str) -> None:
            store.set_state(self.mid, state, reason="r" if state == "rejected" else "",
                            who="test", now=self.now)
            self.verified = state == "verified"

        @rule(close=st.booleans())
        def close_or_reopen(self, close: bool) -> None:
            store.update(self.mid, {"closed": self.now if close else None})
            self.closed = close

        @invariant()
        def counters_equal_a_replay_of_the_stream(self) -> None:
            if not hasattr(self, "mid"):
                return
            STATS["checks"] += 1
            report = store.reconcile(self.mid, repair=False)
            assert report["differences"] == []
            k = MarathonKeys(self.mid)
            counts = {f: int(v) for f, v in raw.hgetall(k.counts).items()
                      if not f.startswith("lt:")}
            mine = {f: int(v) for f, v in raw.hgetall(k.mine).items()}
            assert all(v >= 0 for v in counts.values()), counts
            assert all(v >= 0 for v in mine.values()), mine
            assert counts.get("total", 0) == sum(a[3] for a in self.live.values())
            for kind in domain.KINDS:
                want = sum(a[3] for a in self.live.values() if a[1] == kind)
                assert counts.get(f"k:{kind}", 0) == want
            seqs = [e["seq"] for e in store.iter_entries(self.mid)]
            assert all(a < b for a, b in zip(seqs, seqs[1:], strict=False))
            assert counts.get("seq", 0) == (seqs[-1] if seqs else 0)
            # The edition (this marathon is its only one) counts it only while verified,
            # and only inside its plausibility envelope: the rest is held.
            ek = EditionKeys("example")
            edition = {f: int(v) for f, v in raw.hgetall(ek.counts).items()}
            held = {f: int(v) for f, v in raw.hgetall(k.held).items()}
            assert all(v >= 0 for f, v in held.items() if f not in ("ok", "rel")), held
            STATS["held"] += held.get("total", 0) > 0
            share = counts.get("total", 0) - held.get("total", 0)
            want = share if self.verified else 0
            assert edition.get("total", 0) == want, (edition, want)
            if self.verified:
                for kind in domain.KINDS:
                    assert edition.get(f"k:{kind}", 0) == (
                        counts.get(f"k:{kind}", 0) - held.get(f"k:{kind}", 0))
                envelope = trust.envelope(self.starts, self.ends, self.now,
                                          raw.hlen(k.people), *ENVELOPE,
                                          created=self.starts + 1000)
                assert share <= max(held.get("ok", 0), envelope), (share, held, envelope)
                assert raw.zscore(ek.totals, self.mid) == share
            assert (raw.zscore(ek.totals, self.mid) is not None) == self.verified

    return Marathon


@pytest.mark.parametrize("offset", [timedelta(0), -YEAR, YEAR],
                         ids=["redis-clock-same", "redis-clock-year-ahead",
                              "redis-clock-year-behind"])
def test_counters_always_equal_a_replay(redis_proc, redis_client, offset) -> None:
    """The model holds today and with Redis's clock a year away from the store's.

    The default clock gets the examples; the two shifted clocks a third each, enough for
    windows, replays and undos to meet expiries (each example lives 3–10 simulated hours).
    """
    machine = make_machine(redis_proc.url, offset)
    examples = EXAMPLES if not offset else max(5, EXAMPLES // 3)
    STATS.clear()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=list(HealthCheck)))
    print(f"[invariants] {dict(STATS)}")
    assert STATS["counted"] > 0 and STATS["checks"] > 0
