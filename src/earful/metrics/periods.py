"""Periods for framing figures: the previous equal period, and weeks or months the data covers only in part.

A trend that puts a 3-day first week beside full weeks says "down" when nothing changed; every
trend marks (or leaves out) a week or month whose days are not all inside both the range asked
for and the days the store has data for.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import duckdb


def _day(v: object) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period just before [start, end] (days, both included) of the same length; a whole
    calendar month's is the month before."""
    start, end = _day(start), _day(end)
    if start.day == 1 and end == start.replace(day=_calendar.monthrange(start.year, start.month)[1]):
        prev_end = start - timedelta(days=1)
        return prev_end.replace(day=1), prev_end
    n = (end - start).days + 1
    return start - timedelta(days=n), start - timedelta(days=1)


def period_length(key: str, first_day: date) -> int:
    """Days in the period a ``week`` or ``month`` key value starts (1 for a ``day``)."""
    first_day = _day(first_day)
    if key == "week":
        return 7
    if key == "month":
        return _calendar.monthrange(first_day.year, first_day.month)[1]
    return 1


def days_covered(key: str, first_day: date, lo: date, hi: date) -> int:
    """How many days of the period starting ``first_day`` lie in [lo, hi] (both included)."""
    first_day = _day(first_day)
    last = first_day + timedelta(days=period_length(key, first_day) - 1)
    a, b = max(first_day, _day(lo)), min(last, _day(hi))
    return max(0, (b - a).days + 1)


def partial(key: str, starts: Iterable[object], lo: date, hi: date) -> dict[date, int]:
    """The periods (by their first day) that [lo, hi] covers only in part, with the days it covers."""
    out: dict[date, int] = {}
    if key not in ("week", "month"):
        return out
    for s in starts:
        if s is None:
            continue
        d = _day(s)
        n = days_covered(key, d, lo, hi)
        if n < period_length(key, d):
            out[d] = n
    return out


def data_days(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """The first and last day a contact was offered (else, for a store without queues, the first
    and last contact time). Surveys and late records after the last offered contact do not
    stretch the period."""
    lo, hi, lo_t, hi_t = con.execute(
        "SELECT min(offered_at)::DATE, max(offered_at)::DATE, min(coalesce(offered_at, answered_at, ended_at))::DATE, "
        "max(coalesce(offered_at, answered_at, ended_at))::DATE FROM interactions").fetchall()[0]
    return (lo, hi) if lo is not None else (lo_t, hi_t)


def covered_range(con: duckdb.DuckDBPyConnection, start: object = None, end: object = None) -> tuple[date | None, date | None]:
    """The days both asked for ([start, end], either open) and held by the store."""
    lo, hi = data_days(con)
    if lo is None:
        return None, None
    a = max(lo, _day(start)) if start is not None else lo
    b = min(hi, _day(end)) if end is not None else hi
    return a, b
