"""`earful ingest DIR --format audio` (recordings) and `earful speech` (speech analytics by group)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, err_console, fail
from earful.store import connect


def ingest_audio(path: Path, *, metadata: Path | None, mapping: Path | None, source: str | None,
                 model: str | None, workers: int | None, agent_channel: int, language: str,
                 as_json: bool, allow_bad: bool, db: Path | None) -> None:
    """The audio branch of `earful ingest`: hear every recording, one transaction each."""
    from earful.voice.ingest import VoiceSettings, ingest_recordings

    settings = VoiceSettings(model=model, language=language, agent_channel=agent_channel)
    con = connect(db)
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                      TextColumn("left"), TimeRemainingColumn(), console=err_console, transient=True,
                      disable=not err_console.is_terminal) as bar:
            task = bar.add_task(f"hearing {path.name}", total=None)

            def report(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=f"heard {name}" if name else "hearing")
                if name and not err_console.is_terminal:  # a log line per recording when no bar is drawn
                    err_console.print(f"heard {name} ({done / max(total, 1):.0%} of the bytes)", highlight=False)

            result = ingest_recordings(con, path, metadata=metadata, mapping=mapping, source=source,
                                       settings=settings, workers=workers, progress=report)
    finally:
        con.close()
    if as_json:
        console.print_json(json.dumps(result.as_dict(), default=str))
    else:
        table = Table(title=f"{path.name} (audio)", show_header=False, box=None)
        table.add_row("recordings", f"{result.files:,}")
        table.add_row("loaded", f"[green]{result.loaded:,}[/]")
        table.add_row("quarantined", f"[{'red' if result.quarantined else 'green'}]{result.quarantined:,}[/]")
        table.add_row("skipped (already present)", f"{result.skipped:,}")
        if result.audio_s:
            table.add_row("audio heard", f"{result.audio_s / 60:,.1f} min in {result.cpu_s:,.0f} CPU s "
                                         f"({result.cpu_s / result.audio_s:.3f} CPU s per s)")
        for note in result.notes:
            table.add_row("note", note)
        console.print(table)
        if result.quarantined:
            console.print("see the refused recordings: [bold]earful quarantine[/]")
    if result.quarantined and not allow_bad:
        raise typer.Exit(1)


_PCT = {"talk_ratio", "silence_share", "dead_air_share", "overtalk_share"}


@app.command("speech")
def speech_cmd(
    by: str = typer.Option("agent", "--by", help="Comma-separated keys: day, week, month, queue, agent, reason …"),
    format: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """Speech analytics of recorded calls per group: talk ratio, silence and dead air, over-talk, hold, speaking rate.

    Definitions: docs/voice.md. Example: earful speech --by queue,agent
    """
    from earful.errors import EarfulError
    from earful.voice.metrics import speech_table

    if format not in ("table", "csv", "json"):
        raise fail(f"--format must be table, csv or json, not {format!r}")
    try:
        con = connect(db, read_only=True)
        try:
            rows = speech_table(con, by)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if format == "json":
        sys.stdout.write(json.dumps(rows, default=str, indent=1) + "\n")
        return
    if format == "csv":
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["calls"])
        w.writeheader()
        w.writerows(rows)
        return
    table = Table(header_style="bold", pad_edge=False)
    names = list(rows[0]) if rows else []
    for n in names:
        table.add_column(n.replace("_", " "), justify="right" if n not in ("queue", "agent", "reason", "channel") else "left")
    for r in rows:
        table.add_row(*("–" if v is None else f"{v:.1%}" if k in _PCT else f"{v:,}" if isinstance(v, (int, float)) else str(v)
                        for k, v in r.items()))
    (console if console.is_terminal else Console(width=200)).print(table)
    if not rows:
        console.print("no recorded calls")
