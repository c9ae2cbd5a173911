"""Service pages and API: the overview framed against targets and the previous period, the contacts
behind every figure, the service-definitions settings (admins) and the intraday staffing curve.

Figures come from ``earful.metrics.service`` (each channel against its own definition), lists
from ``earful.metrics.contacts`` (the same rows the figures count), staffing from
``earful.staffing.requirement``.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import duckdb
from fastapi import APIRouter, Body, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from earful.errors import ConfigError, InputError
from earful.metrics.contacts import KINDS, contacts_table
from earful.metrics.definitions import SERVICE_CHANNELS, definitions_table, save_definitions, stored_definitions
from earful.metrics.service import last_days
from earful.web import _charts
from earful.web import _queries as q
from earful.web._access import allowed
from earful.web._deps import current_user, get_cursor, need, state
from earful.web.auth import User, audit

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")]
When = Annotated[str | None, Query(max_length=19, description="YYYY-MM-DD or YYYY-MM-DDTHH:MM")]
_PAGE = {"include_in_schema": False, "response_class": HTMLResponse}

#: The overview's headline figures: (key, title, unit, the contacts behind it).
TILES = (("offered", "Contacts offered", "num", "offered"),
         ("service_level", "Service level", "pct", "sl_base"),
         ("abandon_rate", "Abandon rate", "pct", "abandoned"),
         ("aht_s", "Average handle time", "secs", "answered"),
         ("csat_avg", "CSAT", "dec2", "answered"),
         ("fcr_rate", "First-contact resolution", "pct", "answered"))


def _render(request: Request, name: str, user: User, **ctx):
    from earful.web.app import render  # the app's renderer (navigation, filters, user)

    return render(request, name, user, **ctx)


def _range(cur: duckdb.DuckDBPyConnection, start: str | None, end: str | None, days: int) -> tuple[date | None, date | None]:
    """The dates asked for, else the last ``days`` days of data."""
    s, e = q.parse_day(start, "start"), q.parse_day(end, "end")
    if s is None and e is None:
        return last_days(cur, days)
    if s is not None and e is not None and e < s:
        raise InputError(f"the range is empty: end {e} is before start {s}")
    if s is None:
        s = e - timedelta(days=days - 1)
    if e is None:
        e = s + timedelta(days=days - 1)
    return s, e


def _fmt(v: Any, unit: str) -> str:
    if v is None:
        return "unknown"
    if unit == "pct":
        return f"{float(v) * 100:.1f} %"
    if unit == "secs":
        v = float(v)
        return f"{v:.0f} s" if v < 120 else f"{v / 60:.1f} min" if v < 7200 else f"{v / 3600:.1f} h"
    if unit == "dec2":
        return f"{float(v):.2f}"
    return f"{float(v):,.0f}"


def _delta(d: Any, unit: str) -> str | None:
    if d is None:
        return None
    d = float(d)
    sign = "+" if d > 0 else "−" if d < 0 else "±"
    if unit == "pct":
        return f"{sign}{abs(d) * 100:.1f} pts"
    if unit == "secs":
        return f"{sign}{abs(d):.0f} s" if abs(d) < 120 else f"{sign}{abs(d) / 60:.1f} min"
    if unit == "dec2":
        return f"{sign}{abs(d):.2f}"
    return f"{sign}{abs(d):,.0f}"


def _good(fig: dict) -> bool | None:
    """Whether the change is for the better (None: no direction, or no change)."""
    if fig.get("delta") in (None, 0) or fig.get("higher_is_better") is None:
        return None
    return (fig["delta"] > 0) == bool(fig["higher_is_better"])


def contacts_href(kind: str, start: Any, end: Any, channel: str | None = None, queue: str | None = None) -> str:
    """The contact list behind a figure, with the same filters."""
    params = {"kind": kind, "start": str(start)[:19] if start else "", "end": str(end)[:19] if end else ""}
    if channel:
        params["channel"] = channel
    if queue:
        params["queue"] = queue
    return "/contacts?" + urlencode({k: v for k, v in params.items() if v})


def _tile(key: str, title: str, unit: str, kind: str, fig: dict, daily: list[dict], s: dict) -> dict:
    return {"key": key, "title": title, "value": _fmt(fig.get("value"), unit),
            "target": _fmt(fig["target"], unit) if fig.get("target") is not None else None,
            "previous": _fmt(fig["previous"], unit) if fig.get("previous") is not None else None,
            "delta": _delta(fig.get("delta"), unit), "good": _good(fig), "rag": fig.get("rag"),
            "unknown": fig.get("unknown"), "caveat": fig.get("caveat"),
            "spark": _charts.spark([r.get(key) for r in daily], [r.get("day") for r in daily], name=title,
                                   unit=unit, label=f"{title} per day", target=fig.get("target")),
            "href": contacts_href(kind, s["start"], s["end"])}


def overview_data(cur: duckdb.DuckDBPyConnection, start: date | None, end: date | None) -> dict:
    """Everything the overview shows (cached per data version by the caller)."""
    s = q.overview(cur, start=start, end=end)
    if not s.get("start"):
        return {"summary": s}
    daily = s["daily"]
    tiles = [_tile(k, t, u, kind, s["framed"][k], daily, s) for k, t, u, kind in TILES]
    channels = []
    for c in s["channels"]:
        ch = c["channel"]
        channels.append({
            "channel": ch, "standard": c["standard"], "offered": _fmt(c["offered"]["value"], "num"),
            "sl": _fmt(c["service_level"]["value"], "pct"), "sl_rag": c["service_level"]["rag"],
            "sl_prev": _fmt(c["service_level"]["previous"], "pct") if c["service_level"]["previous"] is not None else "",
            "sl_delta": _delta(c["service_level"]["delta"], "pct") or "", "sl_good": _good(c["service_level"]),
            "sl_unknown": c["service_level"]["unknown"],
            "asa": _fmt(c["asa_s"]["value"], "secs"), "asa_unknown": c["asa_s"]["unknown"],
            "asa_note": "business hours" if c["business_clock"] else "",
            "abandon": _fmt(c["abandon_rate"]["value"], "pct"), "abandon_rag": c["abandon_rate"]["rag"],
            "aht": _fmt(c["aht_s"]["value"], "secs"), "aht_unknown": c["aht_s"]["unknown"],
            "href": contacts_href("sl_base", s["start"], s["end"], channel=ch),
            "late_href": contacts_href("late", s["start"], s["end"], channel=ch)})
    sl = s["framed"]["service_level"]
    sl_chart = _charts.line([r["day"] for r in daily], {"service level": [r["service_level"] for r in daily]},
                            y_name="service level", x_name="day", unit="pct", target=sl.get("target"),
                            label="service level per day against the contact-weighted target")
    volume_chart = _charts.line([r["day"] for r in daily], {"offered": [r["offered"] for r in daily],
                                                            "answered": [r["answered"] for r in daily]},
                                y_name="contacts", x_name="day", label="contacts offered and answered per day")
    weeks = [w for w in s["weekly"] if w.get("week") is not None]
    full = [w for w in weeks if not w.get("partial_days")]
    week_chart = _charts.line([w["week"] for w in full], {"service level": [w["service_level"] for w in full]},
                              y_name="service level", x_name="week (full weeks only)", unit="pct",
                              target=sl.get("target"), label="service level per full week")
    return {"summary": s, "tiles": tiles, "channels": channels, "sl_chart": sl_chart, "volume_chart": volume_chart,
            "week_chart": week_chart, "weeks": weeks, "partial_weeks": [w for w in weeks if w.get("partial_days")]}


@router.get("/", **_PAGE)
def overview_page(request: Request, cur: Cur, user: Annotated[User | None, Depends(current_user)],
                  start: Day = None, end: Day = None, days: Annotated[int, Query(ge=1, le=366)] = 28):
    if user is not None and not allowed(user.role, "overview") and allowed(user.role, "agents"):
        return RedirectResponse("/agents", status_code=303)  # an agent's home is their own page
    user = need("overview")(user)
    lo, hi = _range(cur, start, end, days)
    data = state(request).cached(cur, "overview_page", overview_data, lo, hi)
    first, last = q.data_period(cur)
    presets = []
    if last is not None:
        month0 = last.replace(day=1)
        prev_month_end = month0 - timedelta(days=1)
        presets = [("Last 7 days", last - timedelta(days=6), last), ("Last 28 days", last - timedelta(days=27), last),
                   ("This month", month0, last), ("Last month", prev_month_end.replace(day=1), prev_month_end)]
        presets = [(n, max(a, first), b) for n, a, b in presets if b >= first]
    return _render(request, "overview.html", user, data=data, s=data["summary"], start=lo.isoformat() if lo else "",
                   end=hi.isoformat() if hi else "", presets=presets,
                   can_drill=allowed(user.role, "contacts"))


@router.get("/api/v1/overview", summary="Framed service figures: per channel against its own target, the "
            "blended share of contacts meeting their own target, the previous equal period, deltas and RAG")
def overview_api(request: Request, cur: Cur, user: Annotated[User, Depends(need("overview"))],
                 start: Day = None, end: Day = None, days: Annotated[int, Query(ge=1, le=366)] = 28) -> dict:
    lo, hi = _range(cur, start, end, days)
    return state(request).cached(cur, "overview", q.overview, start=lo, end=hi)


# ---------------------------------------------------------------- the contacts behind a figure

def _contacts(cur, kind: str, start: str | None, end: str | None, channel: str | None, queue: str | None,
              limit: int | None, offset: int) -> dict:
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}")
    tbl, total = contacts_table(cur, kind, start=start or None, end=end or None, channel=channel or None,
                                queue=queue or None, limit=limit, offset=offset)
    items = [{k: q._jsonable(v) for k, v in r.items()} for r in tbl.to_pylist()]
    nxt = offset + (limit or 0) if limit is not None and offset + limit < total else None
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next_offset": nxt, "kind": kind}


KIND_WORDS = {"offered": "offered", "answered": "answered", "abandoned": "abandoned",
              "sl_base": "counted in the service level", "on_time": "answered on time",
              "late": "counted in the service level and not answered on time",
              "no_wait": "answered with no queue time (left out of ASA and service level)"}


@router.get("/contacts", **_PAGE)
def contacts_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("contacts"))],
                  kind: Annotated[str, Query(max_length=20)] = "offered", start: When = None, end: When = None,
                  channel: Annotated[str | None, Query(max_length=64)] = None,
                  queue: Annotated[str | None, Query(max_length=200)] = None,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    data = _contacts(cur, kind, start, end, channel, queue, 50, offset)
    filters = {"kind": kind, "start": start or "", "end": end or "", "channel": channel or "", "queue": queue or ""}
    qs = urlencode({k: v for k, v in filters.items() if v})
    return _render(request, "contacts.html", user, data=data, f=filters, kinds=KIND_WORDS, qs=qs,
                   channels=SERVICE_CHANNELS, can_read=allowed(user.role, "interaction"))


@router.get("/contacts.csv", include_in_schema=False)
def contacts_csv(cur: Cur, user: Annotated[User, Depends(need("contacts"))],
                 kind: Annotated[str, Query(max_length=20)] = "offered", start: When = None, end: When = None,
                 channel: Annotated[str | None, Query(max_length=64)] = None,
                 queue: Annotated[str | None, Query(max_length=200)] = None):
    import pyarrow.csv as pacsv

    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}")
    tbl, _ = contacts_table(cur, kind, start=start or None, end=end or None, channel=channel or None,
                            queue=queue or None, limit=None)
    buf = io.BytesIO()
    pacsv.write_csv(tbl, buf)
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="earful-contacts-{kind}.csv"'})


@router.get("/api/v1/contacts", summary="The contacts behind a figure (same filters and definitions), newest first",
            response_model=None, responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def contacts_api(cur: Cur, user: Annotated[User, Depends(need("contacts"))],
                 kind: Annotated[str, Query(max_length=20, description=", ".join(KINDS))] = "offered",
                 start: When = None, end: When = None,
                 channel: Annotated[str | None, Query(max_length=64)] = None,
                 queue: Annotated[str | None, Query(max_length=200)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
                 format: Annotated[str, Query(pattern="^(json|csv)$")] = "json") -> Any:
    if format == "csv":
        return contacts_csv(cur, user, kind, start, end, channel, queue)
    return _contacts(cur, kind, start, end, channel, queue, limit, offset)


# ---------------------------------------------------------------- service definitions (admins edit)

@router.get("/settings/service", **_PAGE)
def settings_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("service_settings"))]):
    defs = stored_definitions(cur)
    return _render(request, "service_settings.html", user, defs=defs, rows=definitions_table(defs),
                   text=defs.to_yaml(), error=None, saved=False)


@router.post("/settings/service", **_PAGE)
def settings_save(request: Request, cur: Cur, user: Annotated[User, Depends(need("service_settings"))],
                  text: Annotated[str, Form(max_length=100_000)]):
    try:
        defs = save_definitions(cur, text)
    except ConfigError as exc:
        old = stored_definitions(cur)
        return _render(request, "service_settings.html", user, defs=old, rows=definitions_table(old), text=text,
                       error=str(exc), saved=False, status_code=400)
    audit(cur, user, "service.definitions", None, {"definitions": len(definitions_table(defs))})
    state(request).forget()
    return _render(request, "service_settings.html", user, defs=defs, rows=definitions_table(defs), text=defs.to_yaml(),
                   error=None, saved=True)


@router.get("/api/v1/service/definitions", summary="The service definitions in force (targets, thresholds, "
            "business hours, abandon conventions, shrinkage)")
def definitions_api(cur: Cur, user: Annotated[User, Depends(need("overview"))]) -> dict:
    defs = stored_definitions(cur)
    return {**defs.as_dict(), "table": definitions_table(defs), "yaml": defs.to_yaml()}


@router.put("/api/v1/service/definitions", summary="Replace the service definitions (admins; YAML text)")
def definitions_put(request: Request, cur: Cur, user: Annotated[User, Depends(need("service_settings"))],
                    text: Annotated[str, Body(media_type="text/plain", max_length=100_000)]) -> dict:
    try:
        defs = save_definitions(cur, text)
    except ConfigError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    audit(cur, user, "service.definitions", None, {"definitions": len(definitions_table(defs))})
    state(request).forget()
    return {**defs.as_dict(), "table": definitions_table(defs)}


# ---------------------------------------------------------------- staffing: the intraday curve

@router.get("/api/v1/staffing/intraday", summary="Agents and positions for every interval of a channel's average "
            "day, against its own definition (deferred channels from backlog and response target)")
def intraday_api(request: Request, cur: Cur, user: Annotated[User, Depends(need("staffing"))],
                 channel: Annotated[str, Query(max_length=20)] = "voice",
                 queue: Annotated[str | None, Query(max_length=200)] = None,
                 interval_s: Annotated[int, Query(ge=900, le=3600)] = 1800,
                 shrinkage: Annotated[float | None, Query(ge=0, lt=1)] = None,
                 start: Day = None, end: Day = None) -> dict:
    return state(request).cached(cur, "intraday", q.intraday, channel, queue or None, interval_s, shrinkage,
                                 q.parse_day(start, "start"), q.parse_day(end, "end"))



def staffing_view(request: Request, cur: duckdb.DuckDBPyConnection, user: User, channel: str, calls: float | None,
                  aht_s: float | None, interval_s: int, threshold_s: float | None, shrinkage: float | None,
                  target: float | None):
    """The staffing page: the channel's own definition, the what-if for its busiest interval (channels
    answered while the customer waits) and the requirement for every interval of its average day."""
    st = state(request)
    w = q.staffing_defaults(st, cur, channel, calls, aht_s, interval_s, threshold_s, shrinkage)
    d = w["definition"]
    tgt = w["target"] if target is None else target
    table, current = [], None
    if d["mode"] == "immediate":
        table = q.staffing_what_if(w["calls"], w["aht_s"], interval_s, threshold_s=w["threshold_s"],
                                   targets=tuple(t / 100 for t in range(50, 100, 5)), shrinkage=w["shrinkage"],
                                   concurrency=d["concurrency"])
        current = q.staffing_what_if(w["calls"], w["aht_s"], interval_s, threshold_s=w["threshold_s"],
                                     targets=(tgt,), shrinkage=w["shrinkage"], concurrency=d["concurrency"])[0]
    curve, curve_error = None, None
    try:
        curve = st.cached(cur, "intraday", q.intraday, channel, None, 1800, shrinkage, None, None)
    except InputError as exc:
        curve_error = str(exc)
    curve_chart = None
    if curve:
        rows = [r for r in curve["intervals"]]
        curve_chart = _charts.line([str(r["start"])[:5] for r in rows],
                                   {"agents": [r["agents"] for r in rows], "positions": [r["positions"] for r in rows]},
                                   y_name="people", x_name="interval", label=f"{channel}: agents and positions per interval")
    return _render(request, "staffing.html", user, channel=channel, channels=SERVICE_CHANNELS, d=d,
                   calls=w["calls"], aht_s=w["aht_s"], aht_known=w["aht_known"], interval_s=interval_s,
                   threshold_s=w["threshold_s"], shrinkage=w["shrinkage"], target=tgt, table=table, current=current,
                   chart=_charts.staffing(table, current) if current else None, curve=curve,
                   curve_chart=curve_chart, curve_error=curve_error)


def warm(st, cur: duckdb.DuckDBPyConnection) -> None:
    """Compute the overview of the last 28 days ahead of the first visit."""
    lo, hi = last_days(cur, 28)
    st.cached(cur, "overview_page", overview_data, lo, hi)


# ---------------------------------------------------------------- the metrics explorer, framed

_MINUTES = {"interval15": 15, "interval30": 30, "interval60": 60}


def _row_href(row: dict, by: tuple[str, ...], start: str | None, end: str | None, channel: str | None,
              queue: str | None) -> str | None:
    """The contacts behind one explorer row: its period and its channel/queue (None for agent rows)."""
    from datetime import datetime

    if "agent" in by:
        return None
    lo, hi = start, end
    for k in by:
        if k in _MINUTES and row.get("interval_start"):
            t = datetime.fromisoformat(str(row["interval_start"]))
            lo, hi = t.isoformat(timespec="minutes"), (t + timedelta(minutes=_MINUTES[k])).isoformat(timespec="minutes")
        elif k == "day" and row.get("day"):
            lo = hi = str(row["day"])[:10]
        elif k in ("week", "month") and row.get(k):
            first = date.fromisoformat(str(row[k])[:10])
            from earful.metrics.periods import period_length

            lo, hi = first.isoformat(), (first + timedelta(days=period_length(k, first) - 1)).isoformat()
    return contacts_href("offered", lo, hi, channel=row.get("channel") or channel, queue=row.get("queue") or queue)


def explorer_frame(cur: duckdb.DuckDBPyConnection, rows: list[dict], by: tuple[str, ...], start: str | None,
                   end: str | None, channel: str | None, queue: str | None, can_drill: bool) -> dict:
    """The explorer's framing: the selection's totals against the targets and the previous equal period,
    and per row a red/amber/green mark, a link to its contacts and whether its week or month is partial."""
    from earful.metrics.definitions import rag
    from earful.metrics.periods import covered_range, partial, previous_period
    from earful.metrics.service import frame

    defs = stored_definitions(cur)
    s, e = q.parse_day(start, "start"), q.parse_day(end, "end")
    total = (q.metrics(cur, (), start=s, end=e, channel=channel, queue=queue) or [{}])[0]
    prev, note = None, "pick a date range (from and to) to compare it with the period before"
    if s and e:
        p_lo, p_hi = previous_period(s, e)
        first, last = q.data_period(cur)
        if first is not None and first <= p_lo and p_hi <= last:
            prev = (q.metrics(cur, (), start=p_lo, end=p_hi, channel=channel, queue=queue) or [{}])[0]
            note = f"compared with {p_lo} to {p_hi}"
        else:
            note = f"no comparison: the data does not cover the period before ({p_lo} to {p_hi})"
    framed = frame(total, prev, defs, ("offered", "service_level", "abandon_rate", "asa_s", "aht_s"))
    units = {"offered": "num", "service_level": "pct", "abandon_rate": "pct", "asa_s": "secs", "aht_s": "secs"}
    titles = {"offered": "offered", "service_level": "service level", "abandon_rate": "abandon rate",
              "asa_s": "ASA", "aht_s": "AHT"}
    summary = [{"title": titles[k], "value": _fmt(f["value"], units[k]),
                "target": _fmt(f["target"], units[k]) if f["target"] is not None else "",
                "previous": _fmt(f["previous"], units[k]) if f["previous"] is not None else "",
                "delta": _delta(f["delta"], units[k]) or "", "good": _good(f), "rag": f["rag"],
                "unknown": f["unknown"] or ""} for k, f in framed.items()]
    period = next((k for k in ("week", "month") if k in by), None)
    part: dict = {}
    if period and rows:
        lo, hi = covered_range(cur, s, e)
        if lo is not None:
            part = partial(period, [r[period] for r in rows], lo, hi)
    marks = []
    for r in rows:
        first_day = date.fromisoformat(str(r[period])[:10]) if period and r.get(period) else None
        marks.append({"rag": rag(r.get("service_level"), r.get("sl_target"), amber=defs.amber),
                      "href": _row_href(r, by, start, end, channel, queue) if can_drill else None,
                      "partial": part.get(first_day) if first_day else None})
    from earful.metrics.gaps import conventions

    return {"summary": summary, "note": note, "marks": marks, "period": period, "conventions": conventions(defs)}
