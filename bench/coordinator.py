"""Benchmark the coordinator's compare table and export on a national-sized edition.

Loads an edition of N marathons and M actions into a private redis-server through the
store's real Lua scripts (registration one call each; joins and actions pipelined),
then times over HTTP, against the real server (eventlet) and a logged-in coordinator:

- one page of the table, filtered by country and sorted by total per participant
  (goal: <= 150 ms), and the unfiltered table sorted by total;
- the full CSV export, one row per marathon (goal: <= 2 s), and the per-hour export;

and reports the Redis memory used per action.

    python bench/coordinator.py --marathons 5000 --actions 2000000 --out results.json
    python bench/coordinator.py --quick

`--count N` makes each logged entry carry N actions (N times fewer script calls, the
same counters; the memory per action then shrinks N times, so it is reported per
entry too). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests
from common import Processes

from marathon import domain
from marathon.store import Store, connect, keys
from marathon.store.keys import EditionKeys, MarathonKeys

EDITION = "bench"
COUNTRIES = ["FR", "BE", "CH", "DE", "PL", "IT", "ES", "NL", "SE", "GB"]
CASES = [f"case-{i}" for i in range(8)]
PEOPLE = 10
HOUR = 3_600_000


def load(store, n_marathons: int, n_actions: int, per_entry: int, seed: int) -> dict:
    """Register, join and log; return timings and the entry count."""
    rng = random.Random(seed)
    store.put_edition({"id": EDITION, "year": 2026, "title": "Bench",
                       "cases": [{"id": c, "name": c.title(), "country": "FR"}
                                 for c in CASES]}, current=True)
    now = int(time.time() * 1000)
    starts = now - 20 * HOUR
    t0 = time.perf_counter()
    mids = []
    for i in range(n_marathons):
        country = COUNTRIES[i % len(COUNTRIES)]
        data = domain.marathon({
            "group": {"name": f"Groupe {i:05d}", "type": domain.GROUP_TYPES[i % 5],
                      "city": f"Ville {i % 300}", "region": f"{country}-R{i % 7}",
                      "country": country},
            "edition_id": EDITION, "title": f"Marathon {i}",
            "starts_at": domain.from_ms(starts).isoformat(), "timezone": "Europe/Paris",
            "duration_hours": 24}, {EDITION})
        mids.append(store.register(data, now, "verified")[0])
    t_register = time.perf_counter() - t0

    t0 = time.perf_counter()
    ek = EditionKeys(EDITION)
    tokens: dict[str, list[str]] = {}
    pipe = store._redis.pipeline(transaction=False)
    for n, mid in enumerate(mids, 1):
        k = MarathonKeys(mid)
        tokens[mid] = []
        for p in range(PEOPLE):
            pid, token = domain.new_id(), domain.new_token()
            tokens[mid].append(domain.hash_token(token))
            person = json.dumps({"n": f"p{p}", "b": True, "x": False, "j": starts})
            store._scripts["join"](keys=[k.meta, k.people, k.ptok, k.hidden, k.counts,
                                        keys.CHANGED, ek.per_participant, ek.stats, ek.touched,
                                        k.recv, k.teams, k.tcounts],
                                  args=[pid, tokens[mid][-1], person, "1", now,
                                        store.grace_ms, mid, ""], client=pipe)
        if n % 200 == 0:
            pipe.execute()
    pipe.execute()
    t_join = time.perf_counter() - t0
    used_before = store._redis.info("memory")["used_memory"]

    t0 = time.perf_counter()
    entries = max(1, n_actions // per_entry)
    kinds = list(domain.KINDS)
    batch = 2000
    pipe = store._redis.pipeline(transaction=False)
    for e in range(entries):
        mid = mids[rng.randrange(len(mids))]
        written = starts + rng.randrange(20 * HOUR)
        case = CASES[rng.randrange(len(CASES))] if rng.random() < 0.8 else ""
        kind = kinds[0] if rng.random() < 0.7 else kinds[rng.randrange(len(kinds))]
        action = domain.ActionInput(client_id=str(uuid.uuid4()), kind=kind, case_id=case,
                                    count=per_entry, written_at=domain.from_ms(written))
        keys_, args = store.log_call(mid, tokens[mid][rng.randrange(PEOPLE)], action, now,
                                     confirmed=True)
        store._scripts["log"](keys=keys_, args=args, client=pipe)
        if (e + 1) % batch == 0:
            pipe.execute()
            if (e + 1) % 200_000 == 0:
                rate = (e + 1) / (time.perf_counter() - t0)
                print(f"  {e + 1:,} entries logged ({rate:,.0f}/s)", file=sys.stderr)
    pipe.execute()
    t_log = time.perf_counter() - t0
    used_after = store._redis.info("memory")["used_memory"]
    store.bench_writer = (mids[0], tokens[mids[0]][0], starts, now)  # used by one_write()
    return {"marathons": len(mids), "entries": entries, "actions": entries * per_entry,
            "register_s": round(t_register, 2), "join_s": round(t_join, 2),
            "log_s": round(t_log, 2), "log_entries_per_s": round(entries / t_log),
            "memory_before_actions": used_before, "memory_after_actions": used_after}


def one_write(store) -> None:
    """Log one action through log.lua, so that the next read finds the index changed."""
    mid, token_hash, starts, now = store.bench_writer
    action = domain.ActionInput(client_id=str(uuid.uuid4()), kind="letter", case_id=CASES[0],
                                count=1, written_at=domain.from_ms(starts + HOUR))
    store._scripts["log"](*store.log_call(mid, token_hash, action, now, confirmed=True))


def timed(session, url: str, repeat: int, store=None) -> dict:
    """Fetch `url` `repeat` times (after one new action each time when given the store,
    so that every answer is built from a fresh read of the index); report the first,
    median and slowest answer."""
    times = []
    size = status = 0
    for _ in range(repeat):
        if store is not None:
            one_write(store)
        t0 = time.perf_counter()
        r = session.get(url, timeout=120)
        body = r.content
        times.append((time.perf_counter() - t0) * 1000)
        size, status = len(body), r.status_code
    return {"first_ms": round(times[0], 1), "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1), "bytes": size, "status": status,
            "repeat": repeat}


def login(base: str, email: str, password: str):
    """Log in as a coordinator through the real login form (with its CSRF token)."""
    session = requests.Session()
    page = session.get(f"{base}/coordinate/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = session.post(f"{base}/coordinate/login", data={
        "email": email, "password": password, "csrf_token": token},
        allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:300]
    return session


def measure(procs, marathons: int, actions: int, repeat: int, per_entry: int = 1,
            seed: int = 8) -> dict:
    """Load an edition, serve it from a real server (eventlet) and time the coordinator's
    requests over HTTP. Used by `bench/run` and by this script's command line."""
    redis_proc = procs.start_redis("compare", aof=False)
    store = Store(connect(redis_proc.url, timeout=60), grace_ms=6 * HOUR,
                  keep_ms=7 * 24 * HOUR)
    loaded = load(store, marathons, actions, per_entry, seed)
    store.add_account("bench@example.org", "bench password", "coordinator")
    server = procs.start_server(redis_proc)
    # The bulk load marked every marathon changed: let the broadcaster catch up first,
    # as it would have during a real event, so it does not share the CPU with the timing.
    deadline = time.monotonic() + 120
    while store._redis.scard(keys.CHANGED) and time.monotonic() < deadline:
        time.sleep(0.5)
    session = login(server.url, "bench@example.org", "bench password")
    public = requests.Session()
    api = f"{server.url}/api/v1/editions/{EDITION}"
    table = timed(public, f"{api}/marathons?sort=total&per_page=50", repeat)
    filtered_url = (f"{api}/marathons?country=FR&sort=per_participant&order=desc&page=2"
                    "&per_page=50")
    filtered = timed(session, filtered_url, repeat)
    live = timed(session, filtered_url, repeat, store)
    charts = timed(session, f"{api}/marathons?charts=1&type=school&sort=group&order=asc",
                   repeat)
    csv_all = timed(session, f"{api}/export.csv", max(1, min(repeat, 3)))
    csv_cases = timed(session, f"{api}/export.csv?kind=cases", 1)
    csv_hours = timed(session, f"{api}/export.csv?kind=hours", 1)
    mem = loaded["memory_after_actions"] - loaded["memory_before_actions"]
    ek = EditionKeys(EDITION)
    index_bytes = sum(store._redis.memory_usage(k) or 0 for k in (
        ek.rows, ek.stats, ek.totals, ek.per_participant, ek.marathons, ek.counts, ek.touched))
    return {
        **loaded,
        # bench/report.py's headline: the table while actions arrive (cache never warm).
        "table_ms": live["median_ms"], "table_status": live["status"],
        "csv_ms": csv_all["median_ms"], "csv_bytes": csv_all["bytes"],
        "csv_status": csv_all["status"],
        "table_public_by_total": table, "table_filtered_sorted": filtered,
        "table_filtered_sorted_after_a_write": live,
        "table_with_charts": charts, "export_csv_marathons": csv_all,
        "export_csv_cases": csv_cases, "export_csv_hours": csv_hours,
        "memory_per_action_bytes": round(mem / loaded["actions"], 1),
        "memory_per_entry_bytes": round(mem / loaded["entries"], 1),
        "edition_index_bytes": index_bytes,
        "redis_used_memory": store._redis.info("memory")["used_memory_human"],
        "goals": {"table_page_ms": 150, "export_csv_ms": 2000},
    }


def report(s: dict) -> str:
    t, f, c = s["table_public_by_total"], s["table_filtered_sorted"], s["table_with_charts"]
    w = s["table_filtered_sorted_after_a_write"]
    e, ec, eh = s["export_csv_marathons"], s["export_csv_cases"], s["export_csv_hours"]
    return "\n".join([
        f"edition: {s['marathons']:,} marathons, {s['actions']:,} actions in "
        f"{s['entries']:,} log entries (logged through log.lua, pipelined, at "
        f"{s['log_entries_per_s']:,} entries/s)",
        f"table page, public, sorted by total: median {t['median_ms']} ms "
        f"(first {t['first_ms']} ms, max {t['max_ms']} ms)",
        f"table page, coordinator, country filter + sorted by per participant: median "
        f"{f['median_ms']} ms (first {f['first_ms']}, max {f['max_ms']}); goal 150 ms, "
        f"ratio {f['median_ms'] / 150:.2f}",
        f"same page, one new action before each request (index read again): median "
        f"{w['median_ms']} ms (max {w['max_ms']}); goal 150 ms, ratio {w['median_ms'] / 150:.2f}",
        f"table page with chart data: median {c['median_ms']} ms",
        f"CSV export, one row per marathon: median {e['median_ms'] / 1000:.2f} s for "
        f"{e['bytes'] / 1e6:.2f} MB; goal 2 s, ratio {e['median_ms'] / 2000:.2f}",
        f"CSV per marathon x case: {ec['median_ms'] / 1000:.2f} s ({ec['bytes'] / 1e6:.1f} MB);"
        f" per marathon x hour: {eh['median_ms'] / 1000:.2f} s ({eh['bytes'] / 1e6:.1f} MB)",
        f"Redis memory per action: {s['memory_per_action_bytes']} bytes "
        f"({s['memory_per_entry_bytes']} per log entry); edition indexes "
        f"{s['edition_index_bytes'] / 1e6:.2f} MB; Redis in all {s['redis_used_memory']}",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marathons", type=int, default=5000)
    parser.add_argument("--actions", type=int, default=2_000_000)
    parser.add_argument("--count", type=int, default=1, help="actions per log entry")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="500 marathons, 100,000 actions")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.marathons, args.actions, args.repeat = 500, 100_000, 5
    print(f"loading {args.marathons:,} marathons and {args.actions:,} actions "
          f"({args.count} per log entry)...", file=sys.stderr)
    with Processes() as procs:
        summary = measure(procs, args.marathons, args.actions, args.repeat, args.count,
                          args.seed)
    print(report(summary))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
