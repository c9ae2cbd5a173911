"""Benchmark: the enrichment's throughput per core on Spark local[1] and local[2] and on Daft,
beside the single-process path (`earful enrich --workers 1`), all in one run on the same contacts.

Run: PYTHONPATH=src python bench/scale.py [--days 100] [--paths one,spark2]
Prints a Markdown table (pasted into docs/bench/scale.md). CPU seconds count every process that
worked, read from /proc (a live process's own time plus that of its children that ended), split
into this process (the driver), Spark's JVM, Spark's Python workers (every process under the JVM)
and any other descendant (Daft's native runner works in this process's threads: driver), so the figures hold on a shared machine where wall time
does not. The temporary store and lake are removed at the end."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, float]]:
    """Every live process: pid -> (parent pid, own CPU s, CPU s of its children that ended)."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(d.name)] = (int(f[1]), (int(f[11]) + int(f[12])) / _TICK, (int(f[13]) + int(f[14])) / _TICK)
    return out


def _tree(procs: dict[int, tuple[int, float, float]], root: int) -> set[int]:
    keep, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, v in procs.items() if v[0] == p and c not in keep]
        keep.update(kids)
        frontier.extend(kids)
    return keep


def _cpu_s(jvm: int | None = None) -> dict[str, float]:
    """CPU seconds (user + system) by who spent them: ``driver`` (this process), ``jvm`` (Spark's
    JVM, all its threads), ``workers`` (the JVM's descendants: Spark's Python daemon and workers;
    ``other``: any other descendant of this process, e.g. Daft's or the pool's workers). A live
    process counts its own time and that of its children that ended (reaped), so a worker that
    exits is still counted, once."""
    procs = _processes()
    me = os.getpid()
    mine = _tree(procs, me)
    under_jvm = _tree(procs, jvm) - {jvm} if jvm in procs else set()
    own = procs[me][1]
    jvm_s = procs[jvm][1] if jvm in procs else 0.0
    workers = sum(procs[p][1] + procs[p][2] for p in under_jvm)
    # this process's ended children (a stopped JVM included) and every other live descendant
    other = procs[me][2] + sum(procs[p][1] + procs[p][2] for p in mine - under_jvm - {me, jvm})
    return {"driver": own, "jvm": jvm_s, "workers": workers, "other": other}


def _spent(c0: dict[str, float], c1: dict[str, float]) -> dict[str, float]:
    return {k: c1[k] - c0[k] for k in c0}


def _row(name: str, cores: int, n: int, wall: float, cpu: dict[str, float], peer: float | None) -> str:
    total = sum(cpu.values())
    per_cpu = n / total
    ratio = "" if peer is None else f"{per_cpu / peer:.2f}"
    split = " / ".join(f"{cpu[k]:,.1f}" for k in ("driver", "jvm", "workers", "other"))
    return (f"| {name} | {cores} | {n:,} | {wall:,.1f} | {total:,.1f} | {split} | {per_cpu:,.0f} | "
            f"{n / wall / cores:,.0f} | {ratio} |")


PATHS = ("one", "spark1", "spark2", "daft")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=3, help="simulated days of the demo centre (seed 7)")
    ap.add_argument("--paths", default=",".join(PATHS),
                    help=f"which paths to run, of {','.join(PATHS)} (the single process always runs: it is the peer)")
    a = ap.parse_args()
    paths = set(a.paths.split(","))

    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich
    from earful.scale.lake import export_lake, lake_enricher
    from earful.scale.pipeline import EnricherSpec
    from earful.sim import simulate, write_simulation
    from earful.store import connect

    with tempfile.TemporaryDirectory(prefix="earful-scale-bench-") as d:
        tmp = Path(d)
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
        wall, cpu = time.perf_counter() - w0, _spent(c0, _cpu_s())
        peer = n / sum(cpu.values())
        rows.append(_row("one process (`earful enrich --workers 1`)", 1, n, wall, cpu, None))
        con.close()

        from earful.scale import spark as on_spark

        for cores in (1, 2):
            if f"spark{cores}" not in paths:
                continue
            s = on_spark.session(f"local[{cores}]")
            jvm = s.sparkContext._gateway.proc.pid
            out = str(tmp / f"out-spark{cores}")
            on_spark.enrich_lake(s, lake, out, lake_enricher(lake, fast=True))
            c0, w0 = _cpu_s(jvm), time.perf_counter()
            m = on_spark.enrich_lake(s, lake, out, lake_enricher(lake, fast=True))
            wall, cpu = time.perf_counter() - w0, _spent(c0, _cpu_s(jvm))
            s.stop()
            rows.append(_row(f"Spark local[{cores}] (mapInArrow)", cores, m, wall, cpu, peer))

        if "daft" in paths:
            from earful.scale import daft as on_daft

            on_daft.enrich_lake(lake, str(tmp / "out-daft"), lake_enricher(lake, fast=True))
            c0, w0 = _cpu_s(), time.perf_counter()
            m = on_daft.enrich_lake(lake, str(tmp / "out-daft"), lake_enricher(lake, fast=True))
            wall, cpu = time.perf_counter() - w0, _spent(c0, _cpu_s())
            rows.append(_row("Daft (native runner)", os.cpu_count() or 1, m, wall, cpu, peer))

    load = os.getloadavg()
    print(f"\n### Enrichment throughput, {n:,} simulated contacts ({a.days} days, seed 7), fast redaction\n")
    print(f"Machine: {os.cpu_count()} cores; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.\n")
    print("| path | cores | contacts | wall s | CPU s | of which driver / JVM / Spark's Python workers / other | "
          "contacts per CPU-second | contacts per wall-second per core | per-CPU-second vs one process |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
