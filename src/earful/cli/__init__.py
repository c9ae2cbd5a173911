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

# How `earful --help` groups the commands: the order a new user meets them.
_PANELS = {
    "Load": ("init", "ingest", "status", "quarantine", "limits", "simulate", "export"),
    "Measure and staff": ("metrics", "service", "staff", "speech"),
    "Plan": ("forecast", "schedule"),
    "Understand the words": ("enrich", "reasons", "topics"),
    "Quality and the customer's view": ("qa", "surveys", "agents", "competitors"),
    "Act on it": ("insights", "report", "route", "ledger", "sla", "audit"),
    "Assess": ("assess",),
    "Serve": ("serve", "users", "token"),
}


def _arrange_help() -> None:
    """Put each command and group under its panel, in the panels' order (unknown ones last)."""
    order = {name: i for i, name in enumerate(n for names in _PANELS.values() for n in names)}
    panel = {name: title for title, names in _PANELS.items() for name in names}

    def name_of(info) -> str:
        return info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")

    for info in [*app.registered_commands, *app.registered_groups]:
        info.rich_help_panel = panel.get(name_of(info), "Other")
    app.registered_commands.sort(key=lambda c: order.get(name_of(c), len(order)))
    app.registered_groups.sort(key=lambda g: order.get(name_of(g), len(order)))


_arrange_help()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command (in the server, when one holds its store), turning user
    errors into one line and exit code 2."""
    from earful.cli._common import err_console
    from earful.cli._control import forward, run_here

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = forward(argv)
        sys.exit(run_here(argv) if code is None else code)
    except EarfulError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]: nothing from the unfinished step was kept")
        sys.exit(130)
