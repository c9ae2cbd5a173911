"""The workload a staffing question starts from: the busiest interval of the average day, and AHT."""

from __future__ import annotations

import duckdb


def busiest_interval(con: duckdb.DuckDBPyConnection, interval_s: int = 1800,
                     channel: str | None = None) -> tuple[float, float | None]:
    """(calls, aht_s): the mean number of contacts offered in the busiest ``interval_s`` slot of the
    day, averaged over the days that slot had contacts, and the mean handle time (talk + hold + wrap)
    of answered contacts; ``channel`` limits both to one channel. (0.0, None) for an empty store."""
    only = "AND channel = ?" if channel else ""
    params = [channel] if channel else []
    calls, aht_s = con.execute(f"""
        WITH per AS (
            SELECT time_bucket(INTERVAL {int(interval_s)} SECOND, offered_at) - offered_at::DATE AS slot,
                   count(*) AS n, count(DISTINCT offered_at::DATE) AS days
            FROM interactions WHERE offered_at IS NOT NULL {only} GROUP BY 1)
        SELECT (SELECT max(n * 1.0 / days) FROM per),
               (SELECT avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(wrap_s, 0)) FROM interactions
                WHERE NOT coalesce(abandoned, false) AND talk_s IS NOT NULL {only})""", params + params).fetchone()
    return float(calls or 0.0), (float(aht_s) if aht_s is not None else None)
