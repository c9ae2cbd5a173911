"""The named adapters on the real public files, checked against independent readings."""

from __future__ import annotations

import csv
import json
from collections import Counter

import duckdb

from earful.ingest import ingest_file


def test_technion_call_log_against_a_direct_reading(con, shared_data):
    path = shared_data / "anonymous_bank" / "august_calls.csv"
    r = ingest_file(con, path, "technion")
    raw = duckdb.connect().execute(
        f"SELECT count(*), count(*) FILTER (WHERE outcome = 'HANG' AND q_start <> '0:00:00'), "
        f"count(*) FILTER (WHERE outcome = 'HANG' AND q_start = '0:00:00'), "
        f"count(*) FILTER (WHERE outcome = 'AGENT' AND ser_start = '0:00:00'), "
        f"count(*) FILTER (WHERE outcome = 'PHANTOM') FROM read_csv('{path}', all_varchar=true)"
    ).fetchall()[0]
    total, queue_abandons, ivr_hangups, broken, phantom = raw
    # the only refused rows are 'answered' calls whose log has no service times at all
    assert r.rows_read == total and r.quarantined == broken == 57 and r.loaded == total - broken
    got = con.execute(
        "SELECT count(*) FILTER (WHERE abandoned), count(*) FILTER (WHERE metadata->>'ended_in' = 'ivr'), "
        "count(*) FILTER (WHERE metadata->>'ended_in' = 'phantom'), count(*) FILTER (WHERE offered_at IS NULL) "
        "FROM interactions"
    ).fetchall()[0]
    assert got == (queue_abandons, ivr_hangups, phantom, ivr_hangups + phantom)
    # waits and talk times are the log's own seconds
    q_time_sum = duckdb.connect().execute(
        f"SELECT sum(q_time::INT) FROM read_csv('{path}', all_varchar=true) WHERE outcome = 'AGENT' AND ser_start <> '0:00:00'"
    ).fetchall()[0][0]
    assert con.execute("SELECT sum(wait_s) FROM interactions WHERE answered_at IS NOT NULL").fetchall()[0][0] == q_time_sum
    # a call queued just before midnight and answered after it is rolled into the next day
    assert con.execute("SELECT count(*) FROM interactions WHERE answered_at < offered_at OR ended_at < offered_at"
                       ).fetchall()[0][0] == 0


def _twcs_threads(path):
    """Threads with a customer tweet, by union-find over the parseable rows (independent of SQL)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if len(r) == 8][1:]
    tweets = {r[1]: r for r in rows if r[1]}
    parent = {tid: (r[7][:-2] if r[7].endswith(".0") else r[7]) for tid, r in tweets.items()}

    def root(t):
        seen = set()
        while parent.get(t) in tweets and t not in seen:
            seen.add(t)
            t = parent[t]
        return t

    groups: dict[str, list] = {}
    for tid in tweets:
        groups.setdefault(root(tid), []).append(tweets[tid])
    return {k: v for k, v in groups.items() if any(t[3] == "True" for t in v)}


def _first_reply_s(tweets):
    """Seconds from the customer's first tweet to the brand's first reply after it (None without one)."""
    from datetime import datetime

    ts = [(datetime.strptime(t[4], "%a %b %d %H:%M:%S %z %Y"), t[3] == "True") for t in tweets]
    first_in = min((t for t, inbound in ts if inbound), default=None)
    replies = [t for t, inbound in ts if not inbound and first_in is not None and t >= first_in]
    return (min(replies) - first_in).total_seconds() if replies else None


def test_twcs_threads_turns_and_first_response(con, shared_data):
    path = shared_data / "twcs" / "twcs_first5000.csv"
    r = ingest_file(con, path, "twcs")
    threads = _twcs_threads(path)
    late = {k for k, v in threads.items() if (_first_reply_s(v) or 0) > 366 * 86400}
    assert len(late) == 1  # a brand's first reply six years after the customer's tweet: implausible
    assert r.loaded == len(threads) - len(late)
    assert r.turns == sum(len(v) for k, v in threads.items() if k not in late)
    assert r.quarantined == 2 + len(late)  # the two pieces of a tweet split by a bare carriage return
    reasons = [x for (x,) in con.execute("SELECT reason FROM quarantine WHERE field = 'wait_s'").fetchall()]
    assert len(reasons) == 1 and "limits.duration_max_s" in reasons[0]
    # queue = brand, wait = first brand reply after the customer's first tweet
    row = con.execute("SELECT queue, customer_id, wait_s, channel FROM interactions WHERE source_id = '8'").fetchall()[0]
    assert row == ("sprintcare", "115712", 74.0, "social")
    speakers = con.execute("SELECT list(speaker ORDER BY seq) FROM turns WHERE interaction_id = 'twcs:8'").fetchall()[0][0]
    assert speakers == ["customer", "agent"] * 3 + ["customer"]


def test_intents_banking77_and_clinc150(con, shared_data):
    b77 = shared_data / "banking77" / "train.csv"
    r = ingest_file(con, b77, "intents")
    with open(b77, newline="", encoding="utf-8") as fh:
        expected = Counter(row["category"] for row in csv.DictReader(fh))
    assert (r.loaded, r.quarantined) == (sum(expected.values()), 0)
    got = dict(con.execute("SELECT disposition, count(*) FROM interactions GROUP BY 1").fetchall())
    assert got == expected
    clinc = shared_data / "clinc150" / "data_train_val.json"
    r = ingest_file(con, clinc, "intents")
    data = json.loads(clinc.read_text())
    assert r.loaded == sum(len(v) for v in data.values())
    oos = con.execute("SELECT count(*) FROM interactions WHERE disposition = 'oos'").fetchall()[0][0]
    assert oos == sum(1 for v in data.values() for _, label in v if label == "oos")


def test_abcd_dialogues(con, shared_data):
    path = shared_data / "abcd" / "abcd_sample.json"
    r = ingest_file(con, path, "abcd")
    data = json.loads(path.read_text())
    assert (r.loaded, r.turns) == (len(data), sum(len(d["original"]) for d in data))
    first = data[0]
    disp = con.execute("SELECT disposition FROM interactions WHERE source_id = ?", [str(first["convo_id"])]).fetchall()
    assert disp[0][0] == f"{first['scenario']['flow']}/{first['scenario']['subflow']}"
    actions = con.execute("SELECT count(*) FROM turns WHERE speaker = 'system'").fetchall()[0][0]
    assert actions == sum(1 for d in data for s, _ in d["original"] if s == "action")
