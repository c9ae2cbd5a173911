"""Staffing maths against pyworkforce, an independent birth-death solution, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from math import ceil

import numpy as np
import pytest
from _staffing import birth_death
from scipy.special import gammainc

from earful.errors import InputError
from earful.staffing import agents_needed, erlang_a, erlang_b, erlang_c, what_if
from earful.staffing.erlang import _log_gamma_p

ErlangC = pytest.importorskip("pyworkforce.queuing").ErlangC


def test_pyworkforce_reference_case_erlang_c():
    """pyworkforce's README case: 100 calls / 30 min, AHT 3 min, 80 % in 20 s, 30 % shrinkage."""
    s = agents_needed(100, 1800, 180, target_sl=0.8, threshold_s=20, shrinkage=0.3)
    assert (s.agents, s.positions) == (14, 20)
    assert round(s.service_level, 3) == 0.888 and round(s.p_wait, 3) == 0.174
    assert round(s.occupancy, 3) == 0.714 and s.abandon_rate == 0
    ref = ErlangC(transactions=100, aht=3, asa=20 / 60, interval=30, shrinkage=0.3).required_positions(0.8)
    assert ref["raw_positions"] == s.agents and ref["positions"] == s.positions
    assert abs(ref["service_level"] - s.service_level) < 1e-9
    assert abs(ref["waiting_probability"] - s.p_wait) < 1e-9


def test_reference_case_erlang_a():
    s = agents_needed(100, 1800, 180, target_sl=0.8, threshold_s=20, shrinkage=0.3, patience_s=300)
    assert s.agents == 13 and s.positions == ceil(13 / 0.7)
    assert round(s.service_level, 3) == 0.858 and round(s.abandon_rate, 3) == 0.025
    below = erlang_a(100, 1800, 180, 12, 300)
    assert below.service_level < 0.8          # 12 agents would miss the target


def test_one_thousand_random_cases_equal_pyworkforce():
    rng = np.random.default_rng(20261122)
    compared = overshoots = 0
    for _ in range(1000):
        calls = int(rng.integers(1, 1000))
        interval_min = int(rng.choice([15, 30, 60]))
        aht_min = float(rng.uniform(0.5, 12))
        thr_min = float(rng.uniform(5, 60)) / 60
        shrink = float(rng.uniform(0, 0.5))
        target = float(rng.uniform(0.5, 0.95))
        max_occ = float(rng.uniform(0.7, 1.0))
        ref_model = ErlangC(transactions=calls, aht=aht_min, asa=thr_min, interval=interval_min, shrinkage=shrink)
        ours = agents_needed(calls, interval_min * 60, aht_min * 60, target_sl=target, threshold_s=thr_min * 60,
                             max_occupancy=max_occ, shrinkage=shrink)
        n = ours.agents
        m = erlang_c(calls, interval_min * 60, aht_min * 60, n, threshold_s=thr_min * 60)
        assert abs(float(m.p_wait) - ref_model.waiting_probability(n)) < 1e-6
        assert abs(float(m.service_level) - ref_model.service_level(n)) < 1e-6
        assert abs(float(m.occupancy) - ref_model.achieved_occupancy(n)) < 1e-6
        ref = ref_model.required_positions(target, max_occ)
        load = calls / interval_min * aht_min
        if round(load + 1) > n:
            # pyworkforce starts its search at round(load + 1), one above the smallest stable count
            # when load's fraction is >= .5; our smaller answer must then meet the target by its own maths
            overshoots += 1
            assert ref_model.service_level(n) >= target and ref["raw_positions"] == n + 1
            continue
        compared += 1
        assert ref["raw_positions"] == n and ref["positions"] == ours.positions
        for key, ours_v in (("service_level", ours.service_level), ("occupancy", ours.occupancy),
                            ("waiting_probability", ours.p_wait)):
            assert abs(ref[key] - ours_v) < 1e-6, (key, calls, interval_min, aht_min)
    assert compared >= 950, (compared, overshoots)


def test_erlang_a_equals_birth_death_chain():
    rng = np.random.default_rng(7)
    for _ in range(25):
        aht = float(rng.uniform(60, 600))
        patience = float(rng.uniform(20, 900))
        n = int(rng.integers(1, 60))
        load = n * float(rng.uniform(0.5, 1.6))                 # over- and under-loaded
        calls = load / aht * 1800
        thr = float(rng.uniform(0, 60))
        ref = birth_death(calls / 1800, 1 / aht, 1 / patience, n, thr)
        m = erlang_a(calls, 1800, aht, n, patience, threshold_s=thr)
        for key in ("p_wait", "abandon_rate", "service_level"):
            assert abs(float(getattr(m, key)) - ref[key]) < 1e-9, (key, n, load, patience)
        assert 0 <= float(m.occupancy) <= 1


def test_erlang_c_equals_birth_death_chain():
    for n, load in ((1, 0.5), (14, 10), (60, 59.5), (300, 280)):
        ref = birth_death(load / 180, 1 / 180, 0.0, n, 20)
        m = erlang_c(load * 10, 1800, 180, n)
        assert abs(float(m.p_wait) - ref["p_wait"]) < 1e-9
        assert abs(float(m.service_level) - ref["service_level"]) < 1e-9


def test_five_thousand_agents_are_stable():
    n = np.arange(4901, 5301)
    c = erlang_c(49_000, 1800, 180, n)                             # 4,900 Erlangs
    assert np.all(np.isfinite(c.p_wait)) and np.all(np.isfinite(c.service_level))
    assert np.all(np.diff(c.service_level) >= 0) and np.all(np.diff(c.p_wait) <= 0)
    ref = birth_death(4900 / 180, 1 / 180, 0.0, 5000, 20, with_sl=False)
    assert abs(float(c.p_wait[99]) / ref["p_wait"] - 1) < 1e-7
    # Erlang B against the textbook recursion 1/B_k = 1 + k/(a B_{k-1})
    inv = 1.0
    for k in range(1, 5001):
        inv = 1 + inv * k / 4900
    assert abs(float(erlang_b(49_000, 1800, 180, 5000).abandon_rate) * inv - 1) < 1e-9
    # Erlang A near critical load, and deep in the region where the incomplete gamma underflows
    a = erlang_a(50_000, 1800, 180, 5000, 300)
    ref = birth_death(50_000 / 1800, 1 / 180, 1 / 300, 5000, 20, with_sl=False)
    assert abs(float(a.p_wait) / ref["p_wait"] - 1) < 1e-7
    assert abs(float(a.abandon_rate) / ref["abandon_rate"] - 1) < 1e-7
    x, y = 5000 * 1000 / 180, 41_000 / 1800 * 1000
    assert gammainc(x, y) < 1e-200                                # the series branch is exercised
    deep = erlang_a(41_000, 1800, 180, 5000, 1000)
    ref = birth_death(41_000 / 1800, 1 / 180, 1 / 1000, 5000, 20, with_sl=False)
    assert 0 < ref["p_wait"] < 1e-20 and abs(float(deep.p_wait) / ref["p_wait"] - 1) < 1e-6
    assert np.isfinite(_log_gamma_p(x, y))
    big = agents_needed(np.array([45_000.0, 50_000.0]), 1800, 180, target_sl=0.9, patience_s=300)
    assert np.all(big.agents > 4000) and np.all(big.service_level >= 0.9)
    c = agents_needed(np.array([45_000.0, 50_000.0]), 1800, 180, target_sl=0.9, threshold_s=10)
    assert np.all(erlang_c(np.array([45_000.0, 50_000.0]), 1800, 180, c.agents - 1, threshold_s=10).service_level < 0.9)
    assert np.allclose(erlang_c(np.array([45_000.0, 50_000.0]), 1800, 180, c.agents, threshold_s=10).service_level,
                       c.service_level, atol=1e-9)


def test_vectorised_equals_one_by_one():
    rng = np.random.default_rng(3)
    calls = rng.integers(0, 800, 150).astype(float)
    aht = rng.uniform(60, 600, 150)
    for patience in (None, 240.0):
        many = agents_needed(calls, 1800, aht, target_sl=0.85, threshold_s=30, shrinkage=0.25,
                             max_occupancy=0.9, patience_s=patience)
        for i in range(0, 150, 7):
            one = agents_needed(calls[i], 1800, aht[i], target_sl=0.85, threshold_s=30, shrinkage=0.25,
                                max_occupancy=0.9, patience_s=patience)
            assert one.agents == many.agents[i] and one.positions == many.positions[i]
            assert one.service_level == pytest.approx(many.service_level[i], abs=1e-12)
            if calls[i] > 0:   # the fewest: one agent fewer misses a target
                n = one.agents
                model = (lambda k: erlang_c(calls[i], 1800, aht[i], k, threshold_s=30)) if patience is None else \
                    (lambda k: erlang_a(calls[i], 1800, aht[i], k, patience, threshold_s=30))
                at, fewer = model(n), model(n - 1)
                assert at.service_level >= 0.85 and at.occupancy <= 0.9 + 1e-12
                assert fewer.service_level < 0.85 or fewer.occupancy > 0.9 or n - 1 <= calls[i] / 1800 * aht[i]


def test_fewest_agents_meeting_each_kind_of_target():
    s = agents_needed(300, 1800, 240, target_sl=None, max_asa_s=15)
    assert s.asa_s <= 15 and erlang_c(300, 1800, 240, s.agents - 1).asa_s > 15
    s = agents_needed(300, 1800, 240, target_sl=None, max_abandon=0.02, patience_s=120)
    assert s.abandon_rate <= 0.02 and erlang_a(300, 1800, 240, s.agents - 1, 120).abandon_rate > 0.02
    s = agents_needed(300, 1800, 240, target_sl=0.5, max_occupancy=0.8)
    assert s.occupancy <= 0.8 and 40 / (s.agents - 1) > 0.8


def test_what_if_costs_more_agents_for_higher_targets():
    curve = what_if(600, 1800, 300, shrinkage=0.3)
    agents = [c.agents for c in curve]
    assert agents == sorted(agents) and agents[-1] > agents[0]
    occ = [c.occupancy for c in curve]
    assert occ == sorted(occ, reverse=True)
    assert [c.target_sl for c in curve] == [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert all(c.service_level >= c.target_sl for c in curve)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(aht_s=0), "AHT"),
    (dict(aht_s=-5), "AHT"),
    (dict(calls=-1), "calls"),
    (dict(target_sl=1.0, threshold_s=0), "100%"),
    (dict(shrinkage=1.0), "shrinkage"),
    (dict(max_abandon=0.05), "patience"),
    (dict(interval_s=0), "interval"),
])
def test_bad_inputs_say_what_is_wrong(kwargs, needle):
    args = dict(calls=100, interval_s=1800, aht_s=180) | {k: v for k, v in kwargs.items()
                                                          if k in ("calls", "interval_s", "aht_s")}
    opts = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(InputError, match=needle):
        agents_needed(args["calls"], args["interval_s"], args["aht_s"], **opts)


def test_no_calls_need_no_agents():
    s = agents_needed(np.array([0.0, 0.0]), 1800, 180)
    assert list(s.agents) == [0, 0] and list(s.service_level) == [1.0, 1.0]


def _earful(*args):
    return subprocess.run([sys.executable, "-m", "earful.cli", "staff", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_reference_case_and_what_if():
    p = _earful("--calls", "100", "--per", "30m", "--aht", "180s", "--target", "80/20", "--shrinkage", "30%", "--json")
    assert p.returncode == 0, p.stderr
    import json
    row = json.loads(p.stdout)["rows"][0]
    assert (row["agents"], row["positions"]) == (14, 20)
    from typer.testing import CliRunner

    from earful.cli import app

    r = CliRunner().invoke(app, ["staff", "--calls", "100", "--per", "30m", "--aht", "3m", "--target", "80/20",
                                 "--patience", "300s", "--json"])
    assert json.loads(r.stdout)["rows"][0]["agents"] == 13
    r = CliRunner().invoke(app, ["staff", "--what-if", "--calls", "100", "--per", "30m", "--aht", "180s",
                                 "--max-occupancy", "85%"])
    assert r.exit_code == 0 and "95%" in r.stdout and "positions" in r.stdout


def test_cli_bad_unit_is_one_line_in_a_real_process():
    p = _earful("--aht", "3 parsecs")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "--aht" in p.stderr


@pytest.mark.parametrize("args, needle", [
    (("--per", "-30m"), "--per"),
    (("--shrinkage", "130%"), "--shrinkage"),
    (("--target", "80"), "target"),
    (("--target", "80/abc"), "target"),
    (("--aht", "0s"), "AHT"),
    (("--max-occupancy", "lots"), "--max-occupancy"),
    (("--target", "100/0"), "100%"),
])
def test_cli_bad_units_are_one_line(args, needle):
    from typer.testing import CliRunner

    from earful.cli import app

    result = CliRunner().invoke(app, ["staff", *args])
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(err.splitlines()) == 1 and needle in err, err
