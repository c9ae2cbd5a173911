"""The per-contact pipeline on Apache Spark, through ``mapInArrow``.

The pipeline's models (the enricher's fitted reason and topic models and lexicon, the QA rubric,
the satisfaction model) are broadcast once; each
Python worker unpickles and fits it on its first batch and keeps it for every later one (Spark
reuses its Python workers), and each call maps whole Arrow record batches: no Python runs per row
outside the enricher itself. Runs the same under ``spark-submit`` on a cluster as in local mode::

    spark-submit --master yarn .../earful/scale/spark.py --input s3a://lake --output s3a://lake

(see docs/scale.md).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from earful.nlp.enrich import Enricher
from earful.scale.pipeline import (CONTEXT_FIELDS, OUTPUT_SCHEMA, EnricherSpec, PipelineModels, map_batches,
                                   output_tables)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


#: The JVM's options in local mode (``conf`` can override them). There the JVM only glues: it reads
#: the Parquet, hands Arrow batches to the Python workers and writes their output. Its optimising
#: (C2) compiler spent more CPU compiling that glue than the compiled code saved, about half the
#: JVM's CPU on a job of 10,000 contacts; the quick (C1) compiler alone and the serial garbage
#: collector halved the JVM's CPU (docs/scale.md).
LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def session(master: str | None = None, app: str = "earful enrich", conf: dict[str, str] | None = None) -> "SparkSession":
    """A Spark session (the running one under ``spark-submit``; ``master`` e.g. ``local[2]``)."""
    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName(app)
    settings: dict[str, str] = {}
    if master:
        b = b.master(master)
        if master.startswith("local"):   # the workers run this very Python, with earful installed
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            settings["spark.driver.extraJavaOptions"] = LOCAL_JVM_OPTIONS
    settings = {**settings, "spark.ui.showConsoleProgress": "false", "spark.sql.session.timeZone": "UTC",
                "spark.python.worker.reuse": "true", **(conf or {})}
    for k, v in settings.items():
        b = b.config(k, v)
    return b.getOrCreate()


def input_frame(spark: "SparkSession", lake: str) -> "DataFrame":
    """The lake's interactions with their turns in order and their context: the pipeline's input rows."""
    from pyspark.sql import functions as F

    inter = _interactions(spark, lake).withColumn("contact_at", F.coalesce("offered_at", "answered_at", "ended_at"))
    turns = spark.read.option("basePath", f"{lake}/turns").parquet(f"{lake}/turns")
    nested = (turns.groupBy("interaction_id")
              .agg(F.sort_array(F.collect_list(F.struct(F.col("seq").cast("int").alias("seq"), "speaker", "text",
                                                        F.col("occurred_at").alias("at"))))
                   .alias("turns")))
    related = inter.select(F.col("id").alias("rid"),
                           *(F.col(c).alias(f"related_{c}") for c in ("contact_at", "is_contact", "next_contact_at")))
    context = [f.name for f in CONTEXT_FIELDS if not f.name.startswith("related_") or f.name == "related_id"]
    return (inter.select("id", "text", F.col("day").cast("date").alias("day"), "channel", *context)
            .join(nested, inter["id"] == nested["interaction_id"], "left")
            .join(related, F.col("related_id") == F.col("rid"), "left")
            .select("id", "text", "turns", "day", "channel", *(f.name for f in CONTEXT_FIELDS)))


def _interactions(spark: "SparkSession", lake: str) -> "DataFrame":
    return spark.read.option("basePath", f"{lake}/interactions").parquet(f"{lake}/interactions")


def enrich_frame(df: "DataFrame", enricher: "Enricher | PipelineModels | None" = None) -> "DataFrame":
    """``df`` (id, text, turns[, day, channel]) mapped to :data:`OUTPUT_SCHEMA` rows."""
    from pyspark.sql.pandas.types import from_arrow_schema

    spec = df.sparkSession.sparkContext.broadcast(EnricherSpec.of(enricher or Enricher()))

    def run(batches):
        yield from map_batches(spec.value, batches)

    return df.mapInArrow(run, from_arrow_schema(OUTPUT_SCHEMA))


#: Contacts per Spark task: progress every few seconds, and a task's batches stay small in memory.
TASK_CONTACTS = 10_000


def enrich_lake(spark: "SparkSession", input_lake: str, output_lake: str, enricher: "Enricher | PipelineModels | None" = None,
                *, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> int:
    """Enrich every interaction of ``input_lake`` into ``output_lake``'s ``enrichment`` and
    ``enrichment_turns`` (Parquet, by day and channel, replacing what was there); return how many.

    One pass over the input: the turns are grouped by interaction in the join's own shuffle, whose
    partitions are the tasks (about :data:`TASK_CONTACTS` contacts each, at least one per core), so
    no other shuffle moves the words; the mapped rows are kept (memory, then disk) for each
    table's write, so the Python pipeline runs once per contact."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    # The join keeps every interaction once (the grouped turns hold one row per interaction), so
    # the interactions alone give the count: no pass over the turns.
    total = _interactions(spark, input_lake).count()
    tasks = max(spark.sparkContext.defaultParallelism, -(-total // TASK_CONTACTS))
    settings = {"spark.sql.execution.arrow.maxRecordsPerBatch": str(batch_size),
                "spark.sql.shuffle.partitions": str(tasks),
                # adaptive execution would merge the join's partitions into one task per core
                "spark.sql.adaptive.coalescePartitions.enabled": "false"}
    saved = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    if progress:
        progress(0, total)
    out = enrich_frame(input_frame(spark, input_lake), enricher).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        tracker = _Tracker(spark, total, progress)
        for i, t in enumerate(output_tables(enricher)):
            if t.nested is None:
                rows = out.where(F.col(t.present).isNotNull()).select(
                    *(F.col(src).alias(name) for name, src in t.columns), "day", "channel")
            else:
                rows = (out.select("interaction_id", F.explode(t.nested).alias("t"), "day", "channel")
                        .select(*(F.col("interaction_id") if n == "interaction_id" else F.col(f"t.{n}")
                                  for n, _ in t.columns), "day", "channel"))
            with tracker if i == 0 else contextlib.nullcontext():
                rows.write.mode("overwrite").partitionBy("day", "channel").parquet(f"{output_lake}/{t.name}")
    finally:
        out.unpersist()
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)
    if progress:
        progress(total, total)
    return total


class _Tracker:
    """Reports progress from Spark's status tracker (finished tasks of the running stage, scaled
    to interactions) every second while a write runs."""

    def __init__(self, spark: "SparkSession", total: int, progress: Callable[[int, int], None] | None) -> None:
        self.sc, self.total, self.progress = spark.sparkContext, total, progress

    def __enter__(self) -> "_Tracker":
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        if self.progress:
            self._thread.start()
        return self

    def _watch(self) -> None:
        st = self.sc.statusTracker()
        while not self._stop.wait(1.0):
            done = tasks = 0
            for sid in st.getActiveStageIds():
                info = st.getStageInfo(sid)
                if info:
                    done, tasks = done + info.numCompletedTasks, tasks + info.numTasks
            if tasks:
                self.progress(int(self.total * done / tasks), self.total)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def main(argv: list[str] | None = None) -> int:
    """``spark-submit`` entry point: ``--input LAKE --output LAKE [--fast] [--models FILE]``."""
    import argparse

    p = argparse.ArgumentParser(prog="earful.scale.spark", description=main.__doc__)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--master", default=None, help="e.g. local[2]; omit under spark-submit")
    p.add_argument("--fast", action="store_true", help="regex-only redaction")
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--models", default=None,
                   help="the lake's _models/enricher.pickle where the driver cannot read the lake as a local folder")
    a = p.parse_args(argv)
    from earful.scale.lake import lake_models

    spark = session(a.master)
    n = enrich_lake(spark, a.input, a.output, lake_models(a.input, fast=a.fast, models=a.models),
                    batch_size=a.batch_size)
    print(f"enriched {n:,} interactions into {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
