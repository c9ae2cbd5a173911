"""Quality pages and API: QA scores and items, agreement with people, agents against their peers.

Pages ``/qa``, ``/agents``, ``/agents/{agent}``; API ``/api/v1/qa``, ``/api/v1/qa/calibration``,
``/api/v1/interactions/{id}/qa``, ``/api/v1/agents``, ``/api/v1/agents/{agent}``: the same figures,
the same access rules (a supervisor sees their team, an agent only themselves).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from earful.errors import InputError
from earful.web import _charts
from earful.web._access import allowed
from earful.web._deps import agent_scope, check_agent, check_interaction, get_cursor, need, state
from earful.web.auth import User

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Day = Annotated[str | None, Query(description="YYYY-MM-DD", max_length=10)]
QaBy = Literal["agent", "queue", "channel", "reason", "day", "week", "month"]
_PAGE = {"include_in_schema": False, "response_class": HTMLResponse}


def _day(v: str | None, what: str) -> date | None:
    from earful.web._queries import parse_day

    return parse_day(v, what)


def _scope_key(scope: list[str] | None) -> tuple | None:
    return None if scope is None else tuple(scope)


def qa_data(request: Request, cur: duckdb.DuckDBPyConnection, user: User, by: str, start: str | None,
            end: str | None) -> dict:
    """The QA figures a user may see (their team's when a supervisor), computed once per data version."""
    from earful.quality.summary import qa_summary

    scope = agent_scope(cur, user)
    s, e = _day(start, "start"), _day(end, "end")
    try:
        return state(request).cached(cur, "qa", lambda c, *a: qa_summary(c, by=by, start=s, end=e, agents=scope),
                                     by, start, end, _scope_key(scope))
    except InputError as exc:
        if "no QA scores" in str(exc):
            return {"by": by, "rubric": None, "rows": [], "empty": str(exc)}
        raise


def calibration_data(request: Request, cur: duckdb.DuckDBPyConnection) -> dict | None:
    """Agreement with the imported human scores (None when there are none)."""
    from earful.quality.calibration import agreement

    if not cur.execute("SELECT count(*) FROM qa_evaluations").fetchall()[0][0]:
        return None
    try:
        return state(request).cached(cur, "qa_calibration", lambda c: agreement(c).as_dict())
    except InputError:
        return None


# ---------------------------------------------------------------------------------- API
@router.get("/api/v1/qa", summary="QA score, auto-fails and each item's fail rate per group, with 95 % intervals")
def api_qa(request: Request, cur: Cur, user: Annotated[User, Depends(need("qa"))], by: QaBy = "agent",
           start: Day = None, end: Day = None) -> dict:
    return qa_data(request, cur, user, by, start, end)


@router.get("/api/v1/qa/calibration", summary="Agreement of earful's QA verdicts with the imported human scores")
def api_qa_calibration(request: Request, cur: Cur, user: Annotated[User, Depends(need("qa_calibration"))]) -> dict:
    data = calibration_data(request, cur)
    if data is None:
        raise HTTPException(status_code=404, detail="no human QA scores imported (earful qa import FILE)")
    return data


@router.get("/api/v1/interactions/{interaction_id}/qa", summary="One interaction's QA scorecard with the deciding turns")
def api_interaction_qa(cur: Cur, user: Annotated[User, Depends(need("interaction"))], interaction_id: str,
                       raw: bool = False) -> dict:
    from earful.quality.summary import interaction_qa

    check_interaction(cur, user, interaction_id)
    if raw and not allowed(user.role, "raw_text"):
        raise HTTPException(status_code=403, detail="only admins and analysts may read unredacted text")
    card = interaction_qa(cur, interaction_id, redacted=not raw)
    if card is None:
        raise HTTPException(status_code=404, detail=f"interaction {interaction_id!r} has no QA score")
    return card


def agents_data(request: Request, cur: duckdb.DuckDBPyConnection, user: User, start: str | None, end: str | None) -> list[dict]:
    from earful.quality.coaching import agents_overview

    scope = agent_scope(cur, user)
    s, e = _day(start, "start"), _day(end, "end")
    return state(request).cached(cur, "agents", lambda c, *a: agents_overview(c, s, e, agents=scope),
                                 start, end, _scope_key(scope))


def agent_data(request: Request, cur: duckdb.DuckDBPyConnection, user: User, agent_id: str, start: str | None,
               end: str | None) -> dict:
    from earful.quality.coaching import agent_report

    check_agent(cur, user, agent_id)
    s, e = _day(start, "start"), _day(end, "end")
    try:
        return state(request).cached(cur, "agent", lambda c, *a: agent_report(c, agent_id, s, e), agent_id, start, end)
    except InputError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


@router.get("/api/v1/agents", summary="Agents (a supervisor's team; an agent only themselves) with QA, CSAT, AHT, FCR")
def api_agents(request: Request, cur: Cur, user: Annotated[User, Depends(need("agents"))],
               start: Day = None, end: Day = None) -> dict:
    rows = agents_data(request, cur, user, start, end)
    return {"items": rows, "total": len(rows)}


@router.get("/api/v1/agents/{agent_id}", summary="An agent against same-queue peers, with intervals and a coaching list")
def api_agent(request: Request, cur: Cur, user: Annotated[User, Depends(need("agents"))], agent_id: str,
              start: Day = None, end: Day = None) -> dict:
    return agent_data(request, cur, user, agent_id, start, end)


# ---------------------------------------------------------------------------------- pages
@router.get("/qa", **_PAGE)
def qa_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("qa"))], by: QaBy = "agent",
            start: Day = None, end: Day = None):
    from earful.web.app import render

    data = qa_data(request, cur, user, by, start, end)
    daily = qa_data(request, cur, user, "day", start, end)
    overall = qa_data(request, cur, user, "month", start, end)
    chart = _charts.line([r["group"] for r in daily["rows"]], {"QA score": [r["score"] for r in daily["rows"]]},
                         y_name="score", x_name="day", unit="dec2", label="mean QA score by day")
    items = []
    if data["rubric"]:
        totals: dict[str, list[int]] = {}
        for r in data["rows"]:
            for name, it in r["items"].items():
                t = totals.setdefault(name, [0, 0])
                t[0] += it["fails"]
                t[1] += it["applicable"]
        labels = {i["name"]: i for i in data["rubric"]["items"]}
        items = [{"name": n, "label": labels[n]["label"], "auto_fail": labels[n]["auto_fail"], "fails": f, "applicable": a,
                  "rate": f / a if a else None} for n, (f, a) in totals.items() if n in labels]
        items.sort(key=lambda x: -(x["rate"] or 0))
    item_chart = _charts.bars([i["label"] for i in items], [i["rate"] for i in items], x_name="fail rate", unit="pct",
                              label="share of contacts failing each QA item")
    calib = calibration_data(request, cur) if allowed(user.role, "qa_calibration") else None
    return render(request, "qa.html", user, data=data, by=by, start=start or "", end=end or "", chart=chart,
                  items=items, item_chart=item_chart, calib=calib, overall=overall["rows"])


@router.get("/agents", **_PAGE)
def agents_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("agents"))],
                start: Day = None, end: Day = None):
    from earful.web.app import render

    if user.role == "agent":
        return RedirectResponse(f"/agents/{user.agent_id}", status_code=303)
    rows = agents_data(request, cur, user, start, end)
    chart = _charts.bars([r["agent"] for r in rows], [r["qa_score"] for r in rows], x_name="QA score", unit="dec2",
                         label="mean QA score by agent")
    return render(request, "agents.html", user, rows=rows, start=start or "", end=end or "", chart=chart,
                  team=user.team if user.role == "supervisor" else None)


@router.get("/agents/{agent_id}", **_PAGE)
def agent_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("agents"))], agent_id: str,
               start: Day = None, end: Day = None):
    from earful.web.app import render

    r = agent_data(request, cur, user, agent_id, start, end)
    return render(request, "agent.html", user, r=r, start=start or "", end=end or "")


def qa_card(cur: duckdb.DuckDBPyConnection, user: User, interaction_id: str, raw: bool) -> dict | None:
    """The scorecard the interaction reader shows beside the conversation (None when not scored)."""
    from earful.quality.summary import interaction_qa

    check_interaction(cur, user, interaction_id)
    return interaction_qa(cur, interaction_id, redacted=not raw)
