"""The competitor review list in the dashboard: names customers set against the centre, with how
often they were named and a redacted quote each; admins and analysts confirm or reject them (only
confirmed names count in insights), others with access read the list."""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from earful.insights.competitors import decide, review_list
from earful.insights.evidence import customer_texts
from earful.store.schema import has_table
from earful.web import _queries as q
from earful.web._access import allowed
from earful.web._deps import get_cursor, need, state
from earful.web.auth import User, audit
from earful.web.insights import with_done

router = APIRouter()
Cur = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]
QUOTES_A_NAME = 3


def review_rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every name on the list, most mentioned first, with up to three redacted customer quotes."""
    if not has_table(cur, "competitor_names"):
        return []
    names = review_list(cur)
    texts = customer_texts(cur, [i for n in names for i in n.example_ids[:QUOTES_A_NAME]])
    return [{"name": n.name, "status": n.status, "mentions": n.mentions, "first_seen": n.first_seen,
             "last_seen": n.last_seen, "decided_by": n.decided_by,
             "quotes": [q.redact(texts[i]) for i in n.example_ids[:QUOTES_A_NAME] if texts.get(i)]} for n in names]


@router.get("/competitors", include_in_schema=False, response_class=HTMLResponse)
def competitors_page(request: Request, cur: Cur, user: Annotated[User, Depends(need("competitors"))],
                     done: str | None = None):
    from earful.web.app import render

    rows = review_rows(cur)
    counts = {s: sum(r["status"] == s for r in rows) for s in ("proposed", "confirmed", "rejected")}
    return render(request, "competitors.html", user, rows=rows, counts=counts, done=done,
                  has_list=has_table(cur, "competitor_names"), can_decide=allowed(user.role, "competitors_decide"))


@router.post("/competitors", include_in_schema=False)
def competitors_decide(request: Request, cur: Cur, user: Annotated[User, Depends(need("competitors_decide"))],
                       name: Annotated[str, Form(min_length=1, max_length=200)],
                       decision: Annotated[str, Form(pattern="^(confirmed|rejected)$")]):
    """Confirm or reject one name (it counts in insights from the next run)."""
    done = decide(cur, [name], decision, user.name)
    audit(cur, user, f"competitor {decision}", done[0])
    state(request).forget()
    return RedirectResponse(with_done("/competitors", f"{done[0]} {decision}"), status_code=303)


@router.get("/api/v1/competitors", summary="The competitor review list: names, status, mentions, redacted quotes",
            tags=["insights"])
def competitors_api(cur: Cur, user: Annotated[User, Depends(need("competitors"))]) -> dict[str, Any]:
    return {"names": review_rows(cur)}
