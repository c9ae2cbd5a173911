"""Ingest benchmark: earful vs DuckDB's own read_csv on generated call-detail CSVs, 1 M and 5 M rows.

Each contender runs in its own child process (so peak memory is its own), on the same file,
in the same run, alternating, best of --repeat. Prints wall and CPU seconds of the import
itself (CPU: every thread of the process), rows/s, peak RSS, the ratios earful / DuckDB, and
the machine's load.

    python bench/ingest.py [--rows 1000000 5000000] [--repeat 3]
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
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 0.5), '%Y-%m-%d %H:%M:%S') AS offered_at,
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 0.5 + i % 97), '%Y-%m-%d %H:%M:%S') AS answered_at,
                     strftime(TIMESTAMP '2025-08-01' + to_seconds(i * 0.5 + i % 97 + 60 + i % 600), '%Y-%m-%d %H:%M:%S') AS ended_at,
                     i % 97 AS wait_s, 60 + i % 600 AS talk_s, i % 40 AS hold_s, i % 30 AS wrap_s,
                     (i % 11 = 0) AS abandoned, (i % 13 = 0) AS transferred, 'reason_' || (i % 77) AS disposition
              FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")


def _child(code: str, src: str | None = None) -> tuple[float, dict]:
    """Run code in a fresh interpreter (with another earful's ``src`` first on the path); return (peak RSS MiB, JSON)."""
    env = dict(os.environ, PYTHONPATH=src) if src else None
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {out}")
    return usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1])


_TIMED = """
import json, time
t, c = time.perf_counter(), time.process_time()
{body}
print(json.dumps({{"rows": ROWS, "wall": time.perf_counter() - t, "cpu": time.process_time() - c}}))
"""


def run(rows: int, repeat: int, tmp: Path, also: dict[str, str] | None = None) -> dict:
    csv_path, mapping = tmp / f"calls{rows}.csv", tmp / "calls.yaml"
    generate(csv_path, rows)
    mapping.write_text(MAPPING)
    duck = "import duckdb\ncon = duckdb.connect(DB); con.execute('SET enable_progress_bar=false')\n" + _TIMED.format(
        body=f"con.execute(\"CREATE TABLE calls AS SELECT * FROM read_csv({str(csv_path)!r})\")\n"
             "ROWS = con.execute('SELECT count(*) FROM calls').fetchall()[0][0]\ncon.close()")
    ear = "from earful.store import connect\nfrom earful.ingest import ingest_file\ncon = connect(DB)\n" + _TIMED.format(
        body=f"r = ingest_file(con, {str(csv_path)!r}, 'csv', {str(mapping)!r})\nROWS = r.loaded\ncon.close()")
    best: dict[str, tuple[float, dict]] = {}
    contenders = [("duckdb", duck, None), ("earful", ear, None)] + [(n, ear, src) for n, src in (also or {}).items()]
    for _ in range(repeat):  # alternate, fresh stores each time; keep each one's best run
        for name, code, src in contenders:
            for db in tmp.glob("*.duckdb*"):
                db.unlink()
            rss, out = _child(f"DB = {str(tmp / f'{name}.duckdb')!r}\n" + code, src)
            if name not in best or out["wall"] < best[name][1]["wall"]:
                best[name] = (rss, out)
    return {"rows": rows, "mib": csv_path.stat().st_size / 2**20, **best}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each contender, alternating; best kept")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=SRC",
                    help="another earful to run beside (its src/ folder), e.g. the previous release")
    args = ap.parse_args()
    also = dict(a.split("=", 1) for a in args.also)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load before: {os.getloadavg()[0]:.2f}")
    print(f"{'rows':>10} {'MiB':>5}  {'contender':<9}{'wall s':>8}{'CPU s':>8}{'rows/s':>12}{'peak RSS MiB':>14}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            res = run(rows, args.repeat, Path(tmp), also)
            results.append(res)
            for name in ("duckdb", "earful", *also):
                rss, out = res[name]
                print(f"{rows:>10,} {res['mib']:>5.0f}  {name:<9}{out['wall']:>8.2f}{out['cpu']:>8.2f}"
                      f"{out['rows'] / out['wall']:>12,.0f}{rss:>14,.0f}")
            d, e = res["duckdb"][1], res["earful"][1]
            print(f"{'':>17}ratio earful / DuckDB: wall {e['wall'] / d['wall']:.2f}x, CPU {e['cpu'] / d['cpu']:.2f}x "
                  f"(goal <= 1.3x)")
            for name in also:
                o = res[name][1]
                print(f"{'':>17}ratio {name} / DuckDB: wall {o['wall'] / d['wall']:.2f}x, CPU {o['cpu'] / d['cpu']:.2f}x")
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"peak RSS of earful at {last['rows']:,} / at {first['rows']:,} rows: "
              f"{last['earful'][0] / first['earful'][0]:.2f}x (DuckDB: {last['duckdb'][0] / first['duckdb'][0]:.2f}x)")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
