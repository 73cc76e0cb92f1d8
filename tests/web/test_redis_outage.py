"""Redis stopped: 503 JSON within a second; Redis back: requests succeed again."""

from __future__ import annotations

import time

from helpers import Api, wait_for
from support import RedisProcess


def test_api_answers_503_fast_and_recovers_without_restart(make_app, tmp_path):
    redis_proc = RedisProcess(tmp_path / "r").start()  # its own, to stop and start again
    try:
        app = make_app(REDIS_URL=redis_proc.url)
        api = Api(app.test_client())
        m = api.make_marathon()
        p = api.join(m["join_code"])
        assert api.log(m["id"], p["token"]).status_code == 201

        redis_proc.stop()
        for call in (lambda: api.log(m["id"], p["token"]),
                     lambda: api.c.get(f"/api/v1/marathons/{m['id']}"),
                     lambda: api.c.get("/healthz")):
            started = time.monotonic()
            r = call()
            assert time.monotonic() - started < 1.0
            assert r.status_code == 503
            body = r.get_json()
            assert body.get("error", {}).get("code") == "store_unavailable" or (
                body.get("status") == "unavailable")

        redis_proc.start()
        # The pool reconnects by itself.
        wait_for(lambda: api.c.get("/healthz").status_code == 200, timeout=5,
                 what="/healthz to answer 200 again")
        # No persistence in this Redis: the data is gone, but the app serves again.
        assert api.c.get("/api/v1/editions").status_code == 200
        assert api.c.post("/api/v1/join", json={"code": m["join_code"],
                                                "nickname": "x"}).status_code == 404
    finally:
        redis_proc.stop()
