"""Interval and daily reports from an ACD: loading (H:MM:SS, ; and , files, decimal commas), refusing
contradictory rows, re-import, and metrics, history and the staffing back-test read from them the
same as from the contacts they summarise (the real Anonymous Bank month)."""

from __future__ import annotations

import numpy as np
import pytest
from _wfm import bank_reports, bank_store, report_mapping, write_report  # noqa: F401

from earful.errors import ConfigError, InputError
from earful.ingest import ingest_file
from earful.store import connect


def test_report_loads_and_adds_up_to_the_month(bank_reports):
    db, report, mapping = bank_reports
    con = connect(db, read_only=True)
    off, ans, ab, aht, asa = con.execute("SELECT sum(offered), sum(answered), sum(abandoned), sum(handle_s) / "
                                         "sum(answered), sum(wait_s) / sum(answered) FROM interval_stats").fetchall()[0]
    # the month's figures (docs/technion.md, from an independent reading of the raw log)
    assert (off, ans, ab) == (38_654, 31_345, 7_309)
    assert aht == pytest.approx(184.7, abs=0.2) and asa == pytest.approx(73.8, abs=0.2)
    assert con.execute("SELECT DISTINCT interval_s FROM interval_stats").fetchall() == [(1800,)]
    # agents staffed went to the staffing table, for occupancy
    assert con.execute("SELECT count(*) FROM staffing WHERE source LIKE 'interval report%'").fetchall()[0][0] > 3000
    con.close()
    con = connect(db)
    again = ingest_file(con, report, "intervals", mapping)
    assert again.already_imported and again.loaded == 0
    con.close()


def test_contradictory_rows_are_quarantined_with_reasons(tmp_path, con):
    (tmp_path / "m.yaml").write_text(report_mapping(), encoding="utf-8")
    head = "Queue;Date;Interval;Offered;Answered;Abandoned;AHT;ASA;Abandon time;SL 20s"
    rows = ["PS;01.08.2010;08:00-08:30;10;8;2;0:03:10;0:00:12;0:01:00;70,0%",      # good
            "PS;01.08.2010;08:30-09:00;10;9;4;0:03:10;0:00:12;0:01:00;70,0%",      # 9 + 4 > 10
            "PS;01.08.2010;09:00-09:30;10;8;2;0:0x:10;0:00:12;0:01:00;70,0%",      # bad duration
            "PS;01.08.2010;09:30-10:00;-3;0;0;;;;0%",                              # negative count
            "PS;01.08.2010;10:00-10:30;10;8;2;0:03:10;0:00:12;0:01:00;170%",       # share above 100 %
            "PS;01.08.2010;08:00-08:30;11;8;2;0:03:10;0:00:12;0:01:00;70,0%",      # the same interval again
            "PS;32.08.2010;10:30-11:00;10;8;2;0:03:10;0:00:12;0:01:00;70,0%",      # not a date
            "PS;01.08.2010;11:00-11:30;12,5;8;2;0:03:10;0:00:12;0:01:00;70,0%"]    # not a whole number
    (tmp_path / "r.csv").write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    r = ingest_file(con, tmp_path / "r.csv", "intervals", tmp_path / "m.yaml")
    assert (r.loaded, r.quarantined) == (1, 7)
    reasons = dict(con.execute("SELECT row_number, reason FROM quarantine ORDER BY row_number").fetchall())
    assert "is more than offered" in reasons[2]
    assert "AHT" in reasons[3].upper() and "duration" in reasons[3]
    assert "negative count" in reasons[4]
    assert "between 0 and 100%" in reasons[5]
    assert "first at row 1" in reasons[6]
    assert "not a date" in reasons[7]
    assert "whole number" in reasons[8]
    row = con.execute("SELECT offered, answered, handle_s, wait_s, abandon_wait_s, service_level FROM interval_stats"
                      ).fetchall()[0]
    assert row == (10, 8, 8 * 190.0, 8 * 12.0, 2 * 60.0, pytest.approx(0.7))


def test_mapping_mistakes_are_one_line_errors(tmp_path, con):
    (tmp_path / "r.csv").write_text("Date,Offered,SL\n2010-08-01,5,80%\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("fields:\n  date: Date\n  offered: Offered\n  service_level: SL\n")
    with pytest.raises(ConfigError, match="sl_threshold"):
        ingest_file(con, tmp_path / "r.csv", "intervals", tmp_path / "m.yaml")
    (tmp_path / "m.yaml").write_text("fields:\n  date: Date\n  offered: Offered\n  wait_s: SL\n")
    with pytest.raises(ConfigError, match="not a canonical field"):
        ingest_file(con, tmp_path / "r.csv", "intervals", tmp_path / "m.yaml")
    with pytest.raises(InputError, match="needs --mapping"):
        ingest_file(con, tmp_path / "r.csv", "intervals")


def test_daily_comma_report_and_history(tmp_path, bank_store):
    from earful.wfm.history import history

    src = connect(bank_store, read_only=True)
    n = write_report(src, tmp_path / "daily.csv", sep=",", daily=True)
    assert n == src.execute("SELECT count(DISTINCT (queue, offered_at::DATE)) FROM interactions "
                            "WHERE offered_at IS NOT NULL").fetchall()[0][0]
    contacts = {s.queue: s for s in history(src, 86400)}
    src.close()
    (tmp_path / "daily.yaml").write_text(report_mapping(daily=True), encoding="utf-8")
    con = connect(tmp_path / "daily.duckdb")
    r = ingest_file(con, tmp_path / "daily.csv", "intervals", tmp_path / "daily.yaml")
    assert r.quarantined == 0 and r.loaded == n
    days = {s.queue: s for s in history(con, 86400)}
    assert days.keys() == contacts.keys() and all(s.kind == "intervals" for s in days.values())
    for q, s in days.items():
        np.testing.assert_array_equal(s.offered, contacts[q].offered)
    with pytest.raises(InputError, match="coarser than 30 minutes"):
        history(con, 1800)
    con.close()


def test_history_and_metrics_read_reports_like_contacts(bank_store, bank_reports):
    from earful.metrics.intervals import interval_metrics
    from earful.wfm.history import history

    cc = connect(bank_store, read_only=True)
    rc = connect(bank_reports[0], read_only=True)
    a = {s.queue: s for s in history(cc, 1800)}
    b = {s.queue: s for s in history(rc, 1800)}
    assert a.keys() == b.keys()
    for q in a:
        assert b[q].kind == "intervals" and a[q].kind == "contacts"
        np.testing.assert_array_equal(a[q].offered, b[q].offered)
        np.testing.assert_array_equal(a[q].answered, b[q].answered)
        # the report rounds AHT to whole seconds: totals agree within half a second per answered call
        assert np.all(np.abs(a[q].handle_s - b[q].handle_s) <= 0.5 * a[q].answered + 1e-6)
        assert b[q].patience_s() == pytest.approx(a[q].patience_s(), rel=0.01)
    m = {r["queue"]: r for r in interval_metrics(rc, "queue").to_pylist()}
    assert m["PS"]["offered"] == 25_188 and m["PS"]["abandon_rate"] == pytest.approx(3621 / 25188)
    assert m["PS"]["aht_s"] == pytest.approx(170.9, abs=0.2) and m["PS"]["occupancy"] is not None
    with pytest.raises(InputError, match="cannot be split"):
        interval_metrics(rc, "interval15")
    cc.close()
    rc.close()


def test_staffing_backtest_reads_reports_like_contacts(tmp_path, bank_store):
    """A centre-wide report with the agents who answered in each interval back-tests as the calls do
    with the same agents (`agents_from="distinct"`) and the same patience."""
    from earful.staffing.backtest import backtest

    cc = connect(bank_store, read_only=True)
    write_report(cc, tmp_path / "r.csv", agents=True, by_queue=False)
    (tmp_path / "m.yaml").write_text(report_mapping(agents=True), encoding="utf-8")
    rc = connect(tmp_path / "r.duckdb")
    ingest_file(rc, tmp_path / "r.csv", "intervals", tmp_path / "m.yaml")
    from_calls = backtest(cc, "interval30", agents_from="distinct", patience_s=400)
    from_reports = backtest(rc, "interval30", patience_s=400)
    assert from_reports.intervals.num_rows == from_calls.intervals.num_rows
    for k in ("service_level", "abandon_rate"):
        for model in ("erlang_c", "erlang_a"):
            assert from_reports.mae[k][model] == pytest.approx(from_calls.mae[k][model], abs=0.002)
    assert backtest(rc, "interval30").patience_s == pytest.approx(backtest(cc, "interval30").patience_s, rel=0.01)
    cc.close()
    rc.close()
