"""`earful enrich`: redaction, sentiment, abuse flag, feedback type, mentions and key phrases.

``Enricher.transform`` is a pure function from an Arrow batch of interactions (``id``, ``text``,
``turns`` = list of {seq, speaker, text}) to Arrow tables of enrichment rows, so any engine that
maps record batches can run it. ``enrich(con)`` streams the store's interactions that are not
yet enriched through it, one transaction per batch; a re-run does nothing new.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

import duckdb
import numpy as np
import pyarrow as pa

from earful.nlp.feedback import FeedbackClassifier
from earful.nlp.mentions import KeyPhraseExtractor, MentionLexicon, MentionMatcher, parse_lexicon
from earful.nlp.redact import _NOT_NAMES, PiiSpan, Redactor, replace_spans, resolve_overlaps
from earful.nlp.sentiment import SentimentScorer, default_scorer, end_text, is_abusive
from earful.store import transaction

LEXICON_SETTING = "mentions.lexicon"   # settings key holding the lexicon YAML text
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")

ENRICHMENT_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("redacted_text", pa.string()), ("sentiment", pa.float64()),
    ("end_sentiment", pa.float64()), ("abusive", pa.bool_()), ("feedback_type", pa.string()),
    ("mentions", pa.string()), ("key_phrases", pa.string()),
])
TURNS_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("seq", pa.int32()), ("speaker", pa.string()),
    ("redacted_text", pa.string()), ("sentiment", pa.float64()),
])


class Enricher:
    """All text components together; each is swappable (pass your own fitted one)."""

    def __init__(self, fast: bool = False, lexicon: MentionLexicon | None = None, sentiment_method: str = "blend",
                 redactor: Redactor | None = None, sentiment: SentimentScorer | None = None,
                 feedback: FeedbackClassifier | None = None, mentions: MentionMatcher | None = None,
                 key_phrases: KeyPhraseExtractor | None = None) -> None:
        self.fast = fast
        self.lexicon = lexicon
        self.sentiment_method = sentiment_method
        self.redactor = redactor
        self.sentiment = sentiment
        self.feedback = feedback
        self.mentions = mentions
        self.key_phrases = key_phrases

    def fit(self, texts: Sequence[str] | None = None, y: object = None) -> "Enricher":
        """Prepare every component (load NER, fit the sentiment blend on the bundled sentences)."""
        self.redactor_ = self.redactor or Redactor(fast=self.fast).fit()
        self.sentiment_ = self.sentiment or default_scorer(self.sentiment_method)
        self.feedback_ = self.feedback or FeedbackClassifier().fit()
        self.mentions_ = self.mentions or MentionMatcher(self.lexicon).fit()
        self.key_phrases_ = self.key_phrases or KeyPhraseExtractor().fit()
        return self

    def transform(self, batch: pa.RecordBatch | pa.Table) -> tuple[pa.Table, pa.Table]:
        """Enrichment rows and redacted turn rows for a batch of interactions."""
        if not hasattr(self, "redactor_"):
            self.fit()
        cols = batch.to_pydict()
        ids, texts = cols["id"], cols["text"]
        turns_col = cols.get("turns") or [None] * len(ids)
        red = self.redactor_
        redacted, customer, redacted_customer = [], [], []
        t_rows: dict[str, list] = {k: [] for k in TURNS_SCHEMA.names}
        units: list[str] = []               # texts to score: customer turns, or a text and its ending
        plan: list[tuple[list[int], list[int], list[int]]] = []  # per interaction: unit ids, weights, end ids
        for iid, text, turns in zip(ids, texts, turns_col):
            said, said_red, ids_, weights = [], [], [], []
            if turns:
                lines = []
                for t, rt in zip(turns, redact_conversation(red, turns)):
                    lines.append(f"{t['speaker']}: {rt}")
                    t_rows["interaction_id"].append(iid)
                    t_rows["seq"].append(t["seq"])
                    t_rows["speaker"].append(t["speaker"])
                    t_rows["redacted_text"].append(rt)
                    t_rows["sentiment"].append(None)
                    if t["speaker"] == "customer" and (t["text"] or "").strip():
                        said.append(t["text"])
                        said_red.append(rt)
                        ids_.append(len(units))
                        weights.append(len(t["text"].split()))
                        units.append(t["text"])
                        t_rows["sentiment"][-1] = len(units) - 1   # replaced by the score below
                redacted.append("\n".join(lines))
            else:
                redacted.append(None if text is None else red.redact(text))
            if not said and (text or "").strip():   # a single text (e-mail, post, survey comment)
                said, said_red = [text], [redacted[-1] if not turns else red.redact(text)]
                ids_, weights = [len(units)], [1]
                units.append(text)
                ending = end_text(said)
                if ending != text:
                    units.append(ending)
                end_ids = [len(units) - 1]
            else:
                end_ids = ids_[-1:]
            plan.append((ids_, weights, end_ids))
            customer.append(" ".join(said).strip())
            redacted_customer.append(" ".join(said_red).strip())
        scores = self.sentiment_.score(units) if units else np.array([])
        sent = np.full(len(ids), np.nan)
        end_sent = np.full(len(ids), np.nan)
        for k, (ids_, weights, end_ids) in enumerate(plan):
            if ids_:
                sc = scores[ids_]
                ok = ~np.isnan(sc)
                if ok.any():
                    sent[k] = float(np.average(sc[ok], weights=np.asarray(weights, dtype=float)[ok]))
                end_sent[k] = scores[end_ids[0]]
        t_rows["sentiment"] = [None if u is None or np.isnan(scores[u]) else float(scores[u]) for u in t_rows["sentiment"]]
        feedback = self.feedback_.predict(customer, sent)
        phrases = self.key_phrases_.transform([_PLACEHOLDER.sub(" | ", c) for c in redacted_customer])
        mentions = self.mentions_.transform(customer)
        table = pa.table({
            "interaction_id": ids, "redacted_text": redacted,
            "sentiment": [None if np.isnan(s) else float(s) for s in sent],
            "end_sentiment": [None if np.isnan(s) else float(s) for s in end_sent],
            "abusive": [is_abusive(c) for c in customer], "feedback_type": feedback,
            "mentions": [json.dumps(m) for m in mentions], "key_phrases": [json.dumps(p) for p in phrases],
        }, schema=ENRICHMENT_SCHEMA)
        return table, pa.table(t_rows, schema=TURNS_SCHEMA)


_ASKS_NAME = re.compile(r"(?i)\b(?:your|the)\s+(?:full\s+|first\s+|last\s+)?name\b|\bwho\s+(?:am i|is)\s+(?:speaking|talking)")
_ASKS_USERNAME = re.compile(r"(?i)\b(?:user\s*name|user id|login|account id|account number|customer id|member id)\b")
_BARE_TOKEN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]{2,})\s*$")
_BARE_NAME = re.compile(r"^\s*(?:(?i:it'?s|i'?m|this is|name'?s)\s+)?([A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+){0,2})\s*[.!]?\s*$")


def redact_conversation(red: Redactor, turns: Sequence[dict]) -> list[str]:
    """Redact each turn, using the conversation: a short answer to "may I have your name?" is a
    name, and a name found once is hidden everywhere else in the conversation (first name too)."""
    spans = [red.find(t["text"] or "") for t in turns]
    names: set[str] = set()
    asked_username = False
    for i, t in enumerate(turns):
        text = t["text"] or ""
        for s in spans[i]:
            if s.type == "NAME":
                names.add(text[s.start:s.end])
        if i and t["speaker"] == "customer" and turns[i - 1]["speaker"] == "agent" \
                and _ASKS_NAME.search(turns[i - 1]["text"] or "") and not spans[i]:
            m = _BARE_NAME.match(text)
            if m:
                spans[i] = [PiiSpan(m.start(1), m.end(1), "NAME")]
                names.add(m.group(1))
        if t["speaker"] == "agent" and _ASKS_USERNAME.search(text):
            asked_username = True
        if asked_username and t["speaker"] == "customer" and not spans[i]:
            m = _BARE_TOKEN.match(text)
            if m and any(c.isdigit() for c in m.group(1)) and any(c.isalpha() for c in m.group(1)):
                spans[i] = [PiiSpan(m.start(1), m.end(1), "ACCOUNT")]
    words = {w for n in names for w in (n, *n.split()) if len(w) >= 3 and w not in _NOT_NAMES}
    out = []
    for t, found in zip(turns, spans):
        text = t["text"] or ""
        if words:
            pat = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
                             re.IGNORECASE)
            extra = [PiiSpan(m.start(), m.end(), "NAME") for m in pat.finditer(text)]
            found = resolve_overlaps([*found, *extra])
        out.append(replace_spans(text, found, red.template))
    return out


def stored_lexicon(con: duckdb.DuckDBPyConnection) -> MentionLexicon | None:
    """The lexicon saved in the store's settings by `earful enrich --lexicon FILE`, if any."""
    row = con.execute("SELECT value FROM settings WHERE key = ?", [LEXICON_SETTING]).fetchone()
    if row is None:
        return None
    return parse_lexicon(json.loads(row[0]), "stored lexicon")


def save_lexicon(con: duckdb.DuckDBPyConnection, yaml_text: str) -> MentionLexicon:
    """Check and keep the lexicon YAML in settings so later runs use it."""
    lex = parse_lexicon(yaml_text)
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [LEXICON_SETTING, json.dumps(yaml_text)])
    return lex


_PENDING = """
WITH t AS (
    SELECT interaction_id, list(struct_pack(seq := seq, speaker := speaker, text := text) ORDER BY seq) AS turns
    FROM turns GROUP BY interaction_id
)
SELECT i.id, i.text, t.turns
FROM interactions i LEFT JOIN t ON t.interaction_id = i.id
{where}
ORDER BY i.id
"""
_NOT_DONE = "WHERE NOT EXISTS (SELECT 1 FROM enrichment e WHERE e.interaction_id = i.id)"

_UPSERT = """
INSERT INTO enrichment (interaction_id, redacted_text, sentiment, end_sentiment, abusive, feedback_type,
                        mentions, key_phrases, enriched_at)
SELECT interaction_id, redacted_text, sentiment, end_sentiment, abusive, feedback_type,
       mentions::JSON, key_phrases::JSON, current_timestamp
FROM _earful_enr
ON CONFLICT (interaction_id) DO UPDATE SET
    redacted_text = excluded.redacted_text, sentiment = excluded.sentiment,
    end_sentiment = excluded.end_sentiment, abusive = excluded.abusive,
    feedback_type = excluded.feedback_type, mentions = excluded.mentions,
    key_phrases = excluded.key_phrases, enriched_at = excluded.enriched_at
"""


def enrich(con: duckdb.DuckDBPyConnection, all: bool = False, progress: Callable[[int, int], None] | None = None,
           *, fast: bool = False, lexicon: MentionLexicon | None = None, batch_size: int = 1000,
           enricher: Enricher | None = None) -> int:
    """Enrich the interactions not yet enriched (``all``: every one again) and return how many.

    One transaction per batch of ``batch_size``: an interrupted run keeps its finished batches
    and the next run continues from there. ``reason``/``topic_id`` of re-enriched rows are kept.
    """
    where = "" if all else _NOT_DONE
    total = con.execute(f"SELECT count(*) FROM interactions i {where}").fetchone()[0]
    if progress:
        progress(0, total)
    if total == 0:
        return 0
    enr = enricher or Enricher(fast=fast, lexicon=lexicon if lexicon is not None else stored_lexicon(con))
    enr.fit()
    reader_con = con.cursor()
    done = 0
    try:
        rel = reader_con.sql(_PENDING.format(where=where))
        reader = (rel.to_arrow_reader(batch_size) if hasattr(rel, "to_arrow_reader")
                  else rel.fetch_arrow_reader(batch_size))
        for batch in reader:
            if batch.num_rows == 0:
                continue
            rows, turn_rows = enr.transform(batch)
            _write(con, rows, turn_rows)
            done += batch.num_rows
            if progress:
                progress(done, total)
    finally:
        reader_con.close()
    return done


def _write(con: duckdb.DuckDBPyConnection, rows: pa.Table, turn_rows: pa.Table) -> None:
    try:
        with transaction(con):
            con.register("_earful_enr", rows)
            con.register("_earful_enr_turns", turn_rows)
            con.execute(_UPSERT)
            con.execute("DELETE FROM enrichment_turns WHERE interaction_id IN (SELECT interaction_id FROM _earful_enr)")
            con.execute("INSERT INTO enrichment_turns SELECT interaction_id, seq, speaker, redacted_text, sentiment "
                        "FROM _earful_enr_turns")
    finally:
        con.unregister("_earful_enr")
        con.unregister("_earful_enr_turns")
