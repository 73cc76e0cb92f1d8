"""The `marathon` command: serve, reconcile, editions (and more as issues land)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import ROOT


def _app():
    from . import create_app

    return create_app({"LIVE_BROADCAST": False})


@click.group(help="Letter Marathon: live tracker for Write for Rights letter marathons.")
def main() -> None:
    pass


@main.command(help="Run the server (eventlet by default; ASYNC_MODE=threading also works). "
                   "Without REDIS_URL it starts its own supervised redis-server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    # A fresh interpreter, so that eventlet can monkey-patch before anything is imported.
    wsgi = str(ROOT / "wsgi.py")
    os.execv(sys.executable, [sys.executable, wsgi, "--host", host, "--port", str(port)])


@main.command(help="Rebuild a marathon's counters from its action log and report (and "
                   "repair) any difference.")
@click.argument("marathon_id")
@click.option("--check-only", is_flag=True, help="Report differences without repairing.")
def reconcile(marathon_id: str, check_only: bool) -> None:
    app = _app()
    result = app.extensions["store"].reconcile(marathon_id, repair=not check_only)
    diff = result["differences"]
    click.echo(f"marathon {marathon_id}: {result['entries']} entries, "
               f"{len(diff)} difference(s)" + (", repaired" if result["repaired"] else ""))
    for d in diff:
        click.echo(f"  {d['key']}[{d['field']}]: stored {d['stored']}, "
                   f"log says {d['rebuilt']}")
    sys.exit(1 if diff and check_only else 0)


@main.group(help="Manage campaign editions.")
def edition() -> None:
    pass


@edition.command("import", help="Load an edition from a JSON file (replaces one with the "
                                "same id).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--current", is_flag=True, help="Make it the edition shown first.")
def edition_import(file: Path, current: bool) -> None:
    from .domain import Invalid
    from .editions import import_edition

    app = _app()
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        ed = import_edition(app.extensions["store"], raw, current=current)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file} is not valid JSON: {exc}") from exc
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {exc}") from exc
    click.echo(f"edition {ed['id']} imported with {len(ed['cases'])} cases")


@edition.command("export", help="Print an edition as JSON.")
@click.argument("edition_id")
def edition_export(edition_id: str) -> None:
    app = _app()
    ed = dict(app.extensions["store"].edition(edition_id))
    ed.pop("case_ids", None)
    click.echo(json.dumps(ed, ensure_ascii=False, indent=2))
