"""What the surveys say, per channel, queue, reason, agent or period: distributions, top and bottom
boxes, NPS with its interval, response rate with the people who did not answer, redacted comments by
score band, and the detractors to call back.

A response counts where the contact it rates counts (that contact's channel, queue, agent, reason and
time); an unlinked response has only its own time. Formulas (each in ``earful.quality.stats``):
CSAT = mean of 1–5 answers (t interval); top box = share of 4–5, bottom box = share of 1–2 (Wilson);
NPS = % promoters (9–10) − % detractors (0–6); CES top box = share of 6–7 (higher = easier);
response rate = answered contacts with a linked response ÷ answered contacts that could be surveyed
(the last leg of a transfer, not its first).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from earful.errors import InputError
from earful.quality.stats import Estimate, mean_ci, nps, wilson
from earful.quality.summary import period_condition
from earful.store import has_table

#: Survey figures need at least this many answers; fewer are shown as unknown.
MIN_ANSWERS = 5
GROUPS = {"channel": "channel", "queue": "queue", "agent": "agent", "reason": "reason", "survey": "survey",
          "day": "CAST(t AS DATE)", "week": "CAST(date_trunc('week', t) AS DATE)",
          "month": "CAST(date_trunc('month', t) AS DATE)"}
BANDS = {"csat": (("dissatisfied (1–2)", 1, 2), ("neutral (3)", 3, 3), ("satisfied (4–5)", 4, 5)),
         "nps": (("detractor (0–6)", 0, 6), ("passive (7–8)", 7, 8), ("promoter (9–10)", 9, 10))}


def _reason(con: duckdb.DuckDBPyConnection, alias: str) -> tuple[str, str]:
    if has_table(con, "enrichment"):
        return (f"coalesce(e_{alias}.reason, {alias}.disposition)",
                f"LEFT JOIN enrichment e_{alias} ON e_{alias}.interaction_id = {alias}.id")
    return f"{alias}.disposition", ""


def responses_sql(con: duckdb.DuckDBPyConnection) -> str:
    """One row per survey response with the contact it rates (channel, queue, agent, reason, time)."""
    reason, join = _reason(con, "c")
    red = ("LEFT JOIN enrichment er ON er.interaction_id = s.id", "er.redacted_text") if has_table(con, "enrichment") \
        else ("", "NULL")
    return f"""
        SELECT s.id AS response_id, s.ended_at AS answered_at, s.csat, s.nps, s.ces, s.text AS comment,
               {red[1]} AS comment_redacted, s.customer_id, s.related_id AS contact_id,
               coalesce(json_extract_string(s.metadata, '$.survey'), 'post-contact') AS survey,
               coalesce(c.channel, json_extract_string(s.metadata, '$.survey_of_channel')) AS channel,
               c.queue, c.agent_id AS agent, {reason} AS reason,
               coalesce(c.offered_at, c.answered_at, c.ended_at, s.ended_at) AS t
        FROM interactions s LEFT JOIN interactions c ON c.id = s.related_id {join} {red[0]}
        WHERE s.channel = 'survey'"""


def contacts_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Answered contacts that could be surveyed, with whether one was answered."""
    reason, join = _reason(con, "i")
    return f"""
        SELECT i.id, i.channel, i.queue, i.agent_id AS agent, {reason} AS reason,
               coalesce(i.offered_at, i.answered_at, i.ended_at) AS t,
               EXISTS (SELECT 1 FROM interactions s WHERE s.channel = 'survey' AND s.related_id = i.id) AS responded
        FROM interactions i {join}
        WHERE i.channel <> 'survey' AND i.answered_at IS NOT NULL AND NOT coalesce(i.abandoned, false)
          AND NOT coalesce(i.transferred, false)"""


def _group(by: str | None) -> str:
    if by is None:
        return "'all'"
    if by not in GROUPS:
        raise InputError(f"cannot group surveys by {by!r}: choose from {', '.join(GROUPS)}")
    return GROUPS[by]


def _est(e: Estimate, scale: float = 1.0) -> dict:
    """An estimate as plain data; too few answers make it unknown, with the reason."""
    if e.n < MIN_ANSWERS or e.value is None:
        return {"value": None, "low": None, "high": None, "n": e.n,
                "why": f"only {e.n} answer{'s' if e.n != 1 else ''} (needs {MIN_ANSWERS})"}
    f = lambda v: None if v is None else v * scale  # noqa: E731
    return {"value": f(e.value), "low": f(e.low), "high": f(e.high), "n": e.n}


def summary(con: duckdb.DuckDBPyConnection, by: str | None = None, start: date | None = None,
            end: date | None = None) -> list[dict[str, Any]]:
    """Survey figures per group (``by``: channel, queue, agent, reason, survey, day, week, month)."""
    g = _group(by)
    where, params = period_condition(start, end)
    rows = con.execute(f"SELECT {g} AS grp, csat, nps, ces FROM ({responses_sql(con)}) WHERE {where}", params).fetchall()
    elig = con.execute(f"SELECT {g} AS grp, count(*), count_if(responded) FROM ({contacts_sql(con)}) "
                       f"WHERE {where} GROUP BY 1", params).fetchall() if by != "survey" else []
    groups: dict[Any, dict[str, list]] = {}
    for grp, c, n, e in rows:
        d = groups.setdefault(grp, {"csat": [], "nps": [], "ces": []})
        for k, v in (("csat", c), ("nps", n), ("ces", e)):
            if v is not None:
                d[k].append(float(v))
    eligible = {grp: (int(a), int(b)) for grp, a, b in elig}
    out = []
    for grp in sorted(set(groups) | set(eligible), key=lambda x: (x is None, str(x))):
        d = groups.get(grp, {"csat": [], "nps": [], "ces": []})
        cs, ns, es = d["csat"], d["nps"], d["ces"]
        n_el, n_resp = eligible.get(grp, (None, None))
        out.append({
            "group": grp, "responses": max(len(cs), len(ns), len(es)),
            "csat": _est(mean_ci(cs)),
            "csat_distribution": {k: sum(1 for v in cs if round(v) == k) for k in range(1, 6)},
            "csat_top_box": _est(wilson(sum(v >= 4 for v in cs), len(cs))),
            "csat_bottom_box": _est(wilson(sum(v <= 2 for v in cs), len(cs))),
            "nps": _est(nps(ns)),
            "nps_distribution": {"detractors": sum(v <= 6 for v in ns), "passives": sum(7 <= v <= 8 for v in ns),
                                 "promoters": sum(v >= 9 for v in ns)},
            "ces": _est(mean_ci(es)),
            "ces_top_box": _est(wilson(sum(v >= 6 for v in es), len(es))),
            "eligible": n_el, "responded": n_resp, "not_responded": None if n_el is None else n_el - n_resp,
            "response_rate": None if not n_el else _est(wilson(n_resp, n_el)),
        })
    return out


def non_response(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Who answered and who did not: contacts, wait, transfers, QA score, end sentiment and predicted CSAT of
    the two groups side by side (a survey average speaks for the people who answer)."""
    where, params = period_condition(start, end, "c.t")
    cols = ["count(*) AS contacts", "avg(i.wait_s) AS wait_s"]
    joins = ""
    if has_table(con, "qa_scores"):
        cols.append("avg(q.score) AS qa_score")
        joins += " LEFT JOIN qa_scores q ON q.interaction_id = c.id"
    if has_table(con, "enrichment"):
        cols.append("avg(en.end_sentiment) AS end_sentiment")
        joins += " LEFT JOIN enrichment en ON en.interaction_id = c.id"
    if has_table(con, "satisfaction_predictions"):
        cols.append("avg(p.predicted_csat) AS predicted_csat")
        cols.append("avg(p.p_dissatisfied) AS p_dissatisfied")
        joins += " LEFT JOIN satisfaction_predictions p ON p.interaction_id = c.id"
    rows = con.execute(f"""SELECT c.responded, {', '.join(cols)} FROM ({contacts_sql(con)}) c
                           JOIN interactions i ON i.id = c.id {joins} WHERE {where}
                           GROUP BY 1""", params).fetchall()
    names = ["responded"] + [c.split(" AS ")[-1] for c in cols]
    out = {"answered": None, "did_not_answer": None}
    for r in rows:
        out["answered" if r[0] else "did_not_answer"] = dict(zip(names[1:], r[1:]))
    return out


def _redactor():
    from earful.nlp.redact import Redactor

    global _REDACTOR
    if _REDACTOR is None:
        _REDACTOR = Redactor(fast=True).fit()
    return _REDACTOR


_REDACTOR = None


def _redacted(text: str | None, stored: str | None) -> str | None:
    if stored is not None:
        return stored
    return _redactor().redact(text) if text else text


def verbatims(con: duckdb.DuckDBPyConnection, scale: str = "csat", start: date | None = None, end: date | None = None,
              per_band: int = 5, **filters: str | None) -> list[dict[str, Any]]:
    """Redacted comments per score band (``scale`` csat or nps), newest first; ``filters`` on channel,
    queue, agent or reason."""
    if scale not in BANDS:
        raise InputError("verbatims are by csat or nps bands")
    where, params = period_condition(start, end)
    for k, v in filters.items():
        if v is not None:
            if k not in ("channel", "queue", "agent", "reason"):
                raise InputError(f"cannot filter comments by {k}")
            where += f" AND {k} = ?"
            params.append(v)
    out = []
    for label, lo, hi in BANDS[scale]:
        rows = con.execute(f"""SELECT response_id, contact_id, answered_at, {scale}, comment, comment_redacted, channel,
                                      queue, agent, reason
                               FROM ({responses_sql(con)}) WHERE {where} AND comment IS NOT NULL AND {scale} BETWEEN ? AND ?
                               ORDER BY answered_at DESC, response_id LIMIT ?""", params + [lo, hi, per_band]).fetchall()
        n = con.execute(f"SELECT count(*) FROM ({responses_sql(con)}) WHERE {where} AND comment IS NOT NULL "
                        f"AND {scale} BETWEEN ? AND ?", params + [lo, hi]).fetchall()[0][0]
        out.append({"band": label, "comments": int(n), "quotes": [
            {"response_id": r[0], "contact_id": r[1], "answered_at": str(r[2]), "score": r[3],
             "text": _redacted(r[4], r[5]), "channel": r[6], "queue": r[7], "agent": r[8], "reason": r[9]} for r in rows]})
    return out


def detractors(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None,
               limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """Responses to follow up (NPS 0–6 or CSAT 1–2), newest first, with the contact and the redacted comment."""
    where, params = period_condition(start, end)
    base = f"FROM ({responses_sql(con)}) WHERE {where} AND (nps <= 6 OR csat <= 2)"
    total = con.execute(f"SELECT count(*) {base}", params).fetchall()[0][0]
    rows = con.execute(f"""SELECT response_id, contact_id, customer_id, answered_at, csat, nps, ces, comment,
                                  comment_redacted, channel, queue, agent, reason
                           {base} ORDER BY answered_at DESC, response_id LIMIT ? OFFSET ?""",
                       params + [limit, offset]).fetchall()
    items = [{"response_id": r[0], "contact_id": r[1], "customer_id": r[2], "answered_at": str(r[3]), "csat": r[4],
              "nps": r[5], "ces": r[6], "comment": _redacted(r[7], r[8]), "channel": r[9], "queue": r[10],
              "agent": r[11], "reason": r[12]} for r in rows]
    return {"items": items, "total": int(total), "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None}
