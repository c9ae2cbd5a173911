"""What a department is asked to do with an insight, who owns it there and by when, and the
comments people leave on an insight.

A route's plan (``ask``, ``owner``, ``due_date`` on ``ledger_routes``) is set when it is routed
(the rule's ask or the kind's usual one; due ``due_after_days`` later) and changed by the centre or
the department; every change appends a ``ledger_history`` row (state unchanged, the change in the
note). Comments are append-only (``insight_comments``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb

from earful.errors import InputError
from earful.ledger.lifecycle import current_state
from earful.store import transaction

MAX_COMMENT = 4000

# What the department is asked to do, by kind (a routing rule's `ask:` replaces it).
ASKS = {
    "emerging_issue": "Find what changed, fix it, and tell us when customers should stop contacting us about it.",
    "driver": "Remove what makes these contacts long, repeated or unhappy; tell us what you changed.",
    "product_feedback": "Review the requests for the roadmap and tell us which ones you take up.",
    "competitor": "Review what customers say about the competitor's offer and decide a response.",
    "testimonial": "Ask these customers (through the centre) whether we may quote them.",
    "churn_risk": "Decide a retention offer; the centre calls the customers back with it.",
}


def ask_for(kind: str | None) -> str:
    """What a department is asked to do with an insight of ``kind`` when no rule says."""
    return ASKS.get(kind or "", "Review it and tell the centre what you will do.")


def plan_route(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, *, who: str,
               owner: str | None = None, due_date: date | None = None, ask: str | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """Set the owner, due date and/or ask of a route (None leaves a field as it is); returns the plan."""
    if not who or not who.strip():
        raise InputError("who made the change must be given")
    now = now or datetime.now()
    changes = {k: v for k, v in (("owner", owner), ("due_date", due_date), ("ask", ask)) if v is not None}
    for k in ("owner", "ask"):
        if k in changes:
            changes[k] = " ".join(str(changes[k]).split()) or None
    with transaction(con):
        state = current_state(con, insight_id, department)
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            con.execute(f"UPDATE ledger_routes SET {sets}, updated_at = ? WHERE insight_id = ? AND department = ?",
                        [*changes.values(), now, insight_id, department])
            words = "; ".join(f"{k.replace('_', ' ')}: {v or '(none)'}" for k, v in changes.items())
            con.execute("INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time, note)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)", [insight_id, department, state, state, who, now, f"plan: {words}"])
    row = con.execute("SELECT ask, owner, due_date FROM ledger_routes WHERE insight_id = ? AND department = ?",
                      [insight_id, department]).fetchone()
    return {"department": department, "ask": row[0], "owner": row[1], "due_date": row[2]}


def add_comment(con: duckdb.DuckDBPyConnection, insight_id: str, text: str, *, who: str,
                department: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Append a comment to an insight (``department``: the writer's, None for the centre)."""
    text = (text or "").strip()
    if not text:
        raise InputError("a comment needs some words")
    if len(text) > MAX_COMMENT:
        raise InputError(f"a comment is at most {MAX_COMMENT:,} characters")
    if not con.execute("SELECT count(*) FROM insights WHERE id = ?", [insight_id]).fetchone()[0]:
        raise InputError(f"no insight '{insight_id}'")
    now = now or datetime.now()
    con.execute("INSERT INTO insight_comments (insight_id, department, who, at_time, text) VALUES (?, ?, ?, ?, ?)",
                [insight_id, department, who, now, text])
    return {"insight_id": insight_id, "department": department, "who": who, "at_time": now, "text": text}


def comments(con: duckdb.DuckDBPyConnection, insight_id: str) -> list[dict[str, Any]]:
    """An insight's comments, oldest first."""
    cur = con.execute("SELECT id, department, who, at_time, text FROM insight_comments WHERE insight_id = ? ORDER BY id",
                      [insight_id])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
