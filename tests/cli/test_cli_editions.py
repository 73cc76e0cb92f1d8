"""`marathon edition import|export`: a complete edition round-trips unchanged, and a
refused import names the case and the field."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from marathon.domain.editions import example_edition

ROOT = Path(__file__).resolve().parents[2]
CASE = "ales-bialiatski"


def edition() -> dict:
    return copy.deepcopy(example_edition())


def case(ed: dict, cid: str = CASE) -> dict:
    return next(c for c in ed["cases"] if c["id"] == cid)


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marathon.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def cli_env(redis_proc, redis_client, tmp_path) -> dict:
    return {**os.environ, "REDIS_URL": redis_proc.url,
            "MARATHON_INSTANCE_PATH": str(tmp_path / "instance")}


def test_complete_edition_round_trips_through_export_and_import_unchanged(cli_env, tmp_path):
    ed = edition()
    ed["id"] = "round-trip"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(ed, ensure_ascii=False), encoding="utf-8")
    done = _cli("edition", "import", str(source), env=cli_env)
    assert done.returncode == 0, done.stderr
    exported = _cli("edition", "export", "round-trip", env=cli_env)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == ed
    # ... and the exported file imports again and exports the same bytes.
    again = tmp_path / "again.json"
    again.write_text(exported.stdout, encoding="utf-8")
    assert _cli("edition", "import", str(again), env=cli_env).returncode == 0
    assert _cli("edition", "export", "round-trip", env=cli_env).stdout == exported.stdout


def test_cli_import_names_the_case_and_the_field(cli_env, tmp_path):
    ed = edition()
    del case(ed)["letter"]["addressee"]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(ed), encoding="utf-8")
    done = _cli("edition", "import", str(source), env=cli_env)
    assert done.returncode != 0
    assert f"cases[{CASE}].letter.addressee" in done.stderr
