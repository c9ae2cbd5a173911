"""Shared CLI pieces: the --db option, consoles, one-line errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", envvar="EARFUL_DB", help="DuckDB store file (default ./earful.duckdb).", show_default=False),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Output: table, csv or json.")]


def progress_bar(label: str, *, count: bool = True, on: Console | None = None):
    """A rich progress bar with elapsed time and time left (``label`` may carry ``{task.description}``;
    ``count``: also "done/total"; ``on``: another console); drawn only at a terminal, so scripts and
    logs stay clean."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    columns = [TextColumn(f"[bold]{label}"), BarColumn(), *([MofNCompleteColumn()] if count else []),
               TimeElapsedColumn(), TimeRemainingColumn()]
    on = on or console
    return Progress(*columns, console=on, transient=not on.is_terminal, disable=not on.is_terminal)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def ask_new_password(name: str) -> str:
    """Ask for a new password twice, at a terminal only (scripts give --password or EARFUL_PASSWORD)."""
    import getpass
    import sys

    from earful.errors import EarfulError

    if not sys.stdin.isatty():
        raise EarfulError("give the password with --password or the EARFUL_PASSWORD variable")
    password = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != password:
        raise EarfulError("the two passwords differ")
    return password


def parse_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option as a date (None stays None); anything else is a one-line error naming it."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2025-08-01, not {value!r}") from None


@contextmanager
def open_store(db: Path | None, *, read_only: bool = False) -> Iterator:
    """An existing store for one command (read-only for a command that only reads; never a new empty
    one): closed afterwards, and any user mistake inside (``EarfulError``) ends the command as one red
    line and exit code 2."""
    from earful.errors import EarfulError
    from earful.store import connect

    try:
        con = connect(db, read_only=read_only, create=False)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    try:
        yield con
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
