"""Predicted satisfaction for every contact, learnt from the contacts customers rated.

``SatisfactionModel`` follows scikit-learn's conventions: ``fit(batch, csat)`` learns from surveyed
contacts, ``transform(batch)`` is a pure function from an Arrow batch of contacts to an Arrow table of
``interaction_id, predicted_csat, p_dissatisfied`` (so an engine mapping record batches can run it).

Features per contact (``FEATURE_COLUMNS``): minutes waited and handled (with hinges at 1 and 5
minutes, so a wait may hurt more once it is long), transferred (either leg), a repeat contact within
7 days, whether the agent said the matter stays open ("I've raised a ticket", "someone will get back
to you") or was settled ("that's done"), the customer's sentiment overall, at the start, at the end
and its change, abusive words, feedback type, channel, contact reason (the most common ones), the QA
score and each QA item failed. Two linear models on standardised features: a logistic regression for
"dissatisfied" (CSAT 1–2) whose probabilities are calibrated (sigmoid, 5-fold), and a ridge regression
for the CSAT itself (clipped to 1–5): the expected CSAT, so that averages over contacts (an agent's,
a day's) are unbiased; it is not the value that minimises the mean absolute error, which is reported
beside the error of always guessing the median. ``train_store`` measures AUC, MAE and calibration by 5-fold
cross-validation over the rated contacts (each predicted by a model that never saw it), then learns from
all of them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from earful.errors import InputError
from earful.store import has_column, has_table, record_batches, transaction

FEATURE_COLUMNS = ("id", "channel", "reason", "wait_s", "handle_s", "transferred", "repeat", "sentiment",
                   "sentiment_first", "end_sentiment", "abusive", "feedback_type", "qa_score", "qa_fails", "agent_text")
#: What an agent says when the matter stays open, and when it is settled.
OPEN_PHRASES = ("can't fix", "cannot fix", "can't resolve", "cannot resolve", "unable to", "raised a ticket",
                "get back to you", "be in touch", "pass this to", "another team", "check again", "i'm afraid",
                "unfortunately", "transfer you", "put you through", "escalat*", "follow up", "look into it further")
SETTLED_PHRASES = ("sorted", "fixed", "that's done", "all done", "resolved", "made the change", "should see it",
                   "back to normal", "refunded", "i've updated", "i've cancelled")
PREDICTIONS_SCHEMA = pa.schema([("interaction_id", pa.string()), ("predicted_csat", pa.float64()),
                                ("p_dissatisfied", pa.float64())])
DISSATISFIED_AT = 2  # CSAT 1 or 2
MODEL_NAME = "satisfaction"


class SatisfactionModel:
    """Predict a contact's CSAT and the chance it would be rated 1–2 (see the module docstring)."""

    def __init__(self, max_reasons: int = 30, seed: int = 0, C: float = 0.03, alpha: float = 3.0) -> None:
        self.max_reasons = max_reasons
        self.seed = seed
        self.C = C
        self.alpha = alpha

    # -- features ------------------------------------------------------------------------
    def _vocab(self, cols: dict[str, list]) -> None:
        self.channels_ = sorted({c for c in cols["channel"] if c})
        counts = Counter(r for r in cols["reason"] if r)
        self.reasons_ = [r for r, _ in counts.most_common(self.max_reasons)]
        self.feedback_ = ["complaint", "request", "praise", "question", "churn_threat", "other"]
        self.items_ = sorted({i for fs in cols["qa_fails"] if fs for i in fs})

    def features(self, batch: pa.RecordBatch | pa.Table | dict) -> np.ndarray:
        """The feature matrix of a batch (columns ``FEATURE_COLUMNS``; missing values become flags)."""
        cols = _columns(batch)
        n = len(cols["id"])
        num = lambda k: np.array([np.nan if v is None else float(v) for v in cols[k]], dtype=float)  # noqa: E731
        wait, handle = num("wait_s"), num("handle_s")
        sent, first, end, qa = num("sentiment"), num("sentiment_first"), num("end_sentiment"), num("qa_score")
        change = end - first
        w, h = np.nan_to_num(wait, nan=0.0) / 60, np.nan_to_num(handle, nan=0.0) / 60
        from earful.quality.detectors import PhraseSet, normalise

        opened, settled = PhraseSet(OPEN_PHRASES, 100), PhraseSet(SETTLED_PHRASES, 100)
        said = [normalise(t) for t in cols["agent_text"]]
        blocks = [np.minimum(w, 1.0), np.clip(w - 1, 0, 4), np.clip(w - 5, 0, 55), np.log1p(w), np.isnan(wait),
                  np.minimum(h, 5), np.clip(h - 5, 0, 60), np.log1p(h),
                  np.array([bool(v) for v in cols["transferred"]]), np.array([bool(v) for v in cols["repeat"]]),
                  np.array([v is None for v in cols["repeat"]]),
                  np.array([opened.find(t) is not None for t in said]), np.array([settled.find(t) is not None for t in said]),
                  np.nan_to_num(sent), np.isnan(sent), np.nan_to_num(first), np.nan_to_num(end), np.isnan(end),
                  np.nan_to_num(change), np.array([bool(v) for v in cols["abusive"]]),
                  np.nan_to_num(qa, nan=100.0) / 100, np.isnan(qa)]
        X = [np.asarray(b, dtype=float).reshape(n, 1) for b in blocks]
        for vocab, key in ((self.channels_, "channel"), (self.reasons_, "reason"), (self.feedback_, "feedback_type")):
            idx = {v: i for i, v in enumerate(vocab)}
            m = np.zeros((n, len(vocab)))
            for r, v in enumerate(cols[key]):
                if v in idx:
                    m[r, idx[v]] = 1.0
            X.append(m)
        idx = {v: i for i, v in enumerate(self.items_)}
        m = np.zeros((n, len(self.items_)))
        for r, fs in enumerate(cols["qa_fails"]):
            for f in fs or ():
                if f in idx:
                    m[r, idx[f]] = 1.0
        X.append(m)
        return np.hstack(X)

    # -- learning ------------------------------------------------------------------------
    def fit(self, batch: pa.RecordBatch | pa.Table | dict, csat: Sequence[float]) -> "SatisfactionModel":
        """Learn from surveyed contacts (``csat``: their answers, 1–5)."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        cols = _columns(batch)
        y = np.asarray(csat, dtype=float)
        if len(y) != len(cols["id"]):
            raise InputError("one CSAT answer per contact is needed")
        dis = (y <= DISSATISFIED_AT).astype(int)
        if len(y) < 50 or dis.sum() < 10 or dis.sum() > len(y) - 10:
            raise InputError(f"too few rated contacts to learn from ({len(y)}, {int(dis.sum())} dissatisfied; "
                             "needs 50 with at least 10 on each side)")
        self._vocab(cols)
        X = self.features(cols)
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000))
        self.classifier_ = CalibratedClassifierCV(lr, method="sigmoid", cv=5).fit(X, dis)
        self.regressor_ = make_pipeline(StandardScaler(), Ridge(alpha=self.alpha)).fit(X, y)
        self.n_trained_ = int(len(y))
        return self

    def transform(self, batch: pa.RecordBatch | pa.Table | dict) -> pa.Table:
        """``interaction_id, predicted_csat, p_dissatisfied`` for every contact of the batch."""
        cols = _columns(batch)
        if not cols["id"]:
            return pa.table({k: [] for k in PREDICTIONS_SCHEMA.names}, schema=PREDICTIONS_SCHEMA)
        X = self.features(cols)
        p = self.classifier_.predict_proba(X)[:, 1]
        c = np.clip(self.regressor_.predict(X), 1.0, 5.0)
        return pa.table({"interaction_id": cols["id"], "predicted_csat": [round(float(v), 3) for v in c],
                         "p_dissatisfied": [round(float(v), 4) for v in p]}, schema=PREDICTIONS_SCHEMA)


def _columns(batch: pa.RecordBatch | pa.Table | dict) -> dict[str, list]:
    cols = batch.to_pydict() if isinstance(batch, (pa.RecordBatch, pa.Table)) else dict(batch)
    n = len(cols["id"])
    return {k: list(cols.get(k) or [None] * n) for k in FEATURE_COLUMNS}


# ------------------------------------------------------------------------------ evaluation
def auc(y: Sequence[int], score: Sequence[float]) -> float | None:
    """Area under the ROC curve (the chance a dissatisfied contact scores above a satisfied one; ties half)."""
    from scipy.stats import rankdata

    y = np.asarray(y)
    s = np.asarray(score, dtype=float)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return None
    r = rankdata(s)
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def calibration_table(y: Sequence[int], p: Sequence[float], bins: int = 5) -> list[dict[str, float]]:
    """Predicted against observed share of dissatisfied contacts in bins of equal size (by prediction)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    out = []
    for part in np.array_split(order, bins):
        if len(part):
            out.append({"n": int(len(part)), "predicted": float(p[part].mean()), "observed": float(y[part].mean())})
    return out


@dataclass
class TrainResult:
    """How the model does on contacts it did not learn from: each rated contact is predicted by the fold's
    model that never saw it (``folds``-fold cross-validation, stratified on dissatisfied)."""

    trained_on: int
    folds: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    mae: float
    mae_baseline: float          # always predicting the median answer (the best constant for MAE)
    rmse: float
    rmse_baseline: float         # always predicting the mean answer (the best constant for RMSE)
    correlation: float | None    # Pearson r of predicted and answered CSAT
    brier: float
    dissatisfied: int
    dissatisfied_share: float
    calibration: list[dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def bootstrap_auc(y: np.ndarray, p: np.ndarray, n: int = 1000, seed: int = 0) -> tuple[float | None, float | None]:
    """A 95 % percentile bootstrap interval of the AUC (resampling contacts)."""
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        a = auc(y[i], p[i])
        if a is not None:
            vals.append(a)
    if len(vals) < n // 2:
        return None, None
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def evaluate(table: pa.Table, y: np.ndarray, *, folds: int = 5, seed: int = 0,
             make: Callable[[], SatisfactionModel] | None = None) -> TrainResult:
    """Cross-validated figures of a ``SatisfactionModel`` on rated contacts (see ``TrainResult``)."""
    from sklearn.model_selection import StratifiedKFold

    from earful.quality.stats import pearson

    make = make or (lambda: SatisfactionModel(seed=seed))
    dis = (y <= DISSATISFIED_AT).astype(int)
    p = np.zeros(len(y))
    c = np.zeros(len(y))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), dis):
        m = make().fit(table.take(pa.array(tr)), y[tr])
        out = m.transform(table.take(pa.array(te)))
        p[te] = out.column("p_dissatisfied").to_pylist()
        c[te] = out.column("predicted_csat").to_pylist()
    lo, hi = bootstrap_auc(dis, p, seed=seed)
    return TrainResult(int(len(y)), folds, auc(dis, p), lo, hi, float(np.abs(c - y).mean()),
                       float(np.abs(np.median(y) - y).mean()), float(np.sqrt(((c - y) ** 2).mean())),
                       float(np.sqrt(((y.mean() - y) ** 2).mean())), pearson(list(c), list(y)), float(((p - dis) ** 2).mean()),
                       int(dis.sum()), float(dis.mean()), calibration_table(dis, p))


# ------------------------------------------------------------------------------ the store
def features_sql(con: duckdb.DuckDBPyConnection, where: str = "") -> str:
    """Every answered contact with the columns ``SatisfactionModel`` reads (``where``: on ``i``)."""
    enriched = has_table(con, "enrichment")
    qa = has_table(con, "qa_scores")
    nxt = has_column(con, "interactions", "next_contact_at")
    from earful.quality.coaching import FIRST_SENTIMENT_JOIN

    first = "fs.sentiment" if enriched else "NULL::DOUBLE"
    t = "coalesce(i.offered_at, i.answered_at, i.ended_at)"
    repeat = (f"CASE WHEN i.is_contact THEN i.next_contact_at IS NOT NULL AND i.next_contact_at <= {t} + INTERVAL 7 DAY "
              f"WHEN r.is_contact THEN r.next_contact_at IS NOT NULL AND r.next_contact_at <= "
              f"coalesce(r.offered_at, r.answered_at, r.ended_at) + INTERVAL 7 DAY END") if nxt else "NULL::BOOLEAN"
    return f"""
        SELECT i.id, i.channel, {"coalesce(e.reason, i.disposition)" if enriched else "i.disposition"} AS reason,
               i.wait_s, coalesce(i.talk_s, 0) + coalesce(i.hold_s, 0) + coalesce(i.wrap_s, 0) AS handle_s,
               coalesce(i.transferred, false) OR i.related_id IS NOT NULL AS transferred,
               {repeat} AS repeat,
               {"e.sentiment" if enriched else "NULL::DOUBLE"} AS sentiment, {first} AS sentiment_first,
               {"e.end_sentiment" if enriched else "NULL::DOUBLE"} AS end_sentiment,
               {"e.abusive" if enriched else "NULL::BOOLEAN"} AS abusive,
               {"e.feedback_type" if enriched else "NULL::VARCHAR"} AS feedback_type,
               {"q.score" if qa else "NULL::DOUBLE"} AS qa_score,
               {"qf.fails" if qa else "NULL::VARCHAR[]"} AS qa_fails, said.text AS agent_text
        FROM interactions i LEFT JOIN interactions r ON r.id = i.related_id
        LEFT JOIN (SELECT interaction_id, string_agg(text, ' ' ORDER BY seq) AS text FROM turns WHERE speaker = 'agent'
                   GROUP BY 1) said ON said.interaction_id = i.id
        {"LEFT JOIN enrichment e ON e.interaction_id = i.id" if enriched else ""}
        {FIRST_SENTIMENT_JOIN if enriched else ""}
        {"LEFT JOIN qa_scores q ON q.interaction_id = i.id" if qa else ""}
        {"LEFT JOIN (SELECT interaction_id, list(item ORDER BY item) AS fails FROM qa_items WHERE verdict = 'fail' GROUP BY 1) qf ON qf.interaction_id = i.id" if qa else ""}
        WHERE i.channel <> 'survey' AND i.answered_at IS NOT NULL AND NOT coalesce(i.abandoned, false) {where}
        ORDER BY i.id"""


def surveyed(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, np.ndarray]:
    """The rated contacts' features and their CSAT (the mean when a contact was rated twice)."""
    table = con.sql(features_sql(con, "AND i.id IN (SELECT related_id FROM interactions WHERE channel = 'survey' "
                                      "AND csat IS NOT NULL)")).to_arrow_table()
    csat = dict(con.execute("SELECT related_id, avg(csat) FROM interactions WHERE channel = 'survey' AND csat IS NOT NULL "
                            "AND related_id IS NOT NULL GROUP BY 1").fetchall())
    return table, np.array([csat[i] for i in table.column("id").to_pylist()], dtype=float)


def train_store(con: duckdb.DuckDBPyConnection, *, folds: int = 5, seed: int = 0,
                model: SatisfactionModel | None = None) -> tuple[SatisfactionModel, TrainResult]:
    """Measure the model on the store's rated contacts by cross-validation, then learn it from all of them and
    keep it (``<store>.models/satisfaction.joblib``) with its figures."""
    if not 2 <= folds <= 20:
        raise InputError("folds must be between 2 and 20")
    table, y = surveyed(con)
    if len(y) < 80:
        raise InputError(f"only {len(y)} contacts have a CSAT answer linked to them: too few to learn from (needs 80)")
    params = model.__dict__ if model is not None else {}
    make = (lambda: SatisfactionModel(**{k: v for k, v in params.items() if not k.endswith("_")})) if model else None
    result = evaluate(table, y, folds=folds, seed=seed, make=make)
    m = model or SatisfactionModel(seed=seed)
    m.fit(table, y)
    keep_model(con, m, result.as_dict())
    return m, result


def keep_model(con: duckdb.DuckDBPyConnection, model: SatisfactionModel, metrics: dict[str, Any]) -> None:
    """Make a fitted ``model`` the store's (``<store>.models/satisfaction.joblib``), with its figures."""
    import joblib

    from earful.nlp.models import models_dir

    folder = models_dir(con)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MODEL_NAME}.joblib"
    joblib.dump(model, path)
    with transaction(con):
        con.execute("DELETE FROM satisfaction_models WHERE name = ?", [MODEL_NAME])
        con.execute("INSERT INTO satisfaction_models (name, path, trained_on, metrics) VALUES (?, ?, ?, ?)",
                    [MODEL_NAME, path.name, model.n_trained_, json.dumps(metrics)])


def stored_model(con: duckdb.DuckDBPyConnection) -> SatisfactionModel | None:
    if not has_table(con, "satisfaction_models"):
        return None
    row = con.execute("SELECT path FROM satisfaction_models WHERE name = ?", [MODEL_NAME]).fetchone()
    if not row:
        return None
    import joblib

    from earful.nlp.models import models_dir

    try:
        return joblib.load(models_dir(con) / row[0])
    except (OSError, ValueError, EOFError):
        return None


def model_metrics(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The stored model's held-out figures (None when there is no model)."""
    if not has_table(con, "satisfaction_models"):
        return None
    row = con.execute("SELECT metrics, trained_on, created_at FROM satisfaction_models WHERE name = ?",
                      [MODEL_NAME]).fetchall()
    if not row:
        return None
    out = json.loads(row[0][0])
    out["created_at"] = str(row[0][2])
    return out


def predict_store(con: duckdb.DuckDBPyConnection, model: SatisfactionModel | None = None, *, batch_size: int = 5000,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Predict every answered contact's satisfaction with the stored (or given) model; return how many."""
    model = model or stored_model(con)
    if model is None:
        raise InputError("no satisfaction model in this store: run `earful surveys train` first")
    sql = features_sql(con)
    total = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
    if progress:
        progress(0, total)
    done = 0
    with transaction(con):
        con.execute("DELETE FROM satisfaction_predictions")
        for batch in record_batches(con, sql, batch_size):
            out = model.transform(batch)
            con.register("_earful_pred", out)
            try:
                con.execute("INSERT INTO satisfaction_predictions (interaction_id, predicted_csat, p_dissatisfied, model) "
                            f"SELECT interaction_id, predicted_csat, p_dissatisfied, '{MODEL_NAME}' FROM _earful_pred")
            finally:
                con.unregister("_earful_pred")
            done += out.num_rows
            if progress:
                progress(done, total)
    return done

