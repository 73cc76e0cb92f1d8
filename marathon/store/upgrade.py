"""Bring a data set written by an older version to the current layout, once, at start-up.

Schema 2 (marathon states): every marathon stored before then had counted in its
edition from the start, so it becomes `verified` and is listed in the edition's
`every` index; nothing it counted moves.
"""

from __future__ import annotations

import logging

from . import keys
from .base import StoreBase
from .errors import unavailable_on_error
from .keys import EditionKeys, MarathonKeys

SCHEMA_VERSION = 2

log = logging.getLogger(__name__)


class Upgrade(StoreBase):
    @unavailable_on_error
    def upgrade(self) -> int:
        """Upgrade the data set to `SCHEMA_VERSION`; return how many marathons changed."""
        if int(self._redis.get(keys.SCHEMA) or 0) >= SCHEMA_VERSION:
            return 0
        changed = 0
        for eid in self._redis.hkeys(keys.EDITIONS):
            ek = EditionKeys(eid)
            for mid, starts in self._redis.zrange(ek.marathons, 0, -1, withscores=True):
                meta = MarathonKeys(mid).meta
                pipe = self._redis.pipeline(transaction=True)
                pipe.hsetnx(meta, "state", "verified").zadd(ek.every, {mid: starts})
                if pipe.execute()[0]:
                    changed += 1
        self._redis.set(keys.SCHEMA, SCHEMA_VERSION)
        if changed:
            log.info("upgraded %d marathons to schema %d (verified: they counted before)",
                     changed, SCHEMA_VERSION)
        return changed
