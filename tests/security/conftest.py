"""Security fixtures: apps built with settings overridden (rate limits on, say)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


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
