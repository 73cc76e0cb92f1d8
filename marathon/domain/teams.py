"""Teams inside a marathon (a class, a table, a house): their names, ids and limits.

A team's name follows the nickname's rules (1–32 characters, no control or invisible
characters) and is shown in public only through `names.display_name`, like a nickname.
Two teams of a marathon cannot share a name, ignoring case and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from . import N_, NICKNAME_MAX, Invalid, text

# Enough for every class of a school or every table of a hall; the snapshot carries
# them all, so the cap also bounds its size.
TEAMS_MAX = 50
# Team ids are short ("t1", "t2", …), minted per marathon: they travel in every snapshot.
_ID = re.compile(r"^t[1-9][0-9]{0,5}$")


def team_name(raw: Any, field: str = "name") -> str:
    """Read a team's name with the nickname's rules."""
    value = text(raw, field, max_len=NICKNAME_MAX, required=False)
    if not value:
        raise Invalid(field, N_("Give the team a name of 1 to 32 characters."))
    return value


def name_key(name: str) -> str:
    """The form of a name two teams may not share: case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def team_id(raw: Any, field: str = "team_id") -> str | None:
    """Read an optional team id: None (or "") for no team; a malformed one is refused
    with the unknown team's code, since to its sender it names no team either."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not _ID.match(raw):
        raise Invalid(field, N_("No team has this id in this marathon."),
                      code="team_not_found")
    return raw
