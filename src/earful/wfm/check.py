"""Check a schedule by simulation: run the forecast week through the project's discrete-event queue
(``earful.sim._queue.run_queue``, on ciw) with the agents the schedule puts on the phones.

Per replication: arrivals are a Poisson process at each interval's forecast rate, handle times
exponential with the interval's forecast AHT, patience exponential with the estimated mean (none:
nobody hangs up); the agents on duty in an interval are the schedule's positions at work, less
shrinkage, ⌊scheduled × (1 − shrinkage)⌋ (times the concurrency for chat). A call in progress at an
interval's end is carried on by the next interval's agents. Per interval of arrival: service level =
answered within T ÷ offered (every abandon counts), abandonment = abandoned ÷ offered, both summed
over the replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from earful.errors import InputError

__all__ = ["Check", "simulate_schedule"]


@dataclass(frozen=True)
class Check:
    """Per interval: contacts simulated (all replications), predicted service level and abandonment
    (NaN where nothing arrived), agents on the phones. ``open_met``: share of open intervals (forecast
    volume > 0) whose predicted service level meets ``target``."""

    offered: np.ndarray
    service_level: np.ndarray
    abandon_rate: np.ndarray
    agents: np.ndarray
    target: float
    threshold_s: float
    replications: int
    open_: np.ndarray

    @property
    def open_met(self) -> float:
        sel = self.open_ & np.isfinite(self.service_level)
        return float(np.mean(self.service_level[sel] >= self.target)) if sel.any() else float("nan")

    @property
    def overall_sl(self) -> float:
        ok = np.isfinite(self.service_level)
        return float(np.nansum(self.service_level[ok] * self.offered[ok]) / self.offered[ok].sum()) if ok.any() else float("nan")

    @property
    def overall_abandon(self) -> float:
        ok = np.isfinite(self.abandon_rate)
        return float(np.nansum(self.abandon_rate[ok] * self.offered[ok]) / self.offered[ok].sum()) if ok.any() else float("nan")


def simulate_schedule(volume, aht_s, scheduled, *, interval_s: int = 1800, shrinkage: float = 0.0,
                      target: float = 0.8, threshold_s: float = 20.0, patience_s: float | None = None,
                      concurrency: int = 1, replications: int = 10, seed: int = 0) -> Check:
    """Simulate ``replications`` runs of the forecast (``volume`` and ``aht_s`` per interval) against
    ``scheduled`` positions per interval (see the module's description)."""
    from earful.sim._queue import run_queue

    vol = np.asarray(volume, dtype=float)
    aht = np.asarray(aht_s, dtype=float)
    pos = np.asarray(scheduled, dtype=float)
    if not (vol.size == aht.size == pos.size):
        raise InputError("volume, AHT and scheduled positions need one value per interval each")
    if not 0 <= shrinkage < 1:
        raise InputError("shrinkage must be a share below 100 %")
    n = vol.size
    agents = np.floor(pos * (1 - shrinkage) + 1e-9).astype(int)
    servers = agents * max(1, int(concurrency))
    servers_run = servers.copy()
    servers_run[-1] = max(1, servers_run[-1])  # the last slot holds until everyone has left
    ends = (np.arange(n) + 1.0) * interval_s
    offered, within, abandoned = np.zeros(n), np.zeros(n), np.zeros(n)
    mean_aht = np.where(np.isfinite(aht) & (aht > 0), aht, np.nanmean(aht[aht > 0]) if np.any(aht > 0) else 180.0)
    rng = np.random.default_rng(seed)
    for rep in range(int(replications)):
        counts = rng.poisson(np.clip(vol, 0, None))
        slot = np.repeat(np.arange(n), counts)
        arrival = np.sort(slot * float(interval_s) + rng.uniform(0, interval_s, slot.size))
        slot = np.floor(arrival / interval_s).astype(int)
        service = np.maximum(1.0, np.round(rng.exponential(mean_aht[slot])))
        patience = None if patience_s is None else np.maximum(1.0, np.round(rng.exponential(patience_s, slot.size)))
        arrival = np.round(arrival)
        res = run_queue(arrival, service, patience, ends, servers_run, seed=seed * 1000 + rep)
        np.add.at(offered, slot, 1)
        np.add.at(within, slot, (res.answered & (res.wait_s <= threshold_s)).astype(float))
        np.add.at(abandoned, slot, (~res.answered).astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(offered > 0, within / offered, np.nan)
        ab = np.where(offered > 0, abandoned / offered, np.nan)
    return Check(offered, sl, ab, agents, float(target), float(threshold_s), int(replications), vol > 0)


def solve_checked(required, patterns, volume, aht_s, *, interval_s: int = 1800, shrinkage: float = 0.0,
                  target: float = 0.8, threshold_s: float = 20.0, patience_s: float | None = None,
                  concurrency: int = 1, rounds: int = 3, replications: int = 10, seed: int = 0, **solve_kw):
    """Schedule, simulate, and where the simulation misses the target add a position to those intervals'
    requirement and schedule again (at most ``rounds`` corrections): the simulation-based correction of
    Atlason, Epelman & Henderson (2004), for what Erlang's steady state misses (queues carried across
    intervals, a sample of arrivals rather than their mean); each round simulates with the same random
    numbers, so a correction answers the schedule, not the sample's noise. Returns (schedule, check) where the check
    is a fresh simulation (other random numbers than the corrections used), so its figures are not
    tuned to the noise the corrections saw."""
    from earful.wfm.schedule import solve

    req = np.ceil(np.asarray(required, dtype=float) - 1e-9)
    added = np.zeros_like(req)
    sched = solve(req, patterns, interval_s=interval_s, **solve_kw)
    common = dict(interval_s=interval_s, shrinkage=shrinkage, target=target, threshold_s=threshold_s,
                  patience_s=patience_s, concurrency=concurrency, replications=replications)
    base_bound = sched.bound_hours
    for _ in range(int(rounds)):  # the same random numbers every round, so corrections do not chase noise
        c = simulate_schedule(volume, aht_s, sched.scheduled, seed=seed + 1, **common)
        miss = c.open_ & (c.service_level < target) & (sched.scheduled <= req + added)
        if not miss.any():
            break
        added[miss] += 1
        sched = solve(req + added, patterns, interval_s=interval_s, **solve_kw)
    if added.any():
        sched.notes.append(f"simulation added {int(added.sum())} position-intervals where Erlang's steady state "
                           "fell short")
    sched.required = req  # coverage is reported against the Erlang requirement
    sched.base_bound_hours = base_bound
    check = simulate_schedule(volume, aht_s, sched.scheduled, seed=seed + 1000, **common)
    return sched, check
