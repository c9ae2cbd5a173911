"""Evidence: representative, diverse, redacted customer quotes linked to their interactions."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import duckdb

from earful.store.schema import has_table

# Last-resort redaction when earful.nlp.redact is not installed: the same typed placeholders.
_PATTERNS = [
    ("[EMAIL]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[HANDLE]", re.compile(r"@\w{2,}")),
    ("[IBAN]", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),
    ("[CARD]", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("[PHONE]", re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?)\d{3,4}[\s.-]?\d{3,4}\b")),
    ("[ACCOUNT]", re.compile(r"\b\d{6,12}\b")),
    ("[NAME]", re.compile(r"\b(?:my name is|this is|i am|i'm)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")),
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
    """The fast rules above (used to pick quotes from many texts)."""
    return _fallback_redact


def final_redact(text: str) -> str:
    """What a quote goes through before anyone sees it: earful.nlp's full redactor (names too)
    when the nlp-text area is installed, then the rules above as a second net."""
    try:
        from earful.nlp.redact import redact
        return _fallback_redact(redact(text))
    except (ImportError, OSError):  # nlp extra or its language model not installed
        return _fallback_redact(text)


def customer_texts(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, str]:
    """Redacted customer words per interaction id (enrichment.redacted_text when present)."""
    if not ids:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE _ins_ids AS SELECT unnest(CAST(? AS VARCHAR[])) AS id", [list(ids)])
    pre = has_table(con, "enrichment") and bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name='enrichment' AND column_name='redacted_text'"
    ).fetchone()[0])
    # Customer words only: redacted customer turns (enrichment_turns) when enriched, else the
    # record's redacted text when it has no turns (e-mail, post), else the raw words (redacted below).
    et = has_table(con, "enrichment_turns")
    et_sql = ("(SELECT interaction_id, string_agg(redacted_text, ' ' ORDER BY seq) AS words FROM enrichment_turns"
              " WHERE speaker = 'customer' AND interaction_id IN (SELECT id FROM _ins_ids) GROUP BY 1)") if et else \
        "(SELECT CAST(NULL AS VARCHAR) AS interaction_id, CAST(NULL AS VARCHAR) AS words WHERE false)"
    red_sql = "CASE WHEN t.interaction_id IS NULL THEN e.redacted_text END" if pre else "NULL"
    join = "LEFT JOIN enrichment e ON e.interaction_id = x.id" if pre else ""
    rows = con.execute(f"""
        WITH t AS (SELECT interaction_id, string_agg(text, ' ' ORDER BY seq) AS words FROM turns
                   WHERE speaker = 'customer' AND interaction_id IN (SELECT id FROM _ins_ids) GROUP BY 1),
        et AS {et_sql}
        SELECT x.id, coalesce(et.words, {red_sql}) AS red, coalesce(t.words, i.text) AS raw
        FROM _ins_ids x JOIN interactions i ON i.id = x.id LEFT JOIN t ON t.interaction_id = x.id
        LEFT JOIN et ON et.interaction_id = x.id {join}
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
        if dist(best) <= 0.05 and len(chosen) >= 3 or dist(best) == 0:  # near-repeats only to reach three
            break
        chosen.append(best)
    out = []
    for i, t in chosen:
        t = final_redact(t)
        out.append({"interaction_id": i, "text": t if len(t) <= max_chars else t[: max_chars - 1] + "…"})
    return out


def quotes_for(con: duckdb.DuckDBPyConnection, where: str, params: list, k: int = 5,
               sample: int = 60) -> list[dict[str, str]]:
    """3–5 diverse redacted quotes from contacts in `_ins_contacts` matching `where`."""
    return quotes_and_count(con, where, params, k=k, sample=sample)[0]


def quotes_and_count(con: duckdb.DuckDBPyConnection, where: str, params: list, k: int = 5,
                     sample: int = 60) -> tuple[list[dict[str, str]], int]:
    """(3–5 diverse redacted quotes, how many contacts were read that have customer words): from
    ``sample`` answered contacts; when they give fewer than three, from all matching contacts."""
    ids = [r[0] for r in con.execute(
        f"SELECT id FROM _ins_contacts WHERE {where} AND answered ORDER BY hash(id) LIMIT {int(sample)}",
        params).fetchall()]
    texts = customer_texts(con, ids)
    if len(texts) < 3:
        ids = [r[0] for r in con.execute(f"SELECT id FROM _ins_contacts WHERE {where} ORDER BY hash(id)", params).fetchall()]
        texts = customer_texts(con, ids)
    return diverse_quotes(texts, k=k), len(texts)


MIN_QUOTES, MAX_QUOTES = 3, 5


def quote_evidence(quotes: list[dict[str, str]], available: int) -> dict:
    """``{"quotes": ...}`` for an insight's evidence, with ``quotes_note`` saying why when there are
    fewer than three (only that many conversations have the customer's words, or they repeat)."""
    quotes = [q for q in quotes if q.get("text")][:MAX_QUOTES]
    out: dict = {"quotes": quotes}
    if len(quotes) < MIN_QUOTES:
        if available <= len(quotes):
            out["quotes_note"] = (f"Only {available} of the conversations behind this finding "
                                  f"{'has' if available == 1 else 'have'} the customer's own words to quote."
                                  if available else "None of the conversations behind this finding has the "
                                  "customer's own words to quote (calls without transcripts, for example).")
        else:
            out["quotes_note"] = (f"Only {len(quotes)} quote{'' if len(quotes) == 1 else 's'}: the other "
                                  "conversations are too short or repeat these words.")
    return out


_STOP = set("""a an the and or but if to of in on at for with from by is are was were be been am i me my we our you your
it its this that these those have has had do does did not no so just can could would should will what why how
when where who which there their they them he she his her hi hello please thanks thank okay ok yes get got
""".split())


def _terms(text: str) -> set[str]:
    text = re.sub(r"\[[A-Z_]+\]", " ", text)
    words = [w for w in re.findall(r"[a-z][a-z']+", text.lower()) if w not in _STOP and len(w) > 2
             and not w.startswith("http")]
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


def key_phrases(con: duckdb.DuckDBPyConnection, where: str, params: list, k: int = 8,
                sample: int = 300) -> list[str]:
    """Words and word pairs over-represented in the matching contacts against all other contacts
    (smoothed log-odds of document frequency; each needs at least 3 matching contacts)."""
    import math

    ins = [r[0] for r in con.execute(
        f"SELECT id FROM _ins_contacts WHERE {where} ORDER BY hash(id) LIMIT {int(sample)}", params).fetchall()]
    outs = [r[0] for r in con.execute(
        f"SELECT id FROM _ins_contacts WHERE NOT ({where}) ORDER BY hash(id) LIMIT {int(sample) * 3}",
        params).fetchall()]
    t_in, t_out = customer_texts(con, ins), customer_texts(con, outs)
    if len(t_in) < 3:
        return []
    df_in: dict[str, int] = {}
    df_out: dict[str, int] = {}
    for texts, df in ((t_in, df_in), (t_out, df_out)):
        for t in texts.values():
            for term in _terms(t):
                df[term] = df.get(term, 0) + 1
    n_in, n_out = len(t_in), max(len(t_out), 1)
    scored = []
    for term, a in df_in.items():
        if a < 3 or "[" in term:
            continue
        b = df_out.get(term, 0)
        score = math.log((a + 0.5) / (n_in - a + 0.5)) - math.log((b + 0.5) / (n_out - b + 0.5))
        scored.append((score * math.log1p(a), term))
    scored.sort(reverse=True)
    chosen: list[str] = []
    for _, term in scored:
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == k:
            break
    return chosen


# What of an insight's evidence a department, an executive or a notification may see: the daily
# series, redacted quotes (with the conversation they come from, and why there are fewer than three)
# and key phrases. Customer ids and
# the full lists of interactions behind a finding stay with the centre, whatever the kind.
AUDIENCE_EVIDENCE = ("series", "quotes", "quotes_note", "key_phrases")


def for_audience(evidence: dict, *, centre: bool) -> dict:
    """``evidence`` as the centre (admins, analysts) sees it, or reduced to ``AUDIENCE_EVIDENCE``
    with each quote only its text and interaction for anyone else."""
    if not isinstance(evidence, dict):
        return {}
    if centre:
        return dict(evidence)
    out = {k: evidence[k] for k in AUDIENCE_EVIDENCE if k in evidence}
    if isinstance(out.get("quotes"), list):
        out["quotes"] = [{"interaction_id": q.get("interaction_id"), "text": q.get("text")}
                         for q in out["quotes"] if isinstance(q, dict)]
    return out
