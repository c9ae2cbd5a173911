"""Importing survey answers: CSAT, NPS, CES and any other questions, with comments, from a CSV.

A mapping YAML names the columns (line-numbered errors on any mistake)::

    survey: Post-contact survey      # its name
    kind: post_contact               # or relationship (about the company, not one contact)
    source: qualtrics                # the system the responses come from (ids are source:response)
    id: response_id                  # the response's id in that system
    answered_at: submitted_at        # when it was answered (ISO time)
    customer: customer_id            # who answered (for linking by customer and time)
    contact: interaction_id          # the contact it rates, when the file says (optional)
    contact_source: genesys          # the contact column holds that system's ids (optional)
    link_window_h: 72                # else: the customer's last contact at most this long before answering
    comment: verbatim                # free text (optional)
    questions:                       # column: scale (csat 1-5, nps 0-10, ces 1-7, or other with min/max)
      q1: {scale: csat, label: "How satisfied were you?"}
      q2: {scale: nps}
      q3: {scale: other, min: 1, max: 10, label: "How clear was the answer?"}

Each response becomes an interaction with channel ``survey`` (CSAT, NPS and CES in its columns, the
comment as its text, the rated contact as ``related_id``), and every answer a ``survey_answers``
row, all in one transaction. A row with a score out of range, no id or an unreadable time is
quarantined with the reason; importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from earful.errors import ConfigError, InputError
from earful.ledger import _config
from earful.store import transaction

#: (lowest, highest) of each named scale.
SCALES = {"csat": (1.0, 5.0), "nps": (0.0, 10.0), "ces": (1.0, 7.0)}
KINDS = ("post_contact", "relationship")
_KEYS = {"survey", "kind", "source", "id", "answered_at", "customer", "contact", "contact_source", "link_window_h",
         "comment", "questions"}


@dataclass(frozen=True)
class Question:
    column: str
    scale: str
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class SurveyMapping:
    survey: str
    kind: str
    source: str
    id: str
    answered_at: str
    questions: tuple[Question, ...]
    customer: str | None = None
    contact: str | None = None
    contact_source: str | None = None
    link_window_h: float = 72.0
    comment: str | None = None


def parse_mapping(text: str, name: str = "survey.yaml") -> SurveyMapping:
    """Validate a survey mapping's YAML text."""
    root = _config.load_text(text, name)
    m = root.mapping("survey mapping", _KEYS)
    for req in ("source", "id", "answered_at", "questions"):
        if req not in m:
            raise root.error(f"'{req}' is missing")
    kind = m["kind"].text("kind") if "kind" in m else "post_contact"
    if kind not in KINDS:
        raise m["kind"].error(f"kind must be {' or '.join(KINDS)}, not '{kind}'")
    questions = []
    for col, node in m["questions"].items("questions"):
        q = node.mapping(f"question '{col}'", {"scale", "min", "max", "label"})
        scale = q["scale"].text("scale") if "scale" in q else "other"
        if scale not in (*SCALES, "other"):
            raise q["scale"].error(f"question '{col}': scale must be csat, nps, ces or other, not '{scale}'")
        low, high = SCALES.get(scale, (None, None))
        if "min" in q:
            low = float(q["min"].decimal(f"question '{col}' min"))
        if "max" in q:
            high = float(q["max"].decimal(f"question '{col}' max"))
        if low is None or high is None:
            raise node.error(f"question '{col}': an 'other' scale needs min and max")
        if low >= high:
            raise node.error(f"question '{col}': min {low:g} must be below max {high:g}")
        questions.append(Question(col, scale, low, high, q["label"].text("label") if "label" in q else col))
    if not questions:
        raise m["questions"].error("no questions given")
    window = float(m["link_window_h"].decimal("link_window_h", min_value=Decimal(0))) if "link_window_h" in m else 72.0
    opt = lambda k: m[k].text(k) if k in m else None  # noqa: E731
    return SurveyMapping(opt("survey") or Path(name).stem, kind, m["source"].text("source"), m["id"].text("id"),
                         m["answered_at"].text("answered_at"), tuple(questions), opt("customer"), opt("contact"),
                         opt("contact_source"), window, opt("comment"))


def load_mapping(path: str | Path) -> SurveyMapping:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"survey mapping not found: {p}")
    return parse_mapping(p.read_text(encoding="utf-8"), p.name)


@dataclass
class SurveyImport:
    file: str
    rows_read: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    linked_by_id: int = 0
    linked_by_customer: int = 0
    unlinked: int = 0
    import_id: int | None = None
    reasons: dict[str, int] = field(default_factory=dict)


def _number(raw: str) -> float | None:
    raw = raw.strip()
    if raw == "":
        return None
    return float(raw)


def _time(raw: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return t.replace(tzinfo=None) if t.tzinfo is None else t.astimezone().replace(tzinfo=None)


def import_surveys(con: duckdb.DuckDBPyConnection, path: str | Path, mapping: SurveyMapping) -> SurveyImport:
    """Load a survey CSV as the mapping says (see the module docstring)."""
    from earful.ingest.readers import read_text

    p = Path(path)
    raw, text = read_text(p)
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    needed = [mapping.id, mapping.answered_at] + [q.column for q in mapping.questions]
    needed += [c for c in (mapping.customer, mapping.contact, mapping.comment) if c]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"{p.name} has no column '{missing[0]}'", hint=f"it has: {', '.join(header[:10])}")
    result = SurveyImport(p.name)
    good: list[dict] = []
    bad: list[tuple[int, str, str, str]] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(reader, start=1):
        result.rows_read += 1
        line = json.dumps(row, ensure_ascii=False)
        rid = (row.get(mapping.id) or "").strip()
        if not rid:
            bad.append((n, mapping.id, f"{mapping.id}: missing", line))
            continue
        if rid in seen:
            bad.append((n, mapping.id, f"duplicate {mapping.id} \"{rid}\" in this file (first at row {seen[rid]})", line))
            continue
        try:
            at = _time(row.get(mapping.answered_at) or "")
        except ValueError:
            bad.append((n, mapping.answered_at, f"{mapping.answered_at}: \"{row.get(mapping.answered_at)}\" is not a time", line))
            continue
        if at is None:
            bad.append((n, mapping.answered_at, f"{mapping.answered_at}: missing", line))
            continue
        answers, problem = {}, None
        for q in mapping.questions:
            try:
                v = _number(row.get(q.column) or "")
            except ValueError:
                problem = (q.column, f"{q.column}: \"{row.get(q.column)}\" is not a number")
                break
            if v is not None and not q.low <= v <= q.high:
                problem = (q.column, f"{q.column}: {v:g} is outside the {q.scale} scale {q.low:g}-{q.high:g}")
                break
            if v is not None:
                answers[q.column] = v
        if problem:
            bad.append((n, problem[0], problem[1], line))
            continue
        if not answers and not (mapping.comment and (row.get(mapping.comment) or "").strip()):
            bad.append((n, "questions", "no answer and no comment", line))
            continue
        seen[rid] = n
        good.append({"row": n, "id": rid, "at": at, "answers": answers,
                     "customer": (row.get(mapping.customer) or "").strip() or None if mapping.customer else None,
                     "contact": (row.get(mapping.contact) or "").strip() or None if mapping.contact else None,
                     "comment": (row.get(mapping.comment) or "").strip() or None if mapping.comment else None})
    links = _link(con, good, mapping)
    scale_of = {q.column: q.scale for q in mapping.questions}
    with transaction(con):
        iid = int(con.execute("SELECT nextval('import_id_seq')").fetchall()[0][0])
        result.import_id = iid
        con.execute("INSERT INTO imports (import_id, file, format, sha256, size_bytes, started_at, options) "
                    "VALUES (?, ?, 'survey', ?, ?, ?, ?)", [iid, str(p), hashlib.sha256(raw).hexdigest(), len(raw),
                                                             datetime.now(), json.dumps({"survey": mapping.survey})])
        present = {r[0] for r in con.execute("SELECT source_id FROM interactions WHERE source = ?",
                                             [mapping.source]).fetchall()}
        rows = [g for g in good if g["id"] not in present]
        result.skipped = len(good) - len(rows)
        first = {s: next((q.column for q in mapping.questions if q.scale == s), None) for s in SCALES}
        recs: dict[str, list] = {k: [] for k in ("id", "source_id", "customer_id", "ended_at", "csat", "nps", "ces",
                                                 "text", "related_id", "metadata")}
        ans: dict[str, list] = {k: [] for k in ("interaction_id", "question", "scale", "value")}
        for g in rows:
            full = f"{mapping.source}:{g['id']}"
            link, how = links.get(g["id"], (None, "none"))
            recs["id"].append(full)
            recs["source_id"].append(g["id"])
            recs["customer_id"].append(g["customer"])
            recs["ended_at"].append(g["at"])
            for s in SCALES:
                recs[s].append(g["answers"].get(first[s]) if first[s] else None)
            recs["text"].append(g["comment"])
            recs["related_id"].append(link)
            recs["metadata"].append(json.dumps({"survey": mapping.survey, "kind": mapping.kind, "link": how,
                                                "answers": g["answers"]}))
            if how == "id":
                result.linked_by_id += 1
            elif how == "customer_time":
                result.linked_by_customer += 1
            else:
                result.unlinked += 1
            for col, v in g["answers"].items():
                ans["interaction_id"].append(full)
                ans["question"].append(col)
                ans["scale"].append(scale_of[col])
                ans["value"].append(v)
        if rows:
            con.register("_earful_surveys", pa.table(recs))
            con.register("_earful_answers", pa.table(ans, schema=pa.schema([
                ("interaction_id", pa.string()), ("question", pa.string()), ("scale", pa.string()), ("value", pa.float64())])))
            try:
                con.execute(f"""INSERT INTO interactions (id, source, source_id, import_id, channel, direction, queue,
                                    customer_id, ended_at, csat, nps, ces, text, related_id, metadata, is_contact)
                                SELECT id, '{_q(mapping.source)}', source_id, {iid}, 'survey', 'inbound', 'survey',
                                       customer_id, ended_at, csat, nps, ces, text, related_id, metadata::JSON, false
                                FROM _earful_surveys""")
                con.execute("INSERT INTO survey_answers SELECT * FROM _earful_answers")
            finally:
                con.unregister("_earful_surveys")
                con.unregister("_earful_answers")
        result.loaded = len(rows)
        if bad:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", [(iid, *b) for b in bad])
        result.quarantined = len(bad)
        for b in bad:
            key = b[2].split(":")[0] if ":" in b[2] else b[2]
            result.reasons[key] = result.reasons.get(key, 0) + 1
        con.execute("UPDATE imports SET rows_read = ?, rows_loaded = ?, rows_quarantined = ?, rows_skipped = ?, "
                    "finished_at = ? WHERE import_id = ?",
                    [result.rows_read, result.loaded, result.quarantined, result.skipped, datetime.now(), iid])
    return result


def _q(s: str) -> str:
    return s.replace("'", "''")


def _link(con: duckdb.DuckDBPyConnection, rows: list[dict], m: SurveyMapping) -> dict[str, tuple[str, str]]:
    """response id -> (the contact's id, how it was linked): by the id the file gives, else by the
    customer's last contact at most ``link_window_h`` before the answer."""
    out: dict[str, tuple[str, str]] = {}
    if not rows:
        return out
    if m.contact:
        wanted = {g["id"]: g["contact"] for g in rows if g["contact"]}
        cand = {v if not m.contact_source else f"{m.contact_source}:{v}" for v in wanted.values()}
        cand |= set(wanted.values())
        known = {r[0] for r in con.execute("SELECT id FROM interactions WHERE id IN (SELECT unnest(?)) "
                                           "AND channel <> 'survey'", [sorted(cand)]).fetchall()}
        by_source_id: dict[str, list[str]] = {}
        if not m.contact_source:
            for full, sid in con.execute("SELECT id, source_id FROM interactions WHERE source_id IN (SELECT unnest(?)) "
                                         "AND channel <> 'survey'", [sorted(set(wanted.values()))]).fetchall():
                by_source_id.setdefault(sid, []).append(full)
        for rid, v in wanted.items():
            full = f"{m.contact_source}:{v}" if m.contact_source else v
            if full in known:
                out[rid] = (full, "id")
            elif len(by_source_id.get(v, [])) == 1:
                out[rid] = (by_source_id[v][0], "id")
    if m.customer and m.kind == "post_contact":
        todo = [g for g in rows if g["id"] not in out and g["customer"]]
        if todo:
            t = pa.table({"rid": [g["id"] for g in todo], "customer": [g["customer"] for g in todo],
                          "at": [g["at"] for g in todo]})
            con.register("_earful_link", t)
            try:
                found = con.execute(f"""
                    SELECT l.rid, c.id FROM _earful_link l ASOF JOIN (
                        SELECT id, customer_id, coalesce(ended_at, answered_at, offered_at) AS t FROM interactions
                        WHERE channel <> 'survey' AND customer_id IS NOT NULL AND coalesce(abandoned, false) = false) c
                    ON c.customer_id = l.customer AND c.t <= l.at
                    WHERE l.at - c.t <= INTERVAL {float(m.link_window_h) * 3600:.0f} SECOND""").fetchall()
            finally:
                con.unregister("_earful_link")
            for rid, cid in found:
                out[rid] = (cid, "customer_time")
    return out

