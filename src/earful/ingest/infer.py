"""`earful ingest FILE --infer`: a starting mapping for a file earful has never seen.

It reads a sample, matches column names to canonical fields by their usual names in
contact-centre exports, and tries common time formats on the sample values. The result is
YAML with comments for the user to check and edit, never a silent guess.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from earful.ingest._sql import quote_ident, quote_str
from earful.ingest.readers import CsvSource, ParquetSource, iter_jsonl

SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "call_id", "callid", "contact_id", "interaction_id", "ticket_id", "case_id", "session_id",
                  "conversation_id", "message_id", "record_id", "uuid", "guid"),
    "channel": ("channel", "media", "media_type", "mediatype", "type_of_contact"),
    "direction": ("direction", "call_direction"),
    "queue": ("queue", "queue_name", "skill", "split", "skillset", "service", "department", "brand"),
    "agent_id": ("agent", "agent_id", "agentid", "agent_name", "user", "user_id", "operator", "server", "rep"),
    "customer_id": ("customer", "customer_id", "customerid", "caller", "caller_id", "ani", "account", "client_id",
                    "author_id", "contact"),
    "offered_at": ("offered_at", "start", "start_time", "started_at", "created", "created_at", "timestamp",
                   "arrival", "arrival_time", "call_start", "enqueued_at", "date_time", "datetime", "received_at"),
    "answered_at": ("answered_at", "answer_time", "answered", "connected_at", "pickup_time", "first_response_at"),
    "ended_at": ("ended_at", "end", "end_time", "ended", "closed_at", "hangup_time", "disconnected_at"),
    "wait_s": ("wait_s", "wait", "wait_time", "queue_time", "q_time", "speed_of_answer", "time_to_answer", "asa"),
    "talk_s": ("talk_s", "talk", "talk_time", "duration", "service_time", "ser_time", "handle_time"),
    "hold_s": ("hold_s", "hold", "hold_time"),
    "wrap_s": ("wrap_s", "wrap", "wrap_time", "acw", "after_call_work", "wrapup_time"),
    "abandoned": ("abandoned", "is_abandoned", "abandon", "outcome", "status", "result"),
    "transferred": ("transferred", "is_transferred", "transfer"),
    "disposition": ("disposition", "wrap_code", "wrapup_code", "reason", "category", "label", "intent", "topic",
                    "call_type", "type", "outcome_code"),
    "language": ("language", "lang", "locale"),
    "text": ("text", "body", "message", "transcript", "content", "comment", "comments", "utterance", "subject"),
    "csat": ("csat", "satisfaction", "csat_score"),
    "nps": ("nps", "nps_score", "recommend"),
    "ces": ("ces", "effort", "ces_score"),
}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S",
    "%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d",
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _sample(path: Path, fmt: str, con: duckdb.DuckDBPyConnection, n: int = 500) -> dict[str, list[str]]:
    if fmt == "jsonl":
        rows: list[dict] = []
        for good, _bad in iter_jsonl(path, batch=n):
            rows = [obj for _, obj, _ in good]
            break
        cols = sorted({k for r in rows for k in r})
        return {c: [json.dumps(r[c]) if isinstance(r.get(c), (dict, list)) else str(r[c])
                    for r in rows if r.get(c) is not None] for c in cols}
    if fmt == "parquet":
        src = ParquetSource(path)
        cols = src.columns(con)
        rel = f"(SELECT * FROM {src.from_sql(cols)} LIMIT {n})"
    else:
        csv_src = CsvSource(path, strict=False)
        cols = csv_src.columns()
        rel = f"(SELECT * FROM {csv_src.from_sql()} LIMIT {n})"
    data = con.execute(f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM {rel}").fetchall()
    return {c: [row[i] for row in data if row[i] not in (None, "")] for i, c in enumerate(cols)}


def _time_format(con: duckdb.DuckDBPyConnection, values: list[str]) -> str | None:
    vals = values[:50]
    if not vals:
        return None
    for fmt in TIME_FORMATS:
        ok = con.execute(
            f"SELECT count(*) FROM (SELECT unnest(?) AS v) WHERE try_strptime(v, {quote_str(fmt)}) IS NOT NULL",
            [vals]).fetchall()[0][0]
        if ok == len(vals):
            return fmt
    return None


def _is_number(values: list[str]) -> bool:
    try:
        [float(v) for v in values[:50]]
        return bool(values)
    except ValueError:
        return False


def infer_mapping(path: str | Path, fmt: str = "csv") -> str:
    """A commented YAML mapping for `path`, for the user to check and edit."""
    path = Path(path)
    con = duckdb.connect()
    samples = _sample(path, fmt, con)
    by_norm = {_norm(c): c for c in samples}
    lines = [f"# earful mapping for {path.name} (inferred from a sample: check every line)",
             f"source: {_norm(path.stem) or 'my_source'}", "# timezone: Europe/London   # zone of naive times in the file",
             "fields:"]
    used: set[str] = set()
    for field, names in SYNONYMS.items():
        col = next((by_norm[n] for n in names if n in by_norm and by_norm[n] not in used), None)
        if col is None:
            if field == "channel":
                lines.append("  channel: {value: voice}        # no channel column: a constant (voice|chat|email|social|sms|survey)")
            elif field == "source_id":
                lines.append("  source_id: ???                 # REQUIRED: the column holding each record's id")
            continue
        used.add(col)
        vals = samples[col]
        example = f"  # e.g. {vals[0][:40]!r}" if vals else ""
        if field.endswith("_at"):
            tf = _time_format(con, vals)
            lines.append(f"  {field}: {{column: {json.dumps(col)}, format: {json.dumps(tf or 'iso')}}}{example}"
                         + ("" if tf else "  # format not recognised: set a strptime format"))
        elif field.endswith("_s") and not _is_number(vals):
            lines.append(f"  {field}: {json.dumps(col)}{example}  # not numbers in the sample: check")
        elif field in ("abandoned", "transferred") and vals:
            distinct = sorted(set(vals))[:6]
            values = ", ".join(f"{json.dumps(v)}: ???" for v in distinct)
            lines.append(f"  {field}: {{column: {json.dumps(col)}, values: {{{values}}}}}  # map each to true/false")
        elif field == "channel" and vals:
            distinct = sorted(set(vals))[:8]
            values = ", ".join(f"{json.dumps(v)}: ???" for v in distinct)
            lines.append(f"  channel: {{column: {json.dumps(col)}, values: {{{values}}}}}  # map each to voice|chat|email|social|sms|survey")
        else:
            lines.append(f"  {field}: {json.dumps(col)}{example}")
    rest = [c for c in samples if c not in used]
    if rest:
        lines.append("metadata:   # other columns kept as JSON in `metadata`; delete what you don't need")
        lines += [f"  - {json.dumps(c)}" for c in rest]
    return "\n".join(lines) + "\n"
