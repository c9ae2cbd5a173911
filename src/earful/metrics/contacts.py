"""The contacts behind a figure: the same rows, flags and service definitions ``metrics_table``
counts, one row per contact, so every KPI can link to the list it was computed from.

``KINDS`` names which contacts a figure counts: ``offered`` (offered), ``answered`` (AHT, ASA),
``abandoned`` (abandon rate), ``sl_base`` (the service level's denominator), ``on_time`` (its
numerator), ``late`` (counted but not on time: what pulls the service level down), ``no_wait``
(answered without a queue time: left out of ASA and the service level). Customer ids and words
are never part of the list.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.metrics._keys import check_store, contact_time_sql, parse_range, range_and_lists
from earful.metrics.definitions import ServiceDefinitions, resolve
from earful.metrics.kpis import _treatment_sql
from earful.metrics.table import _FLAGS, _DefinitionSQL, _values

_EXCLUDED = {"exclude_short": "is_abandoned AND wait < short_s",
             "exclude_within_threshold": "is_abandoned AND wait <= sl_t", "answered_only": "is_abandoned"}
KINDS = {
    "offered": "is_offered",
    "answered": "is_answered",
    "abandoned": "is_abandoned",
    "sl_base": "is_offered AND NOT (is_answered AND wait IS NULL) AND NOT coalesce({excluded}, false)",
    "on_time": "is_answered AND wait <= sl_t",
    "late": "is_offered AND NOT (is_answered AND wait IS NULL) AND NOT coalesce({excluded}, false) "
            "AND NOT coalesce(is_answered AND wait <= sl_t, false)",
    "no_wait": "is_answered AND wait IS NULL",
}
COLUMNS = ("id", "channel", "queue", "agent_id", "offered_at", "answered_at", "ended_at", "outcome", "wait_s",
           "threshold_s", "on_time", "counted_in_service_level", "handle_s", "transferred", "csat")


def contacts_table(con: duckdb.DuckDBPyConnection, kind: str = "offered", *, start: object = None, end: object = None,
                   channel: str | Sequence[str] | None = None, queue: str | Sequence[str] | None = None,
                   definitions: ServiceDefinitions | str | None = None, limit: int | None = 100,
                   offset: int = 0) -> tuple[pa.Table, int]:
    """(a page of the contacts of ``kind`` in [start, end) with the filters, newest first; their total).

    ``wait_s`` is counted on the contact's own clock (business hours where its definition says so),
    ``threshold_s`` is its definition's, ``on_time`` whether it met it, ``counted_in_service_level``
    whether its abandon treatment counts it at all."""
    check_store(con)
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    defs = resolve(con, definitions)
    lo, hi = parse_range(start, end)
    per_row = _DefinitionSQL(con, defs, None, None, None)
    excluded = _treatment_sql(per_row.treatments, _EXCLUDED)
    cond, params = range_and_lists(lo, hi, {"channel": _values(channel, "channel"), "queue": _values(queue, "queue")})
    inner = (f"(SELECT id, queue, channel, agent_id, offered_at, answered_at, ended_at, direction, wait_s, talk_s, "
             f"hold_s, wrap_s, abandoned, transferred, csat, {contact_time_sql('i')} AS t{per_row.stored_columns('i')}, "
             f"json_extract_string(metadata, '$.ended_in') = 'ivr' AS ended_in_ivr FROM interactions i "
             f"WHERE channel <> 'survey'{' AND ' if cond else ''}{' AND '.join(cond)})")
    base = f"""
        SELECT id, channel, queue, agent_id, offered_at, answered_at, ended_at, t, transferred, csat, sl_t,
               {per_row.flags(_FLAGS)}, ({excluded}) AS _excluded
        FROM {per_row.layers(inner)}"""
    want = KINDS[kind].format(excluded="_excluded")
    body = f"""
        SELECT id, channel, queue, agent_id, offered_at, answered_at, ended_at,
               CASE WHEN is_abandoned THEN 'abandoned' WHEN is_answered THEN 'answered' WHEN is_ivr THEN 'IVR'
                    WHEN is_offered THEN 'offered' ELSE 'not offered' END AS outcome,
               wait AS wait_s, sl_t AS threshold_s,
               CASE WHEN is_answered AND wait IS NOT NULL THEN wait <= sl_t END AS on_time,
               is_offered AND NOT (is_answered AND wait IS NULL) AND NOT coalesce(_excluded, false)
                   AS counted_in_service_level,
               CASE WHEN is_answered THEN handle END AS handle_s, transferred, csat, t
        FROM ({base}) WHERE {want}"""
    try:
        total = con.execute(f"SELECT count(*) FROM ({body})", params).fetchall()[0][0]
        page = f"{body} ORDER BY t DESC, id" + (f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else "")
        tbl = con.sql(f"SELECT {', '.join(COLUMNS)} FROM ({page})", params=params).to_arrow_table()
    except duckdb.Error as exc:
        raise InputError(f"contacts query failed: {str(exc).splitlines()[0]}") from None
    return tbl, int(total)
