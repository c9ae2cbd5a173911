"""Key drivers: which contact features move CSAT (or the 0–10 recommend score), by how much, how surely.

One ordinary least-squares regression over the rated contacts, so each effect is "other things
equal": waiting on a call or chat (per minute, up to 10), waiting for a written reply (per hour, up to
48), handle time (per minute, up to 30), a transfer, a repeat
contact within 7 days, a matter left open by the agent, the customer's end sentiment (per half
point), each QA item failed (items failed at least ``min_cases`` times among rated contacts), and
each common contact reason (against all other reasons). Intervals are 95 % with heteroskedasticity-
robust (HC3) standard errors; an interval that crosses zero is reported as "no clear effect".
Effects are ranked by their size times the feature's spread (what it moves across the contacts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np

from earful.errors import InputError
from earful.quality.summary import period_condition


@dataclass
class Driver:
    feature: str
    label: str
    kind: str               # binary | per_unit
    effect: float           # change in the score for the feature (or per unit)
    low: float
    high: float
    cases: int              # contacts with the feature (binary) or rated contacts (per unit)
    importance: float       # |effect| × standard deviation of the feature
    clear: bool             # the interval excludes zero
    words: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DriverResult:
    target: str
    n: int
    r2: float
    mean: float
    drivers: list[Driver]

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "n": self.n, "r2": self.r2, "mean": self.mean,
                "drivers": [d.as_dict() for d in self.drivers]}


def _ols_hc3(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, HC3 standard errors and R² of y on X (X holds the intercept column)."""
    xtx_inv = np.linalg.pinv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    w = (e / np.clip(1 - h, 1e-6, None)) ** 2
    cov = xtx_inv @ (X.T * w) @ X @ xtx_inv
    r2 = 1 - (e @ e) / max(((y - y.mean()) ** 2).sum(), 1e-12)
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), float(r2)


def key_drivers(con: duckdb.DuckDBPyConnection, target: str = "csat", start: date | None = None, end: date | None = None,
                *, min_cases: int = 15, max_reasons: int = 12) -> DriverResult:
    """The drivers of ``target`` (csat or nps) over rated contacts in [start, end]."""
    from earful.surveys.predict import OPEN_PHRASES, features_sql
    from earful.quality.detectors import PhraseSet, normalise

    if target not in ("csat", "nps"):
        raise InputError("key drivers are for csat or nps")
    cond = ["i.id IN (SELECT related_id FROM interactions WHERE channel = 'survey' AND {t} IS NOT NULL)".format(t=target)]
    period, params = period_condition(start, end, "coalesce(i.offered_at, i.answered_at, i.ended_at)")
    cond.append(period)
    table = con.sql(features_sql(con, "AND " + " AND ".join(cond)), params=params or None).to_arrow_table()
    score = dict(con.execute(f"SELECT related_id, avg({target}) FROM interactions WHERE channel = 'survey' "
                             f"AND {target} IS NOT NULL AND related_id IS NOT NULL GROUP BY 1").fetchall())
    cols = table.to_pydict()
    n = len(cols["id"])
    if n < 30:
        raise InputError(f"only {n} rated contacts: too few for key drivers (needs 30)")
    y = np.array([score[i] for i in cols["id"]], dtype=float)
    num = lambda k: np.array([np.nan if v is None else float(v) for v in cols[k]])  # noqa: E731
    feats: list[tuple[str, str, str, np.ndarray]] = []  # (name, label, kind, values)
    wait = num("wait_s")
    live = np.array([c in ("voice", "chat") for c in cols["channel"]])
    if (np.isfinite(wait) & live).sum() >= 30:
        feats.append(("wait_min", "each extra minute of waiting on a call or chat", "per_unit",
                      np.where(live, np.clip(np.nan_to_num(wait) / 60, 0, 10), 0.0)))
    if (np.isfinite(wait) & ~live).sum() >= 30:
        feats.append(("wait_h", "each extra hour before a written reply", "per_unit",
                      np.where(~live, np.clip(np.nan_to_num(wait) / 3600, 0, 48), 0.0)))
    handle = num("handle_s") / 60
    if np.isfinite(handle).sum() >= 30:
        feats.append(("handle_min", "each extra minute of handling", "per_unit", np.clip(np.nan_to_num(handle), 0, 30)))
    feats.append(("transferred", "a transfer", "binary", np.array([bool(v) for v in cols["transferred"]], float)))
    rep = [v for v in cols["repeat"]]
    if any(v is not None for v in rep):
        feats.append(("repeat", "a repeat contact within 7 days", "binary", np.array([bool(v) for v in rep], float)))
    opened = PhraseSet(OPEN_PHRASES, 100)
    feats.append(("left_open", "the agent leaving the matter open", "binary",
                  np.array([opened.find(normalise(t)) is not None for t in cols["agent_text"]], float)))
    end_s = num("end_sentiment")
    if np.isfinite(end_s).sum() >= 30:
        feats.append(("end_sentiment", "each half point of better end sentiment", "per_unit", np.nan_to_num(end_s) * 2))
    fails: dict[str, int] = {}
    for fs in cols["qa_fails"]:
        for f in fs or ():
            fails[f] = fails.get(f, 0) + 1
    for item, k in sorted(fails.items()):
        if k >= min_cases:
            feats.append((f"qa:{item}", f"the agent missing QA item '{item}'", "binary",
                          np.array([item in (fs or ()) for fs in cols["qa_fails"]], float)))
    reasons: dict[str, int] = {}
    for r in cols["reason"]:
        if r:
            reasons[r] = reasons.get(r, 0) + 1
    for r, k in sorted(reasons.items(), key=lambda x: -x[1])[:max_reasons]:
        if min_cases <= k <= n - min_cases:
            feats.append((f"reason:{r}", f"a contact about {r.replace('_', ' ')} (against other reasons)", "binary",
                          np.array([v == r for v in cols["reason"]], float)))
    feats = [f for f in feats if f[3].std() > 0]
    X = np.column_stack([np.ones(n)] + [f[3] for f in feats])
    beta, se, r2 = _ols_hc3(X, y)
    from earful.quality.stats import t975

    tq = t975(max(1, n - X.shape[1]))
    unit = "CSAT points" if target == "csat" else "points on the 0–10 recommend scale"
    out = []
    for k, (name, label, kind, x) in enumerate(feats, start=1):
        b, s = float(beta[k]), float(se[k])
        lo, hi = b - tq * s, b + tq * s
        clear = lo > 0 or hi < 0
        cases = int(x.sum()) if kind == "binary" else int(n)
        verb = "costs" if b < 0 else "adds"
        if clear:
            words = f"{label[0].upper() + label[1:]} {verb} {abs(b):.2f} {unit} (95 % interval {abs(hi if b < 0 else lo):.2f} to {abs(lo if b < 0 else hi):.2f})."
        else:
            words = f"{label[0].upper() + label[1:]}: no clear effect ({b:+.2f} {unit}, 95 % interval {lo:+.2f} to {hi:+.2f})."
        out.append(Driver(name, label, kind, round(b, 4), round(lo, 4), round(hi, 4), cases,
                          round(abs(b) * float(x.std()), 4), clear, words))
    out.sort(key=lambda d: (not d.clear, -d.importance))
    return DriverResult(target, n, round(r2, 4), round(float(y.mean()), 4), out)
