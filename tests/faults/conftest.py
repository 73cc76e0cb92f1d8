"""Fault tests: make the shared load harness importable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


# The browser fixtures (Chromium via Playwright) for the screen's "reconnecting" check.
def _browser_fixtures():
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "browser" / "conftest.py"
    spec = importlib.util.spec_from_file_location("faults_browser_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _browser_fixtures()
browser = _fixtures.browser
context_factory = _fixtures.context_factory
