"""Exports: CSV that round-trips through Python's csv module, `;` for French
spreadsheets, formula injection neutralised, JSON, the three kinds, and the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from coordinate_data import EXPECTED, A, B, build, login

from marathon.web import exports

PASSWORD = "correct horse battery"


@pytest.fixture
def coordinator(client, store):
    store.add_account("coord@example.org", PASSWORD)
    assert login(client, "coord@example.org", PASSWORD).status_code == 302
    return client


def download(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def parse(raw: bytes, sep: str = ","):
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=sep))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


TRICKY = {
    "=SUM(A1:A9)": "'=SUM(A1:A9)",
    "+33 1 23": "'+33 1 23",
    "-2 pas une formule": "'-2 pas une formule",
    "@cmd": "'@cmd",
    'Lycée "Les Écrivains", Besançon': 'Lycée "Les Écrivains", Besançon',
    "Zoë; Åsa — Ωmega ‘quote’": "Zoë; Åsa — Ωmega ‘quote’",
}


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_round_trips_accents_commas_quotes_and_neutralises_formulas(
        coordinator, api, sep):
    for name in TRICKY:
        api.make_marathon(group={"name": name, "type": "school", "city": "Besançon, centre",
                                 "region": "Bourgogne-Franche-Comté", "country": "FR"},
                          title=f"« {name} »")
    r = download(coordinator, f"/api/v1/editions/example/export.csv?sep={sep}")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    header, rows = parse(r.data, sep)
    assert header == exports.marathon_fields(
        [c["id"] for c in api.c.get("/api/v1/editions").get_json()["editions"][0]["cases"]])
    assert sorted(row["group"] for row in rows) == sorted(TRICKY.values())
    for row in rows:
        assert row["city"] == "Besançon, centre"
        assert row["region"] == "Bourgogne-Franche-Comté"
        assert row["title"].startswith("« ")
        assert row["starts_at"][:2] == "20" and row["starts_at"][19:] == "+01:00"


def test_csv_of_the_hand_computed_edition(coordinator, api):
    ids = build(api)
    _, rows = parse(download(coordinator, "/api/v1/editions/example/export.csv").data)
    by_id = {row["marathon_id"]: row for row in rows}
    assert len(rows) == 12
    for key, (status, people, total, pp, ph, best, letters, _other, cases) in EXPECTED.items():
        row = by_id[ids[key]]
        assert row["status"] == status
        assert (int(row["participants"]), int(row["total"]), int(row["best_hour"])) == (
            people, total, best)
        assert row["per_participant"] == ("" if pp is None else repr(pp))
        assert row["per_hour"] == repr(ph)
        assert int(row["kind_letter"]) == letters
        assert int(row[f"case_{A}"]) == cases.get(A, 0)
        assert int(row[f"case_{B}"]) == cases.get(B, 0)
    assert by_id[ids["be4"]]["group"] == "'=HYPERLINK(\"http://x\")"
    # Marathons come ordered by country, then group name.
    assert [r["country"] for r in rows] == ["BE"] * 4 + ["CH"] * 4 + ["FR"] * 4


def test_semicolon_csv_uses_a_decimal_comma(coordinator, api):
    ids = build(api)
    _, rows = parse(download(coordinator,
                             "/api/v1/editions/example/export.csv?sep=%3B").data, ";")
    ch1 = next(r for r in rows if r["marathon_id"] == ids["ch1"])
    assert ch1["per_hour"] == "3,54" and ch1["per_participant"] == "17,0"


def test_cases_and_hours_exports(coordinator, api):
    ids = build(api)
    _, rows = parse(download(coordinator,
                             "/api/v1/editions/example/export.csv?kind=cases").data)
    assert len(rows) == 12 * 8  # every marathon × every case of the example edition
    ch1 = {r["case_id"]: int(r["count"]) for r in rows if r["marathon_id"] == ids["ch1"]}
    assert ch1[A] == 80 and ch1[B] == 5 and sum(ch1.values()) == 85 - 0  # all ch1's have a case
    _, rows = parse(download(coordinator,
                             "/api/v1/editions/example/export.csv?kind=hours").data)
    # 10 marathons of 24 hours, one of 12 and one of 6.
    assert len(rows) == 10 * 24 + 12 + 6
    be2 = [r for r in rows if r["marathon_id"] == ids["be2"]]
    assert [int(r["count"]) for r in be2] == [6, 0, 0, 0, 0, 0]
    assert [int(r["hour"]) for r in be2] == list(range(6))
    assert be2[1]["hour_starts_at"][13:16] == be2[0]["hour_starts_at"][13:16]


def test_json_export(coordinator, api):
    ids = build(api)
    r = download(coordinator, "/api/v1/editions/example/export.json")
    doc = r.get_json()
    assert doc["kind"] == "marathons" and doc["edition"]["id"] == "example"
    fr1 = next(x for x in doc["records"] if x["marathon_id"] == ids["fr1"])
    assert fr1["total"] == 6 and fr1["per_participant"] == 3.0 and fr1["group"] == (
        "Lycée Victor Hugo")
    doc = download(coordinator, "/api/v1/editions/example/export.json?kind=hours").get_json()
    assert sum(x["count"] for x in doc["records"]) == 166


@pytest.mark.parametrize("query", ["kind=people", "sep=%7C"])
def test_bad_export_parameters_are_400(coordinator, query):
    assert coordinator.get(f"/api/v1/editions/example/export.csv?{query}").status_code == 400


def test_neutralise_only_touches_text_that_starts_like_a_formula():
    assert exports.cell("=1+1", ".") == "'=1+1"
    assert exports.cell("\tx", ".") == "'\tx"
    assert exports.cell("a=b", ".") == "a=b"
    assert exports.cell(-3, ".") == -3
    assert exports.cell(None, ".") == ""
    assert exports.cell(2.5, ",") == "2,5"


def test_cli_export_writes_the_same_csv(coordinator, api, monkeypatch, redis_proc, tmp_path):
    import config
    from marathon.cli import main

    build(api)
    monkeypatch.setattr(config.Config, "REDIS_URL", redis_proc.url)
    monkeypatch.setattr(config.Config, "ASYNC_MODE", "threading")  # eventlet warns on import
    monkeypatch.setenv("MARATHON_INSTANCE_PATH", str(tmp_path / "cli"))
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["export", "example", "--sep", ";", "--out", str(out)])
    assert r.exit_code == 0, r.output
    web = download(coordinator, "/api/v1/editions/example/export.csv?sep=%3B").data
    # Same rows (the status column could only differ if a marathon ended in between).
    assert out.read_bytes() == web
    out_json = tmp_path / "out.json"
    r = CliRunner().invoke(main, ["export", "example", "--format", "json", "--kind", "cases",
                                  "--out", str(out_json)])
    assert r.exit_code == 0, r.output
    assert len(json.loads(out_json.read_text("utf-8"))["records"]) == 96
