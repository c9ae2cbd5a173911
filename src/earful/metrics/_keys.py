"""Grouping keys, date ranges and durations for the metrics (parsing user input only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from earful.errors import InputError, StoreError
from earful.store.schema import has_table

#: The time a contact belongs to (docs/formats.md): see contact_time_sql.
def contact_time_sql(alias: str) -> str:
    """A record's time: when it was offered, else answered, else ended (``alias`` names its table)."""
    return f"coalesce({alias}.offered_at, {alias}.answered_at, {alias}.ended_at)"


def is_contact_sql(alias: str, channel: str = "channel") -> str:
    """Whether a record is a customer's contact for FCR: inbound, with a customer, not a survey and not a
    continuation of another record (``channel``: the column holding the record's own channel)."""
    return (f"{alias}.customer_id IS NOT NULL AND {alias}.related_id IS NULL AND {alias}.{channel} <> 'survey' "
            f"AND coalesce({alias}.direction, 'inbound') = 'inbound'")


@dataclass(frozen=True)
class Key:
    """One grouping key: its name, output column and SQL over the contact view (``t`` = contact time)."""

    name: str
    column: str
    sql: str
    minutes: int | None = None  # interval length for interval keys
    is_time: bool = False


#: by-name -> (output column, SQL over the contact view, interval minutes, is a time key)
_KEYS: dict[str, tuple[str, str, int | None, bool]] = {
    "interval15": ("interval_start", "time_bucket(INTERVAL 15 MINUTE, t)", 15, True),
    "interval30": ("interval_start", "time_bucket(INTERVAL 30 MINUTE, t)", 30, True),
    "interval60": ("interval_start", "time_bucket(INTERVAL 60 MINUTE, t)", 60, True),
    "hour": ("hour", "hour(t)", None, True),  # hour of day 0-23 (the daily profile)
    "day": ("day", "CAST(t AS DATE)", None, True),
    "weekday": ("weekday", "isodow(t)", None, True),  # 1 = Monday
    "week": ("week", "CAST(date_trunc('week', t) AS DATE)", None, True),  # the Monday
    "month": ("month", "CAST(date_trunc('month', t) AS DATE)", None, True),
    "queue": ("queue", "queue", None, False),
    "channel": ("channel", "channel", None, False),
    "agent": ("agent", "agent_id", None, False),
    "reason": ("reason", "reason", None, False),
}
_ALIASES = {"interval_15": "interval15", "interval_30": "interval30", "interval_60": "interval60",
            "interval": "interval30", "agent_id": "agent", "call_type": "reason", "disposition": "reason",
            "date": "day"}
BY_KEYS = tuple(_KEYS)


def parse_by(by: str | Sequence[str] | None) -> list[Key]:
    """``"day,queue"`` or ``("day", "queue")`` -> keys; an unknown or repeated key is an InputError."""
    if by is None:
        names: list[str] = []
    elif isinstance(by, str):
        names = [n.strip() for n in by.split(",") if n.strip()]
    else:
        names = [str(n).strip() for n in by]
    keys: list[Key] = []
    for raw in names:
        name = raw.lower().replace("-", "_")
        name = _ALIASES.get(name, name)
        if name not in _KEYS:
            raise InputError(f"cannot group by {raw!r}: choose from {', '.join(BY_KEYS)}")
        col, sql, minutes, is_time = _KEYS[name]
        if any(k.column == col for k in keys):
            raise InputError(f"{raw!r} is given twice (or with another interval length) in --by")
        keys.append(Key(name, col, sql, minutes, is_time))
    return keys


def _parse_time(value: object, what: str) -> tuple[dt.datetime, bool]:
    """A date/datetime/ISO string -> (datetime, was a plain date)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None), False
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), True
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                d = dt.date.fromisoformat(text)
                return dt.datetime(d.year, d.month, d.day), True
            return dt.datetime.fromisoformat(text).replace(tzinfo=None), False
        except ValueError:
            pass
    raise InputError(f"{what} {value!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def range_and_lists(lo: dt.datetime | None, hi: dt.datetime | None,
                    lists: dict[str, list[str] | None] | None = None) -> tuple[list[str], list]:
    """SQL conditions and their parameters for ``lo <= t < hi`` (open where a bound is None) and for
    each named column whose list of values is given (``column IN (...)``)."""
    cond: list[str] = []
    params: list = []
    if lo is not None:
        cond.append("t >= ?")
        params.append(lo)
    if hi is not None:
        cond.append("t < ?")
        params.append(hi)
    for column, values in (lists or {}).items():
        if values:
            cond.append(f"{column} IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(values))
    return cond, params


def parse_range(start: object = None, end: object = None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) as datetimes. A plain-date ``end`` includes that whole day; a datetime ``end``
    is exclusive. A missing bound is open (None). ``end`` not after ``start`` is an InputError."""
    lo = _parse_time(start, "start")[0] if start is not None else None
    hi = None
    if end is not None:
        hi, plain = _parse_time(end, "end")
        if plain:
            hi += dt.timedelta(days=1)
    if lo is not None and hi is not None and hi <= lo:
        raise InputError(f"the range is empty: end {end} is not after start {start}")
    return lo, hi


def seconds(value: object, what: str) -> float:
    """Seconds from a number or a string like '20', '20s', '5m', '1h', '7d'."""
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number of seconds")
    if isinstance(value, (int, float)):
        s = float(value)
    else:
        text = str(value).strip().lower()
        mult = 1.0
        for suffix, m in (("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)):
            if text.endswith(suffix):
                text, mult = text[: -len(suffix)], m
                break
        try:
            s = float(text) * mult
        except ValueError:
            raise InputError(f"{what} {value!r} is not a duration (e.g. 20, 20s, 5m)") from None
    if not s >= 0 or s == float("inf"):
        raise InputError(f"{what} must be a finite number ≥ 0, not {value!r}")
    return s


def share(value: object, what: str) -> float:
    """A share from ``30%``, ``0.3`` or ``30`` (read as percent when above 1) -> 0.3, between 0 and 1."""
    t = str(value).strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise InputError(f"{what}: cannot read {value!r} as a share (use e.g. 30% or 0.3)") from None
    if not t.endswith("%") and v > 1:
        v /= 100
    if not (0 <= v <= 1):
        raise InputError(f"{what}: {value!r} is not between 0% and 100%")
    return v


def check_store(con: duckdb.DuckDBPyConnection) -> None:
    """The connection must hold an earful store (an ``interactions`` table)."""
    if not has_table(con, "interactions"):
        raise StoreError("this database has no interactions table", hint="open it with earful.store.connect")
