"""QA over the store: the active rubric, and scoring every interaction incrementally.

``score_store(con)`` streams the interactions with agent words that have no score under the active
rubric through :meth:`QualityScorer.transform`, one transaction per batch, so an interrupted run
keeps its finished batches and a re-run does nothing new; changing the rubric re-scores everything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa

from earful.errors import InputError
from earful.quality.rubric import Rubric, default_rubric, parse_rubric
from earful.quality.scorer import QualityScorer
from earful.store import has_table, record_batches, transaction


def active_rubric(con: duckdb.DuckDBPyConnection) -> Rubric:
    """The store's rubric (`earful qa rubric use FILE`), else earful's default."""
    if has_table(con, "qa_rubrics"):
        row = con.execute("SELECT text, name FROM qa_rubrics WHERE active ORDER BY created_at DESC LIMIT 1").fetchone()
        if row:
            return parse_rubric(row[0], f"{row[1]} (stored rubric)")
    return default_rubric()


def use_rubric(con: duckdb.DuckDBPyConnection, rubric: Rubric) -> None:
    """Make ``rubric`` the store's rubric (the next `earful qa run` re-scores under it)."""
    with transaction(con):
        con.execute("UPDATE qa_rubrics SET active = false WHERE active")
        con.execute("INSERT INTO qa_rubrics (version, name, text, active) VALUES (?, ?, ?, true) "
                    "ON CONFLICT (version) DO UPDATE SET active = true, name = excluded.name", [rubric.version, rubric.name, rubric.text])


def record_rubric(con: duckdb.DuckDBPyConnection, rubric: Rubric) -> None:
    """Record the rubric's text once (so every stored score can be traced to the rubric that made it)."""
    con.execute("INSERT INTO qa_rubrics (version, name, text, active) VALUES (?, ?, ?, false) ON CONFLICT DO NOTHING",
                [rubric.version, rubric.name, rubric.text])


# Each interaction with words from an agent, its facts, and its turns with the customer's sentiment
# per turn (from enrichment when the store has it). A recorded call's turns carry no clock time of
# their own: their time is the answer time (else any fixed instant) plus where the turn starts in the
# recording, so the silence items (dead air) see the recording's real gaps.
_BATCH = """
WITH pending AS (
    SELECT i.id FROM interactions i
    WHERE EXISTS (SELECT 1 FROM turns t WHERE t.interaction_id = i.id AND t.speaker = 'agent')
    {where}
)
SELECT i.id, any_value(i.channel) AS channel, any_value(i.queue) AS queue, any_value({reason}) AS reason,
       any_value(i.transferred) AS transferred, any_value(i.hold_s) AS hold_s,
       list(struct_pack(seq := t.seq, speaker := t.speaker, text := t.text, at := {at},
                        sentiment := {sentiment}) ORDER BY t.seq) AS turns
FROM pending p JOIN interactions i ON i.id = p.id JOIN turns t ON t.interaction_id = i.id
{joins}
GROUP BY i.id
ORDER BY i.id
"""


def batch_sql(con: duckdb.DuckDBPyConnection, where: str = "") -> str:
    """The query giving :meth:`QualityScorer.transform` its batches (``where``: extra conditions on ``i``)."""
    enriched = has_table(con, "enrichment")
    joins = ("LEFT JOIN enrichment e ON e.interaction_id = i.id "
             "LEFT JOIN enrichment_turns et ON et.interaction_id = t.interaction_id AND et.seq = t.seq") if enriched else ""
    at = "t.occurred_at"
    if has_table(con, "voice_turns"):
        joins += " LEFT JOIN voice_turns vt ON vt.interaction_id = t.interaction_id AND vt.seq = t.seq"
        at = ("coalesce(t.occurred_at, coalesce(i.answered_at, TIMESTAMP '2000-01-01') "
              "+ to_microseconds(CAST(round(vt.start_s * 1e6) AS BIGINT)))")
    return _BATCH.format(where=where, joins=joins, at=at,
                         reason="coalesce(e.reason, i.disposition)" if enriched else "i.disposition",
                         sentiment="et.sentiment" if enriched else "CAST(NULL AS DOUBLE)")


def score_store(con: duckdb.DuckDBPyConnection, rubric: Rubric | None = None, *, all: bool = False,
                batch_size: int = 2000, progress: Callable[[int, int], None] | None = None,
                scorer: QualityScorer | None = None, ids: Sequence[str] | None = None) -> int:
    """Score the interactions not yet scored under the rubric (``all``: every one again); return how many.

    ``rubric`` defaults to the store's active rubric; the store's learnt item classifiers
    (``earful qa calibrate --learn``) replace their items' rule detectors. ``ids``: only these interactions.
    """
    if batch_size < 1:
        raise InputError("batch size must be at least 1")
    if scorer is None:
        from earful.quality.calibration import stored_classifiers

        rubric = rubric or active_rubric(con)
        scorer = QualityScorer(rubric, learnt=stored_classifiers(con, rubric))
    scorer.fit()
    rubric = scorer.rubric_
    where = "" if all else (
        "AND NOT EXISTS (SELECT 1 FROM qa_scores s WHERE s.interaction_id = i.id AND s.rubric_version = "
        f"'{rubric.version}')")
    params: list = []
    if ids is not None:
        where += " AND i.id IN (SELECT unnest(?))"
        params.append(list(ids))
    total = con.execute(f"SELECT count(*) FROM interactions i WHERE EXISTS (SELECT 1 FROM turns t WHERE "
                        f"t.interaction_id = i.id AND t.speaker = 'agent') {where}", params).fetchall()[0][0]
    if progress:
        progress(0, total)
    if total == 0:
        return 0
    record_rubric(con, rubric)
    done = 0
    for batch in record_batches(con, batch_sql(con, where), batch_size, params):
        scores, items = scorer.transform(batch)
        write_scores(con, scores, items)
        done += scores.num_rows
        if progress:
            progress(done, total)
    return done


def write_scores(con: duckdb.DuckDBPyConnection, scores: pa.Table, items: pa.Table) -> None:
    """Replace the scores and item verdicts of the batch's interactions, in one transaction."""
    try:
        with transaction(con):
            con.register("_earful_qa_scores", scores)
            con.register("_earful_qa_items", items)
            con.execute("DELETE FROM qa_items WHERE interaction_id IN (SELECT interaction_id FROM _earful_qa_scores)")
            con.execute("INSERT INTO qa_scores (interaction_id, rubric_version, score, auto_failed, items_applicable, "
                        "items_failed, scored_at) SELECT *, current_timestamp FROM _earful_qa_scores "
                        "ON CONFLICT (interaction_id) DO UPDATE SET rubric_version = excluded.rubric_version, "
                        "score = excluded.score, auto_failed = excluded.auto_failed, "
                        "items_applicable = excluded.items_applicable, items_failed = excluded.items_failed, "
                        "scored_at = excluded.scored_at")
            con.execute("INSERT INTO qa_items SELECT * FROM _earful_qa_items")
    finally:
        con.unregister("_earful_qa_scores")
        con.unregister("_earful_qa_items")
