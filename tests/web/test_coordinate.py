"""Coordinators: accounts and login, the compare table (every column, sort, filter,
totals, paging), the public view, the admin pages and the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from coordinate_data import COLUMNS, EXPECTED, A, B, build, csrf_token, login

PASSWORD = "correct horse battery"


@pytest.fixture
def edition(api):
    return build(api)


@pytest.fixture
def coordinator(client, store):
    store.add_account("Coord@Example.org", PASSWORD)
    r = login(client, "coord@example.org", PASSWORD)
    assert r.status_code == 302
    return client


@pytest.fixture
def admin(client, store):
    store.add_account("admin@example.org", PASSWORD, "admin")
    assert login(client, "admin@example.org", PASSWORD).status_code == 302
    return client


def table(client, **params):
    params.setdefault("per_page", 50)
    r = client.get("/api/v1/editions/example/marathons", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def keys_of(body, ids):
    back = {mid: key for key, mid in ids.items()}
    return [back[row["id"]] for row in body["rows"]]


# ------------------------------------------------------------------ the table


def test_every_column_matches_the_hand_computed_numbers(coordinator, edition):
    body = table(coordinator, sort="group", order="asc")
    assert body["count"] == 12
    rows = {row["id"]: row for row in body["rows"]}
    for key, expected in EXPECTED.items():
        row = rows[edition[key]]
        *numbers, cases = expected
        assert tuple(row[c] for c in COLUMNS) == tuple(numbers), key
        assert row["by_case"] == {c: cases.get(c, 0) for c in row["by_case"]}, key
    fr1 = rows[edition["fr1"]]
    assert (fr1["group"], fr1["type"], fr1["city"], fr1["region"], fr1["country"]) == (
        "Lycée Victor Hugo", "school", "Rennes", "Bretagne", "FR")
    assert fr1["starts_at"].endswith("+01:00")  # the marathon's own time zone (Paris)
    assert fr1["by_kind"] == {"letter": 4, "card": 2, "email": 0, "petition": 0, "post": 0}


def test_sorting_by_per_participant_puts_empty_values_last(coordinator, edition):
    body = table(coordinator, sort="per_participant", order="desc")
    assert keys_of(body, edition) == ["ch1", "be1", "ch2", "fr2", "fr3", "ch4", "fr1", "be2",
                                      "be4", "be3", "fr4", "ch3"]
    body = table(coordinator, sort="per_participant", order="asc")
    assert keys_of(body, edition) == ["be3", "be4", "fr1", "be2", "ch4", "fr3", "fr2", "ch2",
                                      "be1", "ch1", "fr4", "ch3"]


@pytest.mark.parametrize(("sort", "order", "first_three"), [
    ("total", "desc", ["ch1", "be1", "fr2"]),
    ("total", "asc", ["fr4", "ch3", "be3"]),
    ("best_hour", "desc", ["ch1", "be1", "fr2"]),
    ("per_hour", "desc", ["ch1", "fr2", "be1"]),
    ("participants", "desc", ["ch1", "be1", "fr2"]),
    ("letters", "desc", ["ch1", "be1", "ch2"]),
    ("other", "desc", ["be2", "fr2", "ch1"]),
    (f"case:{A}", "desc", ["ch1", "be1", "fr2"]),
    (f"case:{B}", "desc", ["ch2", "be1", "ch1"]),
    ("group", "asc", ["be4", "be1", "fr3"]),  # "=HYPERLINK…" < "Athénée" < "Collège"
    ("city", "asc", ["fr4", "fr2", "be3"]),  # Albi, Brest, Bruxelles
    ("country", "desc", ["fr3", "fr2", "fr1"]),  # FR first, then group-name order
    ("status", "asc", ["ch4", "be2", "be4"]),  # ended (Cycle…, UGent…), then running
    ("starts_at", "asc", ["be2"]),  # started 7 hours ago
    ("starts_at", "desc", ["ch3"]),  # starts in 2 hours
])
def test_sorting_by_any_column(coordinator, edition, sort, order, first_three):
    body = table(coordinator, sort=sort, order=order)
    assert keys_of(body, edition)[:len(first_three)] == first_three


@pytest.mark.parametrize(("params", "keys"), [
    ({"country": "FR"}, {"fr1", "fr2", "fr3", "fr4"}),
    ({"country": "be,ch"}, {"be1", "be2", "be3", "be4", "ch1", "ch2", "ch3", "ch4"}),
    ({"region": "vaud"}, {"ch2", "ch3"}),
    ({"type": "school"}, {"fr1", "fr3", "be1", "be4", "ch1", "ch4"}),
    ({"status": "ended"}, {"be2", "ch4"}),
    ({"status": "scheduled"}, {"ch3"}),
    ({"q": "LIÈGE"}, {"be1"}),
    ({"q": "genève"}, {"ch1", "ch4"}),
    ({"country": "CH", "type": "school", "status": "running"}, {"ch1"}),
])
def test_filters(coordinator, edition, params, keys):
    assert set(keys_of(table(coordinator, **params), edition)) == keys


def test_totals_row_sums_the_filtered_rows(coordinator, edition):
    totals = table(coordinator, country="BE")["totals"]
    assert totals["marathons"] == 4
    assert totals["participants"] == 9
    assert totals["total"] == 37
    assert totals["per_participant"] == 4.11  # 37 / 9
    assert totals["per_hour"] == 0.47  # 37 / (24 + 6 + 24 + 24) hours
    assert totals["best_hour"] == 20
    assert (totals["letters"], totals["other"]) == (29, 8)
    assert totals["by_case"][A] == 23 and totals["by_case"][B] == 8
    everything = table(coordinator)["totals"]
    assert everything["total"] == 166 and everything["participants"] == 24


def test_paging_walks_the_sorted_rows(coordinator, edition):
    seen = []
    for page in (1, 2, 3):
        body = table(coordinator, sort="total", order="desc", per_page=5, page=page)
        assert body["pages"] == 3 and body["count"] == 12
        seen += keys_of(body, edition)
    assert len(seen) == 12 and len(set(seen)) == 12
    assert seen[:3] == ["ch1", "be1", "fr2"]


def test_charts_data_for_the_filtered_set(coordinator, edition):
    charts = table(coordinator, charts=1)["charts"]
    assert charts["by_country"] == [["CH", 104], ["BE", 37], ["FR", 25]]
    assert ["CH · Genève", 92] in charts["by_region"]
    dist = charts["distribution"]
    assert sum(dist["counts"]) == 10  # the two marathons nobody joined are left out
    assert dist["edges"][0] == 0 and dist["edges"][-1] > 17


def test_curves_of_selected_marathons_are_aligned_on_hours_since_start(coordinator, edition):
    ids = f"{edition['ch1']},{edition['be2']}"
    curves = coordinator.get(f"/api/v1/editions/example/curves?ids={ids}").get_json()["curves"]
    by_group = {c["group"]: c["hourly"] for c in curves}
    assert by_group["École de Plainpalais"][:3] == [50, 35, 0]
    assert by_group["UGent Amnesty"] == [6, 0, 0, 0, 0, 0]


def test_index_follows_edits_and_undo(coordinator, edition, api, store):
    fr1 = table(coordinator, q="Victor")["rows"][0]
    assert fr1["best_hour"] == 3  # the undone 5 letters of hour 0 no longer count
    store.update(edition["fr1"], {"title": "Nouveau titre", "closed": 1})
    fr1 = table(coordinator, q="Victor")["rows"][0]
    assert (fr1["title"], fr1["status"]) == ("Nouveau titre", "ended")


def test_table_catches_up_with_writes_made_after_it_was_read(coordinator, edition, api, app):

    from marathon.domain import compare

    table(coordinator)  # the process now holds a copy of the index
    with app.app_context():  # the public JSON has no join code: read it as the host would
        codes = {key: app.extensions["store"].marathon(edition[key])["join_code"]
                 for key in ("fr3", "fr4")}
    token = api.join(codes["fr3"], "new")["token"]
    assert api.log(edition["fr3"], token, kind="letter", case_id=B, count=4).status_code == 201
    api.join(codes["fr4"], "first")
    rows = {r["id"]: r for r in table(coordinator)["rows"]}
    assert rows[edition["fr3"]]["total"] == 8 and rows[edition["fr3"]]["by_case"][B] == 8
    assert rows[edition["fr3"]]["participants"] == 2
    assert rows[edition["fr4"]]["participants"] == 1
    # The same numbers as a full read of the indexes by a process that held no copy.
    with app.app_context():
        fresh = app.extensions["store"].compare_index("example")
        query = compare.Query(sort="group", desc=False, public=False,
                              case_ids=tuple(app.extensions["store"].case_ids("example")))
        want = compare.table(fresh, query, 0)["rows"]
    got = table(coordinator, sort="group", order="asc")["rows"]
    strip = [{k: v for k, v in r.items() if k not in ("status", "by_case")} for r in got]
    assert strip == [{k: v for k, v in r.items() if k not in ("status", "by_case")}
                     for r in want]


# ------------------------------------------------------------------ public view


def test_public_table_has_no_participant_columns(client, edition):
    body = table(client, sort="total")
    assert body["public"] is True
    assert all("participants" not in r and "per_participant" not in r for r in body["rows"])
    assert "participants" not in body["totals"] and "charts" not in table(client, charts=1)
    r = client.get("/api/v1/editions/example/marathons?sort=per_participant")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "sort"
    page = client.get("/e/example")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-public="1"' in text and 'data-col="participants"' not in text


@pytest.mark.parametrize("query", ["sort=nope", "order=up", "status=gone", "type=club",
                                   "page=0", "per_page=9999"])
def test_bad_table_parameters_are_400(client, query):
    r = client.get(f"/api/v1/editions/example/marathons?{query}")
    assert r.status_code == 400


def test_unknown_edition_is_404(client):
    assert client.get("/api/v1/editions/nope/marathons").status_code == 404
    assert client.get("/e/nope").status_code == 404


# ------------------------------------------------------------------ access


COORDINATOR_PAGES = ["/coordinate", "/coordinate?edition=example", "/coordinate/editions",
                     "/coordinate/editions/new", "/coordinate/editions/example/edit",
                     "/coordinate/editions/example.json", "/coordinate/accounts"]
COORDINATOR_API = ["/api/v1/editions/example/export.csv",
                   "/api/v1/editions/example/export.json",
                   "/api/v1/editions/example/export.csv?kind=hours&sep=;",
                   "/api/v1/editions/example/curves?ids=x"]


@pytest.mark.parametrize("path", COORDINATOR_PAGES)
def test_pages_redirect_to_login_without_a_session(client, path):
    r = client.get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/coordinate/login?next=")


@pytest.mark.parametrize("path", COORDINATOR_API)
def test_coordinator_api_is_401_without_a_session(client, path):
    r = client.get(path)
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/coordinate/editions/import", "/coordinate/accounts",
                                  "/coordinate/editions/example/current"])
def test_admin_posts_without_a_session_are_refused(client, path):
    token = csrf_token(client)
    r = client.post(path, data={"csrf_token": token})
    assert r.status_code == 302 and "/coordinate/login" in r.headers["Location"]


def test_a_coordinator_is_not_an_admin(coordinator):
    assert coordinator.get("/coordinate").status_code == 200
    assert coordinator.get("/coordinate/editions").status_code == 403
    assert coordinator.get("/coordinate/accounts").status_code == 403


def test_login_needs_the_csrf_token(client, store):
    store.add_account("c@example.org", PASSWORD)
    r = client.post("/coordinate/login", data={"email": "c@example.org",
                                               "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/coordinate").status_code == 302


def test_login_follows_next_only_inside_the_site(client, store):
    store.add_account("c@example.org", PASSWORD)
    token = csrf_token(client)
    r = client.post("/coordinate/login", data={"email": "c@example.org", "password": PASSWORD,
                                               "csrf_token": token,
                                               "next": "https://evil.example/"})
    assert r.headers["Location"] == "/coordinate"
    for bad in ("//evil.example/", "/\\evil.example/"):
        client.post("/coordinate/logout", data={"csrf_token": csrf_token(client)})
        r = client.post("/coordinate/login", data={
            "email": "c@example.org", "password": PASSWORD, "csrf_token": csrf_token(client),
            "next": bad})
        assert r.headers["Location"] == "/coordinate"


def test_logout_ends_the_session(coordinator):
    token = csrf_token(coordinator, "/coordinate")
    assert coordinator.post("/coordinate/logout", data={"csrf_token": token}).status_code == 302
    assert coordinator.get("/coordinate").status_code == 302


def test_passwords_are_stored_hashed_with_scrypt(store, redis_client):
    store.add_account("c@example.org", PASSWORD)
    raw = redis_client.hget("coordinators", "c@example.org")
    assert PASSWORD not in raw and '"hash":"scrypt:' in raw
    assert store.authenticate("C@example.org ", PASSWORD).role == "coordinator"
    assert store.authenticate("c@example.org", "wrong password!") is None
    assert store.authenticate("nobody@example.org", PASSWORD) is None


def test_five_wrong_passwords_get_429(make_app):
    # The address's limit, not the e-mail's backoff (test_room_secrets_sessions.py).
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="5 per 15 minutes",
                   LOGIN_BACKOFF_AFTER=10)
    client = app.test_client()
    app.extensions["store"].add_account("c@example.org", PASSWORD)
    for _ in range(5):
        assert login(client, "c@example.org", "wrong password!").status_code == 401
    r = login(client, "c@example.org", PASSWORD)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


# ------------------------------------------------------------------ admin pages


def test_admin_creates_an_edition_edits_its_cases_and_makes_it_current(admin, store):
    token = csrf_token(admin, "/coordinate/editions/new")
    form = {"csrf_token": token, "id": "wfr-2027", "year": "2027",
            "title_en": "Write for Rights 2027", "title_fr": "Écrire pour les droits 2027",
            "case_id": ["case-one", "", ""], "case_name": ["Case One", "", ""],
            "case_country": ["fr", "", ""], "case_summary_en": ["In English", "", ""],
            "case_summary_fr": ["En français", "", ""]}
    r = admin.post("/coordinate/editions/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    edition = store.edition("wfr-2027")
    assert edition["cases"] == [{"id": "case-one", "name": "Case One", "country": "FR",
                                 "summary": {"en": "In English", "fr": "En français"}}]
    form.pop("id")
    form["case_id"] = ["case-one", "case-two", ""]
    form["case_name"] = ["Case One", "Case Two", ""]
    form["case_country"] = ["FR", "BY", ""]
    form["case_summary_en"] = ["In English", "", ""]
    form["case_summary_fr"] = ["En français", "", ""]
    r = admin.post("/coordinate/editions/wfr-2027/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    store._edition_cache.clear()
    assert [c["id"] for c in store.edition("wfr-2027")["cases"]] == ["case-one", "case-two"]
    form["case_country"] = ["FR", "XX", ""]
    r = admin.post("/coordinate/editions/wfr-2027/edit", data=form)
    assert r.status_code == 400 and "cases[case-two].country" in r.get_data(as_text=True)
    r = admin.post("/coordinate/editions/wfr-2027/current", data={"csrf_token": token})
    assert r.status_code == 302 and store.current_edition_id() == "wfr-2027"
    exported = admin.get("/coordinate/editions/wfr-2027.json").get_json()
    assert exported["id"] == "wfr-2027" and len(exported["cases"]) == 2


def test_the_edition_form_offers_every_language_and_requires_only_english(admin, store):
    page = admin.get("/coordinate/editions/new").get_data(as_text=True)
    for lang in ("en", "fr", "pl", "de", "es"):
        assert f'name="title_{lang}"' in page and f'name="case_summary_{lang}"' in page
    assert re.search(r'name="title_en"[^>]*required', page)
    assert not re.search(r'name="title_fr"[^>]*required', page)
    token = csrf_token(admin, "/coordinate/editions/new")
    form = {"csrf_token": token, "id": "wfr-pl", "year": "2027",
            "title_en": "Write for Rights", "title_pl": "Maraton pisania listów",
            "case_id": ["case-one"], "case_name": ["Case One"], "case_country": ["PL"],
            "case_summary_en": ["In English"], "case_summary_de": ["Auf Deutsch"]}
    r = admin.post("/coordinate/editions/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    edition = store.edition("wfr-pl")
    assert edition["title"] == {"en": "Write for Rights", "pl": "Maraton pisania listów"}
    assert edition["cases"][0]["summary"] == {"en": "In English", "de": "Auf Deutsch"}
    form.update(id="wfr-pl2", title_en="", case_summary_en=[""])
    r = admin.post("/coordinate/editions/new", data=form)
    assert r.status_code == 400 and "title_en" in r.get_data(as_text=True)
    form.update(title_en="Write for Rights")
    r = admin.post("/coordinate/editions/new", data=form)
    assert r.status_code == 400
    assert "cases[case-one].summary.en: This text is missing in en." in r.get_data(
        as_text=True)


def test_editing_cases_keeps_what_the_form_does_not_show(admin, store):
    before = store.edition("example")
    cases = before["cases"]
    token = csrf_token(admin, "/coordinate/editions/example/edit")
    form = {"csrf_token": token, "year": str(before["year"]),
            "title_en": before["title"]["en"], "title_fr": before["title"]["fr"],
            "case_id": [c["id"] for c in cases], "case_name": [c["name"] for c in cases],
            "case_country": [c["country"] for c in cases],
            "case_summary_en": [c["summary"]["en"] for c in cases],
            "case_summary_fr": [c["summary"]["fr"] for c in cases]}
    form["case_name"][0] = "Ales Bialiatski (renamed)"
    r = admin.post("/coordinate/editions/example/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    store._edition_cache.clear()
    after = store.edition("example")["cases"][0]
    assert after["name"] == "Ales Bialiatski (renamed)"
    assert after["letter"] == cases[0]["letter"] and after["ask"] == cases[0]["ask"]


def test_admin_imports_an_edition_from_json(admin, store):
    token = csrf_token(admin, "/coordinate/editions")
    raw = ('{"id": "imported", "year": 2030, "title": "T", "cases": '
           '[{"id": "x", "name": "X", "country": "BE"}]}')
    r = admin.post("/coordinate/editions/import", data={"csrf_token": token, "json": raw})
    assert r.status_code == 302
    assert store.edition("imported")["cases"][0]["id"] == "x"


def test_admin_adds_and_removes_accounts(admin, store):
    token = csrf_token(admin, "/coordinate/accounts")
    r = admin.post("/coordinate/accounts", data={"csrf_token": token, "email": "n@example.org",
                                                 "password": "long enough pw",
                                                 "role": "coordinator"})
    assert r.status_code == 302 and store.account("n@example.org") is not None
    r = admin.post("/coordinate/accounts", data={"csrf_token": token, "email": "x@example.org",
                                                 "password": "short", "role": "admin"})
    assert r.status_code == 400
    admin.post("/coordinate/accounts/remove", data={"csrf_token": token,
                                                    "email": "n@example.org"})
    assert store.account("n@example.org") is None
    admin.post("/coordinate/accounts/remove", data={"csrf_token": token,
                                                    "email": "admin@example.org"})
    assert store.account("admin@example.org") is not None


def test_dashboard_lists_case_columns_and_filter_values(coordinator, edition):
    page = coordinator.get("/coordinate").get_data(as_text=True)
    assert f'data-col="case:{A}"' in page and f'data-col="case:{B}"' in page
    assert '<option value="BE">BE</option>' in page
    assert '<option value="Wallonie">Wallonie</option>' in page


# ------------------------------------------------------------------ CLI


def test_cli_adds_a_coordinator_with_a_prompted_password(app, store, monkeypatch,
                                                         redis_proc, tmp_path):
    import config
    from marathon.cli import main

    monkeypatch.setattr(config.Config, "REDIS_URL", redis_proc.url)
    monkeypatch.setattr(config.Config, "ASYNC_MODE", "threading")  # eventlet warns on import
    monkeypatch.setenv("MARATHON_INSTANCE_PATH", str(tmp_path / "cli"))
    runner = CliRunner()
    r = runner.invoke(main, ["coordinator", "add", "boss@example.org", "--admin"],
                      input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output
    assert store.authenticate("boss@example.org", PASSWORD).is_admin
    r = runner.invoke(main, ["coordinator", "add", "x@example.org"], input="short\nshort\n")
    assert r.exit_code != 0 and "password" in r.output
