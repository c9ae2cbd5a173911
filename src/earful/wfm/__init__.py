"""Workforce planning: interval forecasts of volume and handle time, the requirement they make,
and shift schedules that cover it at the least paid hours, checked by simulation.

``history`` (what happened, from contacts or interval reports), ``Forecaster`` and ``backtest``
(``earful.wfm.forecast``), ``HolidayCalendar`` and ``SpecialDay`` (``earful.wfm.calendar``).
"""

from earful.wfm.calendar import HolidayCalendar, SpecialDay
from earful.wfm.forecast import MODELS, BacktestResult, Forecast, Forecaster, backtest
from earful.wfm.history import Series, history

__all__ = ["MODELS", "BacktestResult", "Forecast", "Forecaster", "HolidayCalendar", "Series", "SpecialDay",
           "backtest", "history"]
