"""A planner's run, end to end and kept in the store: forecast every queue, turn the forecast into the
requirement per interval, schedule a queue's week and check it by simulation.

The planner's choices live in one YAML file (``parse_plan``)::

    interval: 30m                  # 15m, 30m, 1h or day
    horizon: 7d
    model: mstl                    # earful.wfm.forecast.MODELS
    shrinkage: 30%                 # paid time away from contacts that breaks in the shifts do not cover
                                   # (default: the centre's, from the service definitions)
    holidays:                      # a calendar per queue ("default" for the others), with the
                                   # holidays of the queue's business-hours calendar (service definitions)
      default: {country: GB, subdivision: ENG}
      vip: {country: GB, dates: [2025-12-24], closed: true}
    special_days:
      - {name: spring mailing, dates: "2025-05-12..2025-05-14", queues: [voice], multiplier: 1.4}
      - {name: bill run, dates: [2025-06-02]}        # multiplier learnt from earlier bill runs
    shifts:                        # earful.wfm.schedule.parse_patterns
      full_time: {length: 8.5h, starts: "07:00-12:00", breaks: [{length: 30m, after: 3h-5h}], days: 5}

Each channel and queue is staffed for its own service definition (``earful.metrics.definitions``:
target, threshold, immediate or deferred, opening hours) through ``earful.staffing.requirement``.
Runs are kept in ``wfm_runs`` with their rows in ``wfm_forecast``, ``wfm_shifts`` and ``wfm_coverage``
(migration 022); the dashboard shows the latest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from earful.errors import ConfigError, InputError
from earful.ingest.load import centre_timezone
from earful.metrics.definitions import ServiceDefinition, ServiceDefinitions, stored_definitions
from earful.staffing.requirement import Requirement, requirement
from earful.wfm.calendar import HolidayCalendar, SpecialDay, parse_dates
from earful.wfm.forecast import MODELS, Forecast, Forecaster
from earful.wfm.history import Series, history
from earful.wfm.schedule import Schedule, ShiftPattern, parse_patterns

__all__ = ["PlanConfig", "ForecastRun", "ScheduleRun", "forecast_run", "latest_run", "load_forecast", "load_schedule",
           "parse_plan", "schedule_run"]

DEFAULT_SHIFTS = {
    "full_time": {"length": "8.5h", "starts": "07:00-12:00", "breaks": [{"length": "30m", "after": "3h-5h"}],
                  "days": 5},
    "part_time": {"length": "4h", "starts": "08:00-16:00", "days": 5, "max_agents": 20},
}


@dataclass
class PlanConfig:
    """The planner's choices (see the module's description); every field has a default."""

    interval_s: int = 1800
    horizon_days: int = 7
    model: str = "mstl"
    shrinkage: float | None = None  # None: the centre's, from the service definitions
    holidays: dict[str, HolidayCalendar] = field(default_factory=dict)
    special_days: tuple[SpecialDay, ...] = ()
    patterns: tuple[ShiftPattern, ...] = ()

    def calendar(self, queue: str, definitions: ServiceDefinitions | None = None,
                 channel: str | None = None) -> HolidayCalendar | None:
        """The queue's holidays: the plan's calendar for it (or its ``default``) plus the holidays of the
        business-hours calendar its service definition names (one list of a centre's days off)."""
        own = self.holidays.get(queue, self.holidays.get("default"))
        if definitions is None or channel is None:
            return own
        name = definitions.for_channel(channel, queue).calendar
        days = definitions.calendar(name).holidays if name else {}
        if not days:
            return own
        extra = {d: "holiday (business hours)" for d in days}
        if own is None:
            return HolidayCalendar(extra=extra)
        return HolidayCalendar(own.country, own.subdivision, {**extra, **own.extra}, own.closed)

    def shrinkage_for(self, definitions: ServiceDefinitions) -> float:
        """The plan's shrinkage, else the centre's."""
        return definitions.shrinkage if self.shrinkage is None else self.shrinkage

    def shift_patterns(self) -> tuple[ShiftPattern, ...]:
        return self.patterns or parse_patterns(DEFAULT_SHIFTS, "default shifts")


_PLAN_KEYS = {"interval", "horizon", "model", "shrinkage", "holidays", "special_days", "shifts"}


def parse_plan(text: str, origin: str = "plan") -> PlanConfig:
    """A PlanConfig from YAML text; mistakes are one-line ConfigErrors naming the key."""
    import yaml

    from earful.ingest.intervals import interval_length
    from earful.wfm.calendar import yaml_load
    from earful.metrics._keys import seconds

    try:
        data = yaml_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: a plan is a YAML mapping (interval, horizon, holidays, shifts ...)")
    bad = set(data) - _PLAN_KEYS
    if bad:
        raise ConfigError(f"{origin}: unknown key {sorted(bad)[0]!r} (allowed: {', '.join(sorted(_PLAN_KEYS))})")
    cfg = PlanConfig()
    try:
        if "interval" in data:
            cfg.interval_s = interval_length(data["interval"], f"{origin}: interval")
        if "horizon" in data:
            cfg.horizon_days = int(round(seconds(data["horizon"], f"{origin}: horizon") / 86400))
            if not 1 <= cfg.horizon_days <= 92:
                raise ConfigError(f"{origin}: horizon must be 1 to 92 days")
        if "shrinkage" in data:
            cfg.shrinkage = share(data["shrinkage"], f"{origin}: shrinkage")
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    if "model" in data:
        if data["model"] not in MODELS:
            raise ConfigError(f"{origin}: model must be one of {', '.join(MODELS)}")
        cfg.model = data["model"]
    for queue, spec in (data.get("holidays") or {}).items():
        what = f"{origin}: holidays of {queue}"
        if isinstance(spec, str):
            spec = {"country": spec}
        if not isinstance(spec, dict) or set(spec) - {"country", "subdivision", "dates", "closed"}:
            raise ConfigError(f"{what}: give country, subdivision, dates and closed")
        extra = {d: "holiday" for d in parse_dates(spec["dates"], what)} if spec.get("dates") else {}
        cfg.holidays[str(queue)] = HolidayCalendar(spec.get("country"), spec.get("subdivision"), extra,
                                                   bool(spec.get("closed", False)))
    specials = []
    for i, spec in enumerate(data.get("special_days") or []):
        what = f"{origin}: special_days[{i + 1}]"
        if not isinstance(spec, dict) or "name" not in spec or "dates" not in spec:
            raise ConfigError(f"{what}: needs a name and dates")
        if set(spec) - {"name", "dates", "multiplier", "queues"}:
            raise ConfigError(f"{what}: keys are name, dates, multiplier, queues")
        queues = spec.get("queues")
        specials.append(SpecialDay(str(spec["name"]), parse_dates(spec["dates"], what),
                                   None if spec.get("multiplier") is None else float(spec["multiplier"]),
                                   None if queues is None else tuple(str(q) for q in queues)))
    cfg.special_days = tuple(specials)
    if data.get("shifts"):
        cfg.patterns = parse_patterns(data["shifts"], f"{origin}: shifts")
    return cfg


def share(value: Any, what: str) -> float:
    """``30%``, ``0.3`` or ``30`` (a percent when above 1) -> 0.3; 100 % is refused (nobody would be left)."""
    from earful.metrics._keys import share as read_share

    try:
        v = read_share(value, what)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    if v >= 1:
        raise ConfigError(f"{what}: {value!r} must be below 100 %")
    return v


def load_plan(path: str | Path | None) -> PlanConfig:
    """The plan file's config, or the defaults when no file is given."""
    if path is None:
        return PlanConfig()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"plan file {p} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read plan file {p}: {exc.strerror}") from None
    return parse_plan(text, str(p))


# ---------------------------------------------------------------------------------------- forecast runs
@dataclass
class ForecastRun:
    """A forecast of every series with its requirement; ``run_id`` once saved."""

    forecasts: list[Forecast]
    requirements: list[Requirement]
    patience_s: dict[tuple[str, str], float | None]
    config: PlanConfig
    shrinkage: float = 0.0
    run_id: int | None = None


def forecast_run(con: duckdb.DuckDBPyConnection, config: PlanConfig | None = None, *,
                 queues: Sequence[str] | None = None, channels: Sequence[str] | None = None,
                 history_end: date | None = None, save: bool = True,
                 progress: Callable[[str], None] | None = None,
                 definitions: ServiceDefinitions | None = None) -> ForecastRun:
    """Forecast the ``horizon_days`` after each series' history (up to ``history_end``, excluded) and
    its requirement (the series' service definition, the store's unless given: Erlang A with the
    patience the history gives, or the backlog model of a deferred channel; then shrinkage)."""
    cfg = config or PlanConfig()
    defs = definitions or stored_definitions(con)
    tz = centre_timezone(con)
    series = history(con, cfg.interval_s, queues=queues, channels=channels, end=history_end)
    forecasts, reqs, patience = [], [], {}
    for s in series:
        if progress:
            progress(f"{s.queue} ({s.channel})")
        f = Forecaster(cfg.model, holidays=cfg.calendar(s.queue, defs, s.channel),
                       special_days=cfg.special_days).fit(s).predict(cfg.horizon_days)
        forecasts.append(f)
        reqs.append(_requirement(s, f, cfg, defs, tz))
        patience[(s.queue, s.channel)] = s.patience_s()
    run = ForecastRun(forecasts, reqs, patience, cfg, shrinkage=cfg.shrinkage_for(defs))
    if save:
        run.run_id = _save_forecast(con, run, series)
    return run


def _requirement(s: Series, f: Forecast, cfg: PlanConfig, defs: ServiceDefinitions, tz: str | None) -> Requirement:
    aht = np.where(np.isfinite(f.aht_s) & (f.aht_s > 0), f.aht_s, s.aht_s() or np.nan)
    if np.any((f.volume > 0) & ~np.isfinite(aht)):
        raise InputError(f"{s.queue}: the history has no handle times, so no requirement can be computed "
                         "(load a report with AHT, or contacts with talk time)")
    d = defs.for_channel(s.channel, s.queue)
    return staff(f.volume, np.nan_to_num(aht), d, defs, [f.start + timedelta(seconds=i * s.interval_s)
                                                          for i in range(len(f.volume))],
                 interval_s=s.interval_s, shrinkage=cfg.shrinkage_for(defs), patience_s=s.patience_s(), centre_tz=tz)


def staff(volume, aht_s, definition: ServiceDefinition, defs: ServiceDefinitions, starts: Sequence[datetime], *,
          interval_s: float, shrinkage: float, patience_s: float | None, centre_tz: str | None = None) -> Requirement:
    """``earful.staffing.requirement`` for forecast intervals starting at ``starts``: the definition's
    opening hours from its calendar, the patience only for a channel answered while the customer waits."""
    cal = defs.calendar(definition.calendar) if definition.calendar else None
    return requirement(volume, aht_s, definition, interval_s=interval_s, shrinkage=shrinkage,
                       starts=list(starts) if cal is not None else None, calendar=cal, centre_tz=centre_tz,
                       patience_s=None if definition.deferred else patience_s)


def _save_forecast(con, run: ForecastRun, series: list[Series]) -> int:
    cfg = run.config
    params = {"interval_s": cfg.interval_s, "horizon_days": cfg.horizon_days, "model": cfg.model,
              "shrinkage": run.shrinkage, "special_days": [sp.name for sp in cfg.special_days],
              "holidays": {q: c.country for q, c in cfg.holidays.items()}}
    summary = {"series": [{"queue": f.queue, "channel": f.channel, "volume": float(f.volume.sum()),
                           "history_kind": s.kind, "history_days": s.days, "first": f.start.isoformat(),
                           "patience_s": run.patience_s[(f.queue, f.channel)],
                           "model": r.model, "target": r.definition.label, "notes": f.notes}
                          for f, r, s in zip(run.forecasts, run.requirements, series)]}
    con.execute("BEGIN TRANSACTION")
    try:
        run_id = con.execute("INSERT INTO wfm_runs (kind, params, summary) VALUES ('forecast', ?, ?) RETURNING run_id",
                             [json.dumps(params), json.dumps(summary)]).fetchall()[0][0]
        for f, r in zip(run.forecasts, run.requirements):
            import pyarrow as pa

            t = pa.table({"run_id": np.full(len(f.volume), run_id), "queue": [f.queue] * len(f.volume),
                          "channel": [f.channel] * len(f.volume), "interval_start": f.starts(),
                          "interval_s": np.full(len(f.volume), f.interval_s), "volume": f.volume,
                          "volume_lo80": f.lo80, "volume_hi80": f.hi80, "volume_lo95": f.lo95, "volume_hi95": f.hi95,
                          "aht_s": np.where(np.isfinite(f.aht_s), f.aht_s, None), "special": f.special,
                          "agents": r.agents, "positions": r.positions, "service_level": r.service_level})
            con.register("_wfm_rows", t)
            con.execute("INSERT INTO wfm_forecast SELECT * FROM _wfm_rows")
            con.unregister("_wfm_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(run_id)


def _unmasked(v) -> np.ndarray:
    """A fetched column as a plain array: NULL numbers become NaN (DuckDB hands them back masked)."""
    if isinstance(v, np.ma.MaskedArray):
        if v.dtype.kind in "fiu":
            return np.ma.filled(v.astype(float), np.nan)
        return np.asarray(v.filled(None) if v.dtype.kind == "O" else v.data)
    return np.asarray(v)


def latest_run(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, Any] | None:
    """The newest run of ``kind`` (forecast or schedule): run_id, created_at, params, summary, based_on."""
    row = con.execute("SELECT run_id, created_at, params, summary, based_on FROM wfm_runs WHERE kind = ? "
                      "ORDER BY run_id DESC LIMIT 1", [kind]).fetchall()
    if not row:
        return None
    r = row[0]
    return {"run_id": r[0], "created_at": r[1], "params": json.loads(r[2] or "{}"),
            "summary": json.loads(r[3] or "{}"), "based_on": r[4]}


def load_forecast(con: duckdb.DuckDBPyConnection, run_id: int, queue: str | None = None,
                  channel: str | None = None) -> dict[str, np.ndarray]:
    """A saved forecast's rows for one series (the run's first when none is named), as arrays."""
    series = con.execute("SELECT DISTINCT queue, channel FROM wfm_forecast WHERE run_id = ? ORDER BY 1, 2",
                         [run_id]).fetchall()
    if not series:
        raise InputError(f"forecast run {run_id} not found (run `earful forecast` first)")
    if queue is None:
        queue, channel = series[0]
    pick = [(q, c) for q, c in series if q == queue and (channel is None or c == channel)]
    if not pick:
        raise InputError(f"forecast run {run_id} has no queue {queue!r} (it has: {', '.join(q for q, _ in series)})")
    queue, channel = pick[0]
    rows = con.execute("SELECT * FROM wfm_forecast WHERE run_id = ? AND queue = ? AND channel = ? "
                       "ORDER BY interval_start", [run_id, queue, channel]).fetchnumpy()
    out = {k: _unmasked(v) for k, v in rows.items()}
    out["queue"], out["channel"] = queue, channel
    return out


# ---------------------------------------------------------------------------------------- schedule runs
@dataclass
class ScheduleRun:
    """A week's schedule for one series, its simulation check and the peer's figures."""

    schedule: Schedule
    check: Any
    queue: str
    channel: str
    forecast_run: int
    shrinkage: float = 0.0
    run_id: int | None = None


def schedule_run(con: duckdb.DuckDBPyConnection, config: PlanConfig | None = None, *, queue: str | None = None,
                 channel: str | None = None, forecast: int | None = None, replications: int = 30,
                 check_replications: int = 100, rounds: int = 4, save: bool = True,
                 time_limit_s: float = 50.0) -> ScheduleRun:
    """Schedule the first week of a saved forecast (the latest when ``forecast`` is None) for one series:
    shifts covering its positions at least paid hours, corrected and checked by simulation."""
    from earful.wfm.check import Check, simulate_schedule, solve_checked

    cfg = config or PlanConfig()
    if forecast is None:
        last = latest_run(con, "forecast")
        if last is None:
            raise InputError("no forecast in the store: run `earful forecast` first")
        forecast = int(last["run_id"])
    rows = load_forecast(con, forecast, queue, channel)
    interval_s = int(rows["interval_s"][0])
    per_week = 7 * 86400 // interval_s
    if len(rows["volume"]) < per_week:
        raise InputError(f"forecast run {forecast} covers {len(rows['volume']) * interval_s / 86400:g} days: "
                         "a schedule needs a week (forecast with --days 7 or more)")
    sl = slice(0, per_week)
    vol, aht, pos = rows["volume"][sl], np.nan_to_num(rows["aht_s"][sl].astype(float)), rows["positions"][sl]
    target = stored_definitions(con).for_channel(str(rows["channel"]), str(rows["queue"]))
    patience = None if target.deferred else _patience_of(con, forecast, rows["queue"], rows["channel"])
    first_day = rows["interval_start"][0].astype("datetime64[D]").astype(object)
    shrink = cfg.shrinkage if cfg.shrinkage is not None else _run_shrinkage(con, forecast)
    kw = dict(interval_s=interval_s, shrinkage=shrink, target=target.target, threshold_s=target.threshold_s,
              patience_s=patience, concurrency=target.concurrency)
    if replications > 0 and rounds > 0:
        sched, check = solve_checked(pos, cfg.shift_patterns(), vol, aht, rounds=rounds, replications=replications,
                                     first_day=first_day, time_limit_s=time_limit_s, **kw)
        if check_replications != replications:
            check = simulate_schedule(vol, aht, sched.scheduled, replications=check_replications, seed=1000, **kw)
    else:
        from earful.wfm.schedule import solve

        sched = solve(pos, cfg.shift_patterns(), interval_s=interval_s, first_day=first_day, time_limit_s=time_limit_s)
        check = simulate_schedule(vol, aht, sched.scheduled, replications=max(1, check_replications), seed=1000, **kw)
    assert isinstance(check, Check)
    run = ScheduleRun(sched, check, str(rows["queue"]), str(rows["channel"]), forecast, shrink)
    if save:
        run.run_id = _save_schedule(con, run)
    return run


def _run_shrinkage(con, run_id: int) -> float:
    """The shrinkage a saved forecast's positions were computed with."""
    from earful.metrics.definitions import DEFAULT_SHRINKAGE

    row = con.execute("SELECT params FROM wfm_runs WHERE run_id = ?", [run_id]).fetchall()
    return float(json.loads(row[0][0] or "{}").get("shrinkage", DEFAULT_SHRINKAGE)) if row else DEFAULT_SHRINKAGE


def _patience_of(con, run_id: int, queue, channel) -> float | None:
    row = con.execute("SELECT summary FROM wfm_runs WHERE run_id = ?", [run_id]).fetchall()
    for s in json.loads(row[0][0] or "{}").get("series", []) if row else []:
        if s["queue"] == queue and s["channel"] == channel:
            return s.get("patience_s")
    return None


def _save_schedule(con, run: ScheduleRun) -> int:
    s, c = run.schedule, run.check
    params = {"queue": run.queue, "channel": run.channel, "shrinkage": run.shrinkage,
              "patterns": [p.name for p in s.patterns], "replications": c.replications}
    summary = {"paid_hours": s.paid_hours, "bound_hours": s.bound_hours, "gap": s.gap, "agents": s.agents,
               "base_bound_hours": s.base_bound_hours if s.base_bound_hours is not None else s.bound_hours,
               "requirement_hours": s.requirement_hours, "status": s.status, "solve_cpu_s": s.solve_s,
               "open_met": c.open_met, "service_level": c.overall_sl, "abandon_rate": c.overall_abandon,
               "target": c.target, "threshold_s": c.threshold_s, "notes": s.notes}
    con.execute("BEGIN TRANSACTION")
    try:
        run_id = con.execute("INSERT INTO wfm_runs (kind, based_on, params, summary) VALUES ('schedule', ?, ?, ?) "
                             "RETURNING run_id", [run.forecast_run, json.dumps(params), json.dumps(summary)]).fetchall()[0][0]
        con.executemany("INSERT INTO wfm_shifts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (run_id, r["agent"], r["day"], r["pattern"], r["start"], r["end"], r["paid_h"] * 3600,
             json.dumps([{"start": b["start"].isoformat(), "minutes": b["minutes"], "paid": b["paid"]}
                         for b in r["breaks"]])) for r in s.roster()])
        step = timedelta(seconds=s.interval_s)
        t0 = datetime.combine(s.first_day, datetime.min.time())
        con.executemany("INSERT INTO wfm_coverage VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (run_id, t0 + i * step, s.interval_s, int(s.required[i]), int(s.scheduled[i]),
             None if not np.isfinite(c.service_level[i]) else float(c.service_level[i]),
             None if not np.isfinite(c.abandon_rate[i]) else float(c.abandon_rate[i]))
            for i in range(len(s.required))])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(run_id)


def load_schedule(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, Any]:
    """A saved schedule: its run, coverage rows (arrays) and shifts (dicts)."""
    run = con.execute("SELECT params, summary, based_on FROM wfm_runs WHERE run_id = ? AND kind = 'schedule'",
                      [run_id]).fetchall()
    if not run:
        raise InputError(f"schedule run {run_id} not found")
    cov = con.execute("SELECT * FROM wfm_coverage WHERE run_id = ? ORDER BY interval_start", [run_id]).fetchnumpy()
    shifts = con.execute("SELECT agent, day, pattern, starts_at, ends_at, paid_s, breaks FROM wfm_shifts "
                         "WHERE run_id = ? ORDER BY agent, day", [run_id]).fetchall()
    return {"params": json.loads(run[0][0]), "summary": json.loads(run[0][1]), "forecast_run": run[0][2],
            "coverage": {k: _unmasked(v) for k, v in cov.items()},
            "shifts": [dict(zip(("agent", "day", "pattern", "start", "end", "paid_s", "breaks"), r)) for r in shifts]}


# ---------------------------------------------------------------------------------------- what-if view
def plan_view(con: duckdb.DuckDBPyConnection, queue: str | None = None, channel: str | None = None, *,
              volume: float = 1.0, aht: float = 1.0, shrinkage: float | None = None) -> dict[str, Any] | None:
    """The latest forecast of a queue with its requirement and the latest schedule covering it, and a
    what-if: volume × ``volume``, AHT × ``aht``, another ``shrinkage``. The what-if's requirement is the
    channel's own again (``staff``); its predicted service level for the existing schedule is Erlang A's
    (C without a patience) at the schedule's agents on the phones, interval by interval (the simulation
    is the schedule's own check; a what-if is answered at once); unknown for a deferred channel, which
    no queue formula describes. None when the store has no forecast."""
    from earful.staffing import erlang_a, erlang_c

    last = latest_run(con, "forecast")
    if last is None:
        return None
    run_id = int(last["run_id"])
    rows = load_forecast(con, run_id, queue, channel)
    queue, channel = str(rows["queue"]), str(rows["channel"])
    series = [(s["queue"], s["channel"]) for s in last["summary"].get("series", [])]
    interval_s = int(rows["interval_s"][0])
    run_shrink = _run_shrinkage(con, run_id)
    shrink = run_shrink if shrinkage is None else float(shrinkage)
    defs = stored_definitions(con)
    target = defs.for_channel(channel, queue)
    patience = None if target.deferred else _patience_of(con, run_id, queue, channel)
    vol = rows["volume"].astype(float) * volume
    aht_s = np.nan_to_num(rows["aht_s"].astype(float)) * aht
    starts = [t.astype("datetime64[s]").astype(object) for t in rows["interval_start"]]
    what = staff(vol, aht_s, target, defs, starts, interval_s=interval_s, shrinkage=shrink, patience_s=patience,
                 centre_tz=centre_timezone(con))
    sched = con.execute("SELECT run_id, summary FROM wfm_runs WHERE kind = 'schedule' AND based_on = ? AND "
                        "json_extract_string(params, '$.queue') = ? AND json_extract_string(params, '$.channel') = ? "
                        "ORDER BY run_id DESC LIMIT 1", [run_id, queue, channel]).fetchall()
    out: dict[str, Any] = {
        "forecast_run": run_id, "created_at": last["created_at"], "queue": queue, "channel": channel,
        "series": series, "interval_s": interval_s, "target": target.label, "target_sl": target.target,
        "patience_s": patience, "shrinkage": shrink, "run_shrinkage": run_shrink, "volume_factor": volume,
        "aht_factor": aht, "starts": [t.astype("datetime64[s]").astype(object) for t in rows["interval_start"]],
        "volume": rows["volume"].astype(float), "lo80": rows["volume_lo80"].astype(float),
        "hi80": rows["volume_hi80"].astype(float), "aht_s": rows["aht_s"].astype(float),
        "positions": rows["positions"].astype(float), "special": list(rows["special"]),
        "whatif_volume": vol, "whatif_positions": what.positions.astype(float), "model": what.model,
        "schedule": None,
    }
    if sched:
        sid, summary = int(sched[0][0]), json.loads(sched[0][1])
        cov = con.execute("SELECT scheduled, service_level, abandon_rate FROM wfm_coverage WHERE run_id = ? "
                          "ORDER BY interval_start", [sid]).fetchnumpy()
        cov = {k: _unmasked(v) for k, v in cov.items()}
        n = len(cov["scheduled"])
        scheduled = cov["scheduled"].astype(float)
        agents = np.floor(scheduled * (1 - shrink) + 1e-9) * max(1, target.concurrency)
        v, a = vol[:n], np.where(aht_s[:n] > 0, aht_s[:n], np.nanmean(aht_s[aht_s > 0]) if np.any(aht_s > 0) else 1.0)
        open_ = v > 0
        if target.deferred:  # worked from a backlog: no queue formula; the schedule's simulation answers
            sl_what = np.full(n, np.nan)
        else:
            m = (erlang_a(v, interval_s, a, agents, patience, threshold_s=target.threshold_s) if patience
                 else erlang_c(v, interval_s, a, agents, threshold_s=target.threshold_s))
            sl_what = np.where(open_, m.service_level, np.nan)
        out["schedule"] = {
            "run_id": sid, "summary": summary, "scheduled": scheduled,
            "simulated_sl": np.asarray(cov["service_level"], dtype=float),
            "simulated_abandon": np.asarray(cov["abandon_rate"], dtype=float),
            "whatif_sl": sl_what,
            "whatif_met": float(np.mean(sl_what[open_] >= target.target)) if open_.any() and not target.deferred
            else float("nan"),
            "whatif_overall_sl": float(np.nansum(sl_what * v) / v[open_].sum()) if open_.any() else float("nan"),
            "whatif_short_hours": float(np.maximum(what.positions[:n] - scheduled, 0).sum()) * interval_s / 3600,
        }
    return out
