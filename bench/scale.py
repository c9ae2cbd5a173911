"""Benchmark: the enrichment's throughput per core on Spark local[1] and local[2] and on Daft,
beside the single-process path (`earful enrich --workers 1`), all in one run on the same contacts.

Run: PYTHONPATH=src python bench/scale.py [--days 3]
Prints a Markdown table (pasted into docs/bench/scale.md). CPU seconds count every process that
worked: this one, and for Spark its JVM and the Python workers under it, for Daft its worker
processes (read from /proc, plus children that ended), so the figures hold on a shared machine where wall time does not.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) of process ``root`` and every live descendant (Linux /proc)."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(f[1])
        cpu[int(d.name)] = (int(f[11]) + int(f[12])) / _TICK
    keep, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in keep]
        keep.update(kids)
        frontier.extend(kids)
    return sum(cpu.get(p, 0.0) for p in keep)


def _cpu_s() -> float:
    """CPU seconds of this process, its live descendants and the descendants that ended."""
    import resource

    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    return _tree_cpu_s(os.getpid()) + done.ru_utime + done.ru_stime


def _row(name: str, cores: int, n: int, wall: float, cpu: float, peer: float | None) -> str:
    per_cpu = n / cpu
    ratio = "" if peer is None else f"{per_cpu / peer:.2f}"
    return (f"| {name} | {cores} | {n:,} | {wall:,.1f} | {cpu:,.1f} | {per_cpu:,.0f} | {n / wall / cores:,.0f} | "
            f"{ratio} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=3, help="simulated days of the demo centre (seed 7)")
    a = ap.parse_args()

    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich
    from earful.scale.lake import export_lake, lake_enricher
    from earful.scale.pipeline import EnricherSpec
    from earful.sim import simulate, write_simulation
    from earful.store import connect

    tmp = Path(tempfile.mkdtemp(prefix="earful-scale-bench-"))
    write_simulation(simulate(days=a.days, seed=7), tmp / "sim")
    con = connect(tmp / "store.duckdb")
    ingest_file(con, tmp / "sim" / "interactions.jsonl", "earful")

    rows = []
    enrich(con, fast=True, workers=1)
    export_lake(con, tmp / "lake")
    lake = str(tmp / "lake")
    # Steady state everywhere: each path runs once to load its models (and Spark's JVM to compile
    # its code), then again on the clock.
    fitted = EnricherSpec.of(lake_enricher(lake, fast=True)).load()
    c0, w0 = _cpu_s(), time.perf_counter()
    n = enrich(con, all=True, workers=1, enricher=fitted)
    wall, cpu = time.perf_counter() - w0, _cpu_s() - c0
    peer = n / cpu
    rows.append(_row("one process (`earful enrich --workers 1`)", 1, n, wall, cpu, None))
    con.close()

    from earful.scale import spark as on_spark

    for cores in (1, 2):
        s = on_spark.session(f"local[{cores}]")
        jvm = s.sparkContext._gateway.proc.pid
        on_spark.enrich_lake(s, lake, str(tmp / f"out-spark{cores}"), lake_enricher(lake, fast=True))
        c0, w0 = _cpu_s(), time.perf_counter()
        m = on_spark.enrich_lake(s, lake, str(tmp / f"out-spark{cores}"), lake_enricher(lake, fast=True))
        wall = time.perf_counter() - w0
        cpu = _cpu_s() - c0
        assert jvm, "no JVM"
        s.stop()
        rows.append(_row(f"Spark local[{cores}] (mapInArrow)", cores, m, wall, cpu, peer))

    from earful.scale import daft as on_daft

    on_daft.enrich_lake(lake, str(tmp / "out-daft"), lake_enricher(lake, fast=True))
    c0, w0 = _cpu_s(), time.perf_counter()
    m = on_daft.enrich_lake(lake, str(tmp / "out-daft"), lake_enricher(lake, fast=True))
    wall, cpu = time.perf_counter() - w0, _cpu_s() - c0
    rows.append(_row("Daft (native runner)", os.cpu_count() or 1, m, wall, cpu, peer))

    load = os.getloadavg()
    print(f"\n### Enrichment throughput, {n:,} simulated contacts ({a.days} days, seed 7), fast redaction\n")
    print(f"Machine: {os.cpu_count()} cores; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.\n")
    print("| path | cores | contacts | wall s | CPU s | contacts per CPU-second | contacts per wall-second per core | "
          "per-CPU-second vs one process |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
