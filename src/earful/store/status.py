"""What the store holds: counts for `earful status` and the quarantine listing."""

from __future__ import annotations

import duckdb


def status_counts(con: duckdb.DuckDBPyConnection, *, days: int = 14) -> dict:
    """Totals, and counts by source, channel and (most recent) day, plus the last imports."""
    one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
    return {
        "interactions": one("SELECT count(*) FROM interactions"),
        "turns": one("SELECT count(*) FROM turns"),
        "quarantined": one("SELECT count(*) FROM quarantine"),
        "by_source": con.execute(
            "SELECT source, count(*) FROM interactions GROUP BY 1 ORDER BY 2 DESC, 1").fetchall(),
        "by_channel": con.execute(
            "SELECT channel, count(*) FROM interactions GROUP BY 1 ORDER BY 2 DESC, 1").fetchall(),
        "by_day": con.execute(
            "SELECT CAST(day AS VARCHAR), n FROM (SELECT CAST(coalesce(offered_at, answered_at, ended_at) AS DATE) AS day, "
            "count(*) AS n FROM interactions GROUP BY 1 ORDER BY 1 DESC NULLS LAST LIMIT ?) ORDER BY 1", [days]
        ).fetchall(),
        "imports": con.execute(
            "SELECT import_id, file, format, rows_loaded, rows_quarantined, rows_skipped, "
            "CAST(finished_at AS VARCHAR) FROM imports ORDER BY import_id DESC LIMIT 10").fetchall(),
    }


def quarantine_rows(con: duckdb.DuckDBPyConnection, *, import_id: int | None = None, limit: int = 50) -> list[tuple]:
    """Quarantined rows (import, row, field, reason, raw), oldest import first, in file order."""
    sql = "SELECT import_id, row_number, field, reason, raw FROM quarantine"
    params: list = []
    if import_id is not None:
        sql += " WHERE import_id = ?"
        params.append(import_id)
    sql += " ORDER BY import_id, row_number NULLS LAST"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return con.execute(sql, params).fetchall()
