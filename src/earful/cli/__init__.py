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


def _register_commands() -> None:
    """Import every public module of this package: importing one registers its commands on `app`."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_commands()


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
