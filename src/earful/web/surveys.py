"""Survey pages and API: what customers said, who did not answer, what moves satisfaction, who to call back.

Page ``/surveys``; API ``/api/v1/surveys``, ``/api/v1/surveys/drivers``, ``/api/v1/surveys/verbatims``,
``/api/v1/surveys/detractors`` (admins and analysts: it names customers) and ``/api/v1/surveys/model``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from earful.errors import InputError
from earful.web import _charts
from earful.web._access import allowed
from earful.web._deps import get_cursor, need, state
from earful.web.auth import User

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Day = Annotated[str | None, Query(description="YYYY-MM-DD", max_length=10)]
SurveyBy = Literal["channel", "queue", "agent", "reason", "survey", "day", "week", "month"]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]


def _days(start: str | None, end: str | None):
    from earful.web._queries import parse_day

    return parse_day(start, "start"), parse_day(end, "end")


def surveys_data(request: Request, cur: duckdb.DuckDBPyConnection, by: str | None, start: str | None,
                 end: str | None) -> dict:
    from earful.surveys.analysis import non_response, summary

    s, e = _days(start, end)

    def compute(c):
        return {"by": by, "overall": summary(c, None, s, e), "groups": summary(c, by, s, e) if by else [],
                "non_response": non_response(c, s, e)}

    return state(request).cached(cur, "surveys", lambda c, *a: compute(c), by, start, end)


def drivers_data(request: Request, cur: duckdb.DuckDBPyConnection, target: str, start: str | None, end: str | None) -> dict:
    from earful.surveys.drivers import key_drivers

    s, e = _days(start, end)
    try:
        return state(request).cached(cur, "drivers", lambda c, *a: key_drivers(c, target, s, e).as_dict(), target, start, end)
    except InputError as exc:
        return {"target": target, "n": 0, "drivers": [], "why": str(exc)}


def model_data(cur: duckdb.DuckDBPyConnection) -> dict | None:
    from earful.surveys.predict import model_metrics

    return model_metrics(cur)


@router.get("/api/v1/surveys", summary="CSAT, top/bottom box, NPS and CES with intervals, response rate and non-response")
def api_surveys(request: Request, cur: Cur, user: Annotated[User, Depends(need("surveys"))],
                by: SurveyBy | None = None, start: Day = None, end: Day = None) -> dict:
    return surveys_data(request, cur, by, start, end)


@router.get("/api/v1/surveys/drivers", summary="What moves CSAT or NPS: effects with 95 % intervals, in plain words")
def api_drivers(request: Request, cur: Cur, user: Annotated[User, Depends(need("surveys"))],
                target: Literal["csat", "nps"] = "csat", start: Day = None, end: Day = None) -> dict:
    return drivers_data(request, cur, target, start, end)


@router.get("/api/v1/surveys/verbatims", summary="Redacted comments by score band")
def api_verbatims(request: Request, cur: Cur, user: Annotated[User, Depends(need("surveys"))],
                  scale: Literal["csat", "nps"] = "csat", start: Day = None, end: Day = None,
                  per_band: Annotated[int, Query(ge=1, le=100)] = 5) -> dict:
    from earful.surveys.analysis import verbatims

    s, e = _days(start, end)
    return {"scale": scale, "bands": state(request).cached(cur, "verbatims", lambda c, *a: verbatims(c, scale, s, e, per_band),
                                                           scale, start, end, per_band)}


@router.get("/api/v1/surveys/detractors", summary="Responses to follow up (NPS 0-6 or CSAT 1-2), newest first")
def api_detractors(cur: Cur, user: Annotated[User, Depends(need("detractors"))], start: Day = None, end: Day = None,
                   limit: Limit = 50, offset: Offset = 0) -> dict:
    from earful.surveys.analysis import detractors

    s, e = _days(start, end)
    return detractors(cur, s, e, limit=limit, offset=offset)


@router.get("/api/v1/surveys/model", summary="The predicted-satisfaction model's figures on contacts it did not learn from")
def api_model(cur: Cur, user: Annotated[User, Depends(need("surveys"))]) -> dict:
    m = model_data(cur)
    if m is None:
        raise HTTPException(status_code=404, detail="no satisfaction model (earful surveys train)")
    return m


@router.get("/surveys", include_in_schema=False, response_class=HTMLResponse)
def surveys_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("surveys"))],
                 by: SurveyBy = "channel", start: Day = None, end: Day = None):
    from earful.surveys.analysis import detractors, verbatims
    from earful.web.app import render

    data = surveys_data(request, cur, by, start, end)
    overall = data["overall"][0] if data["overall"] else None
    dist = _charts.bars([f"CSAT {k}" for k in range(5, 0, -1)],
                        [overall["csat_distribution"][k] if overall else 0 for k in range(5, 0, -1)],
                        x_name="answers", label="CSAT answers by score")
    drivers = drivers_data(request, cur, "csat", start, end)
    s, e = _days(start, end)
    bands = state(request).cached(cur, "verbatims", lambda c, *a: verbatims(c, "csat", s, e, 5), "csat", start, end, 5)
    detr = detractors(cur, s, e, limit=20) if allowed(user.role, "detractors") else None
    return render(request, "surveys.html", user, data=data, overall=overall, by=by, start=start or "", end=end or "",
                  dist=dist, drivers=drivers, bands=bands, detractors=detr, model=model_data(cur))
