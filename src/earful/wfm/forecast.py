"""Interval forecasts of volume and handle time, with prediction intervals, per queue and channel.

The default model (``mstl``) forecasts in two levels, as workforce planners do:

1. **Daily volume**: statsforecast's MSTL (weekly season of 7 days, an AutoETS trend) on
   log(1 + contacts per day), so a level that moves week to week is followed and weekday effects
   scale with it. Holidays and special days in the history are first replaced by what they would
   have been (the mean of the same weekday in the nearest ordinary weeks), so they neither bend the
   trend nor the weekly season; their own multiplier (actual ÷ that baseline) is kept.
2. **Intraday curve**: each weekday's share of its day per interval (recent weeks weigh more,
   half-life ``half_life_weeks``); weekdays whose curves are alike (total-variation distance below
   ``curve_distance``, e.g. Monday to Friday in most centres) share one curve, which pools weeks of
   data into every interval's share. Interval volume = day volume × share.

``mstl_interval`` is MSTL used directly on the interval series (daily and weekly seasons), and two
baselines complete the set: ``seasonal_naive`` (the same interval one week earlier) and ``whi``, the
weighted historical index of WFM suites (same weekday of the last four weeks weighted 4:3:2:1 for
the day's volume and for its intraday shares).

Prediction intervals: the day's volume carries MSTL's own interval (log scale); each interval adds
its share's noise, Poisson times an over-dispersion factor measured on the history's ordinary days:
Var = (share × day)² × (e^σ² − 1) + φ × mean, normal quantiles, clipped at 0.

Handle time per interval: the day type's handle time in that interval over the history (answered-
weighted, recent weeks weighing more), shrunk towards the day type's mean where few contacts were
answered: AHT = (H + k·m) ÷ (A + k), k = 10 contacts.

Back-tests are rolling-origin: each origin trains on the days before it and forecasts the next
``horizon_days``; wMAPE = Σ|actual − forecast| ÷ Σ actual; MASE = mean |actual − forecast| ÷ the
history's mean |y(t) − y(t − 1 week)| (the in-sample weekly seasonal-naive error); coverage = share
of actuals inside the 80 % and 95 % intervals; AHT error = Σ answered × |AHT forecast − actual| ÷
Σ answered × actual.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from earful.errors import InputError
from earful.wfm.calendar import DayLabel, HolidayCalendar, SpecialDay, label_days
from earful.wfm.history import Series

__all__ = ["MODELS", "Forecast", "Forecaster", "backtest", "BacktestResult"]

MODELS: dict[str, str] = {
    "mstl": "daily volume by MSTL (weekly season) × intraday curves by day type",
    "mstl_interval": "MSTL with daily and weekly seasons on the interval series",
    "seasonal_naive": "the same interval one week earlier",
    "whi": "weighted historical index: same weekday of the last 4 weeks, weights 4:3:2:1",
}
_Z = {80: 1.2815515655446004, 95: 1.959963984540054}
_WHI_WEIGHTS = (4.0, 3.0, 2.0, 1.0)
_AHT_PRIOR = 10.0


@dataclass
class Forecast:
    """Per interval from ``start``: expected contacts, the 80 % and 95 % prediction intervals, AHT (s),
    and the holiday or special day that shaped it. ``model``: which of ``MODELS``."""

    queue: str
    channel: str
    interval_s: int
    start: datetime
    volume: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    aht_s: np.ndarray
    special: list[str | None]
    model: str
    notes: list[str] = field(default_factory=list)
    day_sd: np.ndarray | None = None  # per day: standard deviation of the day's total

    @property
    def per_day(self) -> int:
        return 86400 // self.interval_s

    def day_totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per day: expected contacts and the 80 % range of the day's total (not the sum of the
        intervals' ranges, which would overstate it)."""
        vol = self.volume.reshape(-1, self.per_day).sum(axis=1)
        sd = self.day_sd if self.day_sd is not None else np.zeros_like(vol)
        return vol, np.clip(vol - _Z[80] * sd, 0, None), vol + _Z[80] * sd

    def starts(self) -> list[datetime]:
        step = timedelta(seconds=self.interval_s)
        return [self.start + i * step for i in range(len(self.volume))]

    def scaled(self, volume: float = 1.0, aht: float = 1.0) -> "Forecast":
        """What-if: every volume (and its interval) times ``volume``, every AHT times ``aht``."""
        return Forecast(self.queue, self.channel, self.interval_s, self.start, self.volume * volume,
                        self.lo80 * volume, self.hi80 * volume, self.lo95 * volume, self.hi95 * volume,
                        self.aht_s * aht, list(self.special), self.model, list(self.notes),
                        None if self.day_sd is None else self.day_sd * volume)

    def rows(self) -> list[dict[str, Any]]:
        def num(v: float) -> float | None:
            return None if not np.isfinite(v) else round(float(v), 3)

        return [{"queue": self.queue, "channel": self.channel, "interval_start": t.isoformat(sep=" "),
                 "volume": num(self.volume[i]), "volume_lo80": num(self.lo80[i]), "volume_hi80": num(self.hi80[i]),
                 "volume_lo95": num(self.lo95[i]), "volume_hi95": num(self.hi95[i]), "aht_s": num(self.aht_s[i]),
                 "special": self.special[i]} for i, t in enumerate(self.starts())]


class Forecaster:
    """Fit on one ``Series`` (its whole history), then ``predict(days)`` for the days that follow.

    model: one of ``MODELS``; holidays: the queue's ``HolidayCalendar``; special_days: the planner's
    ``SpecialDay`` list (those for other queues are ignored); curve_distance and half_life_weeks:
    see the module's description.
    """

    def __init__(self, model: str = "mstl", *, holidays: HolidayCalendar | None = None,
                 special_days: Sequence[SpecialDay] = (), curve_distance: float = 0.15,
                 half_life_weeks: float = 4.0) -> None:
        if model not in MODELS:
            raise InputError(f"unknown forecast model {model!r} (one of {', '.join(MODELS)})")
        self.model = model
        self.holidays = holidays
        self.special_days = tuple(special_days)
        self.curve_distance = curve_distance
        self.half_life_weeks = half_life_weeks

    # ------------------------------------------------------------------------------------ fit
    def fit(self, series: Series) -> "Forecaster":
        per_day, days = series.per_day, series.days
        if days < 14 and self.model in ("mstl", "mstl_interval", "seasonal_naive", "whi"):
            raise InputError(f"{series.queue}: {days} days of history; a forecast needs at least two full weeks")
        y = np.nan_to_num(series.offered.reshape(days, per_day))
        self.series_ = series
        self.per_day_ = per_day
        self.labels_ = label_days(series.first_day, days, series.queue, self.holidays, self.special_days)
        totals = y.sum(axis=1)
        ordinary = np.array([lab is None for lab in self.labels_])
        weekday = np.array([(series.first_day + timedelta(days=k)).weekday() for k in range(days)])
        baseline = totals.copy()
        for k, lab in enumerate(self.labels_):
            if lab is not None:
                baseline[k] = self._baseline_day(totals, ordinary, weekday, k)
        self.multipliers_ = self._learn_multipliers(totals, baseline)
        self.daily_clean_ = np.where(ordinary, totals, baseline)
        self.y_ = y
        self.ordinary_ = ordinary
        self.weekday_ = weekday
        age_weeks = (days - 1 - np.arange(days)) / 7.0
        self.recency_ = 0.5 ** (age_weeks / self.half_life_weeks)
        self.curves_, self.day_type_ = self._curves(y, totals, ordinary, weekday)
        self.holiday_curve_ = self._holiday_curve(y, totals)
        self.dispersion_ = self._dispersion(y, totals, ordinary, weekday)
        self.aht_ = self._aht_table(series, ordinary, weekday)
        return self

    @staticmethod
    def _baseline_day(totals, ordinary, weekday, k) -> float:
        """What an unusual day k would have had: the mean of the same weekday's ordinary days in the
        nearest weeks (up to two each side), else of all ordinary days of that weekday."""
        same = np.flatnonzero(ordinary & (weekday == weekday[k]))
        if same.size == 0:
            return float(totals[k])
        near = same[np.argsort(np.abs(same - k), kind="stable")][:4]
        return float(totals[near].mean())

    def _learn_multipliers(self, totals, baseline) -> dict[tuple[str, str], float]:
        """Per (kind, name) the median of actual ÷ baseline over the history's days of it; holidays
        all share one multiplier (kind, '*') as well, for a holiday that has not been seen yet."""
        ratios: dict[tuple[str, str], list[float]] = {}
        for k, lab in enumerate(self.labels_):
            if lab is None or baseline[k] <= 0:
                continue
            r = float(totals[k] / baseline[k])
            ratios.setdefault((lab.kind, lab.name), []).append(r)
            if lab.kind == "holiday":
                ratios.setdefault(("holiday", "*"), []).append(r)
        return {key: float(np.median(v)) for key, v in ratios.items()}

    def multiplier(self, label: DayLabel) -> float:
        """The volume multiplier of a labelled future day: the planner's, else the history's, else (a
        holiday never seen) the history's holidays', else 1 with a note."""
        if label.multiplier is not None:
            return float(label.multiplier)
        m = self.multipliers_.get((label.kind, label.name))
        if m is None and label.kind == "holiday":
            m = self.multipliers_.get(("holiday", "*"))
        if m is None:
            note = (f"{label.kind} {label.name!r}: no multiplier given and none in the history; forecast as an "
                    "ordinary day")
            if note not in self._notes:
                self._notes.append(note)
            return 1.0
        return m

    def _weights(self, sel: np.ndarray, totals: np.ndarray) -> np.ndarray:
        return np.where(sel, self.recency_ * totals, 0.0)

    def _curves(self, y, totals, ordinary, weekday) -> tuple[dict[int, np.ndarray], dict[int, int]]:
        """Intraday curves: per weekday, then weekdays with alike curves merged (largest first)."""
        own: dict[int, tuple[np.ndarray, float]] = {}
        for wd in range(7):
            sel = ordinary & (weekday == wd) & (totals > 0)
            w = self._weights(sel, totals)
            if w.sum() > 0:
                curve = (y[sel] / totals[sel, None] * w[sel, None]).sum(axis=0) / w[sel].sum()
                own[wd] = (curve, float(totals[sel].sum()))
        groups: list[list[int]] = []
        for wd in sorted(own, key=lambda d: -own[d][1]):
            for g in groups:
                rep = self._merge(own, g)
                if 0.5 * np.abs(rep - own[wd][0]).sum() < self.curve_distance:
                    g.append(wd)
                    break
            else:
                groups.append([wd])
        curves, day_type = {}, {}
        for i, g in enumerate(groups):
            curves[i] = self._smooth(self._merge(own, g), sum(own[d][1] for d in g))
            for wd in g:
                day_type[wd] = i
        if not curves:  # no ordinary day with contacts: a flat curve
            curves[0] = np.full(self.per_day_, 1.0 / self.per_day_)
        for wd in range(7):  # a weekday never open in the history takes the busiest type's curve
            day_type.setdefault(wd, 0)
        return curves, day_type

    SMOOTH = 8.0  # pseudo-contacts per interval

    def _smooth(self, curve: np.ndarray, contacts: float) -> np.ndarray:
        """Shares estimated from few contacts lean towards their neighbours' (a 1-2-1 average):
        (n·share + κ·neighbours') ÷ (n + κ), n the contacts behind the curve, κ = 8 per interval."""
        kappa = self.SMOOTH * self.per_day_
        if kappa <= 0:
            return curve
        nb = np.convolve(np.pad(curve, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
        nb = np.where(curve > 0, nb, 0.0)  # a closed interval stays closed
        nb = nb / nb.sum() if nb.sum() > 0 else curve
        return (contacts * curve + kappa * nb) / (contacts + kappa)

    @staticmethod
    def _merge(own, group) -> np.ndarray:
        vols = np.array([own[d][1] for d in group])
        return (np.array([own[d][0] for d in group]) * vols[:, None]).sum(axis=0) / vols.sum()

    def _holiday_curve(self, y, totals) -> np.ndarray | None:
        sel = np.array([lab is not None and lab.kind == "holiday" for lab in self.labels_]) & (totals > 0)
        if not sel.any():
            return None
        return y[sel].sum(axis=0) / totals[sel].sum()

    def _curve_of(self, k: int, wd: int, label: DayLabel | None) -> np.ndarray:
        if label is not None and label.kind == "holiday" and self.holiday_curve_ is not None:
            return self.holiday_curve_
        return self.curves_[self.day_type_[wd]]

    def _dispersion(self, y, totals, ordinary, weekday) -> float:
        """φ = Σ (y − day × share)² ÷ Σ day × share over ordinary days (1 = Poisson)."""
        mu = np.array([totals[k] * self.curves_[self.day_type_[weekday[k]]] for k in range(len(totals))])
        sel = ordinary & (totals > 0)
        if not sel.any() or mu[sel].sum() <= 0:
            return 1.0
        return float(np.clip(((y[sel] - mu[sel]) ** 2).sum() / mu[sel].sum(), 1.0, 50.0))

    def _aht_table(self, s: Series, ordinary, weekday) -> dict[int, np.ndarray] | None:
        if np.all(np.isnan(s.handle_s)) or np.all(np.isnan(s.answered)):
            return None
        h = np.nan_to_num(s.handle_s.reshape(-1, self.per_day_))
        a = np.nan_to_num(s.answered.reshape(-1, self.per_day_))
        out = {}
        for t in set(self.day_type_.values()):
            sel = np.array([self.day_type_[wd] == t for wd in weekday]) & ordinary
            if not sel.any():
                sel = ordinary.copy()
            w = self.recency_[sel, None]
            hh, aa = (h[sel] * w).sum(axis=0), (a[sel] * w).sum(axis=0)
            mean = hh.sum() / aa.sum() if aa.sum() > 0 else np.nan
            out[t] = (hh + _AHT_PRIOR * mean) / (aa + _AHT_PRIOR)
        return out

    # ------------------------------------------------------------------------------------ predict
    def predict(self, days: int = 7) -> Forecast:
        """The ``days`` days after the history's last day."""
        if days < 1:
            raise InputError("the horizon must be at least one day")
        s = self.series_
        self._notes: list[str] = []
        first = s.first_day + timedelta(days=s.days)
        labels = label_days(first, days, s.queue, self.holidays, self.special_days)
        weekdays = [(first + timedelta(days=k)).weekday() for k in range(days)]
        fn = {"mstl": self._predict_mstl, "mstl_interval": self._predict_mstl_interval,
              "seasonal_naive": self._predict_seasonal_naive, "whi": self._predict_whi}[self.model]
        self._day_sd: np.ndarray | None = None
        vol, lo80, hi80, lo95, hi95 = fn(days, labels, weekdays)
        aht = self._predict_aht(days, labels, weekdays)
        special = [None if lab is None else f"{lab.kind}: {lab.name}" for lab in labels]
        day_sd = self._day_sd
        if day_sd is None:  # intervals taken as independent: the day's variance is the sum of theirs
            sd = (hi80 - vol) / _Z[80]
            day_sd = np.sqrt((sd ** 2).reshape(days, self.per_day_).sum(axis=1))
        return Forecast(s.queue, s.channel, s.interval_s, datetime.combine(first, datetime.min.time()),
                        vol, lo80, hi80, lo95, hi95, aht, [sp for sp in special for _ in range(self.per_day_)],
                        self.model, self._notes, day_sd)

    def _day_multipliers(self, labels) -> np.ndarray:
        return np.array([1.0 if lab is None else self.multiplier(lab) for lab in labels])

    def _daily_mstl(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Median day volume and its log-scale standard deviation per future day."""
        from statsforecast.models import MSTL, AutoETS

        z = np.log1p(self.daily_clean_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = MSTL(season_length=7, trend_forecaster=AutoETS(model="ZZN")).forecast(y=z, h=days, level=[80])
        mean = np.asarray(r["mean"], dtype=float)
        sd = np.maximum((np.asarray(r["hi-80"], dtype=float) - mean) / _Z[80], 0.0)
        return np.expm1(mean).clip(min=0.0), sd

    def _intervals(self, mean: np.ndarray, day_part_sd: np.ndarray) -> tuple[np.ndarray, ...]:
        var = day_part_sd ** 2 + self.dispersion_ * mean
        sd = np.sqrt(var)
        return tuple(np.clip(mean + sign * _Z[level] * sd, 0.0, None)
                     for level in (80, 95) for sign in (-1, 1))  # type: ignore[return-value]

    def _predict_mstl(self, days, labels, weekdays):
        day_mean, day_sd = self._daily_mstl(days)
        mult = self._day_multipliers(labels)
        vol, part_sd = [], []
        for k in range(days):
            curve = self._curve_of(k, weekdays[k], labels[k])
            d = day_mean[k] * mult[k]
            vol.append(d * curve)
            part_sd.append(d * curve * np.sqrt(np.expm1(day_sd[k] ** 2)))
        vol, part_sd = np.concatenate(vol), np.concatenate(part_sd)
        lo80, hi80, lo95, hi95 = self._intervals(vol, part_sd)
        days_vol = day_mean * mult  # the day-level part moves every interval of the day together
        self._day_sd = np.sqrt((days_vol * np.sqrt(np.expm1(day_sd ** 2))) ** 2 + self.dispersion_ * days_vol)
        return vol, lo80, hi80, lo95, hi95

    def _clean_intervals(self) -> np.ndarray:
        """The interval history with unusual days replaced by their baseline day × that weekday's curve."""
        y = self.y_.copy()
        for k, lab in enumerate(self.labels_):
            if lab is not None:
                y[k] = self.daily_clean_[k] * self.curves_[self.day_type_[self.weekday_[k]]]
        return y.ravel()

    def _predict_mstl_interval(self, days, labels, weekdays):
        from statsforecast.models import MSTL, AutoETS

        p = self.per_day_
        z = np.log1p(self._clean_intervals())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = MSTL(season_length=[p, 7 * p], trend_forecaster=AutoETS(model="ZZN")).forecast(
                y=z, h=days * p, level=[80, 95])
        mult = np.repeat(self._day_multipliers(labels), p)
        out = [np.expm1(np.asarray(r[key], dtype=float)).clip(min=0.0) * mult
               for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95")]
        return tuple(out)

    def _predict_seasonal_naive(self, days, labels, weekdays):
        p = self.per_day_
        last = self.y_[-7:].ravel()
        vol = np.resize(last, days * p).astype(float)
        # its interval: the spread of the history's own week-on-week differences
        y = self.y_.ravel()
        diffs = y[7 * p:] - y[:-7 * p]
        sd = float(np.std(diffs)) if diffs.size else 0.0
        return (vol, np.clip(vol - _Z[80] * sd, 0, None), vol + _Z[80] * sd,
                np.clip(vol - _Z[95] * sd, 0, None), vol + _Z[95] * sd)

    def _predict_whi(self, days, labels, weekdays):
        """Day volume and intraday shares: same weekday's ordinary days, the last four weighted 4:3:2:1."""
        totals = self.y_.sum(axis=1)
        mult = self._day_multipliers(labels)
        vol = []
        for k in range(days):
            same = np.flatnonzero(self.ordinary_ & (self.weekday_ == weekdays[k]))[::-1][:len(_WHI_WEIGHTS)]
            if same.size == 0:
                vol.append(np.zeros(self.per_day_))
                continue
            w = np.array(_WHI_WEIGHTS[:same.size])
            day = float((totals[same] * w).sum() / w.sum())
            shares = np.array([self.y_[j] / totals[j] if totals[j] > 0 else np.zeros(self.per_day_) for j in same])
            wsh = w * (totals[same] > 0)
            curve = (shares * wsh[:, None]).sum(axis=0) / wsh.sum() if wsh.sum() > 0 else np.zeros(self.per_day_)
            vol.append(day * mult[k] * curve)
        vol = np.concatenate(vol)
        lo80, hi80, lo95, hi95 = self._intervals(vol, np.zeros_like(vol))
        return vol, lo80, hi80, lo95, hi95

    def _predict_aht(self, days, labels, weekdays) -> np.ndarray:
        if self.aht_ is None:
            return np.full(days * self.per_day_, np.nan)
        if self.model == "seasonal_naive":
            s = self.series_
            h = s.handle_s.reshape(-1, self.per_day_)[-7:].ravel()
            a = s.answered.reshape(-1, self.per_day_)[-7:].ravel()
            with np.errstate(divide="ignore", invalid="ignore"):
                last = np.where(a > 0, h / a, np.nan)
            return np.resize(last, days * self.per_day_)
        return np.concatenate([self.aht_[self.day_type_[wd]] for wd in weekdays])


def forecast_series(series: Series, days: int = 7, **kw) -> Forecast:
    """Fit a ``Forecaster(**kw)`` on ``series`` and forecast the ``days`` after it."""
    return Forecaster(**kw).fit(series).predict(days)


# ---------------------------------------------------------------------------------------- back-test
@dataclass
class BacktestResult:
    """rows: one dict per (queue, channel, origin, model) with wmape, mase, coverage80, coverage95,
    aht_error, actual and abs_error (contacts) and scale (the MASE denominator × intervals).
    pooled(model): the same measures over every row of the model (sums over sums)."""

    rows: list[dict[str, Any]]
    horizon_days: int

    def pooled(self, model: str, queue: str | None = None) -> dict[str, float]:
        rs = [r for r in self.rows if r["model"] == model and (queue is None or r["queue"] == queue)]
        if not rs:
            raise InputError(f"no back-test rows for model {model}" + (f" and queue {queue}" if queue else ""))
        actual = sum(r["actual"] for r in rs)
        err = sum(r["abs_error"] for r in rs)
        scale = sum(r["scale"] for r in rs)
        n = sum(r["intervals"] for r in rs)
        aht_w = sum(r["aht_weight"] for r in rs)
        return {"wmape": err / actual if actual else float("nan"), "mase": err / scale if scale else float("nan"),
                "coverage80": sum(r["coverage80"] * r["intervals"] for r in rs) / n,
                "coverage95": sum(r["coverage95"] * r["intervals"] for r in rs) / n,
                "aht_error": (sum(r["aht_abs"] for r in rs) / aht_w) if aht_w else float("nan"),
                "actual": actual, "origins": len({r["origin"] for r in rs})}

    def models(self) -> list[str]:
        return list(dict.fromkeys(r["model"] for r in self.rows))


def _origins(series: Series, origins: Sequence[date] | None, folds: int, horizon_days: int) -> list[int]:
    if origins:
        out = []
        for o in origins:
            k = (o - series.first_day).days
            if k < 14 or k + horizon_days > series.days:
                raise InputError(f"origin {o}: needs two weeks of history before it and {horizon_days} days after "
                                 f"(the history runs {series.first_day} to {series.day(series.days - 1)})")
            out.append(k)
        return out
    last = series.days - horizon_days
    out = [last - 7 * i for i in range(folds) if last - 7 * i >= 14]
    if not out:
        raise InputError(f"{series.queue}: {series.days} days of history; a back-test needs at least "
                         f"{14 + horizon_days}")
    return sorted(out)


def backtest(series_list: Sequence[Series], *, models: Sequence[str] = tuple(MODELS), origins: Sequence[date] | None = None,
             folds: int = 3, horizon_days: int = 7, holidays: dict[str, HolidayCalendar] | HolidayCalendar | None = None,
             special_days: Sequence[SpecialDay] = (), **kw) -> BacktestResult:
    """Rolling-origin back-test of every model on every series (see the module's description).

    origins: the first forecast day of each fold (default: the last ``folds`` whole horizons, a week
    apart); holidays: one calendar, or one per queue.
    """
    rows = []
    for s in series_list:
        cal = holidays.get(s.queue) if isinstance(holidays, dict) else holidays
        for k in _origins(s, origins, folds, horizon_days):
            train, test = s.cut(0, k), s.cut(k, k + horizon_days)
            p = s.per_day
            y_train = np.nan_to_num(train.offered)
            scale = float(np.mean(np.abs(y_train[7 * p:] - y_train[:-7 * p])))
            actual = np.nan_to_num(test.offered)
            with np.errstate(divide="ignore", invalid="ignore"):
                aht_actual = np.where(test.answered > 0, test.handle_s / test.answered, np.nan)
            for model in models:
                f = Forecaster(model, holidays=cal, special_days=special_days, **kw).fit(train).predict(horizon_days)
                err = np.abs(actual - f.volume)
                inside = lambda lo, hi: float(np.mean((actual >= np.floor(lo)) & (actual <= np.ceil(hi))))  # noqa: E731
                w = np.nan_to_num(test.answered)
                ok = np.isfinite(aht_actual) & np.isfinite(f.aht_s) & (w > 0)
                rows.append({
                    "queue": s.queue, "channel": s.channel, "origin": s.day(k), "model": model,
                    "intervals": int(actual.size), "actual": float(actual.sum()), "abs_error": float(err.sum()),
                    "scale": scale * actual.size,
                    "wmape": float(err.sum() / actual.sum()) if actual.sum() else float("nan"),
                    "mase": float(err.mean() / scale) if scale else float("nan"),
                    "coverage80": inside(f.lo80, f.hi80), "coverage95": inside(f.lo95, f.hi95),
                    "aht_abs": float((w[ok] * np.abs(f.aht_s[ok] - aht_actual[ok])).sum()),
                    "aht_weight": float((w[ok] * aht_actual[ok]).sum()),
                    "aht_error": (float((w[ok] * np.abs(f.aht_s[ok] - aht_actual[ok])).sum() / (w[ok] * aht_actual[ok]).sum())
                                  if ok.any() else float("nan")),
                })
    return BacktestResult(rows, horizon_days)
