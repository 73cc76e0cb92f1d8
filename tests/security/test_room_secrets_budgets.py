"""Issue 27, items 2 and 4, on a real server with its limits on: budgets hold over any
span of their length (an attacker who spends the whole budget just before a fixed
window's edge and again just after it gets no more than the budget, plus at most a
tenth), the join limits key on the canonical code, and joins refused for bad input cost
the marathon's shared budget nothing.

Windows of 10 seconds instead of minutes keep the tests short; the arithmetic is the
same (tests/store/test_budgets.py checks it at the store, at exact times).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from helpers import registration
from support import ServerProcess

# Timing: the attacks are placed around a window's edge (`make test`'s xdist worker for
# timing tests, so they never compete with another for the cores).
pytestmark = pytest.mark.xdist_group("timing")

WINDOW = 10.0
ADDRESS_BUDGET, JOIN_BUDGET, MARATHON_JOINS = 300, 20, 40
LIMITS = {"RATELIMIT_ENABLED": "1", "RATELIMIT_ACTIONS": "1000 per 10 seconds",
          "RATELIMIT_ACTIONS_ADDRESS": f"{ADDRESS_BUDGET} per 10 seconds",
          "RATELIMIT_JOIN": f"{JOIN_BUDGET} per 10 seconds",
          "RATELIMIT_JOIN_MARATHON": f"{MARATHON_JOINS} per 10 seconds",
          "TRUSTED_PROXIES": "1"}
ATTACKER = "198.51.100.66"


@pytest.fixture
def server(redis_proc, redis_client, tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(redis_proc.url, instance=tmp_path / "srv", env=LIMITS).start()
    yield proc
    proc.stop()


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _marathon(url: str) -> dict:
    r = requests.post(f"{url}/api/v1/marathons", json=registration(), timeout=10,
                      headers=_from("192.0.2.1"))
    assert r.status_code == 201, r.text
    return r.json()


def _join(url: str, code: str, nickname: str = "pupil", address: str = ATTACKER,
          session: requests.Session | None = None) -> requests.Response:
    return (session or requests).post(f"{url}/api/v1/join", timeout=10, headers=_from(address),
                                      json={"code": code, "nickname": nickname})


def _log(session: requests.Session, url: str, mid: str, token: str,
         count: int) -> requests.Response:
    body = {"client_id": str(uuid.uuid4()), "kind": "letter", "count": count,
            "written_at": datetime.now(UTC).isoformat()}
    return session.post(f"{url}/api/v1/marathons/{mid}/actions", json=body, timeout=10,
                        headers={**_from(ATTACKER), "Authorization": f"Bearer {token}"})


def _until_window_phase(low: float, high: float) -> None:
    """Sleep until the clock is between `low` and `high` seconds into a fixed window."""
    while not low <= time.time() % WINDOW < high:
        time.sleep(0.02)  # poll interval, well under the phase's width


def _retry_after(r: requests.Response) -> int:
    assert r.status_code == 429, (r.status_code, r.text)
    assert r.json()["error"]["code"] == "rate_limited"
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= WINDOW * 1.1 + 1, retry
    return retry


def _variants(code: str, n: int) -> list[str]:
    """`n` spellings of one code: spaces anywhere, any case (the join view reads them all)."""
    out = []
    for i in range(n):
        cut = i % 7
        spelled = code[:cut] + " " * (1 + i // 7) + code[cut:]
        out.append(spelled.lower() if i % 2 else spelled)
    assert len(set(out)) == n
    return out


def test_the_address_budget_spent_before_an_edge_is_not_spent_again_after_it(server):
    url = server.url
    m = _marathon(url)
    mid, s = m["id"], requests.Session()
    # Ten tokens: the plausibility cap (600 per participant-hour) is not what holds here.
    tokens = [_join(url, m["join_code"], f"x{i}", session=s).json()["token"] for i in range(10)]
    _until_window_phase(6.0, 6.5)
    counted, retry = 0, None
    for i in range(40):  # the whole budget (30 × 10) just before the edge, and more
        r = _log(s, url, mid, tokens[i % 10], 10)
        if r.status_code == 201:
            counted += 10
        else:
            retry = _retry_after(r)
    assert counted == ADDRESS_BUDGET and retry is not None
    assert time.time() % WINDOW < 9.8, "too slow to finish before the edge"
    _until_window_phase(0.3, 1.0)  # just after the edge: a fixed window starts afresh
    for i in range(40):
        r = _log(s, url, mid, tokens[i % 10], 10)
        if r.status_code == 201:
            counted += 10
        else:
            retry = _retry_after(r)
    # Everything happened within one span of 10 s: at most the budget plus a tenth.
    assert counted <= ADDRESS_BUDGET * 1.1, counted
    total = requests.get(f"{url}/api/v1/marathons/{mid}", timeout=10).json()["snapshot"]["total"]
    assert total == counted
    # Retry-After tells the truth: once it has passed, the address may log again.
    time.sleep(retry)
    assert _log(s, url, mid, tokens[0], 10).status_code == 201


def test_joins_across_an_edge_with_any_spelling_of_the_code_hold_to_the_budget(server):
    url = server.url
    code = _marathon(url)["join_code"]
    s = requests.Session()
    spellings = _variants(code, 2 * (JOIN_BUDGET + 10))
    _until_window_phase(7.0, 7.5)
    made = 0
    for i in range(JOIN_BUDGET + 10):
        r = _join(url, spellings[i], f"x{i}", session=s)
        if r.status_code == 201:
            made += 1
        else:
            _retry_after(r)
    assert made == JOIN_BUDGET  # padded or lower-case, one code: one budget
    _until_window_phase(0.3, 1.0)
    for i in range(JOIN_BUDGET + 10, 2 * (JOIN_BUDGET + 10)):
        r = _join(url, spellings[i], f"x{i}", session=s)
        if r.status_code == 201:
            made += 1
        else:
            _retry_after(r)
    assert made <= JOIN_BUDGET * 1.1, made


def test_joins_refused_for_bad_input_cost_the_marathon_nothing(server):
    url = server.url
    code = _marathon(url)["join_code"]
    s = requests.Session()
    statuses = [_join(url, code, "", address=f"203.0.113.{i // 20 + 1}", session=s).status_code
                for i in range(300)]  # 15 addresses × 20 empty nicknames
    # A real pupil, from one of those addresses (a school hall) or another, gets in.
    assert _join(url, code, "Zoë", address="203.0.113.15", session=s).status_code == 201
    assert _join(url, code, "Léo", address="192.0.2.77", session=s).status_code == 201
    assert statuses == [400] * 300  # refused for their input, not counted
