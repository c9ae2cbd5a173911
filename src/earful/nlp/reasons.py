"""Contact-reason classifier trained from the centre's own labels, with calibrated confidence.

Features: TF-IDF word 1-2-grams + TF-IDF character 2-5-grams + the sentence embedding (weighted),
concatenated; a linear SVM separates the reasons. Its scores become probabilities by temperature
scaling fitted on out-of-fold scores, p = softmax(s / T), so "confidence 0.8" means right about
80 % of the time. Below ``threshold`` the answer is ``"unknown"``.

With few labels (a median under ``FEW_LABELS`` a reason) a logistic regression on the sentence
embedding alone does better than the SVM, in a fraction of its fit time (BANKING77 and CLINC150 at
5, 10, 20 and 50 labels a reason, docs/bench/nlp-models.md), and is used instead. With the
centre's unlabelled contacts at hand it also teaches itself (self-training) in one cheap round: a
capped sample is scored, the surest half per predicted reason — the widest margins between the
best and second-best score, so each reason keeps its share — is pseudo-labelled, and the refit
starts from the plain fit's weights (2–3× the plain fit).

Out of scope ("unknown") is decided three ways, combined: the centre's own examples of what it does
not handle, labelled ``none_label``, are learnt as a class of their own; a low calibrated
confidence; and a novelty score on the sentence embeddings, 1 − the mean cosine similarity to the
``novelty_k`` nearest in-scope training examples, above ``novelty_threshold``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from earful.errors import InputError

UNKNOWN = "unknown"
NONE_OF_THESE = "none of these"
FEW_LABELS = 15            # median examples a reason below which "auto" takes the logistic learner
LOGISTIC_C = 10.0          # inverse regularisation of the logistic learner on unit embeddings
SELF_TRAINING_POOL = 4000  # unlabelled texts self-training reads at most (a seeded sample) ...
POOL_PER_LABEL = 4         # ... and at most this many per labelled text


def pool_size(n_labelled: int, cap: int = SELF_TRAINING_POOL) -> int:
    """How many unlabelled texts self-training reads for ``n_labelled`` labels (more cost, no gain)."""
    return min(cap, POOL_PER_LABEL * n_labelled)


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

    ``learner`` picks the base model: ``"svm"`` (n-grams + embedding), ``"logistic"`` (embedding
    only) or ``"auto"``: logistic when the reasons have a median of fewer than ``few_labels``
    examples and embeddings are on, else the SVM. ``embedding_weight`` scales the (unit) sentence
    embedding against the TF-IDF blocks of the SVM (0 turns embeddings off: no model needed, always
    the SVM; None picks 3.0 when reasons have a median of fewer than 30 examples, else 1.5 —
    measured on BANKING77). ``calibration_folds`` out-of-fold fits give the temperature.
    ``self_training_rounds`` rounds of pseudo-labelling run when :meth:`fit` is given ``unlabeled``
    texts and the learner is the logistic one, on a seeded sample of at most ``self_training_pool``
    of them (and at most 4 per labelled text), keeping the surest ``self_training_share``.
    """

    def __init__(self, *, threshold: float = 0.5, C: float = 1.0, embedding_weight: float | None = None,
                 calibration_folds: int = 3, self_training_rounds: int = 1, self_training_share: float = 0.5,
                 seed: int = 0,
                 none_label: str | None = NONE_OF_THESE, novelty_threshold: float | None = None,
                 novelty_k: int = 3, learner: str = "auto", few_labels: int = FEW_LABELS,
                 logistic_C: float = LOGISTIC_C, self_training_pool: int = SELF_TRAINING_POOL) -> None:
        if learner not in ("auto", "svm", "logistic"):
            raise InputError(f"unknown learner {learner!r} (auto, svm or logistic)")
        self.learner = learner
        self.few_labels = few_labels
        self.logistic_C = logistic_C
        self.self_training_pool = self_training_pool
        self.self_training_share = self_training_share
        self.none_label = none_label
        self.novelty_threshold = novelty_threshold
        self.novelty_k = novelty_k
        self.threshold = threshold
        self.C = C
        self.embedding_weight = embedding_weight
        self.calibration_folds = calibration_folds
        self.self_training_rounds = self_training_rounds
        self.seed = seed

    # -- features ------------------------------------------------------------------------
    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        return word, char

    def _embed(self, texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray | None:
        if self.embedding_weight is not None and self.embedding_weight <= 0:
            return None
        if embeddings is None:
            from earful.nlp.embed import embed

            embeddings = embed(texts)
        if len(embeddings) != len(texts):
            raise InputError("embeddings and texts differ in length")
        return np.asarray(embeddings, dtype=np.float32)

    def _features(self, word, char, texts: Sequence[str], emb: np.ndarray | None, fit: bool):
        from scipy.sparse import csr_matrix, hstack

        if word is None:  # the logistic learner reads the embedding alone
            return emb
        if fit:
            blocks = [word.fit_transform(texts), char.fit_transform(texts)]
        else:
            blocks = [word.transform(texts), char.transform(texts)]
        if emb is not None:
            blocks.append(csr_matrix(emb * self.embedding_weight_))
        return hstack(blocks).tocsr()

    def _fit_model(self, texts, y, emb, warm=None):
        """(word, char, estimator) fitted on texts, label indices y and embeddings; the logistic
        learner has no n-gram vectorizers and starts from the weights of ``warm`` when given."""
        if self.learner_ == "logistic":
            from sklearn.linear_model import LogisticRegression
            from threadpoolctl import threadpool_limits

            lr = LogisticRegression(C=self.logistic_C, tol=1e-3, max_iter=500)
            if warm is not None and len(warm[2].classes_) == len(np.unique(y)):
                lr.set_params(warm_start=True)
                lr.coef_, lr.intercept_ = warm[2].coef_.copy(), warm[2].intercept_.copy()
            with threadpool_limits(1):  # small dense products: extra BLAS threads spin, 15x the CPU
                return None, None, lr.fit(emb, y)
        from sklearn.svm import LinearSVC

        word, char = self._vectorizers()
        X = self._features(word, char, texts, emb, fit=True)
        return word, char, LinearSVC(C=self.C, random_state=self.seed).fit(X, y)

    def _scores(self, model, texts, emb) -> np.ndarray:
        """Decision scores (n, classes the model saw) of ``texts`` under a fitted ``model``."""
        word, char, est = model
        s = est.decision_function(self._features(word, char, texts, emb, fit=False))
        if s.ndim == 1:  # binary linear models give one column: score of class 1
            s = np.column_stack([-s, s]) / 2
        return s

    def _choose_learner(self, counts: np.ndarray) -> str:
        few = np.median(counts) < self.few_labels
        if self.learner == "logistic" and self.embedding_weight is not None and self.embedding_weight <= 0:
            raise InputError("the logistic learner reads sentence embeddings: embedding_weight must be above 0")
        if self.learner != "auto":
            return self.learner
        embeds = self.embedding_weight is None or self.embedding_weight > 0
        return "logistic" if few and embeds else "svm"

    # -- learning ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray | None = None, *,
            unlabeled: Sequence[str] | None = None, unlabeled_embeddings: np.ndarray | None = None,
            progress: Callable[[int, int], None] | None = None) -> "ReasonClassifier":
        """Learn reasons from labelled texts (``embeddings`` may be passed precomputed); with few
        labels, also from ``unlabeled`` texts by self-training (``pseudo_labelled_`` says how many).
        ``progress(done, total)`` counts the fits (calibration folds, then the final one)."""
        from sklearn.model_selection import StratifiedKFold

        texts = [str(t) if t is not None else "" for t in texts]
        labels = [str(x) for x in labels]
        if len(texts) != len(labels):
            raise InputError("texts and labels differ in length")
        self.classes_, y = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise InputError("a reason classifier needs at least two different labels")
        counts = np.bincount(y)
        few = np.median(counts) < 30
        self.learner_ = self._choose_learner(counts)
        self.embedding_weight_ = (self.embedding_weight if self.embedding_weight is not None
                                  else 3.0 if few else 1.5)
        emb = self._embed(texts, embeddings)
        pool = pool_emb = None
        if (self.learner_ == "logistic" and unlabeled is not None and len(unlabeled)
                and self.self_training_rounds > 0):
            pool = [str(t) if t is not None else "" for t in unlabeled]
            keep = np.arange(len(pool))
            cap = pool_size(len(texts), self.self_training_pool)
            if len(pool) > cap:  # a seeded sample bounds the cost
                keep = np.sort(np.random.default_rng(self.seed).choice(len(pool), cap, replace=False))
                pool = [pool[i] for i in keep]
            pool_emb = self._embed(pool, None if unlabeled_embeddings is None
                                   else np.asarray(unlabeled_embeddings)[keep])

        def learn(idx):
            """Fit on the labelled rows idx, self-training on the pool when there is one."""
            t, e = [texts[i] for i in idx], None if emb is None else emb[idx]
            model = self._fit_model(t, y[idx], e)
            if pool is None:
                return model, 0
            return self._self_train(t, y[idx], e, pool, pool_emb, model)

        # the temperature comes from out-of-fold scores of models trained the same way, self-training
        # included (pseudo-labels chosen by a model that saw the held-out rows would flatter them)
        folds = min(self.calibration_folds, int(counts.min()))
        fits = 1 + (folds if folds >= 2 else 0)
        if progress:
            progress(0, fits)
        self.temperature_ = 1.0
        if folds >= 2:
            oof = np.zeros((len(y), len(self.classes_)))
            cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            for k, (tr, te) in enumerate(cv.split(texts, y), 1):
                model, _ = learn(tr)
                part = self._scores(model, [texts[i] for i in te], None if emb is None else emb[te])
                oof[np.ix_(te, model[2].classes_)] = part
                if progress:
                    progress(k, fits)
            self.temperature_ = _fit_temperature(oof, y)
        (self.word_, self.char_, self.estimator_), self.pseudo_labelled_ = learn(np.arange(len(y)))
        if progress:
            progress(fits, fits)
        self.anchors_ = None  # in-scope training embeddings, for the novelty score
        if emb is not None:
            inside = np.asarray(labels, dtype=object) != self.none_label
            self.anchors_ = emb[inside].astype(np.float16)
        return self

    def novelty(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray | None:
        """1 − mean cosine similarity of each text to its ``novelty_k`` nearest in-scope training
        examples (0: said before, near 1: nothing like it); None when the model has no embeddings."""
        self._check()
        if getattr(self, "anchors_", None) is None or not len(self.anchors_):
            return None
        emb = self._embed([str(t) if t is not None else "" for t in texts], embeddings)
        anchors = self.anchors_.astype(np.float32)
        k = max(1, min(self.novelty_k, len(anchors)))
        out = np.empty(len(emb))
        for start in range(0, len(emb), 1024):
            sim = emb[start : start + 1024] @ anchors.T
            top = np.partition(sim, -k, axis=1)[:, -k:]
            out[start : start + 1024] = 1.0 - top.mean(1)
        return out

    def _self_train(self, texts, y, emb, pool, pool_emb, model):
        """Refit on the real labels plus pseudo-labels of the pool texts the model is surest of:
        in round r of R the share s·r/R of each predicted reason's pool texts with the widest margin
        between the best and second-best score (so frequent reasons stay frequent; a fixed number
        per reason flattened the demo month's skewed mix), each refit starting from the previous
        weights. Returns (model, pseudo-labelled count)."""
        n_classes = int(y.max()) + 1
        rounds, share = self.self_training_rounds, self.self_training_share
        chosen = np.zeros(0, dtype=int)
        for r in range(rounds):
            s = self._scores(model, pool, pool_emb)
            pred = model[2].classes_[s.argmax(1)]
            top2 = np.sort(s, 1)[:, -2:]
            margin = top2[:, 1] - top2[:, 0]
            chosen = np.concatenate([ids[np.argsort(-margin[ids], kind="stable")][: int(np.ceil(len(ids) * share * (r + 1) / rounds))]
                                     for ids in (np.flatnonzero(pred == c) for c in range(n_classes))])
            e = None if emb is None else np.vstack([emb, pool_emb[chosen]])
            model = self._fit_model(texts + [pool[i] for i in chosen], np.concatenate([y, pred[chosen]]), e, warm=model)
        return model, len(chosen)

    def _check(self) -> None:
        if not hasattr(self, "estimator_") and hasattr(self, "svm_"):  # saved before the learner choice
            self.estimator_, self.learner_ = self.svm_, "svm"
        if not hasattr(self, "estimator_"):
            raise InputError("the reason classifier is not trained yet (run `earful reasons train`)")

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities (n, len(classes_)), rows sum to 1."""
        self._check()
        texts = [str(t) if t is not None else "" for t in texts]
        s = self._scores((self.word_, self.char_, self.estimator_), texts, self._embed(texts, embeddings))
        return _softmax(s / self.temperature_)

    def predict_with_confidence(self, texts: Sequence[str], embeddings: np.ndarray | None = None
                                ) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidence): best reason and its probability; ``"unknown"`` where the best is
        the centre's "none of these" class, the confidence is below ``threshold`` or the novelty
        is above ``novelty_threshold``."""
        self._check()
        texts = [str(t) if t is not None else "" for t in texts]
        emb = self._embed(texts, embeddings) if self.embedding_weight_ > 0 else None
        p = self.predict_proba(texts, emb)
        best = p.argmax(1)
        conf = p[np.arange(len(p)), best]
        labels = self.classes_[best].astype(object)
        out = (conf < self.threshold) | (labels == getattr(self, "none_label", None))
        if getattr(self, "novelty_threshold", None) is not None and emb is not None:
            nov = self.novelty(texts, emb)
            if nov is not None:
                out |= nov > self.novelty_threshold
        labels[out] = UNKNOWN
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
