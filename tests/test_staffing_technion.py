"""Issue 3, proof 3: on a real, heavily abandoning call centre Erlang A predicts closer than Erlang C."""

from __future__ import annotations

import csv

import pytest

from earful.ingest import ingest_file
from earful.staffing.backtest import backtest, call_summary


@pytest.fixture()
def technion(con, shared_data):
    path = shared_data / "anonymous_bank" / "august_calls.csv"
    ingest_file(con, path, fmt="technion")
    return con, path


def test_month_summary_matches_the_raw_log(technion):
    con, path = technion
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    answered = sum(r["outcome"] == "AGENT" and r["ser_start"] != "0:00:00" and r["ser_exit"] != "0:00:00" for r in rows)
    queue_hangs = sum(r["outcome"] == "HANG" and r["q_start"] != "0:00:00" for r in rows)
    ivr_hangs = sum(r["outcome"] == "HANG" and r["q_start"] == "0:00:00" for r in rows)
    month = call_summary(con).to_pylist()[0]
    assert month["answered"] == answered and month["abandoned"] == queue_hangs
    assert month["ivr_hangups"] == ivr_hangs and month["offered"] == answered + queue_hangs
    hours = call_summary(con, "hour_of_day").to_pylist()
    assert sum(h["offered"] for h in hours) == month["offered"]
    assert 0 < month["service_level"] < 1 and month["abandoned"] / month["offered"] > 0.1  # heavily abandoning


def test_erlang_a_beats_erlang_c_hour_by_hour(technion):
    con, _ = technion
    bt = backtest(con)
    assert bt.intervals.num_rows > 300
    assert 60 < bt.patience_s < 1800
    mae = bt.mae
    assert mae["abandon_rate"]["erlang_a"] < 0.6 * mae["abandon_rate"]["erlang_c"]
    assert mae["service_level"]["erlang_a"] < mae["service_level"]["erlang_c"]
    # abandonment is better predicted by Erlang A whatever the agents-on-duty estimate
    distinct = backtest(con, agents_from="distinct")
    assert distinct.mae["abandon_rate"]["erlang_a"] < distinct.mae["abandon_rate"]["erlang_c"]
