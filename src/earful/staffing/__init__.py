"""Staffing maths: Erlang B, C and A, agents needed for a target, and what-if curves.

`agents_needed` is vectorised: pass arrays of calls/AHT (one entry per interval) and every
field of the returned `Staffing` is an array; pass scalars and they are plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isfinite
from typing import Any, Sequence

import numpy as np

from earful.errors import InputError
from earful.staffing.erlang import QueueMetrics, erlang_a, erlang_b, erlang_c, offered_load
from earful.staffing.erlang import _log_erlang_b as _log_erlang_b_of

__all__ = ["QueueMetrics", "Requirement", "Staffing", "agents_needed", "erlang_a", "erlang_b", "erlang_c",
           "offered_load", "requirement", "what_if"]

_MAX_AGENTS = 10_000_000


@dataclass(frozen=True)
class Staffing:
    """Agents needed for one interval (or arrays of them) and what they achieve.

    agents: on the phones at once; positions: agents / (1 - shrinkage), rounded up (people
    rostered, allowing for breaks, training, absence); the rest is the queue model's prediction
    at that many agents (see `QueueMetrics`). target_sl is the service-level target asked for.
    """

    agents: Any
    positions: Any
    service_level: Any
    p_wait: Any
    asa_s: Any
    occupancy: Any
    abandon_rate: Any
    target_sl: float | None = None


def _check_fraction(name: str, value: float | None, *, low_open: bool = True, high_open: bool = False) -> None:
    if value is None:
        return
    v = float(value)
    bad = (not isfinite(v)) or (v <= 0 if low_open else v < 0) or (v >= 1 if high_open else v > 1)
    if bad:
        lo = "0" if low_open else "0 inclusive"
        raise InputError(f"{name} must be a share between {lo} and 1 (got {value})")


def _model(calls, interval_s, aht_s, agents, threshold_s, patience_s) -> QueueMetrics:
    if patience_s is None:
        return erlang_c(calls, interval_s, aht_s, agents, threshold_s=threshold_s)
    return erlang_a(calls, interval_s, aht_s, agents, patience_s, threshold_s=threshold_s)


def agents_needed(calls, interval_s, aht_s, *, target_sl: float | None = 0.8, threshold_s: float = 20,
                  max_asa_s: float | None = None, max_abandon: float | None = None,
                  max_occupancy: float | None = None, shrinkage: float = 0.0,
                  patience_s: float | None = None) -> Staffing:
    """Fewest agents meeting every target given (service level within threshold_s, ASA,
    abandonment, occupancy ceiling), by Erlang C, or Erlang A when patience_s is given.

    positions = ceil(agents / (1 - shrinkage)). All intervals are solved at once: Erlang C walks
    up from the first stable count with Erlang B's one-step recursion; Erlang A gallops from a
    square-root-staffing guess and bisects (each target is monotone in agents). Intervals with no
    calls need 0 agents.
    """
    calls_a, interval_a, aht_a = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (calls, interval_s, aht_s)))
    scalar = calls_a.ndim == 0
    if np.any(~np.isfinite(calls_a)) or np.any(calls_a < 0):
        raise InputError("calls must be zero or more")
    if np.any(~(aht_a > 0)) or np.any(~np.isfinite(aht_a)):
        raise InputError("AHT must be a positive duration")
    if np.any(~(interval_a > 0)) or np.any(~np.isfinite(interval_a)):
        raise InputError("interval length must be a positive duration")
    if threshold_s is None or not (float(threshold_s) >= 0) or not isfinite(float(threshold_s)):
        raise InputError(f"service-level threshold must be zero seconds or more (got {threshold_s})")
    if target_sl is not None and float(target_sl) >= 1:
        raise InputError("a 100% service level cannot be promised: some calls always wait")
    _check_fraction("service-level target", target_sl, high_open=True)
    _check_fraction("max abandonment", max_abandon, high_open=True)
    _check_fraction("max occupancy", max_occupancy)
    _check_fraction("shrinkage", shrinkage, low_open=False, high_open=True)
    if max_asa_s is not None and not (float(max_asa_s) > 0):
        raise InputError(f"ASA target must be a positive duration (got {max_asa_s})")
    if patience_s is not None and not (float(patience_s) > 0):
        raise InputError(f"patience must be a positive duration (got {patience_s})")
    if max_abandon is not None and patience_s is None:
        raise InputError("an abandonment target needs a patience (Erlang A): pass patience_s")

    calls_v, interval_v, aht_v = (np.atleast_1d(v).astype(float) for v in (calls_a, interval_a, aht_a))
    load = offered_load(calls_v, interval_v, aht_v)
    has_calls = load > 0

    def meets(n: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Whether n agents meet every target, for the intervals idx (all of which have calls)."""
        m = _model(calls_v[idx], interval_v[idx], aht_v[idx], n, threshold_s, patience_s)
        ok = n > 0
        if patience_s is None:
            ok &= n > load[idx]
        if target_sl is not None:
            ok &= m.service_level >= target_sl
        if max_asa_s is not None:
            ok &= m.asa_s <= max_asa_s
        if max_abandon is not None:
            ok &= m.abandon_rate <= max_abandon
        if max_occupancy is not None:
            ok &= m.occupancy <= max_occupancy + 1e-12
        return ok

    if patience_s is None and max_abandon is None:
        return _finish(*_erlang_c_walk(load, aht_v, has_calls, target_sl, threshold_s, max_asa_s, max_occupancy),
                       has_calls, shrinkage, target_sl, calls_a.shape, scalar)

    # Start from the square-root staffing guess a + sqrt(a) (near the answer for usual targets),
    # gallop down from the ones that meet and up from the ones that miss until the answer is
    # bracketed (lo misses, hi meets), then bisect; each step evaluates only unsettled intervals.
    floor_fail = np.where(has_calls, np.floor(load) if patience_s is None else 0.0, 0.0)
    guess = np.where(has_calls, np.maximum(np.ceil(load + np.sqrt(load)), floor_fail + 1), 0.0)
    lo, hi = floor_fail.copy(), guess.copy()
    live = np.flatnonzero(has_calls)
    ok = meets(guess[live], live)
    down, up = live[ok], live[~ok]
    lo[up] = guess[up]
    step = 1.0
    while down.size:                               # hi meets; find a count that misses
        cand = np.maximum(hi[down] - step, floor_fail[down])
        known_fail = cand <= floor_fail[down]
        res = np.zeros(down.size, dtype=bool)
        if (~known_fail).any():
            res[~known_fail] = meets(cand[~known_fail], down[~known_fail])
        hi[down[res]] = cand[res]
        lo[down[~res]] = cand[~res]
        down = down[res]
        step *= 2
    step = 1.0
    while up.size:                                 # lo misses; find a count that meets
        cand = lo[up] + step
        if cand.max() > _MAX_AGENTS:
            raise InputError("the target cannot be met with any number of agents "
                             "(lower the service level or raise the threshold)")
        res = meets(cand, up)
        hi[up[res]] = cand[res]
        lo[up[~res]] = cand[~res]
        up = up[~res]
        step *= 2
    todo = np.flatnonzero(hi - lo > 1)
    while todo.size:
        mid = np.floor((lo[todo] + hi[todo]) / 2)
        res = meets(mid, todo)
        hi[todo[res]] = mid[res]
        lo[todo[~res]] = mid[~res]
        todo = todo[hi[todo] - lo[todo] > 1]
    agents = np.maximum(hi, 0.0)
    m = _model(calls_v, interval_v, aht_v, agents, threshold_s, patience_s)
    return _finish(agents, m.service_level, m.p_wait, m.asa_s, m.occupancy, m.abandon_rate,
                   has_calls, shrinkage, target_sl, calls_a.shape, scalar)


def _erlang_c_walk(load, aht, has_calls, target_sl, threshold_s, max_asa_s, max_occupancy):
    """Erlang C agents needed, walking n up from the first stable count with the O(1) Erlang B step
    B(n+1) = a B(n) / (n + 1 + a B(n)): one incomplete-gamma evaluation per interval in all."""
    size = load.shape[0]
    agents, sl, pw, asa, occ = (np.zeros(size) for _ in range(5))
    idx = np.flatnonzero(has_calls)
    a, h = load[idx], aht[idx]
    n = np.floor(a) + 1
    if max_occupancy is not None:
        n = np.maximum(n, np.ceil(a / max_occupancy - 1e-9))
    b = np.exp(_log_erlang_b_of(n, a))
    steps = 0
    while idx.size:
        c = n * b / (n - a * (1 - b))
        level = 1 - c * np.exp(-(n - a) * threshold_s / h)
        wait = c * h / (n - a)
        ok = np.ones(idx.size, dtype=bool)
        if target_sl is not None:
            ok &= level >= target_sl
        if max_asa_s is not None:
            ok &= wait <= max_asa_s
        if max_occupancy is not None:
            ok &= a / n <= max_occupancy + 1e-12
        done = idx[ok]
        agents[done], sl[done], pw[done], asa[done], occ[done] = n[ok], level[ok], c[ok], wait[ok], (a / n)[ok]
        keep = ~ok
        idx, a, h, n, b = idx[keep], a[keep], h[keep], n[keep], b[keep]
        b = a * b / (n + 1 + a * b)
        n = n + 1
        steps += 1
        if steps > 1_000_000:
            raise InputError("the target cannot be met with any number of agents "
                             "(lower the service level or raise the threshold)")
    return agents, np.clip(sl, 0.0, 1.0), pw, asa, occ, np.zeros(size)


def _finish(agents, sl, p_wait, asa, occ, abandon, has_calls, shrinkage, target_sl, shape, scalar) -> Staffing:
    positions = np.ceil(agents / (1 - float(shrinkage)) - 1e-9)

    def out(v: np.ndarray, as_int: bool = False, idle: float = 0.0):
        v = np.where(has_calls, v, idle)
        if as_int:
            v = v.astype(np.int64)
        return v.reshape(shape).item() if scalar else v.reshape(shape)

    return Staffing(
        agents=out(agents, True), positions=out(positions, True), service_level=out(sl, idle=1.0),
        p_wait=out(p_wait), asa_s=out(asa), occupancy=out(occ),
        abandon_rate=out(abandon), target_sl=None if target_sl is None else float(target_sl),
    )


def what_if(calls, interval_s, aht_s, targets: Sequence[float] = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95),
            **kwargs) -> list[Staffing]:
    """One `agents_needed` answer per service-level target: how agents, positions and occupancy
    move as the target rises (the last points of service level cost the most agents)."""
    if not targets:
        raise InputError("what-if needs at least one service-level target")
    kwargs.pop("target_sl", None)
    return [agents_needed(calls, interval_s, aht_s, target_sl=t, **kwargs) for t in targets]


from earful.staffing.requirement import Requirement, requirement  # noqa: E402  (uses agents_needed above)
