"""`earful insights` (ranked findings) and `earful report` (one-page executive briefing)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail, parse_day
from earful.errors import EarfulError, InputError
from earful.ledger.sla import period_bounds
from earful.store import connect

_CONFIG = Annotated[Optional[Path], typer.Option("--config", help="Cost/detection YAML (docs/insights-config.yaml).")]


def _period(value: str) -> tuple[date, date]:
    """``YYYY-MM`` → the month's first and last day."""
    try:
        first, after = period_bounds(value)
    except InputError:
        raise fail(f"--period must be a month like 2025-08, not {value!r}") from None
    return first, after - timedelta(days=1)


@app.command()
def insights(
    db: DbOption = None,
    start: Annotated[Optional[str], typer.Option("--from", help="First day analysed (default: first day loaded).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last day analysed (default: last day loaded).")] = None,
    config: _CONFIG = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the insights as JSON.")] = False,
    limit: Annotated[int, typer.Option(help="Rows to show per kind.")] = 10,
) -> None:
    """Find emerging issues, cost drivers and the voice of the customer; store them; print them ranked."""
    from earful.insights import find_insights

    s, e = parse_day(start, "--from"), parse_day(end, "--to")
    try:
        con = connect(db, create=False)
        with console.status("looking for insights…"):
            found = find_insights(con, s, e, config)
        con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps([i.to_dict() for i in found], default=str, indent=1))
        return
    if not found:
        console.print("no insights in this period")
        return
    from earful.insights import wording

    con = connect(db, read_only=True)
    try:
        routes, values = _ledger_view(con, [i.id for i in found])
    finally:
        con.close()
    months = sorted({i.episode_start.replace(day=1) for i in found if i.episode_start})
    console.print(f"[bold]{len(found)} insights[/] for {', '.join(wording.month(m) for m in months)} "
                  "(stored; a re-run updates them)", highlight=False)
    for kind, heading in (("emerging_issue", "Emerging issues"), ("driver", "Fix this first"),
                          ("qa_item", "Quality"), (None, "Voice of the customer")):
        rows = [i for i in found if (i.kind == kind if kind else i.kind not in ("emerging_issue", "driver", "qa_item"))]
        if not rows:
            continue
        t = Table(title=heading, title_justify="left", show_lines=False)
        t.add_column("#", justify="right")
        t.add_column("finding")
        t.add_column("goes to")
        t.add_column("value", justify="right")
        t.add_column("a customer said", max_width=60)
        for n, i in enumerate(rows[:limit], 1):
            q = i.evidence.get("quotes") or []
            v = values.get(i.id)
            t.add_row(str(n), f"[bold]{i.title}[/]\n{i.summary}",
                      routes.get(i.id) or f"not routed yet ({i.suggested_department or 'triage'} suggested)",
                      f"{wording.money(v[0], v[1])}\n{v[2] or 'per period'}" if v else "—",
                      f"“{q[0]['text']}”" if q else i.evidence.get("quotes_note") or "")
        console.print(t)


def _ledger_view(con, ids: list[str]) -> tuple[dict[str, str], dict[str, tuple]]:
    """Each insight's departments (as the ledger routes it) and its estimated value."""
    from earful.ledger.value import _LATEST_ESTIMATE

    routes = dict(con.execute("SELECT insight_id, string_agg(department || ' (' || replace(state, '_', ' ') || ')', ', '"
                              " ORDER BY department) FROM ledger_routes WHERE insight_id IN (SELECT unnest(?))"
                              " GROUP BY 1", [ids]).fetchall())
    values = {r[0]: r[1:] for r in con.execute(f"SELECT insight_id, amount, currency, basis FROM ({_LATEST_ESTIMATE})"
                                                " WHERE insight_id IN (SELECT unnest(?))", [ids]).fetchall()}
    return routes, values


@app.command()
def report(
    period: Annotated[str, typer.Option("--period", help="Month to report, e.g. 2025-08.")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Also write a PDF (WeasyPrint).")] = None,
    db: DbOption = None,
    config: _CONFIG = None,
) -> None:
    """Write the month's briefing: service per channel, what was found, what it is worth (the ledger's
    figures), what departments did with last month's insights; insights and values brought up to date."""
    from earful.report import write_report

    s, e = _period(period)
    try:
        con = connect(db, create=False)  # brings the month's insights up to date before writing
        with console.status("writing the briefing…"):
            paths = write_report(con, s, e, out, pdf=pdf, config=config)
        con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    for p in paths:
        console.print(f"wrote [bold]{p}[/]")
