"""Erlang B, C and A queue formulas, vectorised with NumPy and stable to thousands of agents.

Every function takes the interval's offered calls, its length and the average handle time
(all broadcastable arrays) plus the agents on duty, and returns a `QueueMetrics` of arrays.
No factorials: Erlang B comes from the Poisson pmf/cdf ratio in log space and Erlang A from
the regularised incomplete gamma function (Garnett, Mandelbaum & Reiman 2002), with a
convergent series wherever the gamma function would underflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, gammaincc, gammaln

__all__ = ["QueueMetrics", "erlang_a", "erlang_b", "erlang_c", "offered_load"]

_TINY = 1e-200  # below this a regularised gamma value is recomputed by its series
_SERIES_TERMS = 600


@dataclass(frozen=True)
class QueueMetrics:
    """What a queue model predicts for each interval (arrays, or 0-d arrays for scalars).

    service_level: share of offered calls answered within the threshold.
    p_wait: probability that a call has to wait (Erlang B: 0, blocked calls are lost).
    asa_s: mean wait of all offered calls, answered and abandoned (inf when overloaded).
    abandon_rate: share of offered calls lost (Erlang B: blocked; Erlang A: abandoned; C: 0).
    occupancy: share of agents' time spent handling calls.
    """

    service_level: np.ndarray
    p_wait: np.ndarray
    asa_s: np.ndarray
    abandon_rate: np.ndarray
    occupancy: np.ndarray


def offered_load(calls, interval_s, aht_s) -> np.ndarray:
    """Offered load in Erlangs: a = calls / interval_s * aht_s (arrival rate times handle time)."""
    return np.asarray(calls, dtype=float) / np.asarray(interval_s, dtype=float) * np.asarray(aht_s, dtype=float)


def _series_log_sum(log_ratio_fn, shape, mask) -> np.ndarray:
    """log(sum_j prod_{i<=j} r_i) for the masked entries, r_i given by log_ratio_fn(i) (i>=1)."""
    out = np.zeros(shape)
    if not mask.any():
        return out
    log_term = np.zeros(int(mask.sum()))
    total = np.ones_like(log_term)
    for i in range(1, _SERIES_TERMS + 1):
        log_term = log_term + log_ratio_fn(i)
        term = np.exp(log_term)
        total += term
        if np.all(term < 1e-17 * total):
            break
    out[mask] = np.log(total)
    return out


def _log_erlang_b(agents: np.ndarray, load: np.ndarray) -> np.ndarray:
    """log of the Erlang B blocking probability.

    B(n, a) = (a^n / n!) / sum_{k=0..n} a^k / k!  =  Poisson pmf(n; a) / Poisson cdf(n; a),
    with cdf(n; a) = Q(n + 1, a), the regularised upper incomplete gamma function. Where that
    cdf underflows (a far above n) it is rebuilt as pmf(n) * sum_i n!/(n-i)! / a^i, a series
    whose ratio n/a is then well below one.
    """
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(load, dtype=float))
    log_pmf = n * np.log(a) - a - gammaln(n + 1)
    cdf = gammaincc(n + 1, a)
    under = cdf < _TINY
    with np.errstate(divide="ignore"):
        log_b = log_pmf - np.log(np.where(under, 1.0, cdf))
    if under.any():
        nn, aa = n[under], a[under]
        log_sum = _series_log_sum(lambda i: np.log(np.maximum(nn - i + 1, 1e-300)) - np.log(aa), n.shape, under)
        log_b = np.where(under, -log_sum, log_b)
    return np.minimum(log_b, 0.0)


def _log_gamma_p(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log P(x, y), the regularised lower incomplete gamma function, without underflow.

    P(x, y) = e^-y y^x / Gamma(x + 1) * sum_{j>=0} y^j / ((x+1)(x+2)...(x+j)); the series is used
    where P underflows (y far below x), where its ratio y/(x+j) is well below one.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    p = gammainc(x, y)
    under = p < _TINY
    with np.errstate(divide="ignore"):
        out = np.log(np.where(under, 1.0, p))
    if under.any():
        xx, yy = x[under], y[under]
        log_sum = _series_log_sum(lambda j: np.log(yy) - np.log(xx + j), x.shape, under)
        head = -y + x * np.log(np.maximum(y, 1e-300)) - gammaln(x + 1)
        out = np.where(under, head + log_sum, out)
    return out


def _inputs(calls, interval_s, aht_s, agents):
    calls, interval_s, aht_s, agents = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (calls, interval_s, aht_s, agents)))
    if np.any(interval_s <= 0) or np.any(aht_s <= 0):
        from earful.errors import InputError
        raise InputError("interval length and AHT must be positive")
    if np.any(calls < 0) or np.any(agents < 0):
        from earful.errors import InputError
        raise InputError("calls and agents cannot be negative")
    return calls, interval_s, aht_s, agents


def erlang_b(calls, interval_s, aht_s, agents) -> QueueMetrics:
    """Erlang B (M/M/n/n, blocked calls lost): abandon_rate is the blocking probability B(n, a).

    B(n, a) = (a^n / n!) / sum_{k=0..n} a^k / k!; served calls never wait, so
    service_level = 1 - B, p_wait = 0, ASA = 0, occupancy = a (1 - B) / n.
    """
    calls, interval_s, aht_s, agents = _inputs(calls, interval_s, aht_s, agents)
    a = offered_load(calls, interval_s, aht_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(a > 0, np.exp(_log_erlang_b(agents, np.where(a > 0, a, 1.0))), 0.0)
        b = np.where(agents > 0, b, np.where(a > 0, 1.0, 0.0))
        occ = np.where(agents > 0, a * (1 - b) / np.where(agents > 0, agents, 1.0), 0.0)
    zero = np.zeros_like(a)
    return QueueMetrics(1 - b, zero, zero, b, occ)


def erlang_c(calls, interval_s, aht_s, agents, *, threshold_s=20.0) -> QueueMetrics:
    """Erlang C (M/M/n, infinitely patient callers) at load a = calls/interval_s*aht_s, n agents.

    p_wait = C(n, a) = n B / (n - a (1 - B))            (B = Erlang B(n, a)), for n > a
    service_level = 1 - C exp(-(n - a) T / AHT)          (T = threshold_s)
    asa_s = C AHT / (n - a);  occupancy = a / n;  abandon_rate = 0.
    With n <= a the queue grows without bound: p_wait = 1, service_level = 0, asa_s = inf.
    """
    calls, interval_s, aht_s, agents = _inputs(calls, interval_s, aht_s, agents)
    t = np.asarray(threshold_s, dtype=float)
    a = offered_load(calls, interval_s, aht_s)
    stable = agents > a
    safe_a = np.where(a > 0, a, 1.0)
    safe_n = np.where(stable, agents, safe_a + 1.0)
    b = np.exp(_log_erlang_b(safe_n, safe_a))
    c = safe_n * b / (safe_n - safe_a * (1 - b))
    c = np.where(a > 0, np.clip(c, 0.0, 1.0), 0.0)
    sl = 1 - c * np.exp(-(safe_n - np.where(a > 0, a, 0.0)) * t / aht_s)
    asa = c * aht_s / (safe_n - np.where(a > 0, a, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(agents > 0, np.minimum(a / np.where(agents > 0, agents, 1.0), 1.0), 0.0)
    return QueueMetrics(
        service_level=np.where(stable, np.clip(sl, 0.0, 1.0), 0.0),
        p_wait=np.where(stable, c, 1.0),
        asa_s=np.where(stable, asa, np.inf),
        abandon_rate=np.zeros_like(a),
        occupancy=occ,
    )


def erlang_a(calls, interval_s, aht_s, agents, patience_s, *, threshold_s=20.0) -> QueueMetrics:
    """Erlang A (M/M/n+M: callers abandon after an exponential patience of mean patience_s).

    With lambda = calls/interval_s, mu = 1/AHT, theta = 1/patience_s, x = n mu/theta,
    y = lambda/theta, rho = y/x, P(.,.) the regularised lower incomplete gamma function and
    A(x, y) = e^y y^-x Gamma(x + 1) P(x, y)   (Garnett, Mandelbaum & Reiman 2002):
      p_wait       = A B / (1 + (A - 1) B)                         (B = Erlang B(n, lambda/mu))
      abandon_rate = p_wait (1 - 1/rho + 1/(rho A))
      service_level = P(answered within T) = 1 - p_wait
                      + p_wait x [P(x+1, y) - P(x+1, y e^(-theta T))] / (y P(x, y))
      asa_s        = E[queue] / lambda = abandon_rate * patience_s   (all offered calls;
                     abandonments happen at rate theta E[queue] = lambda abandon_rate)
      occupancy    = lambda AHT (1 - abandon_rate) / n.
    Unlike Erlang C it is defined for any number of agents, overloaded intervals included.
    """
    calls, interval_s, aht_s, agents = _inputs(calls, interval_s, aht_s, agents)
    patience_s = np.broadcast_to(np.asarray(patience_s, dtype=float), calls.shape)
    if np.any(patience_s <= 0):
        from earful.errors import InputError
        raise InputError("patience must be positive")
    t = np.broadcast_to(np.asarray(threshold_s, dtype=float), calls.shape)
    lam = calls / interval_s
    a = lam * aht_s
    busy = (a > 0) & (agents > 0)
    n = np.where(busy, agents, 1.0)
    lam_s = np.where(busy, lam, 1.0 / aht_s)
    x = n * patience_s / aht_s
    y = lam_s * patience_s
    log_b = _log_erlang_b(n, lam_s * aht_s)
    log_px = _log_gamma_p(x, y)
    log_a = y - x * np.log(y) + gammaln(x + 1) + log_px          # log A(x, y) >= 0
    # p_wait = A B / (1 + (A - 1) B) = 1 / (1 + (1 - B) / (A B))
    p_wait = 1.0 / (1.0 + (-np.expm1(log_b)) * np.exp(-(log_a + log_b)))
    inv_a = np.exp(-log_a)
    rho = y / x
    p_ab_given_wait = np.clip(1 - 1 / rho + inv_a / rho, 0.0, 1.0)
    abandon = p_wait * p_ab_given_wait
    # served within T given wait: x/y * [P(x+1, y) - P(x+1, y e^-theta T)] / P(x, y)
    log_p1 = _log_gamma_p(x + 1, y)
    log_p1t = _log_gamma_p(x + 1, y * np.exp(-t / patience_s))
    within = (x / y) * np.exp(log_p1 - log_px) * -np.expm1(np.minimum(log_p1t - log_p1, 0.0))
    sl = 1 - p_wait + p_wait * np.clip(within, 0.0, 1.0)
    asa = abandon * patience_s                                  # theta E[Q] = lambda P(ab)
    occ = a * (1 - abandon) / n
    no_calls = a <= 0
    no_agents = (agents <= 0) & ~no_calls
    return QueueMetrics(
        service_level=np.where(no_calls, 1.0, np.where(no_agents, 0.0, np.clip(sl, 0.0, 1.0))),
        p_wait=np.where(no_calls, 0.0, np.where(no_agents, 1.0, p_wait)),
        asa_s=np.where(no_calls, 0.0, np.where(no_agents, patience_s, asa)),
        abandon_rate=np.where(no_calls, 0.0, np.where(no_agents, 1.0, abandon)),
        occupancy=np.where(busy, np.minimum(occ, 1.0), 0.0),
    )
