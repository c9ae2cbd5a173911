"""Insights: emerging issues, cost drivers and the voice of the customer, each with evidence.

`find_insights(con, start, end, config)` reads the store, brings the calendar months the window
touches up to date (every day analysed in them so far, see `earful.insights.identity`), stores the
findings by identity (kind + subject + episode: a re-run updates, never duplicates) and returns
them ranked. Method: docs/insights.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from earful.errors import InputError
from earful.insights import identity, wording
from earful.insights._data import build_contacts, day_range
from earful.insights.config import InsightsConfig, load_config, parse_config
from earful.insights.drivers import Driver, drivers
from earful.insights.emerging import (Alarm, alarm_rows, benjamini_hochberg, daily_counts, detect, episodes,
                                      expected_band, posterior_counts)
from earful.insights.evidence import key_phrases, quote_evidence, quotes_and_count
from earful.insights.voc import voc_quotes, voice_of_customer

__all__ = ["Insight", "InsightsConfig", "find_insights", "load_config", "parse_config", "detect",
           "benjamini_hochberg", "drivers", "Alarm", "Driver", "load_insights", "month_insights"]

_KIND_RANK = {"emerging_issue": 0, "driver": 1, "qa_item": 2, "churn_risk": 3, "competitor": 4, "product_feedback": 5,
              "testimonial": 6}
_VOC_DEPARTMENT = {"product_feedback": "Product", "competitor": "Marketing", "testimonial": "Marketing",
                   "churn_risk": "Retention"}


@dataclass
class Insight:
    """One finding, as stored in the `insights` table; its identity is (kind, subject, episode_start)."""

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
    subject: str = ""
    episode_start: date | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("period_start", "period_end", "episode_start"):
            d[k] = None if d[k] is None else str(d[k])
        return d


def _series(con: duckdb.DuckDBPyConnection, reason: str | None, start: date, end: date) -> list[dict]:
    where = "reason = ?" if reason is not None else "reason IS NOT NULL"
    rows = dict(con.execute(
        f"SELECT day, count(*) FROM _ins_contacts WHERE {where} AND day BETWEEN ? AND ? GROUP BY 1",
        ([reason] if reason is not None else []) + [start, end]).fetchall())
    return [{"day": str(start + timedelta(days=i)), "count": int(rows.get(start + timedelta(days=i), 0))}
            for i in range((end - start).days + 1)]


def _topic_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """'topic N' → the topic model's phrase label (its key phrases when it has none), when topics
    were found; a placeholder label such as "topic 37" is not a label."""
    from earful.store.schema import has_table

    if not has_table(con, "topics"):
        return {}
    out = {}
    for t, lab, phrases in con.execute("SELECT topic_id, label, CAST(key_phrases AS VARCHAR) FROM topics "
                                       "WHERE topic_id >= 0 ORDER BY model").fetchall():
        words = [str(p) for p in (json.loads(phrases) if phrases else []) or []][:2]
        if lab and not _PLACEHOLDER_TOPIC.match(str(lab)):
            out[f"topic {t}"] = str(lab)
        elif words and f"topic {t}" not in out:
            out[f"topic {t}"] = " / ".join(words)
    return out


_PLACEHOLDER_TOPIC = re.compile(r"(?i)^\s*topic\s*-?\d+\s*$")


def find_insights(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None,
                  config: InsightsConfig | str | Path | None = None, *, store: bool = True,
                  by: str | None = None) -> list[Insight]:
    """Find, rank and (by default) store the insights of the calendar months that days `start`..`end`
    touch; history before each day is its baseline. The window is clipped to the days loaded.

    Each month touched is analysed over every day analysed in it so far (this window and the stored
    ones), so runs over overlapping or longer windows update the same insights and any sequence of
    runs equals one run over their union. With ``store=False`` only this window counts and nothing
    is written.
    """
    cfg = config if isinstance(config, InsightsConfig) else load_config(config)
    used = build_contacts(con, repeat_window_days=cfg.repeat_window_days, by=by)
    lo, hi = day_range(con)
    if lo is None:
        raise InputError("no contacts in the store: load interactions first (earful ingest)")
    if start and end and start > end:
        raise InputError(f"--from {start} is after --to {end}")
    s, e = max(start or lo, lo), min(end or hi, hi)
    if s > e:
        raise InputError(f"no contacts between {start or lo} and {end or hi}: the store holds {lo} to {hi}")
    hulls = identity.month_hulls((identity.coverage(con) if store else []) + [(s, e)])
    touched = {m: hulls[m] for m in identity.months_of(s, e)}
    labels = {**_topic_labels(con), **cfg.labels} if used == "topic" else dict(cfg.labels)
    out = _emerging(con, cfg, used, hulls, touched, labels, lo)
    for m, (a, b) in touched.items():
        out += _drivers(con, cfg, m, a, b, labels)
        out += _voc(con, cfg, m, a, b)
    out += _qa_items(con, min(a for a, _ in touched.values()), max(b for _, b in touched.values()), lo, cfg)
    out.sort(key=lambda i: (_KIND_RANK.get(i.kind, 9), i.episode_start or s,
                            -(i.confidence or 0) if i.kind in ("emerging_issue", "qa_item")
                            else i.metrics.get("rank", 0) if i.kind == "driver" else -i.metrics.get("count", 0)))
    if store:
        identity.store_insights(con, out, touched, (s, e))
        from earful.ledger.value import refresh_estimates

        refresh_estimates(con, [i.id for i in out])
    return out


def _reason_counts(con: duckdb.DuckDBPyConnection, cfg: InsightsConfig, used: str, end: date
                   ) -> tuple[np.ndarray, list[date], list[str]]:
    """The reasons × days matrix the detector reads: contacts by reason, or with ``reason_counts:
    posterior`` each classified contact by its posterior under the store's reason model (contacts
    counted by their reason when there is no model)."""
    if cfg.reason_counts == "posterior" and used == "reason":
        try:
            from earful.nlp.models import reason_posteriors

            ids, classes, proba = reason_posteriors(con)
        except (ImportError, InputError):
            pass
        else:
            return posterior_counts(con, ids, classes, proba, end=end)
    return daily_counts(con, end=end)


def _emerging(con: duckdb.DuckDBPyConnection, cfg: InsightsConfig, used: str,
              hulls: dict[date, tuple[date, date]], touched: dict[date, tuple[date, date]],
              labels: dict[str, str], lo: date) -> list[Insight]:
    """Emerging-issue episodes over the months of this run (one false-discovery family per month), kept
    when they reach into a month of this run or into a stored episode of one. A neighbouring month
    analysed before is brought in when an alarm sits within an episode's gap of the month's edge (an
    episode crossing the month's end), and so on while they keep reaching."""
    counts, days, reasons = _reason_counts(con, cfg, used, end=max(b for _, b in hulls.values()))
    if not reasons:
        return []
    kw = dict(fdr=cfg.fdr, baseline_days=cfg.baseline_days, min_history_days=cfg.min_history_days,
              windows=cfg.windows, min_ratio=cfg.min_ratio, min_excess=cfg.min_excess,
              trend_windows=cfg.trend_windows)
    reach = [(min(touched), identity.month_end(max(touched)))]
    reach += con.execute("SELECT period_start, period_end FROM insights WHERE kind = 'emerging_issue' "
                         "AND period_start <= ? AND period_end >= ?", [reach[0][1], reach[0][0]]).fetchall()
    todo = {m for m in hulls for a, b in reach if m <= b and identity.month_end(m) >= a}
    rows_of: dict[date, list] = {}
    gap = timedelta(days=identity.EPISODE_GAP_DAYS - 1)
    while todo:
        m = todo.pop()
        a, b = hulls[m]
        rows_of[m] = alarm_rows(counts, days, reasons, start=a, end=b, **kw)
        alarm_days = {days[r[1]] for r in rows_of[m]}
        before = identity.month_start(m - timedelta(days=1))
        after = identity.month_end(m) + timedelta(days=1)
        if before in hulls and any(d <= m + gap for d in alarm_days):
            todo.add(before)
        if after in hulls and any(d >= identity.month_end(m) - gap for d in alarm_days):
            todo.add(after)
        todo -= rows_of.keys()
    rows = [row for m in sorted(rows_of) for row in rows_of[m]]
    out = []
    for a in episodes(rows, counts, days, reasons, baseline_days=cfg.baseline_days):
        if not any(a.first_day <= r1 and a.last_day >= r0 for r0, r1 in reach):
            continue
        where, params = "reason = ? AND day BETWEEN ? AND ?", [a.reason, a.first_day, a.last_day]
        n_ep = con.execute(f"SELECT count(*) FROM _ins_contacts WHERE {where}", params).fetchone()[0]
        phrases = key_phrases(con, where, params)
        name = wording.label(a.reason, labels)
        if used == "topic" and a.reason not in labels:  # a topic with no label: its contacts' key phrases
            name = " / ".join(phrases[:2]) or "Contacts on an unlabelled topic"
        out.append(Insight(
            id=identity.insight_id("emerging_issue", a.reason, a.first_day), kind="emerging_issue",
            title=wording.emerging_title(a.kind, name, a.first_day, a.ratio, int(n_ep)),
            summary=wording.emerging_summary(a.observed, a.expected, a.window_days, a.first_day, a.last_day, int(n_ep)),
            period_start=a.first_day, period_end=a.last_day, reason=a.reason if used != "topic" else None,
            topic=a.reason if used == "topic" else None,
            metrics={"subtype": a.kind, "first_day": str(a.first_day), "last_day": str(a.last_day),
                     "alarm_days": [str(d) for d in a.days], "observed": a.observed,
                     "expected": round(a.expected, 2), "ratio": round(a.ratio, 3), "p_value": a.p_value,
                     "window_days": a.window_days, "contacts": int(n_ep), "fdr": cfg.fdr},
            evidence={"series": expected_band(counts, days, reasons, a, first=max(lo, a.first_day - timedelta(days=14)),
                                              last=a.last_day, baseline_days=cfg.baseline_days),
                      **quote_evidence(*quotes_and_count(con, where, params)), "key_phrases": phrases},
            suggested_department=cfg.department_for(a.reason), confidence=round(1 - a.p_value, 6),
            subject=a.reason, episode_start=a.first_day))
    return out


def _drivers(con: duckdb.DuckDBPyConnection, cfg: InsightsConfig, month: date, start: date, end: date,
             labels: dict[str, str]) -> list[Insight]:
    """The month's cost drivers, ranked "fix this first"."""
    ranked = drivers(con, start, end, cfg)
    total_cost = sum(d.handling_cost for d in ranked)
    out = []
    for rank, d in enumerate(ranked[: cfg.top_drivers], 1):
        if total_cost > 0 and d.avoidable_cost <= 0 and rank > 3:
            break
        metrics = {"rank": rank, **{k: v for k, v in asdict(d).items() if k != "reason"},
                   "share_of_cost": d.handling_cost / total_cost if total_cost else None, "currency": cfg.currency}
        out.append(Insight(
            id=identity.insight_id("driver", d.reason, month), kind="driver",
            title=wording.driver_title(wording.label(d.reason, labels), metrics), summary=wording.driver_summary(metrics),
            period_start=start, period_end=end, reason=d.reason, metrics=metrics,
            evidence={"series": _series(con, d.reason, start, end),
                      **quote_evidence(*quotes_and_count(con, "reason = ? AND day BETWEEN ? AND ?", [d.reason, start, end]))},
            suggested_department=cfg.department_for(d.reason), subject=d.reason, episode_start=month))
    return out


def _voc(con: duckdb.DuckDBPyConnection, cfg: InsightsConfig, month: date, start: date, end: date) -> list[Insight]:
    """The month's voice of the customer: requests, competitors, testimonials, customers at risk."""
    out = []
    for f in voice_of_customer(con, start, end, cfg):
        subject = str(f.details.get("competitor") or "")
        metrics = {"count": f.count, **f.details}
        if f.kind == "churn_risk":
            metrics["customers_at_risk"] = len(f.customers) or f.count
        out.append(Insight(
            id=identity.insight_id(f.kind, subject, month), kind=f.kind,
            title=wording.voc_title(f.kind, f.count, len(f.customers), f.details),
            summary=wording.voc_summary(f.count, len(f.customers), start, end),
            period_start=start, period_end=end, metrics=metrics,
            evidence={"interaction_ids": sorted(f.ids)[:1000], "customers": sorted(f.customers)[:1000],
                      **quote_evidence(*voc_quotes(con, f))},
            suggested_department=_VOC_DEPARTMENT.get(f.kind), subject=subject, episode_start=month))
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
        quotes, agents = failing_examples(con, a.item, a.channel, a.first_day, a.last_day, limit=5)
        n_quotable = len([q for q in quotes if q.get("text")])
        row = items.index(f"{a.item}|{a.channel}")
        n_ep = int(sum(fails[row, (d - days[0]).days] for d in a.days))
        out.append(Insight(
            id=identity.insight_id("qa_item", f"{a.item}|{a.channel}", a.first_day), kind="qa_item",
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
                      **quote_evidence(quotes, n_quotable), "agents": agents},
            suggested_department=cfg.default_department, confidence=round(1 - a.p_value, 6),
            subject=f"{a.item}|{a.channel}", episode_start=a.first_day))
    return out


_LOAD = ("SELECT id, kind, title, summary, period_start, period_end, reason, topic, metrics, evidence,"
         " suggested_department, confidence, subject, episode_start FROM insights")


def _loaded(rows: list[tuple]) -> list[Insight]:
    items = [Insight(*r[:8], json.loads(r[8] or "{}"), json.loads(r[9] or "{}"), r[10], r[11], r[12] or "", r[13])
             for r in rows]
    items.sort(key=lambda i: (_KIND_RANK.get(i.kind, 9), i.episode_start or i.period_start, i.metrics.get("rank", 0),
                              i.id))
    return items


def load_insights(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[Insight]:
    """The stored insights (not retired) whose period overlaps ``start``..``end``, by kind and rank."""
    return _loaded(con.execute(f"{_LOAD} WHERE retired_at IS NULL AND period_start <= ? AND period_end >= ?",
                               [end, start]).fetchall())


def month_insights(con: duckdb.DuckDBPyConnection, month: date) -> list[Insight]:
    """The stored insights (not retired) of a calendar month: those whose episode began in it (the
    month the ledger credits their value to)."""
    first = identity.month_start(month)
    return _loaded(con.execute(f"{_LOAD} WHERE retired_at IS NULL AND episode_start BETWEEN ? AND ?",
                               [first, identity.month_end(first)]).fetchall())
