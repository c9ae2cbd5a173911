"""Business-hours calendars: when a queue is open, in its own time zone, with its holidays.

A ``Calendar`` holds opening hours per weekday (spans of seconds from local midnight, e.g.
08:00–20:00 is ``(28800, 72000)``) and holidays (closed, or open on other hours that day).
Stored times are the centre's wall clock (``earful.store.schema``); a calendar in another zone
is converted to it, day by day, so a change of summer time moves the spans as it should.

**Business seconds** between two moments = the seconds of [a, b) that fall inside opening
hours. ``business_seconds`` computes it for one pair; ``BusinessClock`` writes the same sum as
SQL over every row at once: B(t) = open seconds from the first day's midnight to t, so that
business wait = B(answered) − B(offered). Per centre-local day k the clock keeps the open
seconds before that day (``cum``) and the day's spans; B(t) = cum[k] + Σ_spans clamp(tod − open,
0, close − open), with tod the seconds since midnight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from earful.errors import ConfigError

DAY_S = 86400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
         "saturday": "sat", "sunday": "sun", "tues": "tue", "thur": "thu", "thurs": "thu"}
_SPAN = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")

Span = tuple[int, int]  # [open, close) in seconds from local midnight


def zone(name: str, what: str = "time zone") -> ZoneInfo:
    """A time zone by its IANA name, or a ConfigError naming it."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{what} {name!r} is not a time zone (use an IANA name like Europe/London)") from None


def parse_spans(text: str) -> tuple[Span, ...]:
    """``"08:00-20:00"``, ``"8-12, 13:00-17:30"``, ``"closed"`` or ``"24h"`` -> spans in seconds.

    Spans are sorted and must not overlap; ``24:00`` closes at midnight."""
    raw = str(text).strip().lower()
    if raw in ("closed", "none", "off", "-"):
        return ()
    if raw in ("24h", "24/7", "always", "all day", "00:00-24:00"):
        return ((0, DAY_S),)
    spans: list[Span] = []
    for part in raw.replace(";", ",").split(","):
        m = _SPAN.match(part)
        if not m:
            raise ConfigError(f"cannot read opening hours {part.strip()!r} (use e.g. 08:00-20:00, "
                              "8:00-12:00, 13:00-17:00, closed or 24h)")
        h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
        a, b = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if m1 > 59 or m2 > 59 or a > DAY_S or b > DAY_S:
            raise ConfigError(f"opening hours {part.strip()!r}: not a time of day")
        if b <= a:
            raise ConfigError(f"opening hours {part.strip()!r}: closing is not after opening "
                              "(a night shift is two spans: 22:00-24:00 one day, 00:00-06:00 the next)")
        spans.append((a, b))
    spans.sort()
    for (a1, b1), (a2, _b2) in zip(spans, spans[1:]):
        if a2 < b1:
            raise ConfigError(f"opening hours {text!r}: spans overlap")
    return tuple(spans)


def parse_days(key: str) -> list[int]:
    """``"mon-fri"``, ``"sat"``, ``"mon,wed"``, ``"daily"`` -> weekday numbers (0 = Monday)."""
    raw = str(key).strip().lower()
    if raw in ("daily", "every day", "all", "mon-sun"):
        return list(range(7))
    if raw in ("weekdays", "workdays"):
        return list(range(5))
    if raw in ("weekend", "weekends"):
        return [5, 6]
    out: list[int] = []
    for part in raw.split(","):
        ends = [_FULL.get(p.strip(), p.strip()[:3]) for p in part.split("-")]
        if any(e not in WEEKDAYS for e in ends) or len(ends) > 2:
            raise ConfigError(f"cannot read weekdays {key!r} (use e.g. mon-fri, sat, sun, daily)")
        a, b = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        out += list(range(a, b + 1)) if a <= b else list(range(a, 7)) + list(range(0, b + 1))
    return out


def _span_text(spans: Sequence[Span]) -> str:
    if not spans:
        return "closed"

    def hm(s: int) -> str:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}"

    return ", ".join(f"{hm(a)}-{hm(b)}" for a, b in spans)


@dataclass(frozen=True)
class Calendar:
    """Opening hours per weekday (Monday first) in ``timezone`` (None: the centre's), and holidays:
    a date -> that day's spans (empty: closed all day)."""

    name: str
    hours: tuple[tuple[Span, ...], ...] = (((0, DAY_S),),) * 7
    holidays: dict[date, tuple[Span, ...]] = field(default_factory=dict)
    timezone: str | None = None

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ConfigError(f"calendar {self.name!r}: hours must name all seven weekdays")
        if self.timezone is not None:
            zone(self.timezone, f"calendar {self.name!r}: timezone")

    @property
    def always_open(self) -> bool:
        return all(s == ((0, DAY_S),) for s in self.hours) and all(s == ((0, DAY_S),) for s in self.holidays.values())

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The day's opening spans in the calendar's own zone."""
        return self.holidays.get(day, self.hours[day.weekday()])

    def open_seconds_per_week(self) -> int:
        return sum(b - a for spans in self.hours for a, b in spans)

    def describe(self) -> str:
        """One line a person reads: ``Mon-Fri 08:00-20:00; Sat 09:00-17:00; Sun closed``."""
        groups: list[tuple[int, int, tuple[Span, ...]]] = []
        for i, spans in enumerate(self.hours):
            if groups and groups[-1][2] == spans:
                groups[-1] = (groups[-1][0], i, spans)
            else:
                groups.append((i, i, spans))
        days = [(WEEKDAYS[a].title() if a == b else f"{WEEKDAYS[a].title()}-{WEEKDAYS[b].title()}") + " "
                + _span_text(s) for a, b, s in groups]
        if len(groups) == 1:
            days = ["every day " + _span_text(groups[0][2])]
        text = "; ".join(days)
        if self.holidays:
            text += f"; {len(self.holidays)} holiday{'s' if len(self.holidays) != 1 else ''}"
        if self.timezone:
            text += f" ({self.timezone})"
        return text

    def as_dict(self) -> dict:
        """The calendar as the YAML config writes it."""
        out: dict = {}
        if self.timezone:
            out["timezone"] = self.timezone
        out["hours"] = {WEEKDAYS[i]: _span_text(s) for i, s in enumerate(self.hours)}
        if self.holidays:
            out["holidays"] = [d.isoformat() if not s else {"date": d.isoformat(), "hours": _span_text(s)}
                               for d, s in sorted(self.holidays.items())]
        return out

    # ------------------------------------------------------------------ on the centre's clock
    def centre_spans(self, first: date, last: date, centre_tz: str | None) -> list[list[tuple[float, float]]]:
        """For each centre-local day from ``first`` to ``last``: its open spans in seconds from that
        day's midnight, on the centre's wall clock (the calendar's zone converted when it differs)."""
        n = (last - first).days + 1
        out: list[list[tuple[float, float]]] = [[] for _ in range(max(n, 0))]
        if n <= 0:
            return out
        same = self.timezone is None or centre_tz is None or self.timezone == centre_tz
        if same:
            for k in range(n):
                out[k] = [(float(a), float(b)) for a, b in self.spans_on(first + timedelta(days=k))]
            return out
        cal, centre = zone(self.timezone), zone(centre_tz)
        base = datetime.combine(first, time())
        for k in range(-2, n + 2):  # calendar days whose spans may land on the centre's days
            d = first + timedelta(days=k)
            for a, b in self.spans_on(d):
                lo = _to_centre(d, a, cal, centre)
                hi = _to_centre(d, b, cal, centre)
                x0, x1 = (lo - base).total_seconds(), (hi - base).total_seconds()
                while x0 < x1:  # split at the centre's midnights
                    day = int(x0 // DAY_S)
                    end = min(x1, (day + 1) * DAY_S)
                    if 0 <= day < n:
                        out[day].append((x0 - day * DAY_S, end - day * DAY_S))
                    x0 = end
        for k in range(n):
            out[k].sort()
        return out

    def open_share(self, starts: Sequence[datetime], interval_s: float, centre_tz: str | None = None) -> list[float]:
        """For each interval [start, start + interval_s) on the centre's clock: the share of it that is open."""
        if not len(starts):
            return []
        first = min(starts).date()
        last = (max(starts) + timedelta(seconds=float(interval_s))).date()
        spans = self.centre_spans(first, last, centre_tz)
        base = datetime.combine(first, time())
        out = []
        for s in starts:
            x0 = (s - base).total_seconds()
            x1 = x0 + float(interval_s)
            out.append(_open_between(spans, x0, x1) / float(interval_s))
        return out


def _to_centre(day: date, seconds: int, cal: ZoneInfo, centre: ZoneInfo) -> datetime:
    """The calendar's local ``day`` + ``seconds`` as the centre's naive wall-clock time."""
    local = datetime.combine(day, time(), tzinfo=cal) + timedelta(seconds=seconds)
    # wall-clock arithmetic above; normalise through UTC so a summer-time change is honoured
    return local.astimezone(centre).replace(tzinfo=None)


def _open_between(spans: list[list[tuple[float, float]]], x0: float, x1: float) -> float:
    """Open seconds in [x0, x1), both measured from the first day's midnight."""
    total = 0.0
    k0, k1 = int(x0 // DAY_S), int((x1 - 1e-9) // DAY_S)
    for k in range(max(k0, 0), min(k1, len(spans) - 1) + 1):
        for a, b in spans[k]:
            lo, hi = max(a + k * DAY_S, x0), min(b + k * DAY_S, x1)
            if hi > lo:
                total += hi - lo
    return total


def business_seconds(calendar: Calendar, start: datetime, end: datetime, centre_tz: str | None = None) -> float:
    """Open seconds between two centre wall-clock times (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0.0
    spans = calendar.centre_spans(start.date(), end.date(), centre_tz)
    base = datetime.combine(start.date(), time())
    return _open_between(spans, (start - base).total_seconds(), (end - base).total_seconds())


ALWAYS_OPEN = Calendar("always open")


def clock_id(calendar: Calendar, centre_tz: str | None) -> str:
    """A short name for a calendar's hours, holidays and zone as seen from the centre's zone: a
    business wait kept in the store is valid while its clock id is the definition's."""
    import hashlib
    import json

    text = json.dumps({"calendar": calendar.as_dict(), "centre": centre_tz or ""}, sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class BusinessClock:
    """Business seconds for many rows in SQL: one clock per calendar, over the days ``first``..``last``.

    ``sql(calendar_index, x)`` is B(x) for ``x`` = seconds since ``first``'s midnight (a DOUBLE SQL
    expression) and ``calendar_index`` an SQL integer picking the calendar (0-based, in ``names``
    order); both are evaluated per row with list look-ups, no join. Days outside [first, last]
    give NULL (the caller keeps ``first``..``last`` wide enough).
    """

    names: tuple[str, ...]
    first: date
    days: int
    cum: tuple[tuple[float, ...], ...]        # per calendar: open seconds before each day (+ one past the end)
    spans: tuple[tuple[tuple[Span, ...], ...], ...]  # per calendar, per day
    centre_tz: str | None = None

    @classmethod
    def build(cls, calendars: Sequence[Calendar], first: date, last: date, centre_tz: str | None) -> "BusinessClock":
        days = (last - first).days + 1
        cums, spanss = [], []
        for cal in calendars:
            per_day = cal.centre_spans(first, last, centre_tz)
            cum, acc = [], 0.0
            for spans in per_day:
                cum.append(acc)
                acc += sum(b - a for a, b in spans)
            cum.append(acc)
            cums.append(tuple(cum))
            spanss.append(tuple(tuple(s) for s in per_day))
        return cls(tuple(c.name for c in calendars), first, days, tuple(cums), tuple(spanss), centre_tz)

    @property
    def width(self) -> int:
        """The most spans any day has (each needs its own look-up)."""
        return max([len(s) for per_cal in self.spans for s in per_cal] + [1])

    def index_sql(self, calendar_index: str, day: str) -> str:
        """The 1-based list index of (calendar, day) in SQL. ``build`` covers every day a stored wait
        touches, so the index is always in range."""
        return f"({calendar_index}) * {self.days} + ({day}) + 1"

    def packed_lists(self) -> list[str]:
        """SQL list literals, one BIGINT per (calendar, day) each: the first packs the open seconds
        before the day with its first span (cum << 34 | open << 17 | close), the others one more span
        each (open << 17 | close). Seconds of day fit 17 bits; cum fits the remaining 29 (17 years)."""
        if max((c[-1] for c in self.cum), default=0) >= 1 << 29:
            raise ConfigError("business-hours clock: the data spans too many years (over 17 years of open time)")
        out = []
        for j in range(self.width):
            vals = []
            for ci, per_cal in enumerate(self.spans):
                for k, spans in enumerate(per_cal):
                    o, c = (int(spans[j][0]), int(spans[j][1])) if len(spans) > j else (0, 0)
                    vals.append(((int(self.cum[ci][k]) << 34) if j == 0 else 0) | (o << 17) | c)
            out.append("([" + ", ".join(str(v) for v in vals) + "]::BIGINT[])")
        return out

    def value_sql(self, packed: Sequence[str], tod: str) -> str:
        """B from the day's packed values (columns holding ``packed_lists()[j][index]``) and the time of
        day: cum + Σ_j clamp(tod − open_j, 0, close_j − open_j)."""
        terms = [f"({packed[0]} >> 34)"]
        for p in packed:
            o, c = f"(({p} >> 17) & 131071)", f"({p} & 131071)"
            terms.append(f"least(greatest({tod} - {o}, 0.0), {c} - {o})")
        return "(" + " + ".join(terms) + ")"

    def sql(self, calendar_index: str, x: str) -> str:
        """B(x) in one expression, for x = seconds since the first day's midnight (tests and small queries)."""
        k = f"CAST(floor(({x}) / {DAY_S}) AS BIGINT)"
        idx = self.index_sql(calendar_index, k)
        return self.value_sql([f"{lst}[{idx}]" for lst in self.packed_lists()], f"(({x}) - {DAY_S} * {k})")


