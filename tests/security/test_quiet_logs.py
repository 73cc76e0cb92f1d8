"""Issue 28, item 6: the server's log holds no join code, token or client address.

A real server process (each ASYNC_MODE: threading logs requests through Werkzeug) with
its rate limits on and low, so that joins, logins, registrations and tallies are refused
and Flask-Limiter logs its refusals. The client talks from 127.0.0.2, so that its
address is told apart from the server's own (127.0.0.1, which the start-up line names).
After joins, actions, the host link, the join link, refused requests and a 404, the log
file is read whole: no join code, no host or participant token, no client address.
"""

from __future__ import annotations

import pytest
import requests
from helpers import action, auth, csrf_of, registration
from requests.adapters import HTTPAdapter
from support import ServerProcess

CLIENT = "127.0.0.2"
LIMITS = {"RATELIMIT_ENABLED": "1", "RATELIMIT_JOIN": "3 per minute",
          "RATELIMIT_JOIN_MARATHON": "4 per minute", "RATELIMIT_REGISTER": "2 per hour",
          "RATELIMIT_LOGIN": "2 per 15 minutes", "RATELIMIT_TALLY": "1 per minute",
          "RATELIMIT_ACTIONS": "2 per minute"}


class FromAddress(HTTPAdapter):
    """Connect from another loopback address than the server's."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT, 0)
        super().init_poolmanager(*args, **kwargs)


def _session() -> requests.Session:
    s = requests.Session()
    s.mount("http://", FromAddress())
    return s


@pytest.fixture(params=["eventlet", "gevent", "threading"])
def server(request, redis_proc, redis_client, tmp_path):
    proc = ServerProcess(redis_proc.url, async_mode=request.param, env=LIMITS,
                         instance=tmp_path / "srv").start()
    yield proc
    proc.stop()


def test_item6_no_join_code_token_or_address_in_the_server_log(server):
    url, s = server.url, _session()
    secrets: list[str] = []
    r = s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10)
    assert r.status_code == 201, r.text
    m = r.json()
    secrets += [m["join_code"], m["host_token"]]
    for _ in range(3):  # the third is over RATELIMIT_REGISTER
        s.post(f"{url}/api/v1/marathons", json=registration(), timeout=10)
    statuses = []
    for i in range(6):  # over RATELIMIT_JOIN: the limiter logs j:<address>:<code>
        r = s.post(f"{url}/api/v1/join", json={"code": m["join_code"], "nickname": f"P{i}"},
                   timeout=10)
        statuses.append(r.status_code)
        if r.status_code == 201:
            secrets.append(r.json()["token"])
    assert 429 in statuses and 201 in statuses, statuses
    for _ in range(4):  # over RATELIMIT_ACTIONS (in the log script)
        s.post(f"{url}/api/v1/marathons/{m['id']}/actions", json=action(),
               headers=auth(secrets[2]), timeout=10)
    # The host link, the join link and the join form, a wrong host link (refused).
    host = _session()
    assert host.get(f"{url}/h/{m['host_token']}", timeout=10).status_code in (200, 302)
    assert s.get(f"{url}/j/{m['join_code']}", timeout=10).status_code in (200, 302)
    s.get(f"{url}/join?code={m['join_code']}", timeout=10)
    assert s.get(f"{url}/h/{m['host_token']}x", timeout=10).status_code in (403, 404)
    # The host's paper tally, twice (over RATELIMIT_TALLY, keyed by marathon).
    page = host.get(f"{url}/m/{m['id']}/host", timeout=10).text
    for _ in range(2):
        host.post(f"{url}/m/{m['id']}/host/tally", data={
            "csrf_token": csrf_of(page), "kind": "letter", "count": "1"}, timeout=10,
            allow_redirects=False)
    for _ in range(3):  # over RATELIMIT_LOGIN, keyed by address
        login = s.get(f"{url}/coordinate/login", timeout=10).text
        s.post(f"{url}/coordinate/login", data={"email": "x@example.org", "password": "nope",
                                                "csrf_token": csrf_of(login)}, timeout=10)
    server.stop()  # every line written
    text = server.log_path.read_text(errors="replace")
    assert "ratelimit" in text, "the limiter's refusals are still logged, without keys"
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:3]}…) is in the log:\n{text[-3000:]}"
    assert CLIENT not in text, f"the client's address is in the log:\n{text[-3000:]}"
