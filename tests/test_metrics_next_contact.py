"""Each contact's next contact, kept at import (``interactions.next_contact_at``) so FCR is a column read.

The kept column must equal what the window computes, whatever order the contacts arrive in;
a row written outside earful's import makes metrics fall back to the window, and the next
import repairs the whole store.
"""

from __future__ import annotations

import datetime as dt

from collections import defaultdict

import pytest

from earful.ingest import ingest_file
from earful.metrics import metrics_table, next_contact_ready, refresh_next_contact
from earful.sim import simulate, write_simulation


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory):
    """A simulated fortnight split into two imports that interleave every customer's contacts."""
    out = tmp_path_factory.mktemp("sim")
    paths = write_simulation(simulate(days=14, seed=5, scale=0.3), out)
    lines = paths["interactions"].read_text(encoding="utf-8").splitlines()
    halves = [out / "a.jsonl", out / "b.jsonl"]
    halves[0].write_text("".join(f"{x}\n" for i, x in enumerate(lines) if i % 3 != 1), encoding="utf-8")
    halves[1].write_text("".join(f"{x}\n" for i, x in enumerate(lines) if i % 3 == 1), encoding="utf-8")
    return halves, len(lines)


def _expected_next(con) -> dict[str, dt.datetime | None]:
    """Each contact's next contact, computed in Python from the stored rows (independently of the SQL)."""
    rows = con.execute("SELECT id, customer_id, related_id, channel, direction, offered_at, answered_at, ended_at "
                       "FROM interactions").fetchall()
    by_customer: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for rid, cust, related, channel, direction, off, ans, end in rows:
        if cust is not None and related is None and channel != "survey" and (direction or "inbound") == "inbound":
            by_customer[cust].append((off or ans or end, rid))
    nxt: dict[str, dt.datetime | None] = {rid: None for rid, *_ in rows}
    for contacts in by_customer.values():
        contacts.sort()
        for (_, rid), (t_next, _) in zip(contacts, contacts[1:]):
            nxt[rid] = t_next
    return nxt


def _kept(con) -> dict[str, dt.datetime | None]:
    """The kept next contacts, after checking that ``is_contact`` is set on every row as defined."""
    rows = con.execute("SELECT id, is_contact, customer_id IS NOT NULL AND related_id IS NULL AND channel <> 'survey' "
                       "AND coalesce(direction, 'inbound') = 'inbound', next_contact_at FROM interactions").fetchall()
    assert all(kept is expected for _, kept, expected, _ in rows)
    return {rid: nxt for rid, _, _, nxt in rows}


def test_kept_next_contact_equals_the_window_across_interleaved_imports(fortnight, con):
    halves, n = fortnight
    ingest_file(con, halves[0], fmt="earful")
    assert next_contact_ready(con)
    assert _kept(con) == _expected_next(con)
    ingest_file(con, halves[1], fmt="earful")  # every customer's contacts now interleave two imports
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == n
    assert next_contact_ready(con)
    kept = _kept(con)
    assert kept == _expected_next(con)
    assert sum(v is not None for v in kept.values()) > 100  # real repeats, not all NULL


def test_metrics_read_the_column_and_agree_with_the_window(fortnight, con):
    halves, _ = fortnight
    for half in halves:
        ingest_file(con, half, fmt="earful")
    kw = [dict(by="day,queue"), dict(by="agent", fcr_days=3), dict(by="channel", start="2025-08-04", end="2025-08-08"),
          dict(by="day", queue="voice", fcr_days=1)]
    kept = [metrics_table(con, **k).to_pylist() for k in kw]
    assert any(r["fcr_rate"] is not None and 0 < r["fcr_rate"] < 1 for r in kept[0])
    # a row earful did not maintain (as one written with SQL): FCR falls back to the window, same answers
    con.execute("UPDATE interactions SET is_contact = NULL WHERE id = (SELECT min(id) FROM interactions)")
    assert not next_contact_ready(con)
    assert [metrics_table(con, **k).to_pylist() for k in kw] == kept
    assert refresh_next_contact(con) == 1 and next_contact_ready(con)
    con.execute("INSERT INTO interactions (id, source, source_id, channel) VALUES ('raw:1', 'raw', '1', 'email')")
    assert not next_contact_ready(con)


def test_the_next_import_repairs_rows_written_outside_it(fortnight, con, tmp_path):
    halves, _ = fortnight
    ingest_file(con, halves[0], fmt="earful")
    con.execute("UPDATE interactions SET next_contact_at = NULL, is_contact = NULL")  # as an old store would be
    assert not next_contact_ready(con)
    ingest_file(con, halves[1], fmt="earful")
    assert next_contact_ready(con)
    assert _kept(con) == _expected_next(con)

