"""Combining marks at the door: at most MAX_MARKS on one base character (issue 28).

Names are stored NFC; a nickname of "a" and 31 combining marks ("Zalgo" text) would
smear over the ticker's other lines, so `domain.text` keeps the first two marks after
each base character, and `names.display_name` does the same for names stored before.
"""

from __future__ import annotations

import unicodedata

MAX_MARKS = 2  # combining marks kept on one base character


def cap_marks(text: str) -> str:
    """Keep at most MAX_MARKS combining marks after each base character (counted on the
    decomposed text, so "á" is a and one mark), and return the text in NFC.

    A nickname of "a" and 31 combining marks smears over the lines around it.
    """
    out: list[str] = []
    run = 0
    for c in unicodedata.normalize("NFD", text):
        if unicodedata.category(c).startswith("M"):
            run += 1
            if run > MAX_MARKS:
                continue
        else:
            run = 0
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))
