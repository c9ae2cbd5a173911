"""Erlang C and Erlang A against a discrete-event simulation built on ciw (reneging for Erlang A).

Independent replications with fixed seeds; the predictions must fall inside the simulation's
simultaneous 95 % confidence intervals (Student t over replication means, Bonferroni-split over
the k quantities checked, so that all k hold together with 95 % confidence).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from earful.staffing import erlang_a, erlang_c

ciw = pytest.importorskip("ciw")

REPS, HORIZON_MIN, WARM_MIN, COOL_MIN = 12, 1500.0, 200.0, 60.0  # warm-up: ~6 relaxation times


def _replicate(lam, mu, theta, n, threshold_min, seed):
    kw = dict(arrival_distributions=[ciw.dists.Exponential(lam)],
              service_distributions=[ciw.dists.Exponential(mu)], number_of_servers=[n])
    if theta:
        kw["reneging_time_distributions"] = [ciw.dists.Exponential(theta)]
    ciw.seed(seed)
    sim = ciw.Simulation(ciw.create_network(**kw))
    sim.simulate_until_max_time(HORIZON_MIN)
    recs = [r for r in sim.get_all_records() if WARM_MIN <= r.arrival_date < HORIZON_MIN - COOL_MIN]
    served = np.array([r.record_type == "service" for r in recs])
    wait = np.array([r.waiting_time for r in recs])
    return {"service_level": np.mean(served & (wait <= threshold_min)), "p_wait": np.mean(wait > 0),
            "abandon_rate": np.mean(~served), "asa_min": np.mean(wait)}


def _interval(values, k):
    values = np.asarray(values)
    half = stats.t.ppf(1 - 0.025 / k, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return values.mean() - half, values.mean() + half


def _check(pred: dict, reps: list[dict]):
    for key, value in pred.items():
        lo, hi = _interval([r[key] for r in reps], len(pred))
        assert lo <= value <= hi, f"{key}: predicted {value:.4f}, simulation interval [{lo:.4f}, {hi:.4f}]"


def test_erlang_c_inside_simulation_interval():
    # 10 Erlangs on 12 agents (AHT 3 min, 200 calls/h), answered within 20 s
    lam, mu, n, thr = 10 / 3, 1 / 3, 12, 1 / 3
    reps = [_replicate(lam, mu, 0, n, thr, seed) for seed in range(101, 101 + REPS)]
    m = erlang_c(lam * 30, 30 * 60, 180, n, threshold_s=20)
    _check({"service_level": float(m.service_level), "p_wait": float(m.p_wait),
            "asa_min": float(m.asa_s) / 60}, reps)


def test_erlang_a_inside_simulation_interval():
    # 12 Erlangs offered to 11 agents (overloaded: Erlang C has no answer), patience 5 min
    lam, mu, theta, n, thr = 4.0, 1 / 3, 1 / 5, 11, 1 / 3
    reps = [_replicate(lam, mu, theta, n, thr, seed) for seed in range(201, 201 + REPS)]
    m = erlang_a(lam * 30, 30 * 60, 180, n, 300, threshold_s=20)
    assert float(erlang_c(lam * 30, 30 * 60, 180, n).service_level) == 0.0
    _check({"service_level": float(m.service_level), "p_wait": float(m.p_wait),
            "abandon_rate": float(m.abandon_rate), "asa_min": float(m.asa_s) / 60}, reps)
