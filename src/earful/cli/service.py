"""`earful service`: the service definitions every figure is measured against (targets, thresholds,
business hours, abandon conventions, shrinkage)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail
from earful.errors import EarfulError

service_app = typer.Typer(help="Service definitions: what answered on time means per channel and queue, "
                               "business hours, abandon conventions, shrinkage.", no_args_is_help=True)
app.add_typer(service_app, name="service")


@service_app.command("show")
def show(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """The definitions in force: the store's, or the industry's usual ones when none was set."""
    from earful.metrics.definitions import DEFAULTS, definitions_table, stored_definitions
    from earful.store import connect

    try:
        con = connect(db, read_only=True)
        try:
            defs = stored_definitions(con)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(defs.as_dict()))
        return
    source = "built-in defaults (set your own with `earful service set FILE`)" if defs is DEFAULTS else "the store"
    table = Table(title=f"Service definitions ({source}); shrinkage {defs.shrinkage:.0%}", title_justify="left")
    for col in ("channel", "queue", "standard", "mode", "hours", "abandons", "concurrency"):
        table.add_column(col)
    for row in definitions_table(defs):
        table.add_row(row["channel"], row["queue"] or "", row["standard"], row["mode"], row["hours"],
                      row["abandons"], str(row["concurrency"]))
    console.print(table)
    for name, cal in defs.calendars.items():
        console.print(f"calendar [bold]{name}[/]: {cal.describe()}", highlight=False)
    if defs.targets:
        console.print("targets: " + ", ".join(f"{k} {v:g}" for k, v in defs.targets.items()), highlight=False)


@service_app.command("set")
def set_(path: Annotated[Path, typer.Argument(help="The YAML file (see `earful service export`).")],
         db: DbOption = None) -> None:
    """Check a definitions file and keep it in the store (nothing is kept when it has a mistake)."""
    from earful.metrics.definitions import definitions_table, save_definitions
    from earful.store import connect, transaction

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror})") from None
    try:
        con = connect(db)
        try:
            with transaction(con):
                defs = save_definitions(con, text)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc).replace("service definitions:", f"{path.name}:", 1)) from None
    console.print(f"kept {len(definitions_table(defs))} service definitions and {len(defs.calendars)} "
                  f"calendar(s) from {path}", highlight=False)


@service_app.command("check")
def check(path: Annotated[Path, typer.Argument(help="The YAML file.")]) -> None:
    """Check a definitions file without keeping it."""
    from earful.metrics.definitions import definitions_table, load_definitions

    try:
        defs = load_definitions(path)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    console.print(f"{path}: fine ({len(definitions_table(defs))} definitions, {len(defs.calendars)} calendars)",
                  highlight=False)


@service_app.command("export")
def export(db: DbOption = None,
           out: Annotated[Optional[Path], typer.Option("--out", help="Write to this file instead of printing.")] = None
           ) -> None:
    """The definitions in force as YAML, to edit and `earful service set` again."""
    from earful.metrics.definitions import stored_definitions
    from earful.store import connect

    try:
        con = connect(db, read_only=True)
        try:
            text = stored_definitions(con).to_yaml()
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
