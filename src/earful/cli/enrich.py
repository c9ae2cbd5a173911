"""`earful enrich`: redact, score sentiment, flag abuse, type feedback, find mentions and key phrases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from earful.cli import app
from earful.cli._common import DbOption, console, progress_bar
from earful.store import connect


@app.command()
def enrich(
    all: Annotated[bool, typer.Option("--all", help="Enrich every interaction again, not only new ones.")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Regex-only redaction and the reason model's distilled n-gram assigner (no encoder): far faster, misses names written without a cue, agrees with the full reason model on most contacts.")] = False,
    lexicon: Annotated[Optional[Path], typer.Option("--lexicon", help="Products/competitors YAML (kept in the store for later runs).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Interactions per transaction.", min=1)] = 1000,
    models: Annotated[bool, typer.Option("--models/--no-models", help="Also give each contact its reason and topic with the store's trained models (when there are any).")] = True,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Processes enriching batches in parallel (default: one per core from 20 batches on).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="here (this machine, the store), spark or daft (a lake, --input/--output).")] = "here",
    master: Annotated[Optional[str], typer.Option("--master", help="spark: the master, e.g. local[2] (omit under spark-submit).")] = None,
    input: Annotated[Optional[Path], typer.Option("--input", help="spark/daft: the lake to read (`earful export --parquet`).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", help="spark/daft: the lake to write enrichment and enrichment_turns (and QA scores and predicted satisfaction, when the lake carries those models) into.")] = None,
    output_format: Annotated[str, typer.Option("--output-format", help="daft: parquet (Hive-partitioned files) or delta (a Delta table per store table).")] = "parquet",
    db: DbOption = None,
) -> None:
    """Enrich interactions not yet enriched: PII redaction, sentiment, abuse, feedback type, mentions, key phrases, and reason and topic once those models are trained."""
    from earful.errors import ConfigError

    if engine != "here":
        return _enrich_lake(engine, master, input, output, fast, batch_size, output_format)
    from earful.nlp.enrich import enrich as run_enrich
    from earful.nlp.enrich import save_lexicon

    con = connect(db, create=False)
    try:
        lex = None
        if lexicon is not None:
            if not lexicon.is_file():
                raise ConfigError(f"lexicon file {lexicon} not found")
            from earful.nlp.mentions import parse_lexicon

            text = lexicon.read_text(encoding="utf-8")
            lex = parse_lexicon(text, str(lexicon))
            save_lexicon(con, text)
        with progress_bar("enriching") as bar:
            task = bar.add_task("enrich", total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            n = run_enrich(con, all=all, progress=report, fast=fast, lexicon=lex, batch_size=batch_size,
                            models=models, workers=workers)
    finally:
        con.close()
    console.print(f"enriched {n:,} interaction{'s' if n != 1 else ''}"
                  + (" (fast redaction)" if fast else ""), highlight=False)


def _enrich_lake(engine: str, master: str | None, input: Path | None, output: Path | None, fast: bool,
                 batch_size: int, output_format: str = "parquet") -> None:
    """The same enrichment on Spark or Daft, from one lake into another (or the same)."""
    from earful.errors import ConfigError, InputError
    from earful.scale.lake import is_lake, lake_models

    if engine not in ("spark", "daft"):
        raise ConfigError(f"unknown engine {engine!r}", hint="here, spark or daft")
    if input is None or output is None:
        raise InputError(f"--engine {engine} reads and writes a lake: give --input LAKE and --output LAKE")
    if not is_lake(input):
        raise InputError(f"{input} is not an earful lake", hint="write one with `earful export --parquet DIR`")
    if output_format not in ("parquet", "delta"):
        raise ConfigError(f"unknown output format {output_format!r}", hint="parquet or delta")
    if output_format == "delta" and engine != "daft":
        raise ConfigError("Delta output is written by --engine daft",
                          hint="Spark writes Delta only with the Delta Lake jars on its classpath; see docs/scale.md")
    try:
        mod = __import__(f"earful.scale.{engine}", fromlist=["enrich_lake"])
        __import__("pyspark" if engine == "spark" else "daft")
        if output_format == "delta":
            __import__("deltalake")
    except ImportError as e:
        missing = (e.name or engine).split(".")[0]
        raise ConfigError(f"{missing} is not installed", hint="pip install 'earful[scale]'") from None
    enricher = lake_models(input, fast=fast)
    with progress_bar(f"enriching on {engine}") as bar:
        task = bar.add_task("enrich", total=None)
        seen = [0]

        def report(done: int, total: int) -> None:
            seen[0] = max(seen[0], done)   # a later stage starts its count again: never go back
            bar.update(task, completed=seen[0], total=total)

        if engine == "spark":
            n = mod.enrich_lake(mod.session(master), str(input), str(output), enricher, batch_size=batch_size,
                                progress=report)
        else:
            n = mod.enrich_lake(str(input), str(output), enricher, batch_size=batch_size, output_format=output_format,
                                progress=report)
    console.print(f"enriched {n:,} interaction{'s' if n != 1 else ''} on {engine} into {output}"
                  + (" (fast redaction)" if fast else "")
                  + (" with QA scores" if enricher.qa is not None else "")
                  + (" and predicted satisfaction" if enricher.satisfaction is not None else ""), highlight=False)
