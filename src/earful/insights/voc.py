"""Voice of the customer: feature requests, competitor mentions, testimonials, customers at risk.

Read from the customer's own words (turns spoken by the customer, message text, survey comments)
with the cues of :mod:`earful.nlp.feedback`: a churn threat or praise that is negated does not
count ("I'd never leave you for Apple Music"), a hedged threat ("I might cancel") counts apart;
testimonial candidates are specific praise (who helped, what was good, how it ended) from
customers who did not rate the contact low. Competitors are the centre's own list
(``competitors:`` in the configuration, and the lexicon's mentions stored by enrichment) plus the
names a person confirmed on the review list (:mod:`earful.insights.competitors`); names found in
the words wait on that list until someone confirms them. Requests use enrichment.feedback_type
when present. Every quote goes through redaction.
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


@dataclass
class VocFinding:
    """One voice-of-the-customer finding with its interactions."""

    kind: str
    title: str
    count: int
    ids: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    quote_ids: list[str] = field(default_factory=list)   # quote these first (firm threats before hedged ones)
    cue: re.Pattern[str] | None = field(default=None, repr=False)  # quotes show the sentence that matched


def _excerpt(text: str, cue: re.Pattern[str] | None, max_chars: int = 240) -> str:
    """The sentence of ``text`` where ``cue`` matches (with the one before when it is short), so a
    quote shows why the conversation is in the finding; the whole text when nothing matches."""
    m = cue.search(text) if cue is not None else None
    if m is None or len(text) <= max_chars:
        return text
    starts = [0] + [b.end() for b in re.finditer(r"(?<=[.!?])\s+|\n+", text)]
    first = max(s for s in starts if s <= m.start())
    k = starts.index(first)
    if k and first - starts[k - 1] < 60:
        first = starts[k - 1]
    ends = [b.start() for b in re.finditer(r"(?<=[.!?])\s+|\n+", text) if b.start() >= m.end()]
    last = ends[0] if ends else len(text)
    return text[first:last][:max_chars].strip()


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


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<![\w])" + r"[\s_-]*".join(words) + r"(?![\w])", re.I)


def _mentioned(mentions: str | None) -> set[str]:
    """Competitor names in enrichment.mentions (the centre's lexicon, matched at enrichment)."""
    found: set[str] = set()
    if not mentions:
        return found
    try:
        for m in json.loads(mentions) or []:
            if isinstance(m, dict) and m.get("kind", m.get("type", "competitor")) == "competitor":
                found.add(str(m.get("name") or m.get("text")))
    except (ValueError, TypeError):
        pass
    return found


def voice_of_customer(con: duckdb.DuckDBPyConnection, start: date, end: date,
                      config: InsightsConfig) -> list[VocFinding]:
    """Feature requests, competitors, testimonial candidates and at-risk customers in the period."""
    from earful.insights.competitors import confirmed_names, decided
    from earful.nlp.feedback import FeedbackClassifier

    _build_texts(con, start, end)
    out: list[VocFinding] = []
    req = _ids(con, "feedback_type = 'request' OR (feedback_type IS NULL AND regexp_matches(words, ?))",
               [REQUEST_RE])
    if req:
        out.append(VocFinding("product_feedback", f"{len(req)} product suggestions and feature requests",
                              len(req), [r[0] for r in req]))
    rows = con.execute("SELECT id, customer_id, words, mentions, csat, nps FROM _ins_text ORDER BY id").fetchall()
    clf = FeedbackClassifier().fit()
    words = [r[2] for r in rows]
    churn = clf.churn_strength(words)
    # Competitors: the centre's own list and confirmed names; a rejected name counts only when configured.
    rejected = {n for n, s in decided(con).items() if s == "rejected"}
    names = list(dict.fromkeys([*config.competitors, *(n for n in confirmed_names(con) if n.lower() not in rejected)]))
    patterns = {n: _name_pattern(n) for n in names}
    hits: dict[str, list[int]] = {}
    for k, (_, _, text, mentions, *_rest) in enumerate(rows):
        lexicon = _mentioned(mentions)
        for n, pat in patterns.items():
            if pat.search(text or "") or n in lexicon:
                hits.setdefault(n, []).append(k)
        for n in lexicon - set(patterns):
            if n.lower() not in rejected:
                hits.setdefault(n, []).append(k)
    for name, ks in sorted(hits.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(ks) >= 2:
            out.append(VocFinding("competitor", f"{name} mentioned {len(ks)} times", len(ks),
                                  [rows[k][0] for k in ks], sorted({rows[k][1] for k in ks if rows[k][1]}),
                                  {"competitor": name, "with_churn_talk": sum(1 for k in ks if churn[k])},
                                  cue=patterns.get(name)))
    test = [k for k, ok in enumerate(clf.testimonials(words)) if ok
            and (rows[k][4] is None or rows[k][4] >= 4) and (rows[k][5] is None or rows[k][5] >= 7)]
    if test:
        out.append(VocFinding("testimonial", f"{len(test)} testimonial candidates (specific praise, in their own words)",
                              len(test), [rows[k][0] for k in test], sorted({rows[k][1] for k in test if rows[k][1]}),
                              cue=clf.patterns_["praise"]))
    risk = [k for k, c in enumerate(churn) if c]
    if risk:
        custs = sorted({rows[k][1] for k in risk if rows[k][1]})
        hedged = [k for k in risk if churn[k] == "hedged"]
        firm = [rows[k][0] for k in risk if churn[k] == "firm"]
        out.append(VocFinding("churn_risk", f"{len(custs) or len(risk)} customers at risk of leaving",
                              len(risk), [rows[k][0] for k in risk], custs,
                              {"hedged": len(hedged), "firm": len(risk) - len(hedged)}, quote_ids=firm,
                              cue=clf.patterns_["churn"]))
    return out


def voc_quotes(con: duckdb.DuckDBPyConnection, finding: VocFinding, k: int = 5) -> tuple[list[dict[str, str]], int]:
    """(3–5 diverse redacted quotes for a finding, how many of its conversations have words to quote).

    Quotes come from up to 60 of its conversations spread over the list (the firm churn threats
    before the hedged ones); when those give fewer than three, from all of them."""
    ids = sorted(finding.quote_ids) or sorted(finding.ids)
    pick = ids[:: max(1, len(ids) // 60)][:60]
    texts = customer_texts(con, pick)
    if len(texts) < 3 and len(pick) < len(finding.ids):
        texts = customer_texts(con, sorted(finding.ids))
        pick = sorted(finding.ids)
    return diverse_quotes({i: _excerpt(t, finding.cue) for i, t in texts.items()}, k=k), len(texts)
