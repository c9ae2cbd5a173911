"""`earful ingest`: load a file into the store, with a progress bar and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, err_console, fail
from earful.ingest import FORMATS, ingest_file
from earful.ingest.infer import infer_mapping
from earful.store import connect

_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
              ".parquet": "parquet", ".pq": "parquet"}


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="The file to load (or a folder of recordings).", show_default=False)],
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="One of: " + ", ".join(FORMATS) + ", audio")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", "-m", help="Mapping YAML (csv, jsonl, parquet).")] = None,
    infer: Annotated[bool, typer.Option("--infer", help="Print a starting mapping for this file and exit.")] = False,
    source: Annotated[Optional[str], typer.Option(help="Name of the source system (natural key part).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="utf-8, latin-1 or utf-16 (default: detect).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(help="CSV delimiter (default: detect).")] = None,
    allow_bad: Annotated[bool, typer.Option("--allow-bad", help="Exit 0 even when rows were quarantined.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print each step on stderr.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    metadata: Annotated[Optional[Path], typer.Option("--metadata", help="audio: CSV linking each recording (column `file`) to its call's fields.")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="audio: recordings heard in parallel (default one per core).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="audio: speech model, tiny.en, base or a model folder.")] = None,
    agent_channel: Annotated[int, typer.Option("--agent-channel", min=0, max=1, help="audio: the stereo channel with the agent (0 = left).")] = 0,
    language: Annotated[str, typer.Option("--language", help="audio: the language the calls are in.")] = "en",
    db: DbOption = None,
) -> None:
    """Load FILE into the store: bad rows are quarantined with reasons, re-imports change nothing.

    Exit code 0 when everything loaded, 1 when rows were quarantined (unless --allow-bad),
    2 for a file or mapping that cannot be used.
    """
    fmt = format or _BY_SUFFIX.get(file.suffix.lower()) or ("audio" if file.is_dir() or _is_audio(file) else None)
    if fmt == "audio":
        from earful.cli.voice import ingest_audio

        return ingest_audio(file, metadata=metadata, mapping=mapping, source=source, model=model, workers=workers,
                            agent_channel=agent_channel, language=language, as_json=as_json, allow_bad=allow_bad, db=db)
    if infer:
        if not file.exists():
            raise fail(f"file {file} not found")
        sys.stdout.write(infer_mapping(file, fmt if fmt in ("csv", "jsonl", "parquet") else "csv"))
        return
    if fmt is None:
        raise fail(f"cannot tell the format of {file.name}: pass --format (one of {', '.join(FORMATS)})")
    con = connect(db)
    try:
        if verbose or not console.is_terminal:
            def report(frac: float, msg: str) -> None:
                if verbose:
                    err_console.print(f"{msg} ({frac:.0%})", highlight=False)
            result = ingest_file(con, file, fmt, mapping, source=source, encoding=encoding,
                                 delimiter=delimiter, progress=report)
        else:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                          TimeElapsedColumn(), console=err_console, transient=True) as bar:
                task = bar.add_task(f"ingesting {file.name}", total=1.0)
                result = ingest_file(con, file, fmt, mapping, source=source, encoding=encoding, delimiter=delimiter,
                                     progress=lambda frac, msg: bar.update(task, completed=frac,
                                                                           description=f"{file.name}: {msg}"))
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
    else:
        table = Table(title=f"{file.name} ({fmt})", show_header=False, box=None)
        table.add_row("import", str(result.import_id))
        table.add_row("loaded", f"[green]{result.loaded:,}[/]")
        if result.turns:
            table.add_row("turns", f"{result.turns:,}")
        table.add_row("quarantined", f"[{'red' if result.quarantined else 'green'}]{result.quarantined:,}[/]")
        table.add_row("skipped (already present)", f"{result.skipped:,}")
        for note in result.notes:
            table.add_row("note", note)
        console.print(table)
        if result.quarantined:
            console.print(f"see the refused rows: [bold]earful quarantine --import {result.import_id}[/]")
    if result.quarantined and not allow_bad:
        raise typer.Exit(1)
