"""Contact-reason classifier trained from the centre's own labels, with calibrated confidence.

Features: TF-IDF word 1-2-grams + TF-IDF character 2-5-grams + the sentence embedding (weighted),
concatenated; a linear SVM separates the reasons. Its scores become probabilities by temperature
scaling fitted on out-of-fold scores, p = softmax(s / T), so "confidence 0.8" means right about
80 % of the time. Below ``threshold`` the answer is ``"unknown"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from earful.errors import InputError

UNKNOWN = "unknown"


def _softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(1, keepdims=True)


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(scores / T) (grid + refine)."""
    rows = np.arange(len(y))

    def nll(t: float) -> float:
        p = _softmax(scores / t)
        return float(-np.log(np.maximum(p[rows, y], 1e-12)).mean())

    grid = np.geomspace(0.01, 10, 61)
    best = grid[int(np.argmin([nll(t) for t in grid]))]
    fine = np.geomspace(best / 1.25, best * 1.25, 21)
    return float(fine[int(np.argmin([nll(t) for t in fine]))])


class ReasonClassifier:
    """Predict a contact reason per text; ``"unknown"`` when the calibrated confidence < threshold.

    ``embedding_weight`` scales the (unit) sentence embedding against the TF-IDF blocks (0 turns
    embeddings off: no model needed). ``calibration_folds`` out-of-fold fits give the temperature.
    """

    def __init__(self, *, threshold: float = 0.5, C: float = 1.0, embedding_weight: float = 1.5,
                 calibration_folds: int = 3, seed: int = 0) -> None:
        self.threshold = threshold
        self.C = C
        self.embedding_weight = embedding_weight
        self.calibration_folds = calibration_folds
        self.seed = seed

    # -- features ------------------------------------------------------------------------
    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        return word, char

    def _embed(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray | None:
        if self.embedding_weight <= 0:
            return None
        if embeddings is None:
            from earful.nlp.embed import embed

            embeddings = embed(texts)
        if len(embeddings) != len(texts):
            raise InputError("embeddings and texts differ in length")
        return np.asarray(embeddings, dtype=np.float32)

    def _features(self, word, char, texts: Sequence[str], emb: np.ndarray | None, fit: bool):
        from scipy.sparse import csr_matrix, hstack

        if fit:
            blocks = [word.fit_transform(texts), char.fit_transform(texts)]
        else:
            blocks = [word.transform(texts), char.transform(texts)]
        if emb is not None:
            blocks.append(csr_matrix(emb * self.embedding_weight))
        return hstack(blocks).tocsr()

    def _fit_svm(self, texts, y, emb):
        from sklearn.svm import LinearSVC

        word, char = self._vectorizers()
        X = self._features(word, char, texts, emb, fit=True)
        svm = LinearSVC(C=self.C, random_state=self.seed).fit(X, y)
        return word, char, svm

    @staticmethod
    def _scores(svm, X, n_classes: int) -> np.ndarray:
        s = svm.decision_function(X)
        if n_classes == 2:  # binary LinearSVC gives one column: score of class 1
            s = np.column_stack([-s, s]) / 2
        return s

    # -- learning ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray | None = None
            ) -> "ReasonClassifier":
        """Learn reasons from labelled texts (``embeddings`` may be passed precomputed)."""
        from sklearn.model_selection import StratifiedKFold

        texts = [str(t) if t is not None else "" for t in texts]
        labels = [str(x) for x in labels]
        if len(texts) != len(labels):
            raise InputError("texts and labels differ in length")
        self.classes_, y = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise InputError("a reason classifier needs at least two different labels")
        emb = self._embed(texts, embeddings)
        counts = np.bincount(y)
        folds = min(self.calibration_folds, int(counts.min()))
        self.temperature_ = 1.0
        if folds >= 2:
            oof = np.zeros((len(y), len(self.classes_)))
            cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            for tr, te in cv.split(texts, y):
                w, c, svm = self._fit_svm([texts[i] for i in tr], y[tr], None if emb is None else emb[tr])
                Xte = self._features(w, c, [texts[i] for i in te], None if emb is None else emb[te], fit=False)
                part = self._scores(svm, Xte, len(self.classes_))
                cols = np.searchsorted(np.arange(len(self.classes_)), svm.classes_)
                oof[np.ix_(te, cols)] = part
            self.temperature_ = _fit_temperature(oof, y)
        self.word_, self.char_, self.svm_ = self._fit_svm(texts, y, emb)
        return self

    def _check(self) -> None:
        if not hasattr(self, "svm_"):
            raise InputError("the reason classifier is not trained yet (run `earful reasons train`)")

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities (n, len(classes_)), rows sum to 1."""
        self._check()
        texts = [str(t) if t is not None else "" for t in texts]
        X = self._features(self.word_, self.char_, texts, self._embed(texts, embeddings), fit=False)
        return _softmax(self._scores(self.svm_, X, len(self.classes_)) / self.temperature_)

    def predict_with_confidence(self, texts: Sequence[str], embeddings: np.ndarray | None = None
                                ) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidence): best reason and its probability, ``"unknown"`` below threshold."""
        p = self.predict_proba(texts, embeddings)
        best = p.argmax(1)
        conf = p[np.arange(len(p)), best]
        labels = self.classes_[best].astype(object)
        labels[conf < self.threshold] = UNKNOWN
        return labels, conf

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Best reason per text, or ``"unknown"`` where confidence < ``threshold``."""
        return self.predict_with_confidence(texts, embeddings)[0]

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model with joblib (only our own fitted objects, never user input)."""
        import joblib

        self._check()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        return path

    @staticmethod
    def load(path: str | Path) -> "ReasonClassifier":
        """Read a model written by :meth:`save` (trusted file next to the store)."""
        import joblib

        path = Path(path)
        if not path.exists():
            raise InputError(f"no trained reason model at {path}", hint="run `earful reasons train`")
        model = joblib.load(path)
        if not isinstance(model, ReasonClassifier):
            raise InputError(f"{path} is not an earful reason model")
        return model
