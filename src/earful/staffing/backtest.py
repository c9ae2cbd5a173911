"""Back-test the queue models on a centre's own history: predict each interval's service level
and abandonment with Erlang C and Erlang A from that interval's calls, AHT and agents on duty,
and measure how far each prediction was from what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from earful.errors import InputError
from earful.staffing.erlang import erlang_a, erlang_c

__all__ = ["Backtest", "backtest", "call_summary"]

_SECONDS = {"interval15": 900, "interval30": 1800, "hour": 3600}

_OFFERED = "offered_at IS NOT NULL AND channel = 'voice'"


def call_summary(con, by: str | None = None, *, threshold_s: float = 20) -> pa.Table:
    """Offered, answered, abandoned in queue, IVR hang-ups, ASA, AHT and service level, for the
    whole store (by=None) or by clock hour of the day (by='hour_of_day').

    offered = calls that reached the queue (IVR hang-ups are not offered: they never asked for an
    agent); service_level = answered within threshold_s / offered (abandons all counted);
    asa_s = mean wait of answered calls; aht_s = mean talk + hold + wrap of answered calls.
    """
    key = {None: "'all'", "hour_of_day": "hour(coalesce(offered_at, ended_at))"}.get(by)
    if key is None:
        raise InputError(f"call_summary: by must be None or 'hour_of_day' (got {by!r})")
    sql = f"""
        SELECT {key} AS k,
               count(*) FILTER (WHERE {_OFFERED}) AS offered,
               count(*) FILTER (WHERE {_OFFERED} AND answered_at IS NOT NULL) AS answered,
               count(*) FILTER (WHERE {_OFFERED} AND abandoned) AS abandoned,
               count(*) FILTER (WHERE offered_at IS NULL AND json_extract_string(metadata, '$.ended_in') = 'ivr')
                   AS ivr_hangups,
               avg(wait_s) FILTER (WHERE {_OFFERED} AND answered_at IS NOT NULL) AS asa_s,
               avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(wrap_s, 0))
                   FILTER (WHERE {_OFFERED} AND answered_at IS NOT NULL) AS aht_s,
               count(*) FILTER (WHERE {_OFFERED} AND answered_at IS NOT NULL AND coalesce(wait_s, 0) <= {float(threshold_s)})
                   / nullif(count(*) FILTER (WHERE {_OFFERED}), 0) AS service_level
        FROM interactions WHERE channel = 'voice' GROUP BY 1 ORDER BY 1"""
    tbl = con.sql(sql).arrow()
    tbl = tbl.read_all() if hasattr(tbl, "read_all") else tbl
    return tbl.rename_columns(["hour" if by else "scope", *tbl.column_names[1:]])


@dataclass(frozen=True)
class Backtest:
    """Per-interval actuals and predictions, the patience used, and mean absolute errors.

    intervals columns: start, offered, answered, abandoned, aht_s, agents, sl_actual, abandon_actual,
    sl_erlang_c, sl_erlang_a, abandon_erlang_c, abandon_erlang_a.
    mae: {"service_level": {"erlang_c": .., "erlang_a": ..}, "abandon_rate": {...}}.
    """

    intervals: pa.Table
    patience_s: float
    mae: dict


def _presence_sql(secs: int, gap_s: float) -> str:
    """Seconds each interval had agents logged in, rebuilt from their calls: an agent's session runs
    from a call's answer to the end of the last call not followed by a gap longer than gap_s."""
    return f"""
        WITH s AS (
            SELECT agent_id, answered_at AS st, greatest(ended_at, answered_at) AS en FROM interactions
            WHERE {_OFFERED} AND answered_at IS NOT NULL AND agent_id IS NOT NULL AND ended_at IS NOT NULL),
        g AS (
            SELECT *, CASE WHEN st - max(en) OVER (PARTITION BY agent_id ORDER BY st, en
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                           <= INTERVAL '{float(gap_s)} seconds' THEN 0 ELSE 1 END AS new_session
            FROM s),
        n AS (
            SELECT *, sum(new_session) OVER (PARTITION BY agent_id ORDER BY st, en ROWS UNBOUNDED PRECEDING) AS sid
            FROM g),
        spans AS (SELECT agent_id, sid, min(st) AS s0, max(en) AS s1 FROM n GROUP BY agent_id, sid),
        cut AS (
            SELECT s0, s1, unnest(generate_series(time_bucket(INTERVAL '{secs} seconds', s0),
                                                  time_bucket(INTERVAL '{secs} seconds', s1),
                                                  INTERVAL '{secs} seconds')) AS start
            FROM spans)
        SELECT start, sum(epoch(least(s1, start + INTERVAL '{secs} seconds') - greatest(s0, start))) AS present_s
        FROM cut GROUP BY start"""


def backtest(con, interval: str = "hour", *, threshold_s: float = 20, min_calls: int = 20,
             patience_s: float | None = None, agents_from: str = "presence", gap_s: float = 600) -> Backtest:
    """Predict each interval's service level and abandonment with Erlang C and Erlang A.

    Per interval (from voice calls that reached the queue): calls = offered, aht_s = mean handle
    time of its answered calls, agents on duty = agent-seconds logged in during it / its length
    (agents_from="presence": sessions rebuilt from each agent's calls, a break being a gap over
    gap_s; fractional agents use Erlang B's continuous extension) or the number of distinct agents
    who answered a call in it (agents_from="distinct", an upper bound), and for
    Erlang A one centre-wide exponential patience, estimated by maximum likelihood with the
    answered calls' waits as censored observations: patience_s = total wait of all offered calls /
    abandoned calls. Intervals with fewer than min_calls offered calls or no answered call are
    skipped. MAE = mean over intervals of |predicted - actual|.
    """
    if agents_from not in ("presence", "distinct"):
        raise InputError(f"agents_from must be presence or distinct (got {agents_from!r})")
    if interval not in _SECONDS:
        raise InputError(f"interval must be one of {', '.join(_SECONDS)} (got {interval!r})")
    secs = _SECONDS[interval]
    if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM interactions WHERE {_OFFERED} LIMIT 1)").fetchall()[0][0]:
        return _backtest_reports(con, secs, threshold_s, min_calls, patience_s)
    if patience_s is None:
        total_wait, abandons = con.execute(
            f"SELECT sum(coalesce(wait_s, 0)), count(*) FILTER (WHERE abandoned) FROM interactions WHERE {_OFFERED}"
        ).fetchone()
        if not abandons or not total_wait:
            raise InputError("no abandoned calls with waits in the store: cannot estimate patience")
        patience_s = float(total_wait) / float(abandons)
    rows = con.execute(f"""
        WITH presence AS ({_presence_sql(secs, gap_s)}),
        calls AS (
        SELECT time_bucket(INTERVAL '{secs} seconds', offered_at) AS start,
               count(*) AS offered,
               count(answered_at) AS answered,
               count(*) FILTER (WHERE abandoned) AS abandoned,
               count(*) FILTER (WHERE answered_at IS NOT NULL AND coalesce(wait_s, 0) <= {float(threshold_s)}) AS fast,
               avg(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(wrap_s, 0))
                   FILTER (WHERE answered_at IS NOT NULL) AS aht_s,
               count(DISTINCT agent_id) FILTER (WHERE answered_at IS NOT NULL) AS distinct_agents
        FROM interactions WHERE {_OFFERED}
        GROUP BY 1 HAVING count(*) >= {int(min_calls)} AND count(answered_at) > 0 AND avg(coalesce(talk_s, 0)) > 0)
        SELECT calls.*, coalesce(presence.present_s, 0) / {secs} AS present_agents
        FROM calls LEFT JOIN presence USING (start) ORDER BY start""").fetchnumpy()
    if len(rows["offered"]) == 0:
        raise InputError(f"no {interval} interval has {min_calls} or more offered calls with answers")
    offered = rows["offered"].astype(float)
    aht = rows["aht_s"].astype(float)
    agents = (rows["present_agents"] if agents_from == "presence" else rows["distinct_agents"]).astype(float)
    return _score(rows, offered, aht, agents, secs, threshold_s, patience_s)


def _score(rows, offered, aht, agents, secs, threshold_s, patience_s) -> Backtest:
    """Both models' predictions for each interval and their mean absolute errors."""
    c = erlang_c(offered, secs, aht, agents, threshold_s=threshold_s)
    a = erlang_a(offered, secs, aht, agents, patience_s, threshold_s=threshold_s)
    sl_actual = rows["fast"] / offered
    ab_actual = rows["abandoned"] / offered
    table = pa.table({
        "start": rows["start"], "offered": rows["offered"], "answered": rows["answered"],
        "abandoned": rows["abandoned"], "aht_s": aht, "agents": agents,
        "load_erlangs": offered / secs * aht,
        "sl_actual": sl_actual, "abandon_actual": ab_actual,
        "sl_erlang_c": c.service_level, "sl_erlang_a": a.service_level,
        "abandon_erlang_c": c.abandon_rate, "abandon_erlang_a": a.abandon_rate,
    })

    def mae(pred, actual):
        return float(np.mean(np.abs(np.asarray(pred) - actual)))

    return Backtest(table, patience_s, {
        "service_level": {"erlang_c": mae(c.service_level, sl_actual), "erlang_a": mae(a.service_level, sl_actual)},
        "abandon_rate": {"erlang_c": mae(c.abandon_rate, ab_actual), "erlang_a": mae(a.abandon_rate, ab_actual)},
    })


def _backtest_reports(con, secs: int, threshold_s: float, min_calls: int, patience_s: float | None) -> Backtest:
    """The same back-test from interval reports (``interval_stats``) that give agents staffed: calls,
    AHT and agents per interval as reported; actual service level = answered within T ÷ offered (the
    report's T must be ``threshold_s``); patience = (wait of the answered + of the abandoned) ÷ abandoned
    when the report gives both waits."""
    from earful.store.schema import has_table

    if not has_table(con, "interval_stats") or not con.execute(
            "SELECT count(*) FROM interval_stats WHERE channel = 'voice' AND agents IS NOT NULL").fetchall()[0][0]:
        raise InputError("no voice calls in the store, and no interval report with agents staffed, to back-test on")
    thr = con.execute("SELECT min(sl_threshold_s), max(sl_threshold_s) FROM interval_stats WHERE channel = 'voice' "
                      "AND agents IS NOT NULL").fetchall()[0]
    if thr[0] is None or thr[0] != thr[1] or float(thr[0]) != float(threshold_s):
        raise InputError(f"the reports' service level is measured within {thr[0]} s, not {threshold_s:g} s: "
                         "back-test with that threshold")
    if patience_s is None:
        total, abandons = con.execute(
            "SELECT sum(wait_s + abandon_wait_s), sum(abandoned) FROM interval_stats WHERE channel = 'voice' "
            "AND wait_s IS NOT NULL AND abandon_wait_s IS NOT NULL").fetchall()[0]
        if not abandons or not total:
            raise InputError("the reports give no time to abandon, so no patience can be estimated: pass one "
                             "(--patience)")
        patience_s = float(total) / float(abandons)
    coarse = con.execute("SELECT max(interval_s) FROM interval_stats WHERE channel = 'voice'").fetchall()[0][0]
    if coarse > secs:
        raise InputError(f"the reports count every {coarse // 60} minutes: back-test on that interval or longer")
    rows = con.execute(f"""
        SELECT time_bucket(INTERVAL '{secs} seconds', interval_start) AS start, sum(offered) AS offered,
               sum(answered) AS answered, sum(abandoned) AS abandoned,
               sum(coalesce(answered_within, service_level * offered)) AS fast, sum(handle_s) / sum(answered) AS aht_s,
               sum(agents * interval_s) / {secs} AS agents
        FROM interval_stats WHERE channel = 'voice' AND agents IS NOT NULL
        GROUP BY 1 HAVING sum(offered) >= {int(min_calls)} AND sum(answered) > 0 AND sum(handle_s) > 0
        ORDER BY 1""").fetchnumpy()
    if len(rows["offered"]) == 0:
        raise InputError(f"no interval in the reports has {min_calls} or more offered calls with answers")
    offered = rows["offered"].astype(float)
    aht = rows["aht_s"].astype(float)
    agents = rows["agents"].astype(float)
    return _score(rows, offered, aht, agents, secs, threshold_s, patience_s)
