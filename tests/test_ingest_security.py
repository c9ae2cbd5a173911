"""What a mapping can make earful do: read the file, never the store.

The attack that worked: a time format whose quote closed the string literal of a reason and
went on to read ``web_users`` into the quarantine. A Java-style format with quotes must work
(or be refused in one line), and ``sql:`` expressions are limited to the file's columns.
"""

from __future__ import annotations

import pytest

from _files import HEADER, MAPPING, call_row
from earful.errors import ConfigError, EarfulError
from earful.ingest import ingest_file
from earful.store import connect
from earful.web.auth import add_user

SECRET = "argon2-hash-nobody-may-read"


@pytest.fixture()
def store(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    add_user(con, "admin", "a long enough password", "admin")
    con.execute("UPDATE web_users SET password_hash = ?", [SECRET])
    yield con
    con.close()


def _file(tmp_path, rows, header=HEADER):
    f = tmp_path / "calls.csv"
    f.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    return f


def _leaks(con) -> int:
    return con.execute("SELECT count(*) FROM (SELECT reason || coalesce(raw, '') AS t FROM quarantine UNION ALL "
                       "SELECT CAST(i AS VARCHAR) FROM interactions i) WHERE t LIKE ?", [f"%{SECRET}%"]).fetchall()[0][0]


def test_a_crafted_time_format_cannot_read_the_store(store, tmp_path):
    rows = [call_row(i) for i in range(3)] + [call_row(3).replace("2025-08-04 11:03:00", "not a time")]
    fmt = "%Y-%m-%d %H:%M:%S' || (SELECT min(password_hash) FROM web_users) || '"
    m = tmp_path / "m.yaml"
    m.write_text(MAPPING.replace('"%Y-%m-%d %H:%M:%S"', '"' + fmt.replace('"', '\\"') + '"'), encoding="utf-8")
    try:
        ingest_file(store, _file(tmp_path, rows), "csv", m)
    except EarfulError as exc:
        assert "\n" not in str(exc)
    assert _leaks(store) == 0


def test_a_java_style_format_with_quotes_works(store, tmp_path):
    rows = [call_row(i).replace(" 0", "T0").replace(" 1", "T1") for i in range(4)]
    for k, fmt in enumerate(("%Y-%m-%d'T'%H:%M:%S", "'%Y-%m-%d'T'%H:%M:%S'", "yyyy-MM-dd'T'HH:mm:ss")):
        m = tmp_path / "m.yaml"
        m.write_text(MAPPING.replace('"%Y-%m-%d %H:%M:%S"', '"' + fmt + '"').replace("source: pbx", f"source: s{k}"))
        r = ingest_file(store, _file(tmp_path, rows), "csv", m)
        assert (r.loaded, r.quarantined) == (4, 0), fmt
    got = store.execute("SELECT DISTINCT CAST(offered_at AS VARCHAR) FROM interactions WHERE source_id = 'C000001'").fetchall()
    assert got == [("2025-08-02 09:01:00",)]


@pytest.mark.parametrize("fmt,why", [("%Y-%m-%d'T%H:%M:%S", "never closes"), ("%Y-%Q", "not a strptime pattern"),
                                     ("dd/mm/yyyy", "MM for the month"), ("yyyy-mm-dd HH:mm", "MM for the month")])
def test_a_format_that_cannot_work_is_refused_in_one_line(store, tmp_path, fmt, why):
    m = tmp_path / "m.yaml"
    m.write_text(MAPPING.replace('"%Y-%m-%d %H:%M:%S"', '"' + fmt + '"'))
    with pytest.raises(ConfigError, match=why) as err:
        ingest_file(store, _file(tmp_path, [call_row(1)]), "csv", m)
    assert "line 7" in str(err.value) and "\n" not in str(err.value)
    assert store.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0


def test_sql_expressions_read_only_the_file(store, tmp_path):
    ok = MAPPING.replace("queue: queue", "queue: {sql: \"upper(queue) || '-' || agent\"}")
    m = tmp_path / "m.yaml"
    m.write_text(ok)
    r = ingest_file(store, _file(tmp_path, [call_row(1)]), "csv", m)
    assert r.loaded == 1
    assert store.execute("SELECT queue FROM interactions").fetchall() == [("Q1-A1",)]
    for expr in ("(SELECT min(password_hash) FROM web_users)", "read_text('/etc/hostname')", "current_setting('threads')",
                 "queue FROM web_users --", "list_transform([1], x -> x)"):
        m.write_text(MAPPING.replace("queue: queue", "queue: {sql: '" + expr.replace("'", "''") + "'}"))
        with pytest.raises(ConfigError, match=r"line \d+: `queue.sql`"):
            ingest_file(store, _file(tmp_path, [call_row(2)]), "csv", m)
    assert _leaks(store) == 0
