"""Who spoke when on a mono recording: two-speaker clustering of voice timbre.

Method (docs/voice.md): the words are grouped into stretches split at pauses of at least
``pause_s`` (and at most ``max_chunk_s`` long); each stretch is described by the mean and
spread of its log-mel spectrum (Whisper's own 80-band features, voiced frames only); the
descriptions are standardised and split into two groups by 2-means. The speaker of the first
stretch is the agent (an inbound call opens with the agent's greeting). When the two groups
are not well apart (separation below ``min_separation``) or one holds less than
``min_share`` of the speech, the speakers are left unknown rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from earful.voice.audio import SAMPLE_RATE
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


def _two_means(x: np.ndarray, weights: np.ndarray, iters: int = 30) -> np.ndarray:
    """Deterministic 2-means: seeds are the first row and the row farthest from it."""
    c0 = x[0]
    c1 = x[int(np.argmax(((x - c0) ** 2).sum(1)))]
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iters):
        d0 = ((x - c0) ** 2).sum(1)
        d1 = ((x - c1) ** 2).sum(1)
        new = (d1 < d0).astype(int)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        if labels.min() == labels.max():
            break
        c0 = np.average(x[labels == 0], axis=0, weights=weights[labels == 0])
        c1 = np.average(x[labels == 1], axis=0, weights=weights[labels == 1])
    return labels


class Diariser:
    """Label each word of a two-party mono call ``agent`` or ``customer`` (or leave all None)."""

    def __init__(self, pause_s: float = 0.3, max_chunk_s: float = 3.0, min_separation: float = 1.2,
                 min_share: float = 0.1) -> None:
        self.pause_s = pause_s
        self.max_chunk_s = max_chunk_s
        self.min_separation = min_separation
        self.min_share = min_share

    def fit_predict(self, samples: np.ndarray, words: Sequence[Word]) -> list[str | None]:
        """One label per word; all None when two speakers cannot be told apart."""
        self.separation_ = None
        if len(words) < 4:
            return [None] * len(words)
        groups = _chunks(words, self.pause_s, self.max_chunk_s)
        if len(groups) < 2:
            return [None] * len(words)
        mel = _features(samples)
        rows, weights = [], []
        for g in groups:
            a = int(words[g[0]].start_s / HOP_S)
            b = max(a + 3, int(words[g[-1]].end_s / HOP_S))
            seg = mel[:, a:b]
            if seg.shape[1] < 3:
                seg = mel[:, max(0, a - 3):a + 3]
            energy = seg.mean(0)
            voiced = seg[:, energy >= np.median(energy)] if seg.shape[1] >= 6 else seg
            rows.append(np.concatenate([voiced.mean(1), voiced.std(1)]))
            weights.append(max(words[g[-1]].end_s - words[g[0]].start_s, 0.05))
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
        agent = labels[0]
        out: list[str | None] = [None] * len(words)
        for g, lab in zip(groups, labels):
            for i in g:
                out[i] = "agent" if lab == agent else "customer"
        return out


def speaker_error(truth: Sequence[tuple[str, float, float]], guess: Sequence[tuple[str | None, float, float]],
                  duration_s: float, step_s: float = 0.01) -> float:
    """Share of speech time (in the truth) attributed to the wrong party or to nobody."""
    n = int(duration_s / step_s) + 1
    t = np.full(n, -1)
    g = np.full(n, -1)
    code = {"agent": 0, "customer": 1}
    for spk, a, b in truth:
        t[int(a / step_s):int(b / step_s)] = code[spk]
    for spk, a, b in guess:
        if spk in code:
            g[int(a / step_s):int(b / step_s)] = code[spk]
    speech = t >= 0
    return float((g[speech] != t[speech]).mean()) if speech.any() else 0.0


__all__ = ["Diariser", "speaker_error", "SAMPLE_RATE"]
