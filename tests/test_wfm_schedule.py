"""Schedules: the least paid hours against the LP bound and pyworkforce's scheduler on the same shapes,
a roster that keeps every pattern's rules, and the simulation check on the bank's week 4."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from _wfm import bank_store  # noqa: F401

from earful.errors import ConfigError
from earful.staffing import erlang_a
from earful.metrics.definitions import DEFAULTS
from earful.staffing.requirement import requirement
from earful.store import connect
from earful.wfm import Forecaster, history
from earful.wfm.check import simulate_schedule, solve_checked
from earful.wfm.schedule import parse_patterns, pyworkforce_schedule, solve

PATTERNS = """
full_time: {length: 8.5h, starts: "06:30-15:30", breaks: [{length: 30m, after: "3h-5h"}], days: 5}
part_time: {length: 4h, starts: "08:00-20:00", days: 4, days_off: any, max_agents: 12}
night: {length: 8h, starts: "23:00-23:30", days: 5, cost: 1.25}
"""


def _week4(bank_store, queue: str):
    """A bank queue's week 4 forecast from weeks 1-3 and its requirement (Erlang A, the month's patience,
    30 % shrinkage)."""
    con = connect(bank_store, read_only=True)
    s = {x.queue: x for x in history(con, 1800, end=date(2010, 8, 22))}[queue]
    con.close()
    f = Forecaster().fit(s).predict(7)
    r = requirement(f.volume, f.aht_s, DEFAULTS.for_channel("voice"), shrinkage=0.3, patience_s=s.patience_s())
    return f, r, s.patience_s()


@pytest.fixture(scope="module")
def week4(bank_store):
    """The busiest queue (PS, about 4,700 calls that week)."""
    return _week4(bank_store, "PS")


def test_cost_near_the_lp_bound_and_equal_to_pyworkforce(week4):
    _, r, _ = week4
    pats = parse_patterns(PATTERNS)
    sched = solve(r.positions, pats, first_day=date(2010, 8, 22))
    assert sched.status in ("OPTIMAL", "FEASIBLE")
    assert sched.bound_hours <= sched.cost <= 1.02 * sched.bound_hours
    assert sched.paid_hours >= sched.requirement_hours  # no schedule beats the requirement itself
    assert np.all(sched.scheduled >= sched.required) and not sched.notes
    # the day-level problem (no agents' weeks, shifts within a day) is pyworkforce's: the same optimum
    day_pats = parse_patterns(PATTERNS.replace("23:00-23:30", "16:00-16:00"))
    req = r.positions.reshape(7, 48).copy()
    req[:, :13] = 0  # before 06:30 no day shift works: pyworkforce cannot leave a requirement uncovered
    day = solve(req.ravel(), day_pats, tours=False)
    peer = pyworkforce_schedule(req.ravel(), day_pats)
    assert peer["status"] == "OPTIMAL" and day.status == "OPTIMAL"
    assert day.cost == pytest.approx(peer["cost"])


def test_roster_keeps_every_rule(week4):
    _, r, _ = week4
    pats = {p.name: p for p in parse_patterns(PATTERNS)}
    sched = solve(r.positions, tuple(pats.values()), first_day=date(2010, 8, 22))
    roster = sched.roster()
    by_agent: dict[str, list] = {}
    for row in roster:
        by_agent.setdefault(row["agent"], []).append(row)
    assert len(by_agent) == sched.agents
    assert sum(1 for a in by_agent if a.startswith("part_time")) <= 12
    covered = np.zeros(7 * 48)
    for agent, rows in by_agent.items():
        p = pats[rows[0]["pattern"]]
        days = sorted((row["day"] - date(2010, 8, 22)).days for row in rows)
        assert len(days) == p.days == len(set(days))
        if p.consecutive_off:  # the two days off follow each other (the week wraps)
            off = sorted(set(range(7)) - set(days))
            assert (off[1] - off[0]) % 7 in (1, 6)
        for row in rows:
            start_min = row["start"].hour * 60 + row["start"].minute
            assert p.first_start_min <= start_min <= p.last_start_min
            assert (row["end"] - row["start"]).total_seconds() == p.length_min * 60
            d = (row["day"] - date(2010, 8, 22)).days
            work = np.ones(p.length_min // 30, bool)
            for b in row["breaks"]:
                after = (b["start"] - row["start"]).total_seconds() / 60
                assert 180 <= after <= 300 and b["minutes"] == 30
                work[int(after) // 30] = False
            idx = (d * 48 + start_min // 30 + np.flatnonzero(work)) % (7 * 48)
            covered[idx] += 1
    np.testing.assert_array_equal(covered, sched.scheduled)
    table = sched.roster_table()
    assert table[0][0] == "agent" and len(table) == sched.agents + 1
    assert sched.to_csv().splitlines()[0] == "agent,pattern,day,start,end,breaks,paid_hours"


def test_simulation_agrees_with_erlang_a_and_the_checked_schedule_meets_the_target(bank_store):
    f, r, patience = _week4(bank_store, "NW")  # about 1,200 calls that week: simulated weeks stay quick
    pats = parse_patterns(PATTERNS)
    sched = solve(r.positions, pats)
    chk = simulate_schedule(f.volume, f.aht_s, sched.scheduled, shrinkage=0.3, patience_s=patience, replications=6)
    ea = erlang_a(f.volume, 1800, np.nan_to_num(f.aht_s, nan=1.0), chk.agents, patience)
    busy = chk.open_ & (chk.agents > 0) & (chk.offered >= 6 * 5)
    w = chk.offered[busy]
    assert abs(np.sum((chk.service_level[busy] - ea.service_level[busy]) * w) / w.sum()) < 0.03
    assert abs(np.sum((chk.abandon_rate[busy] - ea.abandon_rate[busy]) * w) / w.sum()) < 0.02
    checked, final = solve_checked(r.positions, pats, f.volume, f.aht_s, shrinkage=0.3, patience_s=patience,
                                   replications=4, rounds=2)
    print(f"open intervals meeting the target: {final.open_met:.3f}, SL {final.overall_sl:.3f}, "
          f"paid {checked.paid_hours} h, bound {sched.bound_hours:.1f} h")
    assert final.open_met >= 0.9 and final.overall_sl >= 0.8
    assert checked.paid_hours <= 1.06 * sched.bound_hours


def test_pattern_mistakes_are_one_line_errors():
    with pytest.raises(ConfigError, match="needs a length and starts"):
        parse_patterns("a: {length: 8h}")
    with pytest.raises(ConfigError, match="unknown key"):
        parse_patterns("a: {length: 8h, starts: '07:00-09:00', lunch: 1h}")
    with pytest.raises(ConfigError, match="time of day"):
        parse_patterns("a: {length: 8h, starts: '25:00-26:00'}")
    with pytest.raises(ConfigError, match="ends before it starts"):
        parse_patterns("a: {length: 8h, starts: '09:00-07:00'}")
    with pytest.raises(ConfigError, match="1 to 16 hours"):
        parse_patterns("a: {length: 20h, starts: '07:00'}")
    with pytest.raises(ConfigError, match="whole 30-minute"):
        solve(np.ones(336), parse_patterns("a: {length: 8h, starts: '07:10-07:10'}"))
