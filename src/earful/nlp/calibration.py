"""Sentiment calibrated to the centre's own customers, from comments they rated.

The shipped sentiment scorer learnt from restaurant and film reviews; a centre's customers write
differently and are, on the whole, kinder or harsher. Where the centre has rated comments (a survey
answer with a CSAT rating and a comment), :class:`SentimentCalibration` learns, per channel of the
rated contact (and pooled over all channels), Platt's logistic map from the raw score s to the
chance that the customer was satisfied:

    P(satisfied | s) = 1 / (1 + exp(−(a·s + b))),   calibrated score = 2·P − 1

fitted on comments rated ≥ ``positive_from`` (satisfied) or ≤ ``negative_to`` (not), so b carries
the channel's own balance of happy and unhappy customers and a how far the scorer's words can be
trusted there. On the calibrated score the neutral band's edges are then chosen per channel for the
best macro F1 on the same rated comments (negative ≤ ``negative_to``, neutral in between, positive
≥ ``positive_from``; with no neutral rating the band closes to one cut between the two), because
where most customers are happy a calibrated "more likely unhappy than not" is rare and macro F1
wants the unhappy minority found. A channel with fewer than
``min_comments`` rated comments uses the pooled map; with fewer than that in all, there is no
calibration and enrichment keeps the raw score.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np

from earful.errors import InputError

POOLED = "*"
SENTIMENT_CALIBRATION = "sentiment_calibration"


def label_between(scores: np.ndarray, low, high) -> np.ndarray:
    """Negative at or below `low`, positive at or above `high` (and above `low`), else neutral."""
    s = np.nan_to_num(np.asarray(scores, dtype=float))
    return np.where(s <= low, "negative", np.where(s >= high, "positive", "neutral")).astype(object)


class SentimentCalibration:
    """Per-channel Platt maps from raw sentiment scores to calibrated ones (module doc)."""

    def __init__(self, *, positive_from: float = 4, negative_to: float = 2, min_comments: int = 50,
                 C: float = 1.0) -> None:
        self.positive_from = positive_from
        self.negative_to = negative_to
        self.min_comments = min_comments
        self.C = C

    def fit(self, scores: Sequence[float], ratings: Sequence[float],
            channels: Sequence[str | None] | None = None) -> "SentimentCalibration":
        """Learn ``maps_`` {channel: (a, b)} (and the pooled ``"*"``) from raw scores and ratings."""
        from sklearn.linear_model import LogisticRegression

        s = np.asarray(scores, dtype=float)
        r = np.asarray(ratings, dtype=float)
        ch = np.asarray([c or POOLED for c in (channels if channels is not None else [None] * len(s))], dtype=object)
        if not len(s) == len(r) == len(ch):
            raise InputError("scores, ratings and channels differ in length")
        rated = ~np.isnan(s) & ~np.isnan(r) & ((r >= self.positive_from) | (r <= self.negative_to))
        self.maps_: dict[str, tuple[float, float]] = {}
        self.comments_: dict[str, int] = {}
        groups = [(POOLED, rated)] + [(c, rated & (ch == c)) for c in sorted(set(ch[rated]) - {POOLED})]
        for name, sel in groups:
            y = (r[sel] >= self.positive_from).astype(int)
            if sel.sum() < self.min_comments or y.min() == y.max():
                continue
            lr = LogisticRegression(C=self.C).fit(s[sel, None], y)
            self.maps_[name] = (float(lr.coef_[0, 0]), float(lr.intercept_[0]))
            self.comments_[name] = int(sel.sum())
        self.edges_: dict[str, tuple[float, float]] = {}
        for name in self.maps_:
            sel = ~np.isnan(s) & ~np.isnan(r) & ((ch == name) if name != POOLED else True)
            self.edges_[name] = self._edges(self.transform(s[sel], [name] * int(sel.sum())), r[sel])
        return self

    def _edges(self, cal: np.ndarray, r: np.ndarray) -> tuple[float, float]:
        """The (low, high) neutral-band edges on calibrated scores with the best macro F1 on ratings r."""
        from sklearn.metrics import f1_score

        gold = np.where(r >= self.positive_from, "positive", np.where(r <= self.negative_to, "negative", "neutral"))
        cuts = np.unique(np.concatenate([np.quantile(cal, np.linspace(0.02, 0.98, 49)), [-1 / 3, 1 / 3]]))
        three = (gold == "neutral").any()
        best, edges = -1.0, (-1 / 3, 1 / 3)
        for lo in cuts:
            for hi in (cuts[cuts >= lo] if three else [lo]):
                f1 = f1_score(gold, label_between(cal, lo, hi), average="macro")
                if f1 > best + 1e-9:
                    best, edges = f1, (float(lo), float(hi))
        return edges

    def label(self, scores: Sequence[float], channels: Sequence[str | None] | None = None) -> np.ndarray:
        """"negative", "neutral" or "positive" per raw score, by its channel's calibrated score and band
        edges (the default ±1/3 band on the raw score where nothing was learnt)."""
        cal = self.transform(scores, channels)
        chans = channels if channels is not None else [None] * len(cal)
        edges = getattr(self, "edges_", {})
        lo, hi = np.array([edges.get(c or POOLED) or edges.get(POOLED) or (-1 / 3, 1 / 3) for c in chans]).reshape(-1, 2).T
        return label_between(cal, lo, hi)

    def probability(self, scores: Sequence[float], channels: Sequence[str | None] | None = None) -> np.ndarray:
        """P(satisfied) per raw score, with its channel's map (else the pooled one; NaN stays NaN)."""
        s = np.asarray(scores, dtype=float)
        chans = channels if channels is not None else [None] * len(s)
        a = np.empty(len(s))
        b = np.empty(len(s))
        for i, c in enumerate(chans):
            a[i], b[i] = self.maps_.get(c or POOLED) or self.maps_.get(POOLED, (2.0, 0.0))
        return 1.0 / (1.0 + np.exp(-(a * s + b)))

    def transform(self, scores: Sequence[float], channels: Sequence[str | None] | None = None) -> np.ndarray:
        """Calibrated scores 2·P(satisfied) − 1 (raw scores where no map was learnt)."""
        s = np.asarray(scores, dtype=float)
        if not getattr(self, "maps_", None):
            return s
        return 2.0 * self.probability(s, channels) - 1.0

    def save(self, path: str | Path) -> Path:
        """Write the learnt maps, band edges and comment counts as JSON (a few numbers, no pickle)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"params": {"positive_from": self.positive_from, "negative_to": self.negative_to,
                            "min_comments": self.min_comments, "C": self.C},
                 "maps": self.maps_, "edges": self.edges_, "comments": self.comments_}
        path.write_text(json.dumps(state, indent=1), encoding="utf-8")
        return path

    @staticmethod
    def load(path: str | Path) -> "SentimentCalibration":
        """Read a calibration written by :meth:`save`."""
        state = json.loads(Path(path).read_text(encoding="utf-8"))
        cal = SentimentCalibration(**state["params"])
        cal.maps_ = {k: tuple(v) for k, v in state["maps"].items()}
        cal.edges_ = {k: tuple(v) for k, v in state["edges"].items()}
        cal.comments_ = dict(state["comments"])
        return cal


_RATED = """
SELECT s.text, s.csat, coalesce(c.channel, s.channel) AS channel
FROM interactions s LEFT JOIN interactions c ON c.id = s.related_id
WHERE s.channel = 'survey' AND s.csat IS NOT NULL AND nullif(trim(s.text), '') IS NOT NULL
ORDER BY s.id
"""


def rated_comments(con: duckdb.DuckDBPyConnection) -> tuple[list[str], np.ndarray, list[str]]:
    """(comments, CSAT ratings, channel of the rated contact) of the store's survey answers."""
    rows = con.execute(_RATED).fetchall()
    return [r[0] for r in rows], np.array([r[1] for r in rows], dtype=float), [r[2] for r in rows]


def fit_sentiment_calibration(con: duckdb.DuckDBPyConnection, *, min_comments: int = 50
                              ) -> SentimentCalibration | None:
    """Fit the calibration on the store's rated comments, save it beside the store and record it in
    ``models`` (enrichment then uses it); None, and nothing saved, when too few comments are rated."""
    from earful.nlp.models import _record, models_dir
    from earful.nlp.sentiment import default_scorer

    texts, ratings, channels = rated_comments(con)
    if not texts:
        return None
    cal = SentimentCalibration(min_comments=min_comments).fit(default_scorer().score(texts), ratings, channels)
    if not cal.maps_:
        return None
    path = cal.save(models_dir(con) / "sentiment_calibration.json")
    _record(con, SENTIMENT_CALIBRATION, "sentiment_calibration", {"min_comments": min_comments},
            {"comments": cal.comments_, "maps": {k: list(v) for k, v in cal.maps_.items()}}, path)
    return cal


def stored_calibration(con: duckdb.DuckDBPyConnection) -> SentimentCalibration | None:
    """The store's fitted sentiment calibration, if any."""
    from earful.nlp.models import _stored

    return _stored(con, SENTIMENT_CALIBRATION, SentimentCalibration)
