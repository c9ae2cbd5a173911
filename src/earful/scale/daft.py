"""The per-contact pipeline on Daft: a Python-native engine, no JVM; on a Ray cluster as it is.

A Daft class holds the fitted enricher: Daft builds one instance per worker (its ``__init__``
unpickles and fits the configuration once) and calls its batch method on whole batches of rows.
``daft.set_runner_ray(address)`` before :func:`enrich_lake` runs the same plan on Ray (docs/scale.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa

from earful.nlp.enrich import Enricher
from earful.scale.pipeline import OUTPUT_SCHEMA, EnricherSpec, enrich_batch, split, worker_enricher

if TYPE_CHECKING:
    import daft as _daft

# Daft reports usage over the network unless told not to; earful never phones home.
os.environ.setdefault("DAFT_ANALYTICS_ENABLED", "0")
os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


def input_frame(lake: str) -> "_daft.DataFrame":
    """The lake's interactions with their turns in order: the pipeline's input rows."""
    import daft
    from daft import col

    inter = daft.read_parquet(f"{lake}/interactions/**/*.parquet", hive_partitioning=True)
    turns = daft.read_parquet(f"{lake}/turns/**/*.parquet", hive_partitioning=True)
    nested = (turns.select(col("interaction_id"), daft.functions.to_struct(
                  col("seq").cast(daft.DataType.int32()).alias("seq"), col("speaker"), col("text")).alias("turn"))
              .groupby("interaction_id").agg(col("turn").list_agg().alias("turns")))
    return (inter.select(col("id"), col("text"), col("day").cast(daft.DataType.date()), col("channel"))
            .join(nested, left_on="id", right_on="interaction_id", how="left")
            .select("id", "text", "turns", "day", "channel"))


def _in_order(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Each interaction's turns by ``seq`` (a grouped list keeps no order of its own)."""
    turns = batch.column(batch.schema.get_field_index("turns")).to_pylist()
    ordered = pa.array([None if t is None else sorted(t, key=lambda x: x["seq"]) for t in turns],
                       batch.schema.field("turns").type)
    return batch.set_column(batch.schema.get_field_index("turns"), "turns", ordered)


def enrich_frame(df: "_daft.DataFrame", enricher: Enricher | None = None, batch_size: int = 1000) -> "_daft.DataFrame":
    """``df`` (id, text, turns, day, channel) mapped to :data:`OUTPUT_SCHEMA` columns."""
    import daft

    spec = EnricherSpec.of(enricher or Enricher())
    out_type = daft.DataType.from_arrow_type(pa.struct(list(OUTPUT_SCHEMA)))

    @daft.cls
    class EarfulEnricher:
        def __init__(self, spec: EnricherSpec) -> None:
            self.enricher = worker_enricher(spec)

        @daft.method.batch(return_dtype=out_type, unnest=True, batch_size=batch_size)
        def __call__(self, id, text, turns, day, channel):
            batch = pa.RecordBatch.from_arrays([s.to_arrow() for s in (id, text, turns, day, channel)],
                                               names=["id", "text", "turns", "day", "channel"])
            out = enrich_batch(self.enricher, _in_order(batch))
            return pa.StructArray.from_arrays(out.columns, fields=list(OUTPUT_SCHEMA))

    model = EarfulEnricher(spec)
    return df.select(model(df["id"], df["text"], df["turns"], df["day"], df["channel"]))


def enrich_lake(input_lake: str, output_lake: str, enricher: Enricher | None = None, *, batch_size: int = 1000,
                progress: Callable[[int, int], None] | None = None) -> int:
    """Enrich every interaction of ``input_lake`` into ``output_lake``'s ``enrichment`` and
    ``enrichment_turns`` (Parquet, by day and channel, replacing what was there); return how many."""
    import daft

    inp = input_frame(input_lake)
    total = inp.count_rows()
    if progress:
        progress(0, total)
    parts, done = [], 0
    for part in enrich_frame(inp, enricher, batch_size).to_arrow_iter():
        parts.append(pa.Table.from_batches([part]) if isinstance(part, pa.RecordBatch) else part)
        done += part.num_rows
        if progress:
            progress(done, total)
    out = pa.concat_tables(parts) if parts else OUTPUT_SCHEMA.empty_table()
    for table, name in zip(split(out, partitions=True), ("enrichment", "enrichment_turns")):
        daft.from_arrow(table).write_parquet(f"{output_lake}/{name}", partition_cols=["day", "channel"],
                                             write_mode="overwrite")
    return done
