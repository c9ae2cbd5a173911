"""`earful export --parquet DIR`: the store as a Parquet lake that Spark, Daft and DuckDB read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from earful.cli import app
from earful.cli._common import DbOption, console
from earful.store import connect


@app.command()
def export(
    parquet: Annotated[Path, typer.Option("--parquet", help="The lake folder (created if new; only what is new is added).")],
    full: Annotated[bool, typer.Option("--full", help="Rewrite the lake from scratch instead of adding what is new.")] = False,
    db: DbOption = None,
) -> None:
    """Write interactions, turns, enrichment, surveys, QA and insights as Parquet by day and channel, with a manifest."""
    from earful.scale.lake import export_lake

    con = connect(db, read_only=True)
    try:
        r = export_lake(con, parquet, full=full)
    finally:
        con.close()
    rows = ", ".join(f"{n:,} {t}" for t, n in r.rows.items() if n)
    console.print(f"export {r.export} to {parquet}: {rows or 'nothing new'}", highlight=False)
