"""`marathon verify`, `marathon reject`, `marathon edition policy`: who counts in an edition."""

from __future__ import annotations

import click

from .. import domain
from ..domain import trust


def _store():
    from . import _app

    return _app().extensions["store"]


@click.command(help="Verify marathons: from now on they count in their edition's totals.")
@click.argument("marathon_ids", nargs=-1, required=True)
@click.option("--by", default="command line", show_default=True,
              help="Who decides (kept in the audit trail).")
def verify(marathon_ids: tuple[str, ...], by: str) -> None:
    _decide(marathon_ids, "verified", "", by)


@click.command(help="Reject (or hide again) a marathon: it stops counting in its edition.")
@click.argument("marathon_id")
@click.option("--reason", required=True, help="Why (shown to its host, kept in the audit).")
@click.option("--by", default="command line", show_default=True,
              help="Who decides (kept in the audit trail).")
def reject(marathon_id: str, reason: str, by: str) -> None:
    _decide((marathon_id,), "rejected", reason, by)


def _decide(mids: tuple[str, ...], state: str, reason: str, by: str) -> None:
    from ..store import NotFound

    store = _store()
    try:
        reason = trust.reason(reason, required=state == "rejected")
    except domain.Invalid as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    failed = False
    for mid in mids:
        try:
            before = store.set_state(mid, state, reason=reason, who=by, now=domain.now_ms())
        except NotFound:
            click.echo(f"marathon {mid}: not found", err=True)
            failed = True
            continue
        click.echo(f"marathon {mid}: {before or 'none'} -> {state}")
    if failed:
        raise SystemExit(1)


@click.command("policy", help="Set how an edition's new marathons start: review (pending "
                              "until verified), code (verified with the registration code) "
                              "or open (every marathon counts).")
@click.argument("edition_id")
@click.argument("registration", type=click.Choice(trust.POLICIES))
@click.option("--code", default=None,
              help=f"The registration code (for 'code'), at least "
                   f"{trust.REGISTRATION_CODE_MIN} characters.")
@click.option("--generate-code", is_flag=True,
              help="Make a registration code and print it (once: only its hash is kept).")
def edition_policy(edition_id: str, registration: str, code: str | None,
                   generate_code: bool) -> None:
    from ..store import NotFound

    store = _store()
    try:
        store.edition(edition_id)
    except NotFound as exc:
        raise click.ClickException(f"no edition {edition_id}") from exc
    if generate_code:
        code = trust.new_registration_code()
    elif code:
        try:
            code = trust.registration_code(code)
        except domain.Invalid as exc:
            raise click.ClickException(
                f"--code: at least {trust.REGISTRATION_CODE_MIN} characters") from exc
    if registration == "code" and not (code or store.edition_policy(edition_id)["has_code"]):
        raise click.ClickException("policy 'code' needs --code or --generate-code")
    store.set_edition_policy(edition_id, registration, code)
    click.echo(f"edition {edition_id}: registration {registration}"
               + (" (code set)" if code else ""))
    if generate_code:
        click.echo(f"registration code: {code} (shown once; send it to the edition's groups)")
