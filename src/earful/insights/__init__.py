"""Insights: emerging issues, cost drivers and the voice of the customer, each with evidence.

`find_insights(con, start, end, config)` reads the store, stores its findings in `insights`
(replacing earlier ones for the same period) and returns them ranked. Method: docs/insights.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from earful.errors import InputError
from earful.insights._data import build_contacts, day_range
from earful.insights.config import InsightsConfig, load_config, parse_config
from earful.insights.drivers import Driver, drivers
from earful.insights.emerging import Alarm, benjamini_hochberg, daily_counts, detect
from earful.insights.evidence import diverse_quotes, key_phrases, quotes_for
from earful.insights.voc import VocFinding, voc_quotes, voice_of_customer
from earful.store import transaction

__all__ = ["Insight", "InsightsConfig", "find_insights", "load_config", "parse_config", "detect",
           "benjamini_hochberg", "drivers", "Alarm", "Driver", "load_insights"]

_KIND_RANK = {"emerging_issue": 0, "driver": 1, "qa_item": 2, "churn_risk": 3, "competitor": 4, "product_feedback": 5,
              "testimonial": 6}


@dataclass
class Insight:
    """One finding, as stored in the `insights` table."""

    id: str
    kind: str
    title: str
    summary: str
    period_start: date
    period_end: date
    reason: str | None = None
    topic: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    suggested_department: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["period_start"], d["period_end"] = str(self.period_start), str(self.period_end)
        return d


def _id(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _series(con: duckdb.DuckDBPyConnection, reason: str | None, start: date, end: date) -> list[dict]:
    where = "reason = ?" if reason is not None else "reason IS NOT NULL"
    rows = dict(con.execute(
        f"SELECT day, count(*) FROM _ins_contacts WHERE {where} AND day BETWEEN ? AND ? GROUP BY 1",
        ([reason] if reason is not None else []) + [start, end]).fetchall())
    return [{"day": str(start + timedelta(days=i)), "count": int(rows.get(start + timedelta(days=i), 0))}
            for i in range((end - start).days + 1)]


def _fmt_money(x: float, cur: str) -> str:
    return f"{cur} {x:,.0f}"


def find_insights(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None,
                  config: InsightsConfig | str | Path | None = None, *, store: bool = True,
                  by: str | None = None) -> list[Insight]:
    """Find, rank and (by default) store the period's insights; history before `start` is the baseline."""
    cfg = config if isinstance(config, InsightsConfig) else load_config(config)
    used = build_contacts(con, repeat_window_days=cfg.repeat_window_days, by=by)
    lo, hi = day_range(con)
    if lo is None:
        raise InputError("no contacts in the store: load interactions first (earful ingest)")
    start = start or lo
    end = end or hi
    if start > end:
        raise InputError(f"--from {start} is after --to {end}")
    label = {"reason": "reason", "topic": "topic", "queue": "queue"}[used]
    out: list[Insight] = []

    # 1. Emerging issues.
    counts, days, reasons = daily_counts(con, end=end)
    alarms = detect(counts, days, reasons, start=start, end=end, fdr=cfg.fdr, baseline_days=cfg.baseline_days,
                    min_history_days=cfg.min_history_days, windows=cfg.windows, min_ratio=cfg.min_ratio,
                    min_excess=cfg.min_excess) if reasons else []
    for a in alarms:
        what = {"spike": "sudden spike", "drift": "steady rise", "new_reason": "new"}[a.kind]
        s0 = max(lo, start - timedelta(days=14))
        quotes = quotes_for(con, "reason = ? AND day BETWEEN ? AND ?", [a.reason, a.first_day, a.last_day])
        n_ep = con.execute("SELECT count(*) FROM _ins_contacts WHERE reason = ? AND day BETWEEN ? AND ?",
                           [a.reason, a.first_day, a.last_day]).fetchone()[0]
        title = (f"New {label}: {a.reason} since {a.first_day}" if a.kind == "new_reason" else
                 f"{a.reason}: {what} from {a.first_day} (×{a.ratio:.1f} expected)")
        out.append(Insight(
            id=_id("emerging", a.reason, a.first_day, start, end), kind="emerging_issue", title=title,
            summary=(f"{a.observed} contacts in {a.window_days} day(s) to {a.first_day} against {a.expected:.1f} "
                     f"expected from its own history (p = {a.p_value:.2g}, FDR {cfg.fdr:g}); "
                     f"{n_ep} contacts from {a.first_day} to {a.last_day}."),
            period_start=start, period_end=end, reason=a.reason if used != "topic" else None,
            topic=a.reason if used == "topic" else None,
            metrics={"subtype": a.kind, "first_day": str(a.first_day), "last_day": str(a.last_day),
                     "alarm_days": [str(d) for d in a.days], "observed": a.observed,
                     "expected": round(a.expected, 2), "ratio": round(a.ratio, 3), "p_value": a.p_value,
                     "window_days": a.window_days, "contacts": int(n_ep)},
            evidence={"series": _series(con, a.reason, s0, end), "quotes": quotes,
                      "key_phrases": key_phrases(con, "reason = ? AND day BETWEEN ? AND ?",
                                                 [a.reason, a.first_day, a.last_day])},
            suggested_department=cfg.department_for(a.reason), confidence=round(1 - a.p_value, 6)))

    # 2. Drivers.
    ranked = drivers(con, start, end, cfg)
    total_cost = sum(d.handling_cost for d in ranked)
    for rank, d in enumerate(ranked[: cfg.top_drivers], 1):
        if total_cost > 0 and d.avoidable_cost <= 0 and rank > 3:
            break
        cause = {"handle_time": "long handling", "repeats": "customers having to call back",
                 "transfers": "transfers", "satisfaction": "low satisfaction", "volume": "volume",
                 "unhappy volume": "unhappy volume"}[d.main_cause]
        out.append(Insight(
            id=_id("driver", d.reason, start, end), kind="driver",
            title=(f"#{rank} fix first: {d.reason} — {_fmt_money(d.avoidable_cost, cfg.currency)} avoidable ({cause})"
                   if total_cost > 0 else f"#{rank} by {cause}: {d.reason} — {d.contacts:,} contacts"
                   + (f", end sentiment {d.end_sentiment:+.2f}" if d.end_sentiment is not None else "")
                   + " (no handle times recorded)"),
            summary=(f"{d.contacts:,} contacts ({d.share:.1%}), cost {_fmt_money(d.handling_cost, cfg.currency)}; "
                     f"AHT {d.aht_s or 0:.0f} s, repeat {d.repeat_rate or 0:.0%}, transfer {d.transfer_rate or 0:.0%}"
                     + (f", CSAT {d.csat_avg:.2f} ({d.csat_diff:+.2f} vs rest)" if d.csat_diff is not None else "")),
            period_start=start, period_end=end, reason=d.reason,
            metrics={"rank": rank, **{k: v for k, v in asdict(d).items() if k != "reason"},
                     "share_of_cost": d.handling_cost / total_cost if total_cost else None,
                     "currency": cfg.currency},
            evidence={"series": _series(con, d.reason, start, end),
                      "quotes": quotes_for(con, "reason = ? AND day BETWEEN ? AND ?", [d.reason, start, end])},
            suggested_department=cfg.department_for(d.reason),
            confidence=None))

    # 3. QA items failing more than usual.
    out.extend(_qa_items(con, start, end, lo, cfg))

    # 4. Voice of the customer.
    for f in voice_of_customer(con, start, end, cfg):
        out.append(Insight(
            id=_id(f.kind, f.title.split(" ", 1)[-1], start, end), kind=f.kind, title=f.title,
            summary=f"{f.count} interactions" + (f" from {len(f.customers)} customers" if f.customers else ""),
            period_start=start, period_end=end,
            metrics={"count": f.count, **f.details},
            evidence={"interaction_ids": f.ids[:1000], "customers": f.customers[:1000],
                      "quotes": voc_quotes(con, f)},
            suggested_department={"product_feedback": "Product", "competitor": "Marketing",
                                  "testimonial": "Marketing", "churn_risk": "Retention"}.get(f.kind)))

    out.sort(key=lambda i: (_KIND_RANK.get(i.kind, 9), -(i.confidence or 0) if i.kind in ("emerging_issue", "qa_item")
                            else i.metrics.get("rank", 0) if i.kind == "driver" else -i.metrics.get("count", 0)))
    if store:
        _store(con, out, start, end)
    return out


def _qa_items(con: duckdb.DuckDBPyConnection, start: date, end: date, lo: date, cfg: InsightsConfig) -> list[Insight]:
    """Findings of QA items failing above their own history (``earful.insights.qa``)."""
    from earful.insights.qa import daily_item_counts, failing_examples, failing_items, item_series

    fails, apps, days, items = daily_item_counts(con, end=end)
    if not items:
        return []
    try:
        from earful.quality.run import active_rubric

        labels = {it.name: it.label for it in active_rubric(con).items}
    except Exception:  # noqa: BLE001 - a stored rubric that no longer parses still names its items
        labels = {}
    out = []
    for a in failing_items(fails, apps, days, items, start=start, end=end, fdr=cfg.fdr, baseline_days=cfg.baseline_days,
                           min_history_days=cfg.min_history_days, windows=cfg.windows, min_ratio=cfg.min_ratio,
                           min_excess=cfg.min_excess):
        label = labels.get(a.item, a.item.replace("_", " "))
        quotes, agents = failing_examples(con, a.item, a.channel, a.first_day, a.last_day)
        row = items.index(f"{a.item}|{a.channel}")
        n_ep = int(sum(fails[row, (d - days[0]).days] for d in a.days))
        out.append(Insight(
            id=_id("qa_item", a.item, a.channel, a.first_day, start, end), kind="qa_item",
            title=(f"QA: '{label}' failing more than usual on {a.channel} from {a.first_day} "
                   f"({a.rate:.0%} of contacts, ×{a.ratio:.1f} expected)"),
            summary=(f"{a.fails} of {a.applicable} {a.channel} contacts failed '{label}' in {a.window_days} day(s) to {a.first_day} "
                     f"against {a.expected:.1f} expected from its own history ({a.base_rate:.1%}; p = {a.p_value:.2g}, "
                     f"FDR {cfg.fdr:g}); " + (f"most from {', '.join(x['agent'] for x in agents[:3])}." if agents else "")),
            period_start=start, period_end=end,
            metrics={"item": a.item, "channel": a.channel, "first_day": str(a.first_day), "last_day": str(a.last_day),
                     "alarm_days": [str(d) for d in a.days], "fails": a.fails, "applicable": a.applicable,
                     "rate": round(a.rate, 4), "base_rate": round(a.base_rate, 4), "expected": round(a.expected, 2),
                     "ratio": round(a.ratio, 3), "p_value": a.p_value, "window_days": a.window_days,
                     "fails_in_episode": n_ep},
            evidence={"series": item_series(fails, apps, days, items, a.item, a.channel, max(lo, start - timedelta(days=14)), end),
                      "quotes": quotes, "agents": agents},
            suggested_department=cfg.default_department, confidence=round(1 - a.p_value, 6)))
    return out


def _store(con: duckdb.DuckDBPyConnection, items: list[Insight], start: date, end: date) -> None:
    with transaction(con):
        con.execute("DELETE FROM insights WHERE period_start = ? AND period_end = ?", [start, end])
        con.executemany(
            "INSERT INTO insights (id, kind, title, summary, period_start, period_end, reason, topic, metrics,"
            " evidence, suggested_department, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [[i.id, i.kind, i.title, i.summary, i.period_start, i.period_end, i.reason, i.topic,
              json.dumps(i.metrics, default=str), json.dumps(i.evidence, default=str),
              i.suggested_department, i.confidence] for i in items])


def load_insights(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[Insight]:
    """The stored insights of exactly this period, in stored order of kind and rank."""
    rows = con.execute(
        "SELECT id, kind, title, summary, period_start, period_end, reason, topic, metrics, evidence,"
        " suggested_department, confidence FROM insights WHERE period_start = ? AND period_end = ?",
        [start, end]).fetchall()
    items = [Insight(*r[:8], json.loads(r[8] or "{}"), json.loads(r[9] or "{}"), r[10], r[11]) for r in rows]
    items.sort(key=lambda i: (_KIND_RANK.get(i.kind, 9), i.metrics.get("rank", 0)))
    return items
