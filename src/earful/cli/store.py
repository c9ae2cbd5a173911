"""`earful init`, `earful status`, `earful quarantine`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, err_console, fail
from earful.store import connect, resolve_path, schema_version
from earful.store.status import quarantine_rows, status_counts


@app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or bring an existing one's schema up to date)."""
    con = connect(db)
    console.print(f"earful store ready at [bold]{resolve_path(db)}[/] (schema version {schema_version(con)})")
    con.close()


@app.command()
def status(
    db: DbOption = None,
    days: Annotated[int, typer.Option(help="How many most recent days to list.")] = 14,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What is loaded: counts by source, channel and day, and the last imports."""
    con = connect(db, read_only=True)
    counts = status_counts(con, days=days)
    con.close()
    if as_json:
        console.print_json(json.dumps(counts, default=str))
        return
    console.print(f"[bold]{resolve_path(db)}[/]: {counts['interactions']:,} interactions, "
                  f"{counts['turns']:,} turns, {counts['quarantined']:,} quarantined rows")
    for title, key, cols in (("by source", "by_source", ("source", "interactions")),
                             ("by channel", "by_channel", ("channel", "interactions")),
                             (f"by day (last {days})", "by_day", ("day", "interactions")),
                             ("imports", "imports", ("import", "file", "format", "loaded", "quarantined",
                                                     "skipped", "finished"))):
        table = Table(title=title, title_justify="left")
        for c in cols:
            table.add_column(c, justify="right" if c in ("interactions", "loaded", "quarantined", "skipped") else "left")
        for row in counts[key]:
            table.add_row(*(f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v) for v in row))
        console.print(table)


@app.command()
def quarantine(
    db: DbOption = None,
    import_id: Annotated[Optional[int], typer.Option("--import", help="Only this import.")] = None,
    rows: Annotated[bool, typer.Option("--rows", help="List the refused rows one by one instead of the summary.")] = False,
    limit: Annotated[int, typer.Option(help="Rows to list with --rows (0 = all).")] = 50,
    export: Annotated[Optional[Path], typer.Option(help="Write the rows (or, with --summary, the summary) to a .csv or .jsonl file.")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="With --export: write the summary by reason, not the rows.")] = False,
) -> None:
    """What was refused: counts by field and reason with an example each (or the rows, or an export)."""
    from earful.cli.ingest import print_summary
    from earful.ingest.load import quarantine_summary

    con = connect(db, read_only=True)
    try:
        by_reason = quarantine_summary(con, import_id=import_id, limit=1000)
        listed = quarantine_rows(con, import_id=import_id, limit=0 if export else limit) if rows or (export and not summary) else []
    finally:
        con.close()
    if export:
        fields = tuple(by_reason[0]) if summary and by_reason else ("import_id", "row_number", "field", "reason", "raw")
        records = [tuple(s.values()) for s in by_reason] if summary else listed
        _write(export, fields, records)
        console.print(f"wrote {len(records):,} {'reasons' if summary else 'quarantined rows'} to {export}")
        return
    if not by_reason:
        console.print("nothing in quarantine")
        return
    if not rows:
        print_summary(by_reason)
        total = sum(s["count"] for s in by_reason)
        err_console.print(f"{total:,} rows in all; --rows lists them, --export FILE saves them", highlight=False)
        return
    table = Table("import_id", "row_number", "field", "reason", "raw (start)")
    for imp, row, field, reason, raw in listed:
        table.add_row(str(imp), str(row), field or "", reason, (raw or "")[:60])
    console.print(table)
    if limit and len(listed) == limit:
        err_console.print(f"(first {limit}; --limit 0 for all, --export FILE to save)")


def _write(path: Path, fields: tuple, records: list) -> None:
    if path.suffix.lower() == ".jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(dict(zip(fields, r)), ensure_ascii=False, default=str) + "\n")
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(fields)
            w.writerows(records)
    else:
        raise fail(f"cannot export to {path.name}: use a .csv or .jsonl file name")
