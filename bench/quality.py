"""Benchmark of quality and the customer's view on the demo month and on the hand-scored real set.

- speed: QA on 100 % of the demo month (every interaction with agent words), interactions per CPU
  second and per wall second, beside `earful enrich --fast` on a sample of the same contacts (the
  per-contact step it sits next to, same process), and on the real Twitter threads (unique words);
- planted behaviour: precision and recall of each planted QA item against truth.json;
- the rude agent: lowest on QA and on CSAT among voice agents;
- predicted satisfaction: AUC for dissatisfied and MAE on rated contacts the model never saw;
- agreement with people: kappa per item on the hand-scored real set (docs/qa-human-scores.csv),
  on the held-out split and on all; with --learn, the cross-validated kappa of learnt detectors.

Run: PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/quality.py [--store FILE] [--learn] [STEP ...]
(STEP: speed, planted, surveys, agreement). Prints Markdown (pasted into docs/bench/quality.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("EARFUL_SHARED_DATA", ROOT.parent / "shared" / "data"))
ARGS = sys.argv[1:]


def _arg(name: str) -> str | None:
    return ARGS[ARGS.index(name) + 1] if name in ARGS and ARGS.index(name) + 1 < len(ARGS) else None


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def demo_store(folder: Path) -> tuple[Path, dict]:
    """The demo month (30 days, seed 7) in a store, with the truth (reused when --store names one)."""
    from earful.ingest import ingest_file
    from earful.sim import simulate, write_simulation
    from earful.store import connect

    given = _arg("--store")
    db = Path(given) if given else folder / "month.duckdb"
    truth_path = db.with_suffix(".truth.json")
    if not db.exists() or not truth_path.exists():
        sim = simulate(days=30, seed=7)
        paths = write_simulation(sim, folder / "sim")
        con = connect(db)
        ingest_file(con, paths["interactions"], "earful")
        con.close()
        truth_path.write_text(paths["truth"].read_text(encoding="utf-8"), encoding="utf-8")
    return db, json.loads(truth_path.read_text(encoding="utf-8"))


def speed(db: Path, folder: Path) -> None:
    import pyarrow as pa

    from earful.nlp.enrich import Enricher, _PENDING
    from earful.quality import QualityScorer
    from earful.quality.run import batch_sql, score_store
    from earful.store import connect

    con = connect(db)
    n_all = con.execute("SELECT count(*) FROM interactions WHERE channel <> 'survey'").fetchone()[0]
    QualityScorer().fit().transform(con.sql(batch_sql(con) + " LIMIT 50").to_arrow_table())  # model loads, ONNX build
    c0, w0 = time.process_time(), time.perf_counter()
    n = score_store(con, all=True)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    sample = con.sql(_PENDING.format(where="") + " LIMIT 2000").to_arrow_table()
    enr = Enricher(fast=True).fit()
    enr.transform(sample.slice(0, 50))
    c1, w1 = time.process_time(), time.perf_counter()
    enr.transform(sample)
    e_cpu, e_wall = time.process_time() - c1, time.perf_counter() - w1
    con.close()
    print(f"\n### QA speed: 100 % of the demo month (load {_load()})\n")
    print("| what | interactions | CPU s | wall s | per CPU second | per wall second |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| `earful qa run --all` (default rubric, 11 items) | {n:,} of {n_all:,} | {cpu:.1f} | {wall:.1f} | "
          f"**{n / cpu:,.0f}** | {n / wall:,.0f} |")
    print(f"| peer: `earful enrich --fast` components, same process | {sample.num_rows:,} | {e_cpu:.1f} | {e_wall:.1f} | "
          f"{sample.num_rows / e_cpu:,.0f} | {sample.num_rows / e_wall:,.0f} |")
    print(f"\nQA per contact costs {(cpu / n) / (e_cpu / sample.num_rows):.2f}× the CPU of fast enrichment.")
    # real words: every Twitter thread of the slice, no template repeats
    from earful.ingest import ingest_file

    tw = folder / "twcs.duckdb"
    con = connect(tw)
    ingest_file(con, DATA / "twcs" / "twcs_first5000.csv", "twcs")
    table = con.sql(batch_sql(con)).to_arrow_table()
    con.close()
    scorer = QualityScorer().fit()
    scorer.transform(table.slice(0, 20))
    c2, w2 = time.process_time(), time.perf_counter()
    scorer.transform(table)
    t_cpu, t_wall = time.process_time() - c2, time.perf_counter() - w2
    print(f"\nReal Twitter threads ({table.num_rows:,}, every sentence new to the embedder): {table.num_rows / t_cpu:,.0f} "
          f"per CPU second, {table.num_rows / t_wall:,.0f} per wall second (load {_load()}).")


def planted(db: Path, truth: dict) -> None:
    from earful.metrics import metrics_table
    from earful.quality.run import score_store
    from earful.store import connect

    con = connect(db)
    score_store(con)
    rows = con.execute("""SELECT q.interaction_id, q.item, q.verdict FROM qa_items q JOIN interactions i
                          ON i.id = q.interaction_id WHERE i.channel IN ('voice', 'chat')""").fetchall()
    qa = truth["qa"]
    print(f"\n### Planted QA behaviour, demo month ({len({r[0] for r in rows}):,} calls and chats)\n")
    print("| item | planted fails | found | precision | recall |")
    print("|---|---:|---:|---:|---:|")
    for item in qa["items"]:
        want = {"sim:" + i for i in qa["failed"][item]}
        got = {i for i, it, v in rows if it == item and v == "fail"}
        tp = len(want & got)
        print(f"| {item} | {len(want):,} | {len(got):,} | {tp / max(len(got), 1):.3f} | {tp / max(len(want), 1):.3f} |")
    m = [r for r in metrics_table(con, by=("agent",), channel="voice").to_pylist() if r["agent"] and r["answered"] >= 30]
    qa_rank = sorted(m, key=lambda r: r["qa_score"])
    csat_rank = sorted([r for r in m if r["csat_avg"] is not None], key=lambda r: r["csat_avg"])
    low_qa = ", ".join("%s %.1f" % (r["agent"], r["qa_score"]) for r in qa_rank[:3])
    low_csat = ", ".join("%s %.2f" % (r["agent"], r["csat_avg"]) for r in csat_rank[:3])
    top = qa_rank[-1]
    print(f"\nLowest QA score among {len(m)} voice agents: {low_qa} (highest {top['agent']} {top['qa_score']:.1f}); "
          f"lowest CSAT: {low_csat}.")
    con.close()


def surveys(db: Path, truth: dict) -> None:
    import numpy as np

    from earful.nlp.enrich import enrich
    from earful.store import connect
    from earful.surveys.predict import auc, predict_store, train_store

    con = connect(db)
    enrich(con, fast=True)
    t0 = time.perf_counter()
    _, r = train_store(con, seed=7)
    n = predict_store(con)
    took = time.perf_counter() - t0
    lat = truth["satisfaction"]["latent"]
    rated = con.execute("SELECT related_id, avg(csat) FROM interactions WHERE channel = 'survey' AND csat IS NOT NULL "
                        "AND related_id IS NOT NULL GROUP BY 1").fetchall()
    y = np.array([c <= 2 for _, c in rated], dtype=int)
    oracle = auc(y, [-lat[i.split(":", 1)[1]] for i, _ in rated])
    con.close()
    print(f"\n### Predicted satisfaction, demo month (load {_load()})\n")
    print(f"- learnt from {r.trained_on:,} rated contacts ({r.dissatisfied} dissatisfied, CSAT 1–2); "
          f"{r.folds}-fold cross-validation, each contact predicted by a model that never saw it")
    print(f"- AUC for dissatisfied **{r.auc:.3f}** (95 % bootstrap {r.auc_low:.3f}–{r.auc_high:.3f}); the simulator's "
          f"own latent score, noise-free, would reach {oracle:.3f} (the ceiling)")
    print(f"- MAE {r.mae:.3f} CSAT points (always the median: {r.mae_baseline:.3f}); RMSE {r.rmse:.3f} (always the mean: "
          f"{r.rmse_baseline:.3f}); Pearson r {r.correlation:.2f}; Brier {r.brier:.4f}")
    print("- calibration (fifths by prediction): " + "; ".join(f"{c['predicted']:.1%} predicted / {c['observed']:.1%} observed"
                                                               for c in r.calibration))
    print(f"- train and predict {n:,} contacts: {took:.1f} s wall")


def agreement(folder: Path) -> None:
    from earful.ingest import ingest_file
    from earful.ingest.load import save_limits
    from earful.nlp.enrich import enrich
    from earful.quality.calibration import agreement as agree, agreement_markdown, import_evaluations, learn
    from earful.quality.run import score_store
    from earful.store import connect

    scores = ROOT / "docs" / "qa-human-scores.csv"
    ids = sorted({r["interaction"] for r in csv.DictReader(scores.open(encoding="utf-8"))})
    test = [i for i in ids if hashlib.sha1(i.encode()).hexdigest()[0] in "01234567"]
    db = folder / "real.duckdb"
    con = connect(db)
    save_limits(con, {"action": "warn"})  # one hand-scored thread answers a six-year-old tweet: keep it
    ingest_file(con, DATA / "abcd" / "abcd_sample.json", "abcd")
    ingest_file(con, DATA / "twcs" / "twcs_first5000.csv", "twcs")
    enrich(con, fast=True)
    score_store(con, ids=ids)
    import_evaluations(con, scores)
    for name, part in (("held-out split (never looked at while the detectors were written)", test), ("all", ids)):
        print(f"\n### Agreement with the hand scores: {name}, {len(part)} conversations\n")
        print(agreement_markdown(agree(con, ids=part)))
    _phrases_only(con, ids, test)
    if "--learn" in ARGS:
        print("\n### Learnt detectors (5-fold cross-validation over all 153 conversations)\n")
        print("| item | human scores | rule kappa | learnt kappa (out of fold) | kept |")
        print("|---|---:|---:|---:|---|")
        for r in learn(con):
            f = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
            print(f"| {r.item} | {r.n} | {f(r.rule_kappa)} | {f(r.learnt_kappa)} | {'yes' if r.kept else r.reason} |")
    con.close()


def _phrases_only(con, ids: list[str], test: list[str]) -> None:
    """Agreement when every `examples` list is dropped from the default rubric (phrases only, the fast
    rubric on real text), beside the default's, for the items that had examples."""
    import yaml

    from earful.quality.calibration import agreement as agree
    from earful.quality.rubric import default_rubric, parse_rubric
    from earful.quality.run import score_store

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "examples"}
        return [strip(v) for v in node] if isinstance(node, list) else node

    base = default_rubric()
    doc = yaml.safe_load(base.text)
    fast = parse_rubric(yaml.safe_dump(strip(doc), sort_keys=False, allow_unicode=True), "phrases only")
    before = {part: {a.item: a for a in agree(con, ids=p).items} for part, p in (("held-out", test), ("all", ids))}
    score_store(con, fast, all=True, ids=ids)
    after = {part: {a.item: a for a in agree(con, fast, ids=p).items} for part, p in (("held-out", test), ("all", ids))}
    f = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
    print("\n### Phrases only (every `examples` list dropped): kappa beside the default rubric's\n")
    print("| item | held-out: default | held-out: phrases only | all: default | all: phrases only |")
    print("|---|---:|---:|---:|---:|")
    for item in ("empathy", "recording_notice"):
        print(f"| {item} | {f(before['held-out'][item].kappa)} | {f(after['held-out'][item].kappa)} | "
              f"{f(before['all'][item].kappa)} | {f(after['all'][item].kappa)} |")
    score_store(con, all=True, ids=ids)  # back to the default rubric's verdicts


def main() -> None:
    steps = [a for a in ARGS if a in ("speed", "planted", "surveys", "agreement")] or ["speed", "planted", "surveys", "agreement"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"machine: {os.cpu_count()} cores, load {_load()} at start")
        if {"speed", "planted", "surveys"} & set(steps):
            db, truth = demo_store(folder)
        if "speed" in steps:
            speed(db, folder)
        if "planted" in steps:
            planted(db, truth)
        if "surveys" in steps:
            surveys(db, truth)
        if "agreement" in steps:
            agreement(folder)


if __name__ == "__main__":
    main()
