"""Intervals and agreement measures, each written once: QA, surveys and coaching use them.

- Wilson score interval for a proportion p̂ of n: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) ÷ (1 + z²/n).
- Mean: x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n.
- NPS = 100·(P − D) with P, D the promoter and detractor shares; its standard error is
  100·√((P + D − (P − D)²)/n) (multinomial), interval ± z·se.
- Cohen's kappa κ = (pₒ − pₑ)/(1 − pₑ), pₒ the observed agreement, pₑ = Σₖ rowₖ·colₖ/n²; standard error
  √(pₒ(1 − pₒ)/(n(1 − pₑ)²)) (the large-sample approximation), undefined when pₑ = 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval and the number it rests on; ``value`` None when n is too small."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def wilson(successes: float, n: int, z: float = Z95) -> Estimate:
    """A proportion with its Wilson score interval (sound for small n and for 0 % or 100 %)."""
    if n <= 0:
        return Estimate(None, None, None, 0)
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def mean_ci(values: Sequence[float]) -> Estimate:
    """The mean with a t interval (None below 2 values)."""
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    m = sum(xs) / n
    if n < 2:
        return Estimate(m, None, None, 1)
    s = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    half = t975(n - 1) * s / math.sqrt(n)
    return Estimate(m, m - half, m + half, n)


def nps(scores: Sequence[float], z: float = Z95) -> Estimate:
    """Net Promoter Score (promoters 9–10, detractors 0–6) with its interval."""
    xs = [float(v) for v in scores if v is not None]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    p = sum(x >= 9 for x in xs) / n
    d = sum(x <= 6 for x in xs) / n
    value = 100 * (p - d)
    se = 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    return Estimate(value, max(-100.0, value - z * se), min(100.0, value + z * se), n)


def t975(df: float) -> float:
    """The 97.5 % point of Student's t with ``df`` degrees of freedom (a 95 % two-sided interval)."""
    from scipy.special import stdtrit  # scipy.special loads in milliseconds, scipy.stats in seconds

    return float(stdtrit(df, 0.975))


@dataclass(frozen=True)
class Kappa:
    kappa: float | None
    low: float | None
    high: float | None
    observed: float
    expected: float
    n: int


def cohen_kappa(a: Sequence[str], b: Sequence[str], categories: Sequence[str] | None = None) -> Kappa:
    """Cohen's kappa of two raters' labels over the same cases (None when chance agreement is 1)."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same cases")
    n = len(a)
    if n == 0:
        return Kappa(None, None, None, 0.0, 0.0, 0)
    cats = list(categories) if categories is not None else sorted(set(a) | set(b))
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((sum(x == c for x in a) / n) * (sum(y == c for y in b) / n) for c in cats)
    if pe >= 1 - 1e-12:
        return Kappa(None, None, None, po, pe, n)
    k = (po - pe) / (1 - pe)
    se = math.sqrt(max(po * (1 - po), 0.0) / (n * (1 - pe) ** 2))
    return Kappa(k, max(-1.0, k - Z95 * se), min(1.0, k + Z95 * se), po, pe, n)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson correlation (None when either side does not vary)."""
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sx = math.sqrt(sum((v - mx) ** 2 for v in x))
    sy = math.sqrt(sum((v - my) ** 2 for v in y))
    if sx == 0 or sy == 0:
        return None
    return sum((u - mx) * (v - my) for u, v in zip(x, y)) / (sx * sy)


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a − b with a normal-approximation interval from the two intervals (each read as ±1.96 se)."""
    if a.value is None or b.value is None or a.low is None or b.low is None or a.high is None or b.high is None:
        return Estimate(None, None, None, min(a.n, b.n))
    se_a, se_b = (a.high - a.low) / (2 * Z95), (b.high - b.low) / (2 * Z95)
    d = a.value - b.value
    half = Z95 * math.sqrt(se_a ** 2 + se_b ** 2)
    return Estimate(d, d - half, d + half, min(a.n, b.n))
