"""Speech analytics grouped like the operational metrics: by day, week, queue, agent, reason …

Per-call figures live in ``speech_metrics`` (``earful.voice.analytics`` defines them); a group's
figure weighs each call by its duration (a share of time is total seconds over total seconds):

- ``calls``: recorded calls in the group; ``hours``: their recorded hours.
- ``talk_ratio`` = Σ agent talk / Σ (agent + customer talk), calls with both parties known.
- ``silence_share`` = Σ silence_s / Σ duration_s; ``dead_air_share`` = Σ dead_air_s / Σ duration_s.
- ``dead_air_per_call`` = Σ dead_air_count / calls; ``longest_silence_s`` = the longest in the group.
- ``overtalk_share`` = Σ overtalk_s / Σ duration_s over calls where over-talk is measurable (stereo).
- ``hold_per_call_s`` = Σ hold_s / calls; ``holds`` = Σ hold_count.
- ``agent_wpm`` / ``customer_wpm`` = Σ words / Σ minutes of the party's talk (from the per-call rates).
"""

from __future__ import annotations

import duckdb

from earful.errors import InputError
from earful.metrics import parse_by
from earful.store.schema import has_table

COLUMNS = ("calls", "hours", "talk_ratio", "silence_share", "dead_air_share", "dead_air_per_call",
           "longest_silence_s", "overtalk_share", "hold_per_call_s", "holds", "agent_wpm", "customer_wpm")

_AGG = """
    count(*) AS calls,
    round(sum(s.duration_s) / 3600, 3) AS hours,
    round(sum(s.agent_talk_s) FILTER (WHERE s.agent_talk_share IS NOT NULL)
          / nullif(sum(s.agent_talk_s + s.customer_talk_s) FILTER (WHERE s.agent_talk_share IS NOT NULL), 0), 4) AS talk_ratio,
    round(sum(s.silence_s) / nullif(sum(s.duration_s), 0), 4) AS silence_share,
    round(sum(s.dead_air_s) / nullif(sum(s.duration_s), 0), 4) AS dead_air_share,
    round(sum(s.dead_air_count) / count(*), 2) AS dead_air_per_call,
    round(max(s.longest_silence_s), 1) AS longest_silence_s,
    round(sum(s.overtalk_s) / nullif(sum(s.duration_s) FILTER (WHERE s.overtalk_s IS NOT NULL), 0), 4) AS overtalk_share,
    round(sum(s.hold_s) / count(*), 1) AS hold_per_call_s,
    sum(s.hold_count) AS holds,
    round(sum(s.agent_words_per_min * s.agent_talk_s) / nullif(sum(s.agent_talk_s) FILTER (WHERE s.agent_words_per_min IS NOT NULL), 0), 1) AS agent_wpm,
    round(sum(s.customer_words_per_min * s.customer_talk_s) / nullif(sum(s.customer_talk_s) FILTER (WHERE s.customer_words_per_min IS NOT NULL), 0), 1) AS customer_wpm
"""


def speech_table(con: duckdb.DuckDBPyConnection, by: str | list[str] = "agent") -> list[dict]:
    """Speech analytics grouped by the metrics' keys (``day``, ``week``, ``queue``, ``agent``, ``reason`` …)."""
    if not has_table(con, "speech_metrics"):
        raise InputError("this store has no speech analytics", hint="ingest recordings: earful ingest DIR --format audio")
    keys = parse_by(by)
    reason = "coalesce(e.reason, i.disposition)" if has_table(con, "enrichment") else "i.disposition"
    join = "LEFT JOIN enrichment e ON e.interaction_id = i.id" if has_table(con, "enrichment") else ""
    select_keys = ", ".join(f"{k.sql} AS {k.column}" for k in keys)
    group = ", ".join(str(n) for n in range(1, len(keys) + 1))
    sql = f"""
        WITH c AS (SELECT i.queue, i.channel, i.agent_id, {reason} AS reason,
                          coalesce(i.offered_at, i.answered_at, i.ended_at) AS t, i.id
                   FROM interactions i {join})
        SELECT {select_keys}, {_AGG}
        FROM speech_metrics s JOIN c ON c.id = s.interaction_id
        GROUP BY {group} ORDER BY {group} NULLS LAST
    """
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
