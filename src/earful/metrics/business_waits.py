"""Business-hours waits kept in the store, so that metrics read a column instead of walking the
calendar for every contact.

A contact whose service definition counts its wait on a business clock gets ``business_wait_s``
(the wait in open seconds, ``earful.metrics.calendars``) and ``business_clock`` (the id of the
calendar it was counted in, ``calendars.clock_id``). Ingest keeps both for its own rows in the
import's transaction; saving the service definitions keeps them for every row whose clock changed.
Metrics read the column where ``business_clock`` is the row's current clock and count the wait
on the fly for any other row (written outside earful's import, or under definitions saved by a
version without this column), so the figures are the same either way, only slower.
"""

from __future__ import annotations

import duckdb

from earful.metrics.definitions import ServiceDefinitions, resolve
from earful.store.schema import has_column


def refresh_business_waits(con: duckdb.DuckDBPyConnection, definitions: ServiceDefinitions | None = None,
                           import_id: int | None = None) -> int:
    """Keep the business-hours waits of import ``import_id``'s rows (every row when None) up to date
    with ``definitions`` (the store's when None); rows no longer on a business clock lose theirs.
    Runs in the caller's transaction. Returns the number of rows written."""
    from earful.metrics.table import _DefinitionSQL

    if not has_column(con, "interactions", "business_clock"):  # before migration 009
        return 0
    defs = resolve(con, definitions)
    per_row = _DefinitionSQL(con, defs, None, None, None, stored=False)
    scope = "" if import_id is None else "AND import_id = $import_id"
    params = {} if import_id is None else {"import_id": import_id}
    changed = 0
    if not per_row.business:  # no business clock in force: nothing to keep
        changed += con.execute(f"UPDATE interactions SET business_wait_s = NULL, business_clock = NULL "
                               f"WHERE business_clock IS NOT NULL {scope}", params).fetchall()[0][0]
        return int(changed)
    ids = "[" + ", ".join(f"'{i}'" for i in per_row.clock_ids) + "]"
    inner = (f"(SELECT id, queue, channel, offered_at, answered_at, ended_at, wait_s, abandoned, business_clock AS _old "
             f"FROM interactions WHERE offered_at IS NOT NULL {scope})")
    sql = f"""
        UPDATE interactions SET business_wait_s = b.wait, business_clock = b.clock
        FROM (SELECT id, CASE WHEN _ci >= 0 THEN {per_row.business_wait} END AS wait,
                     CASE WHEN _ci >= 0 THEN {ids}[_ci + 1] END AS clock, _old
              FROM {per_row.layers(inner)}) b
        WHERE interactions.id = b.id AND (b.clock IS DISTINCT FROM b._old
                                          OR interactions.business_wait_s IS DISTINCT FROM b.wait)"""
    changed += con.execute(sql, params).fetchall()[0][0]
    if import_id is None:  # rows not offered (no wait) never keep one
        changed += con.execute("UPDATE interactions SET business_wait_s = NULL, business_clock = NULL "
                               "WHERE offered_at IS NULL AND business_clock IS NOT NULL").fetchall()[0][0]
    return int(changed)

