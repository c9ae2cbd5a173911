"""Customer Support on Twitter (TWCS): tweets between customers and brands, one row each.

Threads are rebuilt from `in_response_to_tweet_id`: a thread starts at a tweet whose parent
is absent from the file (a fresh customer tweet, or a reply to something not in this slice,
marked `metadata.partial`). Each thread with at least one customer tweet becomes one
`social` interaction: turns in time order, the brand as queue, first-response time as
wait (first brand reply after the customer's first tweet).
"""

from __future__ import annotations

from pathlib import Path

from earful.errors import InputError
from earful.ingest._sql import canonical_select, quote_ident, quote_str
from earful.ingest.load import ImportBatch, Progress
from earful.ingest.mapping import FieldSpec, Mapping
from earful.ingest.readers import CsvSource

NEEDED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"

_FIELDS = ("source_id", "channel", "direction", "queue", "customer_id", "offered_at", "answered_at",
           "ended_at", "wait_s", "metadata")
MAPPING = Mapping(fields={f: FieldSpec(column=f) for f in _FIELDS})


def _id(col: str) -> str:
    """Tweet ids, whatever float formatting the file gave them ('3.0' → '3')."""
    return f"regexp_replace(nullif(trim({col}), ''), '\\.0+$', '')"


def ingest_twcs(batch: ImportBatch, path: Path, mapping: Mapping | None = None, *, source: str = "twcs",
                progress: Progress | None = None, lenient: bool = False, **_: object) -> None:
    """Stage one interaction per customer thread, with its tweets as turns."""
    con = batch.con
    src = CsvSource(path, strict=not lenient)
    cols = src.columns()
    missing = [c for c in NEEDED if c not in cols]
    if missing:
        raise InputError(f"{path.name} is not a TWCS file: no column {missing[0]!r}", hint=f"it has: {', '.join(cols[:8])}")
    con.execute(
        f"CREATE TEMP TABLE _tw AS SELECT _rownum, {_id('tweet_id')} AS tweet_id, trim(author_id) AS author_id, "
        "lower(trim(inbound)) IN ('true', '1', 't') AS inbound, created_at, "
        f"try_strptime(created_at, '{TIME_FORMAT}') AS ts, text, {_id('in_response_to_tweet_id')} AS parent, "
        f"CAST(json_object({', '.join(quote_str(c) + ', ' + quote_ident(c) for c in cols)}) AS VARCHAR) AS raw "
        f"FROM {src.from_sql()}"
    )
    batch.csv_rejects(src.rejects_table)
    for row, raw in con.execute("SELECT _rownum, raw FROM _tw WHERE tweet_id IS NULL").fetchall():
        batch.reject(row, "tweet_id", "tweet_id: missing", raw)
    con.execute(
        "CREATE TEMP TABLE _thread AS WITH RECURSIVE th(tweet_id, root) AS ("
        " SELECT tweet_id, tweet_id FROM _tw WHERE tweet_id IS NOT NULL AND (parent IS NULL OR parent NOT IN"
        "  (SELECT tweet_id FROM _tw WHERE tweet_id IS NOT NULL))"
        " UNION SELECT c.tweet_id, th.root FROM _tw c JOIN th ON c.parent = th.tweet_id"
        ") SELECT * FROM th"
    )
    con.execute(
        "CREATE TEMP TABLE _twt AS SELECT r._rownum AS _row, t.*, r.parent AS root_parent, r.inbound AS root_inbound "
        "FROM _thread h JOIN _tw t ON t.tweet_id = h.tweet_id JOIN _tw r ON r.tweet_id = h.root"
    )
    con.execute(
        "CREATE TEMP TABLE _twi AS WITH a AS (SELECT _row, "
        " any_value(root_parent) AS root_parent, bool_or(root_inbound) AS root_inbound, "
        " min(ts) FILTER (WHERE inbound) AS first_in, arg_min(author_id, ts) FILTER (WHERE inbound) AS customer, "
        " max(ts) AS last_at, count(*) AS tweets, count(*) FILTER (WHERE inbound) AS customer_tweets "
        " FROM _twt GROUP BY _row HAVING count(*) FILTER (WHERE inbound) > 0) "
        "SELECT a._row AS _rownum, (SELECT tweet_id FROM _tw WHERE _rownum = a._row) AS source_id, 'social' AS channel, "
        " CASE WHEN a.root_inbound OR a.root_parent IS NOT NULL THEN 'inbound' ELSE 'outbound' END AS direction, "
        " b.brand AS queue, a.customer AS customer_id, CAST(a.first_in AS VARCHAR) AS offered_at, "
        " CAST(b.first_reply AS VARCHAR) AS answered_at, CAST(a.last_at AS VARCHAR) AS ended_at, "
        " CAST(date_diff('second', a.first_in, b.first_reply) AS VARCHAR) AS wait_s, "
        " CAST(json_object('tweets', a.tweets, 'customer_tweets', a.customer_tweets, "
        "  'partial', a.root_parent IS NOT NULL) AS VARCHAR) AS metadata "
        "FROM a LEFT JOIN (SELECT t._row, arg_min(t.author_id, t.ts) AS brand, min(t.ts) AS first_reply "
        " FROM _twt t JOIN (SELECT _row, min(ts) FILTER (WHERE inbound) AS fi FROM _twt GROUP BY _row) f "
        " ON f._row = t._row WHERE NOT t.inbound AND t.ts >= f.fi GROUP BY t._row) b ON b._row = a._row"
    )
    batch.stage_sql(canonical_select(MAPPING, source=source, from_sql="_twi", row_expr="_rownum",
                                     raw_columns=list(_FIELDS), **batch.rules))
    batch.stage_turns(
        "(SELECT t._row, row_number() OVER (PARTITION BY t._row ORDER BY t.ts NULLS LAST, t._rownum) AS seq, "
        "CASE WHEN t.inbound THEN 'customer' ELSE 'agent' END AS speaker, t.text, "
        "CASE WHEN t.ts IS NULL THEN t.created_at ELSE CAST(t.ts AS VARCHAR) END AS at_text "
        "FROM _twt t WHERE t._row IN (SELECT _rownum FROM _twi))"
    )
    for name in ("_tw", "_thread", "_twt", "_twi"):
        con.execute(f"DROP TABLE {name}")
