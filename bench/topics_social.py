"""Topic labels on social text, and what the text hygiene costs on clean utterances, in one run.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/topics_social.py

Customer tweets of the Customer Support on Twitter corpus (the inbound tweets of its first 5,000
rows, to 76 brands' support accounts): topics fitted with and without the hygiene, and every label
checked for a handle, a link or a brand token. The check is written apart from the cleaner: a label
word is flagged when it is a link fragment, a number (anonymised user ids), any handle the corpus
addresses, or the name of one of the support accounts that answer in the corpus (the account name,
and its capitalised parts of four letters or more). BANKING77: V-measure of the topics against
the 77 intents with and without the hygiene, the same seed and k.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("EARFUL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SEED = 0
_GENERIC = {"help", "support", "cares", "care", "tweets", "assist", "team", "service", "helps", "official"}


def flagged_words(rows: list[dict]) -> set[str]:
    words = {h.lower() for r in rows for h in re.findall(r"@(\w+)", r["text"])}
    for author in {r["author_id"] for r in rows if r["inbound"] != "True"}:
        words.add(author.lower())
        words.update(p.lower() for p in re.findall(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+", author)
                     if len(p) >= 4 and p.lower() not in _GENERIC)
    return words


def bad_tokens(label: str, flagged: set[str]) -> list[str]:
    out = []
    for tok in re.split(r"[\s,/]+", label.lower()):
        if not tok:
            continue
        if tok.startswith(("http", "www")) or tok in {"co", "t.co"} or ".com" in tok or tok.isdigit() or tok in flagged:
            out.append(tok)
    return out


def main() -> None:
    from sklearn.metrics import v_measure_score

    from earful.nlp.embed import encode_cached
    from earful.nlp.topics import SHORT_TOPIC, TopicModel

    print(f"# load {os.getloadavg()[0]:.1f}", flush=True)
    with open(DATA / "twcs" / "twcs_first5000.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("text")]
    texts = [r["text"] for r in rows if r["inbound"] == "True"]
    flagged = flagged_words(rows)
    for name, cleaner in (("as they are", None), ("with hygiene", "default")):
        tm = TopicModel(seed=SEED, cleaner=cleaner)
        emb = encode_cached(tm.clean(texts))
        c0 = time.process_time()
        tm.fit(texts, emb)
        cpu = time.process_time() - c0
        topics = tm.topics()
        bad = {t["label"]: bad_tokens(t["label"], flagged) for t in topics}
        n_bad = sum(1 for v in bad.values() if v)
        print(f"twcs {len(texts):,} customer tweets, {name}: {len(topics)} topics "
              f"({int(np.sum(tm.labels_ == SHORT_TOPIC)):,} short messages in the outlier topic), "
              f"{n_bad} labels with a handle/link/brand token, {cpu:.1f} CPU-s", flush=True)
        for t in topics[:12] if "--all" not in sys.argv else topics:
            print(f"    {t['size']:4d}  {t['label']}" + (f"   <-- {bad[t['label']]}" if bad[t['label']] else ""))
        if "--all" not in sys.argv:
            for t in topics[12:]:
                if bad[t["label"]]:
                    print(f"    {t['size']:4d}  {t['label']}   <-- {bad[t['label']]}")
    with open(DATA / "banking77" / "train.csv", newline="") as f:
        brows = list(csv.DictReader(f))
    btexts, y = [r["text"] for r in brows], np.array([r["category"] for r in brows])
    for name, cleaner in (("as they are", None), ("with hygiene", "default")):
        tm = TopicModel(seed=SEED, cleaner=cleaner)
        emb = encode_cached(tm.clean(btexts))
        tm.fit(btexts, emb)
        print(f"banking77 {len(btexts):,} utterances, {name}: k={tm.n_topics_}, "
              f"{int(np.sum(tm.labels_ == SHORT_TOPIC))} short, V-measure {v_measure_score(y, tm.labels_):.4f}", flush=True)


if __name__ == "__main__":
    main()
