"""`earful init`, `earful status`, `earful quarantine`."""

from __future__ import annotations

import typer

from earful.cli import app
from earful.cli._common import DbOption, console
from earful.store import connect, resolve_path, schema_version


@app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or bring an existing one's schema up to date)."""
    con = connect(db)
    console.print(f"earful store ready at [bold]{resolve_path(db)}[/] (schema version {schema_version(con)})")
    con.close()
