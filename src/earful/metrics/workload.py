"""The workload a staffing question starts from: the busiest interval of the average day, and AHT."""

from __future__ import annotations

import duckdb

from earful.errors import InputError


def busiest_interval(con: duckdb.DuckDBPyConnection, interval_s: int = 1800,
                     channel: str | None = None) -> tuple[float, float | None]:
    """(calls, aht_s): the busiest ``interval_s`` slot of the average day (``intraday_profile``: contacts
    offered per day in that slot, over the days with contacts) and the AHT of that slot's answered
    contacts; ``channel`` limits both to one channel. (0.0, None) for an empty store."""
    prof = intraday_profile(con, channel, interval_s=interval_s)
    if not prof["days"]:
        return 0.0, None
    k = max(range(len(prof["volume"])), key=lambda i: prof["volume"][i])
    return float(prof["volume"][k]), prof["aht_s"][k]


def offered_filter(channel: str | None, queue: str | None = None, *, start: object = None, end: object = None,
                   weekdays: list[int] | None = None) -> tuple[list[str], dict]:
    """(SQL conditions, named parameters) picking the inbound contacts offered on ``channel`` (None: all)
    and ``queue`` in [start, end), on the given ISO ``weekdays`` when set."""
    from earful.metrics._keys import parse_range

    lo, hi = parse_range(start, end)
    cond = ["offered_at IS NOT NULL", "coalesce(direction, 'inbound') = 'inbound'"]
    params: dict = {}
    for name, value, sql in (("channel", channel, "channel = $channel"), ("queue", queue, "queue = $queue"),
                             ("lo", lo, "offered_at >= $lo"), ("hi", hi, "offered_at < $hi")):
        if value is not None:
            cond.append(sql)
            params[name] = value
    if weekdays:
        cond.append(f"isodow(offered_at) IN ({', '.join(str(int(d)) for d in weekdays)})")
    return cond, params


def intraday_profile(con: duckdb.DuckDBPyConnection, channel: str | None, queue: str | None = None, *,
                     interval_s: int = 1800, start: object = None, end: object = None,
                     weekdays: list[int] | None = None, immediate: bool = True) -> dict:
    """The average day of one channel (None: all) and queue: per ``interval_s`` slot of the day, the contacts
    offered per day (mean over the days in range on which the channel had contacts, of the given ISO
    ``weekdays`` when set) and the AHT of the slot's answered contacts (the channel's AHT where a
    slot has none). Handle = talk + hold + wrap; for a contact answered while the customer waits
    (``immediate``) talk defaults to its answer-to-end time, as in the metrics.

    Returns ``{"slots": [seconds from midnight], "volume": [...], "aht_s": [...], "days": n, "aht_all_s": x}``;
    ``aht_all_s`` is None when no answered contact has a handle time (then ``aht_s`` is all None)."""
    if 86400 % int(interval_s):
        raise InputError("the interval must divide the day (e.g. 900, 1800, 3600 s)")
    cond, params = offered_filter(channel, queue, start=start, end=end, weekdays=weekdays)
    talk = "coalesce(talk_s, epoch(ended_at - answered_at))" if immediate else "talk_s"
    handle = f"{talk} + coalesce(hold_s, 0) + coalesce(wrap_s, 0)"
    answered = "NOT coalesce(abandoned, false) AND (answered_at IS NOT NULL OR abandoned IS NOT NULL OR talk_s IS NOT NULL)"
    rows = con.execute(f"""
        WITH c AS (SELECT offered_at, CAST(floor(epoch(offered_at - offered_at::DATE) / {int(interval_s)}) AS INTEGER) AS slot,
                          CASE WHEN {answered} THEN {handle} END AS handle
                   FROM interactions WHERE {' AND '.join(cond)})
        SELECT slot, count(*) AS n, sum(handle) AS h, count(handle) AS hn,
               (SELECT count(DISTINCT offered_at::DATE) FROM c) AS days,
               (SELECT sum(handle) / nullif(count(handle), 0) FROM c) AS aht_all
        FROM c GROUP BY slot ORDER BY slot""", params).fetchall()
    slots = list(range(0, 86400, int(interval_s)))
    volume = [0.0] * len(slots)
    aht: list[float | None] = [None] * len(slots)
    days = rows[0][4] if rows else 0
    aht_all = float(rows[0][5]) if rows and rows[0][5] is not None else None
    for slot, n, h, hn, _d, _a in rows:
        volume[slot] = n / days
        aht[slot] = float(h) / hn if hn else aht_all
    if aht_all is not None:
        aht = [a if a is not None else aht_all for a in aht]
    return {"slots": slots, "volume": volume, "aht_s": aht, "days": days, "aht_all_s": aht_all}


def patience_estimate(con: duckdb.DuckDBPyConnection, channel: str, queue: str | None = None) -> float | None:
    """Mean customer patience (s) by maximum likelihood for an exponential patience, answered waits
    censored: total wait of offered contacts ÷ abandons (as ``earful.staffing.backtest``); None
    without abandons with waits."""
    q = "AND queue = ?" if queue is not None else ""
    total, abandons = con.execute(
        f"SELECT sum(wait_s), count(*) FILTER (WHERE abandoned AND wait_s IS NOT NULL) FROM interactions "
        f"WHERE offered_at IS NOT NULL AND channel = ? {q}", [channel] + ([queue] if queue is not None else [])
    ).fetchall()[0]
    if not abandons or not total:
        return None
    return float(total) / float(abandons)
