"""Embeddings kept in the store: each text is embedded once per model, then read back.

Rows of the ``embeddings`` table are keyed by the encoder's ``model_id`` and the SHA-1 of the exact
text, so an interaction's vector is found through its customer words: reasons, topics and the
insights ask :func:`stored_embed` and only texts never seen by this model go through the encoder.
A changed text (re-redaction, a corrected transcript) simply hashes to a new row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import duckdb
import numpy as np

from earful.nlp.embed import Embedder, default_embedder
from earful.store.schema import has_table

_CHUNK = 4096  # texts embedded and written per transaction (an interrupted run keeps what it wrote)


def text_sha1(text: str) -> str:
    """Hex SHA-1 of the UTF-8 text (invalid code points replaced), the key of its stored vector."""
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def _read(con: duckdb.DuckDBPyConnection, model: str, keys: list[str], dim: int) -> dict[str, np.ndarray]:
    import pyarrow as pa

    con.register("_earful_emb_keys", pa.table({"text_sha1": keys}))
    try:
        tbl = con.sql("SELECT e.text_sha1, e.vector FROM embeddings e JOIN _earful_emb_keys k "
                          "ON k.text_sha1 = e.text_sha1 WHERE e.model = ?", params=[model]).to_arrow_table()
    finally:
        con.unregister("_earful_emb_keys")
    if tbl.num_rows == 0:
        return {}
    flat = tbl.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    mat = np.asarray(flat, dtype=np.float32).reshape(tbl.num_rows, dim)
    return dict(zip(tbl.column("text_sha1").to_pylist(), mat))


def _write(con: duckdb.DuckDBPyConnection, model: str, keys: list[str], vecs: np.ndarray) -> None:
    import pyarrow as pa

    from earful.store.db import transaction

    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    arr = pa.ListArray.from_arrays(pa.array(np.arange(0, vecs.size + 1, vecs.shape[1], dtype=np.int32)),
                                   pa.array(vecs.reshape(-1)))
    con.register("_earful_emb_new", pa.table({"text_sha1": keys, "vector": arr}))
    try:
        with transaction(con):
            con.execute("INSERT INTO embeddings (model, text_sha1, vector) SELECT ?, text_sha1, vector "
                        "FROM _earful_emb_new ON CONFLICT DO NOTHING", [model])
    finally:
        con.unregister("_earful_emb_new")


def stored_embed(con: duckdb.DuckDBPyConnection, texts: Sequence[str], embedder: Embedder | None = None,
                 progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(n, d) unit vectors of ``texts``: read from the store where this model embedded the same text
    before, else embedded now (each distinct text once) and stored for next time.

    ``progress(done, total)`` counts the texts that needed the encoder. A store without the
    ``embeddings`` table (opened read-only before its migration) just embeds.
    """
    emb = embedder or default_embedder()
    texts = [str(t) if t is not None else "" for t in texts]
    if not has_table(con, "embeddings"):
        return emb.encode(texts)
    emb._load()
    keys = [text_sha1(t) for t in texts]
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    found = _read(con, emb.model_id, list(first), emb.dim)
    missing = [k for k in first if k not in found]
    if progress:
        progress(0, len(missing))
    for start in range(0, len(missing), _CHUNK):
        part = missing[start : start + _CHUNK]
        vecs = emb.encode([texts[first[k]] for k in part])
        _write(con, emb.model_id, part, vecs)
        found.update(zip(part, vecs))
        if progress:
            progress(min(start + _CHUNK, len(missing)), len(missing))
    out = np.empty((len(texts), emb.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        out[i] = found[k]
    return out


def stored_count(con: duckdb.DuckDBPyConnection, model: str | None = None) -> int:
    """How many vectors the store keeps (of ``model`` when given)."""
    if not has_table(con, "embeddings"):
        return 0
    sql, params = "SELECT count(*) FROM embeddings", []
    if model is not None:
        sql, params = sql + " WHERE model = ?", [model]
    return int(con.execute(sql, params).fetchone()[0])
