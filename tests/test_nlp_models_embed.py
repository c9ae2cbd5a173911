"""Embeddings: all-MiniLM-L6-v2 in NumPy gives unit vectors that put paraphrases together."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from earful.nlp.embed import Embedder, embed, encode_cached


@pytest.fixture(scope="module")
def banking_sample(shared_data: Path) -> tuple[list[str], list[str]]:
    with open(shared_data / "banking77" / "train.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    keep = ("card_arrival", "exchange_rate", "lost_or_stolen_card", "top_up_failed")
    rows = [r for r in rows if r["category"] in keep]
    by: dict[str, list[str]] = {}
    for r in rows:
        by.setdefault(r["category"], []).append(r["text"])
    texts = [t for k in keep for t in by[k][:15]]
    labels = [k for k in keep for _ in by[k][:15]]
    return texts, labels


def test_unit_vectors_and_shape() -> None:
    v = embed(["How do I activate my card?", "", "what is the exchange rate"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(v).all()


def test_paraphrases_closer_than_unrelated() -> None:
    v = embed(["How do I activate my card?", "My new card needs activating, how?",
               "What is the exchange rate for euros?"])
    sim = v @ v.T
    assert sim[0, 1] > 0.7
    assert sim[0, 2] < 0.3


def test_same_intent_neighbours(banking_sample: tuple[list[str], list[str]]) -> None:
    """Nearest neighbour of each real utterance shares its intent far above chance (25 %)."""
    texts, labels = banking_sample
    v = Embedder(cache_size=0).encode(texts)
    sim = v @ v.T
    np.fill_diagonal(sim, -1)
    nn = sim.argmax(1)
    acc = np.mean([labels[i] == labels[j] for i, j in enumerate(nn)])
    assert acc >= 0.85


def test_batching_and_padding_do_not_change_vectors(banking_sample: tuple[list[str], list[str]]) -> None:
    texts = banking_sample[0][:20]
    one_by_one = np.vstack([Embedder(cache_size=0, batch_size=1).encode([t]) for t in texts[:5]])
    batched = Embedder(cache_size=0, batch_size=16).encode(texts)[:5]
    assert np.allclose(one_by_one, batched, atol=1e-4)


def test_memory_and_disk_cache(tmp_path: Path) -> None:
    e = Embedder(cache_size=10)
    texts = ["card not arrived", "card not arrived", "top up failed"]
    a = e.encode(texts)
    assert len(e._cache) == 2 and np.array_equal(a[0], a[1])
    assert np.array_equal(e.encode(["top up failed"])[0], a[2])
    m1 = encode_cached(texts, e, folder=tmp_path)
    files = list(tmp_path.glob("emb-*.npy"))
    assert len(files) == 1
    m2 = encode_cached(texts, e, folder=tmp_path)
    assert np.array_equal(m1, m2)
