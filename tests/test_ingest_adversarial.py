"""Broken files: each case asserts exactly what loaded and what was quarantined, and why."""

from __future__ import annotations

import pytest

from earful.errors import ConfigError, InputError
from earful.ingest import ingest_file
from _files import HEADER, MAPPING, call_row, canonical_record, write_calls, write_jsonl, write_mapping


def _reasons(con, import_id):
    return con.execute("SELECT row_number, field, reason FROM quarantine WHERE import_id = ? ORDER BY row_number",
                       [import_id]).fetchall()


@pytest.fixture()
def mapping(tmp_path):
    return write_mapping(tmp_path / "map.yaml")


def test_good_file_loads_every_row_with_types(con, tmp_path, mapping):
    r = ingest_file(con, write_calls(tmp_path / "c.csv", 50), "csv", mapping)
    assert (r.loaded, r.quarantined, r.skipped) == (50, 0, 0)
    row = con.execute("SELECT id, channel, queue, agent_id, offered_at, wait_s, abandoned, text FROM interactions "
                      "WHERE source_id = 'C000009'").fetchall()[0]
    assert row[0] == "pbx:C000009" and row[1] == "voice" and row[2] == "Q0" and row[3] == "A2"
    assert str(row[4]) == "2025-08-10 17:09:00" and row[5] == 9.0 and row[6] is True and row[7] == "note 9"


def test_empty_file_is_a_clear_error_and_writes_nothing(con, tmp_path, mapping):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        ingest_file(con, empty, "csv", mapping)
    assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0


def test_header_only_loads_nothing_and_quarantines_nothing(con, tmp_path, mapping):
    f = tmp_path / "h.csv"
    f.write_text(HEADER + "\n")
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (0, 0)


def test_truncated_last_line_is_quarantined_and_the_rest_loads(con, tmp_path, mapping):
    f = write_calls(tmp_path / "t.csv", 10)
    f.write_text(f.read_text() + call_row(10)[:25])  # cut mid-row, no newline
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (10, 1)
    [(row, _field, reason)] = _reasons(con, r.import_id)
    assert row == 11 and "too few columns" in reason


def test_semicolon_file_is_read_by_sniffing_the_delimiter(con, tmp_path, mapping):
    r = ingest_file(con, write_calls(tmp_path / "s.csv", 20, delim=";"), "csv", mapping)
    assert (r.loaded, r.quarantined) == (20, 0)


def test_forcing_the_wrong_delimiter_names_the_missing_column_and_hints(con, tmp_path, mapping):
    f = write_calls(tmp_path / "s.csv", 5, delim=";")
    with pytest.raises(InputError, match="delimiter"):
        ingest_file(con, f, "csv", mapping, delimiter=",")


def test_latin1_file_is_detected_and_decoded(con, tmp_path, mapping):
    f = tmp_path / "l.csv"
    f.write_bytes(("\n".join([HEADER, call_row(1, agent="José"), call_row(2, agent="Zoë")]) + "\n").encode("latin-1"))
    r = ingest_file(con, f, "csv", mapping)
    assert r.loaded == 2 and any("latin-1" in n for n in r.notes)
    assert {a for (a,) in con.execute("SELECT agent_id FROM interactions").fetchall()} == {"José", "Zoë"}


def test_one_latin1_row_in_a_long_utf8_file_is_quarantined(con, tmp_path, mapping):
    n = 20_000  # past the first MiB that encoding detection reads
    good = "\n".join([HEADER] + [call_row(i, agent="Zoë") for i in range(n)]) + "\n"
    bad = call_row(n, agent="Renée").encode("latin-1") + b"\n"
    f = tmp_path / "mixed.csv"
    f.write_bytes(good.encode() + bad)
    assert f.stat().st_size > 1 << 20
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (n, 1)
    [(row, _f, reason)] = _reasons(con, r.import_id)
    assert row == n + 1 and "encoding" in reason


def test_mapping_naming_a_missing_column_writes_nothing(con, tmp_path):
    m = write_mapping(tmp_path / "m.yaml", MAPPING.replace("queue: queue", "queue: skill_name"))
    with pytest.raises(InputError, match="skill_name"):
        ingest_file(con, write_calls(tmp_path / "c.csv", 5), "csv", m)
    assert con.execute("SELECT count(*) FROM interactions").fetchall()[0][0] == 0


def test_mapping_errors_carry_line_numbers(tmp_path, con):
    m = write_mapping(tmp_path / "m.yaml", MAPPING + "  colour: queue\n")
    with pytest.raises(ConfigError, match=r"line 12: `colour` is not a canonical field"):
        ingest_file(con, write_calls(tmp_path / "c.csv", 5), "csv", m)


def test_unparseable_times_and_negative_durations_are_quarantined_with_reasons(con, tmp_path, mapping):
    rows = [call_row(i) for i in range(4)]
    rows[1] = rows[1].replace("2025-08-02 09:01:00", "yesterday at nine")
    rows[2] = rows[2].replace(",2,62,", ",-5,62,")
    rows[3] = rows[3].replace(",false,", ",maybe,")
    f = tmp_path / "c.csv"
    f.write_text("\n".join([HEADER] + rows) + "\n")
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (1, 3)
    got = {row: (field, reason) for row, field, reason in _reasons(con, r.import_id)}
    assert got[2][0] == "offered_at" and '"yesterday at nine" is not a time (expected %Y-%m-%d %H:%M:%S; see format: at offered_at, mapping line 7)' in got[2][1]
    assert got[3] == ("wait_s", "wait_s: negative duration -5")
    assert got[4][0] == "abandoned" and '"maybe" is not true/false' in got[4][1]
    raw = con.execute("SELECT raw FROM quarantine WHERE row_number = 3").fetchall()[0][0]
    assert '"wait_s":"-5"' in raw  # the raw record is kept as read


def test_duplicate_ids_in_one_file_keep_the_first(con, tmp_path, mapping):
    f = write_calls(tmp_path / "d.csv", 5, extra=[call_row(2).replace("note 2", "again")])
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (5, 1)
    [(row, field, reason)] = _reasons(con, r.import_id)
    assert (row, field) == (6, "source_id") and "first at row 3" in reason
    assert con.execute("SELECT text FROM interactions WHERE source_id = 'C000002'").fetchall()[0][0] == "note 2"


def test_a_10_mb_text_field_loads(con, tmp_path, mapping):
    big = "x" * (10 * 1024 * 1024)
    f = write_calls(tmp_path / "big.csv", 3, extra=[call_row(3).replace("note 3", big)])
    r = ingest_file(con, f, "csv", mapping)
    assert (r.loaded, r.quarantined) == (4, 0)
    assert con.execute("SELECT length(text) FROM interactions WHERE source_id = 'C000003'").fetchall()[0][0] == len(big)


def test_reimport_changes_nothing_and_new_rows_are_added_once(con, tmp_path, mapping):
    f = write_calls(tmp_path / "c.csv", 100)
    first = ingest_file(con, f, "csv", mapping)
    again = ingest_file(con, f, "csv", mapping)
    assert again.already_imported and again.loaded == 0
    assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 1
    grown = write_calls(tmp_path / "c2.csv", 120)
    r = ingest_file(con, grown, "csv", mapping)
    assert (first.loaded, r.loaded, r.skipped) == (100, 20, 100)
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM interactions").fetchall()[0] == (120, 120)


def test_canonical_jsonl_with_turns_and_bad_lines(con, tmp_path):
    recs = [canonical_record(i) for i in range(5)]
    recs[1]["turns"][0]["speaker"] = "robot"
    recs[2]["channel"] = "fax"
    f = write_jsonl(tmp_path / "c.jsonl", recs)
    f.write_text(f.read_text() + '{"source": "sim", "source_id": "S9", "channel": \n' + "[1, 2]\n")
    r = ingest_file(con, f, "earful")
    assert (r.loaded, r.quarantined, r.turns) == (3, 4, 6)
    got = {row: reason for row, _f, reason in _reasons(con, r.import_id)}
    assert "turns[1].speaker" in got[2] and '"fax" is not a channel' in got[3]
    assert "cut off" in got[6] and "must be an object" in got[7]
    assert con.execute("SELECT count(*) FROM turns WHERE interaction_id = 'sim:S0000000'").fetchall()[0][0] == 2


def test_related_ids_are_stored_in_the_same_source_namespace(con, tmp_path):
    recs = [canonical_record(1), canonical_record(2, channel="survey", related_id="S0000001", csat=4, turns=None)]
    ingest_file(con, write_jsonl(tmp_path / "s.jsonl", recs), "earful")
    assert con.execute("SELECT related_id FROM interactions WHERE channel = 'survey'").fetchall()[0][0] == "sim:S0000001"


def test_out_of_range_scores_are_quarantined(con, tmp_path):
    recs = [canonical_record(1, csat=6), canonical_record(2, nps=11), canonical_record(3, ces=4)]
    r = ingest_file(con, write_jsonl(tmp_path / "s.jsonl", recs), "earful")
    assert (r.loaded, r.quarantined) == (1, 2)
    reasons = [reason for _r, _f, reason in _reasons(con, r.import_id)]
    assert reasons == ["csat: 6 is outside 1–5", "nps: 11 is outside 0–10"]


def test_parquet_with_a_mapping(con, tmp_path, mapping):
    import duckdb

    csv_path = write_calls(tmp_path / "c.csv", 30)
    pq = tmp_path / "c.parquet"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{pq}' (FORMAT parquet)")
    r = ingest_file(con, pq, "parquet", mapping)
    assert (r.loaded, r.quarantined) == (30, 0)
