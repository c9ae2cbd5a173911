"""Sentiment with a neutral band against VADER's, on hand-labelled customer tweets, in one run.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/sentiment_neutral.py

150 random customer tweets of the Twitter threads, labelled positive / neutral / negative by
reading before any band was chosen (bench/data/sentiment/). The bands are fixed in advance (the
blend: |2p − 1| < 1/3; VADER: its authors' ±0.05); the sweep printed last is for information
only: it is chosen on these very tweets, so it is not evidence.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("EARFUL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
LABELS = Path(__file__).resolve().parent / "data" / "sentiment" / "twcs_tweet_sentiment.csv"


def labelled_tweets() -> tuple[list[str], np.ndarray]:
    with open(LABELS, newline="") as f:
        gold = {r["tweet_id"]: r["label"] for r in csv.DictReader(f)}
    with open(DATA / "twcs" / "twcs_first5000.csv", newline="") as f:
        text = {r["tweet_id"]: r["text"] for r in csv.DictReader(f) if r["tweet_id"] in gold}
    ids = [i for i in gold if i in text]
    return [text[i] for i in ids], np.array([gold[i] for i in ids], dtype=object)


def report(name: str, y: np.ndarray, pred: np.ndarray) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    per = f1_score(y, pred, labels=["negative", "neutral", "positive"], average=None)
    print(f"| {name} | {accuracy_score(y, pred):.3f} | {f1_score(y, pred, average='macro'):.3f} | "
          + " | ".join(f"{v:.2f}" for v in per) + f" | {np.mean(pred == 'neutral'):.0%} |", flush=True)


def main() -> None:
    from earful.nlp.sentiment import SentimentScorer, label_scores

    texts, y = labelled_tweets()
    print(f"# {len(texts)} tweets ({', '.join(f'{(y == c).sum()} {c}' for c in ('negative', 'neutral', 'positive'))}); "
          f"load {os.getloadavg()[0]:.1f}")
    vader, blend = SentimentScorer("vader").fit(), SentimentScorer("blend").fit()
    c0 = time.process_time()
    sv = vader.score(texts)
    cv = time.process_time() - c0
    c0 = time.process_time()
    sb = blend.score(texts)
    cb = time.process_time() - c0
    print("| scorer | accuracy | macro F1 | F1 negative | F1 neutral | F1 positive | called neutral |")
    print("|---|---|---|---|---|---|---|")
    report("VADER, ±0.05 band (its authors')", y, vader.label(texts))
    report("blend, ±1/3 band (fixed in advance)", y, blend.label(texts))
    report("blend, no band (sign only, as before)", y, label_scores(sb, 0.0))
    report("VADER, no band", y, label_scores(sv, 0.0))
    print(f"CPU: VADER {cv:.2f} s, blend {cb:.2f} s for {len(texts)} tweets")
    best = max(np.arange(0.05, 0.95, 0.05), key=lambda b: np.mean(label_scores(sb, b) == y))
    print(f"(information only, tuned on these tweets: the blend's best band ±{best:.2f} gives accuracy "
          f"{np.mean(label_scores(sb, best) == y):.3f}; VADER's best "
          f"±{max(np.arange(0.05, 0.95, 0.05), key=lambda b: np.mean(label_scores(sv, b) == y)):.2f} gives "
          f"{max(np.mean(label_scores(sv, b) == y) for b in np.arange(0.05, 0.95, 0.05)):.3f})")


if __name__ == "__main__":
    main()
