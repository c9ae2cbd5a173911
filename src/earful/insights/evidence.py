"""Evidence: representative, diverse, redacted customer quotes linked to their interactions."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import duckdb

from earful.insights._data import has_table

# Last-resort redaction when earful.nlp.redact is not installed: the same typed placeholders.
_PATTERNS = [
    ("[EMAIL]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[IBAN]", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),
    ("[CARD]", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("[PHONE]", re.compile(r"(?:\+\d{1,3}[\s-]?)?(?:\(?\d{2,5}\)?[\s-]?)\d{3,4}[\s-]?\d{3,4}\b")),
    ("[ACCOUNT]", re.compile(r"\b\d{6,12}\b")),
    ("[NAME]", re.compile(r"\b(?:my name is|this is|i am|i'm)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")),
    ("[HANDLE]", re.compile(r"@\w{2,}")),
]


def _fallback_redact(text: str) -> str:
    """Replace e-mails, IBANs, card/phone/account numbers, self-introduced names, @handles."""
    for tag, pat in _PATTERNS:
        if tag == "[NAME]":
            text = pat.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + tag, text)
        else:
            text = pat.sub(tag, text)
    return text


def redactor() -> Callable[[str], str]:
    """earful.nlp.redact when the nlp-text area is installed, else the fallback above."""
    try:
        from earful.nlp import redact  # type: ignore[attr-defined]
        return lambda t: _fallback_redact(redact(t))
    except ImportError:
        return _fallback_redact


def customer_texts(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, str]:
    """Redacted customer words per interaction id (enrichment.redacted_text when present)."""
    if not ids:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE _ins_ids (id VARCHAR)")
    con.executemany("INSERT INTO _ins_ids VALUES (?)", [[i] for i in ids])
    pre = has_table(con, "enrichment") and bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name='enrichment' AND column_name='redacted_text'"
    ).fetchone()[0])
    red_sql = "e.redacted_text" if pre else "NULL"
    join = "LEFT JOIN enrichment e ON e.interaction_id = x.id" if pre else ""
    rows = con.execute(f"""
        SELECT x.id, {red_sql} AS red,
               coalesce((SELECT string_agg(t.text, ' ' ORDER BY t.seq) FROM turns t
                         WHERE t.interaction_id = x.id AND t.speaker = 'customer'), i.text) AS raw
        FROM _ins_ids x JOIN interactions i ON i.id = x.id {join}
    """).fetchall()
    red = redactor()
    out = {}
    for iid, redacted, raw in rows:
        text = redacted if redacted else (red(raw) if raw else None)
        if text:
            text = " ".join(text.split())
            out[iid] = red(text) if redacted else text
    return out


def _tokens(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 2}


def diverse_quotes(texts: dict[str, str], k: int = 5, max_chars: int = 240) -> list[dict[str, str]]:
    """Pick k quotes: the most typical first, then each the least similar to those chosen (Jaccard)."""
    items = [(i, t) for i, t in texts.items() if 12 <= len(t)]
    if not items:
        return []
    toks = {i: _tokens(t) for i, t in items}
    vocab: dict[str, int] = {}
    for s in toks.values():
        for w in s:
            vocab[w] = vocab.get(w, 0) + 1
    typical = max(items, key=lambda it: (sum(vocab[w] for w in toks[it[0]]) / (1 + len(toks[it[0]])), it[0]))
    chosen = [typical]
    while len(chosen) < min(k, len(items)):
        def dist(it):
            a = toks[it[0]]
            return min(1 - len(a & toks[c[0]]) / max(len(a | toks[c[0]]), 1) for c in chosen)
        rest = [it for it in items if it not in chosen]
        best = max(rest, key=lambda it: (round(dist(it), 3), it[0]))
        if dist(best) <= 0.05:
            break
        chosen.append(best)
    return [{"interaction_id": i, "text": t if len(t) <= max_chars else t[: max_chars - 1] + "…"} for i, t in chosen]


def quotes_for(con: duckdb.DuckDBPyConnection, where: str, params: list, k: int = 5,
               sample: int = 60) -> list[dict[str, str]]:
    """3–5 diverse redacted quotes from contacts in `_ins_contacts` matching `where`."""
    ids = [r[0] for r in con.execute(
        f"SELECT id FROM _ins_contacts WHERE {where} AND answered ORDER BY hash(id) LIMIT {int(sample)}",
        params).fetchall()]
    return diverse_quotes(customer_texts(con, ids), k=k)
