"""Issue 16, item 5: nicknames are erased a set time after their edition ends.

The clock is the `now` given to the erasure, so the test runs "91 days later" at once.
Counts, boards, the stream and what `reconcile` rebuilds stay exactly as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import CASES, Api, wait_for

from marathon.jobs import DAY_MS, erase_due

ROOT = Path(__file__).resolve().parents[2]


def _state(client, store, mid: str) -> dict:
    report = client.get(f"/api/v1/marathons/{mid}/report").get_json()
    report.pop("generated_at")
    for row in report["top"]:
        row.pop("nickname")
    snap = client.get(f"/api/v1/marathons/{mid}").get_json()["snapshot"]
    return {"report": report, "total": snap["total"], "by_case": snap["by_case"],
            "board": [row["total"] for row in snap["top"]],
            "people": [(p["id"], p["total"], p["by_kind"]) for p in store.participants(mid)],
            "entries": len(store.entries(mid, limit=500))}


def _edition_with_writers(api: Api) -> tuple[dict, dict]:
    a, b = api.make_marathon(), api.make_marathon()
    for m, names in ((a, ["Zoë", "Malik", "Inès"]), (b, ["Tom"])):
        for i, nickname in enumerate(names):
            token = api.join(m["join_code"], nickname)["token"]
            for _ in range(i + 1):
                assert api.log(m["id"], token, case_id=CASES[i % 2]).status_code == 201
    return a, b


def test_item5_nicknames_are_erased_after_the_retention_and_every_count_stays(
        client, api, store):
    a, b = _edition_with_writers(api)
    ends = max(store.marathon(m["id"])["ends"] for m in (a, b))
    before = {m["id"]: _state(client, store, m["id"]) for m in (a, b)}

    assert erase_due(store, 90, ends + 89 * DAY_MS) == []  # not yet
    dry = erase_due(store, 90, ends + 91 * DAY_MS, apply=False)
    assert dry == [{"edition": "example", "ended_at": ends, "marathons": 2, "nicknames": 4,
                    "applied": False}]
    assert {p["nickname"] for p in store.participants(a["id"])} == {"Zoë", "Malik", "Inès"}

    done = erase_due(store, 90, ends + 91 * DAY_MS)
    assert done[0]["nicknames"] == 4 and done[0]["applied"]
    people = sorted(store.participants(a["id"]), key=lambda p: p["total"])
    assert [p["nickname"] for p in people] == ["participant 1", "participant 2",
                                               "participant 3"]
    assert [p["nickname"] for p in store.participants(b["id"])] == ["participant 1"]
    for m in (a, b):
        assert _state(client, store, m["id"]) == before[m["id"]]
        assert store.reconcile(m["id"], repair=False)["differences"] == []
        snap = client.get(f"/api/v1/marathons/{m['id']}").get_json()["snapshot"]
        assert all(line["nickname"].startswith("participant ") for line in snap["recent"])
    # Again: nothing left to erase.
    assert erase_due(store, 90, ends + 92 * DAY_MS)[0]["nicknames"] == 0


def test_item5_marathon_purge_is_a_dry_run_unless_applied(api, store, redis_proc, tmp_path):
    m = api.make_marathon()
    for nickname in ("Zoë", "Malik"):
        api.join(m["join_code"], nickname)
    env = {**os.environ, "REDIS_URL": redis_proc.url,
           "MARATHON_INSTANCE_PATH": str(tmp_path / "instance")}

    def purge(*args: str) -> str:
        run = subprocess.run([sys.executable, "-m", "marathon.cli", "purge", *args],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert "no edition ended more than 90 days ago" in purge()  # it is still running
    store.update(m["id"], {"starts": 0, "ends": 86_400_000})  # as if it ran in 1970
    out = purge()
    assert "edition example: would erase 2 nicknames in 1 marathons" in out
    assert "dry run" in out
    assert {p["nickname"] for p in store.participants(m["id"])} == {"Zoë", "Malik"}
    assert "edition example: erased 2 nicknames" in purge("--apply")
    assert {p["nickname"] for p in store.participants(m["id"])} == {"participant 1",
                                                                    "participant 2"}


def test_item5_the_server_process_erases_due_nicknames_by_itself(api, store, make_app):
    m = api.make_marathon()
    api.join(m["join_code"], "Zoë")
    store.update(m["id"], {"starts": 0, "ends": 86_400_000})
    make_app(RETENTION_JOB=True)  # its daily job runs once at start, then every day
    wait_for(lambda: store.participants(m["id"])[0]["nickname"] == "participant 1",
             what="the daily job's first erasure")
