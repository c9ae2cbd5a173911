"""The strategic assessment in the dashboard: the latest snapshot's levels per dimension and practice
with their reasons, the recommendations, what moved, and a form for the director's answers that
takes a new snapshot (admins and analysts).
"""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from earful.assess import Answer, Answers, assess, changes, load_model, previous, save, snapshot, snapshots
from earful.web import _charts
from earful.web._access import allowed
from earful.web._deps import get_cursor, need
from earful.web.auth import User, audit

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]


def _latest(cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int | None]:
    """(latest saved result, what moved since the one before, its id)."""
    rows = snapshots(cur)
    if not rows:
        return None, None, None
    sid = rows[-1]["id"]
    result = snapshot(cur, sid)
    before = previous(cur, sid)
    return result, (changes(before, result) if before else None), sid


def charts(result: dict[str, Any]) -> dict[str, Any]:
    """One bar chart of the dimension levels, and one per dimension of its practices' levels."""
    dims = result["dimensions"]
    out = {"dimensions": _charts.bars([d["title"] for d in dims], [d["level"] for d in dims],
                                      x_name="level (1-5)", unit="dec2", label="maturity level per dimension")}
    for d in dims:
        ps = [p for p in result["practices"] if p["dimension"] == d["key"]]
        out[d["key"]] = _charts.bars([p["title"] for p in ps], [p["level"] for p in ps], x_name="level (1-5)",
                                     unit="num", label=f"practice levels: {d['title']}")
    for c in out.values():
        if c["kind"] == "chart":  # levels run from 0 to 5 on every chart, so bars compare across charts
            c["option"]["xAxis"].update({"min": 0, "max": 5, "interval": 1})
    return out


@router.get("/assess", include_in_schema=False, response_class=HTMLResponse)
def assess_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("assess"))]):
    from earful.web.app import render

    result, moved, sid = _latest(cur)
    model = load_model()
    return render(request, "assess.html", user, result=result, moved=moved, snapshot_id=sid,
                  charts=charts(result) if result else None, levels={p.key: p.levels for p in model.practices},
                  can_take=allowed(user.role, "assess_take"))


@router.post("/assess", include_in_schema=False)
async def take_assessment(request: Request, cur: Cur, user: Annotated[User, Depends(need("assess_take"))]):
    """A new snapshot: evidence from the store, answers from the form (blank ones left unanswered)."""
    form = await request.form()
    model = load_model()
    given: dict[str, Answer] = {}
    for p in model.practices:
        raw = str(form.get(f"answer_{p.key}", "")).strip()
        if raw in {"1", "2", "3", "4", "5"}:
            given[p.key] = Answer(int(raw))
    result = assess(cur, model=model, answers=Answers(given, answered_by=user.name, source="web form"))
    sid = save(cur, result, who=user.name)
    audit(cur, user, "assess", str(sid))
    return RedirectResponse("/assess", status_code=303)


@router.get("/api/v1/assessment", summary="The latest saved strategic assessment, with what moved since the one before",
            tags=["assess"])
def latest_assessment(cur: Cur, user: Annotated[User, Depends(need("assess"))]) -> dict[str, Any]:
    result, moved, sid = _latest(cur)
    return {"snapshot": sid, "assessment": result, "moved": moved}
