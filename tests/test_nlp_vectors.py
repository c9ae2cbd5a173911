"""Embeddings kept in the store: each distinct text embedded once per model, read back unchanged."""

from __future__ import annotations

import numpy as np

from earful.nlp.embed import Embedder
from earful.nlp.vectors import stored_count, stored_embed, text_sha1


def test_each_text_is_embedded_once_and_read_back_exactly(con) -> None:
    emb = Embedder(cache_size=0)  # no in-memory cache: only the store can spare the encoder
    texts = ["my card was declined at the shop", "where is my refund", "my card was declined at the shop",
             "", "Café ünïcode 🙂 text"]
    seen: list[int] = []
    first = stored_embed(con, texts, emb, progress=lambda done, total: seen.append(total))
    assert seen[0] == 4  # four distinct texts went through the encoder
    assert stored_count(con) == 4 == stored_count(con, emb.model_id) and stored_count(con, "other") == 0
    assert np.allclose(first, emb.encode(texts), atol=1e-6)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)

    seen.clear()
    again = stored_embed(con, list(reversed(texts)) + ["a new text"], emb, progress=lambda d, t: seen.append(t))
    assert seen[0] == 1  # only the new text needed the encoder
    assert np.array_equal(again[:-1], first[::-1])
    assert stored_count(con) == 5
    row = con.execute("SELECT model, len(vector) FROM embeddings WHERE text_sha1 = ?", [text_sha1("where is my refund")]).fetchone()
    assert row == (emb.model_id, emb.dim)


def test_length_buckets_bound_padding_and_cover_every_text() -> None:
    from earful.nlp.embed import length_buckets

    lengths = np.sort(np.random.default_rng(0).integers(3, 129, 2000))
    batches = length_buckets(lengths, 256, 4096)
    assert np.array_equal(np.concatenate(batches), np.arange(2000))
    assert all(len(b) <= 256 and (len(b) == 1 or len(b) * lengths[b[-1]] <= 4096) for b in batches)
    assert len(batches[0]) > 4 * len(batches[-1])  # short texts travel in larger batches
    assert [len(b) for b in length_buckets(lengths, 64, None)] == [64] * 31 + [16]
