"""QA, metrics, SLA, insights, coaching and predicted satisfaction on a simulated fortnight with planted truth.

The simulator's agent words are templates written for earful, so finding its planted behaviour shows the
plumbing works end to end (every item, every contact), not that the detectors agree with people: that is
measured on real conversations scored by hand (tests/test_quality_calibration.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest
from _quality import copy_store, quality_store  # noqa: F401

from earful.store import connect


@pytest.fixture(scope="module")
def ro(quality_store):
    con = duckdb.connect(str(quality_store["db"]), read_only=True)
    yield con
    con.close()


def test_every_planted_behaviour_is_found(ro, quality_store):
    truth = quality_store["truth"]["qa"]
    rows = ro.execute("""SELECT q.interaction_id, q.item, q.verdict FROM qa_items q JOIN interactions i
                         ON i.id = q.interaction_id WHERE i.channel IN ('voice', 'chat')""").fetchall()
    assert rows
    for item in truth["items"]:
        planted = {"sim:" + i for i in truth["failed"][item]}
        found = {iid for iid, it, v in rows if it == item and v == "fail"}
        assert planted, item
        tp = len(planted & found)
        precision, recall = tp / len(found), tp / len(planted)
        assert precision >= 0.95 and recall >= 0.95, (item, precision, recall, len(planted))


def test_scoring_is_incremental_and_follows_the_rubric(quality_store, tmp_path):
    from earful.quality import load_rubric
    from earful.quality.rubric import default_rubric_text
    from earful.quality.run import score_store, use_rubric

    con = connect(copy_store(quality_store, tmp_path))
    try:
        n = con.execute("SELECT count(*) FROM qa_scores").fetchone()[0]
        assert n > 2000 and score_store(con) == 0  # nothing new
        text = default_rubric_text().replace("weight: 20", "weight: 30")  # the QA lead reweighs resolution
        path = tmp_path / "mine.yaml"
        path.write_text(text, encoding="utf-8")
        use_rubric(con, load_rubric(path))
        assert score_store(con) == n  # a new rubric scores everything again, under its own version
        assert con.execute("SELECT count(DISTINCT rubric_version) FROM qa_scores").fetchone()[0] == 1
    finally:
        con.close()


def test_qa_score_flows_into_metrics_and_the_sla_contract(ro):
    from importlib.resources import files

    from earful.ledger.sla import actuals_from_metrics, load_contract, score
    from earful.metrics import metrics_table

    rows = {r["agent"]: r for r in metrics_table(ro, by=("agent",), channel="voice").to_pylist() if r["agent"]}
    by_qa = sorted((r["qa_score"], a) for a, r in rows.items() if r["qa_score"] is not None and r["answered"] >= 30)
    assert by_qa[0][1] == "A007"  # the planted rude agent is the lowest on QA
    direct = ro.execute("SELECT avg(s.score) FROM qa_scores s JOIN interactions i ON i.id = s.interaction_id "
                        "WHERE i.agent_id = 'A007' AND i.channel = 'voice'").fetchone()[0]
    assert rows["A007"]["qa_score"] == pytest.approx(direct)
    c = load_contract(files("earful.ledger") / "examples" / "contract.yaml")
    actual = actuals_from_metrics(ro, c, "2025-08")
    assert 0 < actual["qa_score"] < 100
    card = score(c, actual, "2025-08")
    qa = next(t for t in card.terms if t.metric == "qa_score")
    assert qa.actual != "no data" and qa.met == (Decimal(qa.actual) >= 85)


def test_the_rude_agent_is_lowest_on_csat_too(ro):
    rows = ro.execute("""SELECT c.agent_id, avg(s.csat), count(*) FROM interactions s JOIN interactions c ON c.id = s.related_id
                         WHERE s.channel = 'survey' AND c.channel = 'voice' GROUP BY 1 HAVING count(*) >= 8
                         ORDER BY 2""").fetchall()
    assert rows[0][0] == "A007", rows[:3]


def test_a_qa_item_failing_more_than_usual_is_an_insight(quality_store, tmp_path):
    from earful.insights import find_insights

    con = connect(copy_store(quality_store, tmp_path))
    try:
        found = [i for i in find_insights(con) if i.kind == "qa_item"]
    finally:
        con.close()
    drift = quality_store["truth"]["qa"]["drift"]
    hits = [i for i in found if i.metrics["item"] == drift["item"]]
    assert hits and hits[0].metrics["channel"] == "voice"
    assert abs((date.fromisoformat(hits[0].metrics["first_day"]) - date.fromisoformat(drift["from"])).days) <= 1
    assert hits[0].evidence["quotes"] and hits[0].suggested_department
    # anything else that rose is a planted agent's behaviour on the days that agent worked (the roster varies)
    planted = {"dead_air": "A009", "anything_else": "A012", "hold_etiquette": "A020", "verification": "A005",
               "greeting": "C04", "closing": "C07", "courtesy": "A007", "empathy": "A007"}
    for i in found:
        if i not in hits:
            assert i.evidence["agents"][0]["agent"] == planted.get(i.metrics["item"]), (i.title, i.evidence["agents"])


def test_agent_report_against_peers_and_the_coaching_list(ro):
    from earful.quality.coaching import agent_report, agents_overview

    r = agent_report(ro, "A007")
    assert r["queue"] == "voice" and r["peers"] > 10
    assert r["measures"]["qa_score"]["verdict"] == "worse" and r["measures"]["csat"]["verdict"] == "worse"
    assert "courtesy" in r["weak_items"]
    ex = next(it for it in r["items"] if it["item"] == "courtesy")["coaching"]
    assert ex and all(e["evidence_seq"] and e["evidence"] for e in ex)
    text = ro.execute("SELECT text FROM turns WHERE interaction_id = ? AND seq = ?",
                      [ex[0]["interaction_id"], ex[0]["evidence_seq"]]).fetchone()[0]
    assert any(w in text for w in ("Calm down", "already told you", "not my problem"))
    star = agent_report(ro, "A014")  # the star agent has no weak item, and wide intervals are not over-read
    assert "courtesy" not in star["weak_items"]
    overview = {r["agent"]: r for r in agents_overview(ro)}
    assert overview["A007"]["qa_score"] < overview["A014"]["qa_score"]


def test_predicted_satisfaction_for_every_contact(ro, quality_store):
    trained = quality_store["trained"]
    assert trained.auc is not None and trained.auc > 0.7, trained
    # the predicted CSAT is an expected value (for averages): it beats a constant on squared error
    assert trained.rmse < trained.rmse_baseline and trained.correlation > 0.3
    answered = ro.execute("SELECT count(*) FROM interactions WHERE channel <> 'survey' AND answered_at IS NOT NULL "
                          "AND NOT coalesce(abandoned, false)").fetchone()[0]
    assert ro.execute("SELECT count(*) FROM satisfaction_predictions").fetchone()[0] == answered
    # the model ranks the rude agent's contacts worst, from their words and QA alone
    worst = ro.execute("""SELECT i.agent_id FROM satisfaction_predictions p JOIN interactions i ON i.id = p.interaction_id
                          WHERE i.channel = 'voice' GROUP BY 1 HAVING count(*) >= 30 ORDER BY avg(p.predicted_csat) LIMIT 1""").fetchone()[0]
    assert worst == "A007"


def test_the_model_is_a_pure_function_over_a_batch(ro):
    import pyarrow as pa

    from earful.surveys.predict import FEATURE_COLUMNS, features_sql, stored_model

    model = stored_model(ro)
    assert model is not None
    batch = ro.sql(features_sql(ro) + " LIMIT 50").to_arrow_table()
    out = model.transform(batch)
    assert out.column("interaction_id").to_pylist() == batch.column("id").to_pylist()
    assert all(1 <= v <= 5 for v in out.column("predicted_csat").to_pylist())
    assert all(0 <= v <= 1 for v in out.column("p_dissatisfied").to_pylist())
    by_hand = pa.table({k: batch.column(k) for k in FEATURE_COLUMNS})
    assert model.transform(by_hand).equals(out)


def test_key_drivers_find_the_planted_effects(ro, quality_store):
    from earful.surveys.drivers import key_drivers

    r = key_drivers(ro, min_cases=5)  # a fortnight at half scale: few rated contacts of the rude agent
    d = {x.feature: x for x in r.drivers}
    effects = {e["reason"]: e for e in quality_store["truth"]["reason_effects"]}
    lost = d.get("reason:lost_or_stolen_card")
    assert lost is not None and lost.clear and lost.effect < -0.5, lost  # planted: -1.2
    assert d["qa:courtesy"].clear and d["qa:courtesy"].effect < -0.5       # the rude agent: -1.3
    assert d["left_open"].clear and d["left_open"].effect < -0.5            # unresolved: -1.0
    assert "costs" in d["left_open"].words and "CSAT points" in d["left_open"].words
    assert effects["lost_or_stolen_card"]["csat_shift"] < 0
    # a period takes only the contacts of its days (both ends included)
    first, last = ro.execute("SELECT min(CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE)), "
                             "max(CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE)) FROM interactions i "
                             "WHERE channel <> 'survey'").fetchone()
    mid = first + (last - first) / 2
    halves = [key_drivers(ro, start=first, end=mid, min_cases=5).n, key_drivers(ro, start=mid + timedelta(days=1), min_cases=5).n]
    assert all(h > 0 for h in halves) and sum(halves) == r.n


def test_the_commands(quality_store, tmp_path, capsys):
    """`earful qa`, `earful agents` and `earful surveys` through the real entry point: figures out, one-line errors."""
    import csv
    import io
    import json

    from earful.cli import main

    db = copy_store(quality_store, tmp_path)

    def run(*args):
        capsys.readouterr()
        try:
            main([*map(str, args), "--db", str(db)])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("qa", "summary", "--by", "agent", "--format", "csv")
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and float(rows["A007"]["score"]) < float(rows["A014"]["score"])
    assert "courtesy_fail_rate" in rows["A007"]
    code, out, _ = run("agents", "show", "A007", "--json")
    assert code == 0 and "courtesy" in json.loads(out)["weak_items"]
    code, out, _ = run("surveys", "drivers")
    assert code == 0 and "CSAT points" in out
    ro = duckdb.connect(str(quality_store["db"]), read_only=True)
    scored = ro.execute("SELECT interaction_id FROM qa_scores WHERE auto_failed LIMIT 1").fetchone()[0]
    ro.close()
    code, out, _ = run("qa", "show", scored)
    assert code == 0 and "auto-failed" in out and "Greets the customer" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("rubric: x\nsections:\n  s:\n    items:\n      a:\n        weight: lots\n        detect: {phrases: [x]}\n")
    code, _, err = run("qa", "rubric", "use", bad)
    assert code == 2 and "bad.yaml:6:" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("agents", "show", "NOBODY")
    assert code == 2 and "no answered contacts by agent 'NOBODY'" in err
    code, _, err = run("surveys", "summary", "--by", "colour")
    assert code == 2 and "cannot group surveys by 'colour'" in err
