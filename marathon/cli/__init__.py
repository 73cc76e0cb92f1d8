"""The `marathon` command: serve, reconcile, editions (and more as issues land)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .. import ROOT
from . import moderation


def _app():
    """The app for a command that does not serve: no broadcaster, and threading mode.

    Only `serve` needs eventlet or gevent, and it runs `wsgi.py` in a fresh interpreter;
    the other commands never import them, so they print none of eventlet's notices.
    """
    from .. import create_app

    return create_app({"LIVE_BROADCAST": False, "RETENTION_JOB": False,
                       "ASYNC_MODE": "threading"})


@click.group(help="Letter Marathon: live tracker for Write for Rights letter marathons.")
def main() -> None:
    pass


@main.command(help="Run the server: ASYNC_MODE=eventlet (the default), gevent or threading. "
                   "Without REDIS_URL it starts its own supervised redis-server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    # A fresh interpreter, so that eventlet or gevent can monkey-patch before anything
    # is imported.
    wsgi = str(ROOT / "wsgi.py")
    os.execv(sys.executable, [sys.executable, wsgi, "--host", host, "--port", str(port)])


@main.command(help="Rebuild a marathon's counters from its action log and report (and "
                   "repair) any difference; with --edition, every marathon of the edition "
                   "and then the edition's indexes (totals, rankings, compare table) from "
                   "their counters and states.")
@click.argument("marathon_id", required=False)
@click.option("--edition", "edition_id", default=None, help="Reconcile a whole edition.")
@click.option("--check-only", is_flag=True, help="Report differences without repairing.")
def reconcile(marathon_id: str | None, edition_id: str | None, check_only: bool) -> None:
    if bool(marathon_id) == bool(edition_id):
        raise click.UsageError("give a MARATHON_ID or --edition EDITION_ID")
    store = _app().extensions["store"]
    if edition_id:
        out = store.reconcile_edition(edition_id, repair=not check_only)
        results = out["marathons"]
    else:
        results = [store.reconcile(marathon_id, repair=not check_only)]
    found = False
    for result in results:
        diff = result["differences"]
        found = found or bool(diff)
        click.echo(f"marathon {result['marathon']}: {result['entries']} entries, "
                   f"{len(diff)} difference(s)" + (", repaired" if result["repaired"] else ""))
        for d in diff:
            click.echo(f"  {d['key']}[{d['field']}]: stored {d['stored']}, "
                       f"log says {d['rebuilt']}")
    if edition_id and not check_only:
        click.echo(f"edition {edition_id}: indexes rebuilt ({out['verified']} verified, "
                   f"{out['pending']} pending, {out['rejected']} rejected)")
    sys.exit(1 if found and check_only else 0)


main.add_command(moderation.verify)
main.add_command(moderation.reject)


@main.command(help="Erase the nicknames of editions that ended more than "
                   "NICKNAME_RETENTION_DAYS ago (a dry run unless --apply); counts stay.")
@click.option("--apply", is_flag=True, help="Erase (without it, only report).")
@click.option("--days", type=float, default=None,
              help="Retention in days (default: NICKNAME_RETENTION_DAYS).")
def purge(apply: bool, days: float | None) -> None:
    from ..domain import now_ms
    from ..jobs import erase_due

    app = _app()
    retention = app.config["NICKNAME_RETENTION_DAYS"] if days is None else days
    lines = erase_due(app.extensions["store"], retention, now_ms(), apply=apply)
    verb = "erased" if apply else "would erase"
    for line in lines:
        click.echo(f"edition {line['edition']}: {verb} {line['nicknames']} nicknames in "
                   f"{line['marathons']} marathons")
    if not lines:
        click.echo(f"no edition ended more than {retention:g} days ago")
    elif not apply:
        click.echo("dry run: nothing was changed; run again with --apply to erase")


@main.group(help="Manage campaign editions.")
def edition() -> None:
    pass


@edition.command("import", help="Load an edition from a JSON file (replaces one with the "
                                "same id).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--current", is_flag=True, help="Make it the edition shown first.")
def edition_import(file: Path, current: bool) -> None:
    from ..domain import Invalid
    from ..domain.payload import parse_json

    app = _app()
    try:
        raw = parse_json(file.read_bytes(), file.name)
        ed = app.extensions["store"].import_edition(raw, current=current)
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    click.echo(f"edition {ed['id']} imported with {len(ed['cases'])} cases")


edition.add_command(moderation.edition_policy)


@edition.command("export", help="Print an edition as JSON.")
@click.argument("edition_id")
def edition_export(edition_id: str) -> None:
    app = _app()
    ed = dict(app.extensions["store"].edition(edition_id))
    ed.pop("case_ids", None)
    click.echo(json.dumps(ed, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- simulate, demo


def _run_simulation(sim, quiet: bool) -> dict:
    """Run a simulation with a progress bar; Ctrl-C stops it and still prints the summary."""
    try:
        if quiet:
            return sim.run()
        total = int(sim.duration * 10)
        done = 0

        def status(_: object) -> str:
            return f"{sim.tally.acknowledged} acknowledged, {sim.tally.errors} errors"

        with click.progressbar(length=total, label="simulating", item_show_func=status,
                               file=sys.stderr) as bar:

            def progress(elapsed: float) -> None:
                nonlocal done
                step = min(total, int(elapsed * 10)) - done
                if step > 0:
                    bar.update(step, current_item=True)
                    done += step

            return sim.run(progress)
    except KeyboardInterrupt:
        sim.stop.set()
        return sim.summary()


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary["error_kinds"].items()))
    click.echo(
        f"\nsent {summary['sent']}, acknowledged {summary['acknowledged']} "
        f"({summary['counted']} counted, {summary['replayed']} replays), "
        f"retried {summary['retried']}, errors {summary['errors']}"
        + (f" ({kinds})" if kinds else "")
        + f"\nlatency p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms; "
        f"{summary['rate']} acknowledged/s from {summary['phones']} phones; "
        f"server total now {summary['server_total']}")


def _simulation(url: str, marathon_id: str, phones: int, rate: float, duration: float,
                speed: float | None, seed: int | None, stacks: bool = True,
                code: str | None = None, host_token: str | None = None):
    from .simulate import Simulation, SimulationError

    sim = Simulation(url, marathon_id, phones=phones, rate=rate, duration=duration,
                     speed=speed, seed=seed, stacks=stacks, code=code, host_token=host_token)
    try:
        sim.load_marathon()
        click.echo(f"joining {phones} phones…", err=True)
        sim.join_phones()
    except SimulationError as exc:
        raise click.ClickException(str(exc)) from exc
    return sim


def _simulation_options(phones: int, rate: float, duration: float):
    """Decorate a command with the options `simulate` and `demo` share."""
    options = [
        click.option("--url", default="http://127.0.0.1:5000", show_default=True,
                     help="The running server."),
        click.option("--phones", default=phones, show_default=True,
                     help="Simulated phones."),
        click.option("--rate", default=rate, show_default=True,
                     help="Actions per second, all phones together (bursts around it)."),
        click.option("--duration", default=duration, show_default=True,
                     help="Seconds to run."),
        click.option("--seed", type=int, default=None, help="Make the run repeatable."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
    ]

    def wrap(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return wrap


@main.command(help="Drive a live marathon through the HTTP API with simulated phones: "
                   "join, then log actions at a given total rate with realistic bursts.")
@click.argument("marathon_id")
@_simulation_options(phones=20, rate=5.0, duration=60.0)
@click.option("--speed", type=float, default=None,
              help="Run the phones' clock this many times faster than real time from the "
                   "marathon's start (written_at in the past, inside the window); "
                   "e.g. 288 plays 24 hours in 5 minutes.")
@click.option("--no-stacks", is_flag=True, help="Every action counts 1 (no paper stacks).")
@click.option("--code", default=None, help="The join code (shown on the screen; the public "
                                           "API does not give it).")
@click.option("--host-token", default=None, help="The host token: gives the join code, and "
                                                 "with --speed dates the joins from the start.")
def simulate(marathon_id: str, url: str, phones: int, rate: float, duration: float,
             seed: int | None, quiet: bool, as_json: bool, speed: float | None,
             no_stacks: bool, code: str | None, host_token: str | None) -> None:
    sim = _simulation(url, marathon_id, phones, rate, duration, speed, seed, not no_stacks,
                      code, host_token)
    summary = _run_simulation(sim, quiet or as_json)
    _print_summary(summary, as_json)


@main.command(help="Register a demo marathon on a running server, print its screen, "
                   "phone and host links, and play 24 hours of it in a few minutes.")
@_simulation_options(phones=30, rate=3.0, duration=300.0)
@click.option("--timezone", default="UTC", show_default=True,
              help="The demo marathon's time zone (IANA name).")
def demo(url: str, phones: int, rate: float, duration: float, seed: int | None,
         quiet: bool, as_json: bool, timezone: str) -> None:
    import requests

    from .simulate import SimulationError, day_speed, register_demo

    base = url.rstrip("/")
    try:
        reg = register_demo(base, duration=duration, rate=rate, timezone=timezone)
    except (requests.RequestException, SimulationError) as exc:
        raise click.ClickException(
            f"could not register a demo marathon at {base} ({exc}). Is the server "
            f"running? Start it with `make run` in another terminal.") from exc
    links = reg["urls"]
    click.echo(f"Demo marathon {reg['id']} (join code {reg['join_code']})\n"
               f"  screen (projector): {base}{links['screen']}\n"
               f"  phone (join):       {base}{links['join']}\n"
               f"  host console:       {base}{links['host']}\n"
               f"Open the screen in a browser; {phones} phones start writing now, "
               f"24 hours pass in {duration:g} s.")
    _verify_demo(reg["id"])
    sim = _simulation(base, reg["id"], phones, rate, duration, day_speed(duration), seed,
                      code=reg["join_code"], host_token=reg["host_token"])
    summary = _run_simulation(sim, quiet or as_json)
    _print_summary(summary, as_json)


def _verify_demo(mid: str) -> None:
    """Verify the demo marathon, as its national office would, so the edition screen and
    the compare table come alive too. This needs the server's Redis (the embedded one of
    `make run`, or REDIS_URL); against another server, the marathon stays pending."""
    from ..store import StoreError

    try:
        _app().extensions["store"].set_state(mid, "verified", reason="", who="demo",
                                             now=_now_ms())
    except StoreError as exc:
        click.echo(f"(the demo marathon stays pending: {exc}; verify it on /coordinate)",
                   err=True)
    else:
        click.echo("  verified, so it also counts on the edition screen.")


def _now_ms() -> int:
    from ..domain import now_ms

    return now_ms()


@main.group(help="Manage coordinator accounts.")
def coordinator() -> None:
    pass


@coordinator.command("add", help="Create a coordinator account (or set a new password "
                                 "and role for an existing one). The password is prompted.")
@click.argument("email")
@click.option("--admin", is_flag=True, help="An admin also manages editions and accounts.")
@click.password_option("--password", prompt="Password", confirmation_prompt=True,
                       help="Prompted when not given (hidden, asked twice).")
def coordinator_add(email: str, admin: bool, password: str) -> None:
    from ..domain import Invalid

    app = _app()
    try:
        account = app.extensions["store"].add_account(email, password,
                                                      "admin" if admin else "coordinator")
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    click.echo(f"{account.role} {account.email} saved")


@main.command(help="Export an edition's numbers as CSV or JSON (what the coordinator "
                   "dashboard downloads).")
@click.argument("edition_id")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--sep", type=click.Choice([",", ";"]), default=",", show_default=True,
              help="CSV separator; with ';' the decimal mark is a comma.")
@click.option("--kind", type=click.Choice(["marathons", "cases", "hours"]),
              default="marathons", show_default=True,
              help="One record per marathon, per marathon and case, or per marathon and hour.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def export(edition_id: str, fmt: str, sep: str, kind: str, out: Path | None) -> None:
    from ..domain import now_ms
    from ..web import exports

    app = _app()
    store = app.extensions["store"]
    edition = store.edition(edition_id)
    count = len(store.compare_index(edition_id).rows)
    now = now_ms()
    case_ids = [c["id"] for c in edition.get("cases", [])]
    sink = open(out, "w", encoding="utf-8", newline="") if out else None  # noqa: SIM115
    write = sink.write if sink else click.get_text_stream("stdout").write
    try:
        with click.progressbar(length=count, label=f"{edition_id}: {kind}",
                               file=sys.stderr) as bar:
            items = exports.records(kind, store, edition, now,
                                    on_marathon=lambda: bar.update(1))
            if fmt == "json":
                doc = exports.json_document(kind, edition, items, now)
                write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
            else:
                for chunk in exports.csv_chunks(exports.fields(kind, case_ids), items, sep):
                    write(chunk)
    finally:
        if sink:
            sink.close()
    if out:
        click.echo(f"wrote {out}", err=True)

