"""A real `earful ingest` process killed mid-import leaves nothing behind; a rerun loads all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from _files import canonical_record, write_jsonl
from earful.store import connect

N = 100_000


def test_kill_mid_import_leaves_no_partial_batch(tmp_path):
    data = write_jsonl(tmp_path / "big.jsonl", [canonical_record(i) for i in range(N)])
    db = tmp_path / "s.duckdb"
    connect(db).close()
    cmd = [sys.executable, "-m", "earful.cli", "ingest", str(data), "--format", "earful", "--verbose", "--db", str(db)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    staged = None
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if line.startswith("staged "):
            staged = int(line.split()[1])
            break
    assert staged is not None and 0 < staged < N, "the import should be killed after a first batch"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    con = connect(db)
    assert con.execute("SELECT count(*) FROM interactions").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM turns").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0
    con.close()
    done = subprocess.run(cmd[:-1] + [str(db)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    con = connect(db)
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM interactions").fetchall()[0] == (N, N)
    assert con.execute("SELECT count(*) FROM turns").fetchall()[0][0] == 2 * N
