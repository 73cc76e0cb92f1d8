"""Budgets over any span of their length (lua/lib/budget.lua), against a real
redis-server: the sub-bucket arithmetic of the log script's per-token and per-address
limits and of the join script's limits, at their window's edges and at random."""

from __future__ import annotations

import random
import time
import uuid

import pytest
from helpers import CASES, now, registration

from marathon import domain
from marathon.store.errors import Conflict, NotFound

W = 10_000  # a 10-second window: slices of 1 s
SLICE = W // 10


def _marathon(store):
    data = domain.marathon(registration(), {"example"})
    mid, _code, host = store.register(data, int(time.time() * 1000))
    return mid, host


def _action(count: int = 1):
    body = {"client_id": str(uuid.uuid4()), "kind": "letter", "case_id": CASES[0],
            "count": count, "written_at": now().isoformat()}
    return domain.action(body, frozenset(CASES), now(), 300)


def _edge() -> int:
    """A window edge a little ahead (where fixed windows would start afresh)."""
    return (int(time.time() * 1000) // W + 2) * W


def _log(store, mid, token, t, count=1, address="10.1.1.1"):
    try:
        store.log(mid, token, _action(count), t, address=address)
        return 0
    except Conflict as exc:
        assert exc.code == "rate_limited", exc.code
        return exc.details["retry_ms"]


def _join(store, mid, t, address="10.1.1.1", **kw):
    try:
        store.join(mid, "P", True, t, address=address, **kw)
        return 0
    except Conflict as exc:
        assert exc.code == "rate_limited", exc.code
        return exc.details["retry_ms"]


@pytest.fixture
def limited(store):
    """The module's store with budgets of its own (given back as they were after)."""
    saved = store.cap_per_hour, store.action_limits, store.join_limits
    store.cap_per_hour = 0  # the plausibility cap is not under test here
    store.action_limits = (20, W, 100, W)  # 20 requests per token, 100 counted per address
    store.join_limits = (5, W, 8, W)  # 5 joins per address and marathon, 8 per marathon
    yield store
    store.cap_per_hour, store.action_limits, store.join_limits = saved


def test_an_address_budget_spent_before_an_edge_is_not_spent_again_after_it(limited):
    mid, _host = _marathon(limited)
    edge = _edge()
    tokens = [limited.join(mid, f"P{i}", True, edge - 5000, edge - 5000)[1]
              for i in range(10)]
    for i in range(10):  # the whole budget, 1 ms before the edge
        assert _log(limited, mid, tokens[i], edge - 1, count=10) == 0
    # After the edge a fixed window would allow 100 more; here the slice before the edge
    # still counts until a whole window has passed since it ended.
    wait = _log(limited, mid, tokens[0], edge + 1, count=10)
    assert wait == W - 1
    assert _log(limited, mid, tokens[1], edge + 1 + wait - 1, count=1) == 1
    # Allowed again at edge - 1 + W + 1: no span of W ms holds more than the budget.
    assert _log(limited, mid, tokens[1], edge + 1 + wait, count=10) == 0
    # Another address has its own budget.
    assert _log(limited, mid, tokens[2], edge + 1, count=10, address="10.9.9.9") == 0


def test_a_token_rate_counts_requests_over_any_span(limited):
    mid, host = _marathon(limited)
    token = limited.join(mid, "P", True, _edge() - 9000, _edge() - 9000)[1]
    edge = _edge()
    for i in range(20):  # 20 requests in the last slice before the edge
        assert _log(limited, mid, token, edge - SLICE + i * 40, address=f"10.2.0.{i}") == 0
    assert _log(limited, mid, token, edge + 1, address="10.3.0.1") == W - 1
    # The host's token has its own rate.
    assert _log(limited, mid, host, edge + 1, address="10.3.0.1") == 0


def test_a_refused_request_spends_nothing(limited, redis_client):
    limited.action_limits = (1000, W, 100, W)  # the address's budget alone
    mid, _host = _marathon(limited)
    token = limited.join(mid, "P", True, _edge() - 9000, _edge() - 9000)[1]
    edge = _edge()
    assert _log(limited, mid, token, edge, count=100) == 0
    for i in range(50):  # refused, again and again: the wait only shrinks
        assert _log(limited, mid, token, edge + i * 100, count=1) == W + SLICE - i * 100
    assert _log(limited, mid, token, edge + W + SLICE, count=100) == 0


def test_joins_spend_the_address_and_marathon_budgets_only_when_made(limited):
    mid, _host = _marathon(limited)
    edge = _edge()
    assert [_join(limited, mid, edge + i) for i in range(6)] == [0] * 5 + [W + SLICE - 5]
    # Another address: the marathon's 8 are 5 + 3.
    assert [_join(limited, mid, edge + 10 + i, "10.7.7.7") for i in range(4)] == [0] * 3 + [
        W + SLICE - 10 - 3]
    # Refused joins (for the budgets above, or the host's defences) spent nothing: a
    # fresh marathon whose joins are refused for an unknown team keeps its whole budget.
    other, _ = _marathon(limited)
    for _ in range(20):
        with pytest.raises(NotFound):
            limited.join(other, "P", True, edge, address="10.1.1.1", team="nope")
    assert [_join(limited, other, edge + i) for i in range(6)] == [0] * 5 + [W + SLICE - 5]


def test_joins_through_the_store_without_an_address_are_not_limited(limited):
    mid, _host = _marathon(limited)
    edge = _edge()
    for i in range(30):  # the host's console, the CLI, reconcile: no address, no budget
        limited.join(mid, f"P{i}", True, edge + i)


def test_a_server_whose_clock_is_behind_counts_in_the_newest_slice(limited):
    """Two server processes a few seconds apart share a budget: the one behind neither
    erases nor escapes what the one ahead spent."""
    mid, _host = _marathon(limited)
    edge = _edge()
    assert [_join(limited, mid, edge + 3000 + i) for i in range(5)] == [0] * 5
    # 2.5 s behind: the slices since are not "the future", the budget is spent.
    assert _join(limited, mid, edge + 500) == (3 + 11) * SLICE - 500
    assert _join(limited, mid, edge + 3000 + W + SLICE, "10.1.1.1") == 0


def _model_wait(spent: dict[int, int], t: int, limit: int, n: int = 1) -> int:
    """The reference: slices cur-10 .. cur count; wait until enough of them leave."""
    cur = t // SLICE
    window = [spent.get(s, 0) for s in range(cur - 10, cur + 1)]
    used = sum(window)
    if used + n <= limit:
        return 0
    for i, v in enumerate(window, start=1):
        used -= v
        if used + n <= limit:
            return (cur + i) * SLICE - t
    return W + SLICE


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bursts_never_exceed_the_budget_in_any_span(limited, redis_client, seed):
    """Bursts at random moments over ten windows: every answer is the reference model's,
    and the joins made never exceed the budget in any span of the window's length."""
    rnd = random.Random(seed)
    limited.join_limits = (0, W, 8, W)  # the marathon's budget alone
    mid, _host = _marathon(limited)
    t = start = _edge()
    spent: dict[int, int] = {}
    made: list[int] = []
    while t < start + 10 * W:
        t += rnd.choice([1, 5, 50, 400, 999, 1000, 1001, 3000, 1, 5, 50, 9500, 12_000])
        expected = _model_wait(spent, t, 8)
        assert _join(limited, mid, t, address=f"10.0.{rnd.randrange(9)}.1") == expected
        if expected == 0:
            spent[t // SLICE] = spent.get(t // SLICE, 0) + 1
            made.append(t)
    assert len(made) > 30
    for i, first in enumerate(made):
        assert sum(1 for x in made[i:] if x < first + W) <= 8
    # The budget's hash keeps no more than a lookback's slices, and expires.
    key = next(redis_client.scan_iter(f"m:{{{mid}}}:jb:*"))
    assert redis_client.hlen(key) <= 13  # 11 slots, "at", "sum"
    assert 0 < redis_client.pttl(key)
