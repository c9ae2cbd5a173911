"""Property: no string in a mapping file reaches SQL as code.

Quotes, semicolons, comment markers and SQL fragments go into every field of a mapping (the
source name, column names, formats, zones, value maps, `sql:`, metadata, delimiter, limits).
Whatever happens — a one-line refusal or an import — the store's other tables are untouched
and a secret kept in them (a password hash, a file's contents) never shows up in what the
import wrote.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from _files import HEADER, call_row
from earful.errors import EarfulError
from earful.ingest import ingest_file
from earful.ingest.load import hash_key
from earful.store import connect

SECRET = "s3cr3t-hash-that-must-stay-put"
PAYLOADS = [
    "'", '"', "';", "'; DROP TABLE web_users; --", "' || (SELECT password_hash FROM web_users) || '",
    "*/", "/*", "--", "#", "; SELECT 1", "'' OR 1=1 --", "%Y'); COPY web_users TO 'x.csv'; --",
    "read_text('SECRETFILE')", "(SELECT password_hash FROM web_users)", "\\", "\\'", "\n", "\x00", "$$", "${x}",
    "getenv('HOME')", "queue'", 'queue"', "%Y-%m-%d'T'%H:%M:%S", "yyyy-MM-dd'T'HH:mm:ss", "UTC'", "Europe/London",
]
hostile = st.one_of(st.sampled_from(PAYLOADS),
                    st.text(alphabet=st.sampled_from(list("'\";-/*#%\\ \nabcQ()|$`{}=")), min_size=1, max_size=24))
SLOTS = ("source", "timezone", "delimiter", "encoding", "queue_column", "format", "sql", "value_key", "value_val",
         "metadata", "constant", "limit_date", "hash_column")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from earful.web.auth import add_user

    folder = tmp_path_factory.mktemp("mapfuzz")
    con = connect(folder / "s.duckdb")
    add_user(con, "admin", "a long enough password", "admin")
    con.execute("UPDATE web_users SET password_hash = ?", [SECRET])
    hash_key(con)  # the store's hashing key exists, so that settings must not change at all
    secret_file = folder / "secret.txt"
    secret_file.write_text(SECRET + "-file")
    data = folder / "calls.csv"
    data.write_text("\n".join([HEADER] + [call_row(i) for i in range(20)]) + "\n")
    yield con, folder, data, secret_file
    con.close()


def _mapping(slot: str, payload: str, secret_file: str) -> str:
    payload = payload.replace("SECRETFILE", secret_file)
    fields: dict = {"source_id": "call_id", "channel": {"value": "voice"}, "queue": "queue", "agent_id": "agent",
                    "offered_at": {"column": "offered_at", "format": "%Y-%m-%d %H:%M:%S"}, "wait_s": "wait_s",
                    "abandoned": "abandoned"}
    top: dict = {"source": "fuzz", "fields": fields}
    if slot in ("source", "timezone", "delimiter", "encoding"):
        top[slot] = payload
    elif slot == "queue_column":
        fields["queue"] = payload
    elif slot == "format":
        fields["offered_at"]["format"] = payload
    elif slot == "sql":
        fields["queue"] = {"sql": payload}
    elif slot == "value_key":
        fields["abandoned"] = {"column": "abandoned", "values": {payload: True, "false": False}}
    elif slot == "value_val":
        fields["disposition"] = {"column": "queue", "values": {"Q1": payload}}
    elif slot == "metadata":
        top["metadata"] = [payload]
    elif slot == "constant":
        fields["language"] = {"value": payload}
    elif slot == "limit_date":
        top["limits"] = {"date_from": payload}
    elif slot == "hash_column":
        fields["customer_id"] = {"column": payload, "hash": True}
    return yaml.safe_dump(top, allow_unicode=True)


def _others(con) -> tuple:
    return tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(CAST(x AS VARCHAR))), 0) FROM {t} x").fetchall()[0]
                 for t in ("web_users", "web_sessions", "web_tokens", "settings", "schema_migrations"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slot=st.sampled_from(SLOTS), payload=hostile)
def test_hostile_strings_in_every_mapping_field(store, slot, payload):
    con, folder, data, secret_file = store
    text = _mapping(slot, payload, str(secret_file))
    mapping = folder / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    before = _others(con)
    counts = con.execute("SELECT (SELECT count(*) FROM interactions), (SELECT count(*) FROM quarantine), "
                         "(SELECT count(*) FROM imports)").fetchall()[0]
    try:
        ingest_file(con, data, "csv", mapping)
    except EarfulError as exc:
        assert "\n" not in str(exc)
        after = con.execute("SELECT (SELECT count(*) FROM interactions), (SELECT count(*) FROM quarantine), "
                            "(SELECT count(*) FROM imports)").fetchall()[0]
        assert after == counts, "a refused mapping wrote something"
    assert _others(con) == before
    leaked = con.execute(
        "SELECT count(*) FROM (SELECT reason || coalesce(raw, '') AS t FROM quarantine UNION ALL "
        "SELECT concat_ws('|', id, source, queue, agent_id, customer_id, disposition, language, CAST(metadata AS VARCHAR)) "
        "FROM interactions) WHERE t LIKE ?", [f"%{SECRET}%"]).fetchall()[0][0]
    assert leaked == 0
    assert con.execute("SELECT count(*) FROM web_users WHERE password_hash = ?", [SECRET]).fetchall()[0][0] == 1
