"""The per-contact pipeline as one function from an Arrow batch to an Arrow batch, for engines.

An engine that maps record batches (Spark ``mapInArrow``, Daft) needs one input batch to give one
output batch of a fixed schema. :func:`enrich_batch` wraps :meth:`earful.nlp.enrich.Enricher.transform`
(which returns enrichment rows and redacted turn rows) into one row per interaction: the
enrichment columns, the redacted turns nested as a list, and the partition columns (``day``,
``channel``) passed through, so the engine writes both tables of the lake from one pass.

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

#: One redacted turn, nested in its interaction's row.
TURN_TYPE = pa.struct([f for f in TURNS_SCHEMA if f.name != "interaction_id"])
#: The input the pipeline reads: the interaction's words and its turns in order (``day`` and
#: ``channel``, when present, are passed through to partition the output).
INPUT_SCHEMA = pa.schema([
    ("id", pa.string()), ("text", pa.string()),
    ("turns", pa.list_(pa.struct([("seq", pa.int32()), ("speaker", pa.string()), ("text", pa.string())]))),
])
PARTITION_FIELDS = [pa.field("day", pa.date32()), pa.field("channel", pa.string())]
#: One output row per interaction: the enrichment columns, its redacted turns, its partition.
OUTPUT_SCHEMA = pa.schema([*ENRICHMENT_SCHEMA, pa.field("turns", pa.list_(TURN_TYPE)), *PARTITION_FIELDS])


@dataclass(frozen=True)
class EnricherSpec:
    """An enricher's configuration, pickled: small enough to broadcast, and fitted on each worker."""

    payload: bytes

    @classmethod
    def of(cls, enricher: Enricher) -> "EnricherSpec":
        """The configuration with the learnt components (sentiment blend, feedback type) fitted
        here, once: a worker refitting them could learn other last digits (a BLAS sums in another
        order under another thread count), and every worker must give the same answer."""
        conf = _configuration(enricher)
        conf.sentiment = conf.sentiment or default_scorer(conf.sentiment_method)
        conf.feedback = conf.feedback or FeedbackClassifier().fit()
        return cls(pickle.dumps(conf, protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def key(self) -> str:
        return hashlib.sha1(self.payload).hexdigest()

    def load(self) -> Enricher:
        return pickle.loads(self.payload).fit()


_LOADED: dict[str, Enricher] = {}


def worker_enricher(spec: EnricherSpec) -> Enricher:
    """The fitted enricher of ``spec`` in this process: fitted the first time, then reused."""
    key = spec.key
    if key not in _LOADED:
        _LOADED.clear()           # one configuration at a time: a new one replaces the last
        _LOADED[key] = spec.load()
    return _LOADED[key]


def enrich_batch(enricher: Enricher, batch: pa.RecordBatch | pa.Table) -> pa.RecordBatch:
    """One row per interaction of ``batch`` (see :data:`OUTPUT_SCHEMA`)."""
    n = batch.num_rows
    rows, turn_rows = enricher.transform(batch)
    # transform keeps the batch's order, so each interaction's turns are one run of rows.
    tid = turn_rows.column("interaction_id").to_numpy(zero_copy_only=False)
    counts = dict(zip(*np.unique(tid, return_counts=True))) if len(tid) else {}
    ids = rows.column("interaction_id").to_pylist()
    offsets = np.concatenate([[0], np.cumsum([counts.get(i, 0) for i in ids])]).astype(np.int32)
    values = pa.StructArray.from_arrays([turn_rows.column(f.name).combine_chunks() for f in TURN_TYPE],
                                        fields=list(TURN_TYPE))
    turns = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=pa.list_(TURN_TYPE))
    names = batch.schema.names
    passed = [batch.column(names.index(f.name)).cast(f.type) if f.name in names else pa.nulls(n, f.type)
              for f in PARTITION_FIELDS]
    cols = [rows.column(f.name).combine_chunks() for f in ENRICHMENT_SCHEMA]
    return pa.RecordBatch.from_arrays([*cols, turns, *passed], schema=OUTPUT_SCHEMA)


def map_batches(spec: EnricherSpec, batches):
    """Map an iterator of input batches to output batches with this process's enricher (what
    Spark's ``mapInArrow`` calls on each partition)."""
    enricher = worker_enricher(spec)
    for batch in batches:
        if batch.num_rows:
            yield enrich_batch(enricher, batch)


def split(table: pa.Table, partitions: bool = False) -> tuple[pa.Table, pa.Table]:
    """(enrichment, enrichment_turns) tables, as in the store, from output rows (``partitions``:
    each with the ``day`` and ``channel`` columns too)."""
    extra = [f.name for f in PARTITION_FIELDS] if partitions else []
    enr = table.select([*ENRICHMENT_SCHEMA.names, *extra])
    turns = table.column("turns")
    flat = pa.concat_arrays([c.flatten() for c in turns.chunks]) if turns.num_chunks else pa.array([], TURN_TYPE)
    starts = np.cumsum([0, *[len(c) for c in turns.chunks]])
    parents = pa.array(np.concatenate([np.repeat(np.arange(len(c)) + s0, np.diff(c.offsets.to_numpy()))
                                       for c, s0 in zip(turns.chunks, starts)]) if turns.num_chunks else [],
                       pa.int64())
    iid = table.column("interaction_id").combine_chunks().take(parents)
    t = pa.table([iid, *[flat.field(f.name) for f in TURN_TYPE]], schema=TURNS_SCHEMA)
    for name in extra:
        t = t.append_column(table.schema.field(name), table.column(name).combine_chunks().take(parents))
    return enr, t
