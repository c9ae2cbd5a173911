"""Workforce planning: forecast accuracy and speed, schedule cost and speed, schedule check, with the
peers run in the same process on the same inputs.

    PYTHONPATH=src python bench/wfm.py [--part all|accuracy|speed|schedule|check] [--out docs/bench/wfm.md]

accuracy  rolling-origin back-tests (7 days ahead by half hour) of the four models on the real
          Anonymous Bank month (weeks 1-3 forecast week 4, and the week before as a second origin),
          on the demo month (the simulator, seed 7: weeks 1-3 forecast week 4) and on a simulated
          quarter (seed 11, from 2025-03-31) with the English public holidays at 35 % volume and a
          mailing campaign at 160 % on 13-15 May and 17-19 June, forecast with the holiday calendar
          and the campaign named as a special day (its multiplier left to be learnt), origins the
          last five Mondays. The forecaster was not tuned on any of these but the bank's first
          origin (the curve smoothing's one constant, see docs/wfm.md).
speed     a week of 30-minute intervals for 20 queues (8 weeks of history each, Poisson volumes
          around real-looking curves), each model fitted and forecast; CPU seconds and wall.
schedule  a weekly schedule of about 200 agents (the demo's voice week, volume × 12) with full-time,
          part-time and evening patterns; earful's CP-SAT with agents' weeks, its LP bound, and the
          day-level problem solved by earful and by pyworkforce's MinRequiredResources on the
          same shapes.
check     the demo's voice week and the bank's PS week 4: schedule, correct by simulation (30
          simulated weeks per round, at most 4 rounds), check with 100 fresh simulated weeks.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SHARED = Path(os.environ.get("EARFUL_SHARED_DATA", REPO.parent / "shared" / "data"))

from earful.ingest import ingest_file  # noqa: E402
from earful.store import connect  # noqa: E402
from earful.wfm import Forecaster, HolidayCalendar, SpecialDay, backtest, history  # noqa: E402
from earful.wfm.history import series_from_arrays  # noqa: E402

LINES: list[str] = []


def say(text: str = "") -> None:
    print(text, flush=True)
    LINES.append(text)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return "{:.1f}".format(os.getloadavg()[0])


def _table(bt, title: str) -> None:
    say(f"\n**{title}**\n")
    say("| model | wMAPE | vs seasonal naive | MASE | in 80 % range | in 95 % range | AHT error |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    base = bt.pooled("seasonal_naive")["wmape"]
    for m in bt.models():
        p = bt.pooled(m)
        say(f"| {m} | {p['wmape']:.1%} | {(p['wmape'] / base - 1) * 100:+.1f} % | {p['mase']:.3f} | "
            f"{p['coverage80']:.0%} | {p['coverage95']:.0%} | {p['aht_error']:.1%} |")
    queues = sorted({r["queue"] for r in bt.rows})
    say("\n| queue | contacts | " + " | ".join(bt.models()) + " |")
    say("|---|---:|" + "---:|" * len(bt.models()))
    for q in queues:
        ps = {m: bt.pooled(m, q) for m in bt.models()}
        say(f"| {q} | {ps['mstl']['actual']:,.0f} | " + " | ".join(f"{ps[m]['wmape']:.1%}" for m in bt.models()) + " |")


def _store_of_simulation(tmp: Path, name: str, **kw) -> Path:
    from earful.sim import simulate, write_simulation

    t0 = time.perf_counter()
    sim = simulate(**kw)
    paths = write_simulation(sim, tmp / name)
    db = tmp / f"{name}.duckdb"
    con = connect(db)
    ingest_file(con, paths["interactions"], "earful")
    con.close()
    say(f"\n({name}: {len(sim.records):,} records simulated and loaded in {time.perf_counter() - t0:.0f} s)")
    return db


def accuracy(tmp: Path) -> None:
    say("\n## Forecast accuracy (rolling origin, 7 days ahead by half hour)\n")
    bank = SHARED / "anonymous_bank" / "august_calls.csv"
    db = tmp / "bank.duckdb"
    con = connect(db)
    ingest_file(con, bank, "technion")
    series = history(con, 1800)
    con.close()
    t0 = cpu()
    _table(backtest(series, origins=[date(2010, 8, 22)]), "Anonymous Bank, weeks 1-3 → week 4 (22-28 Aug 2010), 6 queues")
    _table(backtest(series, origins=[date(2010, 8, 15)]), "Anonymous Bank, weeks 1-2 → week 3 (the origin the curve "
                                                          "smoothing was chosen on)")
    say(f"\n(CPU {cpu() - t0:.1f} s for both back-tests, 4 models × 6 queues each; load {load()})")
    demo = _store_of_simulation(tmp, "demo", days=30, seed=7)
    con = connect(demo, read_only=True)
    series = history(con, 1800)
    con.close()
    _table(backtest(series, origins=[date(2025, 8, 22)]), "Demo month (simulator, seed 7), weeks 1-3 → week 4")
    hol = HolidayCalendar("GB", "ENG")
    start = date(2025, 3, 31)
    mult = {d: 0.35 for d in hol.between(start, start + timedelta(days=90))}
    camp = [date(2025, 5, 13), date(2025, 5, 14), date(2025, 5, 15), date(2025, 6, 17), date(2025, 6, 18), date(2025, 6, 19)]
    mult.update({d: 1.6 for d in camp})
    quarter = _store_of_simulation(tmp, "quarter", days=91, seed=11, start=start, day_multipliers=mult)
    con = connect(quarter, read_only=True)
    series = history(con, 1800)
    con.close()
    origins = [date(2025, 5, 26) + timedelta(days=7 * k) for k in range(5)]
    mailing = SpecialDay("mailing", tuple(camp))
    _table(backtest(series, origins=origins, holidays=hol, special_days=[mailing]),
           "Simulated quarter with holidays and a campaign, the calendar and the campaign given (5 origins)")
    _table(backtest(series, origins=origins), "The same quarter, forecast without the calendar or the campaign")


def _synthetic_queues(n: int, weeks: int, seed: int = 5):
    rng = np.random.default_rng(seed)
    h = (np.arange(48) + 0.5) / 2
    out = []
    start = datetime(2025, 1, 6)
    for q in range(n):
        open_h, close_h = rng.choice([7, 8, 9]), rng.choice([18, 20, 22])
        peak1, peak2 = rng.uniform(9.5, 11.5), rng.uniform(13.5, 16)
        shape = np.where((h >= open_h) & (h < close_h), np.exp(-0.5 * ((h - peak1) / 1.7) ** 2)
                         + rng.uniform(0.5, 0.9) * np.exp(-0.5 * ((h - peak2) / 2.0) ** 2) + 0.1, 0)
        shape /= shape.sum()
        week = np.array([1.15, 1.05, 1.0, 0.97, 0.9, rng.uniform(0.3, 0.6), rng.uniform(0.0, 0.3)])
        daily = rng.uniform(150, 3000)
        lam = np.concatenate([daily * week[d % 7] * (1 + 0.004 * d) * shape for d in range(weeks * 7)])
        y = rng.poisson(lam).astype(float)
        out.append(series_from_arrays(f"q{q + 1:02d}", "voice", 1800, start, y, handle_s=y * rng.uniform(150, 400)))
    return out


def speed() -> None:
    say("\n## Forecast speed: a week of 30-minute intervals for 20 queues\n")
    series = _synthetic_queues(20, 8)
    say(f"20 queues × 8 weeks of history ({sum(s.offered.sum() for s in series):,.0f} contacts), 336 intervals "
        f"forecast each; load {load()}\n")
    say("| model | wall s | CPU s | CPU ÷ earful's |")
    say("|---|---:|---:|---:|")
    Forecaster().fit(series[0]).predict(7)  # imports and the first statsforecast call out of the timing
    rows = []
    for model in ("mstl", "mstl_interval", "seasonal_naive", "whi"):
        w0, c0 = time.perf_counter(), cpu()
        for s in series:
            Forecaster(model).fit(s).predict(7)
        rows.append((model, time.perf_counter() - w0, cpu() - c0))
    base = rows[0][2]
    for model, w, c in rows:
        say(f"| {model} | {w:.2f} | {c:.2f} | {c / base:.2f}× |")


def _demo_voice(tmp: Path, db: Path | None = None):
    db = db or (tmp / "demo.duckdb")
    if not db.exists():
        db = _store_of_simulation(tmp, "demo", days=30, seed=7)
    con = connect(db, read_only=True)
    s = {x.queue: x for x in history(con, 1800, end=date(2025, 8, 22))}["voice"]
    con.close()
    f = Forecaster().fit(s).predict(7)
    return s, f


PATTERNS = """
full_time: {length: 8.5h, starts: "07:00-11:30", breaks: [{length: 30m, after: "3h-5h"}], days: 5}
late: {length: 8.5h, starts: "11:30-12:00", breaks: [{length: 30m, after: "3h-5h"}], days: 5}
part_time: {length: 4h, starts: "08:00-16:00", days: 4, days_off: any, max_agents: 60}
"""


def schedule(tmp: Path) -> None:
    from earful.wfm.schedule import parse_patterns, pyworkforce_schedule, solve

    say("\n## Schedule: about 200 agents, one week of 30-minute intervals\n")
    from earful.metrics.definitions import DEFAULTS
    from earful.staffing.requirement import requirement

    s, f = _demo_voice(tmp)
    r = requirement(f.volume * 12, f.aht_s, DEFAULTS.for_channel("voice"), shrinkage=0.3, patience_s=s.patience_s())
    pats = parse_patterns(PATTERNS)
    say(f"Requirement: the demo's voice forecast for 22-28 Aug 2025 × 12 (Erlang A, patience {s.patience_s():.0f} s, "
        f"{DEFAULTS.for_channel('voice').label}, at most 5 % abandoning, 30 % shrinkage): peak {r.positions.max()} "
        f"positions, {r.positions.sum() / 2:,.0f} "
        f"position-hours. Patterns: {PATTERNS.strip().replace(chr(10), '; ')}. Load {load()}.\n")
    w0, c0 = time.perf_counter(), cpu()
    sched = solve(r.positions, pats, first_day=f.start.date(), time_limit_s=55)
    w, c = time.perf_counter() - w0, cpu() - c0
    w1, c1 = time.perf_counter(), cpu()
    day = solve(r.positions, pats, tours=False, time_limit_s=55)
    wd, cd = time.perf_counter() - w1, cpu() - c1
    w2, c2 = time.perf_counter(), cpu()
    peer = pyworkforce_schedule(r.positions, pats, time_limit_s=55)
    wp, cp = time.perf_counter() - w2, cpu() - c2
    say("| solver | problem | agents | paid hours | LP bound h | above the bound | status | wall s | CPU s |")
    say("|---|---|---:|---:|---:|---:|---|---:|---:|")
    say(f"| earful (CP-SAT) | shifts and agents' weeks (days off, caps) | {sched.agents} | {sched.paid_hours:,.1f} | "
        f"{sched.bound_hours:,.1f} | {sched.gap:+.2%} | {sched.status} | {w:.2f} | {c:.2f} |")
    say(f"| earful (CP-SAT) | day level (shifts only) | — | {day.paid_hours:,.1f} | {day.bound_hours:,.1f} | "
        f"{day.gap:+.2%} | {day.status} | {wd:.2f} | {cd:.2f} |")
    say(f"| pyworkforce MinRequiredResources | day level, same shapes | — | {peer['paid_hours']:,.1f} | "
        f"{day.bound_hours:,.1f} | {peer['paid_hours'] / day.bound_hours - 1:+.2%} | {peer['status']} | {wp:.2f} | {cp:.2f} |")
    say(f"\nCPU ratio on the same day-level problem: pyworkforce ÷ earful = {cp / cd:.2f}×. "
        f"Requirement-hours {sched.requirement_hours:,.1f}; the schedule pays {sched.paid_hours / sched.requirement_hours - 1:+.1%} "
        "over them (breaks and whole shifts).")


def check(tmp: Path) -> None:
    from earful.metrics.definitions import DEFAULTS
    from earful.staffing.requirement import requirement
    from earful.wfm.check import solve_checked
    from earful.wfm.schedule import parse_patterns, solve

    say("\n## Schedule check by simulation\n")
    pats = parse_patterns(PATTERNS.replace("max_agents: 60", "max_agents: 12"))
    cases = []
    s, f = _demo_voice(tmp)
    cases.append(("demo voice, 22-28 Aug 2025", s, f))
    con = connect(tmp / "bank.duckdb", read_only=True) if (tmp / "bank.duckdb").exists() else None
    if con is None:
        con = connect(tmp / "bank.duckdb")
        ingest_file(con, SHARED / "anonymous_bank" / "august_calls.csv", "technion")
    s = {x.queue: x for x in history(con, 1800, end=date(2010, 8, 22))}["PS"]
    con.close()
    cases.append(("bank PS, 22-28 Aug 2010", s, Forecaster().fit(s).predict(7)))
    bank_pats = parse_patterns(PATTERNS.replace("max_agents: 60", "max_agents: 12")
                               + 'night: {length: 8h, starts: "23:00-23:30", days: 5}\n'
                               + 'evening: {length: 6h, starts: "18:00-18:00", days: 5}\n')
    say("\n| week | open intervals | SL target met (Erlang schedule) | met after correction | predicted SL | "
        "abandonment | paid h | LP bound of the Erlang requirement | + | CPU s |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    from earful.wfm.check import simulate_schedule

    for name, s, f in cases:
        p = bank_pats if name.startswith("bank") else pats
        r = requirement(f.volume, f.aht_s, DEFAULTS.for_channel("voice"), shrinkage=0.3, patience_s=s.patience_s())
        c0 = cpu()
        plain = solve(r.positions, p)
        before = simulate_schedule(f.volume, f.aht_s, plain.scheduled, shrinkage=0.3, patience_s=s.patience_s(),
                                   replications=100, seed=1000)
        sched, chk = solve_checked(r.positions, p, f.volume, f.aht_s, shrinkage=0.3, patience_s=s.patience_s(),
                                   replications=30, rounds=4)
        chk = simulate_schedule(f.volume, f.aht_s, sched.scheduled, shrinkage=0.3, patience_s=s.patience_s(),
                                replications=100, seed=1000)
        say(f"| {name} | {int(chk.open_.sum())} | {before.open_met:.1%} | **{chk.open_met:.1%}** | {chk.overall_sl:.1%} | "
            f"{chk.overall_abandon:.1%} | {sched.paid_hours:,.1f} | {sched.base_bound_hours:,.1f} | "
            f"{sched.paid_hours / sched.base_bound_hours - 1:+.1%} | {cpu() - c0:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="all", choices=["all", "accuracy", "speed", "schedule", "check"])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    say(f"# Workforce planning benchmark\n\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {load()} at the start; {datetime.now():%Y-%m-%d}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if args.part in ("all", "accuracy"):
            accuracy(tmp)
        if args.part in ("all", "speed"):
            speed()
        if args.part in ("all", "schedule"):
            schedule(tmp)
        if args.part in ("all", "check"):
            check(tmp)
    say(f"\nload average at the end {load()}")
    if args.out:
        args.out.write_text("\n".join(LINES) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
