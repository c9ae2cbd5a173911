"""Agent coaching: an agent against the peers on the same queue, with intervals, and what to coach.

``agent_report`` compares an agent's contacts on their main queue with every other agent's contacts on
that queue over the same period: QA score and each QA item's fail rate, CSAT, predicted CSAT, AHT,
FCR and sentiment turnaround (of contacts whose customer started negative, below −0.2, the share that
ended at 0 or above). Each figure carries its 95 % interval (``earful.quality.stats``), and the
difference is called better or worse only when its interval excludes zero, so a small sample is not
over-read. A weak item (fail rate worse than peers) gets a coaching list: the agent's interactions that
failed it most clearly, newest first among equals, each with the turn that decided it (redacted).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from earful.errors import InputError
from earful.quality.stats import Estimate, difference, mean_ci, wilson
from earful.quality.summary import period_condition
from earful.store import has_column, has_table

TURNAROUND_FROM = -0.2
FCR_DAYS = 7


def _base_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Answered contacts with an agent: time, queue, handle, QA score, FCR, sentiment, CSAT, predicted CSAT."""
    qa = has_table(con, "qa_scores")
    enr = has_table(con, "enrichment")
    pred = has_table(con, "satisfaction_predictions")
    nxt = has_column(con, "interactions", "next_contact_at")
    t = "coalesce(i.offered_at, i.answered_at, i.ended_at)"
    return f"""
        SELECT i.id, i.agent_id AS agent, i.queue, i.channel, {t} AS t,
               coalesce(i.talk_s, 0) + coalesce(i.hold_s, 0) + coalesce(i.wrap_s, 0) AS handle_s,
               {"q.score" if qa else "NULL::DOUBLE"} AS qa_score,
               {f"CASE WHEN i.is_contact THEN i.next_contact_at IS NULL OR i.next_contact_at > {t} + INTERVAL {FCR_DAYS} DAY END" if nxt else "NULL::BOOLEAN"} AS resolved,
               {"fs.sentiment" if enr else "NULL::DOUBLE"} AS sentiment_first, {"e.end_sentiment" if enr else "NULL::DOUBLE"} AS end_sentiment,
               sv.csat, {"p.predicted_csat" if pred else "NULL::DOUBLE"} AS predicted_csat
        FROM interactions i
        LEFT JOIN (SELECT related_id, avg(csat) AS csat FROM interactions WHERE channel = 'survey' AND related_id IS NOT NULL
                   GROUP BY 1) sv ON sv.related_id = i.id
        {"LEFT JOIN qa_scores q ON q.interaction_id = i.id" if qa else ""}
        {"LEFT JOIN enrichment e ON e.interaction_id = i.id" if enr else ""}
        {FIRST_SENTIMENT_JOIN if enr else ""}
        {"LEFT JOIN satisfaction_predictions p ON p.interaction_id = i.id" if pred else ""}
        WHERE i.agent_id IS NOT NULL AND i.answered_at IS NOT NULL AND i.channel <> 'survey'"""


#: The customer's first scored turn's sentiment per interaction, as ``fs.sentiment`` (enriched stores).
FIRST_SENTIMENT_JOIN = """LEFT JOIN (SELECT interaction_id, arg_min(sentiment, seq) AS sentiment FROM enrichment_turns
                                    WHERE speaker = 'customer' AND sentiment IS NOT NULL GROUP BY 1) fs
                         ON fs.interaction_id = i.id"""


def _light_sql() -> str:
    """Answered contacts with an agent: id, agent, queue and time only (for the QA item queries)."""
    return ("SELECT i.id, i.agent_id AS agent, i.queue, coalesce(i.offered_at, i.answered_at, i.ended_at) AS t "
            "FROM interactions i WHERE i.agent_id IS NOT NULL AND i.answered_at IS NOT NULL AND i.channel <> 'survey'")


def _measures(rows: list[tuple]) -> dict[str, Estimate]:
    """The coaching measures of a set of contacts (rows of _base_sql's columns after id, agent, queue, channel, t)."""
    handle = [r[0] for r in rows if r[0]]
    qa = [r[1] for r in rows if r[1] is not None]
    fcr = [r[2] for r in rows if r[2] is not None]
    neg = [r for r in rows if r[3] is not None and r[3] < TURNAROUND_FROM and r[4] is not None]
    csat = [r[5] for r in rows if r[5] is not None]
    pred = [r[6] for r in rows if r[6] is not None]
    return {"qa_score": mean_ci(qa), "csat": mean_ci(csat), "predicted_csat": mean_ci(pred), "aht_s": mean_ci(handle),
            "fcr_rate": wilson(sum(fcr), len(fcr)), "turnaround": wilson(sum(r[4] >= 0 for r in neg), len(neg))}


#: measure -> (label, higher is better)
MEASURES = {"qa_score": ("QA score", True), "csat": ("CSAT", True), "predicted_csat": ("predicted CSAT", True),
            "aht_s": ("AHT (s)", False), "fcr_rate": ("first-contact resolution", True),
            "turnaround": ("sentiment turnaround", True)}


def _compare(a: Estimate, b: Estimate, higher_better: bool) -> dict[str, Any]:
    d = difference(a, b)
    verdict = "no clear difference"
    if d.low is not None and d.high is not None:
        if d.low > 0 or d.high < 0:
            better = (d.value > 0) == higher_better  # type: ignore[operator]
            verdict = "better" if better else "worse"
    elif a.n < 2:
        verdict = "too few contacts to say"
    return {"agent": a.as_dict(), "peers": b.as_dict(), "difference": d.as_dict(), "verdict": verdict}


def agent_report(con: duckdb.DuckDBPyConnection, agent: str, start: date | None = None, end: date | None = None,
                 *, examples: int = 5) -> dict[str, Any]:
    """The agent against same-queue peers (see the module docstring)."""
    where, params = period_condition(start, end)
    queues = con.execute(f"SELECT queue, count(*) FROM ({_light_sql()}) WHERE agent = ? AND {where} GROUP BY 1 "
                         "ORDER BY 2 DESC, 1", [agent] + params).fetchall()
    if not queues:
        raise InputError(f"no answered contacts by agent {agent!r}" + (" in this period" if start or end else ""))
    queue = queues[0][0]
    rows = con.execute(f"""SELECT agent = ?, agent, handle_s, qa_score, resolved, sentiment_first, end_sentiment, csat,
                                  predicted_csat FROM ({_base_sql(con)}) WHERE queue IS NOT DISTINCT FROM ? AND {where}""",
                       [agent, queue] + params).fetchall()
    mine = [r[2:] for r in rows if r[0]]
    peers = [r[2:] for r in rows if not r[0]]
    n_peers = len({r[1] for r in rows if not r[0]})
    a, p = _measures(mine), _measures(peers)
    measures = {k: {"label": lab, **_compare(a[k], p[k], hb)} for k, (lab, hb) in MEASURES.items()}
    items = _items(con, agent, queue, where, params)
    weak = [it for it in items if it["verdict"] == "worse"]
    for it in weak:
        it["coaching"] = coaching_examples(con, agent, it["item"], start, end, limit=examples)
    team = None
    if has_table(con, "agent_teams"):
        row = con.execute("SELECT team FROM agent_teams WHERE agent_id = ?", [agent]).fetchall()
        team = row[0][0] if row else None
    return {"agent": agent, "team": team, "queue": queue, "queues": [{"queue": q, "contacts": n} for q, n in queues],
            "contacts": len(mine), "peers": int(n_peers), "peer_contacts": len(peers),
            "period": {"start": str(start) if start else None, "end": str(end) if end else None},
            "measures": measures, "items": items, "weak_items": [it["item"] for it in weak]}


def _items(con: duckdb.DuckDBPyConnection, agent: str, queue: str | None, where: str, params: list) -> list[dict]:
    """Each QA item's fail rate for the agent and the peers on the queue (applicable contacts only)."""
    if not has_table(con, "qa_items"):
        return []
    from earful.quality.run import active_rubric

    rubric = active_rubric(con)
    labels = {it.name: it.label for it in rubric.items}
    rows = con.execute(f"""
        SELECT qi.item, b.agent = ? AS mine, count(*) AS n, count_if(qi.verdict = 'fail') AS fails
        FROM qa_items qi JOIN ({_light_sql()}) b ON b.id = qi.interaction_id
        WHERE qi.verdict <> 'na' AND b.queue IS NOT DISTINCT FROM ? AND {where}
        GROUP BY 1, 2""", [agent, queue] + params).fetchall()
    got: dict[str, dict[bool, tuple[int, int]]] = {}
    for item, mine, n, f in rows:
        got.setdefault(item, {})[bool(mine)] = (int(n), int(f))
    out = []
    for item in [n for n in rubric.names if n in got]:
        mn, mf = got[item].get(True, (0, 0))
        pn, pf = got[item].get(False, (0, 0))
        if mn == 0:
            continue
        c = _compare(wilson(mf, mn), wilson(pf, pn), higher_better=False)
        out.append({"item": item, "label": labels.get(item, item), **c})
    return out


def coaching_examples(con: duckdb.DuckDBPyConnection, agent: str, item: str, start: date | None = None,
                      end: date | None = None, *, limit: int = 5) -> list[dict[str, Any]]:
    """The agent's interactions that best show a failed item: most confident first, then newest, with the
    deciding turn's redacted words."""
    where, params = period_condition(start, end)
    enr = has_table(con, "enrichment_turns")
    rows = con.execute(f"""
        SELECT b.id, b.t, qi.confidence, qi.evidence_seq, tt.text {", et.redacted_text" if enr else ", NULL"}
        FROM qa_items qi JOIN ({_light_sql()}) b ON b.id = qi.interaction_id
        LEFT JOIN turns tt ON tt.interaction_id = qi.interaction_id AND tt.seq = qi.evidence_seq
        {"LEFT JOIN enrichment_turns et ON et.interaction_id = qi.interaction_id AND et.seq = qi.evidence_seq" if enr else ""}
        WHERE b.agent = ? AND qi.item = ? AND qi.verdict = 'fail' AND {where}
        ORDER BY qi.confidence DESC NULLS LAST, b.t DESC, b.id LIMIT ?""", [agent, item] + params + [limit]).fetchall()
    from earful.surveys.analysis import _redacted

    return [{"interaction_id": r[0], "at": str(r[1]), "confidence": r[2], "evidence_seq": r[3],
             "evidence": _redacted(r[4], r[5])} for r in rows]


def agents_overview(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None,
                    agents: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per agent: contacts, main queue, QA score (with interval), auto-fails, CSAT, predicted CSAT, AHT, FCR."""
    where, params = period_condition(start, end)
    if agents is not None:
        where += " AND agent IN (SELECT unnest(?))"
        params.append(list(agents))
    auto = has_table(con, "qa_scores")
    rows = con.execute(f"""
        SELECT b.agent, mode(b.queue) AS queue, count(*) AS contacts, avg(b.qa_score), stddev_samp(b.qa_score),
               count(b.qa_score), {"count_if(q.auto_failed)" if auto else "0"},
               avg(b.csat), count(b.csat), avg(b.predicted_csat), avg(b.handle_s),
               count_if(b.resolved), count(b.resolved)
        FROM ({_base_sql(con)}) b {"LEFT JOIN qa_scores q ON q.interaction_id = b.id" if auto else ""}
        WHERE {where} GROUP BY 1 ORDER BY 1""", params).fetchall()
    out = []
    for ag, queue, n, qa, sd, nq, af, cs, ncs, pc, aht, fr, nfr in rows:
        half = 1.96 * sd / nq ** 0.5 if sd is not None and nq and nq > 1 else None
        out.append({"agent": ag, "queue": queue, "contacts": int(n),
                    "qa_score": qa, "qa_low": None if half is None else qa - half,
                    "qa_high": None if half is None else qa + half, "qa_scored": int(nq),
                    "auto_fail_rate": af / nq if nq else None, "csat": cs, "csat_n": int(ncs),
                    "predicted_csat": pc, "aht_s": aht, "fcr_rate": fr / nfr if nfr else None})
    return out


def team_agents(con: duckdb.DuckDBPyConnection, team: str) -> list[str]:
    """The agents of a team (``agent_teams``)."""
    if not has_table(con, "agent_teams"):
        return []
    return [r[0] for r in con.execute("SELECT agent_id FROM agent_teams WHERE team = ? ORDER BY 1", [team]).fetchall()]
