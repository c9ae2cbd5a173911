"""`earful ingest`: load a file into the store, with a progress bar and a summary; `earful limits`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, err_console, fail
from earful.ingest import FORMATS, ImportResult, ingest_file
from earful.ingest.infer import infer_mapping
from earful.ingest.load import save_limits, store_limits
from earful.ingest.retry import last_import_with_quarantine, retry_quarantine
from earful.store import connect, transaction

_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
              ".parquet": "parquet", ".pq": "parquet"}
INFER_FORMATS = ("csv", "jsonl", "json", "parquet")


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a")


@app.command()
def ingest(
    file: Annotated[Optional[Path], typer.Argument(help="The file to load (or a folder of recordings, or an earful lake folder).", show_default=False)] = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="One of: " + ", ".join(FORMATS) + ", audio")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", "-m", help="Mapping YAML (csv, jsonl, json, parquet).")] = None,
    infer: Annotated[bool, typer.Option("--infer", help="Print a starting mapping for this file and exit.")] = False,
    source: Annotated[Optional[str], typer.Option(help="Name of the source system (natural key part).")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="utf-8, latin-1 or utf-16 (default: detect).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(help="CSV delimiter (default: detect).")] = None,
    update: Annotated[bool, typer.Option("--update", help="Replace stored records whose content changed.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, show the first rows, write nothing.")] = False,
    keep_identifiers: Annotated[bool, typer.Option(
        "--keep-identifiers", help="Store phone numbers and e-mail addresses as they are, not as keyed hashes.")] = False,
    retry: Annotated[bool, typer.Option(
        "--retry-quarantine", help="Run the quarantined rows of an import (--import, or FILE's last) through the mapping again.")] = False,
    import_id: Annotated[Optional[int], typer.Option("--import", help="With --retry-quarantine: the import to retry.")] = None,
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
    if file is not None and format is None and _is_lake(file):
        return _ingest_lake(file, as_json, db)
    fmt = format or (_BY_SUFFIX.get(file.suffix.lower()) or ("audio" if file.is_dir() or _is_audio(file) else None)
                     if file else None)
    if fmt == "audio":
        if file is None:
            raise fail("which recordings? `earful ingest DIR --format audio`")
        from earful.cli.voice import ingest_audio

        return ingest_audio(file, metadata=metadata, mapping=mapping, source=source, model=model, workers=workers,
                            agent_channel=agent_channel, language=language, as_json=as_json, allow_bad=allow_bad, db=db)
    if infer:
        if file is None or not file.exists():
            raise fail(f"file {file} not found" if file else "--infer needs a FILE")
        sys.stdout.write(infer_mapping(file, fmt if fmt in INFER_FORMATS else "csv"))
        return
    if retry:
        result = _with_progress(db, file, verbose, lambda con, report: retry_quarantine(
            con, _retry_target(con, import_id, file), mapping, progress=report, update=update, dry_run=dry_run))
        _report(result, as_json, allow_bad, "quarantine retried")
        return
    if file is None:
        raise fail("which file? `earful ingest FILE --format FORMAT [--mapping M]`")
    if fmt is None:
        raise fail(f"cannot tell the format of {file.name}: pass --format (one of {', '.join(FORMATS)})")
    result = _with_progress(db, file, verbose, lambda con, report: ingest_file(
        con, file, fmt, mapping, source=source, encoding=encoding, delimiter=delimiter, progress=report,
        update=update, dry_run=dry_run, keep_identifiers=keep_identifiers))
    _report(result, as_json, allow_bad, f"{file.name} ({fmt})")


def _is_lake(path: Path) -> bool:
    from earful.scale.lake import is_lake

    return is_lake(path)


def _ingest_lake(lake: Path, as_json: bool, db) -> None:
    """Load an earful lake (`earful export --parquet`): the rows the store does not hold yet."""
    from earful.scale.lake import ingest_lake

    con = connect(db)
    try:
        added = ingest_lake(con, lake)
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(added))
    else:
        console.print(f"{lake} (earful lake): " + ", ".join(f"{n:,} {t}" for t, n in added.items()), highlight=False)


def _retry_target(con, import_id: int | None, file: Path | None) -> int:
    if import_id is not None:
        return import_id
    found = last_import_with_quarantine(con, file)
    if found is None:
        raise fail("nothing in quarantine to retry" + (f" for {file}" if file else ""))
    return found


def _with_progress(db, file: Path | None, verbose: bool, run) -> ImportResult:
    con = connect(db)
    name = file.name if file else "quarantine"
    try:
        if verbose or not console.is_terminal:
            def report(frac: float, msg: str) -> None:
                if verbose:
                    err_console.print(f"{msg} ({frac:.0%})", highlight=False)
            return run(con, report)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=err_console,
                      transient=True) as bar:
            task = bar.add_task(f"ingesting {name}", total=1.0)
            return run(con, lambda frac, msg: bar.update(task, completed=frac, description=f"{name}: {msg}"))
    finally:
        con.close()


def _report(result: ImportResult, as_json: bool, allow_bad: bool, title: str) -> None:
    if as_json:
        console.print_json(json.dumps(result.as_dict(), default=str))
    else:
        table = Table(title=title + (" — dry run, nothing written" if result.dry_run else ""), show_header=False, box=None)
        table.add_row("import", str(result.import_id))
        table.add_row("loaded" if not result.dry_run else "would load", f"[green]{result.loaded:,}[/]")
        if result.turns:
            table.add_row("turns", f"{result.turns:,}")
        table.add_row("quarantined", f"[{'red' if result.quarantined else 'green'}]{result.quarantined:,}[/]")
        table.add_row("skipped (already present)", f"{result.skipped:,}")
        if result.changed:
            table.add_row("changed under a known id", f"[yellow]{result.changed:,}[/]"
                          + (f" ({result.updated:,} replaced)" if result.updated else " (not applied: --update)"))
        for note in result.notes:
            table.add_row("note", note)
        for warning in result.warnings:
            table.add_row("[yellow]warning[/]", warning)
        console.print(table)
        for ex in result.changed_examples:
            diffs = "; ".join(f"{k}: {old!r} → {new!r}" for k, (old, new) in list(ex["fields"].items())[:4])
            console.print(f"  changed [bold]{ex['id']}[/]: {diffs}", highlight=False)
        if result.quarantine_summary:
            print_summary(result.quarantine_summary)
        if result.preview:
            print_preview(result.preview)
        if result.quarantined and not result.dry_run:
            console.print(f"see the refused rows: [bold]earful quarantine --import {result.import_id} --rows[/]; "
                          f"after fixing the mapping: [bold]earful ingest --retry-quarantine --import {result.import_id} "
                          "--mapping FIXED.yaml[/]")
    if result.quarantined and not allow_bad and not result.dry_run:
        raise typer.Exit(1)


def print_summary(summary: list[dict]) -> None:
    """Refused rows counted by field and reason, with an example each."""
    table = Table("rows", "field", "reason (first example)", "example row", title="quarantine by reason",
                  title_justify="left")
    for s in summary:
        table.add_row(f"{s['count']:,}", s["field"], s["example_reason"], f"{s['example_row']}")
    console.print(table)


def print_preview(rows: list[dict], limit: int = 10) -> None:
    shown = [r for r in rows[:limit]]
    table = Table("row", "id", "channel", "queue", "agent", "offered_at", "wait_s", "talk_s", "problems",
                  title=f"first {len(shown)} rows as mapped", title_justify="left")
    for r in shown:
        if r.get("refused"):
            table.add_row(str(r["position"]), "", "", "", "", "", "", "", "[red]" + "; ".join(r.get("problems") or []) + "[/]")
        else:
            table.add_row(str(r["position"]), str(r.get("id")), str(r.get("channel")), str(r.get("queue") or ""),
                          str(r.get("agent_id") or ""), str(r.get("offered_at") or ""), str(r.get("wait_s") or ""),
                          str(r.get("talk_s") or ""), "")
    console.print(table)


@app.command()
def limits(
    set_: Annotated[Optional[Path], typer.Option("--set", help="YAML file of limits to keep in the store.")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the built-in limits.")] = False,
    db: DbOption = None,
) -> None:
    """Show (or set) the plausibility limits imports check: durations, dates and UTC offsets.

    A mapping's own `limits:` section overrides these for its files (docs/formats.md).
    """
    con = connect(db, read_only=set_ is None and not reset)  # showing them is a reader
    try:
        if set_ is not None or reset:
            data = None
            if set_ is not None:
                try:
                    data = yaml.safe_load(set_.read_text(encoding="utf-8"))
                except (OSError, yaml.YAMLError) as exc:
                    raise fail(f"cannot read {set_}: {str(exc).splitlines()[0]}") from None
            with transaction(con):
                current = save_limits(con, data)
        else:
            current = store_limits(con)
    finally:
        con.close()
    console.print_json(json.dumps({"duration_max_s": current.duration_max_s, "date_from": current.date_from.isoformat(),
                                   "date_to": current.date_to_or_default().isoformat()
                                   + ("" if current.date_to else " (a year from today)"),
                                   "offset_max_h": current.offset_max_h, "action": current.action}))
