"""Contact reasons and topics on real data: BANKING77 5-fold CV, CLINC150 with out-of-scope, topics vs BERTopic.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/nlp_models.py [reasons|clinc|topics|embed|embed-store ...]

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


if __name__ == "__main__":
    what = [a for a in sys.argv[1:] if not a.startswith("--")] or ["embed", "reasons", "clinc", "topics"]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    for w in what:
        {"embed": bench_embed, "embed-store": bench_embed_store, "reasons": bench_reasons, "reasons10": lambda: bench_reasons(("10-per-reason", "10-per-reason+unlabelled")), "clinc": bench_clinc, "topics": bench_topics}[w]()
