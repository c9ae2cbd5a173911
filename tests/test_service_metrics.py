"""Each contact measured against its own channel's definition, business-hours waits, honest gaps on
real-shaped files, and the overview of a simulated month whose answer is computed here from the
simulation's own records."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from _metrics import BASE, call, load
from _service import EXAMPLE, sim_month  # noqa: F401  (a fixture)
from earful.metrics import metrics_table
from earful.metrics.contacts import KINDS, contacts_table
from earful.metrics.definitions import parse_definitions
from earful.metrics.gaps import NO_HANDLE_TIME, NO_QUEUE_TIME, unknown_reasons
from earful.store import connect

REPO = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "earful.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def one(con, **kw) -> dict:
    return metrics_table(con, by=(), **kw).to_pylist()[0]


def test_each_channel_against_its_own_threshold_and_the_blend(con, tmp_path):
    recs = [call(1, wait=15), call(2, wait=25),                                   # voice 20 s: 1 of 2
            call(3, wait=45, channel="chat"), call(4, wait=70, channel="chat"),   # chat 60 s: 1 of 2
            call(5, wait=50, channel="chat"),                                     # on time
            call(6, wait=25, queue="vip"), call(7, wait=8, queue="vip"),          # vip 10 s: 1 of 2
            call(8, wait=3, abandoned=True), call(9, wait=40, abandoned=True)]    # a short and a real abandon
    load(con, tmp_path, recs)
    defs = parse_definitions("queues:\n  vip: {channel: voice, target: 90%, within: 10s}\n")
    by = {r["channel"]: r for r in metrics_table(con, by="channel", definitions=defs).to_pylist()}
    # voice: calls 1, 2, 6, 7 answered, 9 a real abandon, 8 short (left out): on time 1, 7
    assert by["voice"]["sl_met"] == 2 and by["voice"]["sl_base"] == 5 and by["voice"]["service_level"] == 2 / 5
    assert by["chat"]["service_level"] == 2 / 3 and by["chat"]["sl_threshold_s"] == 60
    assert by["voice"]["sl_threshold_s"] is None  # the voice group mixes 20 s and the vip queue's 10 s
    # targets weighted by the contacts they apply to: voice 80 % x3 + vip 90 % x2
    assert by["voice"]["sl_target"] == pytest.approx((3 * 0.8 + 2 * 0.9) / 5)
    allc = one(con, definitions=defs)
    assert allc["service_level"] == pytest.approx((2 + 2) / (5 + 3))  # met their own threshold ÷ counted
    assert allc["sl_target"] == pytest.approx((3 * 0.8 + 2 * 0.9 + 3 * 0.8) / 8)
    # one threshold for everyone, when asked
    assert one(con, definitions=defs, sl_threshold_s=60)["service_level"] == pytest.approx(6 / 8)


def test_email_waits_count_business_hours(con, tmp_path):
    fri = datetime(2025, 8, 8, 19, 30)  # a Friday evening
    recs = [call(1, at=fri, wait=13 * 3600, channel="email", agent="e1"),    # Sat 08:30: 1 h of office time
            call(2, at=fri, wait=61 * 3600, channel="email", agent="e1"),    # Mon 08:30: 6 h of office time
            call(3, at=fri - timedelta(days=2), wait=40 * 3600, channel="email", agent="e1")]  # Wed 19:30 -> Fri 11:30
    load(con, tmp_path, recs)
    defs = parse_definitions("calendars:\n  office: {hours: {mon-fri: '08:00-20:00', sat: '08:00-13:00'}}\n"
                             "channels:\n  email: {target: 90%, within: 24h, calendar: office}\n")
    waits = sorted(r["wait_s"] for r in contacts_table(con, "answered", definitions=defs)[0].to_pylist())
    # worked out by hand: Fri 19:30-20:00 (0.5 h) + Sat 08:00-08:30 (0.5 h) = 1 h; Fri 0.5 + Sat 5 + Mon 0.5 = 6 h;
    # Wed 0.5 + Thu 12 + Fri 3.5 = 16 h
    assert waits == [3600, 6 * 3600, 16 * 3600]
    r = one(con, definitions=defs)
    assert r["service_level"] == 1.0 and r["asa_s"] == pytest.approx((1 + 6 + 16) * 3600 / 3)
    wall = one(con)  # the default: e-mail on the wall clock, 24 h
    assert wall["service_level"] == pytest.approx(1 / 3) and wall["asa_s"] == pytest.approx((13 + 61 + 40) * 3600 / 3)


def test_abandon_rate_follows_the_treatment(con, tmp_path):
    recs = [call(i, wait=10) for i in range(1, 7)] + [call(7, wait=2, abandoned=True), call(8, wait=15, abandoned=True),
                                                       call(9, wait=90, abandoned=True)]
    load(con, tmp_path, recs)
    rates = {t: one(con, abandon_treatment=t)["abandon_rate"]
             for t in ("all", "exclude_short", "exclude_within_threshold", "answered_only")}
    assert rates == {"all": 3 / 9, "exclude_short": 2 / 8, "exclude_within_threshold": 1 / 7, "answered_only": 3 / 9}


CRM_ROWS = [("04/08/2025", "09:00:05", 312, "Answered"), ("04/08/2025", "09:02:40", 0, "Missed"),
            ("04/08/2025", "09:07:12", 95, "Answered"), ("04/08/2025", "10:15:00", 240, "Answered"),
            ("05/08/2025", "11:30:30", 0, "Missed"), ("05/08/2025", "14:00:00", 181, "Answered")]


def _crm_file(folder: Path, with_queue_time: bool) -> tuple[Path, Path]:
    """A call log shaped like a CRM export: date, time, duration, outcome (and, in the second shape,
    how long the caller waited before the agent picked up)."""
    path = folder / ("crm_with_wait.csv" if with_queue_time else "crm.csv")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "time", "duration", "outcome"] + (["queue_time"] if with_queue_time else []))
        for i, (d, t, dur, out) in enumerate(CRM_ROWS):
            w.writerow([d, t, dur, out] + ([12 + 9 * i] if with_queue_time else []))
    mapping = folder / (path.stem + ".yaml")
    mapping.write_text(
        "source: crm\nfields:\n"
        "  source_id: {sql: \"\\\"date\\\" || ' ' || \\\"time\\\"\"}\n"
        "  channel: {value: voice}\n"
        "  offered_at: {sql: \"\\\"date\\\" || ' ' || \\\"time\\\"\", format: \"%d/%m/%Y %H:%M:%S\"}\n"
        "  talk_s: duration\n"
        "  abandoned: {column: outcome, values: {Answered: false, Missed: true}}\n"
        + ("  wait_s: queue_time\n" if with_queue_time else ""), encoding="utf-8")
    return path, mapping


def test_a_call_log_without_queue_times_says_so(tmp_path):
    from earful.ingest import ingest_file
    from earful.report.service import service_section

    db = tmp_path / "crm.duckdb"
    path, mapping = _crm_file(tmp_path, with_queue_time=False)
    with connect(db) as con:
        assert ingest_file(con, path, "csv", mapping).loaded == 6
        row = one(con)
        assert (row["offered"], row["answered"], row["abandoned"]) == (6, 4, 2)
        assert row["service_level"] is None and row["asa_s"] is None and row["waits_known"] == 0
        assert row["aht_s"] == pytest.approx((312 + 95 + 240 + 181) / 4)
        assert unknown_reasons(row)["service_level"] == NO_QUEUE_TIME == unknown_reasons(row)["asa_s"]
        # the briefing's service section says the same
        tiles, html = service_section(con, datetime(2025, 8, 4).date(), datetime(2025, 8, 5).date())
        assert dict(tiles)["service level (own targets)"].startswith("unknown")
        assert "voice service level: no queue time" in html and "voice ASA: no queue time" in html
    # the CLI prints the reason under its table, and JSON keeps the figures empty
    out = _cli("metrics", "--by", "day", "--db", str(db))
    assert out.returncode == 0 and "unknown (ASA s, SL): no queue time" in " ".join(out.stdout.split())
    # the same log with the caller's wait mapped: both figures come back
    path, mapping = _crm_file(tmp_path, with_queue_time=True)
    with connect(tmp_path / "crm2.duckdb") as con:
        ingest_file(con, path, "csv", mapping)
        row = one(con)
    waits = [12 + 9 * i for i, r in enumerate(CRM_ROWS) if r[3] == "Answered"]
    assert row["asa_s"] == pytest.approx(sum(waits) / 4)
    assert row["service_level"] == pytest.approx(sum(w <= 20 for w in waits) / 6)


def test_no_handle_time_is_unknown_not_zero(con, tmp_path):
    # customer posts answered by the brand, as a social export gives them: times, no handling time
    recs = [{"source": "t", "source_id": f"s{i}", "channel": "social", "queue": "brand",
             "offered_at": (BASE + timedelta(minutes=7 * i)).isoformat(),
             "answered_at": (BASE + timedelta(minutes=7 * i + 20)).isoformat(),
             "ended_at": (BASE + timedelta(minutes=7 * i + 20)).isoformat(), "abandoned": False} for i in range(5)]
    load(con, tmp_path, recs)
    r = one(con)
    assert r["answered"] == 5 and r["aht_s"] is None and r["handles_known"] == 0
    assert r["asa_s"] == 1200 and r["service_level"] == 1.0
    assert unknown_reasons(r)["aht_s"] == NO_HANDLE_TIME
    assert unknown_reasons(r)["occupancy"]  # no handle time, no staffed time: no occupancy either
    assert r["occupancy"] is None


def test_an_agent_on_two_chats_at_once_is_not_more_than_fully_occupied(con, tmp_path):
    # 09:00-09:30: agent c1 holds two chats side by side for the whole half hour (chat concurrency 2),
    # agent v1 one call of 900 s; by the default definitions a chat takes half an agent
    load(con, tmp_path, [call(1, wait=0, talk=1800, agent="c1", channel="chat"),
                         call(2, at=BASE + timedelta(minutes=1), wait=0, talk=1740, agent="c1", channel="chat"),
                         call(3, wait=0, talk=900, agent="v1")])
    by = {r["channel"]: r for r in metrics_table(con, by="channel").to_pylist()}
    assert by["chat"]["busy_s"] == pytest.approx((1800 + 1740) / 2) and by["chat"]["staffed_s"] == 1800
    assert by["chat"]["occupancy"] == pytest.approx(3540 / 2 / 1800) and by["chat"]["occupancy"] <= 1
    assert by["voice"]["occupancy"] == pytest.approx(900 / 1800)
    assert one(con)["occupancy"] == pytest.approx((3540 / 2 + 900) / 3600)
    # a centre whose chat agents take one chat at a time counts the handle time whole
    single = parse_definitions("channels:\n  chat: {target: 80%, within: 60s, concurrency: 1}\n")
    assert one(con, definitions=single, channel="chat")["busy_s"] == pytest.approx(3540)


def test_the_contacts_behind_each_figure_are_the_ones_it_counts(con, tmp_path):
    recs = [call(1, wait=15), call(2, wait=25), call(3, wait=45, channel="chat"), call(4, wait=3, abandoned=True),
            call(5, wait=40, abandoned=True), call(6, wait=None, talk=100), call(7, wait=70, channel="chat")]
    load(con, tmp_path, recs)
    r = one(con)
    n = {k: contacts_table(con, k)[1] for k in KINDS}
    assert (n["offered"], n["answered"], n["abandoned"]) == (r["offered"], r["answered"], r["abandoned"])
    assert n["sl_base"] == r["sl_base"] and n["on_time"] == r["sl_met"] and n["late"] == r["sl_base"] - r["sl_met"]
    assert n["no_wait"] == r["answered"] - r["waits_known"] == 0  # call 6 has answered_at - offered_at = 0 s
    rows = contacts_table(con, "late")[0].to_pylist()
    assert {x["id"] for x in rows} == {"t:c2", "t:c5", "t:c7"} and "customer_id" not in rows[0]
    assert contacts_table(con, "sl_base", channel="chat")[1] == 2


# ---------------------------------------------------------------- a month whose answer is known

OPEN_S, CLOSE_S = 8 * 3600, 20 * 3600  # the example config's office: every day 08:00-20:00


def _office_seconds(a: datetime, b: datetime) -> float:
    """Open seconds of an every-day 08:00-20:00 office between a and b, day by day."""
    total, day = 0.0, a.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < b:
        lo, hi = max(a, day + timedelta(seconds=OPEN_S)), min(b, day + timedelta(seconds=CLOSE_S))
        total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


def _expected(records: list[dict]) -> dict:
    """Per channel (met, counted) from the simulation's own records, with the example's definitions:
    voice 20 s (its specialist queue 30 s), chat 60 s, e-mail 24 h, social and SMS 1 h in office
    hours; abandons under 5 s left out."""
    threshold = {"voice": 20, "chat": 60, "email": 86400, "social": 3600, "sms": 3600}
    out: dict[str, list[int]] = {}
    for r in records:
        if r["channel"] == "survey" or not r.get("offered_at"):
            continue
        t = 30 if r["queue"] == "voice-specialist" else threshold[r["channel"]]
        wait = r["wait_s"]
        if r["channel"] in ("email", "social", "sms"):
            start = datetime.fromisoformat(r["offered_at"])
            wait = _office_seconds(start, start + timedelta(seconds=wait))
        if r["abandoned"] and wait < 5:
            continue
        m = out.setdefault(r["channel"], [0, 0])
        m[0] += (not r["abandoned"]) and wait <= t
        m[1] += 1
    return out


def test_the_overview_shows_each_channel_against_its_own_target(sim_month):
    import shutil

    from _web import login, serve

    db, records = sim_month
    copy = db.with_name("overview.duckdb")  # the server holds its file: a copy for this test
    shutil.copy(db, copy)
    expected = _expected(records)
    with serve(copy) as url, httpx.Client(base_url=url) as c:
        assert login(c, "eve").status_code == 303
        ov = c.get("/api/v1/overview", params={"start": "2025-08-01", "end": "2025-08-28"}).json()
    by = {ch["channel"]: ch for ch in ov["channels"]}
    assert set(by) == set(expected)
    for ch, (met, counted) in expected.items():
        assert by[ch]["service_level"]["value"] == pytest.approx(met / counted, abs=1e-12), ch
        assert by[ch]["service_level"]["target"] == pytest.approx(0.9 if ch == "email" else 0.8)
        assert by[ch]["service_level"]["rag"] in ("green", "amber", "red")
    met = sum(m for m, _ in expected.values())
    counted = sum(n for _, n in expected.values())
    blended = ov["framed"]["service_level"]
    assert blended["value"] == pytest.approx(met / counted, abs=1e-12)  # contacts meeting their own target
    assert blended["target"] == pytest.approx(
        sum(n * (0.9 if ch == "email" else 0.8) for ch, (_, n) in expected.items()) / counted)
    # voice on the overview is what the interval-level report says (offered-weighted over half hours)
    with connect(db, read_only=True) as con:
        halves = metrics_table(con, by="interval30", channel="voice", start="2025-08-01", end="2025-08-28").to_pylist()
    weighted = sum(h["service_level"] * h["offered"] for h in halves if h["service_level"] is not None)
    per_interval = weighted / sum(h["offered"] for h in halves if h["service_level"] is not None)
    assert abs(by["voice"]["service_level"]["value"] - per_interval) < 0.03
    # voice and chat are not blended with e-mail's hours: the by-channel ASA of voice is seconds
    assert by["voice"]["asa_s"]["value"] < 120 < by["email"]["asa_s"]["value"]


def test_business_waits_kept_in_the_store_equal_the_ones_counted_on_the_fly(con, tmp_path):
    from earful.metrics.business_waits import refresh_business_waits
    from earful.metrics.definitions import save_definitions
    from earful.metrics.table import _DefinitionSQL

    fri = datetime(2025, 8, 8, 19, 30)
    recs = [call(i, at=fri + timedelta(minutes=97 * i), wait=3600 * (i % 30), channel=ch, agent="e1")
            for i, ch in zip(range(1, 61), ["email", "social", "voice", "sms"] * 15)]
    load(con, tmp_path, recs)
    text = ("calendars:\n  office: {hours: {mon-fri: '08:00-20:00', sat: '08:00-13:00'}}\n"
            "channels:\n  email: {calendar: office}\n  social: {calendar: office}\n")
    on_the_fly = metrics_table(con, by="channel", definitions=parse_definitions(text)).to_pylist()
    assert con.execute("SELECT count(business_clock) FROM interactions").fetchall()[0][0] == 0
    save_definitions(con, text)  # keeps the waits of e-mail and social in the store
    kept = con.execute("SELECT channel, count(business_clock) FROM interactions GROUP BY 1 ORDER BY 1").fetchall()
    assert kept == [("email", 15), ("sms", 0), ("social", 15), ("voice", 0)]
    assert metrics_table(con, by="channel").to_pylist() == on_the_fly
    # every wait kept: the query builds no business clock; one wait lost: the clock is back, for its days only
    assert _DefinitionSQL(con, parse_definitions(text), None, None, None).clock is None
    con.execute("UPDATE interactions SET business_wait_s = NULL WHERE source_id = 'c2'")
    clock = _DefinitionSQL(con, parse_definitions(text), None, None, None).clock
    assert clock is not None and clock.first == (fri + timedelta(minutes=97 * 2)).date()
    assert metrics_table(con, by="channel").to_pylist() == on_the_fly
    assert refresh_business_waits(con) == 1
    # another calendar: the kept waits no longer match it and are counted again, then kept again
    other = text.replace("sat: '08:00-13:00'", "sat: closed")
    fresh = metrics_table(con, by="channel", definitions=parse_definitions(other)).to_pylist()
    assert fresh != on_the_fly
    assert refresh_business_waits(con, parse_definitions(other)) > 0
    assert metrics_table(con, by="channel", definitions=parse_definitions(other)).to_pylist() == fresh
    assert refresh_business_waits(con, parse_definitions(other)) == 0  # nothing left to change
