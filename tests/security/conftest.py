"""Security fixtures: apps with rate limits on, and the browser fixtures for XSS tests."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "browser_fixtures", Path(__file__).resolve().parent.parent / "browser" / "conftest.py")
_browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_browser)
browser = _browser.browser
context_factory = _browser.context_factory
watch_page = _browser.watch_page


@pytest.fixture
def make_app(redis_proc, redis_client, tmp_path: Path):
    """Build an app on the test Redis with settings overridden (rate limits on, say)."""
    from config import TestConfig
    from marathon import create_app

    made = []

    def make(**settings):
        class Cfg(TestConfig):
            REDIS_URL = redis_proc.url

        for name, value in settings.items():
            setattr(Cfg, name, value)
        os.environ["MARATHON_INSTANCE_PATH"] = str(tmp_path / f"instance{len(made)}")
        try:
            app = create_app(Cfg)
        finally:
            os.environ.pop("MARATHON_INSTANCE_PATH", None)
        made.append(app)
        return app

    return make
