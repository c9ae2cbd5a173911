"""Shift schedules that cover a week's requirement at the least paid hours (OR-Tools CP-SAT).

The planner defines shift patterns (``ShiftPattern``): a length, a window of start times, breaks
placed within a window of the shift (unpaid or paid), the days an agent on it works a week, whether
the days off are consecutive, a cap on agents and a cost per paid hour. ``solve`` chooses:

- per day, how many shifts of each pattern start at each start time with each break placement
  (integer x[d, p, s, b]), so that in every interval the agents at work and not on a break are at
  least the positions required (a shortfall is allowed only at a high price, and reported);
- per pattern, how many agents take each weekly tour of working days (integer y[p, o]), with
  Σ x[d, p, ·, ·] = Σ_{o ∋ d} y[p, o], so the day counts come from whole agents' weeks;

minimising Σ paid hours × cost. The LP relaxation of the day-level problem (no tours, fractional
shifts) is a lower bound no schedule with these shifts can beat; ``gap`` = paid ÷ bound − 1.
Shifts may run past midnight into the next day; the week wraps (Sunday night's late shift covers
Monday's first hours), as a weekly schedule that repeats does.

``roster`` turns the counts into named agents, each with a tour and a shift per working day, the
start times kept close day to day; ``to_csv`` and ``roster_table`` export them.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from earful.errors import ConfigError, InputError

__all__ = ["Break", "Schedule", "ShiftPattern", "lp_bound", "parse_patterns", "pyworkforce_schedule", "solve"]

_SHORTFALL_COST = 1000.0  # per position-interval missing: far above any shift's cost


@dataclass(frozen=True)
class Break:
    """A break of ``minutes`` starting between ``earliest_min`` and ``latest_min`` after the shift starts."""

    minutes: int
    earliest_min: int
    latest_min: int
    paid: bool = False


@dataclass(frozen=True)
class ShiftPattern:
    """A kind of shift: ``length_min`` from start to end (breaks inside), first and last start time
    (minutes from midnight), ``breaks``, ``days`` worked a week, ``consecutive_off`` days off in a row,
    ``max_agents`` on the pattern, ``cost`` per paid hour."""

    name: str
    length_min: int
    first_start_min: int
    last_start_min: int
    breaks: tuple[Break, ...] = ()
    days: int = 5
    consecutive_off: bool = True
    max_agents: int | None = None
    cost: float = 1.0

    @property
    def paid_min(self) -> int:
        return self.length_min - sum(b.minutes for b in self.breaks if not b.paid)

    def tours(self) -> list[tuple[int, ...]]:
        """The weekly sets of working days (0 = the first day of the week)."""
        if self.days >= 7:
            return [tuple(range(7))]
        if self.consecutive_off:
            off = 7 - self.days
            return [tuple(d for d in range(7) if (d - first) % 7 >= off) for first in range(7)]
        return [c for c in itertools.combinations(range(7), self.days)]


@dataclass
class Schedule:
    """A solved week: ``shifts`` (one dict per shift: day, pattern, start_min, break starts, count),
    ``tours`` (pattern, working days, agents), per-interval ``required`` and ``scheduled`` positions,
    ``paid_hours``, ``cost`` (paid hours × the patterns' costs), the LP lower bound of that cost
    (``bound_hours``), the solver's ``status`` and CPU seconds."""

    first_day: date
    interval_s: int
    patterns: tuple[ShiftPattern, ...]
    shifts: list[dict[str, Any]]
    tours: list[dict[str, Any]]
    required: np.ndarray
    scheduled: np.ndarray
    paid_hours: float
    cost: float
    bound_hours: float
    status: str
    solve_s: float
    notes: list[str] = field(default_factory=list)
    base_bound_hours: float | None = None  # the LP bound of the requirement before any correction

    @property
    def gap(self) -> float:
        """Cost above the LP lower bound, as a share of it (cost = paid hours × each pattern's cost,
        the paid hours themselves when every pattern costs 1)."""
        return self.cost / self.bound_hours - 1 if self.bound_hours > 0 else 0.0

    @property
    def requirement_hours(self) -> float:
        return float(self.required.sum()) * self.interval_s / 3600

    @property
    def agents(self) -> int:
        return int(sum(t["agents"] for t in self.tours))

    @property
    def short(self) -> np.ndarray:
        """Positions missing per interval (0 where covered)."""
        return np.maximum(self.required - self.scheduled, 0)

    def roster(self) -> list[dict[str, Any]]:
        """Named agents: one dict per agent and working day (agent, pattern, day, start, end, breaks, paid_h).

        Agents of a tour take that tour's days; on each day the day's shifts of the pattern go to the
        agents working it in order of the start they had the day before, so starts stay close."""
        by_pattern = {p.name: p for p in self.patterns}
        out: list[dict[str, Any]] = []
        step = timedelta(minutes=1)
        for p in self.patterns:
            agents: list[tuple[str, tuple[int, ...]]] = []
            for t in (t for t in self.tours if t["pattern"] == p.name):
                agents += [("", t["days"])] * t["agents"]
            agents = [(f"{p.name}-{i + 1:03d}", days) for i, (_, days) in enumerate(agents)]
            last_start: dict[str, int] = {a: 0 for a, _ in agents}
            for d in range(7):
                todays = sorted((s for s in self.shifts if s["day"] == d and s["pattern"] == p.name),
                                key=lambda s: (s["start_min"], s["breaks"]))
                slots = [s for s in todays for _ in range(s["count"])]
                working = sorted((a for a, days in agents if d in days), key=lambda a: (last_start[a], a))
                if len(slots) != len(working):  # the model ties them; a mismatch is a bug
                    raise AssertionError(f"{p.name} day {d}: {len(slots)} shifts for {len(working)} agents")
                for a, s in zip(working, slots):
                    last_start[a] = s["start_min"]
                    day = self.first_day + timedelta(days=d)
                    start = datetime.combine(day, datetime.min.time()) + s["start_min"] * step
                    out.append({"agent": a, "pattern": p.name, "day": day, "start": start,
                                "end": start + by_pattern[p.name].length_min * step,
                                "breaks": [{"start": start + b0 * step, "minutes": b.minutes, "paid": b.paid}
                                           for b0, b in zip(s["breaks"], p.breaks)],
                                "paid_h": p.paid_min / 60})
        return sorted(out, key=lambda r: (r["agent"], r["day"]))

    def to_csv(self) -> str:
        """Every shift: agent, pattern, day, start, end, breaks (start+minutes; ...), paid hours."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["agent", "pattern", "day", "start", "end", "breaks", "paid_hours"])
        for r in self.roster():
            w.writerow([r["agent"], r["pattern"], r["day"].isoformat(), r["start"].strftime("%Y-%m-%d %H:%M"),
                        r["end"].strftime("%Y-%m-%d %H:%M"),
                        "; ".join(f"{b['start']:%H:%M}+{b['minutes']}m{'' if not b['paid'] else ' paid'}"
                                  for b in r["breaks"]), f"{r['paid_h']:g}"])
        return buf.getvalue()

    def roster_table(self) -> list[list[str]]:
        """Agent-by-day: a header row (agent, then each day) and one row per agent ("07:00-15:30" or "off")."""
        days = [self.first_day + timedelta(days=d) for d in range(7)]
        cells: dict[str, dict[date, str]] = {}
        for r in self.roster():
            cells.setdefault(r["agent"], {})[r["day"]] = f"{r['start']:%H:%M}-{r['end']:%H:%M}"
        head = ["agent"] + [f"{d:%a %d %b}" for d in days]
        return [head] + [[a] + [row.get(d, "off") for d in days] for a, row in sorted(cells.items())]


# ---------------------------------------------------------------------------------------- shapes
def _shapes(patterns: Sequence[ShiftPattern], interval_s: int) -> list[dict[str, Any]]:
    """Every (pattern, start, break placement) with the intervals (from its day's midnight) it works."""
    step = interval_s // 60
    out = []
    for pi, p in enumerate(patterns):
        if p.length_min % step or p.first_start_min % step:
            raise ConfigError(f"shift {p.name}: length and starts must be whole {step}-minute intervals")
        options = []
        for b in p.breaks:
            if b.minutes % step or b.earliest_min % step:
                raise ConfigError(f"shift {p.name}: breaks must be whole {step}-minute intervals")
            options.append(list(range(b.earliest_min, b.latest_min + 1, step)))
        for start in range(p.first_start_min, p.last_start_min + 1, step):
            for placement in itertools.product(*options) if options else [()]:
                spans = sorted(zip(placement, (b.minutes for b in p.breaks)))
                if any(a + m > n for (a, m), (n, _) in zip(spans, spans[1:])):
                    continue  # breaks that overlap
                if any(a < step or a + m > p.length_min - step for a, m in spans):
                    continue  # a break must leave work before and after it
                work = np.ones(p.length_min // step, dtype=bool)
                for a, m in spans:
                    work[a // step:(a + m) // step] = False
                cover = (start // step) + np.flatnonzero(work)
                out.append({"pattern": pi, "start_min": start, "breaks": tuple(placement), "cover": cover})
    return out


def _coverage_matrix(shapes, per_day: int) -> np.ndarray:
    """A[shape, interval of a 7-day week] = 1 where a shape started on day 0 works (wrapping)."""
    a = np.zeros((len(shapes), 7 * per_day))
    for i, s in enumerate(shapes):
        a[i, s["cover"] % (7 * per_day)] = 1
    return a


def lp_bound(required: np.ndarray, patterns: Sequence[ShiftPattern], interval_s: int, *, tours: bool = True) -> float:
    """The LP lower bound (hours): the least paid hours of the same model with fractional shifts and
    tours (GLOP). No integer schedule of these patterns covering ``required`` can cost less."""
    from ortools.linear_solver import pywraplp

    per_day = 86400 // interval_s
    shapes = _shapes(patterns, interval_s)
    cov = _coverage_matrix(shapes, per_day)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    req = np.ceil(np.asarray(required, dtype=float).ravel() - 1e-9)
    x = {(d, i): solver.NumVar(0, solver.infinity(), "") for d in range(7) for i in range(len(shapes))}
    cols: dict[int, list] = {t: [] for t in range(7 * per_day)}
    for (d, i), v in x.items():
        for t in np.flatnonzero(np.roll(cov[i], d * per_day)):
            cols[int(t)].append(v)
    for t, vs in cols.items():
        if req[t] > 0 and vs:  # an interval no shift reaches cannot be covered by any schedule: left out
            solver.Add(sum(vs) >= float(req[t]))
    if tours:
        for pi, p in enumerate(patterns):
            ts = p.tours()
            y = [solver.NumVar(0, solver.infinity(), "") for _ in ts]
            for d in range(7):
                solver.Add(sum(x[d, i] for i, sh in enumerate(shapes) if sh["pattern"] == pi)
                           == sum(y[o] for o, days in enumerate(ts) if d in days))
            if p.max_agents is not None:
                solver.Add(sum(y) <= p.max_agents)
    solver.Minimize(sum(v * patterns[shapes[i]["pattern"]].paid_min / 60 * patterns[shapes[i]["pattern"]].cost
                        for (d, i), v in x.items()))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise InputError("the requirement cannot be covered by these shift patterns (check their start windows "
                         "and caps)")
    return float(solver.Objective().Value())


def solve(required, patterns: Sequence[ShiftPattern], *, interval_s: int = 1800, first_day: date | None = None,
          time_limit_s: float = 50.0, workers: int = 2, gap_limit: float = 0.005, tours: bool = True) -> Schedule:
    """The least-cost weekly schedule covering ``required`` (positions per interval, 7 days of intervals).

    The solver stops when its solution is proven within ``gap_limit`` of the optimum or within one of
    the cheapest shifts, or at ``time_limit_s``.

    ``tours=False`` solves the day-level problem only (no agents' weeks, no caps): the problem
    pyworkforce's scheduler solves, for comparisons; it has no roster."""
    from ortools.sat.python import cp_model

    per_day = 86400 // int(interval_s)
    req = np.asarray(required, dtype=float).ravel()
    if req.size != 7 * per_day:
        raise InputError(f"a schedule covers one week: {7 * per_day} intervals of {interval_s // 60} min, "
                         f"not {req.size}")
    if np.any(req < 0):
        raise InputError("the requirement cannot be negative")
    req = np.ceil(req - 1e-9).astype(int)
    if not patterns:
        raise ConfigError("no shift patterns to schedule with")
    t0 = time.process_time()
    shapes = _shapes(patterns, interval_s)
    cov = _coverage_matrix(shapes, per_day)
    bound = lp_bound(req, patterns, interval_s, tours=tours) if req.sum() else 0.0
    m = cp_model.CpModel()
    hi = int(req.max()) + 1
    x = {(d, i): m.NewIntVar(0, hi, f"x{d}_{i}") for d in range(7) for i in range(len(shapes))}
    y = {(pi, o): m.NewIntVar(0, 7 * hi, f"y{pi}_{o}") for pi, p in enumerate(patterns)
         for o in range(len(p.tours()))} if tours else {}
    cols: dict[int, list] = {t: [] for t in range(7 * per_day)}
    for (d, i), v in x.items():
        for t in np.flatnonzero(np.roll(cov[i], d * per_day)):
            cols[int(t)].append(v)
    short = {}
    for t, vs in cols.items():
        if req[t] > 0:
            short[t] = m.NewIntVar(0, int(req[t]), f"s{t}")
            m.Add(sum(vs) + short[t] >= int(req[t]))
    for pi, p in enumerate(patterns if tours else ()):
        ts = p.tours()
        for d in range(7):
            m.Add(sum(x[d, i] for i, s in enumerate(shapes) if s["pattern"] == pi)
                  == sum(y[pi, o] for o, days in enumerate(ts) if d in days))
        if p.max_agents is not None:
            m.Add(sum(y[pi, o] for o in range(len(ts))) <= int(p.max_agents))
    # costs in integer units: cost per paid minute, scaled
    unit = {i: int(round(patterns[s["pattern"]].paid_min * patterns[s["pattern"]].cost * 100)) for i, s in enumerate(shapes)}
    penalty = int(_SHORTFALL_COST * 60 * 100 * interval_s / 3600)
    m.Minimize(sum(x[d, i] * unit[i] for (d, i) in x) + sum(v * penalty for v in short.values()))
    # a good start: the LP's shape choice is not integral; CP-SAT finds its own quickly
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_search_workers = int(workers)
    solver.parameters.relative_gap_limit = float(gap_limit)
    solver.parameters.absolute_gap_limit = float(min(unit.values()))  # within one shortest shift is enough
    status = solver.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(f"no schedule found within {time_limit_s:g} s (solver: {solver.StatusName(status)})")
    shifts = []
    for (d, i), v in x.items():
        n = solver.Value(v)
        if n:
            s = shapes[i]
            shifts.append({"day": d, "pattern": patterns[s["pattern"]].name, "start_min": s["start_min"],
                           "breaks": s["breaks"], "count": int(n)})
    tour_rows = []
    for (pi, o), v in y.items():
        n = solver.Value(v)
        if n:
            tour_rows.append({"pattern": patterns[pi].name, "days": patterns[pi].tours()[o], "agents": int(n)})
    scheduled = np.zeros(7 * per_day)
    for (d, i), v in x.items():
        n = solver.Value(v)
        if n:
            scheduled += n * np.roll(cov[i], d * per_day)
    paid = sum(s["count"] * next(p for p in patterns if p.name == s["pattern"]).paid_min / 60 for s in shifts)
    cost = sum(s["count"] * next(p for p in patterns if p.name == s["pattern"]).paid_min / 60
               * next(p for p in patterns if p.name == s["pattern"]).cost for s in shifts)
    notes = []
    missing = np.maximum(req - scheduled, 0)
    unreachable = np.array([req[t] > 0 and not cols[t] for t in range(req.size)])
    if unreachable.any():
        notes.append(f"{int(req[unreachable].sum())} position-intervals fall outside every pattern's hours "
                     f"({int(unreachable.sum())} intervals): add a pattern that works then")
    if missing[~unreachable].sum():
        notes.append(f"{int(missing[~unreachable].sum())} position-intervals cannot be covered within the patterns' caps")
    return Schedule(first_day or date(2000, 1, 3), int(interval_s), tuple(patterns), shifts, tour_rows,
                    req.astype(float), scheduled, float(paid), float(cost), bound, solver.StatusName(status),
                    time.process_time() - t0, notes)


def pyworkforce_schedule(required, patterns: Sequence[ShiftPattern], *, interval_s: int = 1800,
                         time_limit_s: float = 50.0, workers: int = 2) -> dict[str, Any]:
    """The same day-level problem solved by pyworkforce's ``MinRequiredResources`` (its shifts are our
    shapes that end before midnight, no tours, cost = paid minutes × the pattern's cost): paid hours,
    cost, status and CPU seconds."""
    from pyworkforce.scheduling import MinRequiredResources

    per_day = 86400 // int(interval_s)
    req = np.ceil(np.asarray(required, dtype=float).reshape(7, per_day) - 1e-9).astype(int)
    shapes = [s for s in _shapes(patterns, interval_s) if s["cover"].max() < per_day]
    coverage, cost = {}, {}
    for i, s in enumerate(shapes):
        v = np.zeros(per_day, dtype=int)
        v[s["cover"]] = 1
        coverage[f"s{i}"] = v.tolist()
        p = patterns[s["pattern"]]
        cost[f"s{i}"] = int(round(p.paid_min * p.cost))
    t0 = time.process_time()
    model = MinRequiredResources(num_days=7, periods=per_day, shifts_coverage=coverage,
                                 required_resources=req.tolist(), max_period_concurrency=int(req.max()) * 3 + 1,
                                 max_shift_concurrency=int(req.max()) + 1, cost_dict=cost,
                                 max_search_time=float(time_limit_s), num_search_workers=int(workers))
    sol = model.solve()
    cpu = time.process_time() - t0
    paid = cost_h = 0.0
    for r in sol.get("resources_shifts", []):
        if r["resources"] and r["resources"] > 0:
            p = patterns[shapes[int(r["shift"][1:])]["pattern"]]
            paid += r["resources"] * p.paid_min / 60
            cost_h += r["resources"] * p.paid_min / 60 * p.cost
    return {"status": sol["status"], "paid_hours": paid, "cost": cost_h, "cpu_s": cpu}


# ---------------------------------------------------------------------------------------- config
def _minutes(value: Any, what: str) -> int:
    from earful.metrics._keys import seconds

    try:
        return int(round(seconds(value, what) / 60))
    except InputError as exc:
        raise ConfigError(str(exc)) from None


def _clock(text: str, what: str) -> int:
    try:
        h, m = str(text).strip().split(":")
        v = int(h) * 60 + int(m)
    except ValueError:
        raise ConfigError(f"{what}: {text!r} is not a time of day like 07:30") from None
    if not 0 <= v < 24 * 60:
        raise ConfigError(f"{what}: {text!r} is not a time of day")
    return v


def _window(text: Any, what: str, clock: bool) -> tuple[int, int]:
    parts = str(text).replace("–", "-").split("-")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ConfigError(f"{what}: {text!r} is not a window like 07:00-12:00")
    a, b = ((_clock(p, what) if clock else _minutes(p.strip(), what)) for p in parts)
    if b < a:
        raise ConfigError(f"{what}: {text!r} ends before it starts")
    return a, b


_PATTERN_KEYS = {"length", "starts", "breaks", "days", "days_off", "max_agents", "cost"}


def parse_patterns(data: Any, origin: str = "shifts") -> tuple[ShiftPattern, ...]:
    """Shift patterns from a YAML mapping (text or already loaded)::

        full_time:
          length: 8.5h                # start to end, breaks included
          starts: "07:00-12:00"       # first and last start
          breaks: [{length: 30m, after: "3h-5h", paid: false}]
          days: 5                     # worked a week
          days_off: consecutive       # or any
        part_time: {length: 4h, starts: "08:00-16:00", days: 4, max_agents: 20, cost: 1.1}
    """
    import yaml

    from earful.wfm.calendar import yaml_load

    if isinstance(data, str):
        try:
            data = yaml_load(data)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{origin}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if isinstance(data, dict) and "patterns" in data:
        data = data["patterns"]
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{origin}: expected shift patterns by name (e.g. full_time: {{length: 8.5h, ...}})")
    out = []
    for name, spec in data.items():
        what = f"{origin}: {name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{what}: must be a mapping of length, starts, breaks ...")
        bad = set(spec) - _PATTERN_KEYS
        if bad:
            raise ConfigError(f"{what}: unknown key {sorted(bad)[0]!r} (allowed: {', '.join(sorted(_PATTERN_KEYS))})")
        if "length" not in spec or "starts" not in spec:
            raise ConfigError(f"{what}: needs a length and starts")
        length = _minutes(spec["length"], f"{what} length")
        if not 60 <= length <= 16 * 60:
            raise ConfigError(f"{what}: a shift is 1 to 16 hours long")
        first, last = _window(spec["starts"], f"{what} starts", clock=True)
        breaks = []
        for j, b in enumerate(spec.get("breaks") or []):
            if not isinstance(b, dict) or "length" not in b or "after" not in b:
                raise ConfigError(f"{what} break {j + 1}: needs a length and after (e.g. {{length: 30m, after: 3h-5h}})")
            lo, hi = _window(b["after"], f"{what} break {j + 1} after", clock=False)
            breaks.append(Break(_minutes(b["length"], f"{what} break length"), lo, hi, bool(b.get("paid", False))))
        days = int(spec.get("days", 5))
        if not 1 <= days <= 7:
            raise ConfigError(f"{what}: days must be 1 to 7")
        off = str(spec.get("days_off", "consecutive"))
        if off not in ("consecutive", "any"):
            raise ConfigError(f"{what}: days_off must be consecutive or any")
        max_agents = spec.get("max_agents")
        cost = float(spec.get("cost", 1.0))
        if cost <= 0:
            raise ConfigError(f"{what}: cost must be positive")
        out.append(ShiftPattern(str(name), length, first, last, tuple(breaks), days, off == "consecutive",
                                None if max_agents is None else int(max_agents), cost))
    return tuple(out)
