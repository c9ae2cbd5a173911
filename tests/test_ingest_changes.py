"""A record that changed under a known id is reported and, when asked, applied; quarantine you can act on:
a summary by reason and field, an export, and a retry after the mapping is fixed."""

from __future__ import annotations

import csv
import json

from _files import HEADER, MAPPING, call_row, canonical_record, write_calls, write_jsonl, write_mapping
from test_cli_ingest import earful
from earful.ingest import ingest_file


def test_changed_records_are_reported_and_applied_with_update(con, tmp_path):
    m = write_mapping(tmp_path / "m.yaml")
    ingest_file(con, write_calls(tmp_path / "a.csv", 10), "csv", m)
    rows = [call_row(i) for i in range(12)]
    rows[3] = rows[3].replace("note 3", "note three")      # text changed
    rows[5] = rows[5].replace(",5,65,", ",7,65,")            # wait changed
    changed = tmp_path / "b.csv"
    changed.write_text("\n".join([HEADER] + rows) + "\n")
    r = ingest_file(con, changed, "csv", m)
    assert (r.loaded, r.skipped, r.changed, r.updated) == (2, 10, 2, 0)
    assert any("--update" in n for n in r.notes)
    assert {e["id"] for e in r.changed_examples} == {"pbx:C000003", "pbx:C000005"}
    ex = next(e for e in r.changed_examples if e["id"] == "pbx:C000005")
    assert ex["fields"] == {"wait_s": ["5.0", "7.0"]}
    assert con.execute("SELECT text FROM interactions WHERE id = 'pbx:C000003'").fetchall() == [("note 3",)]
    r = ingest_file(con, changed, "csv", m, update=True)
    assert (r.loaded, r.changed, r.updated) == (0, 2, 2)
    assert con.execute("SELECT text FROM interactions WHERE id = 'pbx:C000003'").fetchall() == [("note three",)]
    assert con.execute("SELECT wait_s FROM interactions WHERE id = 'pbx:C000005'").fetchall() == [(7.0,)]
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM interactions").fetchall()[0] == (12, 12)
    assert con.execute("SELECT rows_changed, rows_updated FROM imports WHERE import_id = ?", [r.import_id]).fetchall() == [(2, 2)]


def test_update_replaces_turns_and_what_was_derived(con, tmp_path):
    recs = [canonical_record(i) for i in range(3)]
    ingest_file(con, write_jsonl(tmp_path / "a.jsonl", recs), "earful")
    con.execute("INSERT INTO enrichment (interaction_id, redacted_text) VALUES ('sim:S0000001', 'old words')")
    recs[1]["queue"] = "loans"
    recs[1]["turns"] = [{"speaker": "customer", "text": "a loan please", "at": "2025-08-01T09:00:00"}]
    r = ingest_file(con, write_jsonl(tmp_path / "b.jsonl", recs), "earful", update=True)
    assert (r.changed, r.updated, r.turns) == (1, 1, 1)
    assert con.execute("SELECT list(text ORDER BY seq) FROM turns WHERE interaction_id = 'sim:S0000001'").fetchall() == \
        [(["a loan please"],)]
    assert con.execute("SELECT count(*) FROM enrichment").fetchall()[0][0] == 0  # to be enriched again


def test_quarantine_summary_counts_by_reason_and_field(con, tmp_path):
    from earful.ingest import quarantine_summary

    rows = [call_row(i) for i in range(30)]
    for i in (3, 9, 17):
        rows[i] = rows[i].replace(f",{i % 90},{60 + i},", f",0{i}:0{i % 6}:1{i % 10},{60 + i},")
    for i in (4, 20):
        rows[i] = rows[i].replace(",false,", ",maybe,")
    f = tmp_path / "c.csv"
    f.write_text("\n".join([HEADER] + rows) + "\n")
    r = ingest_file(con, f, "csv", write_mapping(tmp_path / "m.yaml"))
    summary = quarantine_summary(con, import_id=r.import_id)
    assert [(s["field"], s["count"]) for s in summary] == [("wait_s", 3), ("abandoned", 2)]
    assert summary[0]["example_row"] == 4 and "add format: hms at wait_s, mapping line 8" in summary[0]["example_reason"]
    assert r.quarantine_summary == summary


def test_retry_after_the_mapping_is_fixed(con, tmp_path):
    from earful.ingest.retry import retry_quarantine

    rows = [call_row(i) for i in range(20)]
    for i in (2, 7, 11):
        rows[i] = rows[i].replace(f",{i % 90},{60 + i},", f",00:0{i % 10}:3{i % 10},{60 + i},")
    rows[15] = rows[15].replace(",false,", ",maybe,")
    f = tmp_path / "c.csv"
    f.write_text("\n".join([HEADER] + rows) + "\n")
    first = ingest_file(con, f, "csv", write_mapping(tmp_path / "m.yaml"))
    assert (first.loaded, first.quarantined) == (16, 4)
    fixed = write_mapping(tmp_path / "fixed.yaml", MAPPING.replace("wait_s: wait_s", "wait_s: {column: wait_s, format: hms}"))
    r = retry_quarantine(con, first.import_id, fixed)
    assert (r.loaded, r.quarantined) == (3, 1)
    assert con.execute("SELECT wait_s FROM interactions WHERE source_id = 'C000007'").fetchall() == [(457.0,)]
    left = con.execute("SELECT import_id, row_number, field FROM quarantine").fetchall()
    assert left == [(r.import_id, 16, "abandoned")]  # the still-bad row, under the retry, with its own row number
    assert con.execute("SELECT retry_of FROM imports WHERE import_id = ?", [r.import_id]).fetchall() == [(first.import_id,)]
    # retrying again with the mapping kept changes nothing more
    again = retry_quarantine(con, r.import_id)
    assert (again.loaded, again.quarantined) == (0, 1)


def test_cli_summary_export_and_retry(tmp_path):
    db = tmp_path / "s.duckdb"
    rows = [call_row(i) for i in range(12)]
    rows[4] = rows[4].replace(",4,64,", ",00:01:04,64,")
    f = tmp_path / "c.csv"
    f.write_text("\n".join([HEADER] + rows) + "\n")
    p = earful("ingest", f, "--format", "csv", "--mapping", write_mapping(tmp_path / "m.yaml"), db=db)
    assert p.returncode == 1 and "quarantine by reason" in p.stdout and "--retry-quarantine" in p.stdout
    p = earful("quarantine", db=db)
    assert p.returncode == 0 and "wait_s" in p.stdout and "add format: hms" in p.stdout
    out = tmp_path / "summary.csv"
    assert earful("quarantine", "--summary", "--export", out, db=db).returncode == 0
    summary = list(csv.DictReader(out.open()))
    assert summary[0]["field"] == "wait_s" and summary[0]["count"] == "1"
    fixed = write_mapping(tmp_path / "fixed.yaml", MAPPING.replace("wait_s: wait_s", "wait_s: {column: wait_s, format: hms}"))
    p = earful("ingest", f, "--retry-quarantine", "--mapping", fixed, "--json", db=db)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["loaded"] == 1
    assert earful("quarantine", db=db).stdout.strip().startswith("nothing in quarantine")
    p = earful("ingest", "--retry-quarantine", db=db)
    assert p.returncode == 2 and "nothing in quarantine" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_limits_quarantine_or_warn_and_the_store_keeps_its_own(tmp_path):
    db = tmp_path / "s.duckdb"
    rows = [call_row(i) for i in range(6)]
    rows[2] = rows[2].replace(",2,62,", ",2,7200,")  # a two-hour talk
    f = tmp_path / "c.csv"
    f.write_text("\n".join([HEADER] + rows) + "\n")
    limits = tmp_path / "limits.yaml"
    limits.write_text("duration_max_s: {talk_s: 3600}\n")
    p = earful("limits", "--set", limits, db=db)
    assert p.returncode == 0 and '"talk_s": 3600.0' in p.stdout
    p = earful("ingest", f, "--mapping", write_mapping(tmp_path / "m.yaml"), "--dry-run", db=db)
    assert p.returncode == 0 and "dry run" in p.stdout and "limits.duration_max_s" in p.stdout
    assert '"interactions": 0' in earful("status", "--json", db=db).stdout  # a dry run writes nothing
    p = earful("ingest", f, "--mapping", tmp_path / "m.yaml", "--json", db=db)
    assert p.returncode == 1 and json.loads(p.stdout)["quarantined"] == 1
    warn = write_mapping(tmp_path / "w.yaml", MAPPING.replace("source: pbx", "source: warned")
                         + "limits: {duration_max_s: {talk_s: 3600}, action: warn}\n")
    r = json.loads(earful("ingest", f, "--mapping", warn, "--json", db=db).stdout)
    assert (r["loaded"], r["quarantined"]) == (6, 0) and "implausible talk_s" in r["warnings"][0]
    assert earful("limits", "--set", write_mapping(tmp_path / "bad.yaml", "action: explode\n"), db=db).returncode == 2
