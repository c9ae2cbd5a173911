from __future__ import annotations

import duckdb
import pytest

from earful.errors import StoreError
from earful.store import MIGRATIONS, connect, schema_version


def test_migrations_apply_once_and_tables_exist(db_path):
    con = connect(db_path)
    assert schema_version(con) == max(n for n, _, _ in MIGRATIONS)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"interactions", "turns", "imports", "quarantine", "insights"} <= tables
    con.close()
    con = connect(db_path)  # re-open: nothing re-applied, nothing lost
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
    con.close()


def test_channel_check_refuses_unknown_channel(con):
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO interactions (id, source, source_id, channel) VALUES ('a:1','a','1','fax')")


def test_read_only_missing_store_is_a_user_error(tmp_path):
    with pytest.raises(StoreError, match="no earful store"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_not_a_database_is_a_user_error(tmp_path):
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        connect(bogus)


def test_a_migration_missing_below_the_highest_is_still_applied(db_path):
    """A store made by an earful that had migrations 1, 2 and 5 gets 3 and 4 when opened by a newer one."""
    from earful.store.schema import migrate

    con = connect(db_path)
    gap = sorted(n for n, _, _ in MIGRATIONS)[2]  # e.g. 003_enrichment
    name = next(nm for n, nm, _ in MIGRATIONS if n == gap)
    con.execute("DELETE FROM schema_migrations WHERE version = ?", [gap])
    tables_before = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    # drop what the migration created, so that re-applying it is observable
    sql = next(s for n, _, s in MIGRATIONS if n == gap)
    created = [t for t in tables_before if f"CREATE TABLE {t}" in sql or f"CREATE TABLE IF NOT EXISTS {t}" in sql]
    assert created, f"migration {gap} ({name}) creates no table this test can see"
    for t in created:
        con.execute(f"DROP TABLE {t} CASCADE")
    assert migrate(con) == [gap]
    tables_after = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(created) <= tables_after
    con.close()
