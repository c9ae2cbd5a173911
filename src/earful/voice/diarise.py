"""Who spoke when on a mono recording: two-speaker clustering of voice timbre.

Method (docs/voice.md): the words are grouped into stretches the voice-activity detector found
(split where nobody speaks for 0.3 s; cut to at most ``max_chunk_s``); each stretch is described by the cepstrum of
its mean log-mel spectrum (Whisper's own 80-band features, louder half of the frames, loudness
left out); the
descriptions are standardised and split into two groups by 2-means (seeded along the first principal
axis). The speaker holding most of the first ``opening_s`` of speech is the agent (an inbound call opens with the agent's greeting). When the two groups
are not well apart (separation below ``min_separation``) or one holds less than
``min_share`` of the speech, the speakers are left unknown rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from earful.voice.transcribe import Word

HOP_S = 0.01  # Whisper's feature hop


def _chunks(words: Sequence[Word], pause_s: float, max_chunk_s: float) -> list[list[int]]:
    groups: list[list[int]] = []
    for i, w in enumerate(words):
        if groups:
            last = words[groups[-1][-1]]
            first = words[groups[-1][0]]
            if w.start_s - last.end_s < pause_s and w.end_s - first.start_s <= max_chunk_s:
                groups[-1].append(i)
                continue
        groups.append([i])
    return groups


def _features(samples: np.ndarray) -> np.ndarray:
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor(feature_size=80)(samples, padding=0)  # (80, frames), log-mel


def _cepstrum(shape: np.ndarray, n: int = 20) -> np.ndarray:
    """Cepstral coefficients 1..n of a log-mel spectrum shape (loudness, c0, left out)."""
    k = np.arange(len(shape))
    basis = np.cos(np.pi / len(shape) * (k + 0.5)[None, :] * np.arange(1, n + 1)[:, None])
    return basis @ shape


def _two_means(x: np.ndarray, weights: np.ndarray, iters: int = 50) -> np.ndarray:
    """Deterministic 2-means from every pair of seeds along the first principal axis (its ends and
    quartiles); the split with the least weighted within-group scatter wins."""
    centred = x - np.average(x, axis=0, weights=weights)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    proj = centred @ axis
    order = np.argsort(proj)
    q = [order[int(f * (len(order) - 1))] for f in (0.0, 0.25, 0.75, 1.0)]
    best, best_cost = np.zeros(len(x), dtype=int), np.inf
    for a, b in ((q[0], q[3]), (q[1], q[2]), (q[0], q[2]), (q[1], q[3])):
        c = np.stack([x[a], x[b]])
        labels = np.zeros(len(x), dtype=int)
        for it in range(iters):
            new = (((x - c[1]) ** 2).sum(1) < ((x - c[0]) ** 2).sum(1)).astype(int)
            if labels.min() == labels.max() and new.min() == new.max():
                break
            if it and np.array_equal(new, labels):
                break
            labels = new
            if labels.min() == labels.max():
                break
            c = np.stack([np.average(x[labels == k], axis=0, weights=weights[labels == k]) for k in (0, 1)])
        if labels.min() == labels.max():
            continue
        cost = float((weights * ((x - c[labels]) ** 2).sum(1)).sum())
        if cost < best_cost:
            best, best_cost = labels, cost
    return best


class Diariser:
    """Label each word of a two-party mono call ``agent`` or ``customer`` (or leave all None)."""

    def __init__(self, pause_s: float = 0.3, max_chunk_s: float = 3.0, min_separation: float = 1.6,
                 min_share: float = 0.1, opening_s: float = 2.0) -> None:
        self.pause_s = pause_s
        self.max_chunk_s = max_chunk_s
        self.min_separation = min_separation
        self.min_share = min_share
        self.opening_s = opening_s

    def fit_predict(self, samples: np.ndarray, words: Sequence[Word],
                    speech: Sequence[tuple[float, float]] | None = None) -> list[str | None]:
        """One label per word; all None when two speakers cannot be told apart.

        ``speech``: the VAD's speech stretches (their pauses are where a speaker can change);
        without them the words' own pauses are used.
        """
        self.separation_ = None
        if len(words) < 4:
            return [None] * len(words)
        pieces = _pieces(speech, self.max_chunk_s) if speech else \
            [(words[g[0]].start_s, words[g[-1]].end_s) for g in _chunks(words, self.pause_s, self.max_chunk_s)]
        if len(pieces) < 2:
            return [None] * len(words)
        mel = _features(samples)
        rows, weights = [], []
        for a_s, b_s in pieces:
            a = int(a_s / HOP_S)
            b = max(a + 3, int(b_s / HOP_S))
            seg = mel[:, a:b]
            if seg.shape[1] < 3:
                seg = mel[:, max(0, a - 3):a + 3]
            energy = seg.mean(0)
            voiced = seg[:, energy >= np.median(energy)] if seg.shape[1] >= 6 else seg
            shape = voiced.mean(1)
            rows.append(_cepstrum(shape - shape.mean()))
            weights.append(max(b_s - a_s, 0.05))
        x = np.asarray(rows)
        x = (x - x.mean(0)) / (x.std(0) + 1e-6)
        w = np.asarray(weights)
        labels = _two_means(x, w)
        if labels.min() == labels.max():
            return [None] * len(words)
        c = [np.average(x[labels == k], axis=0, weights=w[labels == k]) for k in (0, 1)]
        within = np.sqrt(np.average(((x - np.asarray(c)[labels]) ** 2).sum(1), weights=w))
        self.separation_ = float(np.linalg.norm(c[0] - c[1]) / (within + 1e-9))
        share = min(w[labels == 0].sum(), w[labels == 1].sum()) / w.sum()
        if self.separation_ < self.min_separation or share < self.min_share:
            return [None] * len(words)
        # the agent opens the call: the label holding most of the first opening_s of speech
        t0 = pieces[0][0]
        opening = np.zeros(2)
        for (a_s, b_s), lab in zip(pieces, labels):
            opening[lab] += max(0.0, min(b_s, t0 + self.opening_s) - a_s)
        agent = int(np.argmax(opening))
        starts = np.asarray([a for a, _ in pieces])
        out: list[str | None] = []
        for wd in words:
            mid = (wd.start_s + wd.end_s) / 2
            k = int(np.clip(np.searchsorted(starts, mid, side="right") - 1, 0, len(pieces) - 1))
            out.append("agent" if labels[k] == agent else "customer")
        return out


def _pieces(speech: Sequence[tuple[float, float]], max_s: float) -> list[tuple[float, float]]:
    """Speech stretches cut into pieces of at most ``max_s`` seconds."""
    out = []
    for a, b in speech:
        n = max(1, int(np.ceil((b - a) / max_s)))
        step = (b - a) / n
        out += [(a + i * step, a + (i + 1) * step) for i in range(n)]
    return out
