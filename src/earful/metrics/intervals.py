"""The metrics an interval or daily report supports, from ``interval_stats`` (``earful.ingest.intervals``).

A report holds per queue and interval what the ACD counted, not the contacts, so the figures are
sums over sums of its totals (docs/metrics.md has the contact-level definitions they mirror):

- service level = answered within T ÷ offered (every abandon counts against it, the report's T);
  where a row gives only a service-level share, its answered-within count is share × offered;
- ASA = wait of the answered ÷ answered; AHT = handle time ÷ answered;
- abandon rate = abandoned ÷ offered; occupancy = handle time ÷ (agents staffed × interval length).

A figure the report does not give stays empty (NULL). FCR, transfers, CSAT and anything per agent or
reason need contacts and are not in a report.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.metrics._keys import parse_by, parse_range, range_and_lists
from earful.store.schema import has_table

__all__ = ["COLUMNS", "has_interval_reports", "interval_metrics"]

COLUMNS = ("offered", "answered", "abandoned", "service_level", "sl_threshold_s", "asa_s", "aht_s", "abandon_rate",
           "occupancy")
_SUPPORTED = {"interval15", "interval30", "interval60", "hour", "day", "weekday", "week", "month", "queue", "channel"}


def has_interval_reports(con: duckdb.DuckDBPyConnection) -> bool:
    return has_table(con, "interval_stats") and bool(
        con.execute("SELECT count(*) FROM (SELECT 1 FROM interval_stats LIMIT 1)").fetchall()[0][0])


def interval_metrics(con: duckdb.DuckDBPyConnection, by=("day", "queue"), *, start: object = None, end: object = None,
                     queue=None, channel=None) -> pa.Table:
    """One row per group of ``by`` (keys, then ``COLUMNS``) from the stored interval reports."""
    if not has_interval_reports(con):
        raise InputError("the store holds no interval reports (load one with --format intervals)")
    keys = parse_by(by)
    for k in keys:
        if k.name not in _SUPPORTED:
            raise InputError(f"interval reports cannot be grouped by {k.name} (they count per queue and interval)")
    finest = min([k.minutes * 60 for k in keys if k.minutes] or [86400 * 366])
    coarsest = con.execute("SELECT max(interval_s) FROM interval_stats").fetchall()[0][0]
    if finest < coarsest:
        raise InputError(f"the reports count every {coarsest // 60} minutes: they cannot be split into "
                         f"{finest // 60}-minute intervals")
    lo, hi = parse_range(start, end)
    split = {col: ([v.strip() for v in values.split(",")] if isinstance(values, str) else list(values)) if values else None
             for col, values in (("queue", queue), ("channel", channel))}
    cond, params = range_and_lists(lo, hi, split)
    cols = [k.column for k in keys]
    key_sql = "".join(f"{k.sql} AS {k.column}, " for k in keys)
    group = f"GROUP BY ALL ORDER BY {', '.join(c + ' NULLS LAST' for c in cols)}" if cols else ""
    sql = f"""
        SELECT {key_sql}
               sum(offered) AS offered, sum(answered) AS answered, sum(abandoned) AS abandoned,
               sum(coalesce(answered_within, service_level * offered))
                   / nullif(sum(offered) FILTER (WHERE answered_within IS NOT NULL OR service_level IS NOT NULL), 0)
                   AS service_level,
               CASE WHEN count(DISTINCT sl_threshold_s) = 1 THEN max(sl_threshold_s) END AS sl_threshold_s,
               sum(wait_s) / nullif(sum(answered) FILTER (WHERE wait_s IS NOT NULL), 0) AS asa_s,
               sum(handle_s) / nullif(sum(answered) FILTER (WHERE handle_s IS NOT NULL), 0) AS aht_s,
               sum(abandoned) / nullif(sum(offered) FILTER (WHERE abandoned IS NOT NULL), 0) AS abandon_rate,
               sum(handle_s) FILTER (WHERE agents IS NOT NULL)
                   / nullif(sum(agents * interval_s) FILTER (WHERE handle_s IS NOT NULL), 0) AS occupancy
        FROM (SELECT * EXCLUDE (interval_start), interval_start AS t FROM interval_stats)
        {"WHERE " + " AND ".join(cond) if cond else ""} {group}"""
    try:
        return con.sql(sql, params=params).to_arrow_table()
    except duckdb.Error as exc:  # a bug, but a user sees one line
        raise InputError(f"interval metrics query failed: {str(exc).splitlines()[0]}") from None
