"""Precision of the voice-of-the-customer cues on the hand-labelled sample (bench/data/voc_labels.csv).

For each cue (churn risk, competitor, testimonial) and each split (``tune``: looked at while the
cues were tuned; ``heldout``: never looked at), the candidates earful flags and the share of them
a person labelled right, beside the rules earful used before (the peer, same run). Also: the
share of all customer tweets each rule calls a testimonial candidate, and CPU seconds.

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


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune-only", action="store_true",
                    help="while tuning: only the tune split, with the texts earful gets wrong (no held-out figure)")
    ap.add_argument("--errors", action="store_true",
                    help="print the texts earful gets wrong on both splits of this sample (it has been reported "
                         "once and may now be tuned on; the fresh sample stays unseen)")
    args = ap.parse_args(argv)
    data = Path(os.environ.get("EARFUL_SHARED_DATA", "../shared/data"))
    cands = voc_sample.candidates(data)
    labels = list(csv.DictReader(open(Path(__file__).parent / "data" / "voc_labels.csv", encoding="utf-8")))
    assert len(cands) == len(labels) and all(
        (c["source"], c["id"], c["cue"], c["name"]) == (r["source"], r["id"], r["cue"], r["name"])
        for c, r in zip(cands, labels)), "the sample no longer matches the labels"
    clf = FeedbackClassifier().fit()
    tweets = voc_sample.twcs_tweets(data)
    finders = {}
    for source, texts in (("twcs", [t["text"] for t in tweets]), ("sim", [c["text"] for c in cands if c["source"] == "sim"])):
        finders[source] = texts
    t0 = time.process_time()
    results: dict[tuple, list] = {}
    for c, r in zip(cands, labels):
        text, cue, label = c["text"], c["cue"], r["label"]
        if cue == "churn":
            now = clf.churn_strength([text])[0] is not None
            before = bool(BEFORE_CHURN.search(text))
            ok = label in ("yes", "hedged")
        elif cue == "testimonial":
            now = clf.testimonials([text])[0]
            before = bool(BEFORE_PRAISE.search(text))
            ok = label == "yes"
        else:
            # the centre's own names: the account that answered and the support accounts the text addresses
            handles = ([c["brand"]] if c["brand"] and not c["brand"].startswith("(") else []) + [
                h for h in re.findall(r"@(\w+)", text) if not h.isdigit()]
            brands = [w for h in handles for w in brand_words(h)]
            finder = CompetitorFinder(brands=brands).fit(finders[c["source"]])
            now = any(_same(n, c["name"]) for n in finder.find(text))
            before = any(_same(n, c["name"]) for n in _before_competitors(text))
            ok = label == "yes"
        if args.tune_only and r["split"] == "heldout":
            continue
        if (args.tune_only or args.errors) and now != ok:
            print(f"  miss {r['split']:7s} {cue:11s} {'FP' if now else 'FN'} {label:6s} {c['name']!r:20s} {' '.join(text.split())[:160]}")
        for rule, hit in (("earful", now), ("before", before)):
            for src in (c["source"], "all"):
                results.setdefault((cue, r["split"], src, rule), []).append((hit, ok))
    cpu = time.process_time() - t0
    for cue in ("churn", "competitor", "testimonial"):
        print(f"\n{cue}")
        for split in ("tune",) if args.tune_only else ("tune", "heldout"):
            for src in ("twcs", "sim", "all"):
                rows = results.get((cue, split, src, "earful"), [])
                if rows:
                    print(f"  {split:8s} {src:5s} n={len(rows):3d} positives={sum(ok for _, ok in rows):3d}  "
                          f"earful: {_precision(rows):54s} before: {_precision(results[(cue, split, src, 'before')])}")
    texts = [t["text"] for t in tweets]
    t1 = time.process_time()
    share_now = sum(clf.testimonials(texts)) / len(texts)
    cpu_now = time.process_time() - t1
    t1 = time.process_time()
    share_before = sum(bool(BEFORE_PRAISE.search(t)) for t in texts) / len(texts)
    share_praise = sum(p == "praise" for p in clf.predict(texts)) / len(texts)
    cpu_before = time.process_time() - t1
    print(f"\ntestimonial candidates among {len(texts):,} customer tweets: earful {share_now:.1%} "
          f"(the old strong-praise words {share_before:.1%}; any praise, feedback type 'praise', {share_praise:.1%})")
    print(f"CPU s: sample {cpu:.2f}; testimonial rule over the tweets {cpu_now:.3f} vs the two peers {cpu_before:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
