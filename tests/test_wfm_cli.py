"""`earful forecast` and `earful schedule` as a planner runs them: real processes over a copy of the bank
month, CSV and roster files, JSON, the back-test table, and one-line errors."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

from _wfm import bank_store  # noqa: F401


def earful(*args, db=None, timeout=600):
    cmd = [sys.executable, "-m", "earful.cli", *map(str, args)] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={"COLUMNS": "200", "PATH": ""})


def _one_line_error(p, needle):
    assert p.returncode == 2, (p.stdout, p.stderr)
    err = p.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and needle in err, err


def test_forecast_then_schedule(tmp_path, bank_store):
    db = tmp_path / "bank.duckdb"
    shutil.copy(bank_store, db)
    plan = tmp_path / "plan.yaml"
    plan.write_text("interval: 30m\nhorizon: 7d\nshrinkage: 25%\nholidays: {default: IL}\n"
                    "shifts:\n  full_time: {length: 8.5h, starts: '06:30-15:30', breaks: [{length: 30m, after: 3h-5h}]}\n"
                    "  part_time: {length: 4h, starts: '08:00-20:00', days: 4, max_agents: 10}\n"
                    "  night: {length: 8h, starts: '23:00-23:30', days: 5}\n", encoding="utf-8")
    p = earful("forecast", "--plan", plan, "--queue", "PS,NW", "--until", "2010-08-22", "--out", tmp_path / "f.csv", db=db)
    assert p.returncode == 0, p.stderr
    assert "PS (voice)" in p.stdout and "Erlang A, patience" in p.stdout and "shrinkage 25%" in p.stdout
    rows = list(csv.DictReader(open(tmp_path / "f.csv", encoding="utf-8")))
    assert len(rows) == 2 * 7 * 48 and rows[0]["interval_start"] == "2010-08-22 00:00:00"
    week = sum(float(r["volume"]) for r in rows if r["queue"] == "PS")
    assert 4000 < week < 6000  # the week had 4,836 PS calls
    assert all(float(r["volume_lo95"]) <= float(r["volume"]) <= float(r["volume_hi95"]) for r in rows)
    assert all(int(r["positions"]) >= int(r["agents"]) for r in rows)
    p = earful("schedule", "--plan", plan, "--queue", "NW", "--replications", "3", "--check-replications", "4",
               "--out", tmp_path / "shifts.csv", "--roster", tmp_path / "roster.csv", "--json", db=db)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    # 13 agents: one shift is 1 % of the week, so the integer optimum sits a few % above the LP bound
    assert s["queue"] == "NW" and s["agents"] > 5 and s["gap"] <= 0.05
    assert s["paid_hours"] >= s["requirement_hours"] and 0.0 <= s["open_intervals_meeting_target"] <= 1.0
    shifts = list(csv.DictReader(open(tmp_path / "shifts.csv", encoding="utf-8")))
    assert sum(float(r["paid_hours"]) for r in shifts) == s["paid_hours"]
    roster = list(csv.reader(open(tmp_path / "roster.csv", encoding="utf-8")))
    assert roster[0][0] == "agent" and len(roster) == s["agents"] + 1
    assert all(sum(c != "off" for c in row[1:]) in (4, 5) for row in roster[1:])
    p = earful("forecast", "--backtest", "--queue", "PS", "--origin", "2010-08-22", db=db)
    assert p.returncode == 0, p.stderr
    assert "seasonal_naive" in p.stdout and "MASE" in p.stdout


def test_planner_mistakes_are_one_line_errors(tmp_path, bank_store):
    db = tmp_path / "bank.duckdb"
    shutil.copy(bank_store, db)
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: 7d\nshift: {}\n", encoding="utf-8")
    _one_line_error(earful("forecast", "--plan", bad, db=db), "unknown key 'shift'")
    bad.write_text("special_days: [{name: x, dates: 2025-13-01}]\n", encoding="utf-8")
    _one_line_error(earful("forecast", "--plan", bad, db=db), "is not a date")
    _one_line_error(earful("forecast", "--queue", "nope", db=db), "no contacts or interval reports")
    _one_line_error(earful("forecast", "--until", "2010-08-10", db=db), "two full weeks")
    _one_line_error(earful("forecast", "--holidays", "XX", db=db), "no country")
    _one_line_error(earful("schedule", db=db), "no forecast in the store")
    _one_line_error(earful("forecast", "--plan", tmp_path / "none.yaml", db=db), "not found")
