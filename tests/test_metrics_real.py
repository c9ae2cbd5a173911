"""Metrics on the real Anonymous Bank month against an independent reading of the CSV, and the CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from earful.ingest import ingest_file
from earful.metrics import metrics_table
from earful.store import connect

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bank(shared_data, tmp_path_factory):
    """The August log in a store, and its own reading with the csv module (docs/formats.md rules)."""
    path = shared_data / "anonymous_bank" / "august_calls.csv"
    db = tmp_path_factory.mktemp("bank") / "earful.duckdb"
    with connect(db) as con:
        ingest_file(con, path, fmt="technion")
    tally: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            queued = row["q_start"] != "0:00:00"
            if row["outcome"] == "AGENT" and "0:00:00" in (row["ser_start"], row["ser_exit"]):
                continue  # quarantined by the importer: answered without a service time
            for key in ("*", row["type"]):
                t = tally[key]
                if row["outcome"] == "AGENT":
                    wait = float(row["q_time"])
                    t["offered"] += 1
                    t["answered"] += 1
                    t["wait"] += wait
                    t["within20"] += wait <= 20
                    t["talk"] += float(row["ser_time"])
                elif row["outcome"] == "HANG" and queued:
                    t["offered"] += 1
                    t["abandoned"] += 1
                    t["short"] += float(row["q_time"]) < 5
                    t["ab_within20"] += float(row["q_time"]) <= 20
                elif row["outcome"] == "HANG":
                    t["ivr"] += 1
    return db, tally


@pytest.fixture()
def con(bank):
    with connect(bank[0]) as c:
        yield c


def test_month_matches_independent_count(bank, con):
    tally = bank[1]
    r = metrics_table(con, by="month").to_pylist()
    assert len(r) == 1
    r, t = r[0], tally["*"]
    assert r["offered"] == t["offered"] and r["answered"] == t["answered"] and r["abandoned"] == t["abandoned"]
    assert r["ivr_hangups"] == t["ivr"] and r["short_abandoned"] == t["short"]
    assert r["asa_s"] == pytest.approx(t["wait"] / t["answered"], rel=1e-12)
    assert r["aht_s"] == pytest.approx(t["talk"] / t["answered"], rel=1e-12)
    assert r["service_level"] == pytest.approx(t["within20"] / (t["offered"] - t["short"]), rel=1e-12)
    assert r["abandon_rate"] == pytest.approx((t["abandoned"] - t["short"]) / (t["offered"] - t["short"]), rel=1e-12)
    # a heavily abandoning centre: the figures must say so
    assert 0.1 < r["abandon_rate"] < 0.4 and 0 < r["occupancy"] <= 1 and 0 < r["fcr_rate"] < 1


@pytest.mark.parametrize("treatment", ["all", "exclude_short", "exclude_within_threshold", "answered_only"])
def test_every_abandon_treatment_on_the_month(bank, con, treatment):
    """Service level and abandon rate follow the same convention (docs/metrics.md gives the figures)."""
    t = bank[1]["*"]
    r = metrics_table(con, by=(), abandon_treatment=treatment).to_pylist()[0]
    excluded = {"all": 0, "exclude_short": t["short"], "exclude_within_threshold": t["ab_within20"],
                "answered_only": t["abandoned"]}[treatment]
    assert r["service_level"] == pytest.approx(t["within20"] / (t["offered"] - excluded), rel=1e-12)
    ab_excluded = 0 if treatment in ("all", "answered_only") else excluded
    assert r["abandon_rate"] == pytest.approx((t["abandoned"] - ab_excluded) / (t["offered"] - ab_excluded), rel=1e-12)
    assert r["abandon_treatment"] == treatment and r["sl_threshold_s"] == 20
    if treatment == "all":  # every abandon counts: the plain share of queued calls
        assert r["abandon_rate"] == pytest.approx(t["abandoned"] / t["offered"])


def test_queues_and_days_add_up(bank, con):
    tally = bank[1]
    by_queue = {r["queue"]: r for r in metrics_table(con, by="queue").to_pylist()}
    assert set(by_queue) == {k for k in tally if k != "*"}
    for q, r in by_queue.items():
        assert (r["offered"], r["answered"], r["abandoned"]) == (tally[q]["offered"], tally[q]["answered"],
                                                                 tally[q]["abandoned"])
    days = metrics_table(con, by="day,queue")
    assert sum(days.column("offered").to_pylist()) == tally["*"]["offered"]
    halfhours = metrics_table(con, by="interval30")
    assert sum(halfhours.column("answered").to_pylist()) == tally["*"]["answered"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "earful.cli", "metrics", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_csv_json_and_errors(bank):
    db, tally = bank
    with connect(db) as con:
        expected = metrics_table(con, by="day,queue", start="2010-08-02", end="2010-08-08").to_pylist()
    out = _cli("--db", str(db), "--by", "day,queue", "--from", "2010-08-02", "--to", "2010-08-08", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(out.stdout.splitlines()))
    assert {r["day"] for r in rows} == {f"2010-08-0{d}" for d in range(2, 9)}
    assert [int(r["offered"]) for r in rows] == [r["offered"] for r in expected]

    out = _cli("--db", str(db), "--by", "month", "--format", "json", "--abandon-treatment", "all", "--sl-threshold", "30")
    assert out.returncode == 0, out.stderr
    month = json.loads(out.stdout)
    assert month[0]["month"] == "2010-08-01" and month[0]["offered"] == tally["*"]["offered"]

    out = _cli("--db", str(db), "--by", "day,wek")
    assert out.returncode == 2 and "cannot group by 'wek'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_cli_table_and_more_errors_in_process(bank, capfd):
    from typer.testing import CliRunner

    from earful.cli import app

    db = str(bank[0])
    runner = CliRunner()
    out = runner.invoke(app, ["metrics", "--db", db, "--by", "hour", "--queue", "PS"])
    assert out.exit_code == 0 and "SL" in out.output and "peak h" in out.output
    for args, msg in [(("--from", "2010-08-32"), "not a date"), (("--format", "xml"), "--format"),
                      (("--abandon-treatment", "x"), "abandon treatment"), (("--to", "2010-07-01", "--from",
                                                                               "2010-08-01"), "empty")]:
        out = runner.invoke(app, ["metrics", "--db", db, *args])
        err = out.stderr if out.stderr else capfd.readouterr().err
        assert out.exit_code == 2, (args, out.output)
        assert msg in err and len(err.strip().splitlines()) == 1, err


def test_every_key_partitions_the_month(bank, con):
    """Whatever the grouping, the groups add back to the month and every rate stays in [0, 1]."""
    from earful.metrics import BY_KEYS

    total = bank[1]["*"]
    for key in BY_KEYS:
        t = metrics_table(con, by=key, fcr_days=None)
        for col in ("offered", "answered", "abandoned"):
            assert sum(t.column(col).to_pylist()) == total[col], (key, col)
        for col in ("service_level", "abandon_rate"):
            vals = [v for v in t.column(col).to_pylist() if v is not None]
            assert vals and all(0 <= v <= 1 for v in vals), (key, col)


def test_reason_trend_compares_full_weeks_only(bank, shared_data, con):
    """The month runs Sunday 1 August to Tuesday 31 August: its first week holds one day and its last
    two, and a trend that put them beside full weeks would show nearly every reason falling."""
    from datetime import date, timedelta

    from earful.web._queries import reasons

    weekly: dict[tuple[str, date], int] = defaultdict(int)  # call type x Monday, read from the CSV
    with (shared_data / "anonymous_bank" / "august_calls.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            answered_ok = row["outcome"] == "AGENT" and "0:00:00" not in (row["ser_start"], row["ser_exit"])
            if answered_ok or (row["outcome"] == "HANG" and row["q_start"] != "0:00:00"):
                d = date.fromisoformat(row["date"])
                at = row["q_start"] if row["q_start"] != "0:00:00" else row["ser_start"]  # offered: queue entry
                if _secs(at) < _secs(row["vru_entry"]) - 12 * 3600:  # past midnight since IVR entry: the next day
                    d += timedelta(days=1)
                weekly[(row["type"], d - timedelta(days=d.weekday()))] += 1
    got = reasons(con, weeks=8)
    full = [date(2010, 8, 2) + timedelta(weeks=k) for k in range(4)]
    assert got["weeks"] == [w.isoformat() for w in full]
    assert got["partial_weeks"] == [{"week": "2010-07-26", "days": 1}, {"week": "2010-08-30", "days": 2}]
    by = {r["reason"]: r for r in got["reasons"]}
    for kind in ("PS", "NW", "IN", "NE"):
        series = [weekly[(kind, w)] for w in full]
        assert by[kind]["series"] == series
        assert by[kind]["change"] == pytest.approx((series[-1] - series[-2]) / series[-2])
        # the total still counts every contact of the period, partial weeks included
        assert by[kind]["total"] == sum(n for (k, _), n in weekly.items() if k == kind)
    # with the partial last week in the trend, most reasons would have read "down"
    assert sum(weekly[(k, date(2010, 8, 30))] < weekly[(k, full[-1])] for k in ("PS", "NW", "IN", "NE")) == 4


def _secs(hms: str) -> int:
    h, m, sec = (int(x) for x in hms.split(":"))
    return 3600 * h + 60 * m + sec
