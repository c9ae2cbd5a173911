"""The planning page and its API: the latest forecast of a queue with its 80 % range, the requirement
curve, the schedule's coverage and predicted service level, and a what-if on volume, AHT and shrinkage.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import duckdb
import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from earful.errors import InputError
from earful.web import _charts
from earful.web._deps import get_cursor, need, state
from earful.web.auth import User

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Pct = Annotated[float, Query(ge=-90, le=300, description="change in percent, e.g. 10 for +10 %")]


def _view(cur, queue: str | None, volume_pct: float, aht_pct: float, shrinkage_pct: float | None) -> dict | None:
    from earful.store.schema import has_table
    from earful.wfm.plan import plan_view

    if not has_table(cur, "wfm_runs"):
        return None
    return plan_view(cur, queue or None, volume=1 + volume_pct / 100, aht=1 + aht_pct / 100,
                     shrinkage=None if shrinkage_pct is None else shrinkage_pct / 100)


def _num(v) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 4)


def _summary(v: dict) -> dict[str, Any]:
    """Headline figures of the view (what the page's tiles and the API show)."""
    step = v["interval_s"] / 3600
    out = {"queue": v["queue"], "channel": v["channel"], "forecast_run": v["forecast_run"], "target": v["target"],
           "model": v["model"], "patience_s": v["patience_s"], "shrinkage": v["shrinkage"],
           "volume": float(v["volume"].sum()), "whatif_volume": float(v["whatif_volume"].sum()),
           "peak_positions": int(v["positions"].max(initial=0)),
           "whatif_peak_positions": int(v["whatif_positions"].max(initial=0)),
           "position_hours": float(v["positions"].sum()) * step,
           "whatif_position_hours": float(v["whatif_positions"].sum()) * step, "schedule": None}
    s = v["schedule"]
    if s is not None:
        sm = s["summary"]
        out["schedule"] = {"run_id": s["run_id"], "agents": sm.get("agents"), "paid_hours": sm.get("paid_hours"),
                           "lp_bound_hours": sm.get("base_bound_hours", sm.get("bound_hours")),
                           "service_level": sm.get("service_level"), "open_met": sm.get("open_met"),
                           "abandon_rate": sm.get("abandon_rate"), "whatif_service_level": _num(s["whatif_overall_sl"]),
                           "whatif_open_met": _num(s["whatif_met"]), "whatif_short_hours": s["whatif_short_hours"]}
    return out


def _charts_of(v: dict) -> dict[str, dict]:
    labels = v["starts"]
    changed = v["volume_factor"] != 1 or v["aht_factor"] != 1 or v["shrinkage"] != v["run_shrinkage"]
    vol = {"forecast": v["volume"], "80 % low": v["lo80"], "80 % high": v["hi80"]}
    if v["volume_factor"] != 1:
        vol["what-if"] = v["whatif_volume"]
    req = {"required": v["positions"]}
    if changed:
        req["what-if required"] = v["whatif_positions"]
    s = v["schedule"]
    sl = None
    if s is not None:
        n = len(s["scheduled"])
        req["scheduled"] = list(s["scheduled"]) + [None] * (len(labels) - n)
        sl_series = {"simulated": list(s["simulated_sl"]), "target": [v["target_sl"]] * n}
        if changed:
            sl_series["what-if (Erlang)"] = list(s["whatif_sl"])
        sl = _charts.line(labels[:n], sl_series, y_name="service level", unit="pct",
                          label="predicted service level per interval")
    out = {"volume": _charts.line(labels, vol, y_name="contacts", label="forecast contacts per interval with "
                                                                        "the 80 % range"),
           "positions": _charts.line(labels, req, y_name="positions", label="positions required and scheduled")}
    if sl is not None:
        out["service"] = sl
    return out


@router.get("/planning", include_in_schema=False, response_class=HTMLResponse)
def planning_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("planning"))],
                  queue: Annotated[str | None, Query(max_length=200)] = None,
                  volume_pct: Pct = 0.0, aht_pct: Pct = 0.0,
                  shrinkage_pct: Annotated[float | None, Query(ge=0, le=90)] = None):
    from earful.web.app import render

    v = state(request).cached(cur, "planning", _view, queue, volume_pct, aht_pct, shrinkage_pct)
    if v is None:
        return render(request, "planning.html", user, view=None)
    return render(request, "planning.html", user, view=v, s=_summary(v), charts=_charts_of(v),
                  volume_pct=volume_pct, aht_pct=aht_pct,
                  shrinkage_pct=round(v["shrinkage"] * 100, 1))


@router.get("/api/v1/planning", summary="A queue's latest forecast, requirement and schedule, with a what-if")
def planning_api(request: Request, cur: Cur, user: Annotated[User, Depends(need("planning"))],
                 queue: Annotated[str | None, Query(max_length=200)] = None, volume_pct: Pct = 0.0, aht_pct: Pct = 0.0,
                 shrinkage_pct: Annotated[float | None, Query(ge=0, le=90)] = None,
                 intervals: Annotated[bool, Query(description="include every interval")] = False) -> dict:
    v = state(request).cached(cur, "planning", _view, queue, volume_pct, aht_pct, shrinkage_pct)
    if v is None:
        raise InputError("no forecast in the store yet: run `earful forecast`")
    out = _summary(v)
    if intervals:
        s = v["schedule"]
        out["intervals"] = [{"start": t.isoformat(), "volume": _num(v["volume"][i]), "lo80": _num(v["lo80"][i]),
                             "hi80": _num(v["hi80"][i]), "aht_s": _num(v["aht_s"][i]),
                             "positions": int(v["positions"][i]), "whatif_positions": int(v["whatif_positions"][i]),
                             "scheduled": None if s is None or i >= len(s["scheduled"]) else int(s["scheduled"][i]),
                             "simulated_sl": None if s is None or i >= len(s["scheduled"]) else _num(s["simulated_sl"][i])}
                            for i, t in enumerate(v["starts"])]
    return out


def _latest_schedule(cur):
    from earful.wfm.plan import latest_run, load_schedule

    last = latest_run(cur, "schedule")
    if last is None:
        raise InputError("no schedule in the store yet: run `earful schedule`")
    return load_schedule(cur, int(last["run_id"]))


@router.get("/planning/shifts.csv", include_in_schema=False)
def shifts_csv(cur: Cur, user: Annotated[User, Depends(need("planning"))]):
    sched = _latest_schedule(cur)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["agent", "pattern", "day", "start", "end", "paid_hours", "breaks"])
    for r in sched["shifts"]:
        w.writerow([r["agent"], r["pattern"], r["day"], f"{r['start']:%Y-%m-%d %H:%M}", f"{r['end']:%Y-%m-%d %H:%M}",
                    f"{r['paid_s'] / 3600:g}", r["breaks"]])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"content-disposition": 'attachment; filename="earful-shifts.csv"'})


@router.get("/planning/roster.csv", include_in_schema=False)
def roster_csv(cur: Cur, user: Annotated[User, Depends(need("planning"))]):
    sched = _latest_schedule(cur)
    days = sorted({r["day"] for r in sched["shifts"]})
    cells: dict[str, dict] = {}
    for r in sched["shifts"]:
        cells.setdefault(r["agent"], {})[r["day"]] = f"{r['start']:%H:%M}-{r['end']:%H:%M}"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["agent", *(f"{d:%a %d %b}" for d in days)])
    for agent, row in sorted(cells.items()):
        w.writerow([agent, *(row.get(d, "off") for d in days)])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"content-disposition": 'attachment; filename="earful-roster.csv"'})
