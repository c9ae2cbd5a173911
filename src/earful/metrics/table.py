"""``metrics_table``: every KPI for any grouping in one DuckDB query over ``interactions``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.metrics import kpis
from earful.metrics._keys import CONTACT_TIME_SQL, Key, check_store, has_table, parse_by, parse_range, seconds

#: What counts as "the same issue" for FCR: any contact by the customer, or one with the same reason.
FCR_SAME = ("any", "reason")
OCCUPANCY_FROM = ("auto", "activity", "staffing")
#: The columns after the keys, in order.
COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "ivr_hangups", "service_level", "asa_s",
           "aht_s", "abandon_rate", "transfer_rate", "fcr_rate", "occupancy", "busy_s", "staffed_s",
           "csat_avg", "nps", "peak_hour")

_FLAGS = """
    offered_at IS NOT NULL AND coalesce(direction, 'inbound') = 'inbound' AS is_offered,
    is_offered AND coalesce(abandoned, false) AS is_abandoned,
    is_offered AND answered_at IS NOT NULL AND NOT coalesce(abandoned, false) AS is_answered,
    offered_at IS NULL AND json_extract_string(metadata, '$.ended_in') = 'ivr' AS is_ivr,
    transferred AS is_transferred,
    coalesce(wait_s, epoch(coalesce(answered_at, ended_at) - offered_at)) AS wait,
    coalesce(talk_s, epoch(ended_at - answered_at)) + coalesce(hold_s, 0) + coalesce(wrap_s, 0) AS handle"""


def _values(value: str | Sequence[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    vals = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    vals = [v for v in vals if v]
    if not vals:
        raise InputError(f"{what} filter is empty")
    return vals


def _staffing_rows(con: duckdb.DuckDBPyConnection, lo: dt.datetime | None, hi: dt.datetime | None) -> int:
    if not has_table(con, "staffing"):
        return 0
    return con.execute("SELECT count(*) FROM staffing WHERE (? IS NULL OR interval_start >= ?) "
                       "AND (? IS NULL OR interval_start < ?)", [lo, lo, hi, hi]).fetchall()[0][0]


def metrics_table(
    con: duckdb.DuckDBPyConnection,
    by: str | Sequence[str] | None = ("day", "queue"),
    *,
    start: object = None,
    end: object = None,
    sl_threshold_s: float = 20,
    short_abandon_s: float = 5,
    abandon_treatment: str = "exclude_short",
    fcr_days: float = 7,
    fcr_same: str = "any",
    channel: str | Sequence[str] | None = None,
    queue: str | Sequence[str] | None = None,
    occupancy_from: str = "auto",
    staffing_minutes: int = 30,
) -> pa.Table:
    """The KPI table: one row per group of ``by`` (keys, then ``COLUMNS``), ordered by the keys.

    ``by``: any of interval15/interval30/interval60, hour (of day), day, weekday, week, month, queue,
    channel, agent, reason (enrichment.reason when the text was classified, else disposition);
    empty for one row over everything. ``start``/``end``: contact time in [start, end) (a plain-date
    end includes its day). ``occupancy_from``: ``activity`` (agents seen answering), ``staffing``
    (the ``staffing`` table), or ``auto`` (the table when it has rows in the range and ``by`` holds
    only time keys and queue). Formulas: ``earful.metrics.kpis`` and docs/metrics.md.
    """
    check_store(con)
    keys = parse_by(by)
    lo, hi = parse_range(start, end)
    sl_t = seconds(sl_threshold_s, "service-level threshold")
    short_s = seconds(short_abandon_s, "short-abandon threshold")
    n_days = seconds(fcr_days, "FCR window (days)")
    if fcr_same not in FCR_SAME:
        raise InputError(f"fcr_same must be one of {', '.join(FCR_SAME)}, not {fcr_same!r}")
    if occupancy_from not in OCCUPANCY_FROM:
        raise InputError(f"occupancy_from must be one of {', '.join(OCCUPANCY_FROM)}, not {occupancy_from!r}")
    if staffing_minutes not in (15, 30, 60):
        raise InputError(f"staffing interval must be 15, 30 or 60 minutes, not {staffing_minutes}")
    channels, queues = _values(channel, "channel"), _values(queue, "queue")

    staffing_ok = all(k.is_time or k.name == "queue" for k in keys)
    use_staffing = occupancy_from == "staffing"
    if use_staffing and not staffing_ok:
        raise InputError("occupancy from the staffing table needs --by made of time keys and queue only")
    if occupancy_from == "auto":
        use_staffing = staffing_ok and _staffing_rows(con, lo, hi) > 0
    if use_staffing and not has_table(con, "staffing"):
        raise InputError("this store has no staffing table")

    metrics = [kpis.offered(), kpis.answered(), kpis.abandoned(), kpis.short_abandoned(short_s), kpis.ivr_hangups(),
               kpis.service_level(sl_t, abandon_treatment, short_s), kpis.asa(), kpis.aht(),
               kpis.abandon_rate(short_s), kpis.transfer_rate(), kpis.fcr_rate(n_days),
               kpis.occupancy(staffing_minutes), kpis.csat_avg(), kpis.nps()]
    parts: dict[str, str] = {}
    for m in metrics:
        for name, sql in m.parts.items():
            if parts.setdefault(name, sql) != sql:
                raise AssertionError(f"part {name} defined twice, differently")
    if use_staffing:
        parts.pop("staffed_s")

    need_reason = any(k.name == "reason" for k in keys) or fcr_same == "reason"
    join_enrichment = need_reason and has_table(con, "enrichment")
    reason_sql = "coalesce(e.reason, i.disposition)" if join_enrichment else "i.disposition"
    time_cond, params = [], []
    if lo is not None:
        time_cond.append(f"{CONTACT_TIME_SQL} >= ?")
        params.append(lo)
    if hi is not None:  # FCR looks N days past the range for the repeat contact
        time_cond.append(f"{CONTACT_TIME_SQL} < ?")
        params.append(hi + dt.timedelta(days=n_days))
    filters = []
    if hi is not None:
        filters.append("t < ?")
    if channels:
        filters.append("channel IN (SELECT unnest(?::VARCHAR[]))")
    if queues:
        filters.append("queue IN (SELECT unnest(?::VARCHAR[]))")
    fparams = ([hi] if hi is not None else []) + ([channels] if channels else []) + ([queues] if queues else [])
    same = ", reason" if fcr_same == "reason" else ""
    cols = [k.column for k in keys]
    kc = "".join(f"{c}, " for c in cols)
    group = f"GROUP BY {', '.join(cols)}" if cols else ""

    sql = f"""
    WITH src AS (
        SELECT i.*, {reason_sql} AS reason, {CONTACT_TIME_SQL} AS t,
               i.customer_id IS NOT NULL AND i.related_id IS NULL AND i.channel <> 'survey'
               AND coalesce(i.direction, 'inbound') = 'inbound' AS is_contact
        FROM interactions i {"LEFT JOIN enrichment e ON e.interaction_id = i.id" if join_enrichment else ""}
        {"WHERE " + " AND ".join(time_cond) if time_cond else ""}
    ),
    w AS (
        SELECT *, lead(t) OVER (PARTITION BY customer_id, is_contact{same} ORDER BY t, id) AS next_t FROM src
    ),
    c AS MATERIALIZED (
        SELECT {"".join(f"{k.sql} AS {k.column}, " for k in keys)} hour(t) AS _hour, t, next_t, csat, nps,
               agent_id, answered_at, {_FLAGS}, is_contact AND is_answered AS fcr_eligible
        FROM w {"WHERE " + " AND ".join(filters) if filters else ""}
    ),
    agg AS (SELECT {kc} {", ".join(f"{s} AS {n}" for n, s in parts.items())} FROM c {group}),
    by_hour AS (SELECT {kc} _hour, count_if(is_offered) AS n FROM c GROUP BY ALL),
    peak AS (
        SELECT {kc} arg_max(_hour, n * 24 + (23 - _hour)) FILTER (WHERE n > 0) AS peak_hour
        FROM by_hour {group}
    )"""
    fparams_st: list = []
    if use_staffing:
        st_keys = "".join(f"{k.sql} AS {k.column}, " for k in keys)
        st_cond = []
        if lo is not None:
            st_cond.append("t >= ?")
            fparams_st.append(lo)
        if hi is not None:
            st_cond.append("t < ?")
            fparams_st.append(hi)
        if queues:
            st_cond.append("queue IN (SELECT unnest(?::VARCHAR[]))")
            fparams_st.append(queues)
        sql += f""",
    st AS (
        SELECT {st_keys} sum(agents * interval_s) AS staffed_s
        FROM (SELECT interval_start AS t, queue, agents, interval_s FROM staffing)
        {"WHERE " + " AND ".join(st_cond) if st_cond else ""} {group}
    )"""

    def on(other: str) -> str:
        return " AND ".join(f"agg.{c} IS NOT DISTINCT FROM {other}.{c}" for c in cols) or "true"

    formulas = {m.name: m.formula for m in metrics}
    out = []
    for col in COLUMNS:
        if col in ("busy_s", "staffed_s"):
            out.append(f"CAST({col} AS DOUBLE) AS {col}")
        elif col == "peak_hour":
            out.append("peak.peak_hour")
        elif col in ("offered", "answered", "abandoned", "short_abandoned", "ivr_hangups"):
            out.append(f"CAST(coalesce({formulas[col]}, 0) AS BIGINT) AS {col}")
        else:
            out.append(f"{formulas[col]} AS {col}")
    sel_keys = "".join(f"agg.{c}, " for c in cols)
    sql += f"""
    SELECT {sel_keys} {", ".join(out)}
    FROM (SELECT agg.*{", st.staffed_s" if use_staffing else ""} FROM agg
          {f"LEFT JOIN st ON {on('st')}" if use_staffing else ""}) agg
    LEFT JOIN peak ON {on('peak')}
    {"ORDER BY " + ", ".join(f"agg.{c} NULLS LAST" for c in cols) if cols else ""}
    """
    try:
        return con.sql(sql, params=params + fparams + fparams_st).to_arrow_table()
    except duckdb.Error as exc:  # a bug, but a user sees one line, never a traceback
        raise InputError(f"metrics query failed: {str(exc).splitlines()[0]}") from None
