"""Voice of the customer: feature requests, competitor mentions, testimonials, customers at risk.

Uses enrichment.feedback_type / mentions when the enrichment table has them; otherwise plain
phrase rules over the customer's own words (turns spoken by the customer, message text, survey
comments). Every quote goes through redaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import duckdb

from earful.store.schema import has_table
from earful.insights.config import InsightsConfig
from earful.insights.evidence import customer_texts, diverse_quotes

REQUEST_RE = (r"(?i)(would be (great|nice|good|helpful) if|please add|you should (add|have|let|offer)|"
              r"feature request|wish (you|there|i could|the app)|why (can't|cannot|don't) (i|you)|"
              r"it would help if|could you (add|make)|suggestion)")
PRAISE_RE = r"(?i)(thank|great|excellent|amazing|brilliant|helpful|love|fantastic|superb|quick|well done)"
STRONG_PRAISE_RE = (r"(?i)(brilliant|fantastic|excellent|impressed|best service|recommend(ing)? you|"
                    r"outstanding|above and beyond|so helpful|great service|really helpful|well done|love (you|the|this))")
CHURN_RE = (r"(?i)(close my account|closing my account|switch(ing)? (bank|to)|mov(e|ing) my money|"
            r"(leave|leaving) (you|this bank|the bank)|cancel my (account|card|contract)|"
            r"take my business|go(ing)? elsewhere|had enough)")
_NOT_NAMES = {"My", "Your", "Our", "The", "This", "That", "Which", "What", "A", "An", "Any", "Which",
              "Their", "His", "Her", "Other", "Another", "Same", "New", "Online", "Local", "Central"}
COMPETITOR_RE = r"\b([A-Z][a-z]+ (?:Bank|Banking|Mobile|Telecom|Energy|Insurance|Airlines?))\b"


@dataclass
class VocFinding:
    """One voice-of-the-customer finding with its interactions."""

    kind: str
    title: str
    count: int
    ids: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def _build_texts(con: duckdb.DuckDBPyConnection, start: date, end: date) -> None:
    cols = set()
    if has_table(con, "enrichment"):
        cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name='enrichment'").fetchall()}
    fb = "e.feedback_type" if "feedback_type" in cols else "CAST(NULL AS VARCHAR)"
    mn = "CAST(e.mentions AS VARCHAR)" if "mentions" in cols else "CAST(NULL AS VARCHAR)"
    join = "LEFT JOIN enrichment e ON e.interaction_id = i.id" if cols else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ins_text AS
        WITH t AS (SELECT interaction_id, string_agg(text, ' ' ORDER BY seq) AS words
                   FROM turns WHERE speaker = 'customer' GROUP BY 1),
        s AS (SELECT related_id, max(csat) AS csat, max(nps) AS nps FROM interactions
              WHERE channel = 'survey' AND related_id IS NOT NULL GROUP BY 1)
        SELECT i.id, i.customer_id, i.channel, coalesce(i.csat, s.csat) AS csat, coalesce(i.nps, s.nps) AS nps,
               coalesce(t.words, i.text) AS words, {fb} AS feedback_type, {mn} AS mentions
        FROM interactions i LEFT JOIN t ON t.interaction_id = i.id LEFT JOIN s ON s.related_id = i.id {join}
        WHERE CAST(coalesce(i.offered_at, i.answered_at, i.ended_at) AS DATE) BETWEEN ? AND ?
          AND coalesce(t.words, i.text) IS NOT NULL
    """, [start, end])


def _ids(con, where: str, params: list | None = None, limit: int = 100000) -> list[tuple]:
    return con.execute(f"SELECT id, customer_id FROM _ins_text WHERE {where} ORDER BY id LIMIT {limit}",
                       params or []).fetchall()


def voice_of_customer(con: duckdb.DuckDBPyConnection, start: date, end: date,
                      config: InsightsConfig) -> list[VocFinding]:
    """Feature requests, competitors, testimonial candidates and at-risk customers in the period."""
    _build_texts(con, start, end)
    out: list[VocFinding] = []
    req = _ids(con, "feedback_type = 'request' OR (feedback_type IS NULL AND regexp_matches(words, ?))",
               [REQUEST_RE])
    if req:
        out.append(VocFinding("product_feedback", f"{len(req)} product suggestions and feature requests",
                              len(req), [r[0] for r in req]))
    # Competitors: configured names, enrichment mentions, else capitalised "X Bank"-style names.
    names: dict[str, list[tuple]] = {}
    if config.competitors:
        for name in config.competitors:
            rows = _ids(con, "contains(lower(words), lower(?))", [name])
            if rows:
                names[name] = rows
    else:
        for iid, cust, words, mentions in con.execute(
                "SELECT id, customer_id, words, mentions FROM _ins_text WHERE mentions IS NOT NULL "
                "OR regexp_matches(words, ?)", [COMPETITOR_RE]).fetchall():
            found = set()
            if mentions:
                try:
                    for m in json.loads(mentions) or []:
                        if isinstance(m, dict) and m.get("kind", m.get("type", "competitor")) == "competitor":
                            found.add(str(m.get("name") or m.get("text")))
                        elif isinstance(m, str):
                            found.add(m)
                except (ValueError, TypeError):
                    pass
            found |= set(re.findall(COMPETITOR_RE, words or ""))
            for n in found:
                if n.split(" ", 1)[0] in _NOT_NAMES:
                    continue
                names.setdefault(n, []).append((iid, cust))
    for name, rows in sorted(names.items(), key=lambda kv: -len(kv[1])):
        if len(rows) >= 2:
            churny = sum(1 for _ in con.execute(
                f"SELECT 1 FROM _ins_text WHERE id IN (SELECT unnest(?)) AND regexp_matches(words, ?)",
                [[r[0] for r in rows], CHURN_RE]).fetchall())
            out.append(VocFinding("competitor", f"{name} mentioned {len(rows)} times", len(rows),
                                  [r[0] for r in rows], sorted({r[1] for r in rows if r[1]}),
                                  {"competitor": name, "with_churn_talk": churny}))
    test = _ids(con, "(feedback_type = 'praise' AND coalesce(csat, 5) >= 4) OR (feedback_type IS NULL AND "
                     "coalesce(csat, 5) >= 4 AND coalesce(nps, 10) >= 7 AND regexp_matches(words, ?))",
                [STRONG_PRAISE_RE])
    if test:
        out.append(VocFinding("testimonial", f"{len(test)} testimonial candidates (very satisfied, in their own words)",
                              len(test), [r[0] for r in test], sorted({r[1] for r in test if r[1]})))
    risk = _ids(con, "feedback_type = 'churn_threat' OR (feedback_type IS NULL AND regexp_matches(words, ?))",
                [CHURN_RE])
    if risk:
        custs = sorted({r[1] for r in risk if r[1]})
        out.append(VocFinding("churn_risk", f"{len(custs) or len(risk)} customers at risk of leaving",
                              len(risk), [r[0] for r in risk], custs))
    return out


def voc_quotes(con: duckdb.DuckDBPyConnection, finding: VocFinding, k: int = 5) -> list[dict[str, str]]:
    """Diverse redacted quotes for a finding (from its first 60 interactions by hash)."""
    ids = sorted(finding.ids)
    ids = ids[:: max(1, len(ids) // 60)][:60]
    return diverse_quotes(customer_texts(con, ids), k=k)
