"""Insight identity: kind + subject + episode, and storing by it so re-runs update instead of duplicating.

- **Subject**: what the insight is about: the reason (or topic, or queue) of an emerging issue or
  a driver, the competitor's name; ``''`` for kinds about the whole centre (product feedback,
  testimonials, customers at risk).
- **Episode**: an emerging issue's first alarm day; for the other kinds, which are kept per
  calendar month, the first day of the month.

The engine keeps each calendar month it has been asked about up to date over every day analysed
in it so far (the *hull* of the analysed windows within the month, ``insight_runs``), so any
sequence of runs over any windows leaves the same insights as one run over their union. Storing
matches each finding to the stored insight with its identity (an emerging episode also to one it
overlaps, since its first day can move when more days are analysed), updates that insight's
figures, period and evidence in place (its id, routes, history, values and comments stay), folds
any further match into it (``earful.ledger.lifecycle.merge_insights``), and retires stored insights
of the months analysed that were not found again (deleted when nothing refers to them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from earful.store import transaction

if TYPE_CHECKING:  # pragma: no cover
    from earful.insights import Insight

PER_MONTH = ("driver", "product_feedback", "competitor", "testimonial", "churn_risk")
EPISODE_GAP_DAYS = 3  # alarms of a reason at most this many days apart are one episode (emerging.episodes)


def insight_id(kind: str, subject: str, episode_start: date) -> str:
    """The id a new insight gets: a short hash of its identity."""
    return hashlib.sha1(f"{kind}|{subject}|{episode_start}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------- calendar months and coverage

def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def months_of(start: date, end: date) -> list[date]:
    """First days of the calendar months that days ``start``..``end`` touch."""
    out, m = [], month_start(start)
    while m <= end:
        out.append(m)
        m = month_end(m) + timedelta(days=1)
    return out


def month_hulls(spans: Iterable[tuple[date, date]]) -> dict[date, tuple[date, date]]:
    """Per calendar month, the first and last day any of ``spans`` covers in it."""
    hulls: dict[date, tuple[date, date]] = {}
    for a, b in spans:
        for m in months_of(a, b):
            lo, hi = max(a, m), min(b, month_end(m))
            if m in hulls:
                lo, hi = min(lo, hulls[m][0]), max(hi, hulls[m][1])
            hulls[m] = (lo, hi)
    return dict(sorted(hulls.items()))


def coverage(con: duckdb.DuckDBPyConnection) -> list[tuple[date, date]]:
    """Every window the engine has analysed and stored (``insight_runs``)."""
    return [(a, b) for a, b in con.execute("SELECT DISTINCT period_start, period_end FROM insight_runs").fetchall()]


# ---------------------------------------------------------------- storing by identity

_COLUMNS = ("id", "kind", "title", "summary", "period_start", "period_end", "reason", "topic", "metrics", "evidence",
            "suggested_department", "confidence", "subject", "episode_start")


def _row(i: Insight) -> list:
    return [i.id, i.kind, i.title, i.summary, i.period_start, i.period_end, i.reason, i.topic,
            json.dumps(i.metrics, default=str), json.dumps(i.evidence, default=str), i.suggested_department,
            i.confidence, i.subject, i.episode_start]


def _near(a0: date, a1: date, b0: date, b1: date) -> bool:
    gap = timedelta(days=EPISODE_GAP_DAYS)
    return a0 <= b1 + gap and b0 <= a1 + gap


def store_insights(con: duckdb.DuckDBPyConnection, items: list[Insight], months: dict[date, tuple[date, date]],
                   window: tuple[date, date], *, now: datetime | None = None) -> None:
    """Store the findings of the months ``months`` (first day → analysed hull) by identity, in one
    transaction; ``items[*].id`` become the stored ids. ``window`` is recorded as analysed."""
    from earful.ledger.lifecycle import merge_insights

    now = now or datetime.now()
    first = min(months)
    last = month_end(max(months))
    fields = "id, kind, subject, episode_start, period_start, period_end, created_at, retired_at"
    with transaction(con):
        # What this run answers for: the months' per-month insights and the emerging episodes that reach
        # into them (unmatched, these are retired) ...
        cur = con.execute(
            f"SELECT {fields} FROM insights WHERE (kind <> 'emerging_issue' AND episode_start IN "
            "(SELECT unnest(CAST(? AS DATE[])))) OR (kind = 'emerging_issue' AND period_start <= ? AND period_end >= ?)",
            [list(months), last, first])
        cols = [d[0] for d in cur.description]
        scope = [dict(zip(cols, r)) for r in cur.fetchall()]
        # ... and what a finding may update besides: its own id, and an emerging episode it overlaps in a
        # month this run did not touch (an episode that crosses a month's end).
        spans = [(i.period_start, i.period_end) for i in items if i.kind == "emerging_issue"]
        pool = {r["id"]: r for r in scope}
        if spans:
            gap = timedelta(days=EPISODE_GAP_DAYS)
            cur = con.execute(f"SELECT {fields} FROM insights WHERE kind = 'emerging_issue' AND period_start <= ? "
                              "AND period_end >= ?", [max(b for _, b in spans) + gap, min(a for a, _ in spans) - gap])
            pool.update({r[0]: dict(zip(cols, r)) for r in cur.fetchall()})
        wanted = [i.id for i in items if i.id not in pool]
        if wanted:
            cur = con.execute(f"SELECT {fields} FROM insights WHERE id IN (SELECT unnest(?))", [wanted])
            pool.update({r[0]: dict(zip(cols, r)) for r in cur.fetchall()})
        by_id = pool
        candidates = list(pool.values())
        claimed: set[str] = set()
        inserts: list[Insight] = []
        for item in sorted(items, key=lambda i: (i.kind, i.subject, i.episode_start)):
            if item.kind == "emerging_issue":
                found = [r for r in candidates if r["kind"] == item.kind and r["subject"] == item.subject
                         and _near(r["period_start"], r["period_end"], item.period_start, item.period_end)]
            else:
                found = [r for r in candidates if (r["kind"], r["subject"], r["episode_start"])
                         == (item.kind, item.subject, item.episode_start)]
            if item.id in by_id:
                found.append(by_id[item.id])
            found = [r for r in {r["id"]: r for r in found}.values() if r["id"] not in claimed]
            if not found:
                if item.id in claimed:  # another finding took this id (an episode that split in two)
                    item.id = insight_id(item.kind, item.subject, item.period_end)
                claimed.add(item.id)
                inserts.append(item)
                continue
            found.sort(key=lambda r: (r["created_at"], r["id"]))
            keeper, twins = found[0]["id"], [r["id"] for r in found[1:]]
            claimed.update(r["id"] for r in found)
            item.id = keeper
            con.execute(
                "UPDATE insights SET title = ?, summary = ?, period_start = ?, period_end = ?, reason = ?, topic = ?,"
                " metrics = ?, evidence = ?, suggested_department = ?, confidence = ?, subject = ?, episode_start = ?,"
                " updated_at = ?, retired_at = NULL, retired_note = NULL WHERE id = ?",
                _row(item)[2:] + [now, keeper])
            if twins:
                merge_insights(con, keeper, twins, note="one episode: found again as one by a run over more days",
                               now=now)
        if inserts:
            con.executemany(
                f"INSERT INTO insights ({', '.join(_COLUMNS)}, created_at, updated_at) VALUES "
                f"({', '.join('?' * len(_COLUMNS))}, ?, ?)", [_row(i) + [now, now] for i in inserts])
        gone = [r["id"] for r in scope if r["id"] not in claimed and r["retired_at"] is None]
        if gone:
            _retire(con, gone, f"not found again when {_months_words(months)} was analysed over "
                               f"{window[0]} to {window[1]}", now)
        con.execute("INSERT INTO insight_runs (period_start, period_end, at_time) VALUES (?, ?, ?)",
                    [window[0], window[1], now])


def _months_words(months: dict[date, tuple[date, date]]) -> str:
    return ", ".join(f"{m:%B %Y}" for m in months)


def _retire(con: duckdb.DuckDBPyConnection, ids: list[str], note: str, now: datetime) -> None:
    """Insights no longer found: kept (marked retired) when a route, value or comment refers to
    them, deleted otherwise."""
    used = {r[0] for r in con.execute(
        "SELECT insight_id FROM ledger_routes WHERE insight_id IN (SELECT unnest($1)) UNION "
        "SELECT insight_id FROM ledger_values WHERE insight_id IN (SELECT unnest($1)) UNION "
        "SELECT insight_id FROM insight_comments WHERE insight_id IN (SELECT unnest($1))", [ids]).fetchall()}
    keep = [i for i in ids if i in used]
    drop = [i for i in ids if i not in used]
    if keep:
        con.execute("UPDATE insights SET retired_at = ?, retired_note = ? WHERE id IN (SELECT unnest(?))",
                    [now, note, keep])
    if drop:
        con.execute("DELETE FROM insights WHERE id IN (SELECT unnest(?))", [drop])


def resolve(con: duckdb.DuckDBPyConnection, insight_id_: str) -> str:
    """The id an insight has now: itself, or the insight it was merged into."""
    seen = {insight_id_}
    current = insight_id_
    while True:
        row = con.execute("SELECT into_id FROM insight_merges WHERE merged_id = ?", [current]).fetchone()
        if row is None or row[0] in seen:
            return current
        current = row[0]
        seen.add(current)
