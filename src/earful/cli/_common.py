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


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def parse_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option as a date (None stays None); anything else is a one-line error naming it."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2025-08-01, not {value!r}") from None


@contextmanager
def open_store(db: Path | None) -> Iterator:
    """The store for one command: closed afterwards, and any user mistake inside (``EarfulError``) ends the
    command as one red line and exit code 2."""
    from earful.errors import EarfulError
    from earful.store import connect

    try:
        con = connect(db)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    try:
        yield con
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
