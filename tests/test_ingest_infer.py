"""`--infer` on every duration, timestamp and date+time form: the proposal, and the value it loads.

Each case writes a small export with one column in the form under test (and the columns every
contact log has), infers the mapping, loads the file with it unedited, and checks the stored
value against what the text means.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from _exports import crm_call_log
from earful.ingest import ingest_file
from earful.ingest.infer import infer
from earful.ingest.mapping import parse_mapping


def _export(folder: Path, columns: dict[str, list[str]], name: str = "log.csv") -> Path:
    n = len(next(iter(columns.values())))
    cols = {"Call ID": [f"K{i:05d}" for i in range(n)], **columns}
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(cols))
        for i in range(n):
            w.writerow([cols[c][i] for c in cols])
    return path


def _load(con, path: Path, fmt: str = "csv", edit=lambda y: y):
    inf = infer(path, fmt)
    text = edit(inf.yaml())
    r = ingest_file(con, path, fmt, parse_mapping(text))
    return inf, text, r


def _proposal(inf, field):
    return next(p for p in inf.proposals if p.field == field)


DURATIONS = [
    ("Wait", ["0:06:12", "1:00:00", "0:00:05"], [372, 3600, 5], "format: hms"),
    ("Wait", ["00:06:12", "10:00:00", "00:00:05"], [372, 36000, 5], "format: hms"),
    ("Wait", ["06:12", "59:59", "00:05"], [372, 3599, 5], "format: hms"),
    ("Wait Time", ["372", "3600", "5"], [372, 3600, 5], '"Wait Time"'),
    ("wait_ms", ["372000", "3600000", "5000"], [372, 3600, 5], "format: ms"),
    ("Wait (min)", ["6.2", "60", "0.5"], [372, 3600, 30], "format: minutes"),
    ("Queue Wait Time", ["1.5", "2.25", "0"], [1.5, 2.25, 0], '"Queue Wait Time"'),
]


@pytest.mark.parametrize("column,values,seconds,spec", DURATIONS, ids=[f"{d[0]}:{d[1][0]}" for d in DURATIONS])
def test_duration_forms(con, tmp_path, column, values, seconds, spec):
    path = _export(tmp_path, {"Start": ["2025-08-01 09:00:00"] * 3, column: values})
    inf, _, r = _load(con, path)
    p = _proposal(inf, "wait_s")
    assert spec in p.yaml and p.confidence >= 0.8, p
    assert (r.loaded, r.quarantined) == (3, 0)
    got = [w for (w,) in con.execute("SELECT wait_s FROM interactions ORDER BY source_id").fetchall()]
    assert got == pytest.approx(seconds)


STAMPS = [
    (["2025-08-01 09:14:03", "2025-08-13 17:00:59"], "%Y-%m-%d %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["2025-08-01T09:14:03", "2025-08-13T17:00:59"], "%Y-%m-%dT%H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["2025-08-01 09:14:03.250", "2025-08-13 17:00:59.000"], "%Y-%m-%d %H:%M:%S.%f", ["2025-08-01 09:14:03.25", "2025-08-13 17:00:59"]),
    (["2025-08-01T09:14:03Z", "2025-08-13T17:00:59Z"], "iso", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["2025-08-01T09:14:03+02:00", "2025-08-13T17:00:59-05:00"], "iso", ["2025-08-01 07:14:03", "2025-08-13 22:00:59"]),
    (["2025-08-01 09:14:03.123456+00", "2025-08-13 17:00:59+01"], "iso", ["2025-08-01 09:14:03.123456", "2025-08-13 16:00:59"]),
    (["1754039643", "1755104459"], "epoch_s", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["1754039643000", "1755104459500"], "epoch_ms", ["2025-08-01 09:14:03", "2025-08-13 17:00:59.5"]),
    (["01/08/2025 09:14", "13/08/2025 17:00"], "%d/%m/%Y %H:%M", ["2025-08-01 09:14:00", "2025-08-13 17:00:00"]),
    (["08/01/2025 09:14:03 AM", "08/13/2025 05:00:59 PM"], "%m/%d/%Y %I:%M:%S %p", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["01.08.2025 09:14:03", "13.08.2025 17:00:59"], "%d.%m.%Y %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["2025/08/01 09:14:03", "2025/08/13 17:00:59"], "%Y/%m/%d %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["Fri, 01 Aug 2025 09:14:03 +0000", "Wed, 13 Aug 2025 17:00:59 +0100"], "%a, %d %b %Y %H:%M:%S %z",
     ["2025-08-01 09:14:03", "2025-08-13 16:00:59"]),
    (["Fri Aug 01 09:14:03 +0000 2025", "Wed Aug 13 17:00:59 +0000 2025"], "%a %b %d %H:%M:%S %z %Y",
     ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["01-Aug-2025 09:14:03", "13-Aug-2025 17:00:59"], "%d-%b-%Y %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
]


@pytest.mark.parametrize("values,fmt,stored", STAMPS, ids=[s[0][0] for s in STAMPS])
def test_timestamp_forms(con, tmp_path, values, fmt, stored):
    path = _export(tmp_path, {"Start Time": values, "Talk": ["60", "90"]})
    inf, _, r = _load(con, path)
    p = _proposal(inf, "offered_at")
    assert f'format: "{fmt}"' in p.yaml and p.confidence >= 0.8, p
    assert (r.loaded, r.quarantined) == (2, 0)
    got = [str(t) for (t,) in con.execute("SELECT offered_at FROM interactions ORDER BY source_id").fetchall()]
    assert got == [datetime.fromisoformat(s).isoformat(sep=" ") for s in stored]


COMBINED = [
    (["2025-08-01", "2025-08-13"], ["09:14:03", "17:00:59"], "%Y-%m-%d %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["01/08/2025", "13/08/2025"], ["9:14", "17:00"], "%d/%m/%Y %H:%M", ["2025-08-01 09:14:00", "2025-08-13 17:00:00"]),
    (["08/01/2025", "08/13/2025"], ["09:14:03 AM", "05:00:59 PM"], "%m/%d/%Y %I:%M:%S %p", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["01.08.2025", "13.08.2025"], ["9:14:03", "17:00:59"], "%d.%m.%Y %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
    (["20250801", "20250813"], ["09:14:03", "17:00:59"], "%Y%m%d %H:%M:%S", ["2025-08-01 09:14:03", "2025-08-13 17:00:59"]),
]


@pytest.mark.parametrize("dates,times,fmt,stored", COMBINED, ids=[c[2] for c in COMBINED])
def test_date_and_time_columns_are_combined(con, tmp_path, dates, times, fmt, stored):
    path = _export(tmp_path, {"Call Date": dates, "Start Time": times, "Duration": ["60", "90"]})
    inf, _, r = _load(con, path)
    p = _proposal(inf, "offered_at")
    assert p.yaml == f'{{column: ["Call Date", "Start Time"], format: "{fmt}"}}', p
    assert (r.loaded, r.quarantined) == (2, 0)
    got = [str(t) for (t,) in con.execute("SELECT offered_at FROM interactions ORDER BY source_id").fetchall()]
    assert got == [datetime.fromisoformat(s).isoformat(sep=" ") for s in stored]


def test_a_zone_set_on_the_mapping_moves_naive_times(con, tmp_path):
    path = _export(tmp_path, {"Start": ["2025-08-01 09:14:03", "2025-01-10 09:00:00"], "Talk": ["1", "2"]})
    _, text, r = _load(con, path, edit=lambda y: y.replace("# timezone: Europe/London", "timezone: Europe/London"))
    assert "timezone: Europe/London" in text and r.loaded == 2
    got = [str(t) for (t,) in con.execute("SELECT offered_at FROM interactions ORDER BY source_id").fetchall()]
    assert got == ["2025-08-01 08:14:03", "2025-01-10 09:00:00"]  # summer time, then winter (the store is UTC)


def test_day_month_order_that_cannot_be_told_lowers_the_confidence(tmp_path):
    path = _export(tmp_path, {"Start": ["01/08/2025 09:00", "02/08/2025 10:00"], "Talk": ["1", "2"]})
    p = _proposal(infer(path), "offered_at")
    assert "cannot be told apart" in p.why and p.confidence < 0.8


def test_every_outcome_code_is_mapped_even_the_rare_ones_far_down(con, tmp_path):
    export = crm_call_log(tmp_path, n=3000)
    inf, text, r = _load(con, export.path)
    ab = _proposal(inf, "abandoned")
    assert all(f'"{v}":' in ab.yaml for v in ("AGENT", "HANG", "PHANTOM", "XFER"))
    assert '"HANG": true' in ab.yaml and '"AGENT": false' in ab.yaml and '"PHANTOM": null' in ab.yaml
    assert '"XFER": true' in _proposal(inf, "transferred").yaml
    assert (r.loaded, r.quarantined) == (export.rows, 0)
    rows = dict(((sid, (a, w, t)) for sid, a, w, t in con.execute(
        "SELECT source_id, abandoned, wait_s, talk_s FROM interactions").fetchall()))
    for sid, want in export.truth.items():
        assert rows[sid] == (want["abandoned"], want["wait_s"], want["talk_s"]), sid
    assert all(0 < p.confidence < 1 and p.why for p in inf.proposals)


def test_the_client_column_is_the_customer_and_phones_are_never_raw(con, tmp_path):
    export = crm_call_log(tmp_path, n=400)
    inf, text, r = _load(con, export.path)
    assert _proposal(inf, "customer_id").yaml == '"Client"'
    assert '{column: "Phone", hash: true}' in text
    raw = con.execute("SELECT count(*) FROM interactions WHERE regexp_matches(CAST(metadata AS VARCHAR), '\\+44|7700 ')"
                      ).fetchall()[0][0]
    hashed = con.execute("SELECT count(*) FROM interactions WHERE metadata->>'Phone' LIKE 'h:%'").fetchall()[0][0]
    assert (raw, hashed) == (0, export.rows)


def test_a_phone_or_email_as_the_only_customer_key_is_hashed_consistently(con, tmp_path):
    phones = ["+44 20 7946 0018", "+442079460018", "0044 20 7946 0018", "+1 (415) 555-0100"]
    emails = ["Jo.Bloggs@Example.com", "jo.bloggs@example.com ", "ann@example.org", "bob@example.net"]
    path = _export(tmp_path, {"Start": ["2025-08-01 09:00:00"] * 4, "Caller Number": phones, "E-mail": emails})
    inf, text, r = _load(con, path)
    assert '{column: "Caller Number", hash: true}' in _proposal(inf, "customer_id").yaml
    assert '{column: "E-mail", hash: true}' in text
    keys = [c for (c,) in con.execute("SELECT customer_id FROM interactions ORDER BY source_id").fetchall()]
    assert all(k.startswith("h:") and len(k) == 34 for k in keys)
    assert keys[0] == keys[1] == keys[2] != keys[3]  # one person, written three ways
    mails = [m for (m,) in con.execute("SELECT metadata->>'E-mail' FROM interactions ORDER BY source_id").fetchall()]
    assert mails[0] == mails[1] != mails[2] and all(m.startswith("h:") for m in mails)
    dump = json.dumps(con.execute("SELECT * FROM interactions").fetchall(), default=str)
    assert "7946" not in dump and "example" not in dump.lower()


def test_the_admin_may_keep_identifiers(con, tmp_path):
    path = _export(tmp_path, {"Start": ["2025-08-01 09:00:00"] * 2, "Phone": ["+44 20 7946 0018", "+44 20 7946 0028"]})
    _, text, r = _load(con, path, edit=lambda y: y.replace("hash: true", "hash: false"))
    assert ("+44 20 7946 0018",) in con.execute("SELECT customer_id FROM interactions").fetchall()
    path2 = _export(tmp_path, {"Start": ["2025-08-01 09:00:00"] * 2, "Mobile": ["+44 20 7946 0019", "+44 20 7946 0029"]},
                    "b.csv")
    m = parse_mapping(infer(path2).yaml().replace('{column: "Mobile", hash: true}', '"Mobile"').replace("source: b", "source: c"))
    ingest_file(con, path2, "csv", m, keep_identifiers=True)
    assert ("+44 20 7946 0019",) in con.execute("SELECT customer_id FROM interactions").fetchall()


def test_nested_json_records_are_read_by_dotted_paths(con, tmp_path):
    recs = [{"ContactId": f"c{i}", "Channel": "VOICE", "InitiationTimestamp": f"2025-08-01T09:0{i}:00Z",
             "Agent": {"Username": f"agent{i}", "AgentInteractionDuration": 100 + i} if i else None,
             "Queue": {"Name": "Cards", "Duration": 30 + i}, "CustomerEndpoint": {"Address": f"+4477009000{i}{i}"}}
            for i in range(4)]
    path = tmp_path / "ctr.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    inf, text, r = _load(con, path, "jsonl")
    assert _proposal(inf, "source_id").yaml == '"ContactId"'
    assert _proposal(inf, "agent_id").yaml == '"Agent.Username"'
    assert _proposal(inf, "queue").yaml == '"Queue.Name"'
    assert _proposal(inf, "wait_s").yaml == '"Queue.Duration"'
    assert '"VOICE": voice' in _proposal(inf, "channel").yaml
    assert (r.loaded, r.quarantined) == (4, 0)
    assert con.execute("SELECT agent_id, wait_s FROM interactions WHERE source_id = 'c2'").fetchall() == [("agent2", 32.0)]
