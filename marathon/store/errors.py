"""The store's domain errors, and the one place that maps Redis failures onto them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import redis

T = TypeVar("T")


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


# Everything that means "Redis is not answering right now".
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError,
              redis.exceptions.TryAgainError, redis.exceptions.ReadOnlyError,
              redis.exceptions.MasterDownError, OSError)


@contextmanager
def unavailable_while_down() -> Iterator[None]:
    """Turn any Redis connection failure inside the block into `StoreUnavailable`.

    Generators use this directly: a decorator would only cover their creation.
    """
    try:
        yield
    except REDIS_DOWN as exc:
        raise StoreUnavailable(str(exc)) from exc


def unavailable_on_error(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate a store method so Redis failures come out as `StoreUnavailable`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with unavailable_while_down():
            return fn(*args, **kwargs)

    return wrapper


def raise_for(result: list[Any]) -> None:
    """Raise the domain error a write script answered with ``{"err", code, …}``."""
    if result[0] != "err":
        return
    code = result[1]
    if code == "not_found":
        raise NotFound("marathon")
    if code in ("unauthorized", "forbidden", "banned"):
        raise Denied(code)
    if code == "action_not_found":
        raise NotFound("action")
    if code == "team_not_found":
        raise NotFound("team")
    if code == "implausible":
        raise Conflict(code, cap=int(result[2]))
    if code in ("implausible_tally", "tally_budget"):
        raise Conflict(code, bound=int(result[2]), done=int(result[3]))
    if code == "before_join":
        raise Conflict(code, joined_at=int(result[2]))
    if code == "full":
        raise Conflict(code, limit=int(result[2]))
    if code == "rate_limited":
        raise Conflict(code, retry_ms=int(result[2]))
    if code in ("joins_paused", "code_taken"):
        raise Conflict(code)
    starts = int(result[2]) if len(result) > 2 else None
    ends = int(result[3]) if len(result) > 3 else None
    raise Conflict(code, starts, ends)
