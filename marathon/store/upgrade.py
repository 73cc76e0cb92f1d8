"""Bring a data set written by an older version to the current layout, once, at start-up.

Schema 2 (marathon states): every marathon stored before then had counted in its
edition from the start, so it becomes `verified` and is listed in the edition's
`every` index; nothing it counted moves.

Schema 3 (a smaller action log): each marathon's stream is rewritten in the layout of
``lua/lib/entry.lua`` (ids ``<seq>-0``, packed client_ids, no field that can be worked
out from another), its one idempotency hash becomes `keys.IDEM_BUCKETS` small ones
holding seqs, what was undone or voided is listed in `undone`, and the lists of a
participant's voided actions hold seqs. Rewriting, rather than teaching every reader
both layouts: a stream's ids must increase, so ``<seq>-0`` entries could not follow the
old time-based ids in the same stream anyway; and with one layout the decoder, the four
scripts that read entries and reconcile stay simple. Every entry keeps its values (it
decodes to the same action), so undo, replay, reconcile and exports see no change.

Schema 4 (groups that come back): every marathon gets the `group_id` its group's name,
city and country match (`domain.groups`), and is listed in its
group (``lua/assign_group.lua``, one marathon per script); its compare-table row then
names the group.

Schema 5 (the join code is a secret of the room): every marathon without one gets its
screen key (the secret of its projector link, `domain.new_screen_key`); a marathon that
has one keeps it.

Every server process of a deployment must run the new version before one writes: an
older process would append entries in the old layout.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import redis

from .. import domain
from ..domain import groups
from . import keys
from .actions import pack_client_id
from .base import StoreBase
from .errors import unavailable_on_error
from .keys import EditionKeys, MarathonKeys

SCHEMA_VERSION = 5

log = logging.getLogger(__name__)


class Upgrade(StoreBase):
    @unavailable_on_error
    def upgrade(self) -> int:
        """Upgrade the data set to `SCHEMA_VERSION`; return how many marathons changed."""
        schema = int(self._redis.get(keys.SCHEMA) or 0)
        if schema >= SCHEMA_VERSION:
            return 0
        changed: set[str] = set()
        if schema < 2:
            changed |= self._verify_older_marathons()
        if schema < 3:
            changed |= self._compact_logs()
        if schema < 4:
            changed |= self._assign_groups()
        if schema < 5:
            changed |= self._give_screen_keys()
        self._redis.set(keys.SCHEMA, SCHEMA_VERSION)
        if changed:
            log.info("upgraded %d marathons from schema %d to %d", len(changed), schema,
                     SCHEMA_VERSION)
        return len(changed)

    def _verify_older_marathons(self) -> set[str]:
        """Schema 2: marathons stored before states counted, so they are verified."""
        changed = set()
        for eid in self._redis.hkeys(keys.EDITIONS):
            ek = EditionKeys(eid)
            for mid, starts in self._redis.zrange(ek.marathons, 0, -1, withscores=True):
                meta = MarathonKeys(mid).meta
                pipe = self._redis.pipeline(transaction=True)
                pipe.hsetnx(meta, "state", "verified").zadd(ek.every, {mid: starts})
                if pipe.execute()[0]:
                    changed.add(mid)
        return changed

    def _compact_logs(self) -> set[str]:
        """Schema 3: rewrite every marathon's stream and idempotency keys."""
        return {mid for eid in self._redis.hkeys(keys.EDITIONS)
                for mid in self._redis.zrange(EditionKeys(eid).every, 0, -1)
                if self._compact_log(mid)}

    def _compact_log(self, mid: str) -> bool:
        """Rewrite one marathon's stream, idempotency keys and void lists atomically (a
        write meanwhile starts it again); False when it is in the new layout already."""
        k = MarathonKeys(mid)
        with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(k.log, k.idem, k.voids)
                    old = pipe.xrange(k.log)
                    if not old or "s" not in old[0][1]:
                        pipe.unwatch()
                        return False
                    idem, expires = pipe.hgetall(k.idem), pipe.pexpiretime(k.idem)
                    new = compact(mid, old, idem, pipe.hgetall(k.voids))
                    pipe.multi()
                    pipe.delete(k.log, k.idem, k.undone)
                    for seq, fields in new["entries"]:
                        pipe.xadd(k.log, fields, id=f"{seq}-0")
                    for bucket, mapping in new["idem"].items():
                        pipe.hset(bucket, mapping=mapping)
                        if expires > 0:
                            pipe.pexpireat(bucket, expires)
                    if new["undone"]:
                        pipe.hset(k.undone, mapping=new["undone"])
                    if new["voids"]:
                        pipe.hset(k.voids, mapping=new["voids"])
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def _assign_groups(self) -> set[str]:
        """Schema 4: give every marathon without one its group."""
        changed = set()
        for eid in self._redis.hkeys(keys.EDITIONS):
            ek = EditionKeys(eid)
            for mid in self._redis.zrange(ek.every, 0, -1):
                k = MarathonKeys(mid)
                group = self._redis.hget(k.meta, "group")
                if group is None:
                    continue
                match = keys.group_match(groups.match_key(orjson.loads(group)))
                while True:
                    gid = self._redis.get(match)
                    mode, gid = ("old", gid) if gid else ("new", domain.new_id())
                    result = self._run("assign_group", [
                        k.meta, match, keys.group_marathons(gid), ek.rows, ek.rev],
                        [mid, gid, mode, eid])
                    if result != "group_moved":
                        break
                if result == "ok":
                    changed.add(mid)
        return changed

    def _give_screen_keys(self) -> set[str]:
        """Schema 5: give every marathon without one a screen key."""
        changed = set()
        for eid in self._redis.hkeys(keys.EDITIONS):
            for mid in self._redis.zrange(EditionKeys(eid).every, 0, -1):
                meta = MarathonKeys(mid).meta
                # Marathons are never deleted, so a listed one that exists stays.
                if (self._redis.exists(meta)
                        and self._redis.hsetnx(meta, "skey", domain.new_screen_key())):
                    changed.add(mid)
        return changed


def compact(mid: str, old: list[tuple[str, dict[str, str]]], idem: dict[str, str],
            voids: dict[str, str]) -> dict[str, Any]:
    """The schema-3 layout of one marathon's stream (`old`, schema 2 entries), its
    idempotency hash and its void lists."""
    entries: list[tuple[int, dict[str, Any]]] = []
    seq_of: dict[str, int] = {}  # old stream id -> seq
    logged: dict[str, int] = {}  # client_id -> seq of its logged entry
    undone: dict[str, int] = {}  # packed client_id -> seq of what compensated it
    for sid, f in old:
        seq = int(f["s"])
        if entries and seq <= entries[-1][0]:
            raise RuntimeError(f"marathon {mid}: seq {seq} after {entries[-1][0]} in its "
                               "stream; run `marathon reconcile` with the older version")
        cid, op, received = pack_client_id(f["cid"]), f.get("op", "log"), int(f["r"])
        # The field order of lua/lib/entry.lua's append_entry: a stream node stores
        # the names once for all the entries that have the same fields in the same order.
        entry: dict[str, Any] = {"p": f["p"], "cid": cid, "k": f["k"], "c": f.get("c", ""),
                                 "n": f["n"], "w": received - int(f["w"]), "r": received,
                                 "h": f["h"]}
        for name in ("op", "by", "why"):
            if f.get(name) and not (name == "op" and op == "log"):
                entry[name] = f[name]
        entries.append((seq, entry))
        seq_of[sid] = seq
        if op == "log":
            logged[f["cid"]] = seq
        elif op == "restore":
            undone.pop(cid, None)
        else:  # undo or void; the stream, not the expiring idempotency hash, says so
            undone[cid] = seq
    buckets: dict[str, dict[str, int]] = {}
    for client_id, value in idem.items():
        seq = seq_of.get(value.split("|", 1)[0])
        if seq is not None:
            packed = pack_client_id(client_id)
            buckets.setdefault(keys.idem(mid, packed), {})[packed] = seq
    lists = {pid: orjson.dumps([logged[c] for c in orjson.loads(raw) if c in logged]).decode()
             for pid, raw in voids.items()}
    return {"entries": entries, "idem": buckets, "undone": undone, "voids": lists}
