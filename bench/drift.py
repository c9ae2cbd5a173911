"""Emerging issues through the user's path: days from onset to detection of planted gradual rises,
spikes and new reasons, and false alarms per month, on simulator months.

Per seed: simulate a month with planted events → ingest → enrich (--fast) → train the reason
classifier from 10 dispositions per reason (what a centre labels by hand; `--embeddings` adds the
sentence encoder: the model `reasons train` fits by default, which `reasons assign` classifies with
(one encoder pass over the month, vectors stored); default n-grams only) and assign every contact's
reason with it → find_insights, counting labels and (``reason_counts: posterior``) posteriors.
In the same run, on the same store: the same detector on the true reasons (the dispositions), the
window tests alone (trend test off) on both, and a controlled test that knows the planted reason
and its onset (the window from the onset and the trend test from the onset, each at fdr/2); and the
classifier's recall and precision on the rising reason.

    PYTHONPATH=src nice -n 10 python bench/drift.py --embeddings --seeds 201 202 203 204 205 206 207 208 209 210

(runs split over several processes: `--table a.log b.log` prints the table of their JSON lines;
`--save-counts DIR` keeps each month's count matrices and `--replay DIR/*.npz` runs the detector on
them again: true reasons, labels, top-1 without the "unknown" threshold, posteriors.)

Seeds 7, 11 and 23 (bench/insights.py, docs) and 1-3 were used while choosing the trend test's
onsets and weight; report other seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy import stats

from earful.ingest import ingest_file
from earful.insights import InsightsConfig, find_insights
from earful.insights._data import build_contacts
from earful.insights.emerging import _baseline, daily_counts, posterior_counts, trend_p
from earful.nlp.enrich import enrich
from earful.nlp.models import assign_reasons, labelled_from_disposition, reason_posteriors, train_reasons
from earful.store import connect

KINDS = ("drift", "spike", "new_reason")


def month_store(seed: int, work: Path) -> tuple[Path, dict]:
    """A simulated, ingested and enriched month and its truth."""
    from earful.sim import simulate, write_simulation

    out = work / f"sim{seed}"
    write_simulation(simulate(days=30, seed=seed, start=date(2025, 8, 1)), out)
    db = work / f"s{seed}.duckdb"
    con = connect(db)
    ingest_file(con, out / "interactions.jsonl", fmt="earful")
    enrich(con, fast=True, workers=1)
    con.close()
    return db, json.loads((out / "truth.json").read_text())


def delays(found, truth) -> dict:
    """Days from each planted event's onset to its first emerging-issue alarm (1 = the onset day),
    and the alarms on reasons where nothing was planted."""
    events = {e["reason"]: e for e in truth["events"]}
    em = [i for i in found if i.kind == "emerging_issue"]
    res = {"false_alarms": sum(i.reason not in events for i in em),
           "false_reasons": sorted(i.reason for i in em if i.reason not in events)}
    for reason, e in events.items():
        start = date.fromisoformat(e["start"])
        hits = sorted(h for h in (date.fromisoformat(i.metrics["first_day"]) for i in em if i.reason == reason)
                      if h >= start)
        res[e["kind"]] = (hits[0] - start).days + 1 if hits else None
    return res


def _from_onset(counts: np.ndarray, total: np.ndarray, weekdays: np.ndarray, o: int, baseline_days: int
                ) -> np.ndarray:
    """Reasons × days p-values of the tests that know the onset `o`: the beta-binomial window from `o`
    to the day and the trend test from `o`, the smaller of the two × 2 (1 before the onset)."""
    q, kappa, _ = _baseline(counts, total, o, baseline_days)
    p = np.ones(counts.shape)
    for t in range(o, counts.shape[1]):
        x, n = counts[:, o:t + 1].sum(1), total[o:t + 1].sum()
        p_win = stats.betabinom.sf(x - 1, n, q * kappa, (1 - q) * kappa)
        p_trend = trend_p(counts, total, weekdays, o, t, baseline_days)[0] if t > o else np.ones_like(p_win)
        p[:, t] = np.minimum(1.0, 2 * np.minimum(p_win, p_trend))
    return p


def controlled(counts: np.ndarray, days: list[date], reasons: list[str], truth: dict, *, fdr: float,
               baseline_days: int, first: int) -> tuple[dict, dict]:
    """The oracles: per planted reason, the first day (1 = onset) that a test knowing the onset rejects.
    (1) at the detector's false-alarm control: the onset-aware test on every reason, one
    Benjamini–Hochberg family over every reason and day of the month (days from `first`) like the
    detector's; (2) the same test on the planted reason alone at level fdr (a lower bound that would
    raise about fdr × reasons × days false alarms a month if run on every reason)."""
    total = counts.sum(0)
    weekdays = np.array([d.weekday() for d in days])
    n_tests = counts.shape[0] * int((total[first:] > 0).sum())
    same, single = {}, {}
    for e in truth["events"]:
        same[e["kind"]] = single[e["kind"]] = None
        if e["reason"] not in reasons:
            continue
        r, o = reasons.index(e["reason"]), days.index(date.fromisoformat(e["start"]))
        p = _from_onset(counts, total, weekdays, o, baseline_days)
        srt = np.sort(np.concatenate([p[:, o:].ravel(), np.ones(max(n_tests - p[:, o:].size, 0))]))
        ok = np.nonzero(srt <= fdr * np.arange(1, srt.size + 1) / srt.size)[0]
        cut = srt[ok.max()] if ok.size else 0.0
        hits = np.nonzero(p[r, o:] <= cut)[0]
        same[e["kind"]] = int(hits[0]) + 1 if hits.size else None
        hits = np.nonzero(p[r, o:] <= fdr)[0]
        single[e["kind"]] = int(hits[0]) + 1 if hits.size else None
    return same, single


def ten_a_reason(con, seed: int) -> tuple[list[str], list[str]]:
    """10 labelled contacts per reason (all of a reason with fewer), drawn at random with `seed`."""
    texts, labels = labelled_from_disposition(con)
    rng = np.random.default_rng(seed)
    by: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by.setdefault(lab, []).append(i)
    pick = sorted(int(j) for ix in by.values() for j in rng.choice(ix, min(10, len(ix)), replace=False))
    return [texts[i] for i in pick], [labels[i] for i in pick]


def run_seed(seed: int, work: Path, embeddings: bool, save: Path | None = None) -> dict:
    cpu0 = time.process_time()
    db, truth = month_store(seed, work)
    con = connect(db)
    cfg = InsightsConfig()
    window_only = replace(cfg, trend_windows=())
    res: dict = {"seed": seed}
    build_contacts(con)
    counts, days, reasons = daily_counts(con)
    res["oracle"], res["oracle_single"] = controlled(counts, days, reasons, truth, fdr=cfg.fdr,
                                                     baseline_days=cfg.baseline_days, first=0)
    res["true_reasons"] = delays(find_insights(con, config=cfg, store=False), truth)
    res["true_reasons_windows"] = delays(find_insights(con, config=window_only, store=False), truth)
    texts, labels = ten_a_reason(con, seed)
    model = train_reasons(con, texts, labels, source="bench", seed=seed,
                          embedding_weight=None if embeddings else 0.0)
    assign_reasons(con, model)
    res["accuracy"] = round(con.execute(
        "SELECT avg((e.reason = i.disposition)::INT) FROM enrichment e JOIN interactions i ON i.id = e.interaction_id "
        "WHERE i.disposition IS NOT NULL").fetchone()[0], 3)
    drift = [e["reason"] for e in truth["events"] if e["kind"] == "drift"]
    if drift:  # how much of the rising reason the classifier sees, and how much of what it calls so is
        res["drift_recall"], res["drift_precision"] = (round(float(v or 0), 3) for v in con.execute(
            "SELECT avg((e.reason = i.disposition)::INT) FILTER (WHERE i.disposition = $r), "
            "avg((e.reason = i.disposition)::INT) FILTER (WHERE e.reason = $r) "
            "FROM enrichment e JOIN interactions i ON i.id = e.interaction_id", {"r": drift[0]}).fetchone())
    res["classifier"] = delays(find_insights(con, config=cfg, store=False), truth)
    res["classifier_posterior"] = delays(find_insights(con, config=replace(cfg, reason_counts="posterior"),
                                                       store=False), truth)
    if save:  # the count matrices, to try detector settings without re-running the path
        predicted, _, predicted_reasons = daily_counts(con)
        soft, argmax, soft_reasons, argmax_reasons = _posterior_counts(con, model)
        np.savez(save / f"counts{seed}.npz", true=counts, predicted=predicted, days=[str(d) for d in days],
                 reasons=reasons, predicted_reasons=predicted_reasons, truth=json.dumps(truth),
                 soft=soft, argmax=argmax, soft_reasons=soft_reasons, argmax_reasons=argmax_reasons)
    res["classifier_windows"] = delays(find_insights(con, config=window_only, store=False), truth)
    res["cpu_s"] = round(time.process_time() - cpu0, 1)
    con.close()
    return res


def _posterior_counts(con, model) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Reasons × days: the sum of each classified contact's posterior (soft) and its top-1 reason
    with no "unknown" threshold (argmax); contacts without a classified text keep their reason."""
    ids, classes, proba = reason_posteriors(con, model)
    soft, _, names = posterior_counts(con, ids, classes, proba)
    top1 = np.zeros_like(proba)
    top1[np.arange(len(proba)), proba.argmax(1)] = 1.0
    argmax, _, argmax_names = posterior_counts(con, ids, classes, top1)
    return soft, argmax, names, argmax_names


def replay(files: list[Path], cfg: InsightsConfig | None = None) -> list[dict]:
    """The detector on saved count matrices (``--save-counts``): per month and matrix (true reasons,
    the classifier's labels, its top-1 with no threshold, its summed posteriors), the `delays`."""
    from earful.insights.emerging import detect

    cfg = cfg or InsightsConfig()
    kw = dict(fdr=cfg.fdr, baseline_days=cfg.baseline_days, min_history_days=cfg.min_history_days,
              windows=cfg.windows, min_ratio=cfg.min_ratio, min_excess=cfg.min_excess,
              trend_windows=cfg.trend_windows)
    out = []
    for f in files:
        z = np.load(f)
        truth = json.loads(str(z["truth"]))
        days = [date.fromisoformat(str(d)) for d in z["days"]]
        res: dict = {"file": f.name}
        for key, names in (("true", "reasons"), ("predicted", "predicted_reasons"), ("argmax", "argmax_reasons"),
                           ("soft", "soft_reasons")):
            alarms = detect(z[key], days, [str(r) for r in z[names if names in z else "classes"]], **kw)
            found = [_Found(a.reason, {"first_day": str(a.first_day)}) for a in alarms]
            res[key] = delays(found, truth)
        out.append(res)
    return out


@dataclass
class _Found:
    reason: str
    metrics: dict
    kind: str = "emerging_issue"


def table(results: list[dict]) -> str:
    """Markdown: per path, the days from onset to detection per kind (median, range, found) and false alarms."""
    paths = [("oracle_single", "controlled test of the planted reason alone, knows the onset (true reasons)"),
             ("oracle", "controlled test that knows the onset, every reason, same FDR family (true reasons)"),
             ("true_reasons", "detector on the true reasons"),
             ("true_reasons_windows", "window tests alone on the true reasons"),
             ("classifier", "detector through the classifier (10 labels a reason)"),
             ("classifier_posterior", "detector through the classifier, counting posteriors"),
             ("classifier_windows", "window tests alone through the classifier")]
    lines = ["| path | drift: day found (median, range) | spike | new reason | false alarms / month |",
             "|---|---|---|---|---|"]
    for key, name in paths:
        cells = []
        if not all(key in r for r in results):
            continue
        for kind in KINDS:
            d = [r[key][kind] for r in results]
            got = [x for x in d if x is not None]
            cells.append(f"{statistics.median(got):g} ({min(got)}–{max(got)}), {len(got)}/{len(d)}" if got
                         else f"not found, 0/{len(d)}")
        fa = "—" if key.startswith("oracle") else f"{statistics.mean(r[key]['false_alarms'] for r in results):.2f}"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {fa} |")
    gaps = [r["classifier"]["drift"] - r["oracle"]["drift"] for r in results
            if r["classifier"]["drift"] is not None and r["oracle"]["drift"] is not None]
    gaps_true = [r["classifier"]["drift"] - r["true_reasons"]["drift"] for r in results
                 if r["classifier"]["drift"] is not None and r["true_reasons"]["drift"] is not None]
    lines.append("")
    for key in ("classifier", "classifier_posterior"):
        if all(key in r for r in results):
            behind = [r[key]["drift"] - r["oracle"]["drift"] if r[key]["drift"] is not None and r["oracle"]["drift"]
                      is not None else None for r in results]
            lines.append(f"{key}: within 1 day of the controlled test in {sum(b is not None and b <= 1 for b in behind)} "
                         f"of {len(results)} months; days behind per seed: "
                         + ", ".join(f"{r['seed']}: {b}" for r, b in zip(results, behind)))
    if all("drift_recall" in r for r in results):
        lines.append("rising reason, classifier recall / precision per seed: "
                     + ", ".join(f"{r['seed']}: {r['drift_recall']:.2f}/{r['drift_precision']:.2f}" for r in results))
    lines.append(f"drift, classifier path minus the controlled test (same FDR family), days: {sorted(gaps)}; "
                 f"minus the detector on true reasons: {sorted(gaps_true)}; "
                 f"classifier accuracy {min(r['accuracy'] for r in results):.3f}–{max(r['accuracy'] for r in results):.3f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(201, 211)))
    ap.add_argument("--embeddings", action="store_true", help="train the classifier with sentence embeddings too")
    ap.add_argument("--save-counts", type=Path, help="keep each month's count matrices here (.npz)")
    ap.add_argument("--table", type=Path, nargs="+", help="only print the table of these runs' JSON lines")
    ap.add_argument("--replay", type=Path, nargs="+", help="only run the detector on these saved count matrices")
    a = ap.parse_args()
    if a.replay:
        for r in replay(a.replay):
            print(json.dumps(r))
        return
    if a.table:
        print(table([json.loads(line) for f in a.table for line in f.read_text().splitlines() if line.startswith("{")]))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in a.seeds:
            results.append(run_seed(seed, Path(tmp), a.embeddings, a.save_counts))
            print(json.dumps(results[-1]), flush=True)
    print(table(results))


if __name__ == "__main__":
    main()
