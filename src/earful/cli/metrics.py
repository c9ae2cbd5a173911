"""`earful metrics`: the KPI table for any grouping, as a table, CSV or JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail
from earful.errors import EarfulError
from earful.metrics import ABANDON_TREATMENTS, BY_KEYS, metrics_table
from earful.store import connect

_HEADERS = {"interval_start": "interval", "answered": "answ", "abandoned": "aband", "short_abandoned": "short",
            "ivr_hangups": "IVR", "service_level": "SL", "asa_s": "ASA s", "aht_s": "AHT s",
            "abandon_rate": "aband%", "transfer_rate": "xfer%", "fcr_rate": "FCR", "occupancy": "occ",
            "csat_avg": "CSAT", "nps": "NPS", "peak_hour": "peak h"}
_RATES = {"service_level", "abandon_rate", "transfer_rate", "fcr_rate", "occupancy"}


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
    sl_threshold: Annotated[str, typer.Option("--sl-threshold", help="Service-level threshold T (s).")] = "20",
    short_abandon: Annotated[str, typer.Option("--short-abandon", help="Short-abandon threshold S (s).")] = "5",
    abandon_treatment: Annotated[str, typer.Option(
        "--abandon-treatment", help="Abandons in the service level: " + ", ".join(ABANDON_TREATMENTS) + ".")
    ] = "exclude_short",
    fcr_days: Annotated[float, typer.Option("--fcr-days", help="FCR: no repeat contact within N days.")] = 7,
    fcr_same: Annotated[str, typer.Option("--fcr-same", help="FCR repeat: any contact, or same reason.")] = "any",
    channel: Annotated[Optional[str], typer.Option("--channel", help="Only these channels (comma-separated).")] = None,
    queue: Annotated[Optional[str], typer.Option("--queue", help="Only these queues (comma-separated).")] = None,
    occupancy_from: Annotated[str, typer.Option("--occupancy-from", help="auto, activity or staffing.")] = "auto",
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
            tbl = metrics_table(con, by, start=start, end=end, sl_threshold_s=sl_threshold,
                                short_abandon_s=short_abandon, abandon_treatment=abandon_treatment,
                                fcr_days=fcr_days, fcr_same=fcr_same, channel=channel, queue=queue,
                                occupancy_from=occupancy_from)
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
        shown = [n for n in tbl.column_names if n not in ("busy_s", "staffed_s")
                 and (tbl.num_rows == 0 or tbl.column(n).null_count < tbl.num_rows)]
        table = Table(show_lines=False, header_style="bold", pad_edge=False)
        for name in shown:
            table.add_column(_HEADERS.get(name, name),
                             justify="left" if name in ("queue", "channel", "agent", "reason") else "right")
        for row in tbl.select(shown).to_pylist():
            table.add_row(*(_cell(k, v) for k, v in row.items()))
        out = console if console.is_terminal else Console(width=200)  # piped: do not squash the columns
        out.print(table)
        if tbl.num_rows == 0:
            out.print("no contacts in this range")
