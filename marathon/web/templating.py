"""Template filters and helpers shared by every page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from flask import Flask
from flask_babel import format_number, get_locale
from markupsafe import Markup

from ..domain.names import display_name
from .helpers import in_page_language
from .i18n import plural_forms


def hour_label(iso: str) -> str:
    """Label an hour bucket by its start on the marathon's clock ("14:00")."""
    moment = datetime.fromisoformat(iso)
    return format_time(moment, "short", tzinfo=moment.tzinfo, locale=get_locale())


def when(iso: str, fmt: str = "medium") -> str:
    """Format an instant in the page's language, on the clock it was given in."""
    moment = datetime.fromisoformat(iso)
    return format_datetime(moment, fmt, tzinfo=moment.tzinfo, locale=get_locale())


def day(iso: str) -> str:
    return format_date(datetime.fromisoformat(iso), "long", locale=get_locale())


def compact_json(value: Any) -> Markup:
    """Serialise data for a <script type="application/json"> block: compact and inert.

    `<`, `>` and `&` are escaped, so a text holding "</script>" cannot end the block.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


def init_app(app: Flask) -> None:
    """Register the filters (`localised`, `public_name`, `hour_label`, `number`,
    `compact_json`) and globals."""
    app.add_template_filter(in_page_language, "localised")
    # A nickname or group name on a public page: the one masking step (domain.names).
    app.add_template_filter(display_name, "public_name")
    app.add_template_filter(hour_label, "hour_label")
    # Counts shown on a page: "1 234" in French, "1,234" in English (the page's language).
    app.add_template_filter(format_number, "number")
    app.add_template_filter(compact_json, "compact_json")
    app.add_template_global(when, "when")
    app.add_template_global(day, "day")
    app.add_template_global(plural_forms, "plural_forms")
