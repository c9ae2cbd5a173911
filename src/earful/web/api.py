"""The REST API under /api/v1: the same data and the same access rules as the pages.

Errors always have the shape ``{"error": {"code": ..., "message": ...}}``; listings are
paginated with ``limit``/``offset`` and answer ``items, total, limit, offset, next_offset``.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Annotated, Literal

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from earful.web import _queries as q
from earful.web._access import allowed
from earful.web._csrf import request_token
from earful.web._deps import (action_department, check_insight, department_scope, get_cursor, need,
                              readable_interaction, state)
from earful.web.auth import User, list_users


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class ActionIn(BaseModel):
    action: Literal["share", "acknowledge", "action", "confirm", "dismiss"] = Field(
        description="share (the centre), acknowledge, action, confirm (with amount) or dismiss (with note)")
    department: str | None = Field(None, max_length=200,
                                   description="whose route (departments: always their own)")
    note: str | None = Field(None, max_length=2000, description="reason for a dismissal, remark otherwise")
    amount: Decimal | None = Field(None, ge=0, le=Decimal("1e15"), max_digits=18, decimal_places=2,
                                   description="confirmed value (confirm)")
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Z]{3}$")


_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", responses=_ERRORS)
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
Day = Annotated[str | None, Query(description="YYYY-MM-DD", max_length=10)]
GroupKey = Literal["interval15", "interval30", "interval60", "day", "week", "month", "queue", "channel", "agent"]


@router.get("/me", summary="The signed-in user (and, signed in by cookie, the session's form token)")
def me(request: Request, user: Annotated[User, Depends(need("me"))]) -> dict:
    out = user.as_dict()
    if not (request.headers.get("authorization") or "").lower().startswith("bearer "):
        out["csrf_token"] = request_token(request)  # for scripts: send it as X-CSRF-Token
    return out


@router.get("/metrics", summary="Measures grouped by interval, day, queue, channel or agent",
            response_model=None, responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def metrics(request: Request, cur: Cur, user: Annotated[User, Depends(need("metrics"))],
            by: Annotated[list[GroupKey], Query(max_length=4)] = ["day"],  # noqa: B006
            start: Day = None, end: Day = None,
            channel: Annotated[str | None, Query(max_length=64)] = None,
            queue: Annotated[str | None, Query(max_length=200)] = None,
            limit: Limit = 500, offset: Offset = 0,
            format: Annotated[Literal["json", "csv"], Query()] = "json") -> Response | dict:
    s, e = q.parse_day(start, "start"), q.parse_day(end, "end")
    rows = state(request).cached(cur, "metrics", q.metrics, tuple(by), start=s, end=e, channel=channel, queue=queue)
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="earful-metrics.csv"'})
    return page(rows, limit, offset)


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def page(rows: list, limit: int, offset: int) -> dict:
    total = len(rows)
    return {"items": rows[offset:offset + limit], "total": total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None}


@router.get("/staffing", summary="Agents and occupancy needed for each service-level target (Erlang C), "
            "for a channel's busiest interval and its own threshold unless given")
def staffing(request: Request, cur: Cur, user: Annotated[User, Depends(need("staffing"))],
             calls: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
             aht_s: Annotated[float | None, Query(gt=0, le=86_400)] = None,
             interval_s: Annotated[int, Query(ge=60, le=86_400)] = 1800,
             threshold_s: Annotated[float | None, Query(gt=0, le=3600)] = None,
             target: Annotated[list[float] | None, Query(max_length=50)] = None,
             channel: Annotated[str, Query(max_length=20)] = "voice",
             shrinkage: Annotated[float | None, Query(ge=0, lt=1)] = None,
             ) -> dict:
    w = q.staffing_defaults(state(request), cur, channel, calls, aht_s, interval_s, threshold_s, shrinkage)
    if w["definition"]["mode"] == "deferred":
        raise HTTPException(status_code=400, detail=f"{channel} is worked from a backlog, not staffed by Erlang C: "
                                                    "see /api/v1/staffing/intraday")
    targets = tuple(target) if target else (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
    rows = q.staffing_what_if(w["calls"], w["aht_s"], interval_s, threshold_s=w["threshold_s"], targets=targets,
                              shrinkage=w["shrinkage"], concurrency=w["definition"]["concurrency"])
    return {"channel": channel, "calls": w["calls"], "aht_s": w["aht_s"], "interval_s": interval_s,
            "threshold_s": w["threshold_s"], "shrinkage": w["shrinkage"], "definition": w["definition"], "items": rows}


@router.get("/reasons", summary="Top contact reasons with weekly counts, and topics")
def reasons(request: Request, cur: Cur, user: Annotated[User, Depends(need("reasons"))]) -> dict:
    return state(request).cached(cur, "reasons", q.reasons)


@router.get("/insights", summary="The inbox: one card per insight, by value, newest or confidence (departments see their own)")
def insights(request: Request, cur: Cur, user: Annotated[User, Depends(need("insights"))],
             state_: Annotated[Literal["new", "shared", "acknowledged", "actioned", "value_confirmed", "dismissed"] | None,
                               Query(alias="state")] = None,
             department: Annotated[str | None, Query(max_length=200)] = None,
             sort: Annotated[Literal["value", "newest", "confidence"], Query()] = "value",
             q_: Annotated[str | None, Query(alias="q", max_length=200, description="words in the title")] = None,
             limit: Limit = 50, offset: Offset = 0) -> dict:
    return state(request).cached(cur, "insights", q.insights_list, department=department_scope(user, department),
                                 state=state_, q=q_ or None, sort=sort, limit=limit, offset=offset)


@router.get("/insights/{insight_id}", summary="One insight with metrics and (redacted) evidence")
def insight(cur: Cur, user: Annotated[User, Depends(need("insights"))], insight_id: str) -> dict:
    from earful.insights.identity import resolve

    insight_id = resolve(cur, insight_id)  # an insight merged into another answers as that one
    check_insight(cur, user, insight_id)
    dept = user.department if user.role == "department" else None
    return q.insight_get(cur, insight_id, department=dept, role=user.role, redacted=True) or {}


@router.post("/insights/{insight_id}/actions", summary="Move an insight along its lifecycle")
def insight_action(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))],
                   insight_id: str, body: ActionIn) -> dict:
    check_insight(cur, user, insight_id)
    dept = action_department(cur, user, insight_id, body.department)
    try:
        return q.insight_act(cur, insight_id, dept, body.action, user, note=body.note,
                             amount=body.amount, currency=body.currency)
    finally:
        state(request).forget()


@router.get("/interactions", summary="Interactions with words, newest first (text redacted)")
def interactions(cur: Cur, user: Annotated[User, Depends(need("interactions"))],
                 q_: Annotated[str | None, Query(alias="q", max_length=200)] = None,
                 limit: Limit = 50, offset: Offset = 0) -> dict:
    return q.interactions_list(cur, q=q_, limit=limit, offset=offset)


@router.get("/interactions/{interaction_id}", summary="One interaction turn by turn, with its enrichment")
def interaction(cur: Cur, user: Annotated[User, Depends(need("interaction"))], interaction_id: str,
                raw: bool = False) -> dict:
    item = readable_interaction(cur, user, interaction_id, raw)
    return item


@router.get("/ledger", summary="How a month's value is made: per department and in total, each insight counted once")
def ledger(request: Request, cur: Cur, user: Annotated[User, Depends(need("ledger"))],
           period: Annotated[str | None, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$",
                                               description="YYYY-MM (every month when left out)")] = None) -> dict:
    return state(request).cached(cur, "ledger", q.ledger_report, department=department_scope(user),
                                 month=period or None)


@router.get("/users", summary="Users and roles (admins only)")
def users(cur: Cur, user: Annotated[User, Depends(need("users"))], limit: Limit = 100, offset: Offset = 0) -> dict:
    return page(list_users(cur), limit, offset)
