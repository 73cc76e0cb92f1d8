"""Editions: the example edition shipped in the package, and imports from JSON."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from . import domain
from .store import Store


def example_edition() -> dict[str, Any]:
    raw = (resources.files("marathon") / "data" / "example-edition.json").read_text("utf-8")
    return json.loads(raw)


def validate_edition(raw: Any) -> dict[str, Any]:
    """Check an edition's shape; errors name the case and the field at fault."""
    if not isinstance(raw, dict):
        raise domain.Invalid("edition", domain.N_("An edition is a JSON object."))
    eid = raw.get("id")
    if not isinstance(eid, str) or not eid or len(eid) > 40 or not eid.replace(
            "-", "").isalnum():
        raise domain.Invalid("id", domain.N_("An edition needs an id of letters, digits "
                                             "and dashes."))
    cases = raw.get("cases")
    if not isinstance(cases, list) or not cases:
        raise domain.Invalid("cases", domain.N_("An edition needs a list of cases."))
    seen = set()
    for i, case in enumerate(cases):
        where = f"cases[{i}]"
        if not isinstance(case, dict):
            raise domain.Invalid(where, domain.N_("A case is a JSON object."))
        cid = case.get("id")
        if not isinstance(cid, str) or not cid or cid in seen:
            raise domain.Invalid(f"{where}.id", domain.N_("Each case needs a unique id."))
        seen.add(cid)
        domain.text(case.get("name"), f"cases[{cid}].name")
        domain.country(case.get("country"), f"cases[{cid}].country")
        summary = case.get("summary", {})
        if not isinstance(summary, dict) or set(summary) - {"fr", "en"}:
            raise domain.Invalid(f"cases[{cid}].summary",
                                 domain.N_("Texts are given per language: fr and en."))
    return raw


def load_example_if_empty(store: Store) -> None:
    if not store.editions():
        store.put_edition(example_edition(), current=True)


def import_edition(store: Store, raw: Any, *, current: bool = False) -> dict[str, Any]:
    edition = validate_edition(raw)
    store.put_edition(edition, current=current)
    return edition
