"""Working on an insight beyond its lifecycle buttons (its plan: ask, owner, due date; comments) and
the monthly briefing an executive opens from the dashboard. Pages and their API under /api/v1."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import duckdb
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from earful.web import _queries as q
from earful.web._deps import action_department, check_insight, get_cursor, need, safe_path, state
from earful.web.auth import User

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
Month = Annotated[str | None, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM")]

# The confirmation a page shows after a write (keyed by what was done; never text from the request).
DONE = {
    "share": "Shared: the department has it in its inbox.",
    "acknowledge": "Acknowledged: the centre can see your department has it.",
    "action": "Marked as actioned.",
    "confirm": "Value confirmed: it now counts in the ledger.",
    "dismiss": "Dismissed, with your reason in the history.",
    "plan": "Saved: what is asked, who owns it and by when.",
    "comment": "Comment added.",
}


def with_done(url: str, action: str) -> str:
    """``url`` with ``done=<action>`` in its query (the page then confirms what happened)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "done"] + [("done", action)]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def resolve_insight(cur: duckdb.DuckDBPyConnection, insight_id: str) -> str:
    """The id an insight has now (an insight merged into another answers with the other's)."""
    from earful.insights.identity import resolve

    return resolve(cur, insight_id)


def form_write(request: Request, cur: duckdb.DuckDBPyConnection, user: User, insight_id: str, department: str | None,
               write, done: str, back: str) -> RedirectResponse:
    """A form's write on an insight: access checked, ``write(department)`` run (the route moved is the
    department user's own, or the one asked for), the cache dropped, and back to ``back`` (a local
    path; else the insight) with the confirmation of ``done``."""
    check_insight(cur, user, insight_id)
    dept = action_department(cur, user, insight_id, department or None) if department is not None else None
    try:
        write(dept)
    finally:
        state(request).forget()
    target = safe_path(back, f"/insights/{quote(insight_id)}")
    return RedirectResponse(with_done(target, done), status_code=303)


# ---------------------------------------------------------------- pages

@router.post("/insights/{insight_id}/plan", include_in_schema=False, response_class=HTMLResponse)
def plan_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))], insight_id: str,
              department: Annotated[str, Form(max_length=200)] = "",
              owner: Annotated[str, Form(max_length=200)] = "",
              due_date: Annotated[str, Form(max_length=10)] = "",
              ask: Annotated[str, Form(max_length=2000)] = "",
              back: Annotated[str, Form(max_length=500)] = ""):
    return form_write(request, cur, user, insight_id, department,
                      lambda dept: q.insight_plan(cur, insight_id, dept, user, owner=owner, due_date=due_date or None,
                                                  ask=ask or None), "plan", back)


@router.post("/insights/{insight_id}/comment", include_in_schema=False, response_class=HTMLResponse)
def comment_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))], insight_id: str,
                 text: Annotated[str, Form(max_length=4000)] = "",
                 back: Annotated[str, Form(max_length=500)] = ""):
    return form_write(request, cur, user, insight_id, None, lambda _: q.insight_comment(cur, insight_id, text, user),
                      "comment", back)


# A static document: its own styles inline, no script, nothing loaded from anywhere.
_BRIEFING_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _month(cur: duckdb.DuckDBPyConnection, period: str | None) -> date:
    if period:
        from earful.ledger.value import period_bounds_month

        return period_bounds_month(period)[0]
    months = q.ledger_months(cur)
    if months:
        return date.fromisoformat(months[0] + "-01")
    _, hi = q.data_period(cur)
    if hi is None:
        raise HTTPException(status_code=404, detail="the store has no contacts yet: nothing to brief on")
    return hi.replace(day=1)


@router.get("/briefing", include_in_schema=False, response_class=HTMLResponse)
def briefing_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("briefing"))], period: Month = None):
    month = _month(cur, period)
    html = state(request).cached(cur, "briefing", q.briefing, month)
    months = q.ledger_months(cur)
    bar = ("<nav style='font-size:9pt;margin:6px 0'><a href='/'>← dashboard</a> · "
           + " · ".join(f"<a href='/briefing?period={m}'>{m}</a>" if m != f"{month:%Y-%m}" else f"<b>{m}</b>"
                        for m in months[:12])
           + f" · <a href='/briefing.pdf?period={month:%Y-%m}'>PDF</a></nav>")
    resp = HTMLResponse(html.replace("<body>", "<body>" + bar, 1))
    resp.headers["content-security-policy"] = _BRIEFING_CSP
    return resp


@router.get("/briefing.pdf", include_in_schema=False)
def briefing_pdf(request: Request, cur: Cur, user: Annotated[User, Depends(need("briefing"))], period: Month = None):
    from earful.report import pdf_bytes

    month = _month(cur, period)
    html = state(request).cached(cur, "briefing", q.briefing, month)
    return Response(pdf_bytes(html), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="briefing-{month:%Y-%m}.pdf"'})


# ---------------------------------------------------------------- API

class PlanIn(BaseModel):
    department: str | None = Field(None, max_length=200, description="whose route (departments: always their own)")
    owner: str | None = Field(None, max_length=200, description="who in the department owns it")
    due_date: date | None = Field(None, description="when the department is expected to have acted")
    ask: str | None = Field(None, max_length=2000, description="what the department is asked to do")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/api/v1/insights/{insight_id}/plan", summary="Set what is asked, who owns it and by when")
def plan_api(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))], insight_id: str,
             body: PlanIn) -> dict:
    check_insight(cur, user, insight_id)
    dept = action_department(cur, user, insight_id, body.department)
    try:
        return q.insight_plan(cur, insight_id, dept, user, owner=body.owner,
                              due_date=body.due_date.isoformat() if body.due_date else None, ask=body.ask)
    finally:
        state(request).forget()


@router.get("/api/v1/insights/{insight_id}/comments", summary="An insight's comments, oldest first")
def comments_api(cur: Cur, user: Annotated[User, Depends(need("insights"))], insight_id: str) -> dict:
    check_insight(cur, user, insight_id)
    dept = user.department if user.role == "department" else None
    item = q.insight_get(cur, insight_id, department=dept, role=user.role) or {}
    return {"items": item.get("comments", [])}


@router.post("/api/v1/insights/{insight_id}/comments", summary="Comment on an insight")
def comment_api(request: Request, cur: Cur, user: Annotated[User, Depends(need("insight_act"))], insight_id: str,
                body: CommentIn) -> dict:
    check_insight(cur, user, insight_id)
    try:
        return q.insight_comment(cur, insight_id, body.text, user)
    finally:
        state(request).forget()
