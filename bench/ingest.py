"""Ingest benchmark: earful vs DuckDB's own read_csv on a generated call-detail CSV.

Each contender runs in its own child process (so peak memory is its own), same file,
same machine, in the same run. Prints rows/s, wall seconds, peak RSS and the ratio.

    python bench/ingest.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAPPING = """\
source: pbx
fields:
  source_id: call_id
  channel: {value: voice}
  queue: queue
  agent_id: agent
  offered_at: {column: offered_at, format: "%Y-%m-%d %H:%M:%S"}
  answered_at: {column: answered_at, format: "%Y-%m-%d %H:%M:%S"}
  ended_at: {column: ended_at, format: "%Y-%m-%d %H:%M:%S"}
  wait_s: wait_s
  talk_s: talk_s
  hold_s: hold_s
  wrap_s: wrap_s
  abandoned: abandoned
  transferred: transferred
  disposition: disposition
"""


def generate(path: Path, rows: int) -> None:
    """A realistic call-detail CSV written by DuckDB (fast, deterministic)."""
    import duckdb

    duckdb.connect().execute(f"""
        COPY (SELECT 'C' || lpad(i::VARCHAR, 9, '0') AS call_id, 'Q' || (i % 12) AS queue, 'A' || (i % 400) AS agent,
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 2.6), '%Y-%m-%d %H:%M:%S') AS offered_at,
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 2.6 + i % 97), '%Y-%m-%d %H:%M:%S') AS answered_at,
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 2.6 + i % 97 + 60 + i % 600), '%Y-%m-%d %H:%M:%S') AS ended_at,
                     i % 97 AS wait_s, 60 + i % 600 AS talk_s, i % 40 AS hold_s, i % 30 AS wrap_s,
                     (i % 11 = 0) AS abandoned, (i % 13 = 0) AS transferred, 'reason_' || (i % 77) AS disposition
              FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")


def _child(code: str) -> tuple[float, float, dict]:
    """Run code in a fresh interpreter; return (wall s, peak RSS MiB, printed JSON)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {out}")
    return wall, usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each contender, alternating; best kept")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path, mapping = tmp / "calls.csv", tmp / "calls.yaml"
        generate(csv_path, args.rows)
        mapping.write_text(MAPPING)
        size_mb = csv_path.stat().st_size / 2**20
        duck_code = f"""
import duckdb, json, time
con = duckdb.connect({str(tmp / 'duck.duckdb')!r}); con.execute("SET enable_progress_bar=false")
t = time.perf_counter()
con.execute("CREATE TABLE calls AS SELECT * FROM read_csv({str(csv_path)!r})")
print(json.dumps({{"rows": con.execute("SELECT count(*) FROM calls").fetchall()[0][0], "s": time.perf_counter() - t}}))
"""
        ear_code = f"""
import json, time
from earful.store import connect
from earful.ingest import ingest_file
con = connect({str(tmp / 'earful.duckdb')!r})
t = time.perf_counter()
r = ingest_file(con, {str(csv_path)!r}, "csv", {str(mapping)!r})
print(json.dumps({{"rows": r.loaded, "quarantined": r.quarantined, "skipped": r.skipped, "s": time.perf_counter() - t}}))
"""
        duck = ear = again = None
        for _ in range(args.repeat):  # alternate, fresh stores each time; keep each one's best run
            for db in tmp.glob("*.duckdb*"):
                db.unlink()
            d, e = _child(duck_code), _child(ear_code)
            duck = d if duck is None or d[2]["s"] < duck[2]["s"] else duck
            ear = e if ear is None or e[2]["s"] < ear[2]["s"] else ear
            a = _child(ear_code)
            again = a if again is None or a[2]["s"] < again[2]["s"] else again
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MiB CSV; best of {args.repeat} alternating runs each")
    print(f"{'contender':<34}{'seconds':>9}{'rows/s':>13}{'peak RSS MiB':>14}")
    for name, (wall, rss, out) in (("DuckDB read_csv -> table", duck), ("earful ingest (validate+quarantine)", ear)):
        print(f"{name:<34}{out['s']:>9.2f}{out['rows'] / out['s']:>13,.0f}{rss:>14.0f}")
    print(f"ratio earful / DuckDB: {ear[2]['s'] / duck[2]['s']:.2f}x  (goal <= 2x)")
    print(f"re-import of the same file (decide 'nothing new'): {again[2]['s']:.2f} s, "
          f"skipped {again[2]['skipped']:,}, loaded {again[2]['rows']}")


if __name__ == "__main__":
    main()
