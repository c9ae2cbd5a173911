"""`earful staff`: agents needed for a service-level target, and what-if curves."""

from __future__ import annotations

import json
import re
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, fail
from earful.errors import EarfulError, InputError

_UNITS = {"": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60,
          "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.I)


def parse_duration(text: str, what: str) -> float:
    """'180s', '3m', '3min', '1.5h' or a bare number of seconds -> seconds."""
    m = _DURATION.match(str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise InputError(f"{what}: cannot read {text!r} as a duration (use e.g. 180s, 3m, 1h)")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def parse_share(text: str, what: str) -> float:
    """'30%', '0.3' or '30' (read as percent when above 1) -> 0.3."""
    from earful.metrics._keys import share

    return share(text, what)


def parse_target(text: str) -> tuple[float, float]:
    """'80/20' (80 % of calls answered within 20 s), '80%/20s', '0.8/20s' -> (0.8, 20.0)."""
    parts = str(text).split("/")
    if len(parts) != 2:
        raise InputError(f"target: cannot read {text!r} (use SL/seconds, e.g. 80/20)")
    return parse_share(parts[0], "target"), parse_duration(parts[1], "target threshold")


def _fmt_s(v: float) -> str:
    return "∞" if v == float("inf") else f"{v:.1f}s"


@app.command()
def staff(
    calls: Annotated[float, typer.Option("--calls", help="Calls offered in one interval.")] = 100,
    per: Annotated[str, typer.Option("--per", help="Interval length (e.g. 30m, 1h, 900s).")] = "30m",
    aht: Annotated[str, typer.Option("--aht", help="Average handle time (e.g. 180s, 3m).")] = "180s",
    target: Annotated[str, typer.Option("--target", help="Service level SL/seconds, e.g. 80/20.")] = "80/20",
    shrinkage: Annotated[str, typer.Option("--shrinkage", help="Share of paid time off the phones (e.g. 30%).")] = "0%",
    patience: Annotated[Optional[str], typer.Option("--patience", help="Mean caller patience (e.g. 300s): uses Erlang A.")] = None,
    max_occupancy: Annotated[Optional[str], typer.Option("--max-occupancy", help="Occupancy ceiling (e.g. 85%).")] = None,
    max_asa: Annotated[Optional[str], typer.Option("--max-asa", help="ASA ceiling (e.g. 30s).")] = None,
    max_abandon: Annotated[Optional[str], typer.Option("--max-abandon", help="Abandonment ceiling (e.g. 5%), needs --patience.")] = None,
    what_if: Annotated[bool, typer.Option("--what-if", help="Show agents and occupancy for a range of SL targets.")] = False,
    targets: Annotated[str, typer.Option("--targets", help="SL targets for --what-if (percent, comma-separated).")] = "70,75,80,85,90,95",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    validate: Annotated[bool, typer.Option("--validate", help="Back-test Erlang C and A on the store's own calls.")] = False,
    interval: Annotated[str, typer.Option("--interval", help="Back-test interval: hour, interval30, interval15.")] = "hour",
    channel: Annotated[Optional[str], typer.Option(
        "--channel", help="Staff this channel's average day from the store: every interval, its own target.")] = None,
    queue: Annotated[Optional[str], typer.Option("--queue", help="With --channel: only this queue.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="With --channel: first day of history.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="With --channel: last day of history.")] = None,
    weekday: Annotated[Optional[str], typer.Option(
        "--weekday", help="With --channel: average only these weekdays (e.g. mon or mon-fri).")] = None,
    db: DbOption = None,
) -> None:
    """Agents and rostered positions needed for a service-level target (Erlang C; Erlang A with --patience).

    With --channel: the requirement for every interval of the channel's average day in the store,
    against the channel's own service definition (`earful service show`), with the centre's
    shrinkage; e-mail, social and SMS are staffed from their backlog and response target.
    With --validate: predict each past interval's service level and abandonment from the store's own
    calls with Erlang C and Erlang A, and show how far each was from what happened.
    """
    from earful.staffing import agents_needed, what_if as what_if_curve

    if validate:
        _validate(db, interval, target, patience, as_json)
        return
    if channel is not None:
        _intraday(db, channel, queue, start, end, weekday, per, shrinkage, patience, as_json)
        return

    try:
        interval_s = parse_duration(per, "--per")
        aht_s = parse_duration(aht, "--aht")
        sl, threshold_s = parse_target(target)
        kwargs = dict(
            threshold_s=threshold_s, shrinkage=parse_share(shrinkage, "--shrinkage"),
            patience_s=None if patience is None else parse_duration(patience, "--patience"),
            max_occupancy=None if max_occupancy is None else parse_share(max_occupancy, "--max-occupancy"),
            max_asa_s=None if max_asa is None else parse_duration(max_asa, "--max-asa"),
            max_abandon=None if max_abandon is None else parse_share(max_abandon, "--max-abandon"),
        )
        if calls < 0:
            raise InputError("--calls cannot be negative")
        if what_if:
            sls = [parse_share(t, "--targets") for t in targets.split(",") if t.strip()]
            rows = what_if_curve(calls, interval_s, aht_s, targets=sls, **kwargs)
        else:
            rows = [agents_needed(calls, interval_s, aht_s, target_sl=sl, **kwargs)]
    except EarfulError as exc:
        raise fail(str(exc)) from None

    model = "Erlang A" if kwargs["patience_s"] else "Erlang C"
    load = calls / interval_s * aht_s
    if as_json:
        console.print_json(json.dumps({"model": model, "load_erlangs": load, "threshold_s": threshold_s,
                                       "rows": [r.__dict__ for r in rows]}, default=float))
        return
    title = (f"{calls:g} calls per {per}, AHT {aht_s:g}s = {load:.2f} Erlangs; {model}, "
             f"answered within {threshold_s:g}s, shrinkage {kwargs['shrinkage']:.0%}")
    table = Table(title=title, title_justify="left")
    for col in ("target", "agents", "positions", "SL", "P(wait)", "ASA", "abandon", "occupancy"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(f"{r.target_sl:.0%}", str(r.agents), str(r.positions), f"{r.service_level:.1%}",
                      f"{r.p_wait:.1%}", _fmt_s(r.asa_s), f"{r.abandon_rate:.1%}", f"{r.occupancy:.1%}")
    console.print(table)
    if what_if and len(rows) > 1:
        top = max(r.positions for r in rows) or 1
        for r in rows:
            bar = "█" * max(1, round(30 * r.positions / top))
            console.print(f"  {r.target_sl:>4.0%} │{bar} {r.positions} positions, occupancy {r.occupancy:.0%}",
                          highlight=False)
    elif calls == 0:
        console.print("No calls offered: no agents needed.")


def _validate(db, interval: str, target: str, patience: Optional[str], as_json: bool) -> None:
    from earful.staffing.backtest import backtest
    from earful.store import connect

    try:
        _, threshold_s = parse_target(target)
        patience_s = None if patience is None else parse_duration(patience, "--patience")
        con = connect(db, read_only=True)
        try:
            bt = backtest(con, interval, threshold_s=threshold_s, patience_s=patience_s)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps({"intervals": bt.intervals.num_rows, "patience_s": bt.patience_s,
                                       "mae": bt.mae}))
        return
    table = Table(title=f"Erlang C vs Erlang A on {bt.intervals.num_rows} past {interval} intervals "
                        f"(patience estimated {bt.patience_s:.0f}s)", title_justify="left")
    for col in ("mean absolute error", "Erlang C", "Erlang A"):
        table.add_column(col, justify="right")
    for key, name in (("service_level", f"service level ({threshold_s:g}s)"), ("abandon_rate", "abandonment")):
        table.add_row(name, f"{100 * bt.mae[key]['erlang_c']:.1f} pts", f"{100 * bt.mae[key]['erlang_a']:.1f} pts")
    console.print(table)


def _intraday(db, channel: str, queue: Optional[str], start: Optional[str], end: Optional[str],
              weekday: Optional[str], per: str, shrinkage: str, patience: Optional[str], as_json: bool) -> None:
    from earful.metrics.calendars import parse_days
    from earful.staffing.requirement import intraday_requirement
    from earful.store import connect

    try:
        interval_s = int(parse_duration(per, "--per"))
        shrink = parse_share(shrinkage, "--shrinkage") if shrinkage not in (None, "", "0%") else None
        pat: float | str | None = None
        if patience is not None:
            pat = "auto" if patience == "auto" else parse_duration(patience, "--patience")
        days = [d + 1 for d in parse_days(weekday)] if weekday else None
        con = connect(db, read_only=True)
        try:
            req = intraday_requirement(con, channel, queue, interval_s=interval_s, start=start, end=end,
                                       weekdays=days, shrinkage=shrink, patience_s=pat)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    d = req.definition
    model = {"erlang_c": "Erlang C", "erlang_a": "Erlang A", "deferred": "backlog and response target"}[req.model]
    if as_json:
        console.print_json(json.dumps({"channel": channel, "queue": queue, "definition": d.as_dict(), "model": req.model,
                                       "shrinkage": req.shrinkage, "interval_s": req.interval_s, "notes": req.notes,
                                       "intervals": req.rows()}))
        return
    busy = [i for i in range(len(req.volume)) if req.volume[i] > 0 or req.agents[i] > 0]
    table = Table(title=f"{channel}{' / ' + queue if queue else ''}: {d.label}, {model}, shrinkage {req.shrinkage:.0%} "
                        f"(the average day)", title_justify="left")
    for col in ("interval", "contacts", "AHT", "agents", "positions", "SL", "occupancy", "waiting" if d.deferred else "ASA"):
        table.add_column(col, justify="right")
    top = max(int(req.agents.max()), 1)
    for i in busy:
        r = req.rows()[i]
        last = f"{r['backlog']:.0f}" if d.deferred else _fmt_s(r["asa_s"] or 0.0)
        table.add_row(str(r["start"])[:5], f"{r['volume']:.1f}", f"{r['aht_s']:.0f}s", str(r["agents"]),
                      str(r["positions"]), f"{r['service_level']:.1%}", f"{r['occupancy']:.0%}", last)
    console.print(table)
    for i in busy:
        console.print(f"  {str(req.rows()[i]['start'])[:5]} │{'█' * round(30 * int(req.agents[i]) / top)} "
                      f"{int(req.agents[i])}", highlight=False)
    hours = float(req.agents.sum()) * req.interval_s / 3600
    console.print(f"peak {int(req.agents.max())} agents ({int(req.positions.max())} positions) at "
                  f"{str(req.rows()[req.peak]['start'])[:5]}; {hours:,.1f} agent-hours a day "
                  f"({hours / (1 - req.shrinkage):,.1f} paid hours with shrinkage)", highlight=False)
    for note in req.notes:
        console.print(f"note: {note}", highlight=False)
