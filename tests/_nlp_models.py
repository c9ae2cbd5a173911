"""Shared helpers for the nlp-models tests: a fixed BANKING77 subset and its embeddings."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

INTENTS = 20
PER_INTENT = 50


@lru_cache(maxsize=None)
def banking_subset(data: Path) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """First 20 intents (alphabetical), 50 utterances each: (texts, labels, embeddings)."""
    from earful.nlp.embed import embed

    with open(data / "banking77" / "train.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    keep = sorted({r["category"] for r in rows})[:INTENTS]
    by: dict[str, list[str]] = {k: [] for k in keep}
    for r in rows:
        if r["category"] in by and len(by[r["category"]]) < PER_INTENT:
            by[r["category"]].append(r["text"])
    texts = tuple(t for k in keep for t in by[k])
    labels = np.array([k for k in keep for _ in by[k]])
    return texts, labels, embed(list(texts))
