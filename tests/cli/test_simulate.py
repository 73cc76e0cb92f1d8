"""`marathon simulate` against a real server: what it reports is what the server counted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests
from helpers import registration

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "marathon.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=50)


def test_simulated_phones_acknowledged_actions_are_the_server_total(live_server):
    r = requests.post(live_server.url + "/api/v1/marathons", json=registration(), timeout=5)
    mid = r.json()["id"]

    # The join code is not in the public JSON: it is given, as read off the screen.
    done = run_cli("simulate", mid, "--url", live_server.url, "--code", r.json()["join_code"],
                   "--phones", "4", "--rate",
                   "25", "--duration", "3", "--seed", "7", "--no-stacks", "--json")

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    total = requests.get(f"{live_server.url}/api/v1/marathons/{mid}",
                         timeout=5).json()["snapshot"]["total"]
    assert summary["acknowledged"] > 0
    assert summary["errors"] == 0, summary["error_kinds"]
    assert summary["sent"] == summary["acknowledged"]
    assert summary["acknowledged"] == total == summary["server_total"]
    assert summary["phones"] == 4


def test_speed_writes_past_times_inside_the_window(live_server):
    r = requests.post(live_server.url + "/api/v1/marathons",
                      json=registration(duration_hours=24), timeout=5)
    reg = r.json()

    # With the host token the phones join dated from the start, so their clock may run
    # from there (a phone cannot log an action dated before its join).
    done = run_cli("simulate", reg["id"], "--url", live_server.url, "--phones", "3",
                   "--rate", "20", "--duration", "2", "--speed", "3000", "--seed", "3",
                   "--host-token", reg["host_token"], "--json")

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    snapshot = requests.get(f"{live_server.url}/api/v1/marathons/{reg['id']}",
                            timeout=5).json()["snapshot"]
    assert summary["errors"] == 0, summary["error_kinds"]
    assert summary["counted"] == snapshot["total"] > 0
    # The marathon started an hour ago: at 3000x the phones' clock spends under two
    # seconds in its first hour, then writes up to real time, so one hour cannot hold all.
    filled = [n for n in snapshot["hourly"] if n]
    assert len(filled) == 2
