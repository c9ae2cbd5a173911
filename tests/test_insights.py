"""The insight engine end to end on a small generated month loaded through ingest: emerging issue
on its day, driver ranking, redacted diverse quotes, storage, config errors, CLI and briefing."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from _insights import write_month
from typer.testing import CliRunner

from earful.cli import app
from earful.errors import ConfigError
from earful.ingest import ingest_file
from earful.insights import find_insights, load_insights, parse_config


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    from earful.store import connect

    d = tmp_path_factory.mktemp("ins")
    truth = write_month(d / "month.jsonl")
    db = d / "earful.duckdb"
    con = connect(db)
    res = ingest_file(con, d / "month.jsonl", fmt="earful")
    assert res.quarantined == 0 if hasattr(res, "quarantined") else True
    found = find_insights(con, date(2025, 7, 22), date(2025, 8, 11))
    yield {"con": con, "db": db, "truth": truth, "found": found, "dir": d}
    con.close()


def test_spike_found_on_its_day(month):
    em = [i for i in month["found"] if i.kind == "emerging_issue"]
    hits = [i for i in em if i.reason == month["truth"]["spike_reason"]]
    assert hits, [i.title for i in em]
    assert hits[0].metrics["first_day"] == str(month["truth"]["spike_day"])
    assert hits[0].metrics["subtype"] == "spike"
    assert len([i for i in em if i.reason != month["truth"]["spike_reason"]]) <= 1
    series = hits[0].evidence["series"]
    peak = max(series, key=lambda p: p["count"])
    assert peak["day"] in (str(month["truth"]["spike_day"]), str(month["truth"]["spike_day"].replace(day=month["truth"]["spike_day"].day + 1)))


def test_planted_drivers_rank_top_three(month):
    drivers = [i for i in month["found"] if i.kind == "driver" and i.episode_start == date(2025, 8, 1)]
    assert (drivers[0].period_start, drivers[0].period_end) == (date(2025, 8, 1), date(2025, 8, 11))
    top = [i.reason for i in drivers[:3]]
    assert set(top) == month["truth"]["drivers"], top
    by = {i.reason: i for i in drivers}
    assert by["slow_transfer"].metrics["main_cause"] == "handle_time"
    assert by["lost_card"].metrics["main_cause"] == "satisfaction"
    assert by["callback_needed"].metrics["main_cause"] == "repeats"
    assert by["lost_card"].metrics["csat_diff"] < -1.5


def test_quotes_are_redacted_diverse_and_linked(month):
    con = month["con"]
    quotes = [q for i in month["found"] for q in i.evidence.get("quotes", [])]
    assert len(quotes) >= 20
    blob = json.dumps([i.evidence for i in month["found"]])
    for value in month["truth"]["pii"]:
        assert value not in blob
    assert "[CARD]" in blob or "[EMAIL]" in blob
    ids = {q["interaction_id"] for q in quotes}
    known = {r[0] for r in con.execute("SELECT id FROM interactions").fetchall()}
    assert ids <= known
    for i in month["found"]:
        texts = [q["text"] for q in i.evidence.get("quotes", [])]
        assert len(texts) == len(set(texts))
        assert_quoted(i)


def assert_quoted(insight) -> None:
    """Every insight carries 3-5 redacted quotes, or fewer with a note saying why."""
    quotes = insight.evidence.get("quotes") or []
    assert len(quotes) <= 5, insight.title
    assert len(quotes) >= 3 or insight.evidence.get("quotes_note"), (insight.kind, insight.title, quotes)
    assert all(q.get("text") and q.get("interaction_id") for q in quotes), insight.title


def _copy_of(month, tmp_path):
    """A store of its own with the month's data (tests that change it leave the shared one alone)."""
    import shutil

    from earful.store import connect

    month["con"].execute("CHECKPOINT")
    shutil.copy(month["db"], tmp_path / "copy.duckdb")
    return connect(tmp_path / "copy.duckdb")


def test_voice_of_customer(month):
    kinds = {i.kind: i for i in month["found"]}
    # names found in the words wait for a reviewer: nothing counts as a competitor yet
    assert "competitor" not in kinds
    assert kinds["churn_risk"].metrics["count"] > 0
    assert kinds["testimonial"].metrics["count"] > 0
    for q in kinds["churn_risk"].evidence["quotes"]:
        assert re.search(r"(?i)moving my money|closing|leav", q["text"]), q


def test_competitor_counts_once_a_reviewer_confirms_it(month, tmp_path):
    from earful.insights.competitors import decide, propose, review_list

    con = _copy_of(month, tmp_path)
    waiting = propose(con)
    assert [n.name for n in waiting] == ["Northwind Bank"]
    assert waiting[0].mentions >= 2 and waiting[0].example_ids
    assert not [i for i in find_insights(con, date(2025, 8, 1), date(2025, 8, 11), store=False) if i.kind == "competitor"]
    decide(con, ["northwind bank"], "confirmed", who="tester")
    found = [i for i in find_insights(con, date(2025, 8, 1), date(2025, 8, 11), store=False) if i.kind == "competitor"]
    assert [i.subject for i in found] == ["Northwind Bank"]
    assert found[0].metrics["with_churn_talk"] == found[0].metrics["count"]
    assert all("Northwind" in q["text"] for q in found[0].evidence["quotes"])
    assert_quoted(found[0])
    # a rejected name is never proposed again and stops counting
    decide(con, ["Northwind Bank"], "rejected", who="tester")
    assert propose(con) == [] and review_list(con, "rejected")[0].decided_by == "tester"
    assert not [i for i in find_insights(con, date(2025, 8, 1), date(2025, 8, 11), store=False) if i.kind == "competitor"]
    con.close()


def test_topic_insights_titled_by_their_label_never_the_short_topic(month, tmp_path):
    """Emerging issues on topics (enrichment.topic_id and the topics table as the topic model
    writes them): titled by the topic's phrase label, or its key phrases when it has only a
    placeholder; the short-message topic (-1) is never a subject."""
    con = _copy_of(month, tmp_path)
    reasons = ["fees", "lost_card", "slow_transfer", "card_arrival", "callback_needed"]
    con.execute("INSERT INTO enrichment (interaction_id, topic_id) SELECT id, CASE "
                + " ".join(f"WHEN disposition = '{r}' THEN {k}" for k, r in enumerate(reasons))
                + " ELSE -1 END FROM interactions WHERE channel <> 'survey'")
    labels = ["fee charged / extra fee", "topic 1", "transfer still pending", "card delivery", "balance not updated"]
    for k, lab in enumerate(labels):
        con.execute("INSERT INTO topics VALUES ('tweets', ?, ?, ?, 10)", [k, lab, json.dumps(["lost card", "stolen wallet"])])
    con.execute("INSERT INTO topics VALUES ('tweets', -1, 'short messages (one word, emoji, thanks)', '[]', 50)")
    found = find_insights(con, date(2025, 7, 22), date(2025, 8, 11), store=False, by="topic")
    em = [i for i in found if i.kind == "emerging_issue"]
    assert any(i.topic == "topic 0" and "fee charged / extra fee" in i.title for i in em), [i.title for i in em]
    for i in found:
        assert not re.search(r"(?i)\btopic\s*-?\d", i.title), i.title
        assert i.subject != "topic -1" and i.topic != "topic -1"
        assert_quoted(i)
    drivers = {i.subject: i.title for i in found if i.kind == "driver"}
    assert "topic -1" not in drivers
    if "topic 1" in drivers:
        assert "lost card / stolen wallet" in drivers["topic 1"]
    con.close()


def test_kept_per_month_and_a_rerun_updates_in_place(month):
    con = month["con"]
    live = "FROM insights WHERE retired_at IS NULL"
    n = con.execute(f"SELECT count(*) {live}").fetchone()[0]
    assert n == len(month["found"])
    # the window 22 Jul - 11 Aug touched two months: drivers and the voice of the customer per month
    assert {i.episode_start for i in month["found"] if i.kind == "driver"} == {date(2025, 7, 1), date(2025, 8, 1)}
    again = load_insights(con, date(2025, 7, 22), date(2025, 8, 11))
    assert sorted(i.id for i in again) == sorted(i.id for i in month["found"])
    before = dict(con.execute(f"SELECT id, created_at {live}").fetchall())
    rerun = find_insights(con, date(2025, 8, 1), date(2025, 8, 11))
    assert con.execute(f"SELECT count(*) {live}").fetchone()[0] == n
    assert dict(con.execute(f"SELECT id, created_at {live}").fetchall()) == before
    assert {i.id for i in rerun} <= set(before)
    # identity: one insight per kind, subject and episode
    assert con.execute("SELECT count(*) = count(DISTINCT (kind, subject, episode_start)) FROM insights").fetchone()[0]


def test_config_errors_name_the_line():
    cfg = parse_config("currency: GBP\ncost_per_minute:\n  voice: 1.2\nfdr: 0.01\n")
    assert cfg.currency == "GBP" and cfg.minute_cost("voice") == 1.2 and cfg.minute_cost("chat") == 0.7
    with pytest.raises(ConfigError, match=r"cfg:3: .*unknown setting 'cost_per_minit'"):
        parse_config("currency: GBP\nfdr: 0.05\ncost_per_minit: 2\n", "cfg")
    with pytest.raises(ConfigError, match=r"cfg:2: fdr"):
        parse_config("currency: GBP\nfdr: 2\n", "cfg")
    with pytest.raises(ConfigError, match=r"cfg:2: .*unknown channel 'fax'"):
        parse_config("cost_per_minute:\n  fax: 1\n", "cfg")
    with pytest.raises(ConfigError, match=r"cfg:\d+: not valid YAML"):
        parse_config("a: [1, 2\n", "cfg")
    assert parse_config("departments:\n  'card_*': Cards\n").department_for("card_arrival") == "Cards"


def test_cli_insights_and_report(month, tmp_path):
    runner = CliRunner()
    db = str(month["db"])
    month["con"].close()
    try:
        r = runner.invoke(app, ["insights", "--db", db, "--from", "2025-07-22", "--to", "2025-08-11", "--json"])
        assert r.exit_code == 0, r.output
        data = json.loads(r.output)
        assert data[0]["kind"] == "emerging_issue"
        r = runner.invoke(app, ["insights", "--db", db, "--from", "2025-07-22"])
        assert r.exit_code == 0 and "Fix this first" in r.output
        r = runner.invoke(app, ["insights", "--db", db, "--from", "22/07/2025"])
        assert r.exit_code == 2 and "--from" in r.output
        cfg = tmp_path / "bad.yaml"
        cfg.write_text("currency: EUR\ncost_per_transfer: -1\n")
        r = runner.invoke(app, ["insights", "--db", db, "--config", str(cfg)])
        assert r.exit_code == 2 and "bad.yaml:2" in r.output
        out = tmp_path / "brief.html"
        r = runner.invoke(app, ["report", "--db", db, "--period", "2025-08", "--out", str(out)])
        assert r.exit_code == 0, r.output
        html = out.read_text()
        assert html.count("<svg") >= 3 and "<script" not in html and "http" not in html.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
        assert "What is rising" in html and "fix this first" in html.lower()
        assert "<polyline" in html and "<rect" in html
        for value in month["truth"]["pii"]:
            assert value not in html
        pytest.importorskip("weasyprint")
        pdf = tmp_path / "brief.pdf"
        r = runner.invoke(app, ["report", "--db", db, "--period", "2025-08", "--out", str(out), "--pdf", str(pdf)])
        assert r.exit_code == 0, r.output
        assert pdf.read_bytes()[:5] == b"%PDF-"
    finally:
        from earful.store import connect

        month["con"] = connect(month["db"])


def test_example_config_in_docs_loads():
    from pathlib import Path

    from earful.insights import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "docs" / "insights-config.yaml")
    assert cfg.department_for("card_arrival") == "Cards" and cfg.windows == (1, 3, 7)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config("/nonexistent/insights.yaml")


def test_empty_store_is_a_one_line_error(db_path):
    from earful.store import connect

    connect(db_path).close()
    r = CliRunner().invoke(app, ["insights", "--db", str(db_path)])
    assert r.exit_code == 2 and "no contacts" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["report", "--db", str(db_path), "--period", "2025-13", "--out", "x.html"])
    assert r.exit_code == 2 and "--period" in r.output
