"""One row per customer contact with its reason, handle time, outcome and survey answer."""

from __future__ import annotations

from datetime import date

import duckdb

from earful.store.schema import has_table


def _enrichment_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    if not has_table(con, "enrichment"):
        return set()
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'enrichment'").fetchall()}


def reason_source(con: duckdb.DuckDBPyConnection) -> str:
    """Which field names the reason: 'reason' (disposition/enrichment), 'topic' or 'queue'."""
    cols = _enrichment_columns(con)
    n_reason = con.execute("SELECT count(*) FROM interactions WHERE disposition IS NOT NULL").fetchone()[0]
    if "reason" in cols:
        n_reason += con.execute("SELECT count(*) FROM enrichment WHERE reason IS NOT NULL").fetchone()[0]
    if n_reason:
        return "reason"
    if "topic_id" in cols and con.execute(
            "SELECT count(*) FROM enrichment WHERE topic_id IS NOT NULL").fetchone()[0]:
        return "topic"
    return "queue"


def build_contacts(con: duckdb.DuckDBPyConnection, *, repeat_window_days: int = 7,
                   by: str | None = None) -> str:
    """Create temp table `_ins_contacts` and return which field was used as the reason.

    A contact is an inbound, non-survey interaction that is not the second leg of a transfer.
    Its day is `coalesce(offered_at, answered_at, ended_at)`; its reason is
    `coalesce(enrichment.reason, disposition)` (or the topic, or the queue when neither exists);
    `repeated` = the same customer came back with the same reason within `repeat_window_days`.
    """
    cols = _enrichment_columns(con)
    by = by or reason_source(con)
    join = "LEFT JOIN enrichment e ON e.interaction_id = i.id" if cols else ""
    if by == "reason":
        reason = "coalesce(e.reason, i.disposition)" if "reason" in cols else "i.disposition"
    elif by == "topic":
        # the short-message topic (-1: one word, emoji, thanks) is no reason: never an insight's subject
        reason = "CASE WHEN e.topic_id >= 0 THEN 'topic ' || CAST(e.topic_id AS VARCHAR) END"
    else:
        reason = "i.queue"
    end_sent = "e.end_sentiment" if "end_sentiment" in cols else "CAST(NULL AS DOUBLE)"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ins_contacts AS
        WITH s AS (
            SELECT related_id, avg(csat) AS csat, avg(nps) AS nps FROM interactions
            WHERE channel = 'survey' AND related_id IS NOT NULL GROUP BY related_id
        ), c AS (
            SELECT i.id, coalesce(i.offered_at, i.answered_at, i.ended_at) AS ts,
                   {reason} AS reason, i.channel, i.queue, i.customer_id,
                   (i.answered_at IS NOT NULL AND NOT coalesce(i.abandoned, false)) AS answered,
                   coalesce(i.talk_s, 0) + coalesce(i.hold_s, 0) + coalesce(i.wrap_s, 0) AS handle_s,
                   coalesce(i.transferred, false) AS transferred,
                   coalesce(i.csat, s.csat) AS csat, coalesce(i.nps, s.nps) AS nps,
                   {end_sent} AS end_sentiment
            FROM interactions i
            LEFT JOIN s ON s.related_id = i.id
            {join}
            WHERE i.channel <> 'survey' AND coalesce(i.direction, 'inbound') = 'inbound'
              AND json_extract_string(i.metadata, '$.transfer_of') IS NULL
        )
        SELECT *, CAST(ts AS DATE) AS day,
               CASE WHEN customer_id IS NULL OR reason IS NULL THEN NULL ELSE
                 coalesce(lead(ts) OVER (PARTITION BY customer_id, reason ORDER BY ts)
                          <= ts + INTERVAL {int(repeat_window_days)} DAY, false) END AS repeated
        FROM c WHERE ts IS NOT NULL
    """)
    return by


def day_range(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """First and last day with contacts in `_ins_contacts`."""
    lo, hi = con.execute("SELECT min(day), max(day) FROM _ins_contacts").fetchone()
    return lo, hi
