"""Independent references for the staffing tests: the M/M/n+M birth-death chain solved numerically.

No incomplete gamma functions here: the stationary distribution comes from the chain's balance
equations (in log space), and the chance of being answered within T from the tagged caller's
own small Markov chain, integrated with a matrix exponential.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import expm_multiply


def birth_death(lam: float, mu: float, theta: float, n: int, threshold: float, with_sl: bool = True) -> dict:
    """p_wait, abandon_rate and service level of M/M/n+M (theta=0: M/M/n) from the truncated chain."""
    queue_cap = int(20 * np.sqrt(n + 10) + (5 * lam / theta if theta > 0 else 40 / (1 - lam / (n * mu))) + 400)
    k = np.arange(n + queue_cap + 1)
    death = np.where(k <= n, k * mu, n * mu + (k - n) * theta)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death[1:]))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    queue = pi[n:]
    p_wait = queue.sum()
    abandon = theta * (queue * np.arange(len(queue))).sum() / lam
    # tagged caller with j callers ahead: j -> j-1 at rate n mu + j theta, leaves at rate theta;
    # state "in service" absorbs. P(answered by T) = P(absorbed in service by T).
    if not with_sl:
        return {"p_wait": p_wait, "abandon_rate": abandon}
    m = len(queue)
    prog = n * mu + np.arange(m) * theta
    rows, cols, vals = [], [], []
    for src in range(m):                      # generator G[dst, src] for d p/dt = G p
        rows += [src, m]; cols += [src, src]; vals += [-(prog[src] + theta), theta]
        rows.append(src - 1 if src > 0 else m + 1); cols.append(src); vals.append(prog[src])
    gen = coo_matrix((vals, (rows, cols)), shape=(m + 2, m + 2)).tocsc()
    start = np.concatenate([queue / p_wait, [0.0, 0.0]]) if p_wait > 0 else np.zeros(m + 2)
    served_by_t = expm_multiply(gen * threshold, start)[m + 1]
    sl = (1 - p_wait) + p_wait * served_by_t
    return {"p_wait": p_wait, "abandon_rate": abandon, "service_level": sl}
