"""Sentiment calibrated per domain from rated comments, before and after, on held-out halves.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/sentiment_calibration.py

Two kinds of domain, neither seen by the scorer being calibrated:
- Reviews of another kind (the UCI sentences of ../shared/data/uci_sentiment, as bundled with earful):
  the blend is fitted on the IMDb sentences only and used on the Yelp ones
  (and the other way round), as a centre's comments differ from what the scorer learnt on. The
  domain is skewed like product reviews (85 % positive, by dropping negatives at random). Each
  repeat splits it in halves: the calibration is fitted on one half's labels (positive = rating 5,
  negative = 1) and measured on the other.
- Customer tweets: the shipped scorer (fitted on all UCI sentences) on the 150 hand-labelled tweets of
  bench/data/sentiment (positive / neutral / negative), 5-fold: fitted on four folds, measured on the fifth.

Measured: macro F1 (over the gold classes; a "neutral" answer to a positive or negative review is
wrong), the expected calibration error of P(positive) = (score + 1)/2 over positive and negative texts
(10 equal-width bins), and the share of positive texts called negative.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def ece(p_pos: np.ndarray, positive: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of P(positive) against the gold labels (equal-width bins)."""
    idx = np.minimum((p_pos * bins).astype(int), bins - 1)
    return float(sum(abs(p_pos[idx == b].mean() - positive[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def measure(scores: np.ndarray, gold: np.ndarray, pred: np.ndarray | None = None) -> dict:
    """Macro F1 and positives called negative of `pred` (default: the ±1/3 band on `scores`), and the
    calibration error of P(positive) = (scores + 1)/2."""
    from sklearn.metrics import f1_score

    from earful.nlp.sentiment import NEUTRAL_BAND, label_scores

    pred = label_scores(scores, NEUTRAL_BAND["blend"]) if pred is None else pred
    classes = sorted(set(gold))
    polar = gold != "neutral"
    return {"macro_f1": float(f1_score(gold, pred, labels=classes, average="macro")),
            "ece": ece((np.clip(scores[polar], -1, 1) + 1) / 2, (gold[polar] == "positive").astype(float)),
            "pos_called_neg": float(np.mean(pred[gold == "positive"] == "negative"))}


def rating(gold: np.ndarray) -> np.ndarray:
    return np.select([gold == "positive", gold == "negative"], [5.0, 1.0], 3.0)


def reviews(train: str, domain: str, repeats: int, skew: float) -> tuple[dict, dict]:
    from earful.nlp.calibration import SentimentCalibration
    from earful.nlp.sentiment import SentimentScorer, load_uci_sentiment

    tt, ty = load_uci_sentiment(train)
    scorer = SentimentScorer("blend").fit(tt, ty)
    texts, y = load_uci_sentiment(domain)
    raw = scorer.score(texts)
    gold_all = np.where(y == 1, "positive", "negative").astype(object)
    before, after = [], []
    for rep in range(repeats):
        rng = np.random.default_rng(rep)
        pos, neg = np.nonzero(y == 1)[0], np.nonzero(y == 0)[0]
        keep = np.concatenate([pos, rng.choice(neg, int(len(pos) * (1 - skew) / skew), replace=False)])
        rng.shuffle(keep)
        fit, test = keep[: len(keep) // 2], keep[len(keep) // 2:]
        cal = SentimentCalibration().fit(raw[fit], rating(gold_all[fit]))
        before.append(measure(raw[test], gold_all[test]))
        after.append(measure(cal.transform(raw[test]), gold_all[test], cal.label(raw[test])))
    mean = lambda rows: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}  # noqa: E731
    return mean(before), mean(after)


def tweets(folds: int = 5) -> tuple[dict, dict, int]:
    from sklearn.model_selection import StratifiedKFold

    from earful.nlp.calibration import SentimentCalibration
    from earful.nlp.sentiment import default_scorer
    from sentiment_neutral import labelled_tweets

    texts, gold = labelled_tweets()
    raw = default_scorer().score(texts)
    before, after = np.empty(len(gold)), np.empty(len(gold))
    labels = np.empty(len(gold), dtype=object)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, gold):
        cal = SentimentCalibration(min_comments=20).fit(raw[tr], rating(gold[tr]))
        before[te], after[te], labels[te] = raw[te], cal.transform(raw[te]), cal.label(raw[te])
    return measure(before, gold), measure(after, gold, labels), len(gold)


def main() -> None:
    print(f"# load {os.getloadavg()[0]:.1f}")
    print("| domain (scorer never saw it) | macro F1 before → after | calibration error before → after | "
          "positives called negative before → after |")
    print("|---|---|---|---|")
    c0 = time.process_time()
    for train, domain in (("imdb", "yelp"), ("yelp", "imdb")):
        b, a = reviews(train, domain, repeats=10, skew=0.85)
        print(f"| {domain} sentences, 85 % positive, blend fitted on {train}; 10 random halves | "
              f"{b['macro_f1']:.3f} → {a['macro_f1']:.3f} | {b['ece']:.3f} → {a['ece']:.3f} | "
              f"{b['pos_called_neg']:.1%} → {a['pos_called_neg']:.1%} |", flush=True)
    b, a, n = tweets()
    print(f"| {n} hand-labelled customer tweets, shipped blend; 5-fold | {b['macro_f1']:.3f} → {a['macro_f1']:.3f} | "
          f"{b['ece']:.3f} → {a['ece']:.3f} | {b['pos_called_neg']:.1%} → {a['pos_called_neg']:.1%} |")
    print(f"CPU {time.process_time() - c0:.1f} s")


if __name__ == "__main__":
    main()
