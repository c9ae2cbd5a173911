"""Erlang A (M/M/n+M) for the simulator tests, written independently of the simulator."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import expm


@lru_cache(maxsize=4096)
def erlang_a(lam: float, mu: float, theta: float, n: int, t_s: float, n_max: int = 150) -> tuple[float, float]:
    """(abandon rate, service level within t_s) of Erlang A: Poisson lam, exp(mu) service, exp(theta) patience.

    Stationary birth-death chain truncated at n_max waiting; service level is the share of
    arrivals (PASTA) answered within t_s: immediately when fewer than n are busy, otherwise
    the chance that the customer's position reaches service before t_s and before their patience ends.
    """
    states = n + n_max + 1
    logp = np.zeros(states)
    for k in range(1, states):
        death = min(k, n) * mu + max(k - n, 0) * theta
        logp[k] = logp[k - 1] + np.log(lam) - np.log(death)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    k = np.arange(states)
    abandon = float((p * np.maximum(k - n, 0) * theta).sum() / lam)
    if n == 0:
        return abandon, 0.0
    # position j = 1..M in queue (1 = next); absorbing states: served (M), abandoned (M+1)
    m = n_max
    q = np.zeros((m + 2, m + 2))
    for j in range(1, m + 1):
        i = j - 1
        if j == 1:
            q[i, m] += n * mu
        else:
            q[i, i - 1] += n * mu + (j - 1) * theta
        q[i, m + 1] += theta
        q[i, i] = -q[i].sum()
    served_by_t = expm(q * t_s)[:m, m]
    waiting = p[n:n + m]  # an arrival finding k >= n present becomes position k - n + 1
    sl = float(p[:n].sum() + (waiting * served_by_t).sum())
    return abandon, sl
