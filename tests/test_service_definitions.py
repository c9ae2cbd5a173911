"""Service definitions (the YAML a director edits) and business-hours calendars, checked against a
plain minute-by-minute count of open time written here, apart from the code."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from earful.errors import ConfigError
from earful.metrics.calendars import BusinessClock, Calendar, business_seconds, parse_days, parse_spans
from earful.metrics.definitions import (
    DEFAULT_YAML,
    DEFAULTS,
    definitions_table,
    met_share,
    parse_definitions,
    rag,
    save_definitions,
    stored_definitions,
)

CONFIG = """
shrinkage: 25%
abandon: {treatment: all, short_abandon: 8s}
calendars:
  office:
    hours: {mon-fri: "08:00-12:00, 13:00-18:00", sat: "09:00-13:00"}
    holidays: [2025-08-25, {date: 2025-08-29, hours: "08:00-10:00"}]
  dublin: {timezone: Europe/Dublin, hours: {daily: "09:00-17:00"}}
channels:
  voice: {target: 85%, within: 15s, patience: 3m}
  email: {target: 90%, within: 24h, calendar: office}
  social: {within: 2h, calendar: office, clock: wall}
queues:
  vip: {target: 95%, within: 10s}
  irish-mail: {channel: email, calendar: dublin, within: 8h}
targets: {csat_avg: 4.2, fcr_rate: 80%}
"""


def test_defaults_are_the_industrys_usual():
    assert [(d.channel, d.target, d.threshold_s, d.mode) for d in DEFAULTS.channels.values()] == [
        ("voice", 0.8, 20, "immediate"), ("chat", 0.8, 60, "immediate"), ("email", 0.9, 86400, "deferred"),
        ("social", 0.8, 3600, "deferred"), ("sms", 0.8, 3600, "deferred")]
    assert DEFAULTS.for_channel("chat").concurrency == 2 and DEFAULTS.shrinkage == 0.3
    # the shipped YAML reads back as the defaults
    assert parse_definitions(DEFAULT_YAML).channels == DEFAULTS.channels


def test_config_reads_every_key_and_queues_inherit_from_their_channel():
    d = parse_definitions(CONFIG)
    assert d.shrinkage == 0.25 and d.targets == {"csat_avg": 4.2, "fcr_rate": 0.8}
    v = d.for_channel("voice")
    assert (v.target, v.threshold_s, v.patience_s, v.abandon_treatment, v.short_abandon_s) == (0.85, 15, 180, "all", 8)
    # a deferred channel with a calendar counts business hours, unless told otherwise
    assert d.for_channel("email").business_clock and not d.for_channel("social").business_clock
    assert d.for_channel("chat").threshold_s == 60  # left out: the default
    vip = d.for_channel("voice", "vip")
    assert (vip.queue, vip.target, vip.threshold_s, vip.patience_s) == ("vip", 0.95, 10, 180)
    assert d.for_channel("chat", "vip").threshold_s == 10          # a queue rule without a channel: every channel
    assert d.for_channel("voice", "irish-mail") == v               # one restricted to e-mail leaves voice alone
    irish = d.for_channel("email", "irish-mail")
    assert (irish.calendar, irish.threshold_s, irish.target) == ("dublin", 28800, 0.9)
    assert d.for_channel("email", "unknown-queue") == d.for_channel("email")
    assert {r["queue"] for r in definitions_table(d)} == {None, "vip", "irish-mail"}


@pytest.mark.parametrize("text, line, words", [
    ("channels:\n  voice: {target: 120%}\n", 2, "at most 1"),
    ("channels:\n  voice: {target: 80%, within: soon}\n", 2, "not a duration"),
    ("channels:\n  fax: {target: 80%}\n", 2, "unknown key 'fax'"),
    ("channels:\n  email: {calendar: office}\n", 2, "no calendar 'office'"),
    ("calendars:\n  office: {hours: {mon-fri: '20:00-08:00'}}\n", 2, "closing is not after opening"),
    ("calendars:\n  office: {hours: {funday: '08:00-20:00'}}\n", 2, "weekdays"),
    ("calendars:\n  office: {timezone: Mars/Base, hours: {daily: 24h}}\n", 2, "not a time zone"),
    ("abandon: {treatment: most}\n", 1, "not one of"),
    ("queues:\n  vip: {channel: fax}\n", 2, "channel must be one of"),
    ("channels: [voice]\n", 1, "mapping"),
    ("shrinkage: 30%\nshrinkage: 20%\n", 2, "given twice"),
])
def test_a_mistake_names_its_line(text, line, words):
    with pytest.raises(ConfigError) as err:
        parse_definitions(text, "service.yaml")
    assert f"service.yaml:{line}:" in str(err.value) and words in str(err.value), str(err.value)


def test_the_store_keeps_the_config_and_refuses_a_broken_one(con):
    assert stored_definitions(con) is DEFAULTS
    save_definitions(con, CONFIG)
    assert stored_definitions(con).for_channel("voice").threshold_s == 15
    with pytest.raises(ConfigError):
        save_definitions(con, "channels:\n  voice: {target: 2}\n")
    assert stored_definitions(con).text == CONFIG  # the good one is still there


def test_rag_and_the_blended_share():
    assert rag(0.81, 0.8) == "green" and rag(0.77, 0.8) == "amber" and rag(0.70, 0.8) == "red"
    assert rag(0.04, 0.05, higher_is_better=False) == "green" and rag(0.12, 0.05, higher_is_better=False) == "red"
    assert rag(None, 0.8) is None and rag(0.8, None) is None
    rows = [{"sl_met": 80, "sl_base": 100, "service_level": 0.8}, {"sl_met": 10, "sl_base": 50, "service_level": 0.2},
            {"sl_met": 0, "sl_base": 0, "service_level": None}]
    assert met_share(rows) == pytest.approx(90 / 150)


# ---------------------------------------------------------------- calendars

def test_hours_and_weekdays_are_read_as_people_write_them():
    assert parse_spans("08:00-20:00") == ((28800, 72000),)
    assert parse_spans("8-12, 13:30-17") == ((28800, 43200), (48600, 61200))
    assert parse_spans("closed") == () and parse_spans("24h") == ((0, 86400),)
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4] and parse_days("sat-mon") == [5, 6, 0]
    assert parse_days("daily") == list(range(7)) and parse_days("Tuesday") == [1]


def _minutes_open(cal: Calendar, a: datetime, b: datetime, centre_tz: str | None = None) -> float:
    """Open seconds in [a, b) by walking second by second through whole minutes: the slow, obvious way.
    The calendar's hours are read in its own zone and compared with each moment converted there."""
    total = 0.0
    t = a
    step = timedelta(minutes=1)
    cal_zone = ZoneInfo(cal.timezone) if cal.timezone and centre_tz else None
    while t < b:
        nxt = min(b, (t + step).replace(second=0, microsecond=0) if t.second or t.microsecond else t + step)
        local = t
        if cal_zone is not None:
            local = t.replace(tzinfo=ZoneInfo(centre_tz)).astimezone(cal_zone).replace(tzinfo=None)
        spans = cal.holidays.get(local.date(), cal.hours[local.weekday()])
        sec = local.hour * 3600 + local.minute * 60 + local.second
        if any(o <= sec < c for o, c in spans):
            total += (nxt - t).total_seconds()
        t = nxt
    return total


OFFICE = Calendar("office", hours=(((28800, 43200), (46800, 64800)),) * 5 + (((32400, 46800),), ()),
                  holidays={date(2025, 8, 25): (), date(2025, 8, 29): ((28800, 36000),)})


def test_business_seconds_equal_a_minute_by_minute_count():
    rng = random.Random(3)
    base = datetime(2025, 8, 18)
    for _ in range(60):
        a = base + timedelta(seconds=rng.randrange(0, 14 * 86400, 60))
        b = a + timedelta(seconds=rng.randrange(0, 4 * 86400, 60))
        assert business_seconds(OFFICE, a, b) == _minutes_open(OFFICE, a, b), (a, b)


def test_a_calendar_in_another_zone_follows_its_summer_time():
    # Dublin 09:00-17:00 seen from New York: 04:00-12:00 while both keep summer time (5 h apart), 05:00-13:00
    # in the week after Europe's change on 26 Oct (4 h apart), 04:00-12:00 again once New York changes on 2 Nov
    dublin = Calendar("dublin", hours=(((32400, 61200),),) * 7, timezone="Europe/Dublin")
    spans = dublin.centre_spans(date(2025, 10, 25), date(2025, 11, 4), "America/New_York")
    assert spans[0] == [(14400.0, 43200.0)]     # 25 Oct
    assert spans[2] == [(18000.0, 46800.0)]     # 27 Oct
    assert spans[9] == [(14400.0, 43200.0)] and spans[10] == [(14400.0, 43200.0)]  # 3 and 4 Nov
    rng = random.Random(5)
    for _ in range(25):
        a = datetime(2025, 10, 20) + timedelta(seconds=rng.randrange(0, 14 * 86400, 60))
        b = a + timedelta(seconds=rng.randrange(0, 3 * 86400, 60))
        assert business_seconds(dublin, a, b, "America/New_York") == _minutes_open(dublin, a, b, "America/New_York")


def test_the_sql_clock_gives_the_same_business_seconds():
    other = Calendar("night", hours=(((0, 21600), (79200, 86400)),) * 7)
    clock = BusinessClock.build([OFFICE, other], date(2025, 8, 18), date(2025, 9, 5), None)
    rng = random.Random(9)
    pairs = []
    for _ in range(300):
        a = datetime(2025, 8, 18) + timedelta(seconds=rng.randrange(0, 14 * 86400))
        pairs.append((a, a + timedelta(seconds=rng.randrange(0, 3 * 86400)), rng.randrange(2)))
    con = duckdb.connect()
    con.execute("CREATE TABLE p (a TIMESTAMP, b TIMESTAMP, c INTEGER)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?)", pairs)
    x = "epoch(a) - epoch(TIMESTAMP '2025-08-18')"
    y = "epoch(b) - epoch(TIMESTAMP '2025-08-18')"
    got = con.execute(f"SELECT {clock.sql('c', y)} - {clock.sql('c', x)} FROM p").fetchall()
    for (a, b, c), (g,) in zip(pairs, got):
        assert g == pytest.approx(business_seconds([OFFICE, other][c], a, b), abs=1e-6)
