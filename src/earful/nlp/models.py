"""Store glue for the learned text models: train, save next to the store, fill enrichment columns.

Model files live in ``<store>.models/`` beside the DuckDB file and are written only by earful
(joblib for :class:`~earful.nlp.reasons.ReasonClassifier`, npz + JSON for topics); the ``models``
and ``topics`` tables (migration 004) record what was trained, with which parameters and metrics.
Sentence embeddings come from the store (:mod:`earful.nlp.vectors`): a text is embedded once per
model, whichever of training, classifying or topic discovery reads it first.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

import duckdb
import numpy as np

from earful.errors import InputError
from earful.nlp.reasons import SELF_TRAINING_POOL, ReasonClassifier
from earful.nlp.topics import TopicModel
from earful.nlp.vectors import stored_embed

REASONS = "reasons"
TOPICS = "topics"

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: what a long step is doing and how far it is."""


def _stage(progress: Progress | None, what: str) -> Callable[[int, int], None] | None:
    return None if progress is None else (lambda done, total: progress(what, done, total))

# The words each interaction is judged by: redacted text when enriched, else its text, else the
# customer's turns.
# The customer's own words (redacted turns when enriched): the agent's greetings and hold phrases
# say nothing about why the customer came, and would triple what the embedder has to read.
_TEXT_SQL = """
WITH said AS (
    SELECT interaction_id, string_agg(redacted_text, ' ' ORDER BY seq) AS text
    FROM enrichment_turns WHERE speaker = 'customer' GROUP BY interaction_id)
SELECT i.id AS interaction_id, i.disposition,
       coalesce(nullif(said.text, ''), nullif(e.redacted_text, ''), nullif(i.text, ''),
                (SELECT string_agg(t.text, ' ' ORDER BY t.seq) FROM turns t
                  WHERE t.interaction_id = i.id AND t.speaker = 'customer')) AS text
FROM interactions i LEFT JOIN enrichment e ON e.interaction_id = i.id
     LEFT JOIN said ON said.interaction_id = i.id
"""


def models_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """``<store>.models/`` beside the store file (``./earful.models`` for an in-memory store)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if row and row[0]:
        p = Path(row[0])
        return p.with_name(p.stem + ".models")
    return Path.cwd() / "earful.models"


def _record(con, name: str, kind: str, params: dict, metrics: dict, path: Path) -> None:
    con.execute("DELETE FROM models WHERE name = ?", [name])
    con.execute("INSERT INTO models (name, kind, params, metrics, path) VALUES (?, ?, ?, ?, ?)",
                [name, kind, json.dumps(params), json.dumps(metrics), path.name])


def _model_path(con, name: str) -> Path:
    row = con.execute("SELECT path FROM models WHERE name = ?", [name]).fetchone()
    if row is None:
        hint = "run `earful reasons train`" if name == REASONS else "run `earful topics`"
        raise InputError(f"no trained {name} model in this store", hint=hint)
    return models_dir(con) / row[0]


def _stored(con: duckdb.DuckDBPyConnection, name: str, cls):
    """The store's model ``name`` loaded with ``cls.load``; None when there is none or its file is gone."""
    try:
        return cls.load(_model_path(con, name))
    except (InputError, OSError, ValueError):
        return None


def stored_models(con: duckdb.DuckDBPyConnection) -> tuple[ReasonClassifier | None, TopicModel | None]:
    """The store's trained reason classifier and topic model (None where there is none), for
    `earful enrich` to classify new contacts as it enriches them."""
    return _stored(con, REASONS, ReasonClassifier), _stored(con, TOPICS, TopicModel)


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV with columns ``text`` and ``label`` (or ``category``/``intent``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"training file {path} not found")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        cols = {c.lower().strip(): c for c in reader.fieldnames or []}
        label_col = next((cols[c] for c in ("label", "category", "intent", "reason") if c in cols), None)
        if "text" not in cols or label_col is None:
            raise InputError(f"{path} needs columns text and label")
        rows = [(r[cols["text"]], r[label_col]) for r in reader if r[cols["text"]] and r[label_col]]
    if not rows:
        raise InputError(f"{path} has no labelled rows")
    return [t for t, _ in rows], [lab for _, lab in rows]


def labelled_from_disposition(con: duckdb.DuckDBPyConnection, min_per_reason: int = 2
                              ) -> tuple[list[str], list[str]]:
    """(texts, labels) of interactions with both words and a disposition (reasons seen ≥ min times)."""
    rows = con.execute(f"SELECT text, disposition FROM ({_TEXT_SQL}) WHERE text IS NOT NULL "
                       "AND disposition IS NOT NULL AND disposition <> '' ORDER BY interaction_id").fetchall()
    counts: dict[str, int] = {}
    for _, d in rows:
        counts[d] = counts.get(d, 0) + 1
    rows = [(t, d) for t, d in rows if counts[d] >= min_per_reason]
    if not rows:
        raise InputError("no interactions with both text and a disposition to learn from")
    return [t for t, _ in rows], [d for _, d in rows]


def unlabelled_texts(con: duckdb.DuckDBPyConnection, *, limit: int = SELF_TRAINING_POOL, seed: int = 0) -> list[str]:
    """Customer texts of enriched interactions without a disposition (a seeded sample of at most
    ``limit``): what the reason classifier may teach itself from when labels are few."""
    rows = con.execute(f"SELECT text FROM ({_TEXT_SQL}) WHERE text IS NOT NULL AND text <> '' "
                       "AND coalesce(disposition, '') = '' "
                       "AND interaction_id IN (SELECT interaction_id FROM enrichment) "
                       "ORDER BY hash(interaction_id || ?::VARCHAR), interaction_id LIMIT ?", [seed, limit]).fetchall()
    return [r[0] for r in rows]


def train_reasons(con: duckdb.DuckDBPyConnection, texts: Sequence[str], labels: Sequence[str], *,
                  source: str, threshold: float = 0.5, seed: int = 0,
                  embedding_weight: float | None = None, unlabeled: Sequence[str] | None = None,
                  learner: str = "auto", progress: Progress | None = None) -> ReasonClassifier:
    """Fit the reason classifier, save it beside the store and record it in ``models``
    (``embedding_weight=0``: n-grams only, no sentence embeddings — fast, a little less accurate;
    ``unlabeled`` texts are learnt from by self-training when labels are few). A model that reads
    embeddings also gets its distilled n-gram assigner, which `earful enrich --fast` classifies with
    (:meth:`~earful.nlp.reasons.ReasonClassifier.distil`)."""
    emb = pool_emb = None
    unlabeled = list(unlabeled) if unlabeled is not None and len(unlabeled) else None
    if embedding_weight is None or embedding_weight > 0:  # vectors from the store, new ones kept there
        vecs = stored_embed(con, list(texts) + (unlabeled or []), progress=_stage(progress, "embedding"))
        emb, pool_emb = vecs[: len(texts)], (vecs[len(texts):] if unlabeled else None)
    model = ReasonClassifier(threshold=threshold, seed=seed, embedding_weight=embedding_weight, learner=learner).fit(
        texts, labels, emb, unlabeled=unlabeled, unlabeled_embeddings=pool_emb, progress=_stage(progress, "fitting"))
    if model.embedding_weight_ > 0:  # the encoder-free assigner `enrich --fast` classifies with
        if progress:
            progress("distilling a fast assigner", 0, 1)
        model.distil(texts, labels, emb, unlabeled=unlabeled, unlabeled_embeddings=pool_emb)
        if progress:
            progress("distilling a fast assigner", 1, 1)
    path = model.save(models_dir(con) / "reasons.joblib")
    _record(con, REASONS, "reasons", {"source": source, "threshold": threshold, "seed": seed,
                                      "embedding_weight": embedding_weight,
                                      "unlabeled": 0 if unlabeled is None else len(unlabeled)},
            {"examples": len(texts), "reasons": len(model.classes_), "temperature": model.temperature_,
             "pseudo_labelled": model.pseudo_labelled_, "learner": model.learner_,
             "fast_assigner": getattr(model, "fast_", None) is not None}, path)
    return model


def evaluate_reasons(texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0,
                     progress: Progress | None = None) -> dict[str, float]:
    """Stratified k-fold accuracy (no unknown answer) and mean confidence of the classifier."""
    from sklearn.model_selection import StratifiedKFold

    from earful.nlp.embed import embed

    y = np.asarray(labels)
    folds = min(folds, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        raise InputError("every reason needs at least two examples to evaluate")
    emb = embed(list(texts))
    accs, confs = [], []
    if progress:
        progress("cross-validating", 0, folds)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        m = ReasonClassifier(threshold=0.0, seed=seed).fit([texts[i] for i in tr], y[tr], emb[tr])
        lab, conf = m.predict_with_confidence([texts[i] for i in te], emb[te])
        accs.append(float(np.mean(lab == y[te])))
        confs.append(float(conf.mean()))
        if progress:
            progress("cross-validating", len(accs), folds)
    return {"folds": folds, "accuracy": float(np.mean(accs)), "accuracy_std": float(np.std(accs)),
            "mean_confidence": float(np.mean(confs)), "examples": len(y), "reasons": int(len(np.unique(y)))}


def _update_enrichment(con, frame: dict[str, list], columns: Sequence[str]) -> int:
    import pyarrow as pa

    tbl = pa.table(frame)
    con.register("_earful_models_update", tbl)
    try:
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        n = con.execute(f"UPDATE enrichment SET {sets} FROM _earful_models_update u "
                        "WHERE enrichment.interaction_id = u.interaction_id").fetchone()
    finally:
        con.unregister("_earful_models_update")
    return int(n[0]) if n else 0


def _enriched_texts(con, start: date | None = None, end: date | None = None) -> tuple[list[str], list[str]]:
    """(ids, customer texts) of enriched interactions, optionally only those of days start..end."""
    where, params = "", []
    if start is not None or end is not None:
        where = ("AND interaction_id IN (SELECT id FROM interactions "
                 "WHERE coalesce(offered_at, answered_at, ended_at)::DATE BETWEEN ? AND ?)")
        params = [start or date.min, end or date.max]
    rows = con.execute(f"SELECT interaction_id, text FROM ({_TEXT_SQL}) "
                       "WHERE interaction_id IN (SELECT interaction_id FROM enrichment) AND text IS NOT NULL "
                       f"{where} ORDER BY interaction_id", params).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def assign_reasons(con: duckdb.DuckDBPyConnection, model: ReasonClassifier | None = None, *,
                   progress: Progress | None = None) -> int:
    """Fill enrichment.reason / reason_confidence of enriched interactions; returns rows updated."""
    model = model or ReasonClassifier.load(_model_path(con, REASONS))
    ids, texts = _enriched_texts(con)
    if not ids:
        return 0
    emb = stored_embed(con, texts, progress=_stage(progress, "embedding")) if model.embedding_weight_ > 0 else None
    labels, conf = _in_chunks(lambda a, b: model.predict_with_confidence(texts[a:b], None if emb is None else emb[a:b]),
                              len(texts), _stage(progress, "assigning"))
    return _update_enrichment(con, {"interaction_id": ids, "reason": [str(x) for x in labels],
                                    "reason_confidence": conf.astype(float).tolist()},
                              ("reason", "reason_confidence"))


def reason_posteriors(con: duckdb.DuckDBPyConnection, model: ReasonClassifier | None = None
                      ) -> tuple[list[str], list[str], np.ndarray]:
    """(interaction ids, reasons, probabilities (ids × reasons)): every enriched interaction's calibrated
    posterior over the reasons under the store's reason model (stored sentence embeddings reused),
    for counting a reason by the sum of its posteriors instead of its top-1 labels."""
    model = model or ReasonClassifier.load(_model_path(con, REASONS))
    ids, texts = _enriched_texts(con)
    classes = [str(c) for c in model.classes_]
    if not ids:
        return [], classes, np.zeros((0, len(classes)))
    emb = stored_embed(con, texts) if model.embedding_weight_ > 0 else None
    proba = _in_chunks(lambda a, b: model.predict_proba(texts[a:b], None if emb is None else emb[a:b]), len(texts), None)
    return ids, classes, proba


def _in_chunks(fn, n: int, progress: Callable[[int, int], None] | None, size: int = 5000):
    """``fn(a, b)`` over rows a..b in chunks of ``size`` (progress after each), results concatenated."""
    parts = []
    for a in range(0, n, size):
        parts.append(fn(a, min(a + size, n)))
        if progress:
            progress(min(a + size, n), n)
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def fit_topics(con: duckdb.DuckDBPyConnection, *, n_topics: int | None = None, seed: int = 0,
               refit: bool = True, start: date | None = None, end: date | None = None,
               brands: Sequence[str] = (), progress: Progress | None = None) -> TopicModel:
    """Fit topics on the enriched interactions' texts (of days start..end when given; keeping old
    ids on a refit) and store them. ``brands``: the centre's own handles and brand names, kept out
    of clustering and labels (handles most texts address are found without being told)."""
    ids, texts = _enriched_texts(con, start, end)
    if len(texts) < 2:
        raise InputError("not enough enriched interactions with text for topics", hint="run `earful enrich` first")
    previous = _stored(con, TOPICS, TopicModel) if refit else None
    model = TopicModel(n_topics=n_topics, seed=seed, fast_assign=True, brands=brands)
    emb = stored_embed(con, model.clean(texts), progress=_stage(progress, "embedding"))
    if progress:
        progress("clustering", 0, 1)
    model.fit(texts, emb, previous=previous)
    if progress:
        progress("clustering", 1, 1)
    path = model.save(models_dir(con) / "topics.npz")
    _record(con, TOPICS, "topics", {"n_topics": n_topics, "seed": seed},
            {"topics": model.n_topics_, "texts": len(texts), "mapped_from_previous": len(model.mapping_)}, path)
    con.execute("DELETE FROM topics WHERE model = ?", [TOPICS])
    con.executemany("INSERT INTO topics (model, topic_id, label, key_phrases, size) VALUES (?, ?, ?, ?, ?)",
                    [[TOPICS, t["topic_id"], t["label"], json.dumps(t["key_phrases"]), t["size"]]
                     for t in model.topics()])
    _update_enrichment(con, {"interaction_id": ids, "topic_id": model.labels_.astype(int).tolist()}, ("topic_id",))
    return model


def assign_topics(con: duckdb.DuckDBPyConnection, model: TopicModel | None = None, *,
                  start: date | None = None, end: date | None = None, progress: Progress | None = None) -> int:
    """Fill enrichment.topic_id of enriched interactions (of days start..end when given) with the
    stored topic model (no refit)."""
    model = model or TopicModel.load(_model_path(con, TOPICS))
    ids, texts = _enriched_texts(con, start, end)
    if not ids:
        return 0
    topic_ids = _in_chunks(lambda a, b: model.assign(texts[a:b]), len(texts), _stage(progress, "assigning"))
    return _update_enrichment(con, {"interaction_id": ids, "topic_id": topic_ids.astype(int).tolist()}, ("topic_id",))
