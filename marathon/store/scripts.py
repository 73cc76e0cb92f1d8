"""Load the Lua scripts of ``lua/`` with the shared helpers of ``lua/lib/`` they use.

A script names its helpers on a comment line ``-- uses: tally, row``; the loader puts
those helpers' source in front of the script's, so each script stays one atomic
EVALSHA while the helpers are written once.
"""

from __future__ import annotations

import re
from importlib import resources

USES = re.compile(r"^-- uses: (.+)$", re.MULTILINE)


def _folder():  # type: ignore[no-untyped-def]
    return resources.files("marathon.store") / "lua"


def source(name: str) -> str:
    """Return the full source of the script `name`, helpers first."""
    folder = _folder()
    text = (folder / f"{name}.lua").read_text(encoding="utf-8")
    parts = []
    for match in USES.finditer(text):
        for lib in (n.strip() for n in match.group(1).split(",")):
            parts.append((folder / "lib" / f"{lib}.lua").read_text(encoding="utf-8"))
    return "\n".join([*parts, text])


def sources() -> dict[str, str]:
    """Return every script by name (file name without ``.lua``)."""
    return {p.name[:-4]: source(p.name[:-4])
            for p in _folder().iterdir() if p.name.endswith(".lua")}
