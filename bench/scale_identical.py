"""Identical answers at the size of the demo: the demo's month enriched, QA-scored and with predicted
satisfaction by one process (`earful enrich --all --fast`, `earful qa run`, `earful surveys train` +
`predict`), then by Spark local[2] and by Daft from the lake `earful export --parquet` writes; every
column of every table the engines write is compared with the store's, floats within 1e-9.

    PYTHONPATH=src python bench/scale_identical.py [--days 30]

Prints one row per (engine, table): rows on each side, rows missing either way, and per column the
rows that differ (the largest float difference beside it).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TOL = 1e-9


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def reference(folder: Path, days: int, seed: int) -> Path:
    """The demo's store for ``days`` (its steps that touch these tables, in its order), and its lake."""
    from importlib.resources import files

    from earful.demo import _per_label
    from earful.ingest import ingest_file
    from earful.metrics.definitions import save_definitions
    from earful.nlp.enrich import enrich
    from earful.nlp.models import fit_topics, labelled_from_disposition, train_reasons
    from earful.quality.run import score_store
    from earful.scale.lake import export_lake
    from earful.sim import simulate, write_simulation
    from earful.store import connect
    from earful.surveys.predict import predict_store, train_store

    write_simulation(simulate(days=days, seed=seed), folder / "sim")
    con = connect(folder / "store.duckdb")
    ingest_file(con, folder / "sim" / "interactions.jsonl", "earful")
    save_definitions(con, (files("earful.metrics") / "examples" / "service.yaml").read_text(encoding="utf-8"))
    enrich(con, fast=True)
    texts, labels = _per_label(*labelled_from_disposition(con), 40)     # as the demo trains them
    train_reasons(con, texts, labels, source="disposition", embedding_weight=0.0)
    hi = con.execute("SELECT max(offered_at)::DATE FROM interactions").fetchone()[0]
    fit_topics(con, seed=seed, start=hi - timedelta(days=6), end=hi)
    enrich(con, all=True, fast=True)                 # `earful enrich --all --fast`, every model in place
    score_store(con)                                 # `earful qa run`
    train_store(con, seed=seed)                      # `earful surveys train`
    predict_store(con)                               # `earful surveys predict`
    export_lake(con, folder / "lake")
    con.close()
    return folder / "store.duckdb"


def compare(store: Path, out: Path, engine: str) -> list[str]:
    """Markdown rows: each table of ``out`` against the store's, column by column."""
    import duckdb

    from earful.scale.lake import TABLES
    from earful.scale.pipeline import OUTPUT_TABLES

    keys = {t.name: t.key for t in TABLES}
    con = duckdb.connect()
    con.execute(f"ATTACH '{store}' AS s (READ_ONLY)")
    rows = []
    for t in OUTPUT_TABLES:
        key = keys[t.name]
        cols = [n for n, _ in t.columns if n not in key]
        types = dict(con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 's' "
                                 f"AND table_name = '{t.name}'").fetchall())
        lake = f"read_parquet('{out}/{t.name}/**/*.parquet', hive_partitioning = true)"
        on = " AND ".join(f"a.{k} = b.{k}" for k in key)
        diff = []
        for c in cols:
            if types[c] == "DOUBLE":
                diff.append(f"count(*) FILTER (WHERE a.{c} IS DISTINCT FROM b.{c} AND NOT coalesce(abs(a.{c} - b.{c}) <= {TOL}, false))")
                diff.append(f"max(abs(a.{c} - b.{c}))")
            else:
                diff.append(f"count(*) FILTER (WHERE CAST(a.{c} AS VARCHAR) IS DISTINCT FROM CAST(b.{c} AS VARCHAR))")
        r = con.execute(f"SELECT (SELECT count(*) FROM s.{t.name}), (SELECT count(*) FROM {lake}), "
                        f"count(*) FILTER (WHERE b.{key[0]} IS NULL), count(*) FILTER (WHERE a.{key[0]} IS NULL), "
                        f"{', '.join(diff)} FROM s.{t.name} a FULL JOIN {lake} b ON {on}").fetchone()
        per, k = [], 4
        for c in cols:
            if types[c] == "DOUBLE":
                per.append(f"{c} {r[k]}" + (f" (max {r[k + 1]:.1e})" if r[k + 1] else ""))
                k += 2
            else:
                per.append(f"{c} {r[k]}")
                k += 1
        bad = sum(x for x in r[2:4]) + sum(int(p.split(" ")[1]) for p in per)
        rows.append(f"| {engine} | {t.name} | {r[0]:,} | {r[1]:,} | {r[2]} / {r[3]} | {', '.join(per)} | "
                    f"{'identical' if bad == 0 else 'DIFFERENT'} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30, help="simulated days (the demo's month: 30)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="spark,daft")
    a = ap.parse_args()
    from earful.scale.lake import lake_models

    folder = Path(tempfile.mkdtemp(prefix="earful-identical-"))
    c0, w0 = _cpu_s(), time.perf_counter()
    store = reference(folder, a.days, a.seed)
    print(f"reference (one process): {time.perf_counter() - w0:,.0f} s wall, {_cpu_s() - c0:,.0f} CPU s", file=sys.stderr)
    lake = str(folder / "lake")
    out = []
    for engine in a.engines.split(","):
        w0 = time.perf_counter()
        if engine == "spark":
            from earful.scale import spark

            s = spark.session("local[2]")
            n = spark.enrich_lake(s, lake, str(folder / "out-spark"), lake_models(lake, fast=True))
            s.stop()
        else:
            from earful.scale import daft

            n = daft.enrich_lake(lake, str(folder / "out-daft"), lake_models(lake, fast=True))
        print(f"{engine}: {n:,} interactions, {time.perf_counter() - w0:,.0f} s wall", file=sys.stderr)
        out += compare(store, folder / f"out-{engine}", "Spark local[2]" if engine == "spark" else "Daft")
    load = os.getloadavg()
    print(f"\n### Identical answers, the demo's month ({a.days} days, seed {a.seed}), fast redaction\n")
    print(f"Load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; files in {folder}.\n")
    print("| engine | table | rows (store) | rows (engine) | missing / extra | rows differing per column "
          f"(floats beyond {TOL:g}) | verdict |")
    print("|---|---|---:|---:|---:|---|---|")
    for r in out:
        print(r)
    return 0 if all(r.endswith("identical |") for r in out) else 1


if __name__ == "__main__":
    sys.exit(main())
