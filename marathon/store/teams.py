"""Teams inside a marathon: create, rename, delete, list, and move a participant.

A participant's team is ``t`` in their `people` entry; the team counters (`keys`
``tcounts``: each team's total and members) are kept by the same scripts that count
actions (``lua/lib/tally.lua``), by ``lua/join.lua``, and by ``lua/team_move.lua``,
which moves a participant with their whole count. `team_counts` rebuilds them from
the participants' own tallies, for `reconcile`.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..domain.teams import TEAMS_MAX, name_key
from . import keys
from .base import StoreBase
from .errors import Conflict, NotFound, unavailable_on_error
from .keys import MarathonKeys
from .participants import decode_person


def decode_teams(teams: dict[str, str], tcounts: dict[str, str]) -> list[dict[str, Any]]:
    """Turn the stored teams and their counters into rows, highest total first."""
    rows = [{"id": tid, "name": orjson.loads(raw)["n"], "total": int(tcounts.get(tid, 0)),
             "participants": int(tcounts.get(f"{tid}:p", 0))} for tid, raw in teams.items()]
    rows.sort(key=lambda r: (-r["total"], name_key(r["name"]), r["id"]))
    return rows


def team_counts(people: dict[str, str], mine: dict[str, int]) -> dict[str, int]:
    """Rebuild the team counters from who is in which team and their own totals."""
    out: dict[str, int] = {}
    for pid, raw in people.items():
        team = orjson.loads(raw).get("t")
        if team:
            out[team] = out.get(team, 0) + int(mine.get(pid, 0))
            out[f"{team}:p"] = out.get(f"{team}:p", 0) + 1
    return out


def _raise_for(result: list[Any]) -> str:
    if result[0] != "err":
        return str(result[1])
    code = result[1]
    if code == "not_found":
        raise NotFound("marathon")
    if code == "team_not_found":
        raise NotFound("team")
    if code == "participant_not_found":
        raise NotFound("participant")
    raise Conflict(code, limit=TEAMS_MAX)


class Teams(StoreBase):
    @unavailable_on_error
    def teams(self, mid: str) -> list[dict[str, Any]]:
        """Return the marathon's teams with their totals and members, highest first."""
        k = MarathonKeys(mid)
        exists, teams, tcounts = self._redis.pipeline(transaction=False).exists(
            k.meta).hgetall(k.teams).hgetall(k.tcounts).execute()
        if not exists:
            raise NotFound("marathon")
        return decode_teams(teams, tcounts)

    def _team(self, mid: str, op: str, tid: str, name: str) -> str:
        k = MarathonKeys(mid)
        return _raise_for(self._run("team", [k.meta, k.teams, k.tcounts, k.people,
                                             keys.CHANGED],
                                    [mid, op, tid, name, name_key(name), TEAMS_MAX]))

    @unavailable_on_error
    def create_team(self, mid: str, name: str) -> dict[str, Any]:
        """Add a team; Conflict "team_taken" if one has this name, "teams_full" past the cap."""
        return {"id": self._team(mid, "create", "", name), "name": name}

    @unavailable_on_error
    def rename_team(self, mid: str, tid: str, name: str) -> dict[str, Any]:
        """Rename a team (Conflict "team_taken" if another has this name)."""
        return {"id": self._team(mid, "rename", tid, name), "name": name}

    @unavailable_on_error
    def delete_team(self, mid: str, tid: str) -> None:
        """Delete a team; its members are then in no team, their actions still theirs."""
        self._team(mid, "delete", tid, "")

    @unavailable_on_error
    def participant(self, mid: str, pid: str) -> dict[str, Any]:
        """Return one participant as `patch_participant` does (their phone asks: the host
        may have renamed them or moved them to another team)."""
        person = decode_person(self._redis.hget(MarathonKeys(mid).people, pid))
        if person is None:
            raise NotFound("participant")
        return {"id": pid, "nickname": person["nickname"], "on_board": person["on_board"],
                "banned": person["banned"], "team_id": person["team_id"]}

    @unavailable_on_error
    def move_to_team(self, mid: str, pid: str, tid: str | None) -> dict[str, Any]:
        """Put a participant in team `tid` (None: no team), with all their actions;
        return the participant as `patch_participant` does."""
        k = MarathonKeys(mid)
        result = self._run("team_move", [k.meta, k.people, k.mine, k.teams, k.tcounts,
                                         keys.CHANGED], [mid, pid, tid or ""])
        _raise_for(result)
        person = decode_person(result[2]) or {}
        return {"id": pid, "nickname": person["nickname"], "on_board": person["on_board"],
                "banned": person["banned"], "team_id": person["team_id"]}
