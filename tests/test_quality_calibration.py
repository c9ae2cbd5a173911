"""Calibration against people: the hand scores of 153 real conversations (docs/qa-human-scores.csv), the
agreement earful publishes in docs/quality.md, importing human evaluations, and learning from them."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from earful.store import connect

ROOT = Path(__file__).resolve().parents[1]
SCORES = ROOT / "docs" / "qa-human-scores.csv"
DOC = ROOT / "docs" / "quality.md"


@pytest.fixture(scope="module")
def real(tmp_path_factory, shared_data):
    """A store with the ABCD dialogues and the Twitter threads (read in place), the hand-scored ones scored."""
    from earful.ingest import ingest_file
    from earful.ingest.load import save_limits
    from earful.nlp.enrich import enrich
    from earful.quality.calibration import import_evaluations
    from earful.quality.run import score_store

    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    con = connect(db)
    # one hand-scored thread answers a six-year-old tweet: a wait past the plausibility limit, kept and counted
    save_limits(con, {"action": "warn"})
    ingest_file(con, shared_data / "abcd" / "abcd_sample.json", "abcd")
    ingest_file(con, shared_data / "twcs" / "twcs_first5000.csv", "twcs")
    ids = sorted({r["interaction"] for r in csv.DictReader(SCORES.open(encoding="utf-8"))})
    enrich(con, fast=True)  # the customers' sentiment, which the empathy item reads
    score_store(con, ids=ids)
    result = import_evaluations(con, SCORES)
    yield {"con": con, "ids": ids, "import": result, "db": db}
    con.close()


def test_the_hand_scores_are_whole_and_were_imported_cleanly(real):
    rows = list(csv.DictReader(SCORES.open(encoding="utf-8")))
    assert {r["evaluator"] for r in rows} == {"dev-reader"} and len(real["ids"]) == 153
    assert all(sum(1 for r in rows if r["interaction"] == i) == 11 for i in real["ids"])  # every item, every one
    assert (real["import"].loaded, real["import"].quarantined) == (len(rows), 0)


def _published(section: str) -> dict[str, float | None]:
    """The kappa per item in a table of docs/quality.md's agreement section (— is None)."""
    text = DOC.read_text(encoding="utf-8")
    table: list[str] = []
    for line in text.split(section, 1)[1].splitlines():
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    out = {}
    for line in table:
        m = re.match(r"\| (\w+) \| \d+ \| ([^|]+) \|", line)
        if m:
            k = m.group(2).strip()
            out[m.group(1)] = None if k == "—" else float(k.split()[0])
    return out


@pytest.mark.parametrize("section, split", [("Held-out conversations", "test"), ("All 153 conversations", "all")])
def test_the_published_agreement_is_what_the_code_measures(real, section, split):
    from earful.quality.calibration import agreement

    ids = real["ids"] if split == "all" else [i for i in real["ids"] if hashlib.sha1(i.encode()).hexdigest()[0] in "01234567"]
    a = agreement(real["con"], ids=ids)
    published = _published(section)
    assert set(published) == {x.item for x in a.items}
    for x in a.items:
        assert published[x.item] == (None if x.kappa is None else round(x.kappa, 2)), x.item
    flagged = {x.item for x in a.items if x.flagged}
    assert flagged <= {"empathy", "resolution", "closing"}  # the items docs/quality.md reports below 0.7, and why


def test_bad_evaluation_rows_are_quarantined_and_a_reimport_changes_nothing(real, tmp_path):
    from earful.quality.calibration import import_evaluations

    con = real["con"]
    path = tmp_path / "evals.csv"
    path.write_text("interaction,evaluator,item,score\n"
                    "abcd:3592,qa-lead,greeting,pass\n"
                    "abcd:3592,qa-lead,greting,pass\n"        # not an item of the rubric
                    "abcd:0000,qa-lead,greeting,1\n"          # no such interaction
                    "abcd:3592,qa-lead,closing,maybe\n"       # not a score
                    "abcd:3592,,empathy,0\n"                  # no evaluator
                    "abcd:3592,qa-lead,empathy,0\n", encoding="utf-8")
    r = import_evaluations(con, path)
    assert (r.loaded, r.quarantined) == (2, 4)
    reasons = [q[0] for q in con.execute("SELECT reason FROM quarantine WHERE import_id = ? ORDER BY row_number",
                                         [r.import_id]).fetchall()]
    assert "not in the rubric" in reasons[0] and "no interaction" in reasons[1] and "is not 1/0/na" in reasons[2]
    assert "evaluator: missing" in reasons[3]
    again = import_evaluations(con, path)
    assert again.loaded == 0 and again.skipped == 2
    con.execute("DELETE FROM qa_evaluations WHERE evaluator = 'qa-lead'")


def test_an_item_is_learnt_from_the_hand_scores_when_it_agrees_better(real, tmp_path):
    import shutil

    from earful.quality.calibration import agreement, learn, stored_classifiers
    from earful.quality.run import active_rubric, score_store

    db = tmp_path / "learn.duckdb"
    real["con"].execute("CHECKPOINT")
    shutil.copy(real["db"], db)
    con = connect(db)
    try:
        results = learn(con, items=["resolution", "recording_notice"])
        by = {r.item: r for r in results}
        assert not by["recording_notice"].kept and "one verdict only" in by["recording_notice"].reason
        res = by["resolution"]
        assert res.n == 153 and res.learnt_kappa is not None and res.rule_kappa is not None
        assert res.kept == (res.learnt_kappa > res.rule_kappa + 0.02)
        if res.kept:
            assert "resolution" in stored_classifiers(con, active_rubric(con))
            score_store(con, all=True, ids=real["ids"])
            a = {x.item: x for x in agreement(con).items}
            assert a["resolution"].detector == "learnt"
    finally:
        con.close()
