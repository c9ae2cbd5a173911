"""The `earful` command line: thin wrappers over the core packages.

Each command group lives in its own module here and registers itself on ``app``.
User mistakes (``EarfulError``) end as one red line and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from earful.errors import EarfulError

app = typer.Typer(
    name="earful",
    help="earful: contact-centre metrics, staffing maths and evidenced insight over one DuckDB file.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _root() -> None:
    """earful: contact-centre metrics, staffing maths and evidenced insight over one DuckDB file."""


# Command modules: importing one registers its commands on `app`.
from earful.cli import store as _store  # noqa: E402,F401
from earful.cli import ingest as _ingest  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2."""
    from earful.cli._common import err_console

    try:
        app(args=argv, standalone_mode=True)
    except EarfulError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]: nothing from the unfinished step was kept")
        sys.exit(130)
