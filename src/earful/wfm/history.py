"""The history a plan is made from: per queue and channel, contacts and handle time per interval,
from contact-level records or from interval reports, on one continuous grid.

``history(con, interval_s=1800)`` returns one ``Series`` per (queue, channel). A series comes from
the contact records (``interactions``) where the store has any for it, else from interval reports
(``interval_stats``, table of ``earful.ingest.intervals``); the forecast, the requirement and the
staffing back-test read a ``Series`` and never ask which. Intervals with nothing recorded are 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import numpy as np

from earful.errors import InputError
from earful.store.schema import has_table

__all__ = ["Series", "history", "series_from_arrays"]

#: The sums a Series keeps per interval (totals, so that any grouping adds up).
SUMS = ("offered", "answered", "abandoned", "answered_within", "handle_s", "wait_s", "abandon_wait_s",
        "agent_s")


@dataclass
class Series:
    """One queue's history: ``start`` (the first interval, a midnight) and per-interval totals.

    offered, answered, abandoned: contacts; answered_within: answered within ``sl_threshold_s``;
    handle_s: handle time of the answered; wait_s: wait of the answered; abandon_wait_s: wait of
    the abandoned; agent_s: agent-seconds staffed (NaN where unknown). ``kind``: contacts or
    intervals (where it came from).
    """

    queue: str
    channel: str
    interval_s: int
    start: datetime
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    answered_within: np.ndarray
    handle_s: np.ndarray
    wait_s: np.ndarray
    abandon_wait_s: np.ndarray
    agent_s: np.ndarray
    kind: str = "contacts"
    sl_threshold_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def per_day(self) -> int:
        """Intervals per day (1 for a daily series)."""
        return 86400 // self.interval_s

    @property
    def days(self) -> int:
        return len(self.offered) // self.per_day

    @property
    def first_day(self) -> date:
        return self.start.date()

    def day(self, k: int) -> date:
        return self.first_day + timedelta(days=k)

    def starts(self) -> list[datetime]:
        """Each interval's start."""
        step = timedelta(seconds=self.interval_s)
        return [self.start + i * step for i in range(len(self.offered))]

    def aht_s(self) -> float | None:
        """Mean handle time of the answered contacts over the whole history (None when none were)."""
        a = float(np.nansum(self.answered))
        h = float(np.nansum(self.handle_s))
        return h / a if a > 0 and h > 0 else None

    def patience_s(self) -> float | None:
        """Mean customer patience, the exponential maximum-likelihood estimate: total time waited by
        every offered contact (answered waits are censored patience) ÷ abandons. None when the history
        has no abandons or does not give the waits of both."""
        ab = float(np.nansum(self.abandoned))
        waits = np.nansum(self.wait_s) + np.nansum(self.abandon_wait_s)
        if ab <= 0 or not np.isfinite(waits) or waits <= 0:
            return None
        if np.all(np.isnan(self.abandon_wait_s)) or np.all(np.isnan(self.wait_s)):
            return None
        return float(waits / ab)

    def cut(self, first: int, last: int) -> "Series":
        """Days [first, last) of the series (0-based), as a series of its own."""
        n = self.per_day
        sl = slice(first * n, last * n)
        kw = {name: getattr(self, name)[sl].copy() for name in SUMS}
        return Series(self.queue, self.channel, self.interval_s, self.start + timedelta(days=first), kind=self.kind,
                      sl_threshold_s=self.sl_threshold_s, **kw)

    def scaled(self, volume: float = 1.0) -> "Series":
        """The same history with every contact count times ``volume`` (handle and wait totals too)."""
        kw = {name: getattr(self, name) * (volume if name != "agent_s" else 1.0) for name in SUMS}
        return Series(self.queue, self.channel, self.interval_s, self.start, kind=self.kind,
                      sl_threshold_s=self.sl_threshold_s, **kw)


def series_from_arrays(queue: str, channel: str, interval_s: int, start: datetime, offered, *, handle_s=None,
                       answered=None, **kw) -> Series:
    """A Series from plain arrays (tests, simulations, data from elsewhere); what is not given is NaN,
    except answered (= offered) when handle times are given."""
    off = np.asarray(offered, dtype=float)
    n = off.size
    if n % (86400 // interval_s):
        raise InputError("a series must hold whole days of intervals")
    ans = np.asarray(answered, dtype=float) if answered is not None else (off.copy() if handle_s is not None else
                                                                           np.full(n, np.nan))
    vals = {name: np.full(n, np.nan) for name in SUMS}
    vals.update(offered=off, answered=ans)
    if handle_s is not None:
        vals["handle_s"] = np.asarray(handle_s, dtype=float)
    for name, v in kw.items():
        if name not in SUMS:
            raise TypeError(f"unknown series field {name}")
        vals[name] = np.asarray(v, dtype=float)
    return Series(queue, channel, interval_s, start, **vals)


def _check_interval(interval_s: int) -> int:
    if int(interval_s) not in (900, 1800, 3600, 86400):
        raise InputError(f"interval must be 15 or 30 minutes, an hour or a day, not {interval_s} s")
    return int(interval_s)


def history(con: duckdb.DuckDBPyConnection, interval_s: int = 1800, *, queues: Sequence[str] | None = None,
            channels: Sequence[str] | None = None, start: date | None = None, end: date | None = None,
            sl_threshold_s: float = 20.0) -> list[Series]:
    """Every (queue, channel) history in the store on ``interval_s`` intervals, days [start, end).

    Contact records: offered = inbound contacts with ``offered_at``; answered = answered and not
    abandoned; handle = talk + hold + wrap of the answered; wait = ``wait_s`` (else offered → answered
    or ended). Interval reports of 15 minutes add up to 30 or 60; a report coarser than asked is not
    split (it is left out, with a note, unless nothing else exists: then the error says so).
    """
    interval_s = _check_interval(interval_s)
    out: dict[tuple[str, str], Series] = {}
    for s in _from_contacts(con, interval_s, queues, channels, start, end, sl_threshold_s):
        out[(s.queue, s.channel)] = s
    coarser: list[str] = []
    if has_table(con, "interval_stats"):
        for s in _from_reports(con, interval_s, queues, channels, start, end, coarser):
            out.setdefault((s.queue, s.channel), s)
    if not out:
        what = "" if not queues else f" for queue {', '.join(queues)}"
        if coarser:
            raise InputError(f"the store's interval reports{what} are coarser than {interval_s // 60} minutes "
                             f"({', '.join(sorted(set(coarser)))}): forecast per day (--interval day)")
        raise InputError(f"no contacts or interval reports{what} in the store to plan from")
    return [out[k] for k in sorted(out)]


def _grid(rows: dict[str, np.ndarray], interval_s: int, first: date, last: date) -> dict[str, np.ndarray]:
    """Per-interval arrays on the grid [first, last] from rows with a ``k`` (interval number) column: sums
    where rows exist, 0 elsewhere; a total the rows never give (all NULL) is NaN throughout (unknown)."""
    n = ((last - first).days + 1) * (86400 // interval_s)
    k = np.asarray(rows["k"], dtype=np.int64)
    ok = (k >= 0) & (k < n)
    out = {}
    for name in SUMS:
        src = np.asarray(rows.get(name, np.full(k.size, np.nan)), dtype=float)[ok]
        if not np.any(np.isfinite(src)):
            out[name] = np.zeros(n) if name in ("offered", "answered", "abandoned") and name in rows else np.full(n, np.nan)
            continue
        v = np.zeros(n)
        np.add.at(v, k[ok], np.nan_to_num(src))
        out[name] = v
    return out


def _range_sql(col: str, start: date | None, end: date | None) -> tuple[str, list]:
    cond, params = [], []
    if start is not None:
        cond.append(f"{col} >= ?")
        params.append(datetime.combine(start, datetime.min.time()))
    if end is not None:
        cond.append(f"{col} < ?")
        params.append(datetime.combine(end, datetime.min.time()))
    return "".join(f" AND {c}" for c in cond), params


def _in_sql(col: str, values: Sequence[str] | None) -> tuple[str, list]:
    if not values:
        return "", []
    return f" AND {col} IN (SELECT unnest(?::VARCHAR[]))", [list(values)]


def _span(start: date | None, end: date | None, spans: list[tuple[date, date]]) -> tuple[date, date, datetime]:
    """The grid's first and last day (the range asked, else the data's) and its first instant."""
    first = start or min(a for a, _ in spans)
    last = (end - timedelta(days=1)) if end else max(b for _, b in spans)
    return first, last, datetime.combine(first, datetime.min.time())


def _from_contacts(con, interval_s, queues, channels, start, end, thr) -> list[Series]:
    rng, p1 = _range_sql("offered_at", start, end)
    qs, p2 = _in_sql("queue", queues)
    cs, p3 = _in_sql("channel", channels)
    cond = f"offered_at IS NOT NULL AND coalesce(direction, 'inbound') = 'inbound' AND channel <> 'survey'{rng}{qs}{cs}"
    bounds = con.execute(f"SELECT coalesce(queue, 'all'), channel, min(offered_at)::DATE, max(offered_at)::DATE "
                         f"FROM interactions WHERE {cond} GROUP BY ALL ORDER BY 1, 2", p1 + p2 + p3).fetchall()
    if not bounds:
        return []
    first, last, t0 = _span(start, end, [(b[2], b[3]) for b in bounds])
    rows = con.execute(f"""
        WITH c AS (
            SELECT coalesce(queue, 'all') AS q, channel AS ch,
                   CAST(floor(epoch(offered_at - ?::TIMESTAMP) / {interval_s}) AS BIGINT) AS k,
                   coalesce(abandoned, false) AS ab, answered_at IS NOT NULL AND NOT coalesce(abandoned, false) AS ans,
                   coalesce(wait_s, epoch(coalesce(answered_at, ended_at) - offered_at)) AS w,
                   coalesce(talk_s, epoch(ended_at - answered_at)) + coalesce(hold_s, 0) + coalesce(wrap_s, 0) AS h
            FROM interactions WHERE {cond})
        SELECT q, ch, k, count(*) AS offered, count_if(ans) AS answered, count_if(ab) AS abandoned,
               count_if(ans AND w <= {float(thr)}) AS answered_within,
               sum(h) FILTER (WHERE ans) AS handle_s, sum(w) FILTER (WHERE ans) AS wait_s,
               sum(w) FILTER (WHERE ab) AS abandon_wait_s
        FROM c GROUP BY ALL ORDER BY q, ch, k""", [t0] + p1 + p2 + p3).fetchnumpy()
    out = []
    q, ch = rows["q"], rows["ch"]
    for queue, channel, *_ in bounds:
        sel = (q == queue) & (ch == channel)
        part = {k: np.asarray(v)[sel] for k, v in rows.items() if k not in ("q", "ch")}
        part = {k: (np.ma.filled(v.astype(float), np.nan) if hasattr(v, "mask") else v) for k, v in part.items()}
        g = _grid(part, interval_s, first, last)
        out.append(Series(queue, channel, interval_s, t0, kind="contacts", sl_threshold_s=thr, **g))
    return out


def _from_reports(con, interval_s, queues, channels, start, end, coarser: list[str]) -> list[Series]:
    rng, p1 = _range_sql("interval_start", start, end)
    qs, p2 = _in_sql("queue", queues)
    cs, p3 = _in_sql("channel", channels)
    cond = f"true{rng}{qs}{cs}"
    have = con.execute(f"SELECT queue, channel, min(interval_s), max(interval_s), min(interval_start)::DATE, "
                       f"max(interval_start)::DATE, max(sl_threshold_s) FROM interval_stats WHERE {cond} GROUP BY ALL "
                       "ORDER BY 1, 2", p1 + p2 + p3).fetchall()
    usable = []
    for queue, channel, lo, hi, d0, d1, thr in have:
        if hi > interval_s or interval_s % lo:
            coarser.append(f"{queue} every {hi // 60} min" if hi < 86400 else f"{queue} per day")
            continue
        usable.append((queue, channel, d0, d1, thr))
    if not usable:
        return []
    first, last, t0 = _span(start, end, [(u[2], u[3]) for u in usable])
    rows = con.execute(f"""
        SELECT queue AS q, channel AS ch, CAST(floor(epoch(interval_start - ?::TIMESTAMP) / {interval_s}) AS BIGINT) AS k,
               sum(offered) AS offered, sum(answered) AS answered, sum(abandoned) AS abandoned,
               sum(coalesce(answered_within, round(service_level * offered))) AS answered_within,
               sum(handle_s) AS handle_s, sum(wait_s) AS wait_s, sum(abandon_wait_s) AS abandon_wait_s,
               sum(agents * interval_s) AS agent_s
        FROM interval_stats WHERE {cond} GROUP BY ALL ORDER BY 1, 2, 3""", [t0] + p1 + p2 + p3).fetchnumpy()
    out = []
    for queue, channel, _d0, _d1, thr in usable:
        sel = (rows["q"] == queue) & (rows["ch"] == channel)
        part = {k: np.ma.filled(np.ma.asarray(v)[sel].astype(float), np.nan) for k, v in rows.items() if k not in ("q", "ch")}
        g = _grid(part, interval_s, first, last)
        if not np.nansum(g["answered"]) and np.nansum(g["offered"]):
            g["answered"] = np.full_like(g["answered"], np.nan)
        s = Series(queue, channel, interval_s, t0, kind="intervals", sl_threshold_s=thr, **g)
        out.append(s)
    return out
