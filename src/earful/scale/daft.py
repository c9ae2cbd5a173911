"""The per-contact pipeline on Daft: a Python-native engine, no JVM; on a Ray cluster as it is.

A Daft class holds the fitted models: Daft builds one instance per worker (its ``__init__``
unpickles and fits the configuration once) and calls its batch method on whole batches of rows.
``daft.set_runner_ray(address)`` before :func:`enrich_lake` runs the same plan on Ray (docs/scale.md).

The workers write the output themselves: the pass writes its rows (every table's columns, the
nested ones as lists) to a staging folder of the output lake, then each store table is read from
there, unnested where it must be, and written by day and channel as Parquet or, with
``output_format="delta"``, as a Delta table (delta-rs through the ``deltalake`` package; no JVM).
Nothing is gathered on the driver.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from earful.errors import InputError
from earful.nlp.enrich import Enricher
from earful.scale.pipeline import (CONTEXT_FIELDS, OUTPUT_SCHEMA, EnricherSpec, PipelineModels, enrich_batch,
                                   output_tables, worker_enricher)

if TYPE_CHECKING:
    import daft as _daft

# Daft reports usage over the network unless told not to; earful never phones home.
os.environ.setdefault("DAFT_ANALYTICS_ENABLED", "0")
os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


def input_frame(lake: str) -> "_daft.DataFrame":
    """The lake's interactions with their turns in order and their context: the pipeline's input rows."""
    import daft
    from daft import col

    inter = daft.read_parquet(f"{lake}/interactions/**/*.parquet", hive_partitioning=True)
    inter = inter.with_column("contact_at", col("offered_at").fill_null(col("answered_at")).fill_null(col("ended_at")))
    turns = daft.read_parquet(f"{lake}/turns/**/*.parquet", hive_partitioning=True)
    nested = (turns.select(col("interaction_id"), daft.functions.to_struct(
                  col("seq").cast(daft.DataType.int32()).alias("seq"), col("speaker"), col("text"),
                  col("occurred_at").alias("at")).alias("turn"))
              .groupby("interaction_id").agg(col("turn").list_agg().alias("turns")))
    related = inter.select(col("id").alias("rid"), *(col(c).alias(f"related_{c}")
                                                     for c in ("contact_at", "is_contact", "next_contact_at")))
    own = [f.name for f in CONTEXT_FIELDS if not f.name.startswith("related_") or f.name == "related_id"]
    return (inter.select(col("id"), col("text"), col("day").cast(daft.DataType.date()), col("channel"), *map(col, own))
            .join(nested, left_on="id", right_on="interaction_id", how="left")
            .join(related, left_on="related_id", right_on="rid", how="left")
            .select("id", "text", "turns", "day", "channel", *(f.name for f in CONTEXT_FIELDS)))


def _in_order(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Each interaction's turns by ``seq`` (a grouped list keeps no order of its own)."""
    turns = batch.column(batch.schema.get_field_index("turns")).to_pylist()
    ordered = pa.array([None if t is None else sorted(t, key=lambda x: x["seq"]) for t in turns],
                       batch.schema.field("turns").type)
    return batch.set_column(batch.schema.get_field_index("turns"), "turns", ordered)


def enrich_frame(df: "_daft.DataFrame", models: "Enricher | PipelineModels | None" = None,
                 batch_size: int = 1000) -> "_daft.DataFrame":
    """``df`` (id, text, turns, day, channel and :data:`CONTEXT_FIELDS`) mapped to :data:`OUTPUT_SCHEMA` columns."""
    import daft

    spec = EnricherSpec.of(models or Enricher())
    out_type = daft.DataType.from_arrow_type(pa.struct(list(OUTPUT_SCHEMA)))
    names = ["id", "text", "turns", "day", "channel", *(f.name for f in CONTEXT_FIELDS)]

    @daft.cls
    class EarfulEnricher:
        def __init__(self, spec: EnricherSpec) -> None:
            self.models = worker_enricher(spec)

        @daft.method.batch(return_dtype=out_type, unnest=True, batch_size=batch_size)
        def __call__(self, *series):
            batch = pa.RecordBatch.from_arrays([s.to_arrow() for s in series], names=names)
            out = enrich_batch(self.models, _in_order(batch))
            return pa.StructArray.from_arrays(out.columns, fields=list(OUTPUT_SCHEMA))

    model = EarfulEnricher(spec)
    return df.select(model(*(df[n] for n in names)))


#: How ``enrich_lake`` can write its tables.
OUTPUT_FORMATS = ("parquet", "delta")
_STAGING = "_staging"


def enrich_lake(input_lake: str, output_lake: str, models: "Enricher | PipelineModels | None" = None, *,
                batch_size: int = 1000, output_format: str = "parquet",
                progress: Callable[[int, int], None] | None = None) -> int:
    """Enrich every interaction of ``input_lake`` into ``output_lake``'s store tables
    (:data:`~earful.scale.pipeline.OUTPUT_TABLES`: ``enrichment`` and ``enrichment_turns``, and
    ``qa_scores``, ``qa_items`` and ``satisfaction_predictions`` when ``models`` has a QA scorer and a
    satisfaction model), by day and channel, replacing what was there; return how many interactions.

    ``output_format``: ``parquet`` (Hive-partitioned files, what every reader of the lake reads) or
    ``delta`` (a Delta table per store table). Progress is counted in steps: the pass, then each table."""
    import daft
    from daft import col

    if output_format not in OUTPUT_FORMATS:
        raise InputError(f"unknown output format {output_format!r}: {' or '.join(OUTPUT_FORMATS)}")
    inp = input_frame(input_lake)
    total = inp.count_rows()
    if progress:
        progress(0, total)
    staging = Path(output_lake) / _STAGING
    shutil.rmtree(staging, ignore_errors=True)
    try:
        enrich_frame(inp, models, batch_size).write_parquet(str(staging), write_mode="overwrite")
        rows = daft.read_parquet(f"{staging}/**/*.parquet")
        done = rows.count_rows()
        tables = output_tables(models)
        for k, t in enumerate(tables, 1):
            if t.nested is None:
                frame = rows.where(col(t.present).not_null()).select(
                    *(col(src).alias(name) for name, src in t.columns), "day", "channel")
            else:
                frame = (rows.select("interaction_id", col(t.nested).alias("_e"), "day", "channel").explode("_e")
                         .where(col("_e").not_null())
                         .select(*(col("interaction_id") if n == "interaction_id" else col("_e").get(n).alias(n)
                                   for n, _ in t.columns), "day", "channel"))
            target = Path(output_lake) / t.name
            if output_format == "delta":
                shutil.rmtree(target, ignore_errors=True) if not (target / "_delta_log").is_dir() else None
                frame.write_deltalake(str(target), partition_cols=["day", "channel"], mode="overwrite",
                                      schema_mode="overwrite")
            else:
                frame.write_parquet(str(target), partition_cols=["day", "channel"], write_mode="overwrite")
            if progress:
                progress(total if k == len(tables) else int(total * (0.8 + 0.2 * k / len(tables))), total)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done
