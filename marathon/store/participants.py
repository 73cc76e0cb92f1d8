"""Participants: joining, token look-up, the host's list and moderation."""

from __future__ import annotations

from typing import Any

import orjson

from .. import domain
from . import keys
from .base import StoreBase
from .errors import NotFound, raise_for, unavailable_on_error
from .keys import EditionKeys, MarathonKeys


def encode_person(nickname: str, on_board: bool, joined_at: int, team: str | None = None,
                  ) -> str:
    """Store a participant as short-keyed JSON: it is read on every snapshot, by Lua too."""
    person: dict[str, Any] = {"n": nickname, "b": on_board, "x": False, "j": joined_at}
    if team:
        person["t"] = team
    return orjson.dumps(person).decode()


def decode_person(raw: str | None) -> dict[str, Any] | None:
    """Turn a stored participant (``n`` nickname, ``b`` on board, ``x`` banned, ``j``
    joined at, ``t`` team) into the API's names; None when there is none."""
    if not raw:
        return None
    p = orjson.loads(raw)
    return {"nickname": p["n"], "on_board": bool(p["b"]), "banned": bool(p.get("x")),
            "joined_at": p.get("j"), "team_id": p.get("t")}


class Participants(StoreBase):
    @unavailable_on_error
    def join(self, mid: str, nickname: str, on_board: bool, now: int,
             joined_at: int | None = None, team: str | None = None, *,
             address: str | None = None) -> tuple[str, str]:
        """Add a participant (joined at `joined_at`, by default `now`, in `team` if given);
        return their id and secret token.

        `address`: the client's address, for a join through the API: the join limits
        (`join_limits`, per address and marathon, per marathon) are checked and spent
        inside the join script, by marathon id, so however the code was typed it is one
        budget, and only a join that is made spends it.
        """
        pid, token = domain.new_id(), domain.new_token()
        k, ek = MarathonKeys(mid), EditionKeys(self.edition_of(mid))
        keys_ = [k.meta, k.people, k.ptok, k.hidden, k.counts, keys.CHANGED,
                 ek.per_participant, ek.stats, ek.touched, k.recv, k.teams, k.tcounts]
        limits: list[int] = [0, 0, 0, 0]
        if address is not None and self.join_limits:
            per_address, address_ms, per_marathon, marathon_ms = self.join_limits
            limits = list(self.join_limits)
            keys_ += [keys.join_window(mid, marathon_ms),
                      keys.join_address_window(mid, address, address_ms)]
        result = self._run("join", keys_,
                           [pid, domain.hash_token(token), encode_person(nickname, on_board,
                                                                      joined_at or now, team),
                            "1" if on_board else "0", now, self.grace_ms, mid, team or "",
                            *limits])
        raise_for(result)
        return pid, token

    @unavailable_on_error
    def participant_for(self, mid: str, token: str) -> str | None:
        """Return the participant id a token belongs to, "host" for the host token, or None."""
        k = MarathonKeys(mid)
        token_hash = domain.hash_token(token)
        pid, host = self._redis.pipeline(transaction=False).hget(k.ptok, token_hash).hget(
            k.meta, "host").execute()
        if pid:
            return pid
        if host is None:
            raise NotFound("marathon")
        return "host" if host == token_hash else None

    @unavailable_on_error
    def participants(self, mid: str) -> list[dict[str, Any]]:
        """Return every participant with their tally, highest first."""
        k = MarathonKeys(mid)
        people, mine, voids = self._redis.pipeline(transaction=False).hgetall(
            k.people).hgetall(k.mine).hkeys(k.voids).execute()
        rows = []
        for pid, raw in people.items():
            rows.append({"id": pid, **decode_person(raw),  # type: ignore[dict-item]
                         "voided": pid in voids,
                         "total": int(mine.get(pid, 0)),
                         "by_kind": {kd: int(mine.get(f"{pid}:{kd}", 0))
                                     for kd in domain.KINDS}})
        rows.sort(key=lambda r: (-r["total"], r["nickname"]))
        return rows

    @unavailable_on_error
    def patch_participant(self, mid: str, pid: str, *, nickname: str | None = None,
                          on_board: bool | None = None, banned: bool | None = None
                          ) -> dict[str, Any]:
        """Rename, show or hide on the board, ban or unban one participant."""
        k = MarathonKeys(mid)
        board = "" if on_board is None else ("show" if on_board else "hide")
        ban = "" if banned is None else ("ban" if banned else "unban")
        raw = self._run("participant", [k.meta, k.people, k.hidden, k.banned, k.board,
                                        k.mine, keys.CHANGED],
                        [mid, pid, nickname or "", board, ban])
        if raw == "not_found":
            raise NotFound("participant")
        person = decode_person(raw) or {}
        return {"id": pid, "nickname": person["nickname"], "on_board": person["on_board"],
                "banned": person["banned"], "team_id": person["team_id"]}
