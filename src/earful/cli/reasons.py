"""`earful reasons train|eval|assign` and `earful topics`: learned contact reasons and topics."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.table import Table

from earful.cli import app
from earful.cli._common import DbOption, console, progress_bar
from earful.store import connect

reasons_app = typer.Typer(help="Contact-reason classifier trained from the centre's own labels.", no_args_is_help=True)
app.add_typer(reasons_app, name="reasons")

FromOption = Annotated[str, typer.Option("--from", help="'disposition' (the store's labels) or a CSV file with text,label.")]


@contextmanager
def _stages():
    """A progress bar whose label follows the step's stage (embedding, fitting, assigning …)."""
    with progress_bar("{task.description}") as bar:
        task = bar.add_task("starting", total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        yield report


def _labelled(con, source: str):
    from earful.nlp.models import labelled_from_disposition, read_labelled_csv

    return labelled_from_disposition(con) if source == "disposition" else read_labelled_csv(source)


@reasons_app.command("train")
def reasons_train(
    source: FromOption = "disposition",
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0, help="Below this confidence the reason is 'unknown'.")] = 0.5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    self_training: Annotated[bool, typer.Option(
        "--self-training/--no-self-training",
        help="With few labels (the logistic learner), also learn from the store's contacts without a disposition.")] = True,
    embeddings: Annotated[bool, typer.Option(
        "--embeddings/--no-embeddings",
        help="Read sentence embeddings (more accurate); --no-embeddings: word and character n-grams only, "
             "so `earful enrich` classifies new contacts without running the encoder (many times faster).")] = True,
    assign: Annotated[bool, typer.Option(
        "--assign/--no-assign", help="Also give every enriched contact its reason now (else `earful reasons assign`).")] = True,
    learner: Annotated[str, typer.Option(
        "--learner", help="auto (logistic regression on the embedding with few labels a reason, else the "
                          "n-gram+embedding SVM), svm or logistic.")] = "auto",
    db: DbOption = None,
) -> None:
    """Train the reason classifier, save it next to the store, and fill enrichment.reason."""
    from earful.errors import InputError
    from earful.nlp.models import assign_reasons, train_reasons, unlabelled_texts
    from earful.nlp.reasons import pool_size

    con = connect(db)
    try:
        texts, labels = _labelled(con, source)
        pool = unlabelled_texts(con, seed=seed, limit=pool_size(len(texts))) if self_training else None
        if learner not in ("auto", "svm", "logistic"):
            raise InputError(f"--learner must be auto, svm or logistic, not {learner!r}")
        with _stages() as report:
            model = train_reasons(con, texts, labels, source=source, threshold=threshold, seed=seed, unlabeled=pool,
                                  learner=learner, embedding_weight=None if embeddings else 0.0, progress=report)
            n = assign_reasons(con, model, progress=report) if assign else None
    finally:
        con.close()
    taught = (f" (and taught itself from {model.pseudo_labelled_:,} unlabelled contacts)"
              if model.pseudo_labelled_ else "")
    kind = "logistic regression on the embedding" if model.learner_ == "logistic" else "n-gram+embedding SVM"
    console.print(f"trained ({kind}) on {len(texts):,} examples{taught}, {len(model.classes_)} reasons"
                  + (f"; assigned reasons to {n:,} enriched interactions" if n is not None else ""), highlight=False)


@reasons_app.command("eval")
def reasons_eval(
    source: FromOption = "disposition",
    folds: Annotated[int, typer.Option("--folds", min=2)] = 5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    db: DbOption = None,
) -> None:
    """Cross-validated accuracy of the reason classifier on the given labels."""
    from earful.nlp.models import evaluate_reasons

    con = connect(db, read_only=True)
    try:
        texts, labels = _labelled(con, source)
    finally:
        con.close()
    with _stages() as report:
        m = evaluate_reasons(texts, labels, folds=folds, seed=seed, progress=report)
    console.print(f"accuracy {100 * m['accuracy']:.1f} % ± {100 * m['accuracy_std']:.1f} "
                  f"({m['folds']}-fold, seed {seed}, {m['examples']:,} examples, {m['reasons']} reasons), "
                  f"mean confidence {100 * m['mean_confidence']:.1f} %", highlight=False)


@reasons_app.command("assign")
def reasons_assign(db: DbOption = None) -> None:
    """Fill enrichment.reason / reason_confidence with the stored classifier."""
    from earful.nlp.models import assign_reasons

    con = connect(db, create=False)
    try:
        with _stages() as report:
            n = assign_reasons(con, progress=report)
    finally:
        con.close()
    console.print(f"assigned reasons to {n:,} enriched interactions", highlight=False)


@app.command()
def topics(
    k: Annotated[Optional[int], typer.Option("--k", min=2, help="Number of topics (default √(n/2)).")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    fresh: Annotated[bool, typer.Option("--fresh", help="Do not keep the previous topic ids.")] = False,
    assign_only: Annotated[bool, typer.Option("--assign", help="Assign with the stored model, no refit.")] = False,
    start: Annotated[Optional[datetime], typer.Option("--from", formats=["%Y-%m-%d"],
                                                      help="Only interactions of this day or later.")] = None,
    end: Annotated[Optional[datetime], typer.Option("--to", formats=["%Y-%m-%d"],
                                                    help="Only interactions of this day or earlier.")] = None,
    brand: Annotated[Optional[list[str]], typer.Option(
        "--brand", help="The centre's own handle or brand name, kept out of topics and labels (repeatable).")] = None,
    db: DbOption = None,
) -> None:
    """Discover topics in enriched interactions (or assign new ones) and list them with sizes and labels."""
    from earful.nlp.models import assign_topics, fit_topics

    lo, hi = (start.date() if start else None), (end.date() if end else None)
    con = connect(db, create=False)
    try:
        with _stages() as report:
            if assign_only:
                assign_topics(con, start=lo, end=hi, progress=report)
            else:
                fit_topics(con, n_topics=k, seed=seed, refit=not fresh, start=lo, end=hi, brands=brand or (),
                           progress=report)
        rows = con.execute("SELECT t.topic_id, t.label, t.key_phrases, count(e.interaction_id) "
                           "FROM topics t LEFT JOIN enrichment e ON e.topic_id = t.topic_id "
                           "WHERE t.model = 'topics' GROUP BY ALL ORDER BY 4 DESC, 1").fetchall()
    finally:
        con.close()
    table = Table("topic", "size", "label", "key phrases")
    for tid, label, phrases, size in rows:
        table.add_row(str(tid), f"{size:,}", label or "", ", ".join(json.loads(phrases or "[]")))
    console.print(table)
