"""Issue 27 item 9, played from outside against real server processes: the session cookie
is a random id (no token in it), a coordinator's cookie copied before logout or before a
new password is dead after it, failed logins back off per e-mail, a login's scrypt does
not stall the eventlet server; and (issue 30 item 5) cookies are Secure in production,
two processes started together share one secret key."""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from helpers import Api, wait_for
from support import ServerProcess

from marathon.store import keys

PASSWORD = "correct horse battery"
COORD = "coord@example.org"
ADMIN = "admin@example.org"
EID = "example"


@pytest.fixture
def accounts(request, make_app):
    """Accounts written straight into the servers' Redis: the session's database, and
    the shared live server's own when the test uses it."""
    from marathon.store import Store, connect

    store = make_app().extensions["store"]
    stores = [store]
    if "live_server" in request.fixturenames:
        live = request.getfixturevalue("live_server")
        stores.append(Store(connect(live.redis_url), grace_ms=0, keep_ms=0))
    for each in stores:
        each.add_account(COORD, PASSWORD)
        each.add_account(ADMIN, PASSWORD, "admin")
    return store


def csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10).text
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|'
                  r'name="csrf-token" content="([^"]+)"', page)
    assert m, page[:500]
    return next(g for g in m.groups() if g)


def login(base: str, email: str, password: str = PASSWORD,
          http: requests.Session | None = None) -> tuple[requests.Session, requests.Response]:
    http = http or requests.Session()
    token = csrf(http, base + "/coordinate/login")
    r = http.post(base + "/coordinate/login", allow_redirects=False, timeout=10,
                  data={"email": email, "password": password, "csrf_token": token})
    return http, r


def copy_of(http: requests.Session) -> requests.Session:
    """Another browser holding the same cookies (a stolen copy)."""
    thief = requests.Session()
    thief.cookies.update(http.cookies.get_dict())
    return thief


def reads_review(http: requests.Session, base: str) -> int:
    return http.get(f"{base}/api/v1/editions/{EID}/review", timeout=10).status_code


def test_the_session_cookie_holds_a_random_id_and_no_token(live_server, live_redis):
    base = live_server.url
    m = Api(requests, base).make_marathon()
    host = requests.Session()
    assert host.get(f"{base}/h/{m['host_token']}", timeout=10).status_code == 200
    cookie = host.cookies["session"]
    # No payload to decode: 43 URL-safe characters, 256 random bits, and nothing else.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie), cookie
    assert m["host_token"] not in cookie and m["id"] not in cookie
    # The session itself is in Redis, under the cookie's hash, holding the token's hash.
    raw = live_redis.get(keys.session(hashlib.sha256(cookie.encode()).hexdigest()))
    assert raw and m["id"] in raw and m["host_token"] not in raw
    assert hashlib.sha256(m["host_token"].encode()).hexdigest() in raw
    assert 29 * 86400 < live_redis.ttl(keys.session(hashlib.sha256(
        cookie.encode()).hexdigest())) <= 30 * 86400  # a host session lasts 30 days
    # No key names the session by the id in the cookie (only by its hash).
    for key in live_redis.scan_iter(count=1000):
        assert cookie not in key
    # And it still makes this browser the host: the console, and a write with CSRF.
    page = host.get(f"{base}/m/{m['id']}/host", timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    r = host.patch(f"{base}/api/v1/marathons/{m['id']}", json={"goal": 777}, timeout=10,
                   headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json()["goal"] == 777
    r = host.patch(f"{base}/api/v1/marathons/{m['id']}", json={"goal": 778}, timeout=10)
    assert r.status_code == 400  # the cookie alone is not enough: CSRF still guards it
    # A cookie that names no session opens nothing.
    forged = requests.Session()
    forged.cookies.set("session", "A" * 43)
    assert forged.get(f"{base}/m/{m['id']}/host", timeout=10).status_code == 401


def test_opening_forms_costs_no_redis_key(live_server, live_redis):
    # Before, every form's CSRF secret was a session: a stranger fetching the login page
    # in a loop would fill Redis. Now the secret derives from the cookie's id.
    base = live_server.url
    for path in ("/coordinate/login", "/register") * 20:
        r = requests.get(base + path, timeout=10)
        assert r.status_code == 200 and re.fullmatch(r"[A-Za-z0-9_-]{43}",
                                                     r.cookies["session"])
    assert not list(live_redis.scan_iter(keys.session("*")))  # no session stored
    # And the form still works with it: a wrong password is checked, not refused as CSRF.
    http = requests.Session()
    token = csrf(http, base + "/coordinate/login")
    r = http.post(base + "/coordinate/login", timeout=10,
                  data={"email": "x@example.org", "password": "nope", "csrf_token": token})
    assert r.status_code == 401
    other = requests.Session()  # another browser's id: the token is not valid there
    other.get(base + "/coordinate/login", timeout=10)
    r = other.post(base + "/coordinate/login", timeout=10,
                   data={"email": "x@example.org", "password": "nope", "csrf_token": token})
    assert r.status_code == 400


def test_a_copied_coordinator_cookie_is_dead_after_logout(live_server, accounts):
    base = live_server.url
    me, r = login(base, COORD)
    assert r.status_code == 302
    thief = copy_of(me)
    assert reads_review(me, base) == 200 and reads_review(thief, base) == 200
    token = csrf(me, base + "/coordinate")
    r = me.post(base + "/coordinate/logout", data={"csrf_token": token},
                allow_redirects=False, timeout=10)
    assert r.status_code == 302
    assert reads_review(thief, base) == 401
    assert reads_review(me, base) == 401
    assert thief.get(base + "/coordinate", allow_redirects=False,
                     timeout=10).status_code == 302  # to the login page


def test_logout_ends_the_accounts_sessions_on_every_device(live_server, accounts):
    base = live_server.url
    laptop, _ = login(base, COORD)
    phone, _ = login(base, COORD)
    assert laptop.cookies["session"] != phone.cookies["session"]
    token = csrf(laptop, base + "/coordinate")
    laptop.post(base + "/coordinate/logout", data={"csrf_token": token}, timeout=10)
    assert reads_review(phone, base) == 401


def test_a_login_gets_a_new_session_id(live_server, accounts):
    base = live_server.url
    http = requests.Session()
    csrf(http, base + "/coordinate/login")
    planted = http.cookies["session"]  # an id an attacker could have planted
    _, r = login(base, COORD, http=http)
    assert r.status_code == 302
    assert http.cookies["session"] != planted
    fixed = requests.Session()
    fixed.cookies.set("session", planted)
    assert reads_review(fixed, base) == 401


def test_a_new_password_ends_the_other_sessions(live_server, accounts):
    base = live_server.url
    victim, _ = login(base, COORD)
    stolen = copy_of(victim)
    admin, _ = login(base, ADMIN)
    admin_elsewhere, _ = login(base, ADMIN)
    token = csrf(admin, base + "/coordinate/accounts")
    r = admin.post(base + "/coordinate/accounts", timeout=10, allow_redirects=False,
                   data={"csrf_token": token, "email": COORD, "password": "a new password",
                         "role": "coordinator"})
    assert r.status_code == 302
    assert reads_review(victim, base) == 401 and reads_review(stolen, base) == 401
    assert login(base, COORD, "a new password")[1].status_code == 302
    # An admin changing their own password keeps this session, under a new id.
    before = admin.cookies["session"]
    token = csrf(admin, base + "/coordinate/accounts")
    r = admin.post(base + "/coordinate/accounts", timeout=10, allow_redirects=False,
                   data={"csrf_token": token, "email": ADMIN, "password": "another password",
                         "role": "admin"})
    assert r.status_code == 302
    assert admin.cookies["session"] != before
    assert reads_review(admin, base) == 200
    assert reads_review(admin_elsewhere, base) == 401


def test_failed_logins_back_off_per_email_from_any_browser(live_server, accounts):
    # The live server runs without the per-address limiter (RATELIMIT_ENABLED=0): what
    # stops here is the e-mail's backoff. Each attempt is a fresh browser.
    base = live_server.url
    for _ in range(3):  # LOGIN_BACKOFF_AFTER: free
        assert login(base, COORD, "wrong password!")[1].status_code == 401
    assert login(base, COORD, "wrong password!")[1].status_code == 401  # now waits 1 s
    r = login(base, COORD)[1]  # even the right password is not checked while it waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "Too many wrong passwords" in r.text
    # An unknown e-mail backs off the same way: the wait tells no account exists.
    for _ in range(4):
        assert login(base, "nobody@example.org", "wrong password!")[1].status_code == 401
    assert login(base, "nobody@example.org", "wrong password!")[1].status_code == 429
    # Once the wait is over the right password gets in, and the count starts again.
    wait_for(lambda: login(base, COORD)[1].status_code == 302, timeout=10,
             what="the backoff to end")
    assert login(base, COORD, "wrong password!")[1].status_code == 401


def test_the_backoff_doubles_up_to_its_cap(redis_client, store):
    from marathon.domain.accounts import login_wait_ms

    waits = [login_wait_ms(n, free=3, max_ms=900_000) for n in range(1, 16)]
    assert waits[:3] == [0, 0, 0] and waits[3:7] == [1000, 2000, 4000, 8000]
    assert waits[-1] == 900_000
    now = 1_000_000
    attempts = [store.login_attempt("x@example.org", now + i, free=3, max_ms=900_000)
                for i in range(5)]
    assert attempts == [0, 0, 0, 0, 999]  # the 4th failure makes the next one wait 1 s
    # the 4th was at now + 3: the 5th may go at now + 1003, and then waits 2 s
    assert store.login_attempt("x@example.org", now + 1002, free=3, max_ms=900_000) == 1
    assert store.login_attempt("x@example.org", now + 1003, free=3, max_ms=900_000) == 0
    assert store.login_attempt("x@example.org", now + 1004, free=3, max_ms=900_000) == 1999
    assert store.login_attempt("y@example.org", now, free=3, max_ms=900_000) == 0
    store.login_succeeded("x@example.org")
    assert store.login_attempt("x@example.org", now + 1001, free=3, max_ms=900_000) == 0


def test_parallel_logins_for_one_email_are_checked_one_wait_at_a_time(store):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: store.login_attempt(
            "x@example.org", 1_000_000, free=3, max_ms=900_000), range(40)))
    assert waits.count(0) == 4  # 3 free, then the 4th sets a wait the others meet


def _healthz_during_logins(base: str, logins: int = 6) -> dict[str, float]:
    """Poll /healthz from one connection while logging in `logins` times, one after the
    other. Returns the slowest /healthz answer (s), the median login (s), and the median
    number of /healthz answers that came back while a login ran: a server stopped by the
    login's scrypt answers none during it, whatever the machine's load."""
    stop = threading.Event()
    answers: list[tuple[float, float]] = []  # (when it came back, how long it took)
    polling = requests.Session()

    def poll() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            polling.get(base + "/healthz", timeout=10)
            t1 = time.perf_counter()
            answers.append((t1, t1 - t0))

    poller = threading.Thread(target=poll)
    poller.start()
    spans = []
    try:
        for _ in range(logins):
            http = requests.Session()
            token = csrf(http, base + "/coordinate/login")
            t0 = time.perf_counter()
            r = http.post(base + "/coordinate/login", allow_redirects=False, timeout=10,
                          data={"email": COORD, "password": PASSWORD, "csrf_token": token})
            spans.append((t0, time.perf_counter()))
            assert r.status_code == 302
    finally:
        stop.set()
        poller.join()
    during = [sum(1 for t, _ in answers if t0 < t < t1) for t0, t1 in spans]
    return {"stall": max(took for _, took in answers),
            "login": statistics.median(t1 - t0 for t0, t1 in spans),
            "answers": statistics.median(during)}


def test_a_login_does_not_stall_the_eventlet_server(live_server, accounts):
    # Measured on a loaded 2-core machine (8 logins, 3 runs each): with scrypt on the
    # event loop the slowest /healthz waited 630-1,150 ms (logins 500-560 ms) and 5-10
    # answers came back during a login; with the hash in eventlet's pool, 180-260 ms
    # (no logins: 95-100 ms) and 51-74 answers during a login (logins 870-1,270 ms).
    m = _healthz_during_logins(live_server.url)
    print(f"\nslowest /healthz during logins: {m['stall'] * 1000:.0f} ms; median login: "
          f"{m['login'] * 1000:.0f} ms; /healthz answers during a login: {m['answers']}")
    assert m["answers"] >= 20, m


@pytest.mark.parametrize("env,secure", [
    ({"MARATHON_PRODUCTION": "1"}, True),
    ({"MARATHON_PRODUCTION": "1", "ALLOW_INSECURE_HTTP": "1"}, False),
    ({}, False),
])
def test_cookies_are_secure_in_production(redis_proc, redis_client, tmp_path, env, secure):
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv",
                           env={"SECRET_KEY": "k" * 64, **env}).start()
    try:
        r = requests.get(server.url + "/coordinate/login", timeout=10)
        cookie = next(c for c in r.cookies if c.name == "session")
        assert cookie.secure is secure
        assert "httponly" in r.headers["Set-Cookie"].lower()
    finally:
        server.stop()


def test_two_processes_started_together_share_one_secret_key(redis_proc, redis_client,
                                                             tmp_path: Path):
    instance = tmp_path / "shared"
    servers = [ServerProcess(redis_proc.url, instance=instance, env={"SECRET_KEY": ""})
               for _ in range(2)]
    started = []
    try:
        threads = [threading.Thread(target=lambda s=s: started.append(s.start()))
                   for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(started) == 2
        assert [p.name for p in instance.iterdir() if "secret" in p.name] == ["secret_key"]
        assert oct((instance / "secret_key").stat().st_mode & 0o777) == "0o600"
        # A form's CSRF token signed by one process is accepted by the other.
        http = requests.Session()
        token = csrf(http, servers[0].url + "/coordinate/login")
        r = http.post(servers[1].url + "/coordinate/login", timeout=10,
                      data={"email": "x@example.org", "password": "no", "csrf_token": token})
        assert r.status_code == 401  # checked the password: the token was good
    finally:
        for s in servers:
            s.stop()


def test_the_instance_secret_is_written_once_under_a_race(tmp_path: Path):
    from concurrent.futures import ProcessPoolExecutor

    from marathon import _instance_secret

    path = tmp_path / "secret_key"
    with ProcessPoolExecutor(4) as pool:
        keys_read = set(pool.map(_instance_secret, [path] * 16))
    assert len(keys_read) == 1 and path.read_text().strip() in keys_read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_registering_keeps_the_token_out_of_the_cookie(live_server, live_redis):
    base = live_server.url
    http = requests.Session()
    token = csrf(http, base + "/register")
    starts = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = http.post(base + "/register", timeout=10, data={
        "csrf_token": token, "group.name": "Lycée Victor Hugo", "group.type": "school",
        "group.city": "Besançon", "group.country": "FR", "edition_id": "example",
        "title": "Marathon des lettres", "starts_at": starts, "timezone": "Europe/Paris",
        "duration_hours": "24", "goal": "500"})
    host_token = re.search(r"/h/([A-Za-z0-9_-]{20,})", r.text)
    assert host_token, r.text[:800]
    cookie = http.cookies["session"]
    raw = live_redis.get(keys.session(hashlib.sha256(cookie.encode()).hexdigest()))
    assert host_token.group(1) not in cookie and host_token.group(1) not in raw
    mid = next(iter(json.loads(raw)["hosts"]))
    assert http.get(f"{base}/m/{mid}/host", timeout=10).status_code == 200


def test_login_and_logout_work_on_every_server(redis_proc, redis_client, accounts, tmp_path,
                                               async_mode):
    # The hash runs in eventlet's tpool, gevent's thread pool, or the request's thread.
    server = ServerProcess(redis_proc.url, instance=tmp_path / "srv",
                           async_mode=async_mode).start()
    try:
        me, r = login(server.url, COORD)
        assert r.status_code == 302 and reads_review(me, server.url) == 200
        assert login(server.url, COORD, "wrong password!")[1].status_code == 401
        thief = copy_of(me)
        token = csrf(me, server.url + "/coordinate")
        me.post(server.url + "/coordinate/logout", data={"csrf_token": token}, timeout=10)
        assert reads_review(thief, server.url) == 401
    finally:
        server.stop()


def test_removing_an_account_or_the_cli_password_ends_its_sessions(store, redis_client):
    for change in (lambda: store.add_account(COORD, "a new password"),
                   lambda: store.remove_account(COORD)):
        store.add_account(COORD, PASSWORD)
        assert store.save_session("s" * 43, {"coordinator": COORD}, 60_000, new=True,
                                  account=COORD)
        assert store.session("s" * 43) == {"coordinator": COORD}
        change()
        assert store.session("s" * 43) is None
        # An ended session is never written back by a request still holding it.
        assert not store.save_session("s" * 43, {"coordinator": COORD}, 60_000, new=False,
                                      account=COORD)
        assert store.session("s" * 43) is None


def test_a_hosts_signed_cookie_from_before_the_upgrade_keeps_the_console(app, api: Api,
                                                                         redis_client):
    from flask.sessions import SecureCookieSessionInterface

    m = api.make_marathon()
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    old = signer.dumps({"hosts": {m["id"]: m["host_token"]}, "coordinator": ADMIN})
    browser = app.test_client()
    browser.set_cookie("session", old)
    assert browser.get(f"/m/{m['id']}/host").status_code == 200
    cookie = browser.get_cookie("session").value
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie) and m["host_token"] not in cookie
    raw = redis_client.get(keys.session(hashlib.sha256(cookie.encode()).hexdigest()))
    assert m["host_token"] not in raw and "coordinator" not in raw  # coordinators log in again
    assert browser.get(f"/m/{m['id']}/host").status_code == 200  # now from Redis
    # Only a cookie signed with this server's key carries anything over.
    app.secret_key, key = "another key", app.secret_key
    forged = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
        {"hosts": {m["id"]: m["host_token"]}})
    app.secret_key = key
    stranger = app.test_client()
    stranger.set_cookie("session", forged)
    assert stranger.get(f"/m/{m['id']}/host").status_code == 401
