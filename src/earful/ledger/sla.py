"""Partner SLA scorecards: contract targets, reward/penalty bands, weights and caps, with the working.

The money at stake each period is the pool ``fee × at_risk``. Each metric owns the share
``pool × weight / Σ weights`` of it; the first band (``min`` inclusive, ``max`` exclusive)
that holds the metric's actual gives a credit (a share of that part, + reward, − penalty),
and ``amount = round_cents(part × credit)``. Without bands a met target earns 0 and a missed
one loses the whole part. ``net = Σ amounts``, then limited to ``[−penalty cap, +reward cap]``.
The score is ``100 × Σ weight(met) / Σ weights``.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from earful.errors import ConfigError, InputError
from earful.ledger import _config
from earful.ledger.value import money

LOWER_IS_BETTER = {"abandon_rate", "aht_s", "asa_s", "transfer_rate", "short_abandoned", "abandoned"}
RATE_METRICS = {"service_level", "abandon_rate", "fcr_rate", "transfer_rate", "occupancy"}
#: decimals each actual is rounded to before it is judged (what you see is what is scored)
PRECISION = {"rate": 4, "seconds": 1, "score": 2}
_METRIC_KEYS = {"target", "weight", "bands", "better", "label"}
_BAND_KEYS = {"min", "max", "credit", "label"}
_SETTINGS = {"sl_threshold_s", "short_abandon_s", "abandon_treatment", "fcr_days"}


@dataclass(frozen=True)
class Band:
    min: Decimal | None
    max: Decimal | None
    credit: Decimal
    label: str

    def holds(self, x: Decimal) -> bool:
        return (self.min is None or x >= self.min) and (self.max is None or x < self.max)


@dataclass(frozen=True)
class MetricTerm:
    metric: str
    target: Decimal
    weight: Decimal
    lower_is_better: bool
    bands: tuple[Band, ...]
    label: str


@dataclass(frozen=True)
class Contract:
    """The parsed contract file."""

    name: str
    partner: str
    currency: str
    fee: Decimal
    at_risk: Decimal
    terms: tuple[MetricTerm, ...]
    reward_cap: Decimal | None
    penalty_cap: Decimal | None
    queue: str | None = None
    channel: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    on_missing: str = "zero"
    actuals: dict[str, Decimal] = field(default_factory=dict)


def _fmt_range(lo: Decimal | None, hi: Decimal | None, metric: str) -> str:
    f = (lambda v: _show(metric, v))
    if lo is not None and hi is not None:
        return f"{f(lo)} ≤ x < {f(hi)}"
    if lo is not None:
        return f"x ≥ {f(lo)}"
    if hi is not None:
        return f"x < {f(hi)}"
    return "any"


def _cap(node: _config.Node, fee: Decimal, what: str) -> Decimal:
    raw = str(node.node.value).strip() if not node.is_map else ""
    if raw.endswith("%"):
        return money(fee * node.decimal(what, percent_ok=True, min_value=Decimal(0)))
    return money(node.decimal(what, min_value=Decimal(0)))


def load_contract(path: str | Path) -> Contract:
    """Read and validate a contract YAML file (line-numbered ``ConfigError`` on any mistake)."""
    root = _config.load(path)
    top = root.mapping("contract", {"contract", "partner", "currency", "fee", "at_risk", "scope", "metric_settings",
                                    "metrics", "caps", "on_missing", "actuals"})
    for req in ("partner", "currency", "fee", "metrics"):
        if req not in top:
            raise root.error(f"'{req}' is missing")
    currency = top["currency"].text("currency").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise top["currency"].error(f"currency must be a three-letter code like EUR, not '{currency}'")
    fee = money(top["fee"].decimal("fee", min_value=Decimal(0)))
    at_risk = (top["at_risk"].decimal("at_risk", percent_ok=True, min_value=Decimal(0), max_value=Decimal(1))
               if "at_risk" in top else Decimal("0.10"))
    terms: list[MetricTerm] = []
    for name, node in top["metrics"].items("metrics"):
        m = node.mapping(f"metric '{name}'", _METRIC_KEYS)
        if "target" not in m:
            raise node.error(f"metric '{name}': 'target' is missing")
        pct = name in RATE_METRICS
        target = m["target"].decimal(f"{name} target", percent_ok=True)
        if pct and not (0 <= target <= 1):
            raise m["target"].error(f"{name} target is a rate: give it as 80% or 0.80, not {target}")
        weight = m["weight"].decimal(f"{name} weight", min_value=Decimal(0)) if "weight" in m else Decimal(1)
        if "better" in m:
            better = m["better"].text("better")
            if better not in ("higher", "lower"):
                raise m["better"].error(f"metric '{name}': better must be higher or lower")
            lower = better == "lower"
        else:
            lower = name in LOWER_IS_BETTER or name.endswith("_s")
        bands: list[Band] = []
        if "bands" in m:
            for bnode in m["bands"].seq(f"{name} bands"):
                b = bnode.mapping(f"{name} band", _BAND_KEYS)
                if "credit" not in b:
                    raise bnode.error(f"{name} band: 'credit' is missing (e.g. +50% or -100%)")
                lo = b["min"].decimal(f"{name} band min", percent_ok=True) if "min" in b else None
                hi = b["max"].decimal(f"{name} band max", percent_ok=True) if "max" in b else None
                if lo is not None and hi is not None and lo >= hi:
                    raise bnode.error(f"{name} band: min {lo} must be below max {hi}")
                credit = b["credit"].decimal(f"{name} band credit", percent_ok=True,
                                             min_value=Decimal(-1), max_value=Decimal(1))
                band = Band(lo, hi, credit, b["label"].text("label") if "label" in b else _fmt_range(lo, hi, name))
                for other in bands:
                    a = max(x for x in (lo, other.min, Decimal("-Infinity")) if x is not None)
                    z = min(x for x in (hi, other.max, Decimal("Infinity")) if x is not None)
                    if a < z:
                        raise bnode.error(f"{name} band '{band.label}' overlaps band '{other.label}'")
                bands.append(band)
        terms.append(MetricTerm(name, target, weight, lower, tuple(bands),
                                m["label"].text("label") if "label" in m else name))
    if not terms:
        raise top["metrics"].error("no metrics given")
    if sum(t.weight for t in terms) <= 0:
        raise top["metrics"].error("the weights add up to zero")
    reward_cap = penalty_cap = None
    if "caps" in top:
        c = top["caps"].mapping("caps", {"reward", "penalty"})
        reward_cap = _cap(c["reward"], fee, "reward cap") if "reward" in c else None
        penalty_cap = _cap(c["penalty"], fee, "penalty cap") if "penalty" in c else None
    queue = channel = None
    if "scope" in top:
        s = top["scope"].mapping("scope", {"queue", "channel"})
        queue = s["queue"].text("queue") if "queue" in s else None
        channel = s["channel"].text("channel") if "channel" in s else None
    settings: dict[str, Any] = {}
    if "metric_settings" in top:
        for k, v in top["metric_settings"].items("metric_settings", _SETTINGS):
            settings[k] = v.text(k) if k == "abandon_treatment" else v.integer(k, min_value=0)
    on_missing = top["on_missing"].text("on_missing") if "on_missing" in top else "zero"
    if on_missing not in ("zero", "full_penalty"):
        raise top["on_missing"].error("on_missing must be zero or full_penalty")
    actuals = {}
    if "actuals" in top:
        for k, v in top["actuals"].items("actuals"):
            actuals[k] = v.decimal(f"actual {k}", percent_ok=True)
    name = top["contract"].text("contract") if "contract" in top else Path(path).stem
    return Contract(name, top["partner"].text("partner"), currency, fee, at_risk, tuple(terms), reward_cap,
                    penalty_cap, queue, channel, settings, on_missing, actuals)


def _kind(metric: str) -> str:
    if metric in RATE_METRICS:
        return "rate"
    return "seconds" if metric.endswith("_s") else "score"


def _round_actual(metric: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except Exception:  # noqa: BLE001 - anything not a number is no data
        return None
    if not d.is_finite():
        return None
    return d.quantize(Decimal(1).scaleb(-PRECISION[_kind(metric)]), rounding=ROUND_HALF_UP)


def _show(metric: str, v: Decimal | None) -> str:
    if v is None:
        return "no data"
    if _kind(metric) == "rate":
        return f"{(v * 100).normalize():f}%"
    return f"{v.normalize():f}" + (" s" if _kind(metric) == "seconds" else "")


@dataclass
class TermResult:
    metric: str
    label: str
    target: str
    actual: str
    better: str
    met: bool | None
    weight: Decimal
    share: Decimal
    band: str
    credit: Decimal
    amount: Decimal
    working: str


@dataclass
class Scorecard:
    contract: str
    partner: str
    period: str
    currency: str
    fee: Decimal
    pool: Decimal
    terms: list[TermResult]
    subtotal: Decimal
    net: Decimal
    cap_note: str
    score: Decimal

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return _jsonable(d)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if isinstance(x, Decimal):
        return str(x)
    return x


def score(contract: Contract, actuals: dict[str, Any], period: str = "") -> Scorecard:
    """Apply the contract's rules to the period's actuals (rates as fractions, times in seconds)."""
    pool = contract.fee * contract.at_risk
    total_w = sum(t.weight for t in contract.terms)
    results: list[TermResult] = []
    met_w = Decimal(0)
    for t in contract.terms:
        actual = _round_actual(t.metric, actuals.get(t.metric, contract.actuals.get(t.metric)))
        share = pool * t.weight / total_w
        share_txt = f"{money(contract.fee):,} × {_pct(contract.at_risk)} × {t.weight:f}/{total_w:f}"
        if actual is None:
            met = None
            credit = Decimal(-1) if contract.on_missing == "full_penalty" else Decimal(0)
            band = "no data (" + ("full penalty" if credit else "no credit") + ")"
        else:
            met = actual <= t.target if t.lower_is_better else actual >= t.target
            if met:
                met_w += t.weight
            if t.bands:
                hit = next((b for b in t.bands if b.holds(actual)), None)
                credit = hit.credit if hit else Decimal(0)
                band = hit.label if hit else "no band holds it (no credit)"
            else:
                credit = Decimal(0) if met else Decimal(-1)
                band = "target met" if met else "target missed: whole share lost"
        amount = money(share * credit)
        results.append(TermResult(
            t.metric, t.label, ("≤ " if t.lower_is_better else "≥ ") + _show(t.metric, t.target),
            _show(t.metric, actual), "lower" if t.lower_is_better else "higher", met, t.weight, money(share), band,
            credit, amount, f"{share_txt} = {money(share):,}; × {_pct(credit, signed=True)} = {amount:,}"))
    subtotal = sum((r.amount for r in results), Decimal("0.00"))
    net, note = subtotal, "within caps"
    if contract.reward_cap is not None and net > contract.reward_cap:
        net, note = contract.reward_cap, f"reward capped at {contract.reward_cap:,}"
    if contract.penalty_cap is not None and net < -contract.penalty_cap:
        net, note = -contract.penalty_cap, f"penalty capped at {contract.penalty_cap:,}"
    return Scorecard(contract.name, contract.partner, period, contract.currency, contract.fee, money(pool), results,
                     money(subtotal), money(net), note, round(100 * met_w / total_w, 1))


def _pct(x: Decimal, signed: bool = False) -> str:
    s = f"{(x * 100).normalize():f}%"
    return ("+" + s) if signed and x > 0 else s


def period_bounds(period: str) -> tuple[date, date]:
    """``YYYY-MM`` → (first day, first day of the next month)."""
    try:
        y, m = (int(p) for p in period.split("-"))
        start = date(y, m, 1)
    except ValueError:
        raise InputError(f"period must look like 2025-08, not '{period}'") from None
    return start, start + timedelta(days=calendar.monthrange(y, m)[1])


def actuals_from_metrics(con: Any, contract: Contract, period: str) -> dict[str, Any]:
    """The period's actuals from the metrics engine (``earful.metrics.metrics_table``), scoped
    to the contract's queue/channel and computed with its metric settings."""
    try:
        from earful.metrics import metrics_table  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError("the metrics engine (earful.metrics) is not installed; give actuals with --actual") from None
    start, end = period_bounds(period)
    table = metrics_table(con, by=("month",), start=start, end=end, queue=contract.queue, channel=contract.channel,
                          **contract.settings)
    rows = [r for r in table.to_pylist() if str(r.get("month"))[:7] == period]
    if not rows:
        return {}
    return {k: v for k, v in rows[0].items() if k != "month"}


def scorecard_markdown(card: Scorecard) -> str:
    """The scorecard with its working, as Markdown (for docs and e-mail)."""
    lines = [f"## {card.contract}: {card.partner}, {card.period}", "",
             f"Fee {card.fee:,} {card.currency}; pool at risk {card.pool:,} {card.currency}.", "",
             "| metric | target | actual | met | weight | share | band | credit | amount |",
             "|---|---|---|---|---:|---:|---|---:|---:|"]
    for r in card.terms:
        met = "—" if r.met is None else ("yes" if r.met else "no")
        lines.append(f"| {r.label} | {r.target} | {r.actual} | {met} | {r.weight:f} | {r.share:,} | {r.band} "
                     f"| {_pct(r.credit, signed=True)} | {r.amount:,} |")
    lines += ["", "Working:", ""]
    lines += [f"- {r.label}: {r.working}" for r in card.terms]
    lines += ["", f"Subtotal {card.subtotal:,}; {card.cap_note}; **net {card.net:,} {card.currency}** "
                  f"({'reward' if card.net > 0 else 'penalty' if card.net < 0 else 'nothing due'}). "
                  f"Score {card.score}/100 (weighted share of targets met)."]
    return "\n".join(lines)
