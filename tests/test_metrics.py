"""Metrics on small hand-checked call logs: each formula, each abandon treatment, FCR edges, keys."""

from __future__ import annotations

import datetime as dt

import pytest

from _metrics import BASE, call, load
from earful.errors import InputError
from earful.metrics import ABANDON_TREATMENTS, BY_KEYS, metrics_table, next_contact_ready

M = dt.timedelta(minutes=1)


@pytest.fixture()
def sl_store(con, tmp_path):
    """10 offered: 6 answered (waits 5, 10, 20, 21, 40, 90), 4 abandoned (waits 2, 4, 15, 60), 1 IVR hang-up."""
    recs = [call(i, wait=w, talk=100 + i) for i, w in enumerate([5, 10, 20, 21, 40, 90])]
    recs += [call(10 + i, wait=w, abandoned=True) for i, w in enumerate([2, 4, 15, 60])]
    recs.append({"source": "t", "source_id": "ivr1", "channel": "voice", "ended_at": BASE.isoformat(),
                 "metadata": {"ended_in": "ivr"}})
    load(con, tmp_path, recs)
    return con


def one(con, **kw) -> dict:
    rows = metrics_table(con, by=(), **kw).to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_volumes_asa_aht_abandon(sl_store):
    r = one(sl_store)
    assert (r["offered"], r["answered"], r["abandoned"], r["short_abandoned"], r["ivr_hangups"]) == (10, 6, 4, 2, 1)
    assert r["asa_s"] == pytest.approx((5 + 10 + 20 + 21 + 40 + 90) / 6)
    assert r["aht_s"] == pytest.approx(sum(100 + i for i in range(6)) / 6)
    # (abandoned − short) ÷ (offered − short) with short = wait < 5 s: waits 2 and 4.
    assert r["abandon_rate"] == pytest.approx((4 - 2) / (10 - 2))
    assert one(sl_store, short_abandon_s=0)["abandon_rate"] == pytest.approx(4 / 10)
    assert one(sl_store, short_abandon_s=16)["short_abandoned"] == 3


@pytest.mark.parametrize("treatment, expected", [
    ("all", 3 / 10),                       # within 20 s: waits 5, 10, 20
    ("exclude_short", 3 / (10 - 2)),       # abandons < 5 s: 2 and 4
    ("exclude_within_threshold", 3 / (10 - 3)),  # abandons ≤ 20 s: 2, 4, 15
    ("answered_only", 3 / 6),
])
def test_service_level_each_abandon_treatment(sl_store, treatment, expected):
    assert one(sl_store, abandon_treatment=treatment)["service_level"] == pytest.approx(expected)


def test_service_level_threshold_is_inclusive_and_configurable(sl_store):
    assert one(sl_store, sl_threshold_s=21, abandon_treatment="all")["service_level"] == pytest.approx(4 / 10)
    assert one(sl_store, sl_threshold_s="90s", abandon_treatment="all")["service_level"] == pytest.approx(6 / 10)
    assert set(ABANDON_TREATMENTS) == {"all", "exclude_short", "exclude_within_threshold", "answered_only"}


def test_aht_is_talk_hold_wrap_and_transfer_rate(con, tmp_path):
    load(con, tmp_path, [call(1, talk=100, hold=20, wrap=30, transferred=True),
                         call(2, talk=200, wrap=10, transferred=False),
                         call(3, talk=None, wait=0)])  # talk from ended_at − answered_at = 0 s
    r = one(con)
    assert r["aht_s"] == pytest.approx((150 + 210 + 0) / 3)
    assert r["transfer_rate"] == pytest.approx(1 / 2)  # call 3 does not say


def test_transfer_rate_unknown_is_null_not_zero(sl_store):
    assert one(sl_store)["transfer_rate"] is None


def test_occupancy_from_activity(con, tmp_path):
    # 09:00-09:30: a1 answers two calls (100 + 200 s), a2 one (300 s) -> staffed 2 × 1800 s.
    # 09:30-10:00: a1 one call of 900 s                               -> staffed 1 × 1800 s.
    load(con, tmp_path, [call(1, wait=0, talk=100, agent="a1"), call(2, at=BASE + 5 * M, wait=0, talk=200, agent="a1"),
                         call(3, at=BASE + 9 * M, wait=0, talk=300, agent="a2"),
                         call(4, at=BASE + 40 * M, wait=0, talk=900, agent="a1")])
    rows = metrics_table(con, by="interval30").to_pylist()
    assert [r["occupancy"] for r in rows] == pytest.approx([600 / 3600, 900 / 1800])
    assert one(con)["occupancy"] == pytest.approx(1500 / 5400)
    assert [r["occupancy"] for r in metrics_table(con, by="agent").to_pylist()] == pytest.approx([1200 / 3600, 300 / 1800])
    # by 15 minutes the activity interval is 15 minutes: 09:00-09:15 a1 (300 s) and a2 (300 s) over 2 × 900 s
    q = metrics_table(con, by="interval15").to_pylist()
    assert q[0]["occupancy"] == pytest.approx(600 / 1800) and q[0]["staffed_s"] == 1800


def test_occupancy_from_staffing_table(con, tmp_path):
    load(con, tmp_path, [call(1, wait=0, talk=600), call(2, at=BASE + 40 * M, wait=0, talk=900)])
    con.execute("INSERT INTO staffing VALUES (?, 1800, 'billing', 2.5, 'plan'), (?, 1800, 'billing', 1, 'plan')",
                [BASE, BASE + 30 * M])
    r = one(con)  # auto: the table has rows in range
    assert r["staffed_s"] == pytest.approx(3.5 * 1800)
    assert r["occupancy"] == pytest.approx(1500 / (3.5 * 1800))
    rows = metrics_table(con, by="interval30,queue").to_pylist()
    assert [r["occupancy"] for r in rows] == pytest.approx([600 / 4500, 900 / 1800])
    assert one(con, occupancy_from="activity")["staffed_s"] == pytest.approx(2 * 1800)
    assert metrics_table(con, by="agent").column("staffed_s").to_pylist() == [3600.0]  # agent: activity
    with pytest.raises(InputError, match="staffing"):
        metrics_table(con, by="agent", occupancy_from="staffing")


@pytest.fixture(params=["kept", "window"])
def fcr_store(request, con, tmp_path):
    """Customer x: calls at day 0 (reason A), day 7 exactly (A), day 14 + 1 s (B). y: one call. z: abandons.

    Run twice: FCR reading the next contact kept at import, and computing it with the window."""
    d = dt.timedelta(days=1)
    load(con, tmp_path, [
        call(1, customer="x", disposition="A"),
        call(2, at=BASE + 7 * d, customer="x", disposition="A"),
        call(3, at=BASE + 14 * d + dt.timedelta(seconds=1), customer="x", disposition="B"),
        call(4, customer="y", disposition="A"),
        call(5, customer="z", abandoned=True, wait=30),
        call(6, at=BASE + dt.timedelta(hours=1), customer="z", disposition="A"),
        call(7, customer=None),  # no customer: not eligible
    ])
    assert next_contact_ready(con)
    if request.param == "window":  # as rows written outside earful's import would leave it
        con.execute("UPDATE interactions SET is_contact = NULL")
        assert not next_contact_ready(con)
    return con


def test_fcr_window_edges(fcr_store):
    # eligible: 1, 2, 3, 4, 6. 1 -> repeat exactly 7 d later counts as a repeat (within N days);
    # 2 -> next is 7 d + 1 s later: resolved; 3, 4, 6: no later contact: resolved.
    assert one(fcr_store, fcr_days=7)["fcr_rate"] == pytest.approx(4 / 5)
    assert one(fcr_store, fcr_days=7 - 1 / 86400)["fcr_rate"] == pytest.approx(5 / 5)
    assert one(fcr_store, fcr_days=7 + 2 / 86400)["fcr_rate"] == pytest.approx(3 / 5)


def test_fcr_with_filters_on_grouping_columns(fcr_store):
    # a filter on a column that is also a key, and the repeat outside the filtered queue still counts
    r = metrics_table(fcr_store, by=("queue", "reason"), queue="billing", fcr_days=7).to_pylist()
    whole = {(x["queue"], x["reason"]): x["fcr_rate"]
             for x in metrics_table(fcr_store, by=("queue", "reason")).to_pylist()}
    assert {(x["queue"], x["reason"]): x["fcr_rate"] for x in r} == {k: v for k, v in whole.items() if k[0] == "billing"}
    assert len(r) == 3  # reasons A, B and none (the abandon)


def test_fcr_can_be_skipped(fcr_store):
    r = one(fcr_store, fcr_days=None)
    assert r["fcr_rate"] is None and r["offered"] == one(fcr_store)["offered"]


def test_fcr_same_reason_and_repeat_after_range(fcr_store):
    # same reason: call 2's repeat is B, a different issue -> resolved at any N.
    assert one(fcr_store, fcr_days=30, fcr_same="reason")["fcr_rate"] == pytest.approx(4 / 5)
    assert one(fcr_store, fcr_days=30)["fcr_rate"] == pytest.approx(3 / 5)
    # A range that ends before the repeat still sees it (FCR looks N days past the range).
    r = one(fcr_store, end=BASE.date(), fcr_days=7)
    assert r["offered"] == 5 and r["fcr_rate"] == pytest.approx(2 / 3)


def test_an_abandon_before_an_answer_is_a_contact_not_a_repeat_of_it(fcr_store):
    by_hour = {r["hour"]: r for r in metrics_table(fcr_store, by="hour", fcr_days=7).to_pylist()}
    assert by_hour[10]["fcr_rate"] == 1.0  # call 6


def test_grouping_keys(con, tmp_path):
    recs = [call(1, at="2025-08-04T09:07:00", queue="q1", agent="a1", channel="voice", disposition="lost card"),
            call(2, at="2025-08-04T09:20:00", queue="q2", agent="a2", channel="chat", disposition="lost card"),
            call(3, at="2025-08-04T23:59:59", queue="q1", agent="a1", channel="voice", disposition="refund"),
            call(4, at="2025-08-11T00:00:00", queue="q1", agent=None, abandoned=True, disposition="refund"),
            call(5, at="2025-09-01T08:00:00", queue="q2", agent="a2", channel="email")]
    load(con, tmp_path, recs)

    def keys(by: str) -> list[tuple]:
        t = metrics_table(con, by=by)
        n = len(by.split(","))
        return [tuple(r.values())[:n] + (r["offered"],) for r in t.to_pylist()]

    t = dt.datetime
    assert keys("interval15") == [(t(2025, 8, 4, 9, 0), 1), (t(2025, 8, 4, 9, 15), 1), (t(2025, 8, 4, 23, 45), 1),
                                  (t(2025, 8, 11, 0, 0), 1), (t(2025, 9, 1, 8, 0), 1)]
    assert keys("interval30")[0] == (t(2025, 8, 4, 9, 0), 2)
    assert keys("interval60")[0] == (t(2025, 8, 4, 9, 0), 2)
    assert keys("hour") == [(0, 1), (8, 1), (9, 2), (23, 1)]
    assert keys("day") == [(dt.date(2025, 8, 4), 3), (dt.date(2025, 8, 11), 1), (dt.date(2025, 9, 1), 1)]
    assert keys("week") == [(dt.date(2025, 8, 4), 3), (dt.date(2025, 8, 11), 1), (dt.date(2025, 9, 1), 1)]
    assert keys("month") == [(dt.date(2025, 8, 1), 4), (dt.date(2025, 9, 1), 1)]
    assert keys("weekday") == [(1, 5)]
    assert keys("queue") == [("q1", 3), ("q2", 2)]
    assert keys("channel") == [("chat", 1), ("email", 1), ("voice", 3)]
    assert keys("agent") == [("a1", 2), ("a2", 2), (None, 1)]
    assert keys("reason") == [("lost card", 2), ("refund", 2), (None, 1)]
    assert keys("month,queue") == [(dt.date(2025, 8, 1), "q1", 3), (dt.date(2025, 8, 1), "q2", 1),
                                   (dt.date(2025, 9, 1), "q2", 1)]
    assert [r["peak_hour"] for r in metrics_table(con, by="month").to_pylist()] == [9, 8]
    # filters and ranges
    assert one(con, channel="voice,chat")["offered"] == 4
    assert one(con, queue=["q2"])["offered"] == 2
    assert one(con, start="2025-08-04", end="2025-08-04")["offered"] == 3
    assert one(con, start="2025-08-04T09:10", end="2025-08-11T00:00")["offered"] == 2
    assert metrics_table(con, by="day", start="2030-01-01").num_rows == 0
    assert set(BY_KEYS) >= {"interval15", "interval30", "interval60", "hour", "day", "week", "month", "queue",
                            "channel", "agent", "reason"}


def test_reason_prefers_enrichment_when_present(con, tmp_path):
    load(con, tmp_path, [call(1, disposition="other"), call(2, disposition="other")])
    con.execute("INSERT INTO enrichment (interaction_id, reason) VALUES ('t:c1', 'card_arrival')")
    assert [(r["reason"], r["offered"]) for r in metrics_table(con, by="reason").to_pylist()] == [
        ("card_arrival", 1), ("other", 1)]


def test_csat_and_nps(con, tmp_path):
    load(con, tmp_path, [call(1, csat=5, nps=10), call(2, csat=2, nps=3), call(3, nps=8),
                         {"source": "t", "source_id": "s1", "channel": "survey", "ended_at": BASE.isoformat(),
                          "csat": 4, "nps": 9, "related_id": "c1"}])
    r = one(con)
    assert r["offered"] == 3
    assert r["csat_avg"] == pytest.approx((5 + 2 + 4) / 3)
    assert r["nps"] == pytest.approx(100 * (2 - 1) / 4)


def test_a_survey_counts_for_the_contact_it_rates(con, tmp_path):
    """CSAT by agent, queue, channel and day: a survey sent the next day counts for the rated
    call's agent, queue, channel and day; one that names no contact stays in its own group."""
    next_day = (BASE + dt.timedelta(days=1)).isoformat()
    load(con, tmp_path, [call(1, agent="a1", queue="billing", csat=None), call(2, agent="a2", queue="cards"),
                         {"source": "t", "source_id": "s1", "channel": "survey", "queue": "survey",
                          "ended_at": next_day, "csat": 2, "related_id": "c1"},
                         {"source": "t", "source_id": "s2", "channel": "survey", "queue": "survey",
                          "ended_at": next_day, "csat": 5, "related_id": "c2"},
                         {"source": "t", "source_id": "s3", "channel": "survey", "queue": "survey",
                          "ended_at": next_day, "csat": 3}])
    by_agent = {r["agent"]: r["csat_avg"] for r in metrics_table(con, by="agent").to_pylist()}
    assert by_agent["a1"] == 2 and by_agent["a2"] == 5
    by_queue = {r["queue"]: (r["offered"], r["csat_avg"]) for r in metrics_table(con, by="queue").to_pylist()}
    assert by_queue == {"billing": (1, 2), "cards": (1, 5), "survey": (0, 3)}
    by_channel = {r["channel"]: r["csat_avg"] for r in metrics_table(con, by="channel").to_pylist()}
    assert by_channel == {"voice": 3.5, "survey": 3}
    by_day = {str(r["day"]): r["csat_avg"] for r in metrics_table(con, by="day").to_pylist()}
    assert by_day[str(BASE.date())] == 3.5  # the calls' day, not the surveys'
    assert by_day[str((BASE + dt.timedelta(days=1)).date())] == 3


@pytest.mark.parametrize("kw, message", [
    ({"by": "day,wek"}, "cannot group by 'wek'"),
    ({"by": "interval15,interval30"}, "twice"),
    ({"start": "2025-02-30"}, "not a date"),
    ({"start": "2025-08-05", "end": "2025-08-04"}, "empty"),
    ({"abandon_treatment": "some"}, "abandon treatment"),
    ({"sl_threshold_s": -1}, "≥ 0"),
    ({"short_abandon_s": "five"}, "not a duration"),
    ({"fcr_same": "issue"}, "fcr_same"),
    ({"fcr_days": "a week"}, "number of days"),
    ({"fcr_days": -1}, "between"),
])
def test_bad_input_is_one_line_error(sl_store, kw, message):
    with pytest.raises(InputError, match=message) as err:
        metrics_table(sl_store, **kw)
    assert "\n" not in str(err.value)


def test_empty_store_gives_no_rows_and_one_row_overall(con):
    assert metrics_table(con, by="day").num_rows == 0
    r = one(con)
    assert r["offered"] == 0 and r["service_level"] is None and r["asa_s"] is None
