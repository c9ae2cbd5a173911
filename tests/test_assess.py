"""The strategic assessment on real stores: simulated centres planted strong on one side and weak on
the other, the shipped model and answers file, reproducible levels, snapshots and the CLI."""

from __future__ import annotations

import dataclasses
import io
import json
import shlex
import shutil
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from earful.assess import assess, changes, default_model_path, load_model, parse_model, save, score
from earful.assess.scoring import Answers
from earful.errors import ConfigError
from earful.store import connect

from _ledger import earful  # noqa: F401 - the CLI runner fixture

EXAMPLE_ANSWERS = Path(str(files("earful.assess") / "examples" / "answers.yaml"))
LEDGER_EXAMPLES = files("earful.ledger") / "examples"
START = date(2025, 8, 1)


def _load(path: Path, *, staffing: float) -> Path:
    from earful.ingest import ingest_file
    from earful.sim import simulate, write_simulation

    write_simulation(simulate(days=14, seed=7, start=START, scale=0.25, staffing=staffing), path.parent / "sim")
    con = connect(path)
    ingest_file(con, path.parent / "sim" / "interactions.jsonl", "earful")
    con.close()
    return path


@pytest.fixture(scope="module")
def ops_strong(tmp_path_factory) -> Path:
    """Staffed to plan; words never analysed, no insights, an empty ledger."""
    return _load(tmp_path_factory.mktemp("ops") / "earful.duckdb", staffing=1.0)


@pytest.fixture(scope="module")
def learning_strong(tmp_path_factory) -> Path:
    """Rostered 40% short of plan; every contact's words analysed, insights found, routed to the
    departments, most acknowledged and acted on, some of their value confirmed."""
    from earful.insights import find_insights
    from earful.ledger import confirm_value, routes, transition
    from earful.ledger.routing import load_routing, route_insights
    from earful.ledger.value import load_value_model, record_estimates
    from earful.nlp.enrich import enrich

    path = _load(tmp_path_factory.mktemp("learn") / "earful.duckdb", staffing=0.6)
    con = connect(path)
    enrich(con, fast=True, workers=1)
    find_insights(con)
    route_insights(con, load_routing(str(LEDGER_EXAMPLES / "routing.yaml")), who="test")
    record_estimates(con, load_value_model(str(LEDGER_EXAMPLES / "value.yaml")), who="test")
    for i, r in enumerate(routes(con)):
        transition(con, r["insight_id"], r["department"], "shared", who="test")
        transition(con, r["insight_id"], r["department"], "acknowledged", who="test")
        if i % 3 != 2:
            transition(con, r["insight_id"], r["department"], "actioned", who="test")
            if i % 4 == 0:
                confirm_value(con, r["insight_id"], r["department"], "400", "EUR", who="test")
    con.close()
    return path


def _assess(path: Path, **kw):
    con = connect(path)
    try:
        return assess(con, **kw)
    finally:
        con.close()


def test_dimension_levels_order_a_strong_operation_and_a_strong_learner(ops_strong, learning_strong):
    ops, learn = _assess(ops_strong), _assess(learning_strong)
    lv = lambda a, k: a.dimension(k).level  # noqa: E731
    # each centre against itself
    assert lv(ops, "operations") > lv(ops, "learning")
    assert lv(learn, "learning") > lv(learn, "operations")
    # and against the other
    assert lv(ops, "operations") > lv(learn, "operations")
    assert lv(learn, "learning") > lv(ops, "learning")
    assert lv(learn, "partnership") > lv(ops, "partnership")
    # the reasons are the planted causes
    assert ops.practice("words_analysed").level == 1 and ops.practice("words_analysed").evidence["value"] == 0
    assert ops.practice("insight_finding").level == 1
    assert learn.practice("abandonment").level < ops.practice("abandonment").level
    assert learn.practice("service_level").level < ops.practice("service_level").level
    # an empty ledger cannot say how findings are acknowledged: asked, not invented
    assert ops.practice("acknowledged").basis == "unanswered"
    assert "no findings routed" in ops.practice("acknowledged").reason
    assert ops.practice("departments_reached").level == 1


def _level_from_file(model_doc: dict, key: str, figure: float) -> int:
    """The level written in the model file for a figure, worked out here from the raw YAML."""
    p = next(p for d in model_doc["dimensions"] for p in d["practices"] if p["key"] == key)
    cuts = p["thresholds"]
    n = sum((figure >= t) if p.get("better", "higher") == "higher" else (figure <= t) for t in cuts)
    if p.get("too_high") is not None and figure > p["too_high"]:
        n = min(n, 1)
    return 1 + n


def test_every_measured_level_is_reproducible_from_its_figure(learning_strong, ops_strong, earful):  # noqa: F811
    doc = yaml.safe_load(default_model_path().read_text())
    for path in (ops_strong, learning_strong):
        a = _assess(path)
        measured = [p for p in a.practices if p.basis == "measured"]
        assert len(measured) >= 12
        for p in measured:
            assert p.level == _level_from_file(doc, p.key, p.evidence["value"]), p.key
            assert p.evidence["command"].startswith("earful ")
        # the metric figures are what `earful metrics` prints with the command shown beside them
        for key, column in (("abandonment", "abandon_rate"), ("first_contact_resolution", "fcr_rate"),
                            ("satisfaction", "csat_avg")):
            ev = a.practice(key).evidence
            r = earful(*shlex.split(ev["command"])[1:], "--format", "json", db=path)
            assert r.returncode == 0, r.stderr
            row = json.loads(r.stdout)[0]
            assert row[column] == pytest.approx(ev["value"], rel=1e-9), key


def test_one_changed_figure_moves_exactly_the_practices_that_read_it(ops_strong):
    from earful.assess.evidence import Evidence

    model = load_model()
    con = connect(ops_strong)
    try:
        base = assess(con)
        from earful.assess import measure
        ev = measure(con, base.period_start, base.period_end, [p.measure for p in model.practices if p.measure],
                     settings=model.settings)
    finally:
        con.close()
    levels = {p.key: p.level for p in score(model, ev, Answers(), start=base.period_start, end=base.period_end).practices}
    assert levels == {p.key: p.level for p in base.practices}
    for m in {p.measure for p in model.practices if p.measure}:
        readers = {p.key for p in model.practices if p.measure == m}
        p0 = next(p for p in model.practices if p.measure == m)
        # push the figure past the far threshold on the other side of where it is now
        now = levels[p0.key]
        lo, hi = min(p0.thresholds), max(p0.thresholds)
        worst, best = (lo - abs(lo) - 1, hi + abs(hi) + 1) if p0.better == "higher" else (hi + abs(hi) + 1, 0.0)
        if p0.too_high is not None:
            best = (hi + p0.too_high) / 2
        new = worst if now is not None and now >= 3 else best
        changed = dict(ev)
        changed[m] = dataclasses.replace(ev[m], value=new, shown=str(new), reason=None) if ev[m] else Evidence(
            m, m, new, "share", str(new), "earful")
        after = {p.key: p.level for p in score(model, changed, Answers(), start=base.period_start,
                                               end=base.period_end).practices}
        moved = {k for k in levels if levels[k] != after[k]}
        assert moved == readers, m


def test_a_change_in_the_store_moves_only_its_practice_and_the_next_snapshot_says_why(learning_strong, tmp_path):
    from earful.ledger import confirm_value, routes

    path = tmp_path / "copy.duckdb"
    shutil.copy(learning_strong, path)
    con = connect(path)
    try:
        before = assess(con)
        sid = save(con, before, who="test")
        assert sid >= 1
        # departments confirm the value of every finding they acted on
        for r in routes(con, state="actioned"):
            confirm_value(con, r["insight_id"], r["department"], "5000", "EUR", who="test")
        after = assess(con)
        moved_evidence = {k for k in {p.evidence["measure"] for p in before.practices if p.evidence}
                          if next(p.evidence for p in before.practices if p.evidence and p.evidence["measure"] == k)["value"]
                          != next(p.evidence for p in after.practices if p.evidence and p.evidence["measure"] == k)["value"]}
        assert moved_evidence == {"value_confirmed_share"}
        moved = {p.key for p in after.practices if p.level != before.practice(p.key).level}
        assert moved == {"value_credited"}
        diff = changes(json.loads(json.dumps(before.to_dict(), default=str)), after)
        assert diff["comparable"]
        assert [p["practice"] for p in diff["practices"]] == ["value_credited"]
        assert "Estimated value confirmed" in diff["practices"][0]["why"] and "→" in diff["practices"][0]["why"]
    finally:
        con.close()


def test_answers_are_self_reported_and_never_override_a_measured_figure(ops_strong):
    plain = _assess(ops_strong)
    answered = _assess(ops_strong, answers=EXAMPLE_ANSWERS)
    doc = yaml.safe_load(EXAMPLE_ANSWERS.read_text())
    for key, v in doc["answers"].items():
        level = v["level"] if isinstance(v, dict) else v
        p, p0 = answered.practice(key), plain.practice(key)
        if p0.basis == "measured":
            assert p.level == p0.level and p.basis == "measured"
        else:
            assert (p.level, p.basis) == (level, "self-reported")
    assert len(answered.questions) < len(plain.questions)
    assert 3 <= len(answered.recommendations) <= 5
    for r in answered.recommendations:
        assert r["command"].startswith("earful ") and "{" not in r["command"]


def test_gaps_are_ranked_by_money_then_by_levels_missing(learning_strong):
    a = _assess(learning_strong)
    worth = [g["worth"]["amount"] if g["worth"] and g["worth"]["amount"] is not None else None for g in a.gaps]
    money = [w for w in worth if w is not None]
    assert money, "the ledger's money ranks at least one gap"
    assert worth[: len(money)] == sorted(money, reverse=True)  # money first, largest first
    rest = [g["levels_missing"] for g, w in zip(a.gaps, worth) if w is None]
    assert rest == sorted(rest, reverse=True)
    assert a.recommendations[0]["practice"] == a.gaps[0]["practice"]


def test_the_shipped_model_and_its_recommended_commands_are_real():
    model = load_model()
    assert [d.key for d in model.dimensions] == ["operations", "loyalty", "learning", "partnership", "enablers"]
    for d in model.dimensions:
        assert 4 <= len(d.practices) <= 6, d.key
    for p in model.practices:
        assert sorted(p.levels) == [1, 2, 3, 4, 5] and all(p.levels.values())
        if p.benchmark:
            assert p.benchmark.source and p.benchmark.url
    from typer.testing import CliRunner

    from earful.cli import app

    for p in model.practices:
        words = shlex.split(p.recommend_command)
        assert words[0] == "earful"
        cmd = [w for w in words[1:3] if not w.startswith("-") and "." not in w and "/" not in w and w != "FILE"]
        r = CliRunner().invoke(app, [*cmd, "--help"], terminal_width=200)
        assert r.exit_code == 0, (p.key, r.output)
        for opt in (w for w in words if w.startswith("--")):
            assert opt in r.output, (p.key, opt)


@pytest.mark.parametrize("change, message", [
    ({"thresholds": [0.9, 0.75, 0.6, 0.4]}, "rising"),
    ({"measure": "nonsense"}, "unknown measure 'nonsense'"),
    ({"benchmark": {"figure": 0.8, "label": "made up"}}, "published source"),
    ({"levels": {1: "a", 2: "b", 3: "c", 4: "d"}}, "exactly 1, 2, 3, 4 and 5"),
])
def test_a_wrong_model_file_is_one_error_naming_the_practice(change, message):
    doc = yaml.safe_load(default_model_path().read_text())
    doc["dimensions"][0]["practices"][0].update(change)
    with pytest.raises(ConfigError, match=message) as err:
        parse_model(yaml.safe_dump(doc), "edited.yaml")
    assert "edited.yaml" in str(err.value) and "service_level" in str(err.value)


def test_cli_evidence_only_then_with_answers_then_history(ops_strong, tmp_path, earful):  # noqa: F811
    db = tmp_path / "s.duckdb"
    shutil.copy(ops_strong, db)
    r = earful("assess", "--json", db=db)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["snapshot"] == 1 and first["moved"] is None
    assert all(p["basis"] != "self-reported" for p in first["practices"])
    r = earful("assess", "--answers", EXAMPLE_ANSWERS, "--json", db=db)
    second = json.loads(r.stdout)
    assert second["snapshot"] == 2 and second["moved"]["comparable"]
    moved = {p["practice"]: p for p in second["moved"]["practices"]}
    answered = {p["key"] for p in second["practices"] if p["basis"] == "self-reported"}
    assert answered and set(moved) == answered  # unanswered before, the director's level now
    assert all(m["before"] is None and "now self-reported" in m["why"] for m in moved.values())
    r = earful("assess", "--history", db=db)
    assert r.returncode == 0 and "Saved assessments" in r.stdout
    r = earful("assess", "--no-save", db=db)
    assert r.returncode == 0 and "Operational excellence" in r.stdout and "Recommendations" in r.stdout
    assert "What moved since the last snapshot" in r.stdout or "no level moved" in r.stdout


def test_cli_asks_and_saves_the_answers(ops_strong, tmp_path, earful, monkeypatch):  # noqa: F811
    db = tmp_path / "s.duckdb"
    shutil.copy(ops_strong, db)
    plain = _assess(ops_strong)
    n = len(plain.questions)
    # answer the first question 4, a wrong one then 2 for the second, skip the rest
    monkeypatch.setattr("sys.stdin", io.StringIO("4\n9\n2\n" + "\n" * n))
    out = tmp_path / "answers.yaml"
    r = earful("assess", "--ask", "--save-answers", out, "--no-save", db=db)
    assert r.returncode == 0, r.stderr
    saved = yaml.safe_load(out.read_text())["answers"]
    assert saved == {plain.questions[0]["practice"]: 4, plain.questions[1]["practice"]: 2}
    again = _assess(ops_strong, answers=out)
    assert again.practice(plain.questions[0]["practice"]).basis == "self-reported"


def test_cli_mistakes_are_one_line(ops_strong, tmp_path, earful):  # noqa: F811
    bad = tmp_path / "a.yaml"
    bad.write_text("answers:\n  no_such_practice: 3\n")
    r = earful("assess", "--answers", bad, "--no-save", db=ops_strong)
    assert r.returncode == 2 and "no_such_practice" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    bad.write_text("answers:\n  planning: 7\n")
    r = earful("assess", "--answers", bad, "--no-save", db=ops_strong)
    assert r.returncode == 2 and "1 to 5" in r.stderr
    r = earful("assess", db=tmp_path / "missing.duckdb")
    assert r.returncode == 2 and "no earful store" in r.stderr
    assert not (tmp_path / "missing.duckdb").exists()


@pytest.fixture(scope="module")
def demo_month(tmp_path_factory) -> Path:
    """The demo's month (the simulator's defaults: 30 days from 2025-08-01, seed 7), loaded."""
    from earful.ingest import ingest_file
    from earful.sim import simulate, write_simulation

    folder = tmp_path_factory.mktemp("demo")
    write_simulation(simulate(days=30, seed=7), folder / "sim")
    con = connect(folder / "earful.duckdb")
    ingest_file(con, folder / "sim" / "interactions.jsonl", "earful")
    con.close()
    return folder / "earful.duckdb"


def test_the_demo_month_evidence_only_then_with_the_example_answers(demo_month, earful):  # noqa: F811
    from earful.demo import _assessment

    doc = yaml.safe_load(default_model_path().read_text())
    con = connect(demo_month)
    try:
        line = _assessment(con)  # the demo's own step
        assert "operational excellence" in line and "practices for the director" in line
    finally:
        con.close()
    r = earful("assess", "--json", db=demo_month)
    evidence_only = json.loads(r.stdout)
    assert r.returncode == 0 and evidence_only["snapshot"] == 2
    assert evidence_only["moved"]["comparable"] and evidence_only["moved"]["practices"] == []
    assert all(p["basis"] in ("measured", "unanswered") for p in evidence_only["practices"])
    for p in evidence_only["practices"]:
        if p["basis"] == "measured":
            assert p["level"] == _level_from_file(doc, p["key"], p["evidence"]["value"]), p["key"]
    for d in evidence_only["dimensions"]:
        assert d["level"] is not None, d["key"]  # every dimension has evidence on the demo month
    r = earful("assess", "--answers", EXAMPLE_ANSWERS, "--json", db=demo_month)
    answered = json.loads(r.stdout)
    assert r.returncode == 0
    assert {p["key"] for p in answered["practices"] if p["basis"] == "self-reported"}
    assert len(answered["questions"]) < len(evidence_only["questions"])
    assert 3 <= len(answered["recommendations"]) <= 5
    r = earful("assess", "--no-save", db=demo_month)
    assert "What moved since the last snapshot" in r.stdout or "no level moved" in r.stdout


def _pdf_pages(data: bytes) -> int:
    """Page objects in a PDF, counted in its raw and its inflated streams (read apart from WeasyPrint)."""
    import re
    import zlib

    text = data
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text += zlib.decompress(m.group(1))
        except zlib.error:
            pass
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", text))


def test_the_two_page_document_and_the_briefing_links_to_it(learning_strong, tmp_path, earful):  # noqa: F811
    pytest.importorskip("weasyprint")
    db = tmp_path / "s.duckdb"
    shutil.copy(learning_strong, db)
    html, pdf = tmp_path / "assessment.html", tmp_path / "assessment.pdf"
    r = earful("assess", "--answers", EXAMPLE_ANSWERS, "--out", html, "--pdf", pdf, db=db)
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and 1 <= _pdf_pages(pdf.read_bytes()) <= 2
    assert "pages)" in r.stdout or "page)" in r.stdout
    page = html.read_text()
    assert "<script" not in page and "What to do next" in page and "Every practice" in page
    assert "earful " in page and "self-reported" in page
    # the executive briefing of the month links to the assessment written beside it
    brief = tmp_path / "briefing.html"
    r = earful("report", "--period", "2025-08", "--out", brief, "--pdf", tmp_path / "briefing.pdf", db=db)
    assert r.returncode == 0, r.stderr
    assert "href='briefing-assessment.pdf'" in brief.read_text() and "Strategic assessment" in brief.read_text()
    beside = tmp_path / "briefing-assessment.pdf"
    assert beside.exists() and 1 <= _pdf_pages(beside.read_bytes()) <= 2
    r = earful("assess", "--pdf", pdf, "--no-save", db=db)
    assert r.returncode == 2 and "--out" in r.stderr


def test_quality_monitoring_is_asked_until_contacts_are_scored_then_measured(ops_strong, tmp_path):
    from earful.quality.run import score_store

    db = tmp_path / "earful.duckdb"
    shutil.copy(ops_strong, db)
    before = _assess(db).practice("quality_monitoring")
    assert before.basis == "unanswered" and "no QA scores" in before.reason
    con = connect(db)
    try:
        score_store(con)
        with_words, scored = con.execute(
            "SELECT count(*), count(q.interaction_id) FROM interactions i LEFT JOIN qa_scores q ON q.interaction_id = i.id"
            " WHERE i.channel <> 'survey' AND (i.text IS NOT NULL OR EXISTS (SELECT 1 FROM turns t WHERE t.interaction_id = i.id))"
        ).fetchone()
    finally:
        con.close()
    after = _assess(db).practice("quality_monitoring")
    assert after.basis == "measured"
    assert after.evidence["value"] == pytest.approx(scored / with_words)
    assert after.level == 1 + sum(after.evidence["value"] >= t for t in (0.01, 0.1, 0.5, 0.9))


def test_planning_is_measured_by_the_stored_forecast_against_what_came(tmp_path):
    from earful.ingest import ingest_file
    from earful.sim import simulate, write_simulation
    from earful.wfm.plan import PlanConfig, forecast_run

    write_simulation(simulate(days=21, seed=3, start=START, scale=0.1), tmp_path / "sim")
    db = tmp_path / "earful.duckdb"
    con = connect(db)
    ingest_file(con, tmp_path / "sim" / "interactions.jsonl", "earful")
    con.close()
    assert _assess(db).practice("planning").basis == "unanswered"  # no forecast: asked
    con = connect(db)
    try:
        forecast_run(con, PlanConfig(model="seasonal_naive"), history_end=date(2025, 8, 15))  # 15-21 Aug
        err, came = con.execute("""
            WITH f AS (SELECT queue, channel, CAST(interval_start AS DATE) AS d, sum(volume) AS fc FROM wfm_forecast GROUP BY ALL),
                 a AS (SELECT queue, channel, CAST(offered_at AS DATE) AS d, count(*) AS n FROM interactions
                       WHERE direction = 'inbound' AND offered_at IS NOT NULL AND channel <> 'survey' GROUP BY ALL)
            SELECT sum(abs(a.n - f.fc)), sum(a.n) FROM f JOIN a USING (queue, channel, d)""").fetchone()
    finally:
        con.close()
    planning = _assess(db).practice("planning")
    assert planning.basis == "measured"
    assert planning.evidence["value"] == pytest.approx(err / came, rel=1e-6)
    assert planning.level >= 2  # a forecast exists, whatever its error
