"""Issue 28, item 1: no body freezes a server.

Every class of pathological body (tests/hostile_bodies.py, each filling the 16 KB limit)
goes to a real server process, on the routes that read a body before any token is
checked and on the phones' hot path; each must get a 4xx in well under a second, and
/healthz must keep answering while two senders loop over them. The parser itself is
fuzzed with hypothesis: any mix of the hostile fragments, up to 16 KB, is parsed or
refused (`Invalid`) in a few milliseconds, never anything else.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from helpers import auth, registration
from hostile_bodies import BODIES, LIMIT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ServerProcess

from marathon.domain import Invalid
from marathon.domain.payload import parse_json

FAST = 0.5  # seconds: "well under a second", with room for a loaded test machine
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(redis_proc, tmp_path_factory):
    """One server process for the module (each body class is its own test)."""
    # The rate limiter on, as in production: the join limits' keys read the body too.
    proc = ServerProcess(redis_proc.url, instance=tmp_path_factory.mktemp("srv"),
                         env={"RATELIMIT_ENABLED": "1"}).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def target(server):
    url = server.url
    r = requests.post(f"{url}/api/v1/marathons", json=registration(), timeout=10)
    assert r.status_code == 201, r.text
    m = r.json()
    r = requests.post(f"{url}/api/v1/join", json={"code": m["join_code"], "nickname": "Ana"},
                      timeout=10)
    assert r.status_code == 201, r.text
    return {"url": url, "mid": m["id"], "token": r.json()["token"],
            "pid": r.json()["participant_id"]}


def _routes(t: dict) -> list[tuple[str, str, dict]]:
    base = f"{t['url']}/api/v1"
    return [("POST", f"{base}/join", {}),
            ("PATCH", f"{base}/marathons/{t['mid']}/participants/x", {}),
            ("POST", f"{base}/marathons", {}),
            ("POST", f"{base}/marathons/{t['mid']}/actions", auth(t["token"]))]


@pytest.mark.parametrize("name", sorted(BODIES))
def test_item1_every_hostile_body_gets_a_4xx_fast_on_a_real_server(target, name):
    session = requests.Session()
    for method, url, headers in _routes(target):
        t0 = time.perf_counter()
        r = session.request(method, url, data=BODIES[name], headers={**JSON, **headers},
                            timeout=10)
        took = time.perf_counter() - t0
        assert 400 <= r.status_code < 500, (method, url, r.status_code, r.text[:200])
        assert r.headers["Content-Type"].startswith("application/json")
        assert took < FAST, f"{name} to {method} {url} took {took:.3f} s"


def test_item1_one_byte_over_the_limit_is_a_413(target):
    r = requests.post(f"{target['url']}/api/v1/join", data=b" " * (LIMIT + 1), headers=JSON,
                      timeout=10)
    assert r.status_code == 413


def test_item1_healthz_answers_while_two_senders_loop_over_the_worst_bodies(target):
    """The issue's freeze: two looping senders kept a server silent for 30 s."""
    stop = threading.Event()
    sent = [0, 0]

    def sender(i: int) -> None:
        s = requests.Session()
        while not stop.is_set():
            for body in BODIES.values():
                s.post(f"{target['url']}/api/v1/join", data=body, headers=JSON, timeout=10)
                sent[i] += 1

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(2)]
    for th in threads:
        th.start()
    slowest = 0.0
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            assert requests.get(f"{target['url']}/healthz", timeout=5).status_code == 200
            slowest = max(slowest, time.perf_counter() - t0)
            time.sleep(0.05)
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=15)
    assert sum(sent) > len(BODIES), "the senders did send"
    assert slowest < 1.0, f"/healthz took {slowest:.3f} s under the hostile senders"


FRAGMENTS = ['{"a":"', '\\"', '"', "\\\\", "[", "]", "{", "}", ",", ":", "1", "0" * 25,
             "1e999", "-", ".5", "NaN", "Infinity", "\\ud800", "\\udc00", "\\u00e9", "é",
             '"k":', "true", "null", " ", "\u0301", "\\"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 2000)), max_size=12))
def test_item1_fuzzed_bodies_are_parsed_or_refused_in_a_few_milliseconds(parts):
    text = "".join(fragment * n for fragment, n in parts)
    raw = text.encode("utf-8", "surrogatepass")[:LIMIT]
    t0 = time.process_time()
    try:
        parse_json(raw)
    except Invalid:
        pass
    took = time.process_time() - t0
    assert took < 0.05, f"{took * 1000:.1f} ms for {len(raw)} bytes"
