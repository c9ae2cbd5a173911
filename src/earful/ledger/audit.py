"""The audit trail: lifecycle history, value entries and delivery attempts as one time-ordered list."""

from __future__ import annotations

from typing import Any

AUDIT_COLUMNS = ("at", "event", "insight_id", "department", "detail", "who", "ref")


def audit_rows(con: Any) -> list[dict[str, Any]]:
    """Every recorded event as one flat row (history, value entries, delivery attempts), oldest first."""
    sql = """
        SELECT at_time AS at, 'state' AS event, insight_id, department,
               coalesce(from_state, '') || ' -> ' || to_state || coalesce(' (' || note || ')', '') AS detail,
               who, 'history:' || id AS ref FROM ledger_history
        UNION ALL
        SELECT at_time, 'value_' || kind, insight_id, department,
               CAST(amount AS VARCHAR) || ' ' || currency || coalesce(' = ' || working, '') || coalesce(' (' || note || ')', ''),
               who, 'value:' || id FROM ledger_values
        UNION ALL
        SELECT d.at_time, 'delivery', o.payload->>'$.insight.id', o.department,
               o.channel || ' to ' || o.target || ' attempt ' || d.attempt || ': ' ||
               CASE WHEN d.ok THEN 'ok' ELSE 'failed' END || coalesce(' (' || d.detail || ')', ''),
               'earful', 'delivery:' || d.id || ' key:' || o.idempotency_key
        FROM ledger_deliveries d JOIN ledger_outbox o ON o.id = d.outbox_id
        ORDER BY 1, 7
    """
    return [dict(zip(AUDIT_COLUMNS, r)) for r in con.execute(sql).fetchall()]
