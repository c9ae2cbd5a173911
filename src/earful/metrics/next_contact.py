"""Each contact's next contact by the same customer, kept in ``interactions.next_contact_at``.

FCR asks, for every contact, when the same customer came back. Computing that is a window over
all of a customer's contacts, the costliest step of ``metrics_table`` (3–5 s on 10 M rows). It
only changes when that customer's contacts do, so ingest keeps it up to date in the import's own
transaction (``refresh_next_contact``), and metrics read the column. Rows written any other way
have ``is_contact`` NULL; metrics then compute the window as before (``next_contact_ready``).
"""

from __future__ import annotations

import duckdb

from earful.metrics._keys import contact_time_sql, is_contact_sql
from earful.store.schema import has_column

#: The order of a customer's contacts: by contact time, ties broken by id (stable across reloads).
_NEXT = f"lead({contact_time_sql('c')}) OVER (PARTITION BY c.customer_id ORDER BY {contact_time_sql('c')}, c.id)"


def next_contact_ready(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every stored row has its ``next_contact_at`` maintained, so FCR may read the column."""
    if not has_column(con, "interactions", "is_contact"):  # before migration 008
        return False
    return not con.execute("SELECT EXISTS (SELECT 1 FROM interactions WHERE is_contact IS NULL)").fetchall()[0][0]


def refresh_next_contact(con: duckdb.DuckDBPyConnection, import_id: int | None = None) -> int:
    """Keep ``next_contact_at`` for the customers of import ``import_id``, whose rows the import wrote
    with ``is_contact`` set; for every row when ``import_id`` is None or when rows written outside
    earful's import lack ``is_contact``. Returns the number of rows changed.

    A contact's next contact is the same customer's following contact (``is_contact_sql``) in
    contact-time order, ties broken by id; NULL when there is none or the record is no contact.
    Only rows whose value changes are written (for a new import: its contacts with a later one,
    and each returning customer's previous last contact). Runs in the caller's transaction, so an
    import and its next-contact times commit together.
    """
    if not has_column(con, "interactions", "is_contact"):  # before migration 008
        return 0
    everyone = import_id is None or con.execute(
        "SELECT EXISTS (SELECT 1 FROM interactions WHERE is_contact IS NULL)").fetchall()[0][0]
    changed = 0
    if everyone:
        changed += con.execute(f"UPDATE interactions SET is_contact = {is_contact_sql('interactions')} "
                               "WHERE is_contact IS NULL").fetchall()[0][0]
    scope = "" if everyone else (
        "AND c.customer_id IN (SELECT DISTINCT customer_id FROM interactions "
        "WHERE import_id = $import_id AND is_contact)")
    changed += con.execute(f"""
        UPDATE interactions SET next_contact_at = n.next_t
        FROM (SELECT c.id, {_NEXT} AS next_t FROM interactions c WHERE c.is_contact {scope}) n
        WHERE interactions.id = n.id AND interactions.next_contact_at IS DISTINCT FROM n.next_t
    """, {} if everyone else {"import_id": import_id}).fetchall()[0][0]
    return int(changed)
