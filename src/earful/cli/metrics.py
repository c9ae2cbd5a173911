"""`earful metrics`: the KPI table for any grouping, as a table, CSV or JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail
from earful.errors import EarfulError
from earful.metrics import ABANDON_TREATMENTS, BY_KEYS, metrics_table
from earful.metrics._keys import seconds
from earful.metrics.definitions import resolve
from earful.metrics.gaps import conventions, unknown_reasons
from earful.metrics.periods import covered_range, partial
from earful.store import connect

_HEADERS = {"interval_start": "interval", "answered": "answ", "abandoned": "aband", "short_abandoned": "short",
            "ivr_hangups": "IVR", "service_level": "SL", "asa_s": "ASA s", "aht_s": "AHT s",
            "abandon_rate": "aband%", "transfer_rate": "xfer%", "fcr_rate": "FCR", "occupancy": "occ",
            "csat_avg": "CSAT", "nps": "NPS", "peak_hour": "peak h", "sl_target": "SL target"}
_RATES = {"service_level", "abandon_rate", "transfer_rate", "fcr_rate", "occupancy", "sl_target", "abandon_target"}
#: Raw parts kept in csv/json, left off the screen; figures always shown, even when unknown.
_HIDDEN = {"busy_s", "staffed_s", "sl_met", "sl_base", "waits_known", "handles_known", "abandon_target",
           "sl_threshold_s", "abandon_treatment"}
_ALWAYS = {"service_level", "asa_s", "aht_s", "abandon_rate"}


def _cell(name: str, value: object) -> str:
    if value is None:
        return "–"
    if name in _RATES:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and name not in ("hour", "weekday", "peak_hour"):
        return f"{value:,}"
    return str(value)


def _json_default(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@app.command("metrics")
def metrics_cmd(
    by: Annotated[str, typer.Option("--by", help="Comma-separated keys: " + ", ".join(BY_KEYS) + ".")] = "day,queue",
    start: Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD or YYYY-MM-DDTHH:MM).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last day, included (a time is exclusive).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    sl_threshold: Annotated[Optional[str], typer.Option(
        "--sl-threshold", help="One threshold T (s) for every channel (default: each channel's own).")] = None,
    short_abandon: Annotated[Optional[str], typer.Option(
        "--short-abandon", help="Short-abandon threshold S (s) for every channel (default: the definitions').")] = None,
    abandon_treatment: Annotated[Optional[str], typer.Option(
        "--abandon-treatment", help="Abandons in the service level and abandon rate: "
        + ", ".join(ABANDON_TREATMENTS) + " (default: the definitions').")] = None,
    definitions: Annotated[Optional[Path], typer.Option(
        "--definitions", help="Service definitions YAML (default: the store's, see `earful service`).")] = None,
    fcr_days: Annotated[float, typer.Option("--fcr-days", help="FCR: no repeat contact within N days.")] = 7,
    fcr_same: Annotated[str, typer.Option("--fcr-same", help="FCR repeat: any contact, or same reason.")] = "any",
    channel: Annotated[Optional[str], typer.Option("--channel", help="Only these channels (comma-separated).")] = None,
    queue: Annotated[Optional[str], typer.Option("--queue", help="Only these queues (comma-separated).")] = None,
    occupancy_from: Annotated[str, typer.Option("--occupancy-from", help="auto, activity or staffing.")] = "auto",
    reports: Annotated[Optional[bool], typer.Option("--reports/--contacts", help="From interval reports or from "
                                                   "contacts (default: contacts when the store has any).")] = None,
    db: DbOption = None,
) -> None:
    """Service level, ASA, AHT, abandonment, occupancy, FCR, transfers and volumes per group.

    Formulas: docs/metrics.md. Example: earful metrics --by interval30 --from 2010-08-02 --to 2010-08-02
    """
    if format not in ("table", "csv", "json"):
        raise fail(f"--format must be table, csv or json, not {format!r}")
    try:
        con = connect(db, read_only=True)
        try:
            from earful.metrics.intervals import has_interval_reports, interval_metrics

            if reports is None:  # contacts when there are any, else the interval reports
                reports = has_interval_reports(con) and not con.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM interactions WHERE offered_at IS NOT NULL LIMIT 1)").fetchall()[0][0]
            if reports:
                tbl = interval_metrics(con, by, start=start, end=end, queue=queue, channel=channel)
                covered = (None, None)
            else:
                defs = resolve(con, definitions)
                tbl = metrics_table(con, by, start=start, end=end, sl_threshold_s=sl_threshold,
                                    short_abandon_s=short_abandon, abandon_treatment=abandon_treatment,
                                    fcr_days=fcr_days, fcr_same=fcr_same, channel=channel, queue=queue,
                                    occupancy_from=occupancy_from, definitions=defs)
                covered = covered_range(con, start, end) if tbl.num_rows else (None, None)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if format == "csv":
        import pyarrow.csv as pacsv

        buf = io.BytesIO()
        pacsv.write_csv(tbl, buf)
        sys.stdout.write(buf.getvalue().decode("utf-8"))
    elif format == "json":
        sys.stdout.write(json.dumps(tbl.to_pylist(), default=_json_default, indent=1) + "\n")
    else:
        # The screen view leaves out the raw seconds and columns with nothing in them (csv/json keep all).
        shown = [n for n in tbl.column_names if n not in _HIDDEN
                 and (tbl.num_rows == 0 or tbl.column(n).null_count < tbl.num_rows or n in _ALWAYS)]
        period = next((k for k in ("week", "month") if k in tbl.column_names), None)
        part = partial(period, tbl.column(period).to_pylist(), *covered) if period and covered[0] else {}
        table = Table(show_lines=False, header_style="bold", pad_edge=False)
        for name in shown:
            table.add_column(_HEADERS.get(name, name),
                             justify="left" if name in ("queue", "channel", "agent", "reason") else "right")
        why: dict[str, set[str]] = {}
        for full in tbl.to_pylist():
            for col, reason in unknown_reasons(full).items():
                if col in shown:
                    why.setdefault(reason, set()).add(_HEADERS.get(col, col))
            row = {k: full[k] for k in shown}
            cells = [_cell(k, v) for k, v in row.items()]
            if period and row.get(period) in part:
                cells[shown.index(period)] += f" *{part[row[period]]}d"
            table.add_row(*cells)
        out = console if console.is_terminal else Console(width=200)  # piped: do not squash the columns
        out.print(table)
        if tbl.num_rows == 0:
            out.print("no contacts in this range")
            return
        if part:
            out.print(f"* a partial {period}: only the days shown are in the range and the data.", highlight=False)
        for reason, cols in why.items():
            out.print(f"– unknown ({', '.join(sorted(cols))}): {reason}.", highlight=False)
        for line in conventions(defs, sl_threshold_s=sl_threshold and float(seconds(sl_threshold, "--sl-threshold")),
                                abandon_treatment=abandon_treatment,
                                short_abandon_s=short_abandon and float(seconds(short_abandon, "--short-abandon"))):
            out.print(line, highlight=False, style="dim")
