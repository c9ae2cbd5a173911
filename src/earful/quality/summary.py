"""QA figures for people: one interaction's scorecard, and scores and item fail rates per group.

Score per group = mean of the interactions' scores (t interval); an item's fail rate = fails ÷ contacts
the item applied to (Wilson interval); auto-fail rate = interactions that failed an auto-fail item ÷
interactions scored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from earful.errors import InputError
from earful.quality.run import active_rubric
from earful.quality.stats import mean_ci, wilson
from earful.store import has_table

GROUPS = {"agent": "i.agent_id", "queue": "i.queue", "channel": "i.channel", "day": "CAST(t AS DATE)",
          "week": "CAST(date_trunc('week', t) AS DATE)", "month": "CAST(date_trunc('month', t) AS DATE)",
          "reason": "reason"}


def _check(con: duckdb.DuckDBPyConnection) -> None:
    if not has_table(con, "qa_scores"):
        raise InputError("this store has no QA scores yet: run `earful qa run`")


def _source(con: duckdb.DuckDBPyConnection) -> str:
    enr = has_table(con, "enrichment")
    return f"""(SELECT i.*, coalesce(i.offered_at, i.answered_at, i.ended_at) AS t,
                       {"coalesce(e.reason, i.disposition)" if enr else "i.disposition"} AS reason
                FROM interactions i {"LEFT JOIN enrichment e ON e.interaction_id = i.id" if enr else ""})"""


def period_condition(start: date | None, end: date | None, column: str = "t") -> tuple[str, list]:
    """SQL for ``column`` in the days [start, end] (both included; None is open) and its parameters."""
    cond, params = [], []
    if start is not None:
        cond.append(f"{column} >= ?")
        params.append(datetime(start.year, start.month, start.day))
    if end is not None:
        cond.append(f"{column} < ?")
        params.append(datetime(end.year, end.month, end.day) + timedelta(days=1))
    return " AND ".join(cond) or "true", params


def _where(start: date | None, end: date | None, agents: list[str] | None = None) -> tuple[str, list]:
    where, params = period_condition(start, end, "i.t")
    if agents is not None:
        where += " AND i.agent_id IN (SELECT unnest(?))"
        params.append(list(agents))
    return where, params


def qa_summary(con: duckdb.DuckDBPyConnection, by: str | None = None, start: date | None = None,
               end: date | None = None, agents: list[str] | None = None) -> dict[str, Any]:
    """Scores and item fail rates per group (``by``: agent, queue, channel, reason, day, week, month)."""
    _check(con)
    if by is not None and by not in GROUPS:
        raise InputError(f"cannot group QA by {by!r}: choose from {', '.join(GROUPS)}")
    g = GROUPS[by] if by else "'all'"
    where, params = _where(start, end, agents)
    src = _source(con)
    scores = con.execute(f"""SELECT {g} AS grp,
                                    s.score, s.auto_failed
                             FROM qa_scores s JOIN {src} i ON i.id = s.interaction_id WHERE {where}""", params).fetchall()
    fails = con.execute(f"""SELECT {g} AS grp, q.item,
                                   count(*), count_if(q.verdict = 'fail')
                            FROM qa_items q JOIN {src} i ON i.id = q.interaction_id
                            WHERE q.verdict <> 'na' AND {where} GROUP BY 1, 2""", params).fetchall()
    rubric = active_rubric(con)
    per: dict[Any, dict] = {}
    for grp, score, auto in scores:
        d = per.setdefault(grp, {"scores": [], "auto": 0, "n": 0})
        d["n"] += 1
        d["auto"] += bool(auto)
        if score is not None:
            d["scores"].append(score)
    items: dict[Any, dict[str, dict]] = {}
    for grp, item, n, f in fails:
        e = wilson(f, n)
        items.setdefault(grp, {})[item] = {"applicable": int(n), "fails": int(f), "fail_rate": e.value,
                                           "low": e.low, "high": e.high}
    rows = []
    for grp in sorted(per, key=lambda x: (x is None, str(x))):
        d = per[grp]
        m = mean_ci(d["scores"])
        rows.append({"group": grp, "scored": d["n"], "score": m.value, "low": m.low, "high": m.high,
                     "auto_fail_rate": d["auto"] / d["n"] if d["n"] else None, "items": items.get(grp, {})})
    return {"by": by, "rubric": {"name": rubric.name, "version": rubric.version,
                                 "items": [{"name": it.name, "label": it.label, "section": it.section,
                                            "weight": it.weight, "auto_fail": it.auto_fail} for it in rubric.items]},
            "rows": rows}


def interaction_qa(con: duckdb.DuckDBPyConnection, interaction_id: str, *, redacted: bool = True) -> dict[str, Any] | None:
    """One interaction's scorecard: score, and each item's verdict with the turn that decided it."""
    if not has_table(con, "qa_scores"):
        return None
    row = con.execute("SELECT score, auto_failed, rubric_version, scored_at FROM qa_scores WHERE interaction_id = ?",
                      [interaction_id]).fetchall()
    if not row:
        return None
    score, auto, version, at = row[0]
    enr = has_table(con, "enrichment_turns")
    items = con.execute(f"""
        SELECT q.item, q.verdict, q.evidence_seq, q.confidence, q.detector, t.text
               {", et.redacted_text" if enr else ", NULL"}
        FROM qa_items q LEFT JOIN turns t ON t.interaction_id = q.interaction_id AND t.seq = q.evidence_seq
        {"LEFT JOIN enrichment_turns et ON et.interaction_id = q.interaction_id AND et.seq = q.evidence_seq" if enr else ""}
        WHERE q.interaction_id = ?""", [interaction_id]).fetchall()
    rubric = active_rubric(con)
    meta = {it.name: it for it in rubric.items}
    order = {n: k for k, n in enumerate(rubric.names)}
    from earful.surveys.analysis import _redacted

    out = []
    for item, verdict, seq, conf, det, text, red in sorted(items, key=lambda r: order.get(r[0], 99)):
        it = meta.get(item)
        out.append({"item": item, "label": it.label if it else item, "section": it.section if it else None,
                    "weight": it.weight if it else None, "auto_fail": it.auto_fail if it else None,
                    "verdict": verdict, "evidence_seq": seq, "confidence": conf, "detector": det,
                    "evidence": (_redacted(text, red) if redacted else text) if seq is not None else None})
    return {"interaction_id": interaction_id, "score": score, "auto_failed": bool(auto),
            "rubric_version": version, "current_rubric": version == rubric.version, "scored_at": str(at), "items": out}
