"""Precision of the voice-of-the-customer cues on the hand-labelled sample (bench/data/voc_labels.csv).

For each cue (churn risk, competitor, testimonial), the candidates earful flags and the share of
them a person labelled right (Wilson 95 % interval), beside the rules earful used before (the peer,
same run), on each set of labels:

* ``tune`` and ``heldout``: the first sample (``voc_labels.csv``), first reader. The held-out half
  was reported once before the cues were tuned on it; since then both halves are tuning data.
* ``heldout, 2nd reader``: the same held-out rows labelled again by a second, blind reader
  (``voc_labels_second.csv``, when present).
* ``fresh``: the second sample (``voc_labels_fresh.csv``, when present), tweets the first sample
  left out, labelled by the second reader. It was run once on the cues as they were then; the
  testimonial cue was tuned on it afterwards, so all the tweet sets above are now tuning data.
* ``yelp``: Yelp review sentences caught by the praise net (``voc_labels_yelp.csv`` via
  ``voc_sample.fresh_yelp_candidates``, when both are present), labelled by a blind reader.
  Restaurant reviews, not messages to a support account. Run once on the cues as then committed
  (its unseen figure); the negation scope was then changed after reading its errors, so it is
  tuning data too.

``--learned-cv`` asks whether a small learned model on the tweet labels would help: logistic
regression on word 1-2-grams and on the sentence embedding, trained on every labelled praise-net
tweet (the second reader's label where there is one), 5-fold cross-validation with the folds by
tweet, alone and combined with the rules (the rules' own figure there is in-sample).

``--compare REV`` adds the cues as committed at git revision REV (``previous``) beside them.

Also: recall (the labelled positives flagged), the share of all customer tweets (and of all
Yelp sentences) each cue flags, and CPU seconds.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/voc_precision.py

How the sample was drawn and labelled: bench/data/voc_labels.md.
"""

from __future__ import annotations

import csv
import html
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import voc_sample  # noqa: E402

from earful.nlp.feedback import FeedbackClassifier  # noqa: E402
from earful.nlp.hygiene import brand_words  # noqa: E402
from earful.nlp.mentions import CompetitorFinder  # noqa: E402

# The rules earful used before (the peer): plain phrase lists with no negation, hedging or review.
BEFORE_CHURN = re.compile(
    r"(?i)(close my account|closing my account|switch(ing)? (bank|to)|mov(e|ing) my money|(leave|leaving) (you|this bank|"
    r"the bank)|cancel my (account|card|contract)|take my business|go(ing)? elsewhere|had enough)")
BEFORE_PRAISE = re.compile(
    r"(?i)(brilliant|fantastic|excellent|impressed|best service|recommend(ing)? you|outstanding|above and beyond|so helpful|"
    r"great service|really helpful|well done|love (you|the|this))")
BEFORE_COMPETITOR = re.compile(r"\b([A-Z][a-z]+ (?:Bank|Banking|Mobile|Telecom|Energy|Insurance|Airlines?))\b")
_BEFORE_NOT = {"My", "Your", "Our", "The", "This", "That", "Which", "What", "A", "An", "Any", "Their", "His", "Her",
               "Other", "Another", "Same", "New", "Online", "Local", "Central"}


def _before_competitors(text: str) -> list[str]:
    return [n for n in BEFORE_COMPETITOR.findall(text) if n.split(" ", 1)[0] not in _BEFORE_NOT]


def _same(a: str, b: str) -> bool:
    a, b = html.unescape(a), html.unescape(b)
    a, b = a.lower().strip(), b.lower().strip()
    return a == b or a in b.split() or b in a.split() or (len(a) > 3 and (a in b or b in a))


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a share k/n."""
    p, d = k / n, 1 + z * z / n
    mid, half = (p + z * z / (2 * n)) / d, z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5 / d
    return max(0.0, mid - half), min(1.0, mid + half)


def _precision(rows: list[tuple[bool, bool]]) -> str:
    flagged = [ok for hit, ok in rows if hit]
    if not flagged:
        return "flags 0"
    lo, hi = _wilson(sum(flagged), len(flagged))
    return f"flags {len(flagged):3d}, right {sum(flagged):3d}, precision {sum(flagged) / len(flagged):.3f} ({lo:.2f}-{hi:.2f})"


def _recall(rows: list[tuple[bool, bool]]) -> str:
    positives = [hit for hit, ok in rows if ok]
    return f"recall {sum(positives)}/{len(positives)}" if positives else "recall -"


def _previous(rev: str):
    """The FeedbackClassifier of ``src/earful/nlp/feedback.py`` as committed at git revision ``rev``."""
    import importlib.util
    import subprocess
    import tempfile

    src = subprocess.run(["git", "show", f"{rev}:src/earful/nlp/feedback.py"], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent).stdout
    path = Path(tempfile.mkdtemp()) / "feedback_previous.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("feedback_previous", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FeedbackClassifier().fit()


def _labels(name: str) -> list[dict]:
    path = Path(__file__).parent / "data" / name
    return list(csv.DictReader(open(path, encoding="utf-8"))) if path.exists() else []


def _key(c: dict) -> tuple[str, str, str, str]:
    return (c["source"], c["id"], c["cue"], c["name"] if c["cue"] == "competitor" else "")


class _Judge:
    """What earful and the rules before flag for one candidate (competitor names: a finder fitted on
    the texts of the candidate's source, told the centre's own names)."""

    def __init__(self, corpora: dict[str, list[str]], previous: FeedbackClassifier | None = None) -> None:
        self.clf = FeedbackClassifier().fit()
        self.previous = previous
        self.corpora = corpora
        self._finders: dict[tuple, CompetitorFinder] = {}

    def finder(self, source: str, brands: tuple[str, ...]) -> CompetitorFinder:
        if (source, brands) not in self._finders:
            self._finders[source, brands] = CompetitorFinder(brands=list(brands)).fit(self.corpora[source])
        return self._finders[source, brands]

    def __call__(self, c: dict) -> tuple[bool, bool]:
        text, cue = c["text"], c["cue"]
        if cue == "churn":
            return self.clf.churn_strength([text])[0] is not None, bool(BEFORE_CHURN.search(text))
        if cue == "testimonial":
            return self.clf.testimonials([text])[0], bool(BEFORE_PRAISE.search(text))
        finder = self.finder(c["source"], tuple(_brands(c["brand"], text)))
        return (any(_same(n, c["name"]) for n in finder.find(text)),
                any(_same(n, c["name"]) for n in _before_competitors(text)))


def _brands(brand: str, text: str) -> list[str]:
    """The centre's own names: the account that answered and the support accounts the text addresses."""
    handles = ([brand] if brand and not brand.startswith("(") else []) + [
        h for h in re.findall(r"@(\w+)", text) if not h.isdigit()]
    return [w for h in handles for w in brand_words(h)]


def _right(cue: str, label: str) -> bool:
    return label in ("yes", "hedged") if cue == "churn" else label == "yes"


def _shares(judge: _Judge, tweets: list[dict], source: str) -> dict[str, float]:
    """Share of all customer tweets each cue flags (competitor: any name proposed)."""
    texts = [t["text"] for t in tweets]
    clf = judge.clf
    comp = 0
    for t in tweets:
        comp += bool(judge.finder(source, tuple(_brands(t["brand"], t["text"]))).find(t["text"]))
    return {"churn": sum(x is not None for x in clf.churn_strength(texts)) / len(texts),
            "testimonial": sum(clf.testimonials(texts)) / len(texts), "competitor": comp / len(texts)}


def _learned_cv(rows: list[tuple[dict, str, str]], clf: FeedbackClassifier, folds: int = 5) -> int:
    """Out-of-fold precision and recall of logistic regression on the tweets' testimonial labels."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from earful.nlp.embed import default_embedder

    label: dict[tuple, tuple[dict, str]] = {}
    for c, split, lab in rows:  # the second reading replaces the first where there is one
        if c["cue"] == "testimonial" and c["source"] != "sim" and (split != "heldout" or _key(c) not in label):
            label[_key(c)] = (c, lab)
    texts = [c["text"] for c, _ in label.values()]
    y = np.array([lab == "yes" for _, lab in label.values()])
    groups = [c["id"] for c, _ in label.values()]
    rules = np.array(clf.testimonials(texts))
    print(f"{len(texts)} labelled praise-net tweets, {y.sum()} testimonials; {folds}-fold CV, folds by tweet")

    def line(name: str, hit: np.ndarray) -> None:
        right = int((hit & y).sum())
        lo, hi = _wilson(right, int(hit.sum())) if hit.sum() else (0.0, 0.0)
        print(f"  {name:44s} flags {hit.sum():3d}, right {right:3d}, precision {right / max(1, hit.sum()):.3f} "
              f"({lo:.2f}-{hi:.2f}), recall {right}/{y.sum()}")

    line("rules (in-sample: tuned on all of these)", rules)
    t0 = time.process_time()
    features = {"word 1-2-grams": None, "sentence embedding": default_embedder().encode(texts)}
    for name, x in features.items():
        oof = np.zeros(len(y))
        for tr, te in GroupKFold(folds).split(texts, y, groups):
            model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
            if x is None:
                vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
                model.fit(vec.fit_transform([texts[i] for i in tr]), y[tr])
                oof[te] = model.predict_proba(vec.transform([texts[i] for i in te]))[:, 1]
            else:
                oof[te] = model.fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
        for cut in (0.5, 0.7, 0.8):
            line(f"{name}, p > {cut}", oof > cut)
            line(f"  rules and {name}, p > {cut}", rules & (oof > cut))
            line(f"  rules or {name}, p > {cut}", rules | (oof > cut))
    print(f"CPU s: {time.process_time() - t0:.1f}")
    return 0


def _yelp_sentences(data: Path) -> list[str]:
    """Every review sentence of the UCI Yelp file (text before the tab), when the shared data has it."""
    path = data / "uci_sentiment" / "yelp_labelled.txt"
    if not path.exists():
        return []
    return [line.rsplit("\t", 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune-only", action="store_true",
                    help="while tuning: only the tune split, with the texts earful gets wrong (no held-out figure)")
    ap.add_argument("--errors", action="store_true",
                    help="print the texts earful gets wrong on both splits of the first sample (reported once, "
                         "so it may now be tuned on); never the fresh sample's")
    ap.add_argument("--learned-cv", action="store_true",
                    help="5-fold CV (by tweet) of logistic regression on the tweet labels, alone and with the rules")
    ap.add_argument("--compare", metavar="REV", help="also the cues as committed at this git revision")
    args = ap.parse_args(argv)
    data = Path(os.environ.get("EARFUL_SHARED_DATA", "../shared/data"))
    cands = voc_sample.candidates(data)
    labels = _labels("voc_labels.csv")
    assert len(cands) == len(labels) and all(_key(c) == _key(r) for c, r in zip(cands, labels)), \
        "the sample no longer matches the labels"
    tweets = voc_sample.twcs_tweets(data)
    kaggle = voc_sample.twcs_tweets(data, "kaggle_sample.csv")
    judge = _Judge({"twcs": [t["text"] for t in tweets], "kaggle": [t["text"] for t in kaggle],
                    "sim": [c["text"] for c in cands if c["source"] == "sim"]},
                   _previous(args.compare) if args.compare else None)
    # (candidate, split as reported, label): the first reader on both halves, the second reader on
    # the held-out half, the second reader on the fresh sample
    rows = [(c, r["split"], r["label"]) for c, r in zip(cands, labels)]
    second = {_key(r): r["label"] for r in _labels("voc_labels_second.csv")}
    rows += [(c, "heldout, 2nd reader", second[_key(c)]) for c in cands if _key(c) in second]
    fresh_labels = _labels("voc_labels_fresh.csv")
    if fresh_labels and not args.tune_only and not args.errors:
        fresh = {_key(c): c for c in voc_sample.fresh_candidates(data)}
        missing = [r for r in fresh_labels if _key(r) not in fresh]
        assert not missing and len(fresh) == len(fresh_labels), "the fresh sample no longer matches its labels"
        rows += [(fresh[_key(r)], "fresh", r["label"]) for r in fresh_labels]
    yelp_labels = _labels("voc_labels_yelp.csv")
    if yelp_labels and hasattr(voc_sample, "fresh_yelp_candidates") and not args.tune_only and not args.errors:
        yelp = {_key(c): c for c in voc_sample.fresh_yelp_candidates(data)}
        assert all(_key(r) in yelp for r in yelp_labels), "the Yelp sample no longer matches its labels"
        rows += [(yelp[_key(r)], "yelp", r["label"]) for r in yelp_labels]
    if args.learned_cv:
        return _learned_cv(rows, judge.clf)
    t0 = time.process_time()
    results: dict[tuple, list] = {}
    for c, split, label in rows:
        if args.tune_only and split != "tune":
            continue
        now, before = judge(c)
        ok = _right(c["cue"], label)
        if judge.previous is not None and c["cue"] == "testimonial":
            results.setdefault((c["cue"], split, "all", "previous"), []).append(
                (judge.previous.testimonials([c["text"]])[0], ok))
        if (args.tune_only or args.errors) and now != ok and split in ("tune", "heldout"):
            print(f"  miss {split:7s} {c['cue']:11s} {'FP' if now else 'FN'} {label:6s} {c['name']!r:20s} "
                  f"{' '.join(c['text'].split())[:160]}")
        for rule, hit in (("earful", now), ("before", before)):
            for src in (c["source"], "all"):
                results.setdefault((c["cue"], split, src, rule), []).append((hit, ok))
    cpu = time.process_time() - t0
    splits = ("tune",) if args.tune_only else ("tune", "heldout", "heldout, 2nd reader", "fresh", "yelp")
    for cue in ("churn", "competitor", "testimonial"):
        print(f"\n{cue}")
        for split in splits:
            for src in ("twcs", "kaggle", "sim", "all"):
                got = results.get((cue, split, src, "earful"), [])
                if got and (src == "all" or len({s for (q, sp, s, _) in results if q == cue and sp == split}) > 2):
                    print(f"  {split:20s} {src:6s} n={len(got):3d} positives={sum(ok for _, ok in got):3d}  "
                          f"earful: {_precision(got):54s} {_recall(got):12s} "
                          f"before: {_precision(results[(cue, split, src, 'before')])}")
                    prev = results.get((cue, split, src, "previous"))
                    if prev:
                        print(f"  {'':20s} {'':6s} {'':21s}previous ({args.compare}): {_precision(prev):54s} "
                              f"{_recall(prev)}")
    share = _shares(judge, tweets, "twcs")
    texts = [t["text"] for t in tweets]
    t1 = time.process_time()
    judge.clf.testimonials(texts)
    cpu_now = time.process_time() - t1
    t1 = time.process_time()
    share_before = sum(bool(BEFORE_PRAISE.search(t)) for t in texts) / len(texts)
    share_praise = sum(p == "praise" for p in judge.clf.predict(texts)) / len(texts)
    cpu_before = time.process_time() - t1
    print(f"\nshare of the {len(texts):,} customer tweets of twcs_first5000 flagged: churn {share['churn']:.1%}, "
          f"competitor name {share['competitor']:.1%}, testimonial {share['testimonial']:.1%} "
          f"(the old strong-praise words {share_before:.1%}; any praise, feedback type 'praise', {share_praise:.1%})")
    if kaggle:
        k = _shares(judge, kaggle, "kaggle")
        print(f"share of the {len(kaggle):,} customer tweets of kaggle_sample flagged: churn {k['churn']:.1%}, "
              f"competitor name {k['competitor']:.1%}, testimonial {k['testimonial']:.1%}")
    yelp_all = _yelp_sentences(data)
    if yelp_all:
        print(f"share of all {len(yelp_all):,} Yelp sentences (uci_sentiment) flagged: testimonial "
              f"{sum(judge.clf.testimonials(yelp_all)) / len(yelp_all):.1%}"
              + (f" (previous {sum(judge.previous.testimonials(yelp_all)) / len(yelp_all):.1%})" if judge.previous else "")
              + f"; the old strong-praise words {sum(bool(BEFORE_PRAISE.search(t)) for t in yelp_all) / len(yelp_all):.1%}")
    if judge.previous is not None:
        print(f"previous ({args.compare}) testimonial share of the customer tweets: "
              f"{sum(judge.previous.testimonials(texts)) / len(texts):.1%}")
    print(f"CPU s: sample {cpu:.2f}; testimonial rule over the tweets {cpu_now:.3f} vs the two praise peers {cpu_before:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
