"""Contact reasons and topics on real data: BANKING77 5-fold CV, CLINC150 with out-of-scope, topics vs BERTopic.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/nlp_models.py [reasons|clinc|topics|embed|embed-store|few-labels|demo-month ...]

Embeddings of whole corpora are cached on disk ($EARFUL_CACHE, default ~/.cache/earful).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("EARFUL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SEED = 0


def banking77() -> tuple[list[str], np.ndarray]:
    import csv

    with open(DATA / "banking77" / "train.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([r["category"] for r in rows])


def ece(conf: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error: Σ_b |B|/n · |accuracy(B) − confidence(B)| over confidence bins."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges) - 1, 0, bins - 1)
    return float(sum(abs(correct[idx == b].mean() - conf[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def bench_embed() -> None:
    from earful.nlp.embed import Embedder, throughput

    texts, _ = banking77()
    for backend in ("onnx", "numpy", "onnx-int8"):
        try:
            e = Embedder(cache_size=0, backend=backend)
            rate = throughput(texts[:2000], e)
        except ImportError:
            print(f"embed: backend {backend} not installed")
            continue
        print(f"embed: all-MiniLM-L6-v2, backend {backend}: {rate:.0f} sentences/s (2,000 BANKING77 utterances, cold)",
              flush=True)


def _twcs_customer_texts(n: int) -> list[str]:
    import csv

    with open(DATA / "twcs" / "twcs_first5000.csv", newline="") as f:
        return [r["text"] for r in csv.DictReader(f) if r["inbound"] == "True"][:n]


def _flops_per_text(tokens: np.ndarray, d: int = 384, layers: int = 6, ffn: int = 1536) -> np.ndarray:
    """Multiply-adds ×2 of one BERT encoder pass over t tokens: per layer the Q, K, V and output
    projections (4·d²·t), the feed-forward pair (2·d·ffn·t) and attention (2·t²·d)."""
    t = tokens.astype(np.float64)
    return 2.0 * layers * (4 * d * d * t + 2 * d * ffn * t + 2 * t * t * d)


def _gemm_flops_per_cpu_s(d: int = 384, ffn: int = 1536, rows: int = 4096, reps: int = 20) -> float:
    """The machine's float32 matrix throughput per CPU-second, on the encoder's own shapes."""
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((rows, d), dtype=np.float32), rng.standard_normal((d, ffn), dtype=np.float32)
    a @ w
    c0 = time.process_time()
    for _ in range(reps):
        a @ w
    return 2.0 * rows * d * ffn * reps / (time.process_time() - c0)


def bench_embed_store() -> None:
    """Texts per CPU-second of the encoder against its FLOP bound, fixed batches against length
    buckets in the same process, and the store's read-back against embedding."""
    import duckdb

    from earful.nlp.embed import Embedder
    from earful.nlp.vectors import stored_embed
    from earful.store.schema import migrate

    peak = _gemm_flops_per_cpu_s()
    print(f"embed-store: float32 matrix throughput {peak / 1e9:.1f} GFLOP per CPU-second (numpy, encoder shapes); "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    corpora = {"customer tweets (TWCS)": _twcs_customer_texts(1500), "BANKING77 utterances": banking77()[0][:1500]}
    for name, texts in corpora.items():
        probe = Embedder(cache_size=0)
        probe._load()
        tokens = np.array([min(len(e.ids), probe.max_tokens) for e in probe._tok.encode_batch(texts)])
        bound = len(texts) / (_flops_per_text(tokens).sum() / peak)
        rates = {}
        for label, kw in (("fixed batches of 64", {"batch_size": 64, "batch_tokens": None}),
                          ("length buckets (≤ 256 texts, ≤ 4,096 tokens)", {})):
            e = Embedder(cache_size=0, **kw)
            e.encode(texts[:32])
            c0, w0 = time.process_time(), time.perf_counter()
            e.encode(texts)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            rates[label] = len(texts) / cpu
            print(f"embed-store: {name} ({len(texts):,}, mean {tokens.mean():.0f} tokens), {label}: "
                  f"{len(texts) / cpu:.0f} texts per CPU-second ({100 * len(texts) / cpu / bound:.0f} % of the "
                  f"FLOP bound {bound:.0f}), {len(texts) / wall:.0f}/s wall", flush=True)
        a, b = rates.values()
        print(f"embed-store: {name}: length buckets {b / a:.2f}× the texts per CPU-second of fixed batches", flush=True)
    texts = corpora["customer tweets (TWCS)"]
    con = duckdb.connect()
    migrate(con)
    e = Embedder(cache_size=0)
    c0 = time.process_time()
    first = stored_embed(con, texts, e)
    cold = time.process_time() - c0
    c0 = time.process_time()
    again = stored_embed(con, texts, e)
    warm = time.process_time() - c0
    assert np.array_equal(first, again)
    print(f"embed-store: {len(texts):,} tweets embedded and stored {cold:.2f} CPU-s; read back from the store "
          f"{warm:.3f} CPU-s ({len(texts) / warm:,.0f} texts per CPU-second, {cold / warm:.0f}× less)", flush=True)


def bench_reasons(settings: tuple[str, ...] = ("all", "10-per-reason", "10-per-reason+unlabelled")) -> None:
    from sklearn.model_selection import StratifiedKFold

    from earful.nlp.embed import encode_cached
    from earful.nlp.reasons import ReasonClassifier

    texts, y = banking77()
    emb = encode_cached(texts)
    for setting in settings:
        rng = np.random.default_rng(SEED)  # the same 10 per reason in both few-label settings
        accs, eces, fit_s = [], [], []
        for k, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, y)):
            pool = None
            if setting != "all":
                full = tr
                tr = np.concatenate([rng.choice(tr[y[tr] == c], 10, replace=False) for c in np.unique(y)])
                if setting.endswith("+unlabelled"):  # the rest of the training fold, labels withheld
                    pool = np.setdiff1d(full, tr)
            # the temperature never changes the argmax: calibrate (3 extra fits) on the first fold only,
            # where fit time and calibration error are measured
            t0 = time.perf_counter()
            m = ReasonClassifier(threshold=0.0, calibration_folds=3 if k == 0 else 0).fit(
                [texts[i] for i in tr], y[tr], emb[tr],
                unlabeled=None if pool is None else [texts[i] for i in pool],
                unlabeled_embeddings=None if pool is None else emb[pool])
            if k == 0:
                fit_s.append(time.perf_counter() - t0)
            lab, conf = m.predict_with_confidence([texts[i] for i in te], emb[te])
            correct = lab == y[te]
            accs.append(correct.mean())
            if k == 0:
                eces.append(ece(conf, correct))
        print(f"reasons BANKING77 {setting}: accuracy {100 * np.mean(accs):.2f} % ± {100 * np.std(accs):.2f} "
              f"(5-fold, seed {SEED}), ECE {np.mean(eces):.3f} (fold 1), fit with calibration {np.mean(fit_s):.1f} s (fold 1)", flush=True)


def _clinc_in_scope() -> tuple[list[str], np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """CLINC150 train (labelled pool) and val (test), in scope only, with their embeddings."""
    from earful.nlp.embed import encode_cached

    d = json.loads((DATA / "clinc150" / "data_train_val.json").read_text())
    allt = [t for k in ("train", "val", "oos_train", "oos_val") for t, _ in d[k]]
    emb = encode_cached(allt)
    n_tr, n_val = len(d["train"]), len(d["val"])
    return ([t for t, _ in d["train"]], np.array([lab for _, lab in d["train"]]),
            [t for t, _ in d["val"]], np.array([lab for _, lab in d["val"]]), emb[:n_tr], emb[n_tr : n_tr + n_val])


def _banking77_split() -> tuple[list[str], np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """BANKING77 train.csv split 80/20 (stratified, seed 0): labelled pool and test, with embeddings."""
    from sklearn.model_selection import train_test_split

    from earful.nlp.embed import encode_cached

    texts, y = banking77()
    emb = encode_cached(texts)
    tr, te = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=0)
    return ([texts[i] for i in tr], y[tr], [texts[i] for i in te], y[te], emb[tr], emb[te])


def bench_few_labels() -> None:
    """Base learner by labels per reason: SVM (n-grams + embedding) vs logistic regression on the
    embedding, at 5/10/20/50 labels a reason on three seeds, and self-training on the rest of the
    training split (labels withheld) against the plain fit in the same run. Accuracy on held-out
    texts; fit CPU seconds (3-fold calibration included, as `earful reasons train` fits)."""
    from earful.nlp.reasons import ReasonClassifier

    seeds = (0,) if "--quick" in sys.argv else (0, 1, 2)
    print(f"few-labels: load {os.getloadavg()[0]:.1f}, seeds {seeds}; CPU s = process time of the fit "
          "(3-fold calibration included); accuracy on held-out texts, no unknown answer", flush=True)
    print("| data | labels a reason | SVM n-grams+embedding | logistic on embedding | logistic + self-training "
          "| fit CPU s SVM / logistic / self-training | self-training ÷ logistic fit |\n|---|---|---|---|---|---|---|")
    only = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--data=")]
    for name, load in (("BANKING77", _banking77_split), ("CLINC150", _clinc_in_scope)):
        if only and name not in only:
            continue
        texts, y, test, y_te, emb, emb_te = load()
        for k in (5, 10, 20, 50):
            acc: dict[str, list[float]] = {"svm": [], "logistic": [], "self": []}
            cpu: dict[str, list[float]] = {"svm": [], "logistic": [], "self": []}
            for seed in seeds:
                rng = np.random.default_rng(seed)
                lab = np.concatenate([rng.choice(np.flatnonzero(y == c), min(k, int(np.sum(y == c))), replace=False)
                                      for c in np.unique(y)])
                rest = np.setdiff1d(np.arange(len(y)), lab)
                for what, learner, pool in (("svm", "svm", None), ("logistic", "logistic", None),
                                            ("self", "logistic", rest)):
                    c0 = time.process_time()
                    m = ReasonClassifier(threshold=0.0, learner=learner, seed=seed).fit(
                        [texts[i] for i in lab], y[lab], emb[lab],
                        unlabeled=None if pool is None else [texts[i] for i in pool],
                        unlabeled_embeddings=None if pool is None else emb[pool])
                    cpu[what].append(time.process_time() - c0)
                    acc[what].append(float(np.mean(m.predict(test, emb_te) == y_te)))
            a = {w: f"{100 * np.mean(v):.1f} % ± {100 * np.std(v):.1f}" for w, v in acc.items()}
            c = {w: np.mean(v) for w, v in cpu.items()}
            print(f"| {name} | {k} | {a['svm']} | {a['logistic']} | {a['self']} | "
                  f"{c['svm']:.1f} / {c['logistic']:.1f} / {c['self']:.1f} | {c['self'] / c['logistic']:.1f}× |", flush=True)


def bench_clinc() -> None:
    from earful.nlp.embed import encode_cached
    from earful.nlp.reasons import UNKNOWN, ReasonClassifier

    d = json.loads((DATA / "clinc150" / "data_train_val.json").read_text())
    parts = {k: ([t for t, _ in d[k]], np.array([lab for _, lab in d[k]])) for k in d}
    allt = [t for k in ("train", "val", "oos_train", "oos_val") for t in parts[k][0]]
    emb = encode_cached(allt)
    off = {}
    i = 0
    for k in ("train", "val", "oos_train", "oos_val"):
        off[k] = emb[i : i + len(parts[k][0])]
        i += len(parts[k][0])
    m = ReasonClassifier(threshold=0.0).fit(parts["train"][0], parts["train"][1], off["train"])
    # threshold chosen on oos_train + a third of val, measured on the rest of val + oos_val
    tune_n = 1000
    p_in = m.predict_proba(parts["val"][0], off["val"]).max(1)
    p_oos_tune = m.predict_proba(parts["oos_train"][0], off["oos_train"]).max(1)
    best, best_t = -1.0, 0.5
    lab_val = m.classes_[m.predict_proba(parts["val"][0][:tune_n], off["val"][:tune_n]).argmax(1)]
    for t in np.linspace(0.05, 0.95, 91):
        acc_in = np.mean((lab_val == parts["val"][1][:tune_n]) & (p_in[:tune_n] >= t))
        rec = np.mean(p_oos_tune < t)
        score = (acc_in * tune_n + rec * len(p_oos_tune)) / (tune_n + len(p_oos_tune))
        if score > best:
            best, best_t = score, float(t)
    m.threshold = best_t
    lab = m.predict(parts["val"][0][tune_n:], off["val"][tune_n:])
    in_acc = np.mean(lab == parts["val"][1][tune_n:])
    oos = m.predict(parts["oos_val"][0], off["oos_val"])
    oos_rec = np.mean(oos == UNKNOWN)
    m0 = ReasonClassifier(threshold=0.0)
    m0.__dict__.update(m.__dict__)
    m0.threshold = 0.0
    closed = np.mean(m0.predict(parts["val"][0][tune_n:], off["val"][tune_n:]) == parts["val"][1][tune_n:])
    print(f"reasons CLINC150 (train 15,000 → val 2,000 in-scope + oos_val 100): closed-set accuracy "
          f"{100 * closed:.2f} %; with unknown threshold {best_t:.2f} (tuned on 1,000 val + oos_train): "
          f"in-scope accuracy {100 * in_acc:.2f} %, out-of-scope recall {100 * oos_rec:.1f} %", flush=True)


def _oos_scores(m, texts, emb, none_label):
    """Per text: best in-scope label, its probability, whether "none of these" wins, novelty."""
    p = m.predict_proba(texts, emb)
    inside = m.classes_ != none_label
    cols = np.flatnonzero(inside)
    best_in = cols[p[:, cols].argmax(1)]
    return (m.classes_[best_in], p[np.arange(len(p)), best_in], m.classes_[p.argmax(1)] == none_label,
            m.novelty(texts, emb))


def _oos_metrics(pred, y, oos_flag, is_oos, prevalence: float) -> dict[str, float]:
    """In-scope accuracy (right reason, not called unknown), OOS recall, OOS precision as measured
    and as it would be at ``prevalence`` (the share of OOS texts in the official CLINC150 test)."""
    acc = float(np.mean((pred[~is_oos] == y[~is_oos]) & ~oos_flag[~is_oos]))
    rec = float(np.mean(oos_flag[is_oos]))
    fpr = float(np.mean(oos_flag[~is_oos]))
    prec = float(np.sum(oos_flag & is_oos) / max(np.sum(oos_flag), 1))
    prec_at = rec * prevalence / max(rec * prevalence + fpr * (1 - prevalence), 1e-12)
    return {"in_acc": acc, "recall": rec, "precision": prec, "precision_at": prec_at, "fpr": fpr}


def _choose_oos_thresholds(scores, y, is_oos, prevalence, use_none=True, use_conf=True, use_nov=True,
                           min_in_acc=0.90):
    """(confidence threshold, novelty threshold) maximising min(OOS recall, precision at the
    prevalence) while in-scope accuracy stays ≥ min_in_acc; ties to the higher in-scope accuracy."""
    pred, conf, none, nov = scores
    confs = np.linspace(0.0, 0.95, 39) if use_conf else [0.0]
    novs = np.quantile(nov, np.linspace(0.5, 1.0, 41)) if use_nov else [np.inf]
    best, choice = (-1.0, -1.0), (0.0, np.inf)
    for t in confs:
        for v in novs:
            flag = (conf < t) | (nov > v) | (none if use_none else False)
            m = _oos_metrics(pred, y, flag, is_oos, prevalence)
            key = (min(m["recall"], m["precision_at"]) if m["in_acc"] >= min_in_acc else -1.0, m["in_acc"])
            if key > best:
                best, choice = key, (float(t), float(v))
    return choice


def bench_oos() -> None:
    """CLINC150 out-of-scope, 5-fold over train + val in-scope and oos_train + oos_val: "none of these"
    as a class, the confidence threshold and the novelty score, alone and combined."""
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from earful.nlp.embed import encode_cached
    from earful.nlp.reasons import NONE_OF_THESE, ReasonClassifier

    d = json.loads((DATA / "clinc150" / "data_train_val.json").read_text())
    keys = ("train", "val", "oos_train", "oos_val")
    texts = [t for k in keys for t, _ in d[k]]
    y = np.array([NONE_OF_THESE if lab == "oos" else lab for k in keys for _, lab in d[k]], dtype=object)
    emb = encode_cached(texts)
    is_oos_all = y == NONE_OF_THESE
    prevalence = 1000 / 5500  # the official CLINC150 test: 4,500 in-scope, 1,000 out-of-scope
    variants = {"threshold only": dict(use_none=False, use_nov=False),
                "novelty only": dict(use_none=False, use_conf=False),
                '"none of these" class only': dict(use_conf=False, use_nov=False),
                "class + threshold + novelty": {}}
    results: dict[str, list] = {k: [] for k in variants}
    print(f"# CLINC150 5-fold: {int((~is_oos_all).sum()):,} in-scope (150 intents), {int(is_oos_all.sum())} out-of-scope; "
          f"precision also at the official test's share of OOS ({prevalence:.1%}); load {os.getloadavg()[0]:.1f}", flush=True)
    c0 = time.process_time()
    outer = StratifiedKFold(5, shuffle=True, random_state=SEED)
    for fold, (tr, te) in enumerate(outer.split(texts, y)):
        fit, tune = train_test_split(tr, test_size=0.25, stratify=y[tr], random_state=SEED)

        def model(idx):
            return ReasonClassifier(threshold=0.0, calibration_folds=0, seed=SEED).fit(
                [texts[i] for i in idx], y[idx], emb[idx])

        # one fit a fold: on three quarters of the training folds; the thresholds are chosen on the
        # last quarter, the test fold is only scored
        m = model(fit)
        s_tune = _oos_scores(m, [texts[i] for i in tune], emb[tune], NONE_OF_THESE)
        s_test = _oos_scores(m, [texts[i] for i in te], emb[te], NONE_OF_THESE)
        for name, kw in variants.items():
            t, v = _choose_oos_thresholds(s_tune, y[tune], is_oos_all[tune], prevalence, **kw)
            pred, conf, none, nov = s_test
            flag = (conf < t) | (nov > v) | (none if kw.get("use_none", True) else False)
            results[name].append(_oos_metrics(pred, y[te], flag, is_oos_all[te], prevalence) | {"t": t, "v": v})
        print(f"fold {fold + 1}: " + "; ".join(f"{k}: in {r[-1]['in_acc']:.3f} rec {r[-1]['recall']:.3f} "
                                                f"prec {r[-1]['precision']:.3f}/{r[-1]['precision_at']:.3f}"
                                                for k, r in results.items()), flush=True)
    print("| unknown decided by | in-scope accuracy | OOS recall | OOS precision (as measured, 1.1 % OOS) | "
          "OOS precision at 18.2 % OOS | thresholds (confidence, novelty) |")
    print("|---|---|---|---|---|---|")
    for name, rs in results.items():
        mean = {k: np.mean([r[k] for r in rs]) for k in ("in_acc", "recall", "precision", "precision_at")}
        print(f"| {name} | {mean['in_acc']:.3f} | {mean['recall']:.3f} | {mean['precision']:.3f} | "
              f"{mean['precision_at']:.3f} | {np.mean([r['t'] for r in rs]):.2f}, {np.mean([r['v'] for r in rs]):.3f} |")
    print(f"CPU {time.process_time() - c0:.0f} s", flush=True)


def bench_topics() -> None:
    from sklearn.metrics import v_measure_score

    from earful.nlp.embed import encode_cached
    from earful.nlp.topics import TopicModel

    texts, y = banking77()
    emb = encode_cached(texts)
    t0, c0 = time.perf_counter(), time.process_time()
    tm = TopicModel(seed=SEED).fit(texts, emb)
    ours_s, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    v = v_measure_score(y, tm.labels_)
    print(f"topics earful TopicModel (k={tm.n_topics_}): V-measure {v:.3f}, {ours_s:.1f} s wall, {ours_cpu:.1f} s CPU",
          flush=True)
    tmk = TopicModel(seed=SEED, n_topics=77).fit(texts, emb)
    print(f"topics earful TopicModel (k=77 given): V-measure {v_measure_score(y, tmk.labels_):.3f}", flush=True)
    if "--no-bertopic" in sys.argv:
        return
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        from bertopic import BERTopic
    except ImportError:
        print("topics BERTopic: not installed (pip install --no-deps bertopic; pip install umap-learn hdbscan plotly tqdm)")
        return

    bt = BERTopic(embedding_model=None)
    b_labels, _ = bt.fit_transform(texts, emb)
    bt_s, bt_cpu = time.perf_counter() - t0, time.process_time() - c0
    b_labels = np.asarray(b_labels)
    print(f"topics BERTopic default (UMAP+HDBSCAN+c-TF-IDF, same embeddings, import included): "
          f"{len(set(b_labels)) - (1 if -1 in b_labels else 0)} topics, {np.mean(b_labels == -1) * 100:.1f} % outliers, "
          f"V-measure {v_measure_score(y, b_labels):.3f}, {bt_s:.1f} s wall, {bt_cpu:.1f} s CPU → earful {bt_s / ours_s:.0f}× "
          f"faster (wall), {bt_cpu / ours_cpu:.0f}× less CPU", flush=True)


def _timed_cli(*args: str) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, last line of output) of ``python -m earful.cli ARGS``."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    got = subprocess.run([sys.executable, "-m", "earful.cli", *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if got.returncode:
        raise SystemExit(got.stderr or got.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (got.stdout.strip().splitlines() or [""])[-1]


def bench_demo_month() -> None:
    """`earful reasons train` on a copy of the demo store with 10 dispositions a reason kept (the
    rest unlabelled: self-training reads them), and `earful topics` on the demo's last 7 days with
    the embeddings the demo stored. Needs `python -m earful.demo --no-serve` run first (store in
    $EARFUL_DEMO_DB, default ./earful-demo.duckdb)."""
    import shutil
    import tempfile

    import duckdb

    src = Path(os.environ.get("EARFUL_DEMO_DB", "earful-demo.duckdb"))
    if not src.exists():
        raise SystemExit(f"{src} not found: run `python -m earful.demo --no-serve` first")
    print(f"demo-month: load {os.getloadavg()[0]:.1f}; wall and CPU seconds of the command (a child process)", flush=True)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "month.duckdb"
        shutil.copy(src, db)
        con = duckdb.connect(str(db))
        con.execute("UPDATE interactions SET disposition = NULL WHERE id NOT IN (SELECT id FROM (SELECT id, "
                    "row_number() OVER (PARTITION BY disposition ORDER BY hash(id)) AS k FROM interactions "
                    "WHERE disposition IS NOT NULL) WHERE k <= 10)")
        labels = con.execute("SELECT count(*), count(DISTINCT disposition) FROM interactions "
                             "WHERE disposition IS NOT NULL").fetchone()
        hi = con.execute("SELECT max(offered_at)::DATE FROM interactions").fetchone()[0]
        stored = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        con.close()
        print(f"  {labels[0]:,} labels ({labels[1]} reasons), {stored:,} embeddings stored by the demo", flush=True)
        lo = (np.datetime64(hi) - np.timedelta64(6, "D")).astype(str)
        wall, cpu, _ = _timed_cli("topics", "--from", lo, "--to", str(hi), "--seed", "7", "--db", str(db))
        print(f"| topics, last 7 days (embeddings stored) | {wall:.1f} s | {cpu:.1f} CPU s | |", flush=True)
        for what, args in (("reasons train --no-assign (self-training; embeds the labelled and pool texts)",
                            ("reasons", "train", "--no-assign")),
                           ("reasons assign (embeds every enriched contact not yet embedded)", ("reasons", "assign")),
                           ("reasons train (embeddings now stored)", ("reasons", "train")),
                           ("reasons train --no-self-training", ("reasons", "train", "--no-self-training")),
                           ("reasons train --no-embeddings (n-gram SVM)", ("reasons", "train", "--no-embeddings"))):
            wall, cpu, out = _timed_cli(*args, "--db", str(db))
            print(f"| {what} | {wall:.1f} s | {cpu:.1f} CPU s | {out} |", flush=True)


if __name__ == "__main__":
    what = [a for a in sys.argv[1:] if not a.startswith("--")] or ["embed", "reasons", "clinc", "topics"]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for w in what:
        {"embed": bench_embed, "embed-store": bench_embed_store, "oos": bench_oos, "reasons": bench_reasons, "reasons10": lambda: bench_reasons(("10-per-reason", "10-per-reason+unlabelled")), "clinc": bench_clinc, "topics": bench_topics, "few-labels": bench_few_labels, "demo-month": bench_demo_month}[w]()
