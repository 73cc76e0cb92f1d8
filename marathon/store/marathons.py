"""Marathons: registration, details, edits, join codes and host tokens."""

from __future__ import annotations

from typing import Any

import orjson

from .. import domain
from ..domain import groups
from . import keys
from .base import StoreBase
from .errors import Conflict, NotFound, StoreUnavailable, unavailable_on_error
from .keys import EditionKeys, MarathonKeys

# The API's names of a marathon's editable fields -> their field in the meta hash.
STORED = {"title": "title", "goal": "goal", "timezone": "tz", "starts": "starts",
          "ends": "ends", "duration_hours": "duration", "options": "options",
          "closed": "closed", "joins_paused": "paused", "max_participants": "maxp"}

# A marathon's place in its edition: only a verified one counts in the edition's totals.
STATES = ("pending", "verified", "rejected")


def decode_meta(raw: dict[str, str]) -> dict[str, Any]:
    """Turn a marathon's meta hash into the dict the rest of the app reads."""
    return {
        "id": raw["id"], "edition_id": raw["edition"], "title": raw["title"],
        "group": orjson.loads(raw["group"]), "starts": int(raw["starts"]),
        "ends": int(raw["ends"]), "timezone": raw["tz"],
        "duration_hours": int(raw["duration"]),
        "goal": int(raw["goal"]) if raw.get("goal") else None,
        "closed": bool(raw.get("closed")), "join_code": raw["code"],
        "screen_key": raw.get("skey", ""),
        "host_hash": raw["host"], "options": orjson.loads(raw.get("options") or "{}"),
        "created": int(raw.get("created", 0)),
        "state": raw.get("state", "pending"), "state_reason": raw.get("state_reason") or None,
        "joins_paused": bool(raw.get("paused")),
        "max_participants": int(raw["maxp"]) if raw.get("maxp") else None,
        "code_version": int(raw.get("codev", 0)), "refused": int(raw.get("refused", 0)),
        "options_version": int(raw.get("optv", 0)),
        "group_id": raw.get("gid") or None,
    }


class Marathons(StoreBase):
    @unavailable_on_error
    def register(self, data: domain.MarathonInput, now: int, state: str = "pending",
                 ) -> tuple[str, str, str]:
        """Store a new marathon in `state`, in the group its name, city and country match
        (a new group when none does); return its id, join code and host token.

        `data.group_id` (from a "register again" link) is only checked: it must be the
        group those match, or the registration is refused (`Conflict("group_mismatch")`),
        so nobody attaches a marathon to a group by sending its id.
        """
        mid, token = domain.new_id(), domain.new_token()
        starts = domain.ms(data.starts_at)
        ends = starts + data.duration_hours * 3_600_000
        k, ek = MarathonKeys(mid), EditionKeys(data.edition_id)
        match = keys.group_match(groups.match_key(data.group))
        fields = {
            "id": mid, "edition": data.edition_id, "title": data.title,
            "group": orjson.dumps(data.group.as_dict()).decode(),
            "starts": starts, "ends": ends, "tz": data.timezone,
            "duration": data.duration_hours, "goal": "" if data.goal is None else data.goal,
            "host": domain.hash_token(token), "created": now, "options": "{}",
            "skey": domain.new_screen_key(),
        }
        flat: list[Any] = []
        for name, value in fields.items():
            if value != "":
                flat += [name, value]
        code = domain.new_join_code()
        for _ in range(20):
            gid = self._redis.get(match)
            if data.group_id is not None and gid != data.group_id:
                raise Conflict("group_mismatch")
            mode = "new" if gid is None else "old"
            gid = gid or domain.new_id()
            result = self._run("register", [
                k.meta, keys.join_code(code), keys.host_token(fields["host"]), k.hidden,
                ek.marathons, ek.totals, ek.per_participant, keys.CHANGED, ek.rows, ek.rev,
                ek.every, ek.review, ek.counts, ek.stats, ek.touched, k.counts, k.people,
                match, keys.group_marathons(gid),
            ], [mid, data.edition_id, starts, state, now, gid, mode, *flat, "code", code])
            if result == "ok":
                self._marathon_edition[mid] = data.edition_id
                return mid, code, token
            if result == "code_taken":
                code = domain.new_join_code()
            # "group_moved": a registration of the same group came first; read it again.
        raise StoreUnavailable("could not find a free join code")

    @unavailable_on_error
    def marathon(self, mid: str) -> dict[str, Any]:
        """Return a marathon's details (see `decode_meta`)."""
        raw = self._redis.hgetall(MarathonKeys(mid).meta)
        if not raw:
            raise NotFound("marathon")
        return decode_meta(raw)

    @unavailable_on_error
    def marathon_by_code(self, code: str) -> str:
        mid = self._redis.get(keys.join_code(code))
        if mid is None:
            raise NotFound("join_code")
        if mid.startswith("-"):  # the host replaced this code (see `new_join_code`)
            raise Conflict("code_replaced")
        return mid

    @unavailable_on_error
    def new_join_code(self, mid: str, now: int) -> str:
        """Give the marathon a new join code and screen key; the old code answers
        "replaced" until the end, the old projector link shows no code."""
        meta = self.marathon(mid)
        k = MarathonKeys(mid)
        expires = max(now, meta["ends"]) + self.grace_ms + self.keep_ms
        for _ in range(20):
            code = domain.new_join_code()
            result = self._run("new_code", [k.meta, keys.join_code(code), keys.CHANGED],
                               [mid, code, expires, keys.join_code(""),
                                domain.new_screen_key()])
            if result[0] == "ok":
                return code
            if result[1] == "not_found":
                raise NotFound("marathon")
        raise StoreUnavailable("could not find a free join code")

    @unavailable_on_error
    def marathon_by_host_token(self, token: str) -> str:
        mid = self._redis.get(keys.host_token(domain.hash_token(token)))
        if mid is None:
            raise NotFound("host_token")
        return mid

    @unavailable_on_error
    def update(self, mid: str, changes: dict[str, Any]) -> None:
        """Change a marathon's fields, named as `marathon()` names them.

        None deletes a field (a goal removed; reopening clears `closed`); `options` is
        a dict.
        """
        k = MarathonKeys(mid)
        ek = EditionKeys(self.edition_of(mid))
        flat: list[Any] = []
        for name, value in changes.items():
            if name == "options" and value is not None:
                value = orjson.dumps(value).decode()
            flat += [STORED[name], "" if value is None else value]
        placeholder = keys.host_token("-")
        if self._run("update_meta", [k.meta, keys.CHANGED, ek.marathons, placeholder,
                                     placeholder, ek.rows, ek.rev, ek.every],
                     [mid, *flat]) != "ok":
            raise NotFound("marathon")

    @unavailable_on_error
    def new_host_token(self, mid: str) -> str:
        """Replace the host token; the old secret link stops working at once."""
        token = domain.new_token()
        k = MarathonKeys(mid)
        old = self._redis.hget(k.meta, "host")
        if old is None:
            raise NotFound("marathon")
        ek = EditionKeys(self.edition_of(mid))
        new_hash = domain.hash_token(token)
        self._run("update_meta", [k.meta, keys.CHANGED, ek.marathons,
                                  keys.host_token(new_hash), keys.host_token(old), ek.rows,
                                  ek.rev, ek.every],
                  [mid, "host", new_hash])
        return token
