"""The lifecycle of an insight in a department, with an append-only history.

new → shared → acknowledged → actioned → value_confirmed; any open state → dismissed
(with a reason). Every other move is refused. Each change writes one ``ledger_history``
row with who and when; rows are never updated or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from earful.errors import InputError

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
    if not _in_transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        prev = current_state(con, insight_id, department)
        if to_state not in TRANSITIONS[prev]:
            allowed = ", ".join(TRANSITIONS[prev]) or "none: it is closed"
            raise InputError(f"cannot move insight '{insight_id}' in '{department}' from {prev} to {to_state} "
                             f"(allowed: {allowed})")
        con.execute("UPDATE ledger_routes SET state = ?, updated_at = ? WHERE insight_id = ? AND department = ?",
                    [to_state, now, insight_id, department])
        con.execute("INSERT INTO ledger_history (insight_id, department, from_state, to_state, who, at_time, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", [insight_id, department, prev, to_state, who, now, note])
        if not _in_transaction:
            con.execute("COMMIT")
    except Exception:
        if not _in_transaction:
            con.execute("ROLLBACK")
        raise
    return prev


def history(con: duckdb.DuckDBPyConnection, insight_id: str | None = None,
            department: str | None = None) -> list[dict[str, Any]]:
    """History rows, oldest first, optionally for one insight and/or department."""
    sql = "SELECT id, insight_id, department, from_state, to_state, who, at_time, note FROM ledger_history WHERE 1=1"
    params: list[Any] = []
    if insight_id:
        sql += " AND insight_id = ?"
        params.append(insight_id)
    if department:
        sql += " AND department = ?"
        params.append(department)
    cur = con.execute(sql + " ORDER BY id", params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def routes(con: duckdb.DuckDBPyConnection, *, department: str | None = None,
           state: str | None = None) -> list[dict[str, Any]]:
    """Current routes with the insight's kind and title."""
    sql = ("SELECT r.insight_id, r.department, r.state, r.rule, r.routed_at, r.updated_at, i.kind, i.title"
           " FROM ledger_routes r LEFT JOIN insights i ON i.id = r.insight_id WHERE 1=1")
    params: list[Any] = []
    if department:
        sql += " AND r.department = ?"
        params.append(department)
    if state:
        sql += " AND r.state = ?"
        params.append(state)
    cur = con.execute(sql + " ORDER BY r.routed_at, r.insight_id, r.department", params)
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
    """Routes still new or shared (not acknowledged) more than ``days`` days after routing."""
    now = now or datetime.now()
    cutoff = now - timedelta(days=days)
    rows = con.execute(
        "SELECT r.insight_id, r.department, r.state, r.routed_at, i.title FROM ledger_routes r"
        " LEFT JOIN insights i ON i.id = r.insight_id"
        " WHERE r.state IN ('new', 'shared') AND r.routed_at < ? ORDER BY r.routed_at", [cutoff]).fetchall()
    return [Overdue(i, d, s, at, (now - at).days, t) for i, d, s, at, t in rows]
