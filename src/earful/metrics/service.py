"""Framed service figures: each figure beside its target, the previous equal period, the change and
a red/amber/green mark, per channel and for the centre, with the reason when a figure is unknown.

This is what the overview, the briefing and the API put in front of executives::

    from earful.metrics.service import service_summary
    s = service_summary(con, "2025-08-01", "2025-08-31")
    s["channels"][0]["service_level"]   # {"value": 0.79, "target": 0.8, "previous": ..., "delta": ..., "rag": "amber"}
    s["totals"]["service_level"]        # the blended line: share of contacts that met their own channel's target

Every channel is measured against its own definition (``earful.metrics.definitions``). The blended
service level is the contact-weighted share of contacts that met *their own* channel's threshold;
its target is the same weighting of the channels' targets (what the centre would score if every
channel exactly met its own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import duckdb

from earful.metrics.definitions import SERVICE_CHANNELS, ServiceDefinitions, rag, resolve
from earful.metrics.gaps import caveats, conventions, unknown_reasons
from earful.metrics.periods import covered_range, data_days, partial, previous_period
from earful.metrics.table import metrics_table

#: The figures framed, whether higher is better, and where each one's target comes from.
FIGURES: dict[str, tuple[bool | None, str | None]] = {
    "offered": (None, None),
    "service_level": (True, "sl_target"),
    "abandon_rate": (False, "abandon_target"),
    "asa_s": (False, None),
    "aht_s": (None, None),
    "csat_avg": (True, "csat_avg"),
    "fcr_rate": (True, "fcr_rate"),
    "occupancy": (None, "occupancy"),
}


def _day(v: object) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def frame(row: Mapping[str, Any] | None, prev: Mapping[str, Any] | None, defs: ServiceDefinitions,
          names: Sequence[str] = tuple(FIGURES)) -> dict[str, dict[str, Any]]:
    """Each figure of a metrics row with its target, previous value, change, RAG, and the reason
    when it is unknown (or a caveat when it rests on part of the contacts)."""
    row = row or {}
    why, notes = unknown_reasons(row), caveats(row)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        higher, target_from = FIGURES.get(name, (None, None))
        value = row.get(name)
        target = None
        if target_from in ("sl_target", "abandon_target"):
            target = row.get(target_from)
        elif target_from:
            target = defs.targets.get(target_from)
        before = prev.get(name) if prev else None
        out[name] = {
            "value": value, "target": target, "previous": before,
            "delta": (value - before) if value is not None and before is not None else None,
            "rag": rag(value, target, higher_is_better=bool(higher), amber=defs.amber) if higher is not None else None,
            "higher_is_better": higher,
            "unknown": why.get(name) if value is None else None,
            "caveat": notes.get(name),
        }
    return out


def service_summary(con: duckdb.DuckDBPyConnection, start: object = None, end: object = None, *,
                    definitions: ServiceDefinitions | str | None = None, channel: str | None = None,
                    queue: str | None = None, with_previous: bool = True) -> dict[str, Any]:
    """Framed figures for [start, end] (days, both included; None: the store's first/last day): the
    centre's totals (the blended service level among them), one entry per channel, the daily series
    with its target, the conventions used, and the previous equal period's dates."""
    defs = resolve(con, definitions)
    lo, hi = covered_range(con, start, end)
    if lo is None or hi is None or hi < lo:
        return {"start": None, "end": None, "previous": None, "totals": {}, "channels": [], "daily": [],
                "conventions": conventions(defs), "definitions": defs.as_dict()}
    lo, hi = (_day(start) if start is not None else lo), (_day(end) if end is not None else hi)
    kw = {"definitions": defs, "channel": channel, "queue": queue}
    total = (metrics_table(con, (), start=lo, end=hi, **kw).to_pylist() or [None])[0]
    chans = {r["channel"]: r for r in metrics_table(con, ("channel",), start=lo, end=hi, **kw).to_pylist()}
    p_lo, p_hi = previous_period(lo, hi)
    prev_total, prev_chans, prev_note = None, {}, None
    first, last = data_days(con)
    p_days = (p_hi - p_lo).days + 1
    p_covered = max(0, (min(p_hi, last) - max(p_lo, first)).days + 1)
    if not with_previous:
        pass
    elif p_covered < p_days:  # a period the data covers in part is no fair comparison
        prev_note = (f"no comparison: the data covers {p_covered} of the {p_days} days before "
                     f"({p_lo} to {p_hi})" if p_covered else f"no data for the {p_days} days before ({p_lo} to {p_hi})")
    else:
        prev_total = (metrics_table(con, (), start=p_lo, end=p_hi, **kw).to_pylist() or [None])[0]
        prev_chans = {r["channel"]: r for r in metrics_table(con, ("channel",), start=p_lo, end=p_hi, **kw).to_pylist()}
    channels = []
    for ch in [c for c in SERVICE_CHANNELS if c in chans] + sorted(c for c in chans if c not in SERVICE_CHANNELS):
        row = chans[ch]
        if not row.get("offered") and ch not in SERVICE_CHANNELS:
            continue  # surveys and other records that are not contacts to answer
        d = defs.for_channel(ch)
        channels.append({"channel": ch, "standard": d.label, "mode": d.mode, "threshold_s": d.threshold_s,
                         "calendar": d.calendar, "business_clock": d.business_clock,
                         "answered": row.get("answered"), "abandoned": row.get("abandoned"),
                         "queues_with_own": sorted({q for q, ch_, _ in defs.rules() if q is not None and ch_ == ch}),
                         "row": row, **frame(row, prev_chans.get(ch), defs)})
    daily = metrics_table(con, ("day",), start=lo, end=hi, **kw).to_pylist()
    weeks = _weeks(daily)
    part = partial("week", [w["week"] for w in weeks], lo, hi)
    for w in weeks:
        w["partial_days"] = part.get(w["week"])
    return {
        "start": lo.isoformat(), "end": hi.isoformat(), "days": (hi - lo).days + 1,
        "previous": {"start": p_lo.isoformat(), "end": p_hi.isoformat()} if prev_total else None,
        "previous_note": prev_note,
        "totals": frame(total, prev_total, defs), "total_row": total, "previous_row": prev_total,
        "blended_note": "share of all contacts answered within their own channel's threshold, against the same "
                        "weighting of the channels' targets",
        "channels": channels, "daily": daily, "weekly": weeks,
        "conventions": conventions(defs, channels=[c["channel"] for c in channels] or None),
        "definitions": defs.as_dict(),
    }


def _weeks(daily: list[dict]) -> list[dict]:
    """Weekly rows (Monday first) from the daily ones: offered and the service level's parts add up,
    so a week's service level is Σ met ÷ Σ counted of its days."""
    out: dict[date, dict] = {}
    for d in daily:
        if d.get("day") is None:
            continue
        day = _day(d["day"])
        w = out.setdefault(day - timedelta(days=day.weekday()), {"offered": 0, "sl_met": 0, "sl_base": 0, "known": 0})
        w["offered"] += d.get("offered") or 0
        if d.get("service_level") is not None:
            w["sl_met"] += d.get("sl_met") or 0
            w["sl_base"] += d.get("sl_base") or 0
            w["known"] += 1
    return [{"week": k, "offered": w["offered"], "sl_met": w["sl_met"], "sl_base": w["sl_base"],
             "service_level": (w["sl_met"] / w["sl_base"]) if w["known"] and w["sl_base"] else None}
            for k, w in sorted(out.items())]


def last_days(con: duckdb.DuckDBPyConnection, days: int) -> tuple[date | None, date | None]:
    """The last ``days`` days the store has contacts for (a default range for a page)."""
    lo, hi = covered_range(con)
    if hi is None or lo is None:
        return None, None
    return max(lo, hi - timedelta(days=days - 1)), hi
