"""Coordinator sessions: who is logged in, and the decorators that require it.

Pages under /coordinate redirect to the login page without a session; the coordinator
parts of /api/v1 answer 401. Shared by `coordinate`, `admin` and the API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from ..domain.accounts import Account
from ..store import store
from .errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])


def current_account() -> Account | None:
    """Return the logged-in coordinator (read once per request), or None."""
    if "account" not in g:
        address = session.get("coordinator")
        g.account = store().account(address) if address else None
    return g.account


def _refuse() -> Any:
    if request.path.startswith("/api/"):
        raise ApiError(401, "unauthorized", gettext("Log in as a coordinator first."))
    return redirect(url_for("coordinate.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            return _refuse()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        account = current_account()
        if account is None:
            return _refuse()
        if not account.is_admin:
            return render_template("error.html", message=gettext(
                "Only an admin can manage editions and accounts.")), 403
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
