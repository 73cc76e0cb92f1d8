"""Keep the catalogs (fr, en, pl, de, es) in step with the code.

    python scripts/i18n.py update            extract strings, update catalogs, compile
    python scripts/i18n.py set fr FILE.json  set translations from {"msgid": "msgstr"}
    python scripts/i18n.py missing fr        list msgids without a translation

Several people (or helpers) edit the catalogs at once: every command holds a lock.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "marathon" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGS = ("fr", "en", "pl", "de", "es")
PYBABEL = str(Path(sys.executable).parent / "pybabel")


@contextmanager
def locked():
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    with open(TRANSLATIONS / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def run(*args: str) -> None:
    subprocess.run([PYBABEL, "-q", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def update() -> None:
    with locked():
        run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "plural_forms:1,2",
            "--no-location", "--sort-output", "-o", str(POT), "marathon", "templates")
        for lang in LANGS:
            if po_path(lang).exists():
                # The width `set` writes (write_po, width=100): no rewrapping churn.
                run("update", "--no-fuzzy-matching", "-w", "100", "-i", str(POT), "-d",
                    str(TRANSLATIONS), "-l", lang)
            else:
                run("init", "-w", "100", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)
        _fill_english()
        run("compile", "-d", str(TRANSLATIONS))


def _fill_english() -> None:
    """English is the source language: its catalog repeats the msgids."""
    path = po_path("en")
    with open(path, "rb") as fh:
        cat = read_po(fh)
    for msg in cat:
        if not msg.id:
            continue
        if msg.pluralizable:  # (singular, plural) -> one string per plural form
            if not all(msg.string):
                msg.string = tuple(s or msg.id[i] for i, s in enumerate(msg.string))
                msg.flags.discard("fuzzy")
        elif not msg.string:
            msg.string = msg.id
            msg.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, cat, width=100)


def set_translations(lang: str, file: str) -> None:
    pairs = json.loads(Path(file).read_text(encoding="utf-8"))
    with locked():
        path = po_path(lang)
        with open(path, "rb") as fh:
            cat = read_po(fh)
        unknown = []
        for msgid, msgstr in pairs.items():
            if msgid in cat:
                cat[msgid].string = msgstr
                cat[msgid].flags.discard("fuzzy")
            else:
                cat.add(msgid, msgstr)
                unknown.append(msgid)
        with open(path, "wb") as fh:
            write_po(fh, cat, width=100)
        run("compile", "-d", str(TRANSLATIONS))
    if unknown:
        print(f"{len(unknown)} msgid(s) were not in the catalog yet (added): run update")


def missing(lang: str) -> list[str]:
    with open(po_path(lang), "rb") as fh:
        cat = read_po(fh)
    return [m.id for m in cat
            if m.id and not (all(m.string) if m.pluralizable else m.string)]


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "update"
    if cmd == "update":
        update()
    elif cmd == "set":
        set_translations(sys.argv[2], sys.argv[3])
    elif cmd == "missing":
        for m in missing(sys.argv[2]):
            print(m)
    else:
        sys.exit(__doc__)
