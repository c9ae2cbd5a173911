"""The lifecycle of an insight in a department, with an append-only history.

new → shared → acknowledged → actioned → value_confirmed; any open state → dismissed
(with a reason). Every other move is refused. Each change writes one ``ledger_history``
row with who and when; rows are never updated or deleted.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from earful.errors import InputError
from earful.store import transaction

STATES = ("new", "shared", "acknowledged", "actioned", "value_confirmed", "dismissed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("shared", "dismissed"),
    "shared": ("acknowledged", "dismissed"),
    "acknowledged": ("actioned", "dismissed"),
    "actioned": ("value_confirmed", "dismissed"),
    "value_confirmed": (),
    "dismissed": (),
}
OPEN_UNACKNOWLEDGED = ("new", "shared")


def current_state(con: duckdb.DuckDBPyConnection, insight_id: str, department: str) -> str:
    """The route's state; ``InputError`` when the insight was never routed to that department."""
    row = con.execute("SELECT state FROM ledger_routes WHERE insight_id = ? AND department = ?",
                      [insight_id, department]).fetchone()
    if row is None:
        raise InputError(f"insight '{insight_id}' is not routed to department '{department}'")
    return str(row[0])


def transition(con: duckdb.DuckDBPyConnection, insight_id: str, department: str, to_state: str, *,
               who: str, note: str | None = None, now: datetime | None = None,
               _in_transaction: bool = False) -> str:
    """Move a route to ``to_state`` if the lifecycle allows it; return the previous state.

    Dismissal needs a reason (``note``). Illegal moves raise ``InputError`` and change nothing.
    """
    if to_state not in STATES:
        raise InputError(f"unknown state '{to_state}' (states: {', '.join(STATES)})")
    if not who or not who.strip():
        raise InputError("who made the change must be given")
    if to_state == "dismissed" and not (note and note.strip()):
        raise InputError("dismissing an insight needs a reason")
    now = now or datetime.now()
    with nullcontext() if _in_transaction else transaction(con):
        prev = current_state(con, insight_id, department)
        if to_state not in TRANSITIONS[prev]:
            allowed = ", ".join(TRANSITIONS[prev]) or "none: it is closed"
            raise InputError(f"cannot move insight '{insight_id}' in '{department}' from {prev} to {to_state} "
                             f"(allowed: {allowed})")
        con.execute("UPDATE ledger_routes SET state = ?, updated_at = ? WHERE insight_id = ? AND department = ?",
                    [to_state, now, insight_id, department])
        con.execute("INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", [insight_id, department, prev, to_state, who, now, note])
    return prev


def history(con: duckdb.DuckDBPyConnection, insight_id: str | None = None,
            department: str | None = None) -> list[dict[str, Any]]:
    """History rows, oldest first, optionally for one insight and/or department."""
    return _dicts(con, "SELECT id, insight_id, department, from_state, to_state, who, at_time, note FROM ledger_history",
                  {"insight_id": insight_id, "department": department}, "id")


def routes(con: duckdb.DuckDBPyConnection, *, department: str | None = None,
           state: str | None = None) -> list[dict[str, Any]]:
    """Current routes with the insight's kind and title."""
    return _dicts(con, "SELECT r.insight_id, r.department, r.state, r.rule, r.routed_at, r.updated_at, i.kind, i.title"
                       " FROM ledger_routes r LEFT JOIN insights i ON i.id = r.insight_id",
                  {"r.department": department, "r.state": state}, "r.routed_at, r.insight_id, r.department")


def _dicts(con: duckdb.DuckDBPyConnection, select: str, equal: dict[str, Any], order_by: str) -> list[dict[str, Any]]:
    """Rows of ``select`` as dicts, filtered on each column of ``equal`` whose value is given."""
    given = {col: v for col, v in equal.items() if v}
    where = " WHERE " + " AND ".join(f"{col} = ?" for col in given) if given else ""
    cur = con.execute(f"{select}{where} ORDER BY {order_by}", list(given.values()))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass(frozen=True)
class Overdue:
    insight_id: str
    department: str
    state: str
    routed_at: datetime
    days_open: int
    title: str | None


def overdue(con: duckdb.DuckDBPyConnection, days: int, *, now: datetime | None = None) -> list[Overdue]:
    """Routes still new or shared (not acknowledged) more than ``days`` days after routing (of
    insights not retired)."""
    now = now or datetime.now()
    cutoff = now - timedelta(days=days)
    rows = con.execute(
        "SELECT r.insight_id, r.department, r.state, r.routed_at, i.title FROM ledger_routes r"
        " LEFT JOIN insights i ON i.id = r.insight_id"
        " WHERE r.state IN ('new', 'shared') AND r.routed_at < ? AND i.retired_at IS NULL ORDER BY r.routed_at",
        [cutoff]).fetchall()
    return [Overdue(i, d, s, at, (now - at).days, t) for i, d, s, at, t in rows]


# How far a route got: when duplicates of an insight are merged, each department keeps the route
# that got furthest (a department's decision to dismiss outranks a route nobody acknowledged).
PROGRESS = {"new": 0, "shared": 1, "dismissed": 2, "acknowledged": 3, "actioned": 4, "value_confirmed": 5}


def merge_insights(con: duckdb.DuckDBPyConnection, keeper: str, twins: list[str], *, note: str,
                   now: datetime | None = None) -> None:
    """Fold the insights ``twins`` into ``keeper`` inside the caller's transaction: per department
    the route that got furthest is kept (with the earliest routing time); history, value entries and
    comments move to ``keeper``; one history row per department says what happened; each twin is
    recorded in ``insight_merges`` and its row removed."""
    twins = [t for t in twins if t != keeper]
    if not twins:
        return
    now = now or datetime.now()
    cur = con.execute("SELECT insight_id, department, rule, state, routed_at, updated_at, ask, owner, due_date"
                      " FROM ledger_routes WHERE insight_id IN (SELECT unnest(?))", [[keeper, *twins]])
    cols = [d[0] for d in cur.description]
    by_dept: dict[str, list[dict[str, Any]]] = {}
    for r in cur.fetchall():
        row = dict(zip(cols, r))
        by_dept.setdefault(row["department"], []).append(row)
    for dept, rows in by_dept.items():
        if not any(r["insight_id"] != keeper for r in rows):
            continue
        best = max(rows, key=lambda r: (PROGRESS.get(r["state"], 0), r["insight_id"] == keeper, r["updated_at"]))
        fields = [best["rule"], best["state"], min(r["routed_at"] for r in rows), max(r["updated_at"] for r in rows),
                  *(next((r[k] for r in [best, *rows] if r[k] is not None), None) for k in ("ask", "owner", "due_date"))]
        if any(r["insight_id"] == keeper for r in rows):
            con.execute("UPDATE ledger_routes SET rule = ?, state = ?, routed_at = ?, updated_at = ?, ask = ?, owner = ?,"
                        " due_date = ? WHERE insight_id = ? AND department = ?", [*fields, keeper, dept])
        else:
            con.execute("INSERT INTO ledger_routes (rule, state, routed_at, updated_at, ask, owner, due_date, insight_id,"
                        " department) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [*fields, keeper, dept])
        con.execute("INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time, note)"
                    " VALUES (?, ?, ?, ?, 'earful', ?, ?)",
                    [keeper, dept, best["state"], best["state"], now,
                     f"merged {', '.join(twins)} into this insight ({note}); route kept in its furthest state"])
    con.execute("DELETE FROM ledger_routes WHERE insight_id IN (SELECT unnest(?))", [twins])
    for table in ("ledger_history", "ledger_values", "insight_comments"):
        con.execute(f"UPDATE {table} SET insight_id = ? WHERE insight_id IN (SELECT unnest(?))", [keeper, twins])
    con.execute("UPDATE insight_merges SET into_id = ? WHERE into_id IN (SELECT unnest(?))", [keeper, twins])
    con.execute("INSERT INTO insight_merges (merged_id, into_id, merged_at, note) SELECT unnest(?), ?, ?, ?",
                [twins, keeper, now, note])
    con.execute("DELETE FROM insights WHERE id IN (SELECT unnest(?))", [twins])
