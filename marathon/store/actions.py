"""Actions: logging one, compensating one (undo, void), and reading the log."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import domain
from . import keys
from .base import KINDS_ARG, StoreBase, ints
from .errors import NotFound, raise_for, unavailable_on_error, unavailable_while_down
from .keys import EditionKeys, MarathonKeys


@dataclass
class WriteResult:
    """The outcome of a log or compensation: new counters and the writer's own tally."""

    status: str  # "ok", "replay" or "already"
    seq: int
    stream_id: str
    pid: str
    counts: dict[str, int]
    mine: dict[str, int]
    entry: dict[str, Any] = field(default_factory=dict)


def pack_client_id(client_id: str) -> str:
    """Pack a canonical UUID client_id into 22 URL-safe characters (its 16 bytes in
    base64), the form the stream and the idempotency hashes keep: 14 bytes less in each."""
    return base64.urlsafe_b64encode(uuid.UUID(client_id).bytes).rstrip(b"=").decode()


def unpack_client_id(packed: str) -> str:
    return str(uuid.UUID(bytes=base64.urlsafe_b64decode(packed + "==")))


def decode_entry(sid: str, fields: dict[str, str]) -> dict[str, Any]:
    """Turn a stream entry (its layout: ``lua/lib/entry.lua``) into an action record."""
    received = int(fields.get("r", 0))
    entry: dict[str, Any] = {
        "id": sid, "op": fields.get("op", "log"), "participant_id": fields.get("p"),
        "client_id": unpack_client_id(fields["cid"]), "kind": fields.get("k"),
        "case_id": fields.get("c") or None, "count": int(fields.get("n", 0)),
        "written_at": received - int(fields.get("w", 0)), "received_at": received,
        "hour": int(fields.get("h", 0)), "seq": int(sid.partition("-")[0]),
    }
    if fields.get("why"):
        entry["reason"] = fields["why"]
    if fields.get("by"):
        entry["by"] = fields["by"]
    if fields.get("x"):  # held out of the edition: beyond the plausibility envelope
        entry["held"] = int(fields["x"])
    return entry


def _result(raw: list[Any]) -> WriteResult:
    raise_for(raw)
    status, seq, sid, pid, counts, mine = raw
    mine_vals = [int(v or 0) for v in mine]
    return WriteResult(
        status=status, seq=int(seq), stream_id=sid, pid=pid, counts=ints(counts),
        mine={"total": mine_vals[0], "by_kind": dict(zip(domain.KINDS, mine_vals[1:],
                                                          strict=True))},
    )


class Actions(StoreBase):
    def _write_keys(self, mid: str, packed_client_id: str = "") -> list[str]:
        """The eighteen keys of ``log.lua`` and ``compensate.lua``, in their order; the
        third is the idempotency bucket of the client_id (``void_participant.lua``,
        which has none, ignores it)."""
        k, ek = MarathonKeys(mid), EditionKeys(self.edition_of(mid))
        return [k.meta, k.ptok, keys.idem(mid, packed_client_id), k.counts, k.mine,
                k.board, k.hidden, k.banned, k.log, k.ph, k.people, keys.CHANGED, ek.counts,
                ek.totals, ek.per_participant, ek.stats, ek.touched, k.recv]

    @unavailable_on_error
    def log(self, mid: str, token: str, action: domain.ActionInput, now: int,
            note: str = "", *, confirmed: bool = False, address: str | None = None,
            ) -> WriteResult:
        """Log one action for the participant (or host) holding `token`.

        `confirmed`: the host confirmed a tally beyond the room's hourly bound.
        `address`: the client's address, for an API request: the rate limits
        (`action_limits`) are checked inside the same script.
        """
        keys_, args = self.log_call(mid, domain.hash_token(token), action, now, note,
                                    confirmed=confirmed, address=address)
        return _result(self._run("log", keys_, args))

    def log_call(self, mid: str, token_hash: str, action: domain.ActionInput, now: int,
                 note: str = "", *, confirmed: bool = False, address: str | None = None,
                 ) -> tuple[list[str], list[Any]]:
        """The KEYS and ARGV of ``log.lua`` for `log` (the benches that measure Redis run
        the script with them directly, pipelined)."""
        limits: list[Any] = [0, 0, 0, 0]
        cid = pack_client_id(action.client_id)
        keys_ = self._write_keys(mid, cid)
        if address is not None and self.action_limits:
            per_token, token_ms, per_address, address_ms = self.action_limits
            limits = list(self.action_limits)
            keys_ += [keys.token_window(mid, token_hash, token_ms),
                      keys.address_window(address, address_ms)]
        k = MarathonKeys(mid)
        keys_ += [k.held, k.audit, k.tcounts]  # team counters last (lua/lib/tally.lua)
        return keys_, [
            token_hash, cid, action.kind, action.case_id, action.count,
            domain.ms(action.written_at), now, self.grace_ms, self.cap_per_hour, self.keep_ms,
            mid, KINDS_ARG, note, self.skew_ms, "1" if confirmed else "0", *self.host_bound,
            *limits, self.envelope_rate, self.host_tally_max,
        ]

    @unavailable_on_error
    def compensate(self, mid: str, token: str, client_id: str, now: int, *,
                   op: str = "undo", reason: str = "") -> WriteResult:
        """Undo (participant) or void (host) an action with a compensating entry."""
        cid = pack_client_id(client_id)
        k = MarathonKeys(mid)
        keys_ = [*self._write_keys(mid, cid), k.undone, k.held,
                 k.tcounts]  # team counters last (lua/lib/tally.lua)
        return _result(self._run("compensate", keys_, [
            domain.hash_token(token), cid, now, op, reason, self.grace_ms, mid,
            KINDS_ARG,
        ]))

    @unavailable_on_error
    def entries(self, mid: str, *, before: str | None = None, limit: int = 50,
                ) -> list[dict[str, Any]]:
        """Return the action log, newest first, `limit` entries older than `before`."""
        k = MarathonKeys(mid)
        if not self._redis.exists(k.meta):
            raise NotFound("marathon")
        upper = f"({before}" if before else "+"
        raw = self._redis.xrevrange(k.log, upper, "-", count=limit)
        return [decode_entry(sid, fields) for sid, fields in raw]

    def iter_entries(self, mid: str, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Walk the whole stream, oldest first."""
        k = MarathonKeys(mid)
        lower = "-"
        while True:
            with unavailable_while_down():
                chunk = self._redis.xrange(k.log, lower, "+", count=batch)
            for sid, fields in chunk:
                yield decode_entry(sid, fields)
            if len(chunk) < batch:
                return
            lower = f"({chunk[-1][0]}"
