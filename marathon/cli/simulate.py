"""Simulated phones: the demo and the load generator in one.

`simulate` drives a live marathon through the real HTTP API, exactly as phones do:
N phones join with their own nicknames, then log actions of random kinds and cases at a
given total rate. Arrivals are a Poisson process whose intensity switches between calm
spells and bursts (a table finishing its letters together), averaging the asked rate.
A network error or a 5xx is retried with the same ``client_id``, so the server's
idempotency is exercised the way a phone on poor venue wifi exercises it.

With ``speed`` the simulated clock runs that many times faster than real time from the
marathon's start, and each action carries that clock as its ``written_at`` (never later
than real time, never after the end): a 24-hour marathon fills its hourly bars in
minutes. The server refuses an action dated before its phone joined, so with the host
token the phones join dated from the marathon's start (only a host may date a join);
without it, the clock never runs earlier than the join. Only the standard library and
requests are needed.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

# How often phones log each kind: mostly letters, as at a real marathon.
KIND_WEIGHTS = {"letter": 50, "card": 20, "petition": 15, "email": 10, "post": 5}
NICKNAMES = ("Zoë", "Malik", "Inès", "Jonas", "Aïcha", "Tomás", "Lena", "Kofi", "Mei",
             "Yusuf", "Olga", "Sacha", "Priya", "Noah", "Amara", "Léon", "Sofía", "Ravi",
             "Hana", "Eliott", "Chiara", "Bilal", "Maëlle", "Ikaika", "Nour", "Timo")
# A burst lasts about BURST_SECONDS at BURST_FACTOR times the mean rate, for about
# BURST_SHARE of the time; calm spells run slower so that the mean stays the asked rate.
BURST_SHARE, BURST_FACTOR, BURST_SECONDS = 0.25, 2.5, 3.0
CALM_FACTOR = (1 - BURST_SHARE * BURST_FACTOR) / (1 - BURST_SHARE)
MAX_ATTEMPTS = 6
TIMEOUT = 10.0


class SimulationError(Exception):
    """The marathon cannot be simulated (not found, not reachable, no phone joined)."""


@dataclass
class Phone:
    nickname: str
    participant_id: str
    token: str


@dataclass
class Tally:
    """What happened, counted by the worker threads under one lock."""

    sent: int = 0
    acknowledged: int = 0
    counted: int = 0
    replayed: int = 0
    retried: int = 0
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Marathon:
    id: str
    join_code: str
    starts: datetime
    ends: datetime
    case_ids: list[str]


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class Simulation:
    """N phones logging actions on one marathon for a while; see the module docstring."""

    def __init__(self, url: str, marathon_id: str, *, phones: int = 20, rate: float = 5.0,
                 duration: float = 60.0, speed: float | None = None, workers: int = 0,
                 stacks: bool = True, seed: int | None = None, code: str | None = None,
                 host_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.code = code
        self.host_token = host_token
        self.joined: datetime | None = None
        self.marathon_id = marathon_id
        self.phones_wanted = max(1, phones)
        self.rate = max(0.01, rate)
        self.duration = max(0.1, duration)
        self.speed = speed
        self.workers = workers or min(32, max(4, int(self.rate // 10) + 4))
        self.stacks = stacks
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.phones: list[Phone] = []
        self.stop = threading.Event()
        self._local = threading.local()
        self._t0 = 0.0

    # ------------------------------------------------------------ set-up

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def load_marathon(self) -> Marathon:
        try:
            r = self._session().get(f"{self.url}/api/v1/marathons/{self.marathon_id}",
                                    headers=self._host_headers(), timeout=TIMEOUT)
            eds = self._session().get(f"{self.url}/api/v1/editions", timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise SimulationError(f"cannot reach {self.url}: {exc}") from exc
        if r.status_code != 200:
            raise SimulationError(f"marathon {self.marathon_id}: HTTP {r.status_code}")
        m = r.json()
        cases: list[str] = []
        for ed in eds.json().get("editions", []):
            if ed["id"] == m["edition_id"]:
                cases = [c["id"] for c in ed.get("cases", [])]
        code = self.code or m.get("join_code")
        if not code:
            raise SimulationError("the join code is not public: give --code (shown on the "
                                  "projector and the poster) or --host-token")
        self.marathon = Marathon(m["id"], code,
                                 datetime.fromisoformat(m["starts_at"]),
                                 datetime.fromisoformat(m["ends_at"]), cases)
        return self.marathon

    def _host_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.host_token}"} if self.host_token else {}

    def join_phones(self) -> list[Phone]:
        """Join every phone, waiting out the join rate limit when the server asks to."""
        self.joined = datetime.now(UTC)
        backdate = bool(self.speed and self.host_token)
        if backdate:
            self.joined = self.marathon.starts
        names = list(NICKNAMES)
        self.rng.shuffle(names)
        for i in range(self.phones_wanted):
            nickname = names[i % len(names)] + ("" if i < len(names) else f" {i // len(names)}")
            body: dict[str, Any] = {"code": self.marathon.join_code, "nickname": nickname,
                                    "on_board": self.rng.random() > 0.1}
            if backdate:
                body["joined_at"] = self.marathon.starts.isoformat()
            for _ in range(MAX_ATTEMPTS):
                if self.stop.is_set():
                    return self.phones
                try:
                    r = self._session().post(f"{self.url}/api/v1/join", json=body,
                                             headers=self._host_headers(), timeout=TIMEOUT)
                except requests.RequestException:
                    time.sleep(0.5)
                    continue
                if r.status_code == 201:
                    j = r.json()
                    self.phones.append(Phone(nickname, j["participant_id"], j["token"]))
                    break
                if r.status_code == 429 or r.status_code >= 500:
                    self.stop.wait(min(30.0, float(r.headers.get("Retry-After", 1))))
                    continue
                raise SimulationError(f"join refused: HTTP {r.status_code} {r.text[:200]}")
        if not self.phones:
            raise SimulationError("no phone could join")
        return self.phones

    # ------------------------------------------------------------ actions

    def written_at(self, elapsed: float) -> datetime:
        """The phone's clock for an action sent `elapsed` seconds into the run."""
        now = datetime.now(UTC)
        moment = now
        if self.speed:
            moment = min(now, self.marathon.starts + timedelta(seconds=elapsed * self.speed))
            if self.joined is not None:
                moment = max(moment, self.joined)
        return min(moment, self.marathon.ends)

    def next_action(self, elapsed: float) -> tuple[Phone, dict[str, Any]]:
        rng = self.rng
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        case = rng.choice(self.marathon.case_ids) if self.marathon.case_ids and (
            rng.random() > 0.05) else None
        count = 1
        if self.stacks and rng.random() < 0.03:
            count = rng.randint(2, 12)  # a table's paper stack entered at once
        body = {"client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "kind": kind, "case_id": case, "count": count,
                "written_at": self.written_at(elapsed).isoformat()}
        return rng.choice(self.phones), body

    def send(self, phone: Phone, body: dict[str, Any]) -> None:
        """Post one action until it is acknowledged or refused, like a phone's queue."""
        url = f"{self.url}/api/v1/marathons/{self.marathon_id}/actions"
        headers = {"Authorization": f"Bearer {phone.token}"}
        t = self.tally
        with t.lock:
            t.sent += 1
        started = time.perf_counter()
        try:
            self._post(url, headers, body, started)
        except Exception as exc:  # a bug here must show in the summary, not vanish
            with t.lock:
                t.errors += 1
                t.error_kinds[type(exc).__name__] += 1

    def _post(self, url: str, headers: dict[str, str], body: dict[str, Any],
              started: float) -> None:
        t = self.tally
        outcome = "network"
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                with t.lock:
                    t.retried += 1
                time.sleep(min(2.0, 0.1 * 2 ** attempt))
            try:
                r = self._session().post(url, json=body, headers=headers, timeout=TIMEOUT)
            except requests.RequestException:
                outcome = "network"
                continue
            if r.status_code >= 500:
                outcome = f"http_{r.status_code}"
                continue
            if r.status_code in (200, 201):
                latency = (time.perf_counter() - started) * 1000
                with t.lock:
                    t.acknowledged += 1
                    t.counted += body["count"]
                    t.replayed += r.status_code == 200
                    t.latencies.append(latency)
                return
            try:
                outcome = r.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                outcome = f"http_{r.status_code}"
            break
        with t.lock:
            t.errors += 1
            t.error_kinds[outcome] += 1

    def arrivals(self) -> Iterator[float]:
        """Yield send times in seconds from the start, averaging `rate` per second.

        A Poisson process whose intensity switches between calm spells and bursts.
        """
        rng = self.rng
        t = 0.0
        bursting = rng.random() < BURST_SHARE
        spell_ends = 0.0
        while True:
            if t >= spell_ends:
                bursting = not bursting if spell_ends else bursting
                mean = BURST_SECONDS if bursting else BURST_SECONDS * (
                    1 - BURST_SHARE) / BURST_SHARE
                spell_ends = t + rng.expovariate(1 / mean)
            t += rng.expovariate(self.rate * (BURST_FACTOR if bursting else CALM_FACTOR))
            yield t

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
        """Log actions for `duration` seconds and return the summary.

        When the server falls behind, at most a few requests per worker wait in line:
        the generator then slows down to what the server acknowledges.
        """
        self._t0 = time.monotonic()
        backlog = threading.BoundedSemaphore(self.workers * 4)
        reported = 0.0

        def send(phone: Phone, body: dict[str, Any]) -> None:
            try:
                self.send(phone, body)
            finally:
                backlog.release()

        with ThreadPoolExecutor(self.workers, thread_name_prefix="phone") as pool:
            for due in self.arrivals():
                if due >= self.duration:
                    break
                while not self.stop.is_set():
                    elapsed = time.monotonic() - self._t0
                    if progress and elapsed - reported >= 0.2:
                        progress(elapsed)
                        reported = elapsed
                    if due <= elapsed:
                        break
                    self.stop.wait(min(due - elapsed, 0.2))
                if self.stop.is_set():
                    break
                phone, body = self.next_action(due)
                while not backlog.acquire(timeout=0.2):
                    if self.stop.is_set():
                        break
                else:
                    pool.submit(send, phone, body)
            if progress:
                progress(self.duration)
        return self.summary()

    def summary(self) -> dict[str, Any]:
        t = self.tally
        wall = max(0.001, time.monotonic() - self._t0) if self._t0 else 0.0
        out: dict[str, Any] = {
            "marathon": self.marathon_id, "phones": len(self.phones),
            "sent": t.sent, "acknowledged": t.acknowledged, "counted": t.counted,
            "replayed": t.replayed, "retried": t.retried, "errors": t.errors,
            "error_kinds": dict(t.error_kinds),
            "p50_ms": round(percentile(t.latencies, 50), 1),
            "p99_ms": round(percentile(t.latencies, 99), 1),
            "rate": round(t.acknowledged / wall, 1) if wall else 0.0,
        }
        try:
            r = self._session().get(f"{self.url}/api/v1/marathons/{self.marathon_id}",
                                    headers=self._host_headers(), timeout=TIMEOUT)
            out["server_total"] = r.json()["snapshot"]["total"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            out["server_total"] = None
        return out


# ---------------------------------------------------------------- demo


def register_demo(url: str, *, duration: float, rate: float, timezone: str = "UTC",
                  title: str = "Demo letter marathon") -> dict[str, Any]:
    """Register a 24-hour marathon that ends `duration` seconds from now.

    Simulated at speed 24 h / duration, the phones' clock starts at the marathon's start
    and meets real time exactly at its end, so every hourly bar fills during the demo.
    """
    base = url.rstrip("/")
    eds = requests.get(f"{base}/api/v1/editions", timeout=TIMEOUT).json()
    edition = eds.get("current") or eds["editions"][0]["id"]
    starts = datetime.now(UTC) - timedelta(hours=24) + timedelta(seconds=duration)
    expected = rate * duration * 1.2
    goal = max(100, int(expected * 0.8) // 100 * 100)
    body = {"group": {"name": "Amnesty demo group", "type": "local_group", "city": "Lyon",
                      "region": "Auvergne-Rhône-Alpes", "country": "FR"},
            "edition_id": edition, "title": title,
            "starts_at": starts.replace(microsecond=0).isoformat(), "timezone": timezone,
            "duration_hours": 24, "goal": goal}
    r = requests.post(f"{base}/api/v1/marathons", json=body, timeout=TIMEOUT)
    if r.status_code != 201:
        raise SimulationError(f"registration refused: HTTP {r.status_code} {r.text[:300]}")
    return r.json()


def day_speed(duration: float) -> float:
    """The speed that plays a 24-hour marathon in `duration` seconds."""
    return 86_400 / max(1.0, duration)
