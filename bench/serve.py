"""`wsgi.py` plus the bench's baseline route (`endpoints.py`): the server `bench/run` measures.

The baseline route lives here, not in the package, so the app never carries it.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from endpoints import bp  # noqa: E402

import wsgi  # noqa: E402  (monkey-patches eventlet first, then builds the app)

wsgi.app.register_blueprint(bp)

if __name__ == "__main__":
    try:
        wsgi.main(sys.argv[1:])
    except (KeyboardInterrupt, SystemExit):
        pass
