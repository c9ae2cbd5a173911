"""``metrics_table``: every KPI for any grouping in one DuckDB query over ``interactions``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.metrics import kpis
from earful.metrics._keys import (
    Key,
    check_store,
    contact_time_sql,
    is_contact_sql,
    parse_by,
    parse_range,
    seconds,
)
from earful.metrics.next_contact import next_contact_ready
from earful.store.schema import has_table

#: What counts as "the same issue" for FCR: any contact by the customer, or one with the same reason.
FCR_SAME = ("any", "reason")
OCCUPANCY_FROM = ("auto", "activity", "staffing")
#: The columns after the keys, in order.
COLUMNS = ("offered", "answered", "abandoned", "short_abandoned", "ivr_hangups", "service_level", "asa_s",
           "aht_s", "abandon_rate", "transfer_rate", "fcr_rate", "occupancy", "busy_s", "staffed_s",
           "csat_avg", "nps", "peak_hour", "ces_avg", "qa_score", "predicted_csat")

_FLAGS = """
    offered_at IS NOT NULL AND coalesce(direction, 'inbound') = 'inbound' AS is_offered,
    is_offered AND coalesce(abandoned, false) AS is_abandoned,
    is_offered AND answered_at IS NOT NULL AND NOT coalesce(abandoned, false) AS is_answered,
    offered_at IS NULL AND ended_in_ivr AS is_ivr,
    transferred AS is_transferred,
    coalesce(wait_s, epoch(coalesce(answered_at, ended_at) - offered_at)) AS wait,
    coalesce(talk_s, epoch(ended_at - answered_at)) + coalesce(hold_s, 0) + coalesce(wrap_s, 0) AS handle"""


def _record_columns(rec: str, ctx: str, next_contact: bool) -> str:
    """The columns metrics read from a record ``rec``, with queue, channel, agent, reason and time taken
    from ``ctx`` (the record itself, or for a survey the contact it rates, when that contact is stored),
    and with ``next_contact_at`` and ``is_contact`` (kept at import) when ``next_contact``."""
    def pick(col: str) -> str:
        return f"{rec}.{col}" if ctx == rec else f"CASE WHEN {ctx}.id IS NULL THEN {rec}.{col} ELSE {ctx}.{col} END"

    t = contact_time_sql(rec) if ctx == rec else f"coalesce({contact_time_sql(ctx)}, {contact_time_sql(rec)})"
    return (f"{rec}.id AS record_id, {pick('id')} AS reason_id, {pick('queue')} AS queue, "
            f"{pick('channel')} AS channel, {rec}.channel AS record_channel, {pick('agent_id')} AS agent_id, "
            f"{pick('disposition')} AS disposition, {t} AS t, {rec}.customer_id, {rec}.offered_at, {rec}.answered_at, "
            f"{rec}.ended_at, {rec}.direction, {rec}.wait_s, {rec}.talk_s, {rec}.hold_s, {rec}.wrap_s, "
            f"{rec}.abandoned, {rec}.transferred, {rec}.csat, {rec}.nps, {rec}.ces, {rec}.related_id, "
            f"json_extract_string({rec}.metadata, '$.ended_in') = 'ivr' AS ended_in_ivr"
            + (f", {rec}.next_contact_at, {rec}.is_contact" if next_contact else ""))


def _per_contact(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Columns and joins for per-contact figures other capabilities keep (QA score, predicted CSAT), when the
    store has them; a survey record has neither."""
    cols, joins = [], []
    for table, col, alias in (("qa_scores", "score", "qa_score"), ("satisfaction_predictions", "predicted_csat", "predicted_csat")):
        if has_table(con, table) and con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0]:
            cols.append(f"_{alias}.{col} AS {alias}")
            joins.append(f"LEFT JOIN {table} _{alias} ON _{alias}.interaction_id = i.id")
        else:
            cols.append(f"NULL::DOUBLE AS {alias}")
    return ", " + ", ".join(cols), " ".join(joins)


def _values(value: str | Sequence[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    vals = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    vals = [v for v in vals if v]
    if not vals:
        raise InputError(f"{what} filter is empty")
    return vals


def _days(value: object) -> float:
    """The FCR window in days: a finite number ≥ 0."""
    try:
        days = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"FCR window must be a number of days, not {value!r}") from None
    if not 0 <= days < 36500:
        raise InputError(f"FCR window must be between 0 and 36500 days, not {value!r}")
    return days


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
    fcr_days: float | None = 7,
    fcr_same: str = "any",
    channel: str | Sequence[str] | None = None,
    queue: str | Sequence[str] | None = None,
    occupancy_from: str = "auto",
    staffing_minutes: int | None = None,
) -> pa.Table:
    """The KPI table: one row per group of ``by`` (keys, then ``COLUMNS``), ordered by the keys.

    ``by``: any of interval15/interval30/interval60, hour (of day), day, weekday, week, month, queue,
    channel, agent, reason (enrichment.reason when the text was classified, else disposition);
    empty for one row over everything. ``start``/``end``: contact time in [start, end) (a plain-date
    end includes its day). ``occupancy_from``: ``activity`` (agents seen answering), ``staffing``
    (the ``staffing`` table), or ``auto`` (the table when it has rows in the range and ``by`` holds
    only time keys and queue); ``staffing_minutes``: the activity interval (default 30, 15 when
    grouping by interval15). ``fcr_days=None`` skips FCR and leaves ``fcr_rate`` NULL. FCR reads each
    contact's next contact kept at import (``earful.metrics.next_contact``), or computes it with a
    window when rows were written outside an import or ``fcr_same="reason"``. Formulas:
    ``earful.metrics.kpis`` and docs/metrics.md.
    """
    check_store(con)
    keys = parse_by(by)
    lo, hi = parse_range(start, end)
    sl_t = seconds(sl_threshold_s, "service-level threshold")
    short_s = seconds(short_abandon_s, "short-abandon threshold")
    with_fcr = fcr_days is not None
    n_days = _days(fcr_days) if with_fcr else 0.0
    if fcr_same not in FCR_SAME:
        raise InputError(f"fcr_same must be one of {', '.join(FCR_SAME)}, not {fcr_same!r}")
    # FCR reads each contact's next contact kept at import, or else computes it with a window
    fcr_window = with_fcr and (fcr_same != "any" or not next_contact_ready(con))
    fcr_column = with_fcr and not fcr_window
    window_days = n_days if fcr_window else 0.0
    if occupancy_from not in OCCUPANCY_FROM:
        raise InputError(f"occupancy_from must be one of {', '.join(OCCUPANCY_FROM)}, not {occupancy_from!r}")
    if staffing_minutes is None:  # activity intervals no longer than the grouping's
        staffing_minutes = min([30] + [k.minutes for k in keys if k.minutes])
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
               kpis.occupancy(staffing_minutes), kpis.csat_avg(), kpis.nps(), kpis.ces_avg(), kpis.qa_score(),
               kpis.predicted_csat()]
    parts: dict[str, str] = {}
    for m in metrics:
        for name, sql in m.parts.items():
            if parts.setdefault(name, sql) != sql:
                raise AssertionError(f"part {name} defined twice, differently")

    need_reason = any(k.name == "reason" for k in keys) or fcr_same == "reason"
    join_enrichment = need_reason and has_table(con, "enrichment")
    reason_sql = "coalesce(e.reason, i.disposition)" if join_enrichment else "i.disposition"
    time_cond, params = [], []
    if lo is not None:
        time_cond.append("i.t >= ?")
        params.append(lo)
    if hi is not None:  # FCR's window looks N days past the range for the repeat contact
        time_cond.append("i.t < ?")
        params.append(hi + dt.timedelta(days=window_days))
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

    keys_sql = "".join(f"{k.sql} AS {k.column}, " for k in keys)
    where = "WHERE " + " AND ".join(filters) if filters else ""
    # FCR's parts go in their own query over the window, or, reading the kept column, into agg
    fcr_parts = {n: parts.pop(n) for n in list(parts) if n.startswith("fcr_")} if not fcr_column else {}
    next_t, next_t_in = (", next_t", " i.next_contact_at AS next_t,") if fcr_column else ("", "")
    # src: one row per stored record in [start, end + N days), with the flags the parts read.
    # It is not materialised: each reader below scans only the columns it needs.
    per_cols, per_joins = _per_contact(con)
    sql = f"""
    WITH records AS NOT MATERIALIZED (  -- every record; a survey naming its contact takes that contact's
        -- queue, channel, agent, reason and time, so it counts where the contact it rates counts
        SELECT {_record_columns("i", "i", fcr_column)}{per_cols} FROM interactions i {per_joins}
        WHERE i.channel <> 'survey' OR i.related_id IS NULL
        UNION ALL
        SELECT {_record_columns("i", "r", fcr_column)}, NULL::DOUBLE AS qa_score, NULL::DOUBLE AS predicted_csat
        FROM interactions i LEFT JOIN interactions r ON r.id = i.related_id
        WHERE i.channel = 'survey' AND i.related_id IS NOT NULL
    ),
    src AS NOT MATERIALIZED (
        SELECT {keys_sql} hour(t) AS _hour, record_id, queue, channel, agent_id, customer_id, answered_at, csat, nps,
               ces, qa_score, predicted_csat, reason, t, is_contact, {_FLAGS}, is_contact AND is_answered AS fcr_eligible{next_t}
        FROM (
            SELECT i.record_id, i.queue, i.channel, i.agent_id, i.customer_id, i.offered_at, i.answered_at, i.ended_at,
                   i.direction, i.wait_s, i.talk_s, i.hold_s, i.wrap_s, i.abandoned, i.transferred, i.csat, i.nps,
                   i.ces, i.qa_score, i.predicted_csat,
                   i.ended_in_ivr, {reason_sql} AS reason, i.t,{next_t_in}
                   {"i.is_contact" if fcr_column else is_contact_sql("i", "record_channel")} AS is_contact
            FROM records i {"LEFT JOIN enrichment e ON e.interaction_id = i.reason_id" if join_enrichment else ""}
            {"WHERE " + " AND ".join(time_cond) if time_cond else ""}
        )
    ),
    agg AS (SELECT {kc} {", ".join(f"{s} AS {n}" for n, s in parts.items())} FROM src {where} {group}),
    by_hour AS (SELECT {kc} _hour, count_if(is_offered) AS n FROM src {where} GROUP BY ALL),
    peak AS (
        SELECT {kc} arg_max(_hour, n * 24 + (23 - _hour)) FILTER (WHERE n > 0) AS peak_hour
        FROM by_hour {group}
    )"""
    if fcr_window:
        fcr_extra = "".join(f", {c}" for c, on_ in (("channel", channels), ("queue", queues)) if on_ and c not in cols)
        # each contact's next contact by the same customer: a window over contacts only, carrying just
        # the keys and what the FCR parts read; the filters apply after it (the repeat may lie outside them)
        sql += f""",
    fcr AS (
        SELECT {kc} {", ".join(f"{s} AS {n}" for n, s in fcr_parts.items())}
        FROM (SELECT {kc} t, fcr_eligible{fcr_extra},
                     lead(t) OVER (PARTITION BY customer_id{same} ORDER BY t, record_id) AS next_t
              FROM src WHERE is_contact)
        {where} {group}
    )"""
    fparams_st: list = []
    if not use_staffing:  # staffed time from activity (kpis.staffed_from_activity), per agent first
        act_cond, block, inner, outer = kpis.staffed_from_activity(staffing_minutes)
        fparams_st = fparams
        sql += f""",
    st AS (
        SELECT {kc} {outer} AS staffed_s
        FROM (SELECT {kc} {inner} AS _mask FROM src WHERE {" AND ".join(filters + [act_cond])}
              GROUP BY {kc} agent_id, {block})
        {group}
    )"""
    else:
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
    if not with_fcr:
        formulas["fcr_rate"] = "NULL::DOUBLE"
    extra = ("".join(f", fcr.{n}" for n in fcr_parts) if fcr_window else "") + (", st.staffed_s" if use_staffing else ", coalesce(st.staffed_s, 0) AS staffed_s")
    joins = ((f"LEFT JOIN fcr ON {on('fcr')}" if fcr_window else "")
             + f" LEFT JOIN st ON {on('st')}")
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
    FROM (SELECT agg.*{extra} FROM agg {joins}) agg
    LEFT JOIN peak ON {on('peak')}
    {"ORDER BY " + ", ".join(f"agg.{c} NULLS LAST" for c in cols) if cols else ""}
    """
    try:
        return con.sql(sql, params=params + fparams * (3 if fcr_window else 2) + fparams_st).to_arrow_table()
    except duckdb.Error as exc:  # a bug, but a user sees one line, never a traceback
        raise InputError(f"metrics query failed: {str(exc).splitlines()[0]}") from None
