"""Moderation: marathons' states, the audit trail, editions' registration policies, the
host's defences (void all of a participant's actions, the hour's pace).

Every state change moves the marathon into or out of all its edition's indexes in one
script (``lua/set_state.lua``); `reconcile_edition` rebuilds those indexes from the
marathons' own counters and states.
"""

from __future__ import annotations

from typing import Any

import orjson

from .. import domain
from ..domain import trust
from . import keys
from .actions import Actions
from .errors import NotFound, raise_for, unavailable_on_error, unavailable_while_down
from .keys import EditionKeys, MarathonKeys
from .marathons import decode_meta


def _audit_entry(what: str, who: str, now: int, why: str, **more: Any) -> str:
    return orjson.dumps({"what": what, "who": who, "at": now, "why": why or None,
                         **more}).decode()


class Moderation(Actions):
    # ------------------------------------------------------------ states and audit

    @unavailable_on_error
    def set_state(self, mid: str, state: str, *, reason: str, who: str, now: int) -> str:
        """Move a marathon to `state` (and its edition's indexes with it); return the old one."""
        k, ek = MarathonKeys(mid), EditionKeys(self.edition_of(mid))
        result = self._run("set_state", [
            k.meta, k.counts, k.people, k.audit, ek.counts, ek.totals, ek.per_participant,
            ek.marathons, ek.rows, ek.rev, ek.stats, ek.touched, ek.review, keys.CHANGED,
            k.held,
        ], [mid, state, reason, _audit_entry(state, who, now, reason), now])
        raise_for(result)
        return result[1]

    @unavailable_on_error
    def audit(self, mid: str) -> list[dict[str, Any]]:
        """Every moderation decision about a marathon, oldest first."""
        return [orjson.loads(e) for e in self._redis.lrange(MarathonKeys(mid).audit, 0, -1)]

    @unavailable_on_error
    def edition_marathon_ids(self, eid: str) -> list[str]:
        """Every marathon of the edition, whatever its state, by start."""
        return self._redis.zrange(EditionKeys(eid).every, 0, -1)

    @unavailable_on_error
    def review_rows(self, eid: str, now: int) -> list[dict[str, Any]]:
        """Every marathon of the edition with its state, numbers, flags and audit trail;
        pending first (oldest registration first), then the others by start."""
        ek = EditionKeys(eid)
        mids = self._redis.zrange(ek.every, 0, -1)
        pipe = self._redis.pipeline(transaction=False)
        for mid in mids:
            k = MarathonKeys(mid)
            pipe.hgetall(k.meta).hget(k.counts, "total").hlen(k.people).lrange(k.audit, 0, -1)
            pipe.hmget(k.held, ["total", "ok"])
        answers = pipe.execute()
        rows = []
        for i, mid in enumerate(mids):
            raw, total, people, audit, held = answers[5 * i:5 * i + 5]
            if not raw:
                continue
            meta = decode_meta(raw)
            pace = trust.Pace(total=int(total or 0), participants=int(people),
                              hours=trust.hours_elapsed(meta["starts"], meta["ends"], now),
                              refused=meta["refused"], joins_this_hour=0,
                              actions_this_hour=0)
            rows.append({
                "id": mid, "title": meta["title"], "group": meta["group"],
                "starts": meta["starts"], "ends": meta["ends"], "timezone": meta["timezone"],
                "created": meta["created"], "state": meta["state"],
                "state_reason": meta["state_reason"], "participants": int(people),
                "total": pace.total, "rate": round(pace.per_participant_hour, 1),
                "flags": pace.flags(), "audit": [orjson.loads(a) for a in audit],
                **self._envelope_of(meta, int(people), int(held[0] or 0),
                                    int(held[1] or 0), now),
            })
            if rows[-1]["held"]:
                rows[-1]["flags"].append("grown_since_verification")
        # Pending first, with the verified ones grown beyond their envelope since.
        order = {"pending": 0, "verified": 1, "rejected": 2}
        rows.sort(key=lambda r: (0 if r["held"] else order[r["state"]],
                                 r["created"] if r["state"] == "pending" else r["starts"]))
        return rows

    def _envelope_of(self, meta: dict[str, Any], people: int, held: int, verified: int,
                     now: int) -> dict[str, Any]:
        """A verified marathon's plausibility envelope now (what it may put into its
        edition), what it holds beyond it, and its review flag while it holds some."""
        if meta["state"] != "verified" or not self.envelope_rate:
            return {"held": 0, "envelope": None}
        base, per = self.host_bound
        envelope = trust.envelope(meta["starts"], meta["ends"], now, people,
                                  self.envelope_rate, base, per, meta["created"])
        return {"held": max(0, held), "envelope": max(envelope, verified)}

    @unavailable_on_error
    def held(self, mid: str, now: int) -> dict[str, Any]:
        """What a verified marathon holds beyond its plausibility envelope (waiting for
        the national office), and the envelope now."""
        k = MarathonKeys(mid)
        raw, people, held = self._redis.pipeline(transaction=False).hgetall(k.meta).hlen(
            k.people).hmget(k.held, ["total", "ok"]).execute()
        if not raw:
            raise NotFound("marathon")
        return self._envelope_of(decode_meta(raw), int(people), int(held[0] or 0),
                                 int(held[1] or 0), now)

    # ------------------------------------------------------------ edition policy

    @unavailable_on_error
    def edition_policy(self, eid: str) -> dict[str, Any]:
        raw = self._redis.hgetall(EditionKeys(eid).policy)
        return {"registration": raw.get("registration", trust.DEFAULT_POLICY),
                "has_code": bool(raw.get("code"))}

    @unavailable_on_error
    def set_edition_policy(self, eid: str, registration: str, code: str | None = None) -> None:
        """Set how the edition's new marathons start; a code (for `code`) is kept hashed,
        in its canonical form (`trust.canonical_code`)."""
        ek = EditionKeys(eid)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(ek.policy, "registration", registration)
        if code:
            pipe.hset(ek.policy, "code", domain.hash_token(trust.canonical_code(code)))
        pipe.execute()

    @unavailable_on_error
    def initial_state(self, eid: str, code_given: str, *, now: int = 0,
                      tries_per_hour: int = 0) -> str:
        """The state a registration giving `code_given` starts in, by the edition's policy.

        Under policy `code`, at most `tries_per_hour` registrations an hour (0: no limit)
        have their code checked, whatever their address; beyond that a code is not
        checked and the marathon starts pending, exactly as with a wrong code or none.
        """
        ek = EditionKeys(eid)
        raw = self._redis.hgetall(ek.policy)
        registration = raw.get("registration", trust.DEFAULT_POLICY)
        if registration == "code" and code_given and tries_per_hour:
            key = ek.code_tries(now // domain.HOUR_MS)
            tries, _ = self._redis.pipeline(transaction=True).incr(key).expire(
                key, domain.HOUR_MS // 1000 + 60).execute()
            if int(tries) > tries_per_hour:
                code_given = ""
        return trust.initial_state(registration, code_given, raw.get("code"),
                                   domain.hash_token)

    # ------------------------------------------------------------ host defences

    @unavailable_on_error
    def void_participant(self, mid: str, pid: str, *, reason: str, now: int,
                         restore: bool = False) -> dict[str, int]:
        """Ban a participant and void every action they logged, or undo exactly that."""
        k = MarathonKeys(mid)
        op = "restore" if restore else "void"
        result = self._run("void_participant", [*self._write_keys(mid), k.voids, k.audit,
                                                 k.undone, k.held, k.tcounts], [
            mid, pid, op, reason, now, _audit_entry(f"{op}_participant", "host", now, reason,
                                                    participant=pid),
            self.envelope_rate, *self.host_bound])
        if result[0] == "err":
            raise NotFound("participant")
        return {"actions": int(result[1]), "count": int(result[2])}

    @unavailable_on_error
    def pace(self, mid: str, now: int) -> trust.Pace:
        """What the marathon wrote so far and in the current hour (server time)."""
        k = MarathonKeys(mid)
        hour = now // domain.HOUR_MS
        meta, total, people, recv = self._redis.pipeline(transaction=False).hgetall(
            k.meta).hget(k.counts, "total").hlen(k.people).hmget(
            k.recv, [f"j:{hour}", f"a:{hour}", f"{hour}:host"]).execute()
        if not meta:
            raise NotFound("marathon")
        m = decode_meta(meta)
        return trust.Pace(total=int(total or 0), participants=int(people),
                          hours=trust.hours_elapsed(m["starts"], m["ends"], now),
                          refused=m["refused"], joins_this_hour=int(recv[0] or 0),
                          actions_this_hour=int(recv[1] or 0) - int(recv[2] or 0))

    @unavailable_on_error
    def host_hour(self, mid: str, now: int) -> tuple[int, int]:
        """The host's entries in the current hour, and the room's bound beyond which a
        tally needs confirming."""
        k = MarathonKeys(mid)
        done, people = self._redis.pipeline(transaction=False).hget(
            k.recv, f"{now // domain.HOUR_MS}:host").hlen(k.people).execute()
        base, per = self.host_bound
        return int(done or 0), base + per * int(people)

    # ------------------------------------------------------------ rebuilding an edition

    def reconcile_edition(self, eid: str, *, repair: bool = True) -> dict[str, Any]:
        """Reconcile each marathon of the edition, then rebuild the edition's indexes
        from their counters and states in one script."""
        mids = self.edition_marathon_ids(eid)
        reports = [self.reconcile(mid, repair=repair) for mid in mids]  # type: ignore[attr-defined]
        ek = EditionKeys(eid)
        states: list[int] = [0, 0, 0]
        if repair:
            mkeys = [key for mid in mids for key in (
                MarathonKeys(mid).meta, MarathonKeys(mid).counts, MarathonKeys(mid).people,
                MarathonKeys(mid).held)]
            with unavailable_while_down():
                states = self._run("rebuild_edition", [
                    ek.counts, ek.totals, ek.per_participant, ek.marathons, ek.rows, ek.rev,
                    ek.stats, ek.touched, ek.review, keys.CHANGED, *mkeys], [eid, *mids])
        return {"edition": eid, "marathons": reports, "rebuilt": repair,
                "verified": int(states[0]), "pending": int(states[1]),
                "rejected": int(states[2])}
