"""Benchmark of the nlp-text components: redaction quality and speed (Presidio vs fast),
sentiment (VADER vs the blend) on UCI and on customer tweets, and `earful enrich` end to end.

Run: PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/nlp_text.py [--quick] [STEP ...]
Prints Markdown tables (pasted into docs/bench/nlp-text.md).
"""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
DATA = Path(os.environ.get("EARFUL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
QUICK = "--quick" in sys.argv


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def redaction() -> None:
    from _nlp_text import banking77_texts
    from earful.nlp.pii_eval import PII_TYPES, make_pii_testset, score_redaction
    from earful.nlp.redact import Redactor

    examples = make_pii_testset(banking77_texts(DATA), n_per_type=500, n_negatives=1000, seed=7)
    if QUICK:
        examples = examples[:800]
    n_items = sum(len(e.spans) for e in examples)
    print(f"\n### PII redaction: {len(examples):,} BANKING77 sentences, {n_items:,} planted items "
          f"({n_items // 8} per type), {sum(not e.spans for e in examples):,} without PII (half with hard negatives)\n")
    results = {}
    for name, fast in (("fast (patterns + name cues)", True), ("full (Presidio/spaCy NER + patterns)", False)):
        red = Redactor(fast=fast)
        t0 = time.perf_counter()
        red.fit()
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        scores = score_redaction(examples, red.find)
        results[name] = (scores, len(examples) / (time.perf_counter() - t0), load_s)
    print("| type | " + " | ".join(f"{n}: recall / precision" for n in results) + " |")
    print("|---|" + "---|" * len(results))
    for t in PII_TYPES:
        print(f"| {t} | " + " | ".join(f"{s[t]['recall']:.3f} / {s[t]['precision']:.3f}" for s, _, _ in results.values()) + " |")
    print()
    for n, (_, rate, load_s) in results.items():
        print(f"- {n}: {rate:,.0f} texts/s (engine load {load_s:.1f} s)")


def real_text() -> None:
    """What the fast redactor finds in real text nobody planted anything in (for judging by eye)."""
    from collections import Counter

    from _nlp_text import banking77_texts
    from earful.nlp.redact import Redactor

    red = Redactor(fast=True).fit()
    with open(DATA / "twcs" / "twcs_first5000.csv", encoding="utf-8", newline="") as f:
        tweets = [r["text"] for r in csv.DictReader(f) if r["inbound"] == "True"]
    print("\n### Findings of `--fast` in real text with nothing planted\n")
    for name, texts in (("BANKING77 train (10,003 utterances)", banking77_texts(DATA)), (f"TWCS inbound tweets ({len(tweets):,})", tweets)):
        found = [(s.type, t[s.start:s.end]) for t in texts for s in red.find(t)]
        counts = Counter(k for k, _ in found)
        print(f"- {name}: " + (", ".join(f"{k} {n}" for k, n in counts.most_common()) or "nothing"))
        names = [v for k, v in found if k == "NAME"]
        if names:
            print(f"  - NAME findings: {', '.join(names[:30])}")


def abcd_leaks() -> None:
    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich
    from earful.store import connect

    with tempfile.TemporaryDirectory() as d:
        con = connect(Path(d) / "b.duckdb")
        ingest_file(con, DATA / "abcd" / "abcd_sample.json", "abcd")
        print("\n### Real dialogues (ABCD sample, 3 chats): the customers' own details after `earful enrich`\n")
        for fast in (True, False):
            enrich(con, all=True, fast=fast)
            shown = "\n".join(r[0] for r in con.execute("SELECT redacted_text FROM enrichment_turns").fetchall() if r[0]).lower()
            values = []
            for convo in json.loads((DATA / "abcd" / "abcd_sample.json").read_text()):
                p = convo["scenario"]["personal"]
                values += [v for v in (p.get("email"), p.get("phone"), p.get("username"), *p["customer_name"].split()) if v]
                values.append(convo["scenario"]["order"].get("street_address"))
            left = [v for v in values if v and v.lower() in shown]
            print(f"- {'fast' if fast else 'full'}: {len(values) - len(left)} of {len(values)} personal values hidden"
                  + (f"; still visible: {', '.join(left)}" if left else ""))
        con.close()


def sentiment() -> None:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from earful.nlp.sentiment import SentimentScorer, load_uci_sentiment

    texts, y = load_uci_sentiment()
    vader = SentimentScorer("vader").fit()
    pv = vader.predict(texts)
    pred = np.zeros_like(y)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=7).split(texts, y):
        m = SentimentScorer("blend").fit([texts[i] for i in train], y[train])
        pred[test] = m.predict([texts[i] for i in test])
    print("\n### Sentiment on UCI labelled sentences (Yelp + IMDb, 2,000; blend: 5-fold CV, seed 7)\n")
    print("| method | accuracy | macro-F1 |\n|---|---|---|")
    print(f"| VADER (compound ≥ 0 is positive) | {accuracy_score(y, pv):.3f} | {f1_score(y, pv, average='macro'):.3f} |")
    print(f"| blend (LR on hashed word+char n-grams + VADER scores) | {accuracy_score(y, pred):.3f} | "
          f"{f1_score(y, pred, average='macro'):.3f} |")

    with open(DATA / "twcs" / "twcs_first5000.csv", encoding="utf-8", newline="") as f:
        tweets = [r["text"] for r in csv.DictReader(f) if r["inbound"] == "True"]
    blend = SentimentScorer("blend").fit()
    out = {}
    for name, m in (("VADER", vader), ("blend", blend)):
        t0 = time.perf_counter()
        s = m.score(tweets)
        out[name] = (s, len(tweets) / (time.perf_counter() - t0))
    print(f"\n### Customer tweets (TWCS first 5,000 rows: {len(tweets):,} inbound; no labels)\n")
    print("| method | texts/s | negative (< −0.05) | neutral | positive (> 0.05) | mean |\n|---|---|---|---|---|---|")
    for name, (s, rate) in out.items():
        print(f"| {name} | {rate:,.0f} | {np.mean(s < -0.05):.1%} | {np.mean(np.abs(s) <= 0.05):.1%} | "
              f"{np.mean(s > 0.05):.1%} | {np.nanmean(s):+.2f} |")
    agree = np.mean(np.sign(out["VADER"][0]) == np.sign(out["blend"][0]))
    print(f"\nVADER and the blend agree on the sign for {agree:.1%} of the tweets.")


@functools.lru_cache(maxsize=1)
def _reason_and_topic_models():
    """A reason classifier (n-grams) and a topic model with its n-gram assigner, both learnt from
    BANKING77 utterances `enrich_throughput` does not enrich (half the rows whose number is not a
    multiple of 5: all 77 reasons)."""
    from earful.nlp.embed import encode_cached
    from earful.nlp.reasons import ReasonClassifier
    from earful.nlp.topics import TopicModel

    with open(DATA / "banking77" / "train.csv", encoding="utf-8", newline="") as f:
        rows = [r for i, r in enumerate(csv.DictReader(f)) if i % 5 and i % 2]
    texts, labels = [r["text"] for r in rows], [r["category"] for r in rows]
    reasons = ReasonClassifier(embedding_weight=0.0, calibration_folds=0).fit(texts, labels)
    topics = TopicModel(seed=0, fast_assign=True).fit(texts, encode_cached(texts))
    return reasons, topics


# The redactor before it read spoken forms, names from lists and the newer kinds: the peer that
# `enrich --fast` is measured against in the same process.
PREVIOUS_REDACTOR = "1f2ba36"


def _previous_redactor():
    """``Redactor`` class of earful.nlp.redact at commit PREVIOUS_REDACTOR (from git), or None."""
    import importlib.util
    import subprocess

    got = subprocess.run(["git", "show", f"{PREVIOUS_REDACTOR}:src/earful/nlp/redact.py"], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[1])
    if got.returncode:
        return None
    path = Path(tempfile.mkdtemp()) / "previous_redact.py"
    path.write_text(got.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("previous_redact", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["previous_redact"] = mod
    spec.loader.exec_module(mod)
    return mod.Redactor


def enrich_throughput() -> None:
    from _nlp_text import banking77_texts, chat_rows, write_canonical
    from earful.ingest import ingest_file
    from earful.nlp.enrich import Enricher, enrich
    from earful.store import connect

    n = 300 if QUICK else 2000
    texts = banking77_texts(DATA)[::5][:n]
    reasons, topics = _reason_and_topic_models()
    previous = _previous_redactor()
    print(f"\n### `earful enrich` end to end ({n:,} chats from BANKING77 utterances, 2-4 turns each; full mode on 800)\n")
    print(f"Peer: the same run with the redactor of commit {PREVIOUS_REDACTOR} (before spoken forms, name lists, "
          f"DOB, customer numbers and secrets). CPU: seconds of this process (all threads).\n")
    print("| mode | redactor | interactions/s | interactions per CPU s |\n|---|---|---|---|")
    modes = [(True, False, False), (True, False, True), (True, True, False), (True, True, True)] * 2
    modes += [(False, False, False), (False, True, False)]  # fast ones twice: noisy box
    for fast, models, old in modes:
        if old and previous is None:
            continue
        with tempfile.TemporaryDirectory() as d:
            con = connect(Path(d) / "e.duckdb")
            ingest_file(con, write_canonical(Path(d) / "c.jsonl", chat_rows(texts if fast else texts[:800])), "earful")
            red = previous(fast=fast).fit() if old else None
            enr = Enricher(fast=fast, redactor=red, reasons=reasons if models else None,
                           topics=topics if models else None).fit()
            enrich(con, enricher=enr, batch_size=50, workers=1)  # warm: load models
            con.execute("DELETE FROM enrichment; DELETE FROM enrichment_turns")
            t0, c0 = time.perf_counter(), time.process_time()
            done = enrich(con, enricher=enr)
            rate, cpu = _rate(done, time.perf_counter() - t0), _rate(done, time.process_time() - c0)
            if models:
                assert con.execute("SELECT count(*) FROM enrichment WHERE reason IS NOT NULL "
                                   "AND topic_id IS NOT NULL").fetchone()[0] == done
            what = ("--fast" if fast else "full") + (", with reason and topic (all six components)" if models else "")
            print(f"| {what} | {PREVIOUS_REDACTOR if old else 'current'} | {rate} | {cpu} |", flush=True)
            con.close()


def enrich_parallel() -> None:
    """All six components on 40,000 chats in one process and in one worker process per core."""
    from _nlp_text import banking77_texts, chat_rows, write_canonical
    from earful.ingest import ingest_file
    from earful.nlp.enrich import Enricher, enrich, usable_cores
    from earful.store import connect

    texts = banking77_texts(DATA)[::5] * (3 if QUICK else 20)
    reasons, topics = _reason_and_topic_models()
    cores = usable_cores()
    print(f"\n### `earful enrich --fast` with reason and topic, {len(texts):,} chats, one process vs {cores} workers\n")
    print("| processes | interactions/s (worker start included) |\n|---|---|")
    with tempfile.TemporaryDirectory() as d:
        con = connect(Path(d) / "e.duckdb")
        ingest_file(con, write_canonical(Path(d) / "c.jsonl", chat_rows(texts)), "earful")
        for workers in (1, cores):
            con.execute("DELETE FROM enrichment; DELETE FROM enrichment_turns")
            t0 = time.perf_counter()
            done = enrich(con, enricher=Enricher(fast=True, reasons=reasons, topics=topics), workers=workers)
            print(f"| {workers} | {_rate(done, time.perf_counter() - t0)} |", flush=True)
        con.close()


def components() -> None:
    """Texts per second of each component alone on the same 2,000 customer tweets."""
    from earful.nlp.feedback import FeedbackClassifier
    from earful.nlp.mentions import KeyPhraseExtractor, MentionMatcher, load_lexicon
    from earful.nlp.redact import Redactor
    from earful.nlp.sentiment import SentimentScorer, is_abusive

    with open(DATA / "twcs" / "twcs_first5000.csv", encoding="utf-8", newline="") as f:
        tweets = [r["text"] for r in csv.DictReader(f) if r["inbound"] == "True"][:2000]
    lex = load_lexicon(Path(__file__).resolve().parents[1] / "docs" / "mentions.example.yaml")
    vader, blend = SentimentScorer("vader").fit(), SentimentScorer("blend").fit()
    sent = vader.score(tweets)
    full = Redactor(fast=False).fit()
    reasons, topics = _reason_and_topic_models()
    steps = [
        ("redaction --fast", Redactor(fast=True).fit().transform, tweets),
        ("redaction full (Presidio NER where a capitalised word appears)", full.transform, tweets[:300]),
        ("sentiment VADER", vader.score, tweets),
        ("sentiment blend", blend.score, tweets),
        ("abuse flag", lambda ts: [is_abusive(t) for t in ts], tweets),
        ("feedback type", lambda ts: FeedbackClassifier().fit().predict(ts, sent[: len(ts)]), tweets),
        ("mentions (example lexicon, fuzzy)", MentionMatcher(lex).fit().transform, tweets),
        ("key phrases", KeyPhraseExtractor().fit().transform, tweets),
        ("contact reason (n-grams, 77 BANKING77 reasons)", reasons.predict_with_confidence, tweets),
        ("topic, word n-gram assigner", topics.assign, tweets),
        ("topic, nearest centroid of all-MiniLM-L6-v2 embeddings (ONNX)", lambda ts: topics.transform(ts), tweets[:500]),
    ]
    print(f"\n### Per component ({len(tweets):,} customer tweets; full redaction on 300)\n")
    print("| component | texts/s |\n|---|---|")
    for name, fn, xs in steps:
        t0 = time.perf_counter()
        fn(xs)
        print(f"| {name} | {_rate(len(xs), time.perf_counter() - t0)} |")


def enrich_vs_vader() -> None:
    """`enrich --fast` with every component in one process beside VADER alone on the same customer
    words, in the same run: interactions per CPU second (this process, all threads) and the ratio.
    Reason models: the n-gram one (what the demo trains) and the one `earful reasons train` builds
    by default (it reads the sentence embedding, so enrich runs the encoder on every contact)."""
    from _nlp_text import banking77_texts, chat_rows, write_canonical
    from earful.ingest import ingest_file
    from earful.nlp.embed import encode_cached
    from earful.nlp.enrich import Enricher, enrich
    from earful.nlp.mentions import load_lexicon
    from earful.nlp.reasons import ReasonClassifier
    from earful.nlp.sentiment import SentimentScorer
    from earful.store import connect

    n = 300 if QUICK else 2000
    texts = banking77_texts(DATA)[::5][:n]
    ngram_reasons, topics = _reason_and_topic_models()
    with open(DATA / "banking77" / "train.csv", encoding="utf-8", newline="") as f:
        rows = [r for i, r in enumerate(csv.DictReader(f)) if i % 5 and i % 2]
    train = [r["text"] for r in rows]
    emb_reasons = ReasonClassifier(calibration_folds=0).fit(train, [r["category"] for r in rows], encode_cached(train))
    lex = load_lexicon(Path(__file__).resolve().parents[1] / "docs" / "mentions.example.yaml")
    vader = SentimentScorer("vader").fit()
    print(f"\n### `earful enrich --fast` with every component beside VADER ({n:,} chats from BANKING77 utterances, "
          f"load {os.getloadavg()[0]:.1f})\n")
    print("Components: redaction (fast), sentiment (blend), abuse flag, feedback type, mentions (example lexicon), "
          "key phrases, contact reason, topic (n-gram assigner). VADER: the same interactions' customer words, "
          "scored alone in the same process.\n")
    print("| run | interactions per CPU s | interactions/s | CPU ÷ VADER's |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        con = connect(Path(d) / "e.duckdb")
        ingest_file(con, write_canonical(Path(d) / "c.jsonl", chat_rows(texts)), "earful")
        said = [" ".join(t["text"] for t in r["turns"] if t["speaker"] == "customer") for r in chat_rows(texts)]
        vader.score(said[:50])
        c0 = time.process_time()
        vader.score(said)
        vader_cpu = time.process_time() - c0
        print(f"| VADER alone | {n / vader_cpu:,.0f} | | 1.0× |", flush=True)
        runs = [("enrich --fast, no reason/topic model", None, None),
                (f"enrich --fast, n-gram reason model ({len(ngram_reasons.classes_)} reasons) + topics", ngram_reasons, topics),
                (f"enrich --fast, reason model of `reasons train` ({emb_reasons.learner_}, reads embeddings) + topics",
                 emb_reasons, topics)]
        for name, reasons, tops in runs:
            enr = Enricher(fast=True, lexicon=lex, reasons=reasons, topics=tops).fit()
            enrich(con, enricher=enr, batch_size=50, workers=1)  # warm: load models
            con.execute("DELETE FROM enrichment; DELETE FROM enrichment_turns")
            t0, c0 = time.perf_counter(), time.process_time()
            done = enrich(con, enricher=enr, workers=1)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            print(f"| {name} | {done / cpu:,.0f} | {done / wall:,.0f} | {cpu / vader_cpu:.1f}× |", flush=True)
        con.close()


if __name__ == "__main__":
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for step in (redaction, real_text, abcd_leaks, sentiment, components, enrich_throughput, enrich_parallel,
                 enrich_vs_vader):
        if not only or step.__name__ in only:
            step()
            sys.stdout.flush()
