"""The Redis store: the system of record.

Every write is one Lua script (``marathon/lua/*.lua``) that does all of that write
atomically; reads that need several keys use one script or one pipeline, so each
request costs one round trip. The store returns ints, dicts and dataclasses, and turns
every Redis failure into `StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import domain, keys
from .batching import ScriptBatcher
from .keys import EditionKeys, MarathonKeys

T = TypeVar("T")
KINDS_ARG = ",".join(domain.KINDS)
EDITION_CACHE_SECONDS = 5.0


class StoreError(Exception):
    """Base of the store's domain errors."""


class StoreUnavailable(StoreError):
    """Redis cannot be reached (down, restarting, loading, timing out)."""


class NotFound(StoreError):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Denied(StoreError):
    """The caller's token does not grant this (401 when missing/unknown, 403 otherwise)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Conflict(StoreError):
    """The marathon's state or window refuses the write (409), or the cap refuses it (422)."""

    def __init__(self, code: str, starts: int | None = None, ends: int | None = None,
                 **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.starts = starts
        self.ends = ends
        self.details = details


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


def _scripts() -> dict[str, str]:
    folder = resources.files("marathon") / "lua"
    return {p.name[:-4]: p.read_text(encoding="utf-8")
            for p in folder.iterdir() if p.name.endswith(".lua")}


def _pairs(flat: list[Any]) -> dict[str, Any]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _ints(flat: list[Any]) -> dict[str, int]:
    """Keep the numeric fields of a flat HGETALL answer (hour leaders are ids)."""
    return {k: int(v) for k, v in _pairs(flat).items() if not k.startswith("lt:")}


# Everything that means "Redis is not answering right now".
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError,
              redis.exceptions.TryAgainError, redis.exceptions.ReadOnlyError,
              redis.exceptions.MasterDownError, OSError)


@contextmanager
def unavailable_while_down() -> Iterator[None]:
    """Turn any Redis connection failure inside the block into `StoreUnavailable`."""
    try:
        yield
    except REDIS_DOWN as exc:
        raise StoreUnavailable(str(exc)) from exc


def unavailable_on_error(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate a store function so Redis failures come out as `StoreUnavailable`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with unavailable_while_down():
            return fn(*args, **kwargs)

    return wrapper


def connect(url: str, timeout: float = 2.0, max_connections: int = 200) -> redis.Redis:
    """Open a client that fails fast: a phone retries, a hung request helps nobody.

    A blocking pool bounds the connections one process opens (thousands of green
    threads under eventlet must not each open one) and makes a burst wait its turn
    instead of failing.
    """
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=min(timeout, 0.5),
        retry=Retry(NoBackoff(), 0),
        health_check_interval=15,
    )
    return redis.Redis(connection_pool=pool)


class Store:
    """All reads and writes of Letter Marathon's data."""

    def __init__(self, client: redis.Redis, *, grace_ms: int, keep_ms: int,
                 cap_per_hour: int = 0, batcher: ScriptBatcher | None = None) -> None:
        self.r = client
        # Under eventlet the hot writes (log, undo, void) share pipelined round trips.
        self.batcher = batcher
        self.grace_ms = grace_ms
        self.keep_ms = keep_ms
        self.cap_per_hour = cap_per_hour
        self.scripts = {name: client.register_script(src) for name, src in _scripts().items()}
        self._edition_cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._marathon_edition: dict[str, str] = {}

    # ------------------------------------------------------------ plumbing

    def _run(self, name: str, keys_: list[str], args: list[Any]) -> Any:
        return self.scripts[name](keys=keys_, args=args)

    def _run_hot(self, name: str, keys_: list[str], args: list[Any]) -> Any:
        """Run a write of the phones' hot path, batched with its neighbours if enabled."""
        if self.batcher is None:
            return self._run(name, keys_, args)
        return self.batcher.call(self.scripts[name], keys_, args)

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        """The same mapping for code a decorator cannot wrap (generators)."""
        return unavailable_while_down()

    @unavailable_on_error
    def ping(self) -> bool:
        return bool(self.r.ping())

    @unavailable_on_error
    def ensure_epoch(self) -> str:
        """Name this data set; a wiped Redis gets a new name, so screens can tell."""
        self.r.set(keys.EPOCH, domain.new_id(), nx=True)
        return self.r.get(keys.EPOCH) or ""

    @unavailable_on_error
    def persistence(self) -> dict[str, Any]:
        """Report what the Redis server keeps on disk."""
        info = self.r.info("persistence")
        conf = self.r.config_get("appendfsync")
        save = self.r.config_get("save").get("save", "")
        aof = bool(info.get("aof_enabled"))
        return {
            "aof": aof,
            "appendfsync": conf.get("appendfsync") if aof else None,
            "rdb_save": save,
            "durable": aof or bool(save),
        }

    # ------------------------------------------------------------ editions

    @unavailable_on_error
    def put_edition(self, edition: dict[str, Any], *, current: bool = False) -> None:
        self.r.hset(keys.EDITIONS, edition["id"], orjson.dumps(edition).decode())
        if current or not self.r.exists(keys.CURRENT_EDITION):
            self.r.set(keys.CURRENT_EDITION, edition["id"])
        self._edition_cache.pop(edition["id"], None)

    @unavailable_on_error
    def editions(self) -> list[dict[str, Any]]:
        raw = self.r.hgetall(keys.EDITIONS)
        return sorted((orjson.loads(v) for v in raw.values()),
                      key=lambda e: (-int(e.get("year", 0)), e["id"]))

    @unavailable_on_error
    def current_edition_id(self) -> str | None:
        return self.r.get(keys.CURRENT_EDITION)

    @unavailable_on_error
    def edition(self, eid: str) -> dict[str, Any]:
        """Return an edition, cached for a few seconds: the log path reads it per request."""
        hit = self._edition_cache.get(eid)
        now = time.monotonic()
        if hit and now - hit[0] < EDITION_CACHE_SECONDS:
            return hit[1]
        raw = self.r.hget(keys.EDITIONS, eid)
        if raw is None:
            raise NotFound("edition")
        edition = orjson.loads(raw)
        edition["case_ids"] = frozenset(c["id"] for c in edition.get("cases", []))
        self._edition_cache[eid] = (now, edition)
        return edition

    def case_ids(self, eid: str) -> frozenset[str]:
        return self.edition(eid)["case_ids"]

    # ------------------------------------------------------------ marathons

    @unavailable_on_error
    def register(self, data: domain.MarathonInput, now: int) -> tuple[str, str, str]:
        """Store a new marathon; return its id, join code and host token."""
        mid, token = domain.new_id(), domain.new_token()
        starts = domain.ms(data.starts_at)
        ends = starts + data.duration_hours * 3_600_000
        k, ek = MarathonKeys(mid), EditionKeys(data.edition_id)
        fields = {
            "id": mid, "edition": data.edition_id, "title": data.title,
            "group": orjson.dumps(data.group.as_dict()).decode(),
            "starts": starts, "ends": ends, "tz": data.timezone,
            "duration": data.duration_hours, "goal": "" if data.goal is None else data.goal,
            "host": domain.hash_token(token), "created": now, "options": "{}",
        }
        flat: list[Any] = []
        for name, value in fields.items():
            if value != "":
                flat += [name, value]
        for _ in range(20):
            code = domain.new_join_code()
            result = self._run("register", [
                k.meta, keys.join_code(code), keys.host_token(fields["host"]), k.hidden,
                ek.marathons, ek.totals, ek.per_participant, keys.CHANGED, ek.rows, ek.rev,
            ], [mid, data.edition_id, starts, *flat, "code", code])
            if result == "ok":
                self._marathon_edition[mid] = data.edition_id
                return mid, code, token
        raise StoreUnavailable("could not find a free join code")

    @unavailable_on_error
    def marathon(self, mid: str) -> dict[str, Any]:
        raw = self.r.hgetall(MarathonKeys(mid).meta)
        if not raw:
            raise NotFound("marathon")
        return self._meta(raw)

    @staticmethod
    def _meta(raw: dict[str, str]) -> dict[str, Any]:
        return {
            "id": raw["id"], "edition_id": raw["edition"], "title": raw["title"],
            "group": orjson.loads(raw["group"]), "starts": int(raw["starts"]),
            "ends": int(raw["ends"]), "timezone": raw["tz"],
            "duration_hours": int(raw["duration"]),
            "goal": int(raw["goal"]) if raw.get("goal") else None,
            "closed": bool(raw.get("closed")), "join_code": raw["code"],
            "host_hash": raw["host"], "options": orjson.loads(raw.get("options") or "{}"),
            "created": int(raw.get("created", 0)),
        }

    @unavailable_on_error
    def marathon_by_code(self, code: str) -> str:
        mid = self.r.get(keys.join_code(code))
        if mid is None:
            raise NotFound("join_code")
        return mid

    @unavailable_on_error
    def marathon_by_host_token(self, token: str) -> str:
        mid = self.r.get(keys.host_token(domain.hash_token(token)))
        if mid is None:
            raise NotFound("host_token")
        return mid

    @unavailable_on_error
    def edition_of(self, mid: str) -> str:
        """Return the marathon's edition id; it never changes, so it is cached for good."""
        eid = self._marathon_edition.get(mid)
        if eid is None:
            eid = self.r.hget(MarathonKeys(mid).meta, "edition")
            if eid is None:
                raise NotFound("marathon")
            if len(self._marathon_edition) > 100_000:
                self._marathon_edition.clear()
            self._marathon_edition[mid] = eid
        return eid

    @unavailable_on_error
    def update(self, mid: str, changes: dict[str, Any]) -> None:
        """Change marathon fields; an empty string deletes one (e.g. reopening clears `closed`)."""
        k = MarathonKeys(mid)
        ek = EditionKeys(self.edition_of(mid))
        flat: list[Any] = []
        for name, value in changes.items():
            flat += [name, "" if value is None else value]
        placeholder = keys.host_token("-")
        if self._run("update_meta", [k.meta, keys.CHANGED, ek.marathons, placeholder,
                                     placeholder, ek.rows, ek.rev], [mid, *flat]) != "ok":
            raise NotFound("marathon")

    @unavailable_on_error
    def new_host_token(self, mid: str) -> str:
        """Replace the host token; the old secret link stops working at once."""
        token = domain.new_token()
        k = MarathonKeys(mid)
        old = self.r.hget(k.meta, "host")
        if old is None:
            raise NotFound("marathon")
        ek = EditionKeys(self.edition_of(mid))
        new_hash = domain.hash_token(token)
        self._run("update_meta", [k.meta, keys.CHANGED, ek.marathons,
                                  keys.host_token(new_hash), keys.host_token(old), ek.rows,
                                  ek.rev],
                  [mid, "host", new_hash])
        return token

    # ------------------------------------------------------------ participants

    @unavailable_on_error
    def join(self, mid: str, nickname: str, on_board: bool, now: int) -> tuple[str, str]:
        """Add a participant; return their id and secret token."""
        pid, token = domain.new_id(), domain.new_token()
        k, ek = MarathonKeys(mid), EditionKeys(self.edition_of(mid))
        person = orjson.dumps({"n": nickname, "b": on_board, "x": False, "j": now}).decode()
        result = self._run("join", [k.meta, k.people, k.ptok, k.hidden, k.counts,
                                    keys.CHANGED, ek.per_participant, ek.stats,
                                    ek.touched],
                           [pid, domain.hash_token(token), person, "1" if on_board else "0",
                            now, self.grace_ms, mid])
        self._raise_for(result)
        return pid, token

    @unavailable_on_error
    def participant_for(self, mid: str, token: str) -> str | None:
        """Return the participant id a token belongs to, "host" for the host token, or None."""
        k = MarathonKeys(mid)
        token_hash = domain.hash_token(token)
        pid, host = self.r.pipeline(transaction=False).hget(k.ptok, token_hash).hget(
            k.meta, "host").execute()
        if pid:
            return pid
        if host is None:
            raise NotFound("marathon")
        return "host" if host == token_hash else None

    @unavailable_on_error
    def participants(self, mid: str) -> list[dict[str, Any]]:
        k = MarathonKeys(mid)
        people, mine = self.r.pipeline(transaction=False).hgetall(k.people).hgetall(
            k.mine).execute()
        rows = []
        for pid, raw in people.items():
            p = orjson.loads(raw)
            rows.append({"id": pid, "nickname": p["n"], "on_board": bool(p["b"]),
                         "banned": bool(p.get("x")), "joined_at": p.get("j"),
                         "total": int(mine.get(pid, 0)),
                         "by_kind": {kd: int(mine.get(f"{pid}:{kd}", 0))
                                     for kd in domain.KINDS}})
        rows.sort(key=lambda r: (-r["total"], r["nickname"]))
        return rows

    @unavailable_on_error
    def patch_participant(self, mid: str, pid: str, *, nickname: str | None = None,
                          on_board: bool | None = None, banned: bool | None = None
                          ) -> dict[str, Any]:
        k = MarathonKeys(mid)
        board = "" if on_board is None else ("show" if on_board else "hide")
        ban = "" if banned is None else ("ban" if banned else "unban")
        raw = self._run("participant", [k.meta, k.people, k.hidden, k.banned, k.board,
                                        k.mine, keys.CHANGED],
                        [mid, pid, nickname or "", board, ban])
        if raw == "not_found":
            raise NotFound("participant")
        p = orjson.loads(raw)
        return {"id": pid, "nickname": p["n"], "on_board": bool(p["b"]),
                "banned": bool(p.get("x"))}

    # ------------------------------------------------------------ actions

    def _write_keys(self, mid: str) -> list[str]:
        k, ek = MarathonKeys(mid), EditionKeys(self.edition_of(mid))
        return [k.meta, k.ptok, k.idem, k.counts, k.mine, k.board, k.hidden, k.banned,
                k.log, k.ph, k.people, keys.CHANGED, ek.counts, ek.totals,
                ek.per_participant, ek.stats, ek.touched]

    @staticmethod
    def _raise_for(result: list[Any]) -> None:
        if result[0] != "err":
            return
        code = result[1]
        if code == "not_found":
            raise NotFound("marathon")
        if code in ("unauthorized", "forbidden", "banned"):
            raise Denied(code)
        if code == "action_not_found":
            raise NotFound("action")
        if code == "implausible":
            raise Conflict(code, cap=int(result[2]))
        starts = int(result[2]) if len(result) > 2 else None
        ends = int(result[3]) if len(result) > 3 else None
        raise Conflict(code, starts, ends)

    def _result(self, raw: list[Any]) -> WriteResult:
        self._raise_for(raw)
        status, seq, sid, pid, counts, mine = raw
        mine_vals = [int(v or 0) for v in mine]
        return WriteResult(
            status=status, seq=int(seq), stream_id=sid, pid=pid, counts=_ints(counts),
            mine={"total": mine_vals[0], "by_kind": dict(zip(domain.KINDS, mine_vals[1:],
                                                              strict=True))},
        )

    @unavailable_on_error
    def log(self, mid: str, token: str, action: domain.ActionInput, now: int,
            note: str = "") -> WriteResult:
        """Log one action for the participant (or host) holding `token`."""
        raw = self._run_hot("log", self._write_keys(mid), [
            domain.hash_token(token), action.client_id, action.fingerprint(), action.kind,
            action.case_id, action.count, domain.ms(action.written_at), now, self.grace_ms,
            self.cap_per_hour, self.keep_ms, mid, KINDS_ARG, note,
        ])
        return self._result(raw)

    @unavailable_on_error
    def compensate(self, mid: str, token: str, client_id: str, now: int, *,
                   op: str = "undo", reason: str = "") -> WriteResult:
        """Undo (participant) or void (host) an action with a compensating entry."""
        raw = self._run_hot("compensate", self._write_keys(mid), [
            domain.hash_token(token), client_id, now, op, reason, self.grace_ms, mid,
            KINDS_ARG,
        ])
        return self._result(raw)

    @unavailable_on_error
    def entries(self, mid: str, *, before: str | None = None, limit: int = 50,
                ) -> list[dict[str, Any]]:
        """Return the action log, newest first, `limit` entries older than `before`."""
        k = MarathonKeys(mid)
        if not self.r.exists(k.meta):
            raise NotFound("marathon")
        upper = f"({before}" if before else "+"
        raw = self.r.xrevrange(k.log, upper, "-", count=limit)
        return [decode_entry(sid, fields) for sid, fields in raw]

    def iter_entries(self, mid: str, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Walk the whole stream, oldest first."""
        k = MarathonKeys(mid)
        lower = "-"
        while True:
            with self._guard():
                chunk = self.r.xrange(k.log, lower, "+", count=batch)
            for sid, fields in chunk:
                yield decode_entry(sid, fields)
            if len(chunk) < batch:
                return
            lower = f"({chunk[-1][0]}"

    # ------------------------------------------------------------ snapshots

    @unavailable_on_error
    def snapshot_data(self, mid: str, now: int, *, top: int = 10, recent: int = 10,
                      ) -> list[Any]:
        """Read every key a marathon snapshot needs in one round trip."""
        k = MarathonKeys(mid)
        raw = self._run("snapshot", [k.meta, k.counts, k.board, k.people, k.log, k.ph,
                                     keys.EPOCH], [top, recent, now])
        if not raw:
            raise NotFound("marathon")
        return raw

    # ------------------------------------------------------------ reconcile

    def reconcile(self, mid: str, *, repair: bool = True) -> dict[str, Any]:
        """Rebuild every counter of a marathon from its stream and report the differences.

        With `repair`, the rebuilt counters replace the stored ones atomically, unless
        an action arrived meanwhile, in which case the rebuild starts again.
        """
        k = MarathonKeys(mid)
        for _ in range(10):
            want, last = rebuild(self.iter_entries(mid), self._leaders_visible(mid))
            with self._guard():
                pipe = self.r.pipeline(transaction=True)
                pipe.hgetall(k.counts).hgetall(k.mine).zrange(k.board, 0, -1, withscores=True)
                pipe.hgetall(k.ph)
                counts, mine, board, ph = pipe.execute()
            have = {"counts": _ints(_flatten(counts)), "mine": _ints(_flatten(mine)),
                    "board": {p: int(s) for p, s in board}, "ph": _ints(_flatten(ph))}
            diff = _differences(want, have)
            if not diff or not repair:
                return {"marathon": mid, "differences": diff, "repaired": False,
                        "entries": want["counts"].get("seq", 0)}
            with self._guard():
                ek = EditionKeys(self.edition_of(mid))
                done = self._run("repair", [k.log, k.counts, k.mine, k.board, k.ph,
                                            keys.CHANGED, ek.totals],
                                 [last, orjson.dumps(want).decode(), mid])
            if done == "ok":
                return {"marathon": mid, "differences": diff, "repaired": True,
                        "entries": want["counts"].get("seq", 0)}
        raise StoreUnavailable("the stream kept moving during reconcile")

    def _leaders_visible(self, mid: str) -> tuple[set[str], dict[str, str]]:
        k = MarathonKeys(mid)
        with self._guard():
            hidden = self.r.smembers(k.hidden)
            counts = self.r.hgetall(k.counts)
        return set(hidden), {f: v for f, v in counts.items() if f.startswith("lt:")}


def _flatten(d: dict[str, Any]) -> list[Any]:
    return [x for kv in d.items() for x in kv]


def decode_entry(sid: str, fields: dict[str, str]) -> dict[str, Any]:
    """Turn a stream entry into an action record."""
    entry: dict[str, Any] = {
        "id": sid, "op": fields.get("op", "log"), "participant_id": fields.get("p"),
        "client_id": fields.get("cid"), "kind": fields.get("k"),
        "case_id": fields.get("c") or None, "count": int(fields.get("n", 0)),
        "written_at": int(fields.get("w", 0)), "received_at": int(fields.get("r", 0)),
        "hour": int(fields.get("h", 0)), "seq": int(fields.get("s", 0)),
    }
    if fields.get("why"):
        entry["reason"] = fields["why"]
    if fields.get("by"):
        entry["by"] = fields["by"]
    return entry


def rebuild(entries: Iterator[dict[str, Any]], visible: tuple[set[str], dict[str, str]],
            ) -> tuple[dict[str, dict[str, int]], str]:
    """Replay a stream into the counters the write scripts keep."""
    hidden, leaders = visible
    counts: dict[str, int] = {}
    mine: dict[str, int] = {}
    board: dict[str, int] = {}
    ph: dict[str, int] = {}
    last = ""

    def add(d: dict[str, int], key: str, n: int) -> None:
        d[key] = d.get(key, 0) + n

    for e in entries:
        last = e["id"]
        n, pid, kind = e["count"], e["participant_id"], e["kind"]
        counts["seq"] = max(counts.get("seq", 0), e["seq"])
        add(counts, "total", n)
        add(counts, f"k:{kind}", n)
        if e["case_id"]:
            add(counts, f"c:{e['case_id']}", n)
        add(counts, f"h:{e['hour']}", n)
        add(mine, pid, n)
        add(mine, f"{pid}:{kind}", n)
        add(ph, f"{e['hour']}:{pid}", n)
        if pid not in hidden:
            add(board, pid, n)
    # Hour leaders are a display hint, not a count: keep them as they are.
    for field_, pid in leaders.items():
        counts[field_] = pid  # type: ignore[assignment]
    return {"counts": counts, "mine": mine, "board": board, "ph": ph}, last


def _differences(want: dict[str, dict[str, Any]], have: dict[str, dict[str, Any]],
                 ) -> list[dict[str, Any]]:
    diff = []
    for name in ("counts", "mine", "board", "ph"):
        w, h = want[name], have[name]
        for f in sorted(set(w) | set(h)):
            if f.startswith("lt:"):
                continue
            a, b = w.get(f, 0), h.get(f, 0)
            if str(a) != str(b):
                diff.append({"key": name, "field": f, "stored": b, "rebuilt": a})
    return diff
