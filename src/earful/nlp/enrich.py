"""`earful enrich`: redaction, sentiment, abuse flag, feedback type, mentions and key phrases,
and — when the store has trained them — contact reason and topic.

``Enricher.transform`` is a pure function from an Arrow batch of interactions (``id``, ``text``,
``turns`` = list of {seq, speaker, text}) to Arrow tables of enrichment rows, so any engine that
maps record batches can run it. ``enrich(con)`` streams the store's interactions that are not
yet enriched through it, one transaction per batch; a re-run does nothing new.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from earful.nlp.feedback import FeedbackClassifier
from earful.nlp.mentions import KeyPhraseExtractor, MentionLexicon, MentionMatcher, parse_lexicon
from earful.nlp.names import FUNCTION_WORDS, NOT_PERSON
from earful.nlp.redact import PiiSpan, Redactor, replace_spans, resolve_overlaps
from earful.nlp.sentiment import SentimentScorer, default_scorer, end_text, is_abusive
from earful.errors import InputError
from earful.store import transaction
from earful.store.schema import has_table

if TYPE_CHECKING:
    from earful.nlp.calibration import SentimentCalibration
    from earful.nlp.reasons import ReasonClassifier
    from earful.nlp.topics import TopicModel

LEXICON_SETTING = "mentions.lexicon"   # settings key holding the lexicon YAML text
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")

ENRICHMENT_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("redacted_text", pa.string()), ("sentiment", pa.float64()),
    ("end_sentiment", pa.float64()), ("abusive", pa.bool_()), ("feedback_type", pa.string()),
    ("mentions", pa.string()), ("key_phrases", pa.string()),
    ("reason", pa.string()), ("reason_confidence", pa.float64()), ("topic_id", pa.int64()),
])
TURNS_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("seq", pa.int32()), ("speaker", pa.string()),
    ("redacted_text", pa.string()), ("sentiment", pa.float64()),
])


class Enricher:
    """All text components together; each is swappable (pass your own fitted one). ``reasons`` and
    ``topics`` are the centre's own fitted models (none: those columns stay empty); they read the
    redacted customer words, as `earful reasons train` and `earful topics` do. ``fast``: regex-only
    redaction, and reasons from the reason model's distilled n-gram assigner (no encoder)."""

    def __init__(self, fast: bool = False, lexicon: MentionLexicon | None = None, sentiment_method: str = "blend",
                 redactor: Redactor | None = None, sentiment: SentimentScorer | None = None,
                 feedback: FeedbackClassifier | None = None, mentions: MentionMatcher | None = None,
                 key_phrases: KeyPhraseExtractor | None = None, reasons: "ReasonClassifier | None" = None,
                 topics: "TopicModel | None" = None, calibration: "SentimentCalibration | None" = None) -> None:
        self.fast = fast
        self.lexicon = lexicon
        self.sentiment_method = sentiment_method
        self.redactor = redactor
        self.sentiment = sentiment
        self.feedback = feedback
        self.mentions = mentions
        self.key_phrases = key_phrases
        self.reasons = reasons
        self.topics = topics
        self.calibration = calibration   # the centre's sentiment calibration per channel (earful.nlp.calibration)

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
        channel_col = cols.get("channel") or [None] * len(ids)
        unit_channels: list[str | None] = []
        red = self.redactor_
        redacted, customer, redacted_customer = [], [], []
        t_rows: dict[str, list] = {k: [] for k in TURNS_SCHEMA.names}
        units: list[str] = []               # texts to score: customer turns, or a text and its ending
        plan: list[tuple[list[int], list[int], list[int]]] = []  # per interaction: unit ids, weights, end ids
        for iid, text, turns, channel in zip(ids, texts, turns_col, channel_col):
            said, said_red, ids_, weights = [], [], [], []
            n_units = len(units)
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
            unit_channels += [channel] * (len(units) - n_units)
            customer.append(" ".join(said).strip())
            redacted_customer.append(" ".join(said_red).strip())
        scores = self.sentiment_.score(units) if units else np.array([])
        if self.calibration is not None and units:
            scores = self.calibration.transform(scores, unit_channels)
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
        reason, reason_conf, topic = self._classify(redacted_customer, redacted)
        table = pa.table({
            "interaction_id": ids, "redacted_text": redacted,
            "sentiment": [None if np.isnan(s) else float(s) for s in sent],
            "end_sentiment": [None if np.isnan(s) else float(s) for s in end_sent],
            "abusive": [is_abusive(c) for c in customer], "feedback_type": feedback,
            "mentions": [json.dumps(m) for m in mentions], "key_phrases": [json.dumps(p) for p in phrases],
            "reason": reason, "reason_confidence": reason_conf, "topic_id": topic,
        }, schema=ENRICHMENT_SCHEMA)
        return table, pa.table(t_rows, schema=TURNS_SCHEMA)

    def _classify(self, redacted_customer: list[str], redacted: list[str | None]
                  ) -> tuple[list, list, list]:
        """(reason, confidence, topic_id) per interaction from the customer's redacted words (the
        whole redacted text when the customer said nothing); None where there are no words or no model."""
        n = len(redacted_customer)
        reason, conf, topic = [None] * n, [None] * n, [None] * n
        words = [c or (r or "").strip() for c, r in zip(redacted_customer, redacted)]
        have = [i for i, w in enumerate(words) if w]
        if not have:
            return reason, conf, topic
        texts = [words[i] for i in have]
        if self.reasons is not None:
            reasons = self.reasons.fast_assigner() if self.fast else self.reasons  # fast: no encoder
            labels, p = reasons.predict_with_confidence(texts)
            for i, lab, c in zip(have, labels, p):
                reason[i], conf[i] = str(lab), float(c)
        if self.topics is not None:
            for i, t in zip(have, self.topics.assign(texts)):
                topic[i] = int(t)
        return reason, conf, topic


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
    words = {w for n in names for w in (n, *n.split()) if len(w) >= 3 and w.lower() not in FUNCTION_WORDS and w.lower() not in NOT_PERSON}
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
SELECT i.id, i.text, t.turns, i.channel
FROM interactions i LEFT JOIN t ON t.interaction_id = i.id
{where}
ORDER BY i.id
"""
_NOT_DONE = "WHERE NOT EXISTS (SELECT 1 FROM enrichment e WHERE e.interaction_id = i.id)"

_UPSERT = """
INSERT INTO enrichment (interaction_id, redacted_text, sentiment, end_sentiment, abusive, feedback_type,
                        mentions, key_phrases, reason, reason_confidence, topic_id, enriched_at)
SELECT interaction_id, redacted_text, sentiment, end_sentiment, abusive, feedback_type,
       mentions::JSON, key_phrases::JSON, reason, reason_confidence, topic_id, current_timestamp
FROM _earful_enr
ON CONFLICT (interaction_id) DO UPDATE SET
    redacted_text = excluded.redacted_text, sentiment = excluded.sentiment,
    end_sentiment = excluded.end_sentiment, abusive = excluded.abusive,
    feedback_type = excluded.feedback_type, mentions = excluded.mentions,
    key_phrases = excluded.key_phrases, enriched_at = excluded.enriched_at,
    reason = coalesce(excluded.reason, enrichment.reason),
    reason_confidence = coalesce(excluded.reason_confidence, enrichment.reason_confidence),
    topic_id = coalesce(excluded.topic_id, enrichment.topic_id)
"""


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


_WORKER: Enricher | None = None


def _worker_start(enricher: Enricher) -> None:
    global _WORKER
    _WORKER = enricher.fit()


def _worker_transform(batch: pa.RecordBatch) -> tuple[pa.Table, pa.Table]:
    assert _WORKER is not None
    return _WORKER.transform(batch)


def _configuration(enr: Enricher) -> Enricher:
    """A copy of ``enr`` with its configuration only: each worker process fits its own."""
    params = inspect.signature(Enricher.__init__).parameters
    return Enricher(**{k: getattr(enr, k) for k in params if k != "self"})


def enrich(con: duckdb.DuckDBPyConnection, all: bool = False, progress: Callable[[int, int], None] | None = None,
           *, fast: bool = False, lexicon: MentionLexicon | None = None, batch_size: int = 1000,
           enricher: Enricher | None = None, models: bool = True, workers: int | None = None) -> int:
    """Enrich the interactions not yet enriched (``all``: every one again) and return how many.

    One transaction per batch of ``batch_size``: an interrupted run keeps its finished batches
    and the next run continues from there. The store's trained reason and topic models (if any)
    classify each contact as it is enriched (``models=False``: not); ``reason``/``topic_id`` of
    re-enriched rows are kept when there is no model to replace them. ``workers`` processes run
    :meth:`Enricher.transform` on batches in parallel while this one reads and writes the store
    (None: one per usable core, at most 4, from 20 batches on, where starting them pays; else 1).
    """
    if workers is not None and workers < 1:
        raise InputError("workers must be at least 1")
    where = "" if all else _NOT_DONE
    total = con.execute(f"SELECT count(*) FROM interactions i {where}").fetchone()[0]
    if progress:
        progress(0, total)
    if total == 0:
        return 0
    if enricher is None:
        from earful.nlp.models import stored_models

        from earful.nlp.calibration import stored_calibration

        reasons, topics = stored_models(con) if models else (None, None)
        enricher = Enricher(fast=fast, lexicon=lexicon if lexicon is not None else stored_lexicon(con),
                            reasons=reasons, topics=topics, calibration=stored_calibration(con) if models else None)
    if workers is None:
        workers = min(usable_cores(), 4) if total >= 20 * batch_size else 1
    reader_con = con.cursor()
    done = 0

    def write(rows: pa.Table, turn_rows: pa.Table) -> None:
        nonlocal done
        _write(con, rows, turn_rows)
        done += rows.num_rows
        if progress:
            progress(done, total)

    try:
        rel = reader_con.sql(_PENDING.format(where=where))
        reader = (rel.to_arrow_reader(batch_size) if hasattr(rel, "to_arrow_reader")
                  else rel.fetch_arrow_reader(batch_size))
        batches = (b for b in reader if b.num_rows)
        if workers == 1:
            enricher.fit()
            for batch in batches:
                write(*enricher.transform(batch))
        else:
            _enrich_in_parallel(batches, enricher, workers, write)
    finally:
        reader_con.close()
    return done


def _enrich_in_parallel(batches, enricher: Enricher, workers: int, write) -> None:
    """Transform batches in ``workers`` fresh processes (spawned: the store's threads are not
    forked), at most two batches each in flight, and write the results in reading order."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_start, initargs=(_configuration(enricher),)) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(_worker_transform, batch))
            if len(pending) >= 2 * workers:
                write(*pending.popleft().result())
        while pending:
            write(*pending.popleft().result())


def _write(con: duckdb.DuckDBPyConnection, rows: pa.Table, turn_rows: pa.Table) -> None:
    try:
        with transaction(con):
            con.register("_earful_enr", rows)
            con.register("_earful_enr_turns", turn_rows)
            con.execute(_UPSERT)
            con.execute("DELETE FROM enrichment_turns WHERE interaction_id IN (SELECT interaction_id FROM _earful_enr)")
            con.execute("INSERT INTO enrichment_turns SELECT interaction_id, seq, speaker, redacted_text, sentiment "
                        "FROM _earful_enr_turns")
            if has_table(con, "voice_turns"):
                _keep_voice_redaction(con)
    finally:
        con.unregister("_earful_enr")
        con.unregister("_earful_enr_turns")


def _keep_voice_redaction(con: duckdb.DuckDBPyConnection) -> None:
    """A recorded call keeps the redaction made when it was heard (earful.voice.redact also
    removes numbers read out digit by digit, which text patterns miss when a digit was misheard)."""
    con.execute("UPDATE enrichment_turns e SET redacted_text = v.redacted_text FROM voice_turns v "
                "WHERE v.interaction_id = e.interaction_id AND v.seq = e.seq "
                "AND e.interaction_id IN (SELECT interaction_id FROM _earful_enr)")
    con.execute("UPDATE enrichment e SET redacted_text = v.text FROM (SELECT interaction_id, "
                "string_agg(CASE WHEN speaker = 'unknown' THEN '' ELSE speaker || ': ' END || redacted_text, "
                "chr(10) ORDER BY seq) AS text FROM voice_turns GROUP BY 1) v "
                "WHERE v.interaction_id = e.interaction_id AND e.interaction_id IN (SELECT interaction_id FROM _earful_enr)")
