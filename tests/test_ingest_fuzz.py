"""Property: random byte flips never crash an import, lose a row silently or load a bad value."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _files import HEADER, call_row, write_mapping
from earful.errors import EarfulError
from earful.ingest import ingest_file
from earful.store import connect

N = 1000


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 60))
def test_byte_flipped_rows(tmp_path_factory, seed, flips):
    tmp = tmp_path_factory.mktemp("fuzz")
    rows = [call_row(i).encode() for i in range(N)]
    rng = random.Random(seed)
    touched = set()
    for _ in range(flips):
        i = rng.randrange(N)
        row = bytearray(rows[i])
        pos = rng.randrange(len(row))
        row[pos] = rng.randrange(256)
        rows[i] = bytes(row)
        touched.add(i)
    f = tmp / "flipped.csv"
    f.write_bytes(HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n")
    con = connect(tmp / "s.duckdb")
    try:
        r = ingest_file(con, f, "csv", write_mapping(tmp / "m.yaml"))
    except EarfulError:
        return  # a whole-file problem: a clear error and nothing written
    finally:
        pass
    loaded = con.execute("SELECT count(*) FROM interactions").fetchall()[0][0]
    assert loaded == r.loaded
    q = con.execute("SELECT count(*), count(*) FILTER (WHERE reason IS NULL OR reason = '') FROM quarantine").fetchall()[0]
    assert q == (r.quarantined, 0)
    # each flip can spoil its own row and at most one neighbour (a broken quote or newline)
    assert r.loaded >= N - 2 * len(touched)
    # nothing invalid got in
    bad = con.execute("SELECT count(*) FROM interactions WHERE channel <> 'voice' OR wait_s < 0 OR talk_s < 0 "
                      "OR abandoned IS NULL OR offered_at IS NULL").fetchall()[0][0]
    assert bad == 0
    con.close()
