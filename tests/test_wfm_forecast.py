"""Forecasts on the real bank month (weeks 1-3 forecast week 4 by half hour), from contacts and from
interval reports alike; holidays and special days on a series with known multipliers; prediction
intervals; errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from _wfm import bank_reports, bank_store  # noqa: F401

from earful.errors import ConfigError, InputError
from earful.store import connect
from earful.wfm import Forecaster, HolidayCalendar, SpecialDay, backtest, history
from earful.wfm.history import series_from_arrays

WEEK4 = date(2010, 8, 22)


@pytest.fixture(scope="module")
def bank_backtest(bank_store):
    con = connect(bank_store, read_only=True)
    series = history(con, 1800)
    con.close()
    return backtest(series, origins=[WEEK4])


def test_bank_week_four_beats_seasonal_naive(bank_backtest):
    mstl, naive = bank_backtest.pooled("mstl"), bank_backtest.pooled("seasonal_naive")
    whi = bank_backtest.pooled("whi")
    # floors from the measured figures (docs/wfm.md: 34.2 % vs 44.0 %, MASE 0.62)
    assert mstl["wmape"] <= 0.80 * naive["wmape"]
    assert mstl["wmape"] < 0.36 and mstl["mase"] < 0.68
    assert mstl["wmape"] < whi["wmape"]
    assert mstl["coverage80"] >= 0.80 and mstl["coverage95"] >= 0.93
    # the busiest queue on its own
    ps, ps_naive = bank_backtest.pooled("mstl", "PS"), bank_backtest.pooled("seasonal_naive", "PS")
    assert ps["wmape"] <= 0.8 * ps_naive["wmape"] and ps["wmape"] < 0.26
    assert mstl["aht_error"] < naive["aht_error"]


def test_forecast_from_reports_equals_forecast_from_contacts(bank_store, bank_reports):
    cc, rc = connect(bank_store, read_only=True), connect(bank_reports[0], read_only=True)
    a = {s.queue: s for s in history(cc, 1800, end=WEEK4)}["PS"]
    b = {s.queue: s for s in history(rc, 1800, end=WEEK4)}["PS"]
    fa, fb = Forecaster().fit(a).predict(7), Forecaster().fit(b).predict(7)
    np.testing.assert_allclose(fa.volume, fb.volume, rtol=1e-9)
    np.testing.assert_allclose(fa.aht_s, fb.aht_s, rtol=0.01)
    cc.close()
    rc.close()


def test_prediction_intervals_are_nested_and_the_day_range_is_the_days(bank_store):
    con = connect(bank_store, read_only=True)
    s = {x.queue: x for x in history(con, 1800, end=WEEK4)}["PS"]
    con.close()
    f = Forecaster().fit(s).predict(7)
    assert np.all(f.lo95 <= f.lo80 + 1e-9) and np.all(f.lo80 <= f.volume + 1e-9)
    assert np.all(f.volume <= f.hi80 + 1e-9) and np.all(f.hi80 <= f.hi95 + 1e-9)
    vol, lo, hi = f.day_totals()
    per_day = f.hi80.reshape(7, -1).sum(axis=1)
    assert np.all(lo < vol) and np.all(hi < per_day)  # the day's own range, narrower than the intervals' sum
    assert f.special == [None] * len(f.volume)


def _synthetic(days: int, start: date, special: dict[int, float], seed: int = 3):
    """Poisson contacts per half hour: two humps 08:00-20:00, weekdays 1.0, Saturday 0.5, Sunday closed,
    and day multipliers; handle 300 s."""
    rng = np.random.default_rng(seed)
    h = (np.arange(48) + 0.5) / 2
    shape = np.where((h >= 8) & (h < 20), np.exp(-0.5 * ((h - 11) / 2) ** 2) + 0.7 * np.exp(-0.5 * ((h - 15) / 2) ** 2), 0)
    shape /= shape.sum()
    week = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0)
    lam = np.concatenate([600 * week[(start + timedelta(days=d)).weekday()] * special.get(d, 1.0) * shape
                          for d in range(days)])
    y = rng.poisson(lam).astype(float)
    return series_from_arrays("q", "voice", 1800, datetime.combine(start, datetime.min.time()), y,
                              handle_s=y * 300.0), lam


def test_holidays_and_special_days():
    start = date(2025, 3, 31)  # a Monday; GB holidays: Fri 18 and Mon 21 April, Mon 5 May, Mon 26 May
    hol = HolidayCalendar("GB", "ENG")
    holidays = {(d - start).days: 0.3 for d in hol.between(start, start + timedelta(days=62))}
    campaign = {36: 1.8, 37: 1.8}  # a mailing, Tue 6 and Wed 7 May
    s, lam = _synthetic(56, start, {**holidays, **campaign})
    mailing = SpecialDay("mailing", (date(2025, 5, 6), date(2025, 5, 7), date(2025, 5, 28)))  # again on 28 May
    f = Forecaster(holidays=hol, special_days=[mailing]).fit(s)
    assert f.multipliers_[("holiday", "*")] == pytest.approx(0.3, abs=0.08)
    assert f.multipliers_[("special", "mailing")] == pytest.approx(1.8, abs=0.25)
    out = f.predict(7)  # Mon 26 May (a holiday) to Sun 1 June, the mailing again on Wed 28 May
    days = out.volume.reshape(7, 48).sum(axis=1)
    assert days[0] == pytest.approx(0.3 * 600, rel=0.3) and out.special[0] == "holiday: Spring Bank Holiday"
    assert days[2] == pytest.approx(1.8 * 600, rel=0.15) and out.special[2 * 48] == "special: mailing"
    assert days[1] == pytest.approx(600, rel=0.12) and days[6] < 1
    # unlabelled, the unusual days pull the ordinary forecast and the holiday is forecast as a Monday
    plain = Forecaster().fit(s).predict(7).volume.reshape(7, 48).sum(axis=1)
    assert plain[0] > 2 * days[0]
    # the planner's own multiplier wins over the learnt one
    told = SpecialDay("mailing", mailing.days, multiplier=1.2)
    d2 = Forecaster(holidays=hol, special_days=[told]).fit(s).predict(7).volume.reshape(7, 48).sum(axis=1)
    assert d2[2] == pytest.approx(1.2 * days[1], rel=0.1)
    # a special day never seen and without a multiplier is an ordinary day, said so
    new = Forecaster(special_days=[SpecialDay("outage", (date(2025, 5, 29),))]).fit(s)
    assert any("outage" in n for n in new.predict(7).notes)


def test_forecast_errors():
    s, _ = _synthetic(10, date(2025, 3, 31), {})
    with pytest.raises(InputError, match="two full weeks"):
        Forecaster().fit(s)
    with pytest.raises(InputError, match="unknown forecast model"):
        Forecaster("prophet")
    with pytest.raises(ConfigError, match="no country"):
        HolidayCalendar("XX")
    with pytest.raises(ConfigError, match="multiplier"):
        SpecialDay("x", (date(2025, 1, 1),), multiplier=-1)
    s, _ = _synthetic(21, date(2025, 3, 31), {})
    with pytest.raises(InputError, match="two weeks of history before it"):
        backtest([s], origins=[date(2025, 4, 7)])


def test_each_queue_is_staffed_for_its_own_service_definition_and_calendar(bank_store):
    """A queue rule of the service definitions (90 % in 10 s for PS, with a business-hours calendar
    holding a holiday) changes that queue's requirement and marks the holiday in its forecast."""
    from earful.metrics.definitions import DEFAULTS, parse_definitions
    from earful.wfm.plan import PlanConfig, forecast_run

    defs = parse_definitions("calendars:\n  bank: {holidays: [2010-08-24]}\n"
                             "queues:\n  PS: {target: 90%, within: 10s, calendar: bank}\n")
    con = connect(bank_store, read_only=True)
    try:
        runs = [forecast_run(con, PlanConfig(), queues=["PS", "NW"], history_end=WEEK4, save=False, definitions=d)
                for d in (DEFAULTS, defs)]
    finally:
        con.close()
    (base_ps, base_nw), (own_ps, own_nw) = ((by["PS"], by["NW"]) for by in (
        {f.queue: r for f, r in zip(run.forecasts, run.requirements)} for run in runs))
    assert own_ps.definition.label == "90 % within 10 s" and base_ps.definition.label == "80 % within 20 s"
    assert np.all(own_ps.agents >= base_ps.agents) and own_ps.agents.sum() > 1.1 * base_ps.agents.sum()
    np.testing.assert_array_equal(own_nw.agents, base_nw.agents)  # another queue keeps the channel's
    assert own_ps.shrinkage == defs.shrinkage == 0.3
    f = {x.queue: x for x in runs[1].forecasts}["PS"]
    day = range(2 * 48, 3 * 48)  # Tuesday 24 August, the forecast's third day
    assert all(f.special[i] and "holiday" in f.special[i] for i in day)
    assert not any(f.special[i] for i in range(len(f.special)) if i not in day)
