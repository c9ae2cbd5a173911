"""Emerging-issue detection on generated daily counts: planted events on the right day, few false alarms."""

from __future__ import annotations

import numpy as np
import pytest
from _insights import count_matrix

from earful.insights import benjamini_hochberg, detect

EVENTS = {
    3: lambda t: 5.0 if t in (45, 46) else 1.0,              # spike: ×5 on days 45–46
    8: lambda t: 1 + 2 * min(max(t - 35, 0), 14) / 14,       # drift: ×1 → ×3 over days 35–49
    12: lambda t: 0.0 if t < 50 else 1.0,                     # new reason from day 50
}


def test_benjamini_hochberg_step_up():
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.011])
    # sorted 0.01, 0.011, 0.03, 0.04, 0.2 vs 0.01, 0.02, 0.03, 0.04, 0.05: the 4 smallest pass (step-up).
    assert benjamini_hochberg(p, 0.05).tolist() == [True, True, True, False, True]
    assert not benjamini_hochberg(np.array([0.5, 0.9]), 0.05).any()


@pytest.mark.parametrize("seed", [101, 102, 103, 104])
def test_planted_events_found_on_their_day(seed):
    counts, days, reasons = count_matrix(seed, events=EVENTS, dispersion=0.02)
    alarms = detect(counts, days, reasons, start=days[30])
    first = {}
    for a in alarms:
        first.setdefault(a.reason, a)
    spike, new, drift = first.get("reason_03"), first.get("reason_12"), first.get("reason_08")
    assert spike and (spike.first_day - days[45]).days in (0, 1) and spike.kind == "spike"
    assert new and (new.first_day - days[50]).days in (0, 1) and new.kind == "new_reason"
    # The drift is ×1.14 on its first day: found within 10 days of its start, before it ends.
    assert drift and 0 <= (drift.first_day - days[35]).days <= 10
    false = [a for a in alarms if a.reason not in ("reason_03", "reason_08", "reason_12")]
    assert len(false) <= 2


def test_stationary_series_false_alarm_rate():
    """Over-dispersed stationary months with weekday seasonality: well under one alarm per month."""
    months = 12
    alarms = 0
    for seed in range(months):
        counts, days, reasons = count_matrix(seed, dispersion=0.02)
        alarms += len(detect(counts, days, reasons, start=days[30]))
    assert alarms / months <= 0.35


def test_centre_wide_volume_jump_is_not_an_issue():
    """Every reason doubling at once (a marketing mailing, a holiday) moves no reason's share."""
    jump = {r: (lambda t: 2.0 if t >= 40 else 1.0) for r in range(40)}
    counts, days, reasons = count_matrix(7, events=jump)
    assert detect(counts, days, reasons, start=days[30]) == []
