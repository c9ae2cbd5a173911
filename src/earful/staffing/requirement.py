"""The requirement curve: agents and rostered positions for every interval, per channel definition.

``requirement(volume, aht_s, definition, shrinkage=...)`` takes a series of contacts and handle
times per interval (from history, or a forecast) and a channel's service definition
(``earful.metrics.definitions.ServiceDefinition``) and returns, per interval, the productive agents
needed and the positions to roster, ``ceil(agents / (1 − shrinkage))``.

- **Immediate** channels (voice, chat: the customer waits on the line) are staffed interval by
  interval with Erlang C, or Erlang A when a patience is known, for the definition's own target
  and threshold (``agents_needed``); an agent handling ``concurrency`` contacts at once counts for
  that many servers: agents = ⌈servers ÷ concurrency⌉.
- **Deferred** channels (e-mail, social, SMS: worked from a backlog) are not queues a caller waits
  in, so Erlang does not apply. Each interval's work (contacts × AHT) must be done within the
  response target T, counted on the definition's clock: it is spread evenly over the open time of
  its response window [arrival, arrival + T), and each interval needs the work that falls on it ÷
  the open seconds it has. Worked earliest-deadline first at that capacity, every contact is
  answered within T (the fluid backlog model). Work that has no open time inside its window (an
  e-mail on a wall-clock 1-hour target sent at night) is done in the next open time and counts as
  late (``service_level`` below 1 for its interval). A ``backlog`` of contacts already waiting at
  the start is spread over the first window. ``cyclic=True`` treats the series as one day that
  repeats (the steady state of an average day: the evening's e-mails are worked the next morning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from earful.errors import InputError
from earful.staffing import agents_needed

__all__ = ["Requirement", "intraday_requirement", "requirement"]


@dataclass(frozen=True)
class Requirement:
    """Per interval: volume, AHT, agents needed and positions to roster, with what the model predicts.

    ``service_level``: immediate, the queue model's share answered within T at that many agents;
    deferred, the share of the interval's contacts answered within T. ``asa_s`` and ``abandon_rate``:
    the queue model's (deferred: NaN). ``occupancy``: workload ÷ agent time. ``backlog``: deferred,
    contacts waiting at the interval's end (immediate: NaN). ``model``: erlang_c, erlang_a or deferred.
    """

    volume: np.ndarray
    aht_s: np.ndarray
    agents: np.ndarray
    positions: np.ndarray
    service_level: np.ndarray
    occupancy: np.ndarray
    asa_s: np.ndarray
    abandon_rate: np.ndarray
    backlog: np.ndarray
    open_share: np.ndarray
    interval_s: float
    shrinkage: float
    model: str
    definition: Any
    starts: Sequence[Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def peak(self) -> int:
        """Index of the interval needing the most agents (the first on a tie); -1 when empty."""
        return int(np.argmax(self.agents)) if len(self.agents) else -1

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per interval (JSON-ready: NaN becomes None)."""
        def num(v: float) -> float | None:
            v = float(v)
            return None if not np.isfinite(v) else v

        out = []
        for i in range(len(self.volume)):
            start = self.starts[i] if self.starts is not None else i
            out.append({"start": start.isoformat() if hasattr(start, "isoformat") else start,
                        "volume": num(self.volume[i]), "aht_s": num(self.aht_s[i]),
                        "agents": int(self.agents[i]), "positions": int(self.positions[i]),
                        "service_level": num(self.service_level[i]), "occupancy": num(self.occupancy[i]),
                        "asa_s": num(self.asa_s[i]), "abandon_rate": num(self.abandon_rate[i]),
                        "backlog": num(self.backlog[i]), "open_share": num(self.open_share[i])})
        return out


def _array(name: str, v: Any, n: int | None = None) -> np.ndarray:
    a = np.atleast_1d(np.asarray(v, dtype=float))
    if n is not None and a.size == 1 and n != 1:
        a = np.full(n, float(a[0]))
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise InputError(f"{name} must be finite numbers of zero or more")
    return a


def requirement(volume, aht_s, definition, *, interval_s: float = 1800, shrinkage: float | None = None,
                starts: Sequence[datetime] | None = None, calendar=None, centre_tz: str | None = None,
                open_share=None, patience_s: float | None = None, backlog: float = 0.0,
                backlog_aht_s: float | None = None, cyclic: bool = False) -> Requirement:
    """Agents and positions per interval for ``volume`` contacts with ``aht_s`` handle time per interval
    (arrays of one length; a scalar AHT applies to all), measured against ``definition``.

    ``shrinkage``: the share of paid time away from contacts (default 0; the service definitions'
    ``shrinkage`` is the centre's). Opening hours: ``open_share`` per interval (0–1), or computed from
    ``calendar`` (a ``Calendar``) and ``starts`` (each interval's start on the centre's clock); none
    given: always open. ``patience_s``: mean customer patience (Erlang A; default the definition's,
    else Erlang C). ``backlog``: deferred contacts waiting at the start (AHT ``backlog_aht_s``,
    default the first interval's). ``cyclic``: the intervals are one day that repeats.
    """
    vol = _array("volume", volume)
    n = vol.size
    aht = _array("AHT", aht_s, n)
    if aht.size != n:
        raise InputError(f"volume and AHT must have one value per interval ({n} and {aht.size} given)")
    if np.any((aht <= 0) & (vol > 0)):
        raise InputError("AHT must be positive where there are contacts")
    if not float(interval_s) > 0:
        raise InputError("interval length must be a positive duration")
    shrink = 0.0 if shrinkage is None else float(shrinkage)
    if not 0 <= shrink < 1:
        raise InputError(f"shrinkage must be a share from 0 up to (not including) 100 %, not {shrinkage}")
    if open_share is not None:
        share = _array("open share", open_share, n)
    elif calendar is not None and starts is not None:
        share = np.asarray(calendar.open_share(list(starts), float(interval_s), centre_tz), dtype=float)
    else:
        share = np.ones(n)
    if share.size != n or np.any(share > 1 + 1e-9):
        raise InputError("open share must be one value between 0 and 1 per interval")
    notes: list[str] = []
    if definition.deferred:
        out = _deferred(vol, aht, definition, float(interval_s), share, backlog, backlog_aht_s, cyclic, notes)
    else:
        out = _immediate(vol, aht, definition, float(interval_s), patience_s, notes)
    agents = out["agents"].astype(np.int64)
    positions = np.ceil(agents / (1 - shrink) - 1e-9).astype(np.int64)
    return Requirement(vol, aht, agents, positions, out["service_level"], out["occupancy"], out["asa_s"],
                       out["abandon_rate"], out["backlog"], share, float(interval_s), shrink, out["model"],
                       definition, list(starts) if starts is not None else None, notes)


def _immediate(vol, aht, d, interval_s, patience_s, notes) -> dict[str, Any]:
    patience = patience_s if patience_s is not None else d.patience_s
    conc = max(1, int(d.concurrency))
    busy = vol > 0
    agents = np.zeros(vol.size)
    sl, occ, asa, ab = np.ones(vol.size), np.zeros(vol.size), np.zeros(vol.size), np.zeros(vol.size)
    if busy.any():
        # with concurrency c, c contacts share an agent: c servers per agent at the contact's own AHT
        s = agents_needed(vol[busy], interval_s, aht[busy], target_sl=d.target, threshold_s=d.threshold_s,
                          patience_s=patience,
                          max_abandon=d.max_abandon if patience is not None else None,
                          max_occupancy=d.max_occupancy)
        servers = np.asarray(s.agents, dtype=float)
        agents[busy] = np.ceil(servers / conc - 1e-9)
        sl[busy], asa[busy], ab[busy] = s.service_level, s.asa_s, s.abandon_rate
        occ[busy] = np.asarray(s.occupancy) * servers / np.maximum(agents[busy] * conc, 1)
    if conc > 1:
        notes.append(f"{conc} contacts at once per agent: agents = servers ÷ {conc}, rounded up")
    return {"agents": agents, "service_level": sl, "occupancy": occ, "asa_s": asa, "abandon_rate": ab,
            "backlog": np.full(vol.size, np.nan), "model": "erlang_a" if patience is not None else "erlang_c"}


def _deferred(vol, aht, d, interval_s, share, backlog, backlog_aht_s, cyclic, notes) -> dict[str, Any]:
    n = vol.size
    work = vol * aht                                        # agent-seconds arriving per interval
    open_s = share * interval_s                             # open seconds per interval
    t = float(d.threshold_s)
    business = d.business_clock
    if float(open_s.sum()) <= 0:
        raise InputError(f"{d.channel}: the calendar is never open in these intervals: nothing can be answered")
    per_series = float(open_s.sum()) if business else n * interval_s
    copies = int(np.ceil(t / per_series)) + 2               # the opening pattern repeated past the end
    big_open = np.tile(open_s, copies)
    big_cap = np.zeros(big_open.size)                       # agent-seconds to do in each interval
    late = np.zeros(n)                                      # work of each arrival interval done after T

    def window(i: int) -> tuple[list[int], list[float]]:
        """The intervals of the response window of contacts arriving in interval i (from its start),
        with the open seconds each gives it: T of open time (business clock) or of wall time."""
        idx, amt, used, j = [], [], 0.0, i
        while used < t - 1e-9 and j < big_open.size:
            if business:
                take = min(big_open[j], t - used)
                used += take
            else:
                span = min(interval_s, t - used)
                take = big_open[j] * span / interval_s
                used += span
            if take > 0:
                idx.append(j)
                amt.append(take)
            j += 1
        return idx, amt

    arrivals = [(i, float(work[i])) for i in range(n)]
    if backlog:
        arrivals.append((0, float(backlog) * float(backlog_aht_s if backlog_aht_s is not None else aht[0])))
    for i, w in arrivals:
        if w <= 0:
            continue
        idx, amt = window(i)
        total = float(sum(amt))
        if total > 0:                                       # spread evenly over the window's open time
            for j, o in zip(idx, amt):
                big_cap[j] += w * o / total
        else:                                               # no open time within T: the next opening, late
            j = next(k for k in range(i, big_open.size) if big_open[k] > 0)
            big_cap[j] += w
            late[i] += w
    if cyclic:                                              # one day that repeats: fold later days back
        capacity = big_cap.reshape(copies, n).sum(axis=0)
        carried = float(big_cap[n:].sum())                  # waiting at the start of each day
    else:
        capacity, carried = big_cap[:n], 0.0
        spill = float(big_cap[n:].sum())
        if spill > 0:
            notes.append(f"{spill / 3600:,.1f} agent-hours of work fall due after the last interval")
    ceiling = d.max_occupancy or 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        agents = np.where(capacity > 1e-9, np.ceil(capacity / np.maximum(open_s, 1e-9) / ceiling - 1e-9), 0.0)
        occ = np.where(agents > 0, capacity / np.maximum(agents * open_s, 1e-9), 0.0)
        sl = np.where(work > 0, 1.0 - late / np.where(work > 0, work, 1.0), 1.0)
    mean_aht = float(work.sum() / vol.sum()) if vol.sum() > 0 else float(aht.mean() if n else 1.0)
    arrived = np.cumsum(work) + (arrivals[-1][1] if backlog else 0.0)
    waiting = np.maximum(carried + arrived - np.cumsum(capacity), 0.0) / (mean_aht or 1.0)
    if not business and (late > 0).any():
        notes.append("some contacts arrive with no opening within the target: they are answered late")
    return {"agents": agents, "service_level": np.clip(sl, 0.0, 1.0), "occupancy": occ,
            "asa_s": np.full(n, np.nan), "abandon_rate": np.full(n, np.nan), "backlog": waiting,
            "model": "deferred"}


def intraday_requirement(con, channel: str, queue: str | None = None, *, definitions=None,
                         interval_s: int = 1800, start: object = None, end: object = None,
                         weekdays: list[int] | None = None, shrinkage: float | None = None,
                         patience_s: float | str | None = None) -> Requirement:
    """The requirement curve of one channel's (and queue's) average day in the store: its volume and
    AHT per interval (``earful.metrics.workload.intraday_profile``) through ``requirement`` with the
    channel's own definition, the calendar's opening hours and the centre's shrinkage (both from
    the service definitions unless given). ``patience_s="auto"`` estimates the patience from the
    channel's abandons (Erlang A; Erlang C when it has none); None uses the definition's."""
    from datetime import date, datetime, time, timedelta

    from earful.ingest.load import centre_timezone
    from earful.metrics.definitions import resolve
    from earful.metrics.workload import intraday_profile, patience_estimate

    defs = resolve(con, definitions)
    d = defs.for_channel(channel, queue)
    prof = intraday_profile(con, channel, queue, interval_s=interval_s, start=start, end=end, weekdays=weekdays,
                            immediate=not d.deferred)
    if not prof["days"]:
        raise InputError(f"no {channel} contacts{' in queue ' + queue if queue else ''} in this range to staff for")
    if prof["aht_all_s"] is None:
        raise InputError(f"no handle time recorded for {channel}: the requirement needs an AHT (give one with --aht)")
    if patience_s == "auto":
        patience_s = None if d.deferred else patience_estimate(con, channel, queue)
    share = None
    if d.calendar is not None:
        cal = defs.calendar(d.calendar)
        days = _days_in(con, channel, queue, start, end, weekdays) or [date(2000, 1, 3)]
        tz = centre_timezone(con)
        rows = [cal.open_share([datetime.combine(day, time()) + timedelta(seconds=s) for s in prof["slots"]],
                               interval_s, tz) for day in days]
        share = np.mean(np.asarray(rows, dtype=float), axis=0)
    starts = [time(s // 3600, s % 3600 // 60) for s in prof["slots"]]
    return requirement(prof["volume"], [a or 0.0 for a in prof["aht_s"]], d, interval_s=interval_s,
                       shrinkage=defs.shrinkage if shrinkage is None else shrinkage, open_share=share,
                       patience_s=float(patience_s) if patience_s is not None else None, cyclic=True, starts=starts)


def _days_in(con, channel, queue, start, end, weekdays) -> list:
    """The days the profile averaged over (for the calendar's open share per slot)."""
    from earful.metrics.workload import offered_filter

    cond, params = offered_filter(channel, queue, start=start, end=end, weekdays=weekdays)
    return [r[0] for r in con.execute(f"SELECT DISTINCT offered_at::DATE FROM interactions WHERE {' AND '.join(cond)} "
                                      "ORDER BY 1", params).fetchall()]
