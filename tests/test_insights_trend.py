"""The trend test for gradual rises: earlier than the window tests on a planted rise, quiet on flat
series whose reasons have their own weekday pattern."""

from __future__ import annotations

import pytest
from _insights import count_matrix

from earful.errors import ConfigError
from earful.insights import detect, parse_config

RAMP = 8
ONSET = 35
# Monday-heavy and weekend-heavy reasons: their share of the day's contacts depends on the weekday.
SEASONAL = {0: [1.6, 1.1, 1.0, 0.9, 0.9, 0.5, 0.4], 5: [0.7, 0.8, 0.9, 1.0, 1.1, 1.8, 2.2]}


def _seasonal(events: dict | None = None) -> dict:
    """Multipliers by day index (count_matrix starts on a Monday) for the seasonal reasons, plus `events`."""
    return {**{r: (lambda t, w=w: w[t % 7]) for r, w in SEASONAL.items()}, **(events or {})}


def _first(alarms, reason):
    return next((a for a in alarms if a.reason == reason), None)


def test_trend_test_finds_a_gradual_rise_before_the_window_tests():
    ramp = {RAMP: lambda t: 1 + 2 * min(max(t - ONSET, 0), 14) / 14}   # ×1 → ×3 over two weeks
    earlier = 0
    for seed in (201, 202, 203):
        counts, days, reasons = count_matrix(seed, events=_seasonal(ramp), dispersion=0.02)
        with_trend = _first(detect(counts, days, reasons, start=days[30]), reasons[RAMP])
        windows = _first(detect(counts, days, reasons, start=days[30], trend_windows=()), reasons[RAMP])
        assert with_trend is not None and with_trend.first_day >= days[ONSET]
        assert with_trend.kind == "drift"
        assert windows is None or with_trend.first_day <= windows.first_day
        earlier += windows is None or with_trend.first_day < windows.first_day
    assert earlier >= 2


def test_trend_test_is_quiet_on_flat_series_with_weekday_seasonality():
    alarms = []
    for seed in range(6):
        counts, days, reasons = count_matrix(seed, events=_seasonal(), dispersion=0.02)
        alarms += detect(counts, days, reasons, start=days[30])
    assert [a for a in alarms if a.test == "trend"] == []
    assert len(alarms) <= 2   # six months, every test together


def test_trend_windows_setting():
    assert parse_config("trend_windows: [13, 5]\n").trend_windows == (5, 13)
    assert parse_config("trend_windows: []\n").trend_windows == ()
    with pytest.raises(ConfigError, match="trend_windows must be whole numbers of days from 2 to 28"):
        parse_config("trend_windows: [1, 5]\n")
