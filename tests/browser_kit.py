"""Helpers for browser tests: Chromium's path and flags, dialog watching, screenshots.

A plain module (not a conftest) so tests import it by a name no other folder shares.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

def watch_page(page) -> None:
    """Record dialogs (an XSS would fire one) and uncaught page errors on the page."""
    page.dialogs = []
    page.errors = []

    def on_dialog(d):
        page.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: page.errors.append(str(e)))


# True once the page's CSS animations and transitions and its Chart.js charts are still.
STILL = """() => document.getAnimations().every(a => a.playState !== 'running')
    && (!window.Chart || Object.values(Chart.instances).every(c => !Chart.animator.running(c)))"""


def wait_still(page, timeout: float = 5_000) -> None:
    """Wait until nothing on the page moves (for a screenshot)."""
    page.wait_for_function(STILL, timeout=timeout)


def screenshot(page, name: str, docs: bool = False) -> Path:
    """Save a screenshot under tests/artifacts (and docs/screenshots when asked)."""
    folder = SCREENSHOTS if docs else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
