"""`wsgi.py` plus the bench's baseline route (`endpoints.py`): the server `bench/run` measures.

The baseline route lives here, not in the package, so the app never carries it.
"""

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import wsgi  # noqa: E402  (first of the app: it monkey-patches eventlet or gevent, then the app)


def _with_baseline_route() -> None:
    # Imported only now: the route's module imports Flask, which must come after
    # eventlet's or gevent's monkey-patching.
    from endpoints import bp

    wsgi.app.register_blueprint(bp)


_with_baseline_route()

if __name__ == "__main__":
    try:
        wsgi.main(sys.argv[1:])
    except (KeyboardInterrupt, SystemExit):
        pass
