"""`earful forecast` and `earful schedule`: workforce planning from the store's history."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, err_console, fail, parse_day
from earful.errors import EarfulError

PlanOption = Annotated[Optional[Path], typer.Option("--plan", help="Planning YAML: interval, horizon, holidays, "
                                                                   "special days, shrinkage, shifts (docs/wfm.md).")]


def _split(value: Optional[str]) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _config(plan: Optional[Path], interval: Optional[str], days: Optional[int], model: Optional[str],
            holidays: Optional[str], shrinkage: Optional[str]):
    from earful.ingest.intervals import interval_length
    from earful.wfm.calendar import HolidayCalendar
    from earful.wfm.forecast import MODELS
    from earful.wfm.plan import load_plan, share

    cfg = load_plan(plan)
    if interval:
        cfg.interval_s = interval_length(interval, "--interval")
    if days:
        if not 1 <= days <= 92:
            raise fail("--days must be 1 to 92")
        cfg.horizon_days = days
    if model:
        if model not in MODELS:
            raise fail(f"--model must be one of {', '.join(MODELS)}")
        cfg.model = model
    if holidays:
        country, _, sub = holidays.partition("-")
        cfg.holidays["default"] = HolidayCalendar(country.upper(), sub.upper() or None)
    if shrinkage is not None:
        cfg.shrinkage = share(shrinkage, "--shrinkage")
    return cfg


@app.command()
def forecast(
    plan: PlanOption = None,
    interval: Annotated[Optional[str], typer.Option("--interval", help="15m, 30m, 1h or day (default 30m).")] = None,
    days: Annotated[Optional[int], typer.Option("--days", help="Days to forecast (default 7).")] = None,
    queue: Annotated[Optional[str], typer.Option("--queue", help="Only these queues (comma-separated).")] = None,
    channel: Annotated[Optional[str], typer.Option("--channel", help="Only these channels (comma-separated).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="mstl (default), mstl_interval, seasonal_naive, whi.")] = None,
    holidays: Annotated[Optional[str], typer.Option("--holidays", help="Public holidays of a country for every "
                                                    "queue, e.g. GB or GB-ENG (a plan gives one per queue).")] = None,
    shrinkage: Annotated[Optional[str], typer.Option("--shrinkage", help="Share of paid time off contacts (default: the service definitions').")] = None,
    history_end: Annotated[Optional[str], typer.Option("--until", help="Use history before this day only (YYYY-MM-DD).")] = None,
    backtest: Annotated[bool, typer.Option("--backtest", help="Rolling-origin back-test of every model instead.")] = False,
    origin: Annotated[Optional[str], typer.Option("--origin", help="Back-test: first forecast day (default: the "
                                                  "last three weeks).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write every interval as CSV here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the forecast in the store (the dashboard "
                                       "and `earful schedule` read it).")] = True,
    db: DbOption = None,
) -> None:
    """Forecast contacts and handle time per queue and interval, with 80 % and 95 % ranges, and the
    agents each interval needs (Erlang A with the patience the history shows, then shrinkage)."""
    from earful.store import connect
    from earful.wfm.plan import forecast_run

    try:
        cfg = _config(plan, interval, days, model, holidays, shrinkage)
        until = parse_day(history_end, "--until")
        con = connect(db, read_only=not save or backtest)
        try:
            if backtest:
                _backtest(con, cfg, _split(queue), _split(channel), origin, until, as_json)
                return
            with console.status("forecasting…") as status:
                run = forecast_run(con, cfg, queues=_split(queue), channels=_split(channel), history_end=until,
                                   save=save, progress=lambda what: status.update(f"forecasting {what}…"))
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    if out is not None:
        rows = []
        for f, r in zip(run.forecasts, run.requirements):
            for i, row in enumerate(f.rows()):
                rows.append({**row, "agents": int(r.agents[i]), "positions": int(r.positions[i]),
                             "service_level": round(float(r.service_level[i]), 4)})
        _write_csv(out, rows)
    if as_json:
        console.print_json(json.dumps({"run_id": run.run_id, "series": [
            {"queue": f.queue, "channel": f.channel, "first": f.start.isoformat(), "days": cfg.horizon_days,
             "volume": round(float(f.volume.sum()), 1),
             "peak_positions": int(r.positions.max(initial=0)), "positions_hours": float(r.positions.sum()) * f.interval_s / 3600,
             "model": r.model, "patience_s": run.patience_s[(f.queue, f.channel)], "notes": f.notes}
            for f, r in zip(run.forecasts, run.requirements)]}))
        return
    for f, r in zip(run.forecasts, run.requirements):
        _print_forecast(f, r, run.patience_s[(f.queue, f.channel)])
    if run.run_id is not None:
        console.print(f"kept as forecast run {run.run_id}: schedule a queue with [bold]earful schedule --queue "
                      f"{run.forecasts[0].queue}[/]", highlight=False)


def _print_forecast(f, r, patience_s) -> None:
    per_day = 86400 // f.interval_s
    days = len(f.volume) // per_day
    model = "Erlang A, patience {:.0f} s".format(patience_s) if r.model == "erlang_a" else "Erlang C (no abandons seen)"
    t = Table(title=f"{f.queue} ({f.channel}): {f.volume.sum():,.0f} contacts forecast over {days} days — "
                    f"{r.definition.label}, {model}, shrinkage {r.shrinkage:.0%}", title_justify="left")
    for col in ("day", "contacts", "80 % range", "AHT", "peak agents", "peak positions", "position-hours", "note"):
        t.add_column(col, justify="right" if col not in ("day", "note") else "left")
    totals, lo, hi = f.day_totals()
    for d in range(days):
        sl = slice(d * per_day, (d + 1) * per_day)
        vol = f.volume[sl]
        aht = f.aht_s[sl]
        w = vol.sum()
        aht_day = float(np.nansum(aht * vol) / w) if w > 0 and np.any(np.isfinite(aht)) else float("nan")
        t.add_row(f"{(f.start + timedelta(days=d)):%a %d %b}", f"{w:,.0f}", f"{lo[d]:,.0f}–{hi[d]:,.0f}",
                  "—" if not np.isfinite(aht_day) else f"{aht_day:.0f} s", f"{int(r.agents[sl].max(initial=0))}",
                  f"{int(r.positions[sl].max(initial=0))}", f"{r.positions[sl].sum() * f.interval_s / 3600:,.1f}",
                  f.special[d * per_day] or "")
    console.print(t)
    for note in f.notes:
        console.print(f"  note: {note}", highlight=False)


def _backtest(con, cfg, queues, channels, origin, until, as_json) -> None:
    from earful.wfm.forecast import backtest
    from earful.wfm.history import history

    series = history(con, cfg.interval_s, queues=queues, channels=channels, end=until)
    origins = [parse_day(o, "--origin") for o in origin.split(",")] if origin else None
    hol = {s.queue: cfg.calendar(s.queue) for s in series}
    with console.status(f"back-testing {len(series)} series…"):
        bt = backtest(series, origins=origins, horizon_days=min(cfg.horizon_days, 7), holidays=hol,
                      special_days=cfg.special_days)
    pooled = {m: bt.pooled(m) for m in bt.models()}
    if as_json:
        console.print_json(json.dumps({"pooled": pooled, "per_queue": {
            q: {m: bt.pooled(m, q) for m in bt.models()} for q in sorted({r["queue"] for r in bt.rows})}}, default=str))
        return
    n_orig = pooled[bt.models()[0]]["origins"]
    t = Table(title=f"Rolling-origin back-test: {len(series)} series, {n_orig} origin(s), {bt.horizon_days} days ahead "
                    f"every {cfg.interval_s // 60} min", title_justify="left")
    for col in ("model", "wMAPE", "vs seasonal naive", "MASE", "in 80 % range", "in 95 % range", "AHT error"):
        t.add_column(col, justify="right" if col != "model" else "left")
    base = pooled.get("seasonal_naive", {}).get("wmape")
    for m, p in pooled.items():
        rel = f"{(p['wmape'] / base - 1) * 100:+.1f} %" if base else "—"
        t.add_row(m, f"{p['wmape']:.1%}", rel, f"{p['mase']:.3f}", f"{p['coverage80']:.0%}", f"{p['coverage95']:.0%}",
                  "—" if not np.isfinite(p["aht_error"]) else f"{p['aht_error']:.1%}")
    console.print(t)
    q = Table(title="wMAPE per queue", title_justify="left")
    q.add_column("queue")
    q.add_column("contacts", justify="right")
    for m in bt.models():
        q.add_column(m, justify="right")
    for queue in sorted({r["queue"] for r in bt.rows}):
        ps = {m: bt.pooled(m, queue) for m in bt.models()}
        q.add_row(queue, f"{ps[bt.models()[0]]['actual']:,.0f}", *(f"{ps[m]['wmape']:.1%}" for m in bt.models()))
    console.print(q)


def _write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    try:
        path.write_text(buf.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}") from None
    err_console.print(f"wrote {len(rows):,} rows to {path}", highlight=False)


@app.command()
def schedule(
    plan: PlanOption = None,
    queue: Annotated[Optional[str], typer.Option("--queue", help="The queue to schedule (default: the forecast's first).")] = None,
    channel: Annotated[Optional[str], typer.Option("--channel", help="Its channel, when the queue has several.")] = None,
    forecast_run: Annotated[Optional[int], typer.Option("--forecast", help="Forecast run to cover (default: the latest).")] = None,
    shrinkage: Annotated[Optional[str], typer.Option("--shrinkage", help="Share of paid time off contacts (default: the service definitions').")] = None,
    replications: Annotated[int, typer.Option("--replications", help="Simulation runs per correction round (0: no "
                                              "correction).")] = 30,
    check_replications: Annotated[int, typer.Option("--check-replications", help="Simulation runs of the final check.")] = 100,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit (s).")] = 50.0,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write every shift as CSV here.")] = None,
    roster: Annotated[Optional[Path], typer.Option("--roster", help="Write the agent-by-day roster as CSV here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Shifts covering a forecast week at the least paid hours (OR-Tools CP-SAT), checked by simulating the
    week against the forecast: predicted service level and abandonment per interval, over and under staffing."""
    from earful.store import connect
    from earful.wfm.plan import schedule_run

    try:
        cfg = _config(plan, None, None, None, None, shrinkage)
        con = connect(db)
        try:
            with console.status("scheduling and simulating the week…"):
                run = schedule_run(con, cfg, queue=queue, channel=channel, forecast=forecast_run,
                                   replications=replications, check_replications=check_replications,
                                   time_limit_s=time_limit)
        finally:
            con.close()
    except EarfulError as exc:
        raise fail(str(exc)) from None
    s, c = run.schedule, run.check
    if out is not None:
        try:
            out.write_text(s.to_csv(), encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {out}: {exc.strerror}") from None
    if roster is not None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(s.roster_table())
        try:
            roster.write_text(buf.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {roster}: {exc.strerror}") from None
    over = np.maximum(s.scheduled - s.required, 0)
    summary = {"run_id": run.run_id, "queue": run.queue, "channel": run.channel, "agents": s.agents,
               "paid_hours": s.paid_hours, "lp_bound_hours": round(s.bound_hours, 2), "gap": round(s.gap, 4),
               "erlang_lp_bound_hours": round(s.base_bound_hours if s.base_bound_hours is not None else s.bound_hours, 2),
               "requirement_hours": s.requirement_hours, "solver": s.status, "solve_cpu_s": round(s.solve_s, 2),
               "open_intervals_meeting_target": round(c.open_met, 4), "service_level": round(c.overall_sl, 4),
               "abandon_rate": round(c.overall_abandon, 4), "over_position_hours": float(over.sum()) * s.interval_s / 3600,
               "short_position_hours": float(s.short.sum()) * s.interval_s / 3600, "notes": s.notes}
    if as_json:
        console.print_json(json.dumps(summary))
        return
    t = Table(title=f"{run.queue} ({run.channel}): week from {s.first_day:%a %d %b %Y}", show_header=False,
              title_justify="left", box=None)
    per_pattern = ", ".join(f"{p.name} {sum(x['agents'] for x in s.tours if x['pattern'] == p.name)}" for p in s.patterns)
    t.add_row("agents", f"{s.agents}  ({per_pattern})")
    base = s.base_bound_hours if s.base_bound_hours is not None else s.bound_hours
    t.add_row("paid hours", f"{s.paid_hours:,.1f}: {s.paid_hours / base - 1:+.2%} on the LP lower bound of the Erlang "
                            f"requirement ({base:,.1f} h; the requirement itself is {s.requirement_hours:,.1f} "
                            "position-hours)")
    if s.base_bound_hours is not None and s.bound_hours != base:
        t.add_row("", f"{s.gap:+.2%} on the LP bound of the requirement after the simulation's corrections "
                      f"({s.bound_hours:,.1f} h)")
    t.add_row("predicted service level", f"{c.overall_sl:.1%} (target {c.target:.0%} in {c.threshold_s:g} s); met in "
                                         f"{c.open_met:.1%} of open intervals, {c.replications} simulated weeks")
    t.add_row("predicted abandonment", f"{c.overall_abandon:.1%}")
    t.add_row("over / under staffed", f"{summary['over_position_hours']:,.1f} / {summary['short_position_hours']:,.1f} "
                                      "position-hours")
    for note in s.notes:
        t.add_row("note", note)
    console.print(t)
    table = s.roster_table()
    r = Table(title="Roster (first agents; --roster FILE writes all)", title_justify="left")
    for col in table[0]:
        r.add_column(col)
    for row in table[1:11]:
        r.add_row(*row)
    console.print(r)
    if run.run_id is not None:
        console.print(f"kept as schedule run {run.run_id}; the dashboard's Planning page shows it", highlight=False)
    sys.stdout.flush()
