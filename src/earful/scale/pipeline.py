"""The per-contact pipeline as one function from an Arrow batch to an Arrow batch, for engines.

An engine that maps record batches (Spark ``mapInArrow``, Daft) needs one input batch to give one
output batch of a fixed schema. :func:`enrich_batch` wraps :meth:`earful.nlp.enrich.Enricher.transform`
(which returns enrichment rows and redacted turn rows) into one row per interaction: the
enrichment columns, the redacted turns nested as a list, and the partition columns (``day``,
``channel``) passed through, so the engine writes both tables of the lake from one pass.

With a QA scorer and a satisfaction model (:class:`PipelineModels`), the same pass scores each
contact against the rubric (:meth:`earful.quality.scorer.QualityScorer.transform`, fed the turns'
enriched sentiment and reason as `earful qa run` is) and predicts its satisfaction
(:meth:`earful.surveys.predict.SatisfactionModel.transform`, fed those scores as `earful surveys
predict` is): their columns ride in the same row, and :data:`OUTPUT_TABLES` says which store table
each belongs to. Both need more of the interaction than its words (:data:`CONTEXT_FIELDS`).

:class:`EnricherSpec` is what is shipped to the workers: the enricher's configuration (the
centre's fitted reason and topic models, the mention lexicon, the fitted sentiment and feedback
models), pickled once. :func:`worker_enricher`
loads it once per Python process and keeps it, so each worker fits the models one time however
many batches it maps.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from earful.nlp.enrich import ENRICHMENT_SCHEMA, TURNS_SCHEMA, Enricher, _configuration
from earful.nlp.feedback import FeedbackClassifier
from earful.nlp.sentiment import default_scorer
from earful.quality.scorer import ITEMS_SCHEMA, SCORES_SCHEMA
from earful.surveys.predict import MODEL_NAME, PREDICTIONS_SCHEMA

#: One redacted turn, nested in its interaction's row.
TURN_TYPE = pa.struct([f for f in TURNS_SCHEMA if f.name != "interaction_id"])
#: The input the pipeline reads: the interaction's words and its turns in order (``day`` and
#: ``channel``, when present, are passed through to partition the output).
INPUT_SCHEMA = pa.schema([
    ("id", pa.string()), ("text", pa.string()),
    ("turns", pa.list_(pa.struct([("seq", pa.int32()), ("speaker", pa.string()), ("text", pa.string()),
                                  ("at", pa.timestamp("us"))]))),
])
PARTITION_FIELDS = [pa.field("day", pa.date32()), pa.field("channel", pa.string())]
#: What QA and predicted satisfaction read of an interaction beyond its words: its own columns, and
#: (``related_*``) those of the contact it is a leg of, for "a repeat contact within 7 days".
CONTEXT_FIELDS = [pa.field(n, t) for n, t in (
    ("queue", pa.string()), ("disposition", pa.string()), ("transferred", pa.bool_()), ("hold_s", pa.float64()),
    ("wait_s", pa.float64()), ("talk_s", pa.float64()), ("wrap_s", pa.float64()), ("abandoned", pa.bool_()),
    ("answered_at", pa.timestamp("us")), ("contact_at", pa.timestamp("us")), ("is_contact", pa.bool_()),
    ("next_contact_at", pa.timestamp("us")), ("related_id", pa.string()), ("related_contact_at", pa.timestamp("us")),
    ("related_is_contact", pa.bool_()), ("related_next_contact_at", pa.timestamp("us")))]
#: One QA item verdict, nested in its interaction's row.
QA_ITEM_TYPE = pa.struct([f for f in ITEMS_SCHEMA if f.name != "interaction_id"])
_QA_FIELDS = [pa.field(f"qa_{f.name}", f.type) for f in SCORES_SCHEMA if f.name != "interaction_id"]
_PREDICTION_FIELDS = [*(f for f in PREDICTIONS_SCHEMA if f.name != "interaction_id"), pa.field("model", pa.string())]
#: One output row per interaction: the enrichment columns, its redacted turns, its QA score and
#: items and its predicted satisfaction (null without those models), its partition.
OUTPUT_SCHEMA = pa.schema([*ENRICHMENT_SCHEMA, pa.field("turns", pa.list_(TURN_TYPE)), *_QA_FIELDS,
                           pa.field("qa_items", pa.list_(QA_ITEM_TYPE)), *_PREDICTION_FIELDS, *PARTITION_FIELDS])


@dataclass(frozen=True)
class OutputTable:
    """A store table written from output rows: its columns (as the store names them), the output
    column each comes from, the nested list it unnests (if any), and the column that says a row has one."""

    name: str
    columns: tuple[tuple[str, str], ...]
    nested: str | None = None
    present: str = "interaction_id"


#: The lake tables one pass writes, in the store's column names and order.
OUTPUT_TABLES = (
    OutputTable("enrichment", tuple((n, n) for n in ENRICHMENT_SCHEMA.names)),
    OutputTable("enrichment_turns", tuple((n, n) for n in TURNS_SCHEMA.names), nested="turns"),
    OutputTable("qa_scores", (("interaction_id", "interaction_id"),
                              *((f.name[3:], f.name) for f in _QA_FIELDS)), present="qa_rubric_version"),
    OutputTable("qa_items", tuple((n, n) for n in ITEMS_SCHEMA.names), nested="qa_items", present="qa_rubric_version"),
    OutputTable("satisfaction_predictions", (("interaction_id", "interaction_id"),
                                             *((f.name, f.name) for f in _PREDICTION_FIELDS)), present="model"),
)


@dataclass
class PipelineModels:
    """What one pass applies: the enricher, and (optionally) the QA scorer with the centre's rubric
    and learnt items, and the fitted satisfaction model."""

    enricher: Enricher
    qa: object | None = None             # earful.quality.scorer.QualityScorer
    satisfaction: object | None = None   # earful.surveys.predict.SatisfactionModel


def output_tables(models: Enricher | PipelineModels | None) -> list[OutputTable]:
    """The tables a pass with ``models`` writes: the enrichment's always, QA's and the predictions'
    when it applies those models."""
    qa = isinstance(models, PipelineModels) and models.qa is not None
    predicted = isinstance(models, PipelineModels) and models.satisfaction is not None
    return [t for t in OUTPUT_TABLES if t.name in ("enrichment", "enrichment_turns")
            or (qa and t.name.startswith("qa_")) or (predicted and t.name == "satisfaction_predictions")]


@dataclass(frozen=True)
class EnricherSpec:
    """The pipeline's models, pickled: small enough to broadcast, and made ready on each worker."""

    payload: bytes

    @classmethod
    def of(cls, models: Enricher | PipelineModels) -> "EnricherSpec":
        """The configuration with the learnt components (sentiment blend, feedback type) fitted
        here, once: a worker refitting them could learn other last digits (a BLAS sums in another
        order under another thread count), and every worker must give the same answer. The QA
        scorer travels as its rubric and learnt items; the satisfaction model as fitted."""
        models = models if isinstance(models, PipelineModels) else PipelineModels(models)
        conf = _configuration(models.enricher)
        conf.sentiment = conf.sentiment or default_scorer(conf.sentiment_method)
        conf.feedback = conf.feedback or FeedbackClassifier().fit()
        return cls(pickle.dumps(PipelineModels(conf, models.qa, models.satisfaction), protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def key(self) -> str:
        return hashlib.sha1(self.payload).hexdigest()

    def load(self) -> Enricher:
        """The fitted enricher alone (what `earful enrich` takes)."""
        return pickle.loads(self.payload).enricher.fit()

    def load_models(self) -> PipelineModels:
        """Every model, ready to apply."""
        models = pickle.loads(self.payload)
        models.enricher.fit()
        if models.qa is not None:
            models.qa.fit()
        return models


_LOADED: dict[str, PipelineModels] = {}


def worker_enricher(spec: EnricherSpec) -> PipelineModels:
    """The ready models of ``spec`` in this process: made ready the first time, then reused."""
    key = spec.key
    if key not in _LOADED:
        _LOADED.clear()           # one configuration at a time: a new one replaces the last
        _LOADED[key] = spec.load_models()
    return _LOADED[key]


def _column(batch: pa.RecordBatch | pa.Table, field: pa.Field) -> pa.Array:
    names = batch.schema.names
    if field.name not in names:
        return pa.nulls(batch.num_rows, field.type)
    c = batch.column(names.index(field.name))
    return (c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c).cast(field.type)


def _nest(ids: list, child: pa.Table, child_type: pa.StructType) -> pa.ListArray:
    """``child``'s rows (one run per interaction, in ``ids``' order) as a list per interaction."""
    cid = child.column("interaction_id").to_numpy(zero_copy_only=False)
    counts = dict(zip(*np.unique(cid, return_counts=True))) if len(cid) else {}
    offsets = np.concatenate([[0], np.cumsum([counts.get(i, 0) for i in ids])]).astype(np.int32)
    values = pa.StructArray.from_arrays([child.column(f.name).combine_chunks().cast(f.type) for f in child_type],
                                        fields=list(child_type))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=pa.list_(child_type))


def enrich_batch(models: Enricher | PipelineModels, batch: pa.RecordBatch | pa.Table) -> pa.RecordBatch:
    """One row per interaction of ``batch`` (see :data:`OUTPUT_SCHEMA`)."""
    models = models if isinstance(models, PipelineModels) else PipelineModels(models)
    n = batch.num_rows
    words = [c for c in ("id", "text", "turns", "channel") if c in batch.schema.names]
    rows, turn_rows = models.enricher.transform(batch.select(words))
    # transform keeps the batch's order, so each interaction's turns are one run of rows.
    ids = rows.column("interaction_id").to_pylist()
    turns = _nest(ids, turn_rows, TURN_TYPE)
    qa = _score(models.qa, batch, rows, turn_rows) if models.qa is not None else None
    pred = _predict(models.satisfaction, batch, rows, turn_rows, qa) if models.satisfaction is not None else None
    cols = [rows.column(f.name).combine_chunks() for f in ENRICHMENT_SCHEMA]
    qa_cols = _by_id(ids, qa[0] if qa else None, [f.name[3:] for f in _QA_FIELDS], _QA_FIELDS)
    qa_items = _nest(ids, qa[1], QA_ITEM_TYPE) if qa else pa.nulls(n, pa.list_(QA_ITEM_TYPE))
    pred_cols = _by_id(ids, pred, [f.name for f in _PREDICTION_FIELDS], _PREDICTION_FIELDS)
    passed = [_column(batch, f) for f in PARTITION_FIELDS]
    return pa.RecordBatch.from_arrays([*cols, turns, *qa_cols, qa_items, *pred_cols, *passed], schema=OUTPUT_SCHEMA)


def _by_id(ids: list, table: pa.Table | None, names: list[str], fields: list[pa.Field]) -> list[pa.Array]:
    """``table``'s columns ``names`` aligned to ``ids`` (null where it has no row)."""
    if table is None:
        return [pa.nulls(len(ids), f.type) for f in fields]
    at = {i: k for k, i in enumerate(table.column("interaction_id").to_pylist())}
    take = pa.array([at.get(i) for i in ids], pa.int64())
    return [table.column(name).combine_chunks().take(take).cast(f.type) for name, f in zip(names, fields)]


def _score(scorer, batch, rows: pa.Table, turn_rows: pa.Table) -> tuple[pa.Table, pa.Table]:
    """QA scores and item verdicts of the batch's interactions with agent words, given what
    `earful qa run` reads: the turns with their enriched sentiment, the enriched reason else the disposition."""
    from earful.quality.scorer import INPUT_SCHEMA as QA_INPUT

    turns = _column(batch, INPUT_SCHEMA.field("turns")).to_pylist()
    sentiment = turn_rows.column("sentiment").to_pylist()
    reasons = [r if r is not None else d for r, d in zip(rows.column("reason").to_pylist(),
                                                         _column(batch, CONTEXT_FIELDS[1]).to_pylist())]
    keep, nested, k = [], [], 0
    for i, ts in enumerate(turns):
        ts = ts or []
        with_sentiment = [{**t, "sentiment": s} for t, s in zip(ts, sentiment[k:k + len(ts)])]
        k += len(ts)
        if any(t["speaker"] == "agent" for t in ts):
            keep.append(i)
            nested.append(with_sentiment)
    take = pa.array(keep, pa.int64())
    cols = {"id": rows.column("interaction_id").combine_chunks().take(take),
            "reason": pa.array(reasons, pa.string()).take(take),
            "turns": pa.array(nested, QA_INPUT.field("turns").type)}
    for name in ("channel", "queue", "transferred", "hold_s"):
        cols[name] = _column(batch, QA_INPUT.field(name)).take(take)
    return scorer.transform(pa.table([cols[f.name] for f in QA_INPUT], schema=QA_INPUT))


def _predict(model, batch, rows: pa.Table, turn_rows: pa.Table, qa: tuple[pa.Table, pa.Table] | None) -> pa.Table:
    """Predicted satisfaction of the batch's answered contacts, from the columns `earful surveys
    predict` reads (:func:`earful.surveys.predict.features_sql`: a repeat contact within 7 days of
    the contact or, for a leg, of the contact it belongs to)."""
    from datetime import timedelta

    c = {f.name: _column(batch, f).to_pylist() for f in [*CONTEXT_FIELDS, PARTITION_FIELDS[1]]}
    ids = rows.column("interaction_id").to_pylist()
    turns = _column(batch, INPUT_SCHEMA.field("turns")).to_pylist()
    first: dict[str, float] = {}
    for iid, speaker, s in zip(*(turn_rows.column(k).to_pylist() for k in ("interaction_id", "speaker", "sentiment"))):
        if speaker == "customer" and s is not None:
            first.setdefault(iid, s)
    scores, fails = {}, {}
    if qa is not None:
        scores = dict(zip(qa[0].column("interaction_id").to_pylist(), qa[0].column("score").to_pylist()))
        for iid, item, verdict in zip(*(qa[1].column(k).to_pylist() for k in ("interaction_id", "item", "verdict"))):
            if verdict == "fail":
                fails.setdefault(iid, []).append(item)
    week = timedelta(days=7)

    def repeat(k: int) -> bool | None:
        for own in ("", "related_"):
            if c[f"{own}is_contact"][k]:
                nxt, at = c[f"{own}next_contact_at"][k], c[f"{own}contact_at"][k]
                return nxt is not None and at is not None and nxt <= at + week
        return None

    keep = [k for k in range(len(ids)) if c["channel"][k] != "survey" and c["answered_at"][k] is not None
            and not c["abandoned"][k]]
    e = {name: rows.column(name).to_pylist() for name in ("reason", "sentiment", "end_sentiment", "abusive", "feedback_type")}
    said = [" ".join(t["text"] for t in (ts or []) if t["speaker"] == "agent") or None for ts in turns]
    features = {
        "id": [ids[k] for k in keep], "channel": [c["channel"][k] for k in keep],
        "reason": [e["reason"][k] if e["reason"][k] is not None else c["disposition"][k] for k in keep],
        "wait_s": [c["wait_s"][k] for k in keep],
        "handle_s": [sum(v or 0 for v in (c["talk_s"][k], c["hold_s"][k], c["wrap_s"][k])) for k in keep],
        "transferred": [bool(c["transferred"][k]) or c["related_id"][k] is not None for k in keep],
        "repeat": [repeat(k) for k in keep], "sentiment": [e["sentiment"][k] for k in keep],
        "sentiment_first": [first.get(ids[k]) for k in keep], "end_sentiment": [e["end_sentiment"][k] for k in keep],
        "abusive": [e["abusive"][k] for k in keep], "feedback_type": [e["feedback_type"][k] for k in keep],
        "qa_score": [scores.get(ids[k]) for k in keep], "qa_fails": [sorted(fails[ids[k]]) if ids[k] in fails else None
                                                                      for k in keep],
        "agent_text": [said[k] for k in keep]}
    out = model.transform(features)
    return out.append_column("model", pa.array([MODEL_NAME] * out.num_rows, pa.string()))


def map_batches(spec: EnricherSpec, batches):
    """Map an iterator of input batches to output batches with this process's enricher (what
    Spark's ``mapInArrow`` calls on each partition)."""
    enricher = worker_enricher(spec)
    for batch in batches:
        if batch.num_rows:
            yield enrich_batch(enricher, batch)
