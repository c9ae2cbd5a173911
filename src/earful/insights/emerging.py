"""Emerging issues: reasons whose daily volume rises above what their own history predicts.

For reason r, day t and window w (1, 3, 7 days ending on t), the count x of r in the window is
tested against its share of all contacts in the preceding `baseline_days` (before the window):
    x ~ BetaBinomial(n, q·κ, (1−q)·κ),  q = (x_b + ½)/(n_b + 1),
    1/κ = 1/(n_b + 1) + ρ,  ρ = (φ − 1)/(n̄ − 1)
where n is all contacts in the window (so weekday seasonality and overall volume swings cancel),
x_b/n_b the baseline counts, n̄ the mean daily total and φ ≥ 1 the reason's day-to-day
over-dispersion (Pearson χ²/df over baseline days, shrunk toward the median over reasons).
Beside the windows, a trend test looks for a gradual rise: for each onset τ = t − L + 1 (L in
`trend_windows`, e.g. 3, 5, 8, 13 days) it weighs the days since τ by 1, 2, …, L (the score of a
share growing linearly from τ) against the reason's weekday-adjusted baseline share before τ:
    S = Σ_s w_s x_s,  M = Σ_s w_s e_s,  e_s = n_s · q · f_r(weekday of s),
    V = Σ_s w_s² e_s (1 − q)(1 + (n_s − 1)ρ) + M² (1 − q)/(q (κ + 1)),
    p = P(Poisson(M²/V) ≥ S·M/V)   (S as a Poisson scaled to the variance V: keeps the skew of small counts),
where f_r are the reason's weekday factors in the baseline, shrunk toward 1 by a prior of
`_WEEKDAY_PRIOR` expected contacts per weekday. Per (reason, day) the smallest p-value, Bonferroni-
weighted (windows share 1 − `trend_weight` of the level, trend onsets `trend_weight`), is kept;
these go through Benjamini–Hochberg at level `fdr` across all reasons and days of the period; an
alarm also needs x/E ≥ `min_ratio` (weighted sums for the trend test) and x − E ≥ `min_excess`.
Alarms of one reason less than 4 days apart form one episode, reported on its first day, as a
`new_reason` (baseline share under 5 % of the current share), `spike` (the 1-day test fired with
ratio ≥ 2, and the share did not keep growing through the episode) or `drift` (a slower rise, a
trend-test alarm, or a share still growing by 20 % from the first to the last third of an episode of 5+ days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Sequence

import numpy as np
from scipy import special, stats

_WEEKDAY_PRIOR = 50.0


@dataclass
class Alarm:
    """One emerging-issue episode of a reason."""

    reason: str
    kind: str                 # spike | drift | new_reason
    first_day: date
    last_day: date
    p_value: float
    ratio: float              # observed / expected on the strongest test
    observed: int
    expected: float
    window_days: int
    days: list[date] = field(default_factory=list)
    test: str = "window"      # window | trend: which test gave the strongest first-day alarm


def benjamini_hochberg(p: np.ndarray, fdr: float) -> np.ndarray:
    """Boolean mask of discoveries at false-discovery rate `fdr` (step-up BH)."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p)
    ranked = p[order] <= fdr * np.arange(1, m + 1) / m
    keep = np.zeros(m, dtype=bool)
    if ranked.any():
        k = np.nonzero(ranked)[0].max()
        keep[order[: k + 1]] = True
    return keep


def _bh_cut(p: np.ndarray, fdr: float) -> float:
    """The BH rejection threshold on p-values (0 when nothing is rejected)."""
    m = p.size
    srt = np.sort(p)
    ok = np.nonzero(srt <= fdr * np.arange(1, m + 1) / m)[0]
    return float(srt[ok.max()]) if ok.size else 0.0


def _dispersion(cb: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Per-reason φ from baseline daily counts cb (reasons × days) and totals nb (days)."""
    ok = nb > 0
    cb, nb = cb[:, ok], nb[ok]
    d = nb.size
    if d < 3:
        return np.ones(cb.shape[0])
    q = (cb.sum(1) + 0.5) / (nb.sum() + 1)
    e = q[:, None] * nb[None, :]
    chi = ((cb - e) ** 2 / np.maximum(e * (1 - q[:, None]), 1e-9)).sum(1) / (d - 1)
    # Robust to a past spike in the baseline: drop each reason's largest day contribution.
    big = ((cb - e) ** 2 / np.maximum(e * (1 - q[:, None]), 1e-9)).max(1) / (d - 1)
    chi = np.maximum(chi - big, 0) * (d - 1) / max(d - 2, 1)
    prior = float(np.median(chi)) if chi.size else 1.0
    k = 10.0
    return np.maximum(1.0, ((d - 1) * chi + k * prior) / (d - 1 + k))


def _baseline(counts: np.ndarray, total: np.ndarray, a: int, baseline_days: int
              ) -> tuple[np.ndarray, np.ndarray, int]:
    """Each reason's baseline share q and Beta concentration κ from the `baseline_days` before day
    index `a` (module doc), and how many of those days had contacts."""
    b0 = max(0, a - baseline_days)
    nb_days = total[b0:a]
    cb = counts[:, b0:a]
    xb, nb = cb.sum(1), nb_days.sum()
    q = (xb + 0.5) / (nb + 1)
    phi = _dispersion(cb, nb_days)
    n_hist = int((nb_days > 0).sum())
    nbar = nb / max(n_hist, 1)
    rho = (phi - 1) / max(nbar - 1, 1)
    kappa = 1.0 / (1.0 / (nb + 1) + rho)
    return q, kappa, n_hist


def _weekday_factors(counts: np.ndarray, total: np.ndarray, q: np.ndarray, b0: int, a: int,
                     weekdays: np.ndarray) -> np.ndarray:
    """Reasons × 7 factors on the baseline share by weekday (days b0..a−1), shrunk toward 1 by
    `_WEEKDAY_PRIOR` expected contacts and scaled so the baseline's expected total is unchanged."""
    obs = np.zeros((counts.shape[0], 7))
    exp = np.zeros((counts.shape[0], 7))
    for d in range(7):
        sel = np.nonzero(weekdays[b0:a] == d)[0] + b0
        obs[:, d] = counts[:, sel].sum(1)
        exp[:, d] = q * total[sel].sum()
    f = (obs + _WEEKDAY_PRIOR) / (exp + _WEEKDAY_PRIOR)
    scale = obs.sum(1) / np.maximum((f * exp).sum(1), 1e-12)
    return np.where(obs.sum(1)[:, None] > 0, f * scale[:, None], 1.0)


def trend_p(counts: np.ndarray, total: np.ndarray, weekdays: np.ndarray, onset: int, t: int,
            baseline_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Per reason, the trend test of days onset..t against the baseline before `onset` (module doc):
    (p, weighted ratio S/M, observed and expected counts over the days, baseline days with contacts)."""
    q, kappa, n_hist = _baseline(counts, total, onset, baseline_days)
    b0 = max(0, onset - baseline_days)
    nb = total[b0:onset].sum()
    rho = np.maximum(1.0 / kappa - 1.0 / (nb + 1), 0.0)
    f = _weekday_factors(counts, total, q, b0, onset, weekdays)
    span = np.arange(onset, t + 1)
    w = (span - onset + 1).astype(float)
    e = q[:, None] * total[span][None, :] * f[:, weekdays[span]]
    x = counts[:, span]
    s_obs, m_exp = (x * w).sum(1), (e * w).sum(1)
    v = ((w ** 2) * e * (1 - q[:, None]) * (1 + (total[span][None, :] - 1) * rho[:, None])).sum(1)
    v += m_exp ** 2 * (1 - q) / (q * (kappa + 1))
    v = np.maximum(v, 1e-12)
    mu, y = m_exp ** 2 / v, s_obs * m_exp / v
    p = np.where(s_obs > m_exp, special.gammainc(np.maximum(y, 1e-12), mu), 1.0)
    return p, s_obs / np.maximum(m_exp, 1e-12), x.sum(1), e.sum(1), n_hist


def alarm_rows(counts: np.ndarray, days: list[date], reasons: list[str], *, start: date | None = None,
               end: date | None = None, fdr: float = 0.02, baseline_days: int = 56,
               min_history_days: int = 7, windows: tuple[int, ...] = (1, 3, 7), min_ratio: float = 1.3,
               min_excess: float = 5.0, trend_windows: tuple[int, ...] = (3, 5, 8, 13),
               trend_weight: float = 0.5) -> list[tuple[int, int, int, float, float, float, float]]:
    """The (reason, day, window, p, ratio, observed, expected) tests that raise an alarm for days
    `start`..`end` (one Benjamini–Hochberg family over every reason and day tested there); p is
    Bonferroni-weighted over the tests of its (reason, day). Trend-test rows have window = the days
    since their onset (≥ 2) and are told apart by ``is_trend``."""
    counts = np.asarray(counts, dtype=float)
    total = np.rint(counts.sum(0))  # whole contacts, also when counts are summed posteriors
    n_days = len(days)
    weekdays = np.array([d.weekday() for d in days], dtype=int)
    t0 = 0 if start is None else max(0, (start - days[0]).days)
    t1 = n_days - 1 if end is None else min(n_days - 1, (end - days[0]).days)
    trend_windows = tuple(L for L in trend_windows if L >= 2)
    share = trend_weight if trend_windows else 0.0
    k_win = len(windows) / max(1.0 - share, 1e-12)
    k_trend = len(trend_windows) / share if share > 0 else 0.0
    rows: list[tuple[int, int, int, float, float, float, float]] = []  # r, t, w, p (adjusted), ratio, x, e
    for t in range(t0, t1 + 1):
        if total[t] <= 0:
            continue
        for w in windows:
            a = t - w + 1
            if a < 0:
                continue
            q, kappa, n_hist = _baseline(counts, total, a, baseline_days)
            if n_hist < min_history_days:
                continue
            x = counts[:, a:t + 1].sum(1)
            n = total[a:t + 1].sum()
            e = n * q
            live = (x > 0) & (x >= e) & (counts[:, t] > 0)
            idx = np.nonzero(live)[0]
            if idx.size == 0:
                continue
            p = stats.betabinom.sf(x[idx] - 1, n, q[idx] * kappa[idx], (1 - q[idx]) * kappa[idx])
            for j, r in enumerate(idx):
                rows.append((int(r), t, w, min(1.0, float(p[j]) * k_win), float(x[r] / e[r]), float(x[r]), float(e[r])))
        for L in trend_windows:
            a = t - L + 1
            if a < 0:
                continue
            p, ratio, x, e, n_hist = trend_p(counts, total, weekdays, a, t, baseline_days)
            if n_hist < min_history_days:
                continue
            for r in np.nonzero((p < 1.0) & (counts[:, t] > 0))[0]:
                rows.append((int(r), t, -L, min(1.0, float(p[r]) * k_trend), float(ratio[r]), float(x[r]), float(e[r])))
    if not rows:
        return []
    # One p-value per (reason, day): the smallest over its tests (already Bonferroni-weighted);
    # the BH family is every (reason, day) tested (those that never rise count with p = 1).
    best_p: dict[tuple[int, int], float] = {}
    for r, t, w, p, *_ in rows:
        best_p[(r, t)] = min(best_p.get((r, t), 1.0), p)
    arr = np.array(list(best_p.values()))
    n_tests = len({t for t in range(t0, t1 + 1) if total[t] > 0}) * counts.shape[0]
    padded = np.concatenate([arr, np.ones(max(n_tests - arr.size, 0))])
    cut = _bh_cut(padded, fdr)
    return [row for row in rows if row[3] <= cut and row[4] >= min_ratio and row[5] - row[6] >= min_excess]


def is_trend(row: tuple) -> bool:
    """Whether an ``alarm_rows`` row comes from the trend test (its window is stored negated)."""
    return row[2] < 0


def episodes(rows: list[tuple], counts: np.ndarray, days: list[date], reasons: list[str], *,
             baseline_days: int = 56) -> list[Alarm]:
    """Group alarm rows (``alarm_rows``, possibly of several periods) into one Alarm per episode:
    alarms of a reason less than 4 days apart, reported on the episode's first day."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(0)
    hits: dict[int, list[tuple]] = {}
    for row in rows:
        hits.setdefault(row[0], []).append(row)
    alarms: list[Alarm] = []
    for r, rs in hits.items():
        rs.sort(key=lambda z: (z[1], z[3]))
        groups: list[list[tuple]] = [[rs[0]]]
        for row in rs[1:]:
            if row[1] - groups[-1][-1][1] <= 3:
                groups[-1].append(row)
            else:
                groups.append([row])
        for ep in groups:
            first_t = ep[0][1]
            on_first = [z for z in ep if z[1] == first_t]
            best = min(on_first, key=lambda z: (z[3], abs(z[2])))
            w = abs(best[2])
            a = first_t - w + 1
            b0 = max(0, a - baseline_days)
            base_share = counts[r, b0:a].sum() / max(total[b0:a].sum(), 1)
            now_share = best[5] / max(total[a:first_t + 1].sum(), 1)
            one_day = [z for z in on_first if z[2] == 1]
            if base_share < 0.05 * now_share:
                kind = "new_reason"
            elif one_day and one_day[0][4] >= 2:
                kind = "spike"
            else:
                kind = "drift"
            last_t = ep[-1][1]
            if kind == "spike" and last_t - first_t >= 4:
                # A rise that keeps growing through its episode is a drift, whatever its first day looked like.
                sh = counts[r, first_t:last_t + 1] / np.maximum(total[first_t:last_t + 1], 1)
                k3 = max(1, sh.size // 3)
                if sh[-k3:].mean() > 1.2 * sh[:k3].mean():
                    kind = "drift"
            alarms.append(Alarm(
                reason=reasons[r], kind=kind, first_day=days[first_t], last_day=days[last_t],
                p_value=best[3], ratio=best[4], observed=int(best[5]), expected=best[6],
                window_days=w, days=sorted({days[z[1]] for z in ep}), test="trend" if is_trend(best) else "window"))
    alarms.sort(key=lambda a: (a.first_day, a.p_value))
    return alarms


def detect(counts: np.ndarray, days: list[date], reasons: list[str], *, start: date | None = None,
           end: date | None = None, fdr: float = 0.02, baseline_days: int = 56,
           min_history_days: int = 7, windows: tuple[int, ...] = (1, 3, 7), min_ratio: float = 1.3,
           min_excess: float = 5.0, trend_windows: tuple[int, ...] = (3, 5, 8, 13),
           trend_weight: float = 0.5) -> list[Alarm]:
    """Emerging-issue episodes in a reasons × consecutive-days count matrix (method: module doc;
    ``trend_windows=()`` leaves the trend test out)."""
    rows = alarm_rows(counts, days, reasons, start=start, end=end, fdr=fdr, baseline_days=baseline_days,
                      min_history_days=min_history_days, windows=windows, min_ratio=min_ratio,
                      min_excess=min_excess, trend_windows=trend_windows, trend_weight=trend_weight)
    return episodes(rows, counts, days, reasons, baseline_days=baseline_days)


def expected_band(counts: np.ndarray, days: list[date], reasons: list[str], alarm: Alarm, *,
                  first: date, last: date, baseline_days: int = 56, level: float = 0.9) -> list[dict]:
    """Per day from `first` to `last`: the alarm reason's count, what its baseline share before the
    episode predicted for that day's total (``expected``), and the central `level` range of the same
    beta-binomial (``low``, ``high``): the band the count would stay in had nothing changed."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(0)
    r = reasons.index(alarm.reason)
    a = max(0, (alarm.first_day - days[0]).days - alarm.window_days + 1)
    q, kappa, _ = _baseline(counts, total, a, baseline_days)
    q, kappa = float(q[r]), float(kappa[r])
    out = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        t = (day - days[0]).days
        n = int(round(total[t])) if 0 <= t < len(days) else 0
        x = int(round(counts[r, t])) if 0 <= t < len(days) else 0
        if n > 0:
            dist = stats.betabinom(n, q * kappa, (1 - q) * kappa)
            low, high = (float(v) for v in dist.ppf([(1 - level) / 2, (1 + level) / 2]))
        else:
            low = high = 0.0
        out.append({"day": str(day), "count": x, "expected": round(n * q, 1), "low": low, "high": high})
    return out


def daily_counts(con, start: date | None = None, end: date | None = None
                 ) -> tuple[np.ndarray, list[date], list[str]]:
    """Reasons × days matrix from `_ins_contacts` (history before `start` included; up to `end`)."""
    where = "reason IS NOT NULL" + (f" AND day <= DATE '{end.isoformat()}'" if end else "")
    rows = con.execute(f"SELECT reason, day, count(*) FROM _ins_contacts WHERE {where} GROUP BY 1, 2").fetchall()
    if not rows:
        return np.zeros((0, 0)), [], []
    d0 = min(r[1] for r in rows)
    d1 = max(r[1] for r in rows)
    days = [d0 + timedelta(days=i) for i in range((d1 - d0).days + 1)]
    reasons = sorted({r[0] for r in rows})
    ri = {r: i for i, r in enumerate(reasons)}
    m = np.zeros((len(reasons), len(days)))
    for reason, day, n in rows:
        m[ri[reason], (day - d0).days] = n
    return m, days, reasons


def posterior_counts(con, ids: Sequence[str], classes: Sequence[str], proba: np.ndarray,
                     end: date | None = None) -> tuple[np.ndarray, list[date], list[str]]:
    """Reasons × days like :func:`daily_counts`, counting each contact with a posterior (rows of
    `proba` over `classes`, one per id in `ids`) by its probability of every reason (probabilistic
    classify-and-count) and every other contact by its reason, as before."""
    import pyarrow as pa

    hard, days, reasons = daily_counts(con, end=end)
    if not days:
        return hard, days, reasons
    con.register("_earful_posterior_ids", pa.table({"id": list(ids), "row": np.arange(len(ids))}))
    try:
        rows = con.execute("SELECT c.reason, c.day, p.row FROM _ins_contacts c "
                           "LEFT JOIN _earful_posterior_ids p ON p.id = c.id "
                           "WHERE c.reason IS NOT NULL" + (f" AND c.day <= DATE '{end.isoformat()}'" if end else "")
                           ).fetchall()
    finally:
        con.unregister("_earful_posterior_ids")
    names = list(dict.fromkeys([*map(str, classes), *(r[0] for r in rows if r[2] is None)]))
    ri = {r: i for i, r in enumerate(names)}
    m = np.zeros((len(names), len(days)))
    t = np.array([(r[1] - days[0]).days for r in rows], dtype=int)
    soft = np.array([r[2] is not None for r in rows], dtype=bool)
    if soft.any():
        k = np.array([r[2] for r in rows if r[2] is not None], dtype=int)
        np.add.at(m[: len(classes)].T, t[soft], np.asarray(proba, dtype=float)[k])
    np.add.at(m, (np.array([ri[r[0]] for r in rows if r[2] is None], dtype=int), t[~soft]), 1.0)
    order = np.argsort(names, kind="stable")
    return m[order], days, [names[i] for i in order]
