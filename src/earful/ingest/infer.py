"""`earful ingest FILE --infer`: a starting mapping for a file earful has never seen.

It profiles every column over the whole file (the first million rows of a bigger one): how
many values, how many distinct, which shapes they take (numbers, H:MM:SS, dates, times of day,
timestamps with or without a zone, phone numbers, e-mail addresses) and, for columns with few
distinct values, every one of them with its count. From that and the column names it
proposes each canonical field with how sure it is and why: date and time columns combined,
durations with their unit, outcome codes mapped value by value to abandoned/transferred where
the word says it, phone and e-mail customer keys hashed, personal columns never kept raw in
metadata. The result is YAML with those reasons as comments, for the user to check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from earful.ingest._sql import _DATE_LIKE, _EMAIL, _PHONE, quote_ident, quote_str
from earful.ingest.readers import CsvSource, ParquetSource, iter_json_records, iter_jsonl

MAX_ROWS = 1_000_000  # rows profiled; beyond this the first million stand for the file
MAX_JSON_RECORDS = 100_000
MAX_CODES = 200  # a column with at most this many distinct values is a code list: every value is listed
SAMPLE = 4000  # values per column whose shape is classified (the chosen format is then checked on all)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_id": ("id", "call_id", "callid", "contact_id", "contactid", "interaction_id", "ticket_id", "ticket",
                  "case_id", "case_number", "session_id", "conversation_id", "conversationid", "message_id",
                  "record_id", "uuid", "guid", "sid", "call_sid", "call_key", "reference", "ref", "call_ref",
                  "uniqueid", "unique_id", "linkedid"),
    "channel": ("channel", "media", "media_type", "mediatype", "type_of_contact", "contact_type", "source",
                "via", "via_channel", "medium"),
    "direction": ("direction", "call_direction", "inbound_outbound", "in_out", "call_type_direction"),
    "queue": ("queue", "queue_name", "skill", "skill_name", "split", "skillset", "service", "department", "brand",
              "group", "team", "campaign", "line", "hunt_group", "workgroup", "routing_queue"),
    "agent_id": ("agent", "agent_id", "agentid", "agent_name", "user", "user_id", "operator", "server", "rep",
                 "assignee", "assignee_id", "responder", "responder_id", "handled_by", "owner", "employee",
                 "advisor", "users_interacted", "agent_login"),
    "customer_id": ("customer", "customer_id", "customerid", "caller", "caller_id", "callerid", "ani", "account",
                    "account_number", "client", "client_id", "clientid", "author_id", "contact", "contact_id",
                    "requester", "requester_id", "member_id", "from", "from_number", "calling_number", "msisdn",
                    "phone", "phone_number", "telephone", "mobile", "email", "e_mail", "email_address",
                    "customer_phone", "customer_email", "caller_number", "remote_number", "clid",
                    "customer_endpoint_address"),
    "offered_at": ("offered_at", "enqueue_timestamp", "enqueued_at", "enqueue_time", "queue_start", "start",
                   "start_time", "started_at", "created", "created_at", "created_time",
                   "timestamp", "arrival", "arrival_time", "call_start", "date_time",
                   "datetime", "received_at", "q_start", "call_time", "time", "date_created",
                   "conversation_start", "opened", "opened_at", "start_date_time", "calldate", "call_date_time"),
    "answered_at": ("answered_at", "answer_time", "answered", "connected_at", "pickup_time", "first_response_at",
                    "ser_start", "service_start", "answered_time", "connected_time", "first_responded_at",
                    "initial_response_time", "connected_to_agent_timestamp", "first_contact_reply_at",
                    "first_reply_at"),
    "ended_at": ("ended_at", "end", "end_time", "ended", "closed_at", "hangup_time", "disconnected_at",
                 "ser_exit", "service_end", "resolved_at", "resolved_time", "closed_time", "solved_at",
                 "disconnect_time", "call_end", "disconnect_timestamp", "conversation_end"),
    "wait_s": ("wait_s", "wait", "wait_time", "queue_time", "q_time", "speed_of_answer", "time_to_answer", "asa",
               "queue_wait", "queue_wait_time", "hold_in_queue", "time_in_queue", "ring_time", "queue_duration",
               "total_queue", "first_reply_time", "first_response_time", "time_to_first_response"),
    "talk_s": ("talk_s", "talk", "talk_time", "billsec", "duration", "service_time", "ser_time", "call_duration",
               "conversation_time", "total_talk", "talk_duration", "handle_time", "agent_interaction_duration",
               "interaction_duration"),
    "hold_s": ("hold_s", "hold", "hold_time", "total_hold", "on_hold", "hold_duration", "customer_hold_duration"),
    "wrap_s": ("wrap_s", "wrap", "wrap_time", "acw", "after_call_work", "wrapup_time", "wrap_up_time",
               "after_call_work_time", "total_acw", "acw_time", "after_contact_work_duration", "after_contact_work"),
    "transferred": ("transferred", "is_transferred", "transfer", "was_transferred"),
    "disposition": ("disposition", "wrap_code", "wrapup_code", "wrap_up_code", "wrap_up", "reason", "category",
                    "label", "intent", "topic", "call_type", "type", "outcome_code", "call_reason", "subject_category",
                    "issue", "ticket_type", "contact_reason", "result_code"),
    "outcome": ("outcome", "status", "result", "call_result", "call_status", "disposition", "call_outcome",
                "end_reason", "abandoned", "is_abandoned", "abandon", "state", "resolution"),
    "language": ("language", "lang", "locale"),
    "text": ("text", "body", "message", "transcript", "content", "comment", "comments", "utterance", "subject",
             "description", "notes", "note", "summary", "feedback", "verbatim"),
    "csat": ("csat", "satisfaction", "csat_score", "satisfaction_score", "survey_score", "rating"),
    "nps": ("nps", "nps_score", "recommend", "likelihood_to_recommend"),
    "ces": ("ces", "effort", "ces_score", "customer_effort"),
}
# words in an outcome value, in order of precedence
_TRANSFER = re.compile(r"transf|xfer|forward", re.I)
_ABANDON = re.compile(r"aband|hang|hung|drop|lost|miss|no.?answer|unanswer|cancel|abd\b|short|timeout|ring.?no", re.I)
_ANSWER = re.compile(r"answer|agent|handl|complet|connect|serv|resolv|talk|success|^ok$|done|solved|closed|taken", re.I)
_UNSURE = re.compile(r"disconnect|voicemail|busy|fail|error", re.I)  # says how it ended, not whether anyone answered
#: Names of columns that hold phone numbers whatever their values look like, and people's names.
_PHONE_NAME = re.compile(r"(^|_)(ani|phone|tel|telephone|mobile|msisdn|cli|clid|caller_?id|callerid|caller_number|"
                         r"calling_number|from_number|src|dnis)($|_)|^(from|to)$")
_PERSON_NAME = re.compile(r"(^|_)(name|full_name|first_name|last_name|requester|customer_name|caller_name|contact_name)$")
_UNIT = [(re.compile(r"(^|_)(ms|msec|millis|milliseconds)($|_)"), "ms"), (re.compile(r"(^|_)(min|mins|minutes)($|_)"), "minutes"),
         (re.compile(r"(^|_)(seconds|secs|sec|s)($|_)"), "seconds"), (re.compile(r"(^|_)(hours|hrs|hr)($|_)"), "hours")]
_DURATION_WORDS = [("wait_s", r"queue|wait|ring|asa|answer_time|reply|response"), ("hold_s", r"hold"),
                   ("wrap_s", r"wrap|acw|after"), ("talk_s", r"talk|handle|conversation|duration|call|service|billsec")]
_CHANNEL_WORDS = [("survey", "survey"), ("sms|text msg|^text$", "sms"), ("e-?mail|^mail|web.?form|^web$|portal", "email"),
                  ("twitter|facebook|instagram|social|^x$|tweet", "social"),
                  ("chat|messag|whatsapp|webchat|livechat|messenger", "chat"),
                  ("voice|phone|call|telephon|^tel$|inbound|outbound|callback|ivr", "voice")]
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p", "%d/%m/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y %H:%M:%S", "%d-%b-%Y %H:%M:%S", "%d %b %Y %H:%M:%S", "%b %d, %Y %I:%M:%S %p", "%b %d %Y %H:%M:%S",
    "%a, %d %b %Y %H:%M:%S %z", "%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y%m%d%H%M%S",
)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%d-%b-%Y", "%d %b %Y",
                "%Y%m%d", "%m/%d/%y", "%d/%m/%y")
CLOCK_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%H:%M:%S.%f")
_ISO_ZONED = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)"


def _norm(name: str) -> str:
    """A column name as lower-case words joined by _ ('Queue.EnqueueTimestamp' → 'queue_enqueue_timestamp')."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


@dataclass
class Column:
    """What the file's values in one column look like."""

    name: str
    rows: int = 0
    filled: int = 0
    distinct: int = 0
    codes: list[tuple[str, int]] | None = None  # every distinct value with its count, when few
    sample: list[str] = field(default_factory=list)
    shape: str = "text"  # number | integer | hms | clock | date | datetime | epoch_s | epoch_ms | iso_zoned | phone | email | bool | text
    fmt: str | None = None  # the strptime pattern (or iso/epoch_*) that reads every sampled value
    parsed: float = 1.0  # share of the whole column that the format reads
    ambiguous: str | None = None  # why the format is not certain

    @property
    def norm(self) -> str:
        return _norm(self.name)

    @property
    def unique(self) -> bool:
        return self.filled > 0 and self.distinct == self.filled == self.rows


@dataclass
class Proposal:
    """One canonical field as inferred: its YAML, how sure, and why."""

    field: str
    yaml: str
    confidence: float
    why: str
    columns: tuple[str, ...] = ()


@dataclass
class Inference:
    """The mapping proposed for a file, field by field, and what was left over."""

    file: str
    fmt: str
    rows: int
    source: str
    proposals: list[Proposal] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)  # YAML list items
    notes: list[str] = field(default_factory=list)
    timezone_note: str | None = None

    def yaml(self) -> str:
        lines = [f"# earful mapping for {self.file}, inferred from {self.rows:,} rows: check every line;",
                 "# each field says how sure the guess is and why (docs/formats.md describes every key)",
                 f"source: {self.source}"]
        lines.append(f"# timezone: Europe/London   # {self.timezone_note or 'zone of the naive times in the file (default: the store zone)'}")
        lines.append("fields:")
        for p in self.proposals:
            text = f"  {p.field}: {p.yaml}"
            comment = f"# {round(p.confidence * 100)}% sure: {p.why}"
            lines.append(text + ("  " if len(text) < 70 else "\n    ") + comment)
        if self.metadata:
            lines.append("metadata:   # other columns kept as JSON; personal ones only as keyed hashes")
            lines += [f"  - {m}" for m in self.metadata]
        for note in self.notes:
            lines.append(f"# note: {note}")
        return "\n".join(lines) + "\n"


def infer_mapping(path: str | Path, fmt: str = "csv") -> str:
    """A commented YAML mapping for `path`, for the user to check and edit."""
    return infer(path, fmt).yaml()


def infer(path: str | Path, fmt: str = "csv") -> Inference:
    """Profile the file and propose a mapping field by field."""
    path = Path(path)
    con = duckdb.connect()
    rel, rows = _relation(con, path, fmt)
    cols = _profile(con, rel, rows)
    inf = Inference(file=path.name, fmt=fmt, rows=rows, source=_norm(path.stem) or "my_source")
    _Proposer(con, rel, cols, inf).run()
    return inf


# ---------------------------------------------------------------------------------------------- reading
def _relation(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> tuple[str, int]:
    """A relation of the file's values as text (the first MAX_ROWS rows), and its row count."""
    if fmt in ("jsonl", "json"):
        records: list[dict] = []
        reader = iter_jsonl(path) if fmt == "jsonl" else iter_json_records(path)
        for good, _bad in reader:
            records += [_flatten(obj) for _, obj, _ in good]
            if len(records) >= MAX_JSON_RECORDS:
                break
        records = records[:MAX_JSON_RECORDS]
        names = list(dict.fromkeys(k for r in records for k in r))
        table = pa.table({n: pa.array([r.get(n) for r in records], type=pa.string()) for n in names}) if names \
            else pa.table({"empty": pa.array([], type=pa.string())})
        con.register("_infer_src", table)
        con.execute("CREATE TABLE _infer AS SELECT * FROM _infer_src")
    elif fmt == "parquet":
        src = ParquetSource(path)
        cols = src.columns(con)
        con.execute(f"CREATE TABLE _infer AS SELECT * EXCLUDE (_rownum) FROM {src.from_sql(cols)} LIMIT {MAX_ROWS}")
    else:
        src = CsvSource(path, strict=False)
        con.execute(f"CREATE TABLE _infer AS SELECT * FROM {src.from_sql(numbered=False)} LIMIT {MAX_ROWS}")
    rows = int(con.execute("SELECT count(*) FROM _infer").fetchall()[0][0])
    return "_infer", rows


def _flatten(obj: dict, prefix: str = "", depth: int = 0) -> dict[str, str | None]:
    """Nested objects as dotted paths (`Agent.Username`); lists and deeper objects as JSON text."""
    out: dict[str, str | None] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and depth < 3:
            out.update(_flatten(v, key + ".", depth + 1))
        elif v is None:
            out[key] = None
        elif isinstance(v, (dict, list)):
            out[key] = json.dumps(v, ensure_ascii=False)
        elif isinstance(v, bool):
            out[key] = "true" if v else "false"
        else:
            out[key] = str(v)
    return out


# ---------------------------------------------------------------------------------------------- profiling
def _profile(con: duckdb.DuckDBPyConnection, rel: str, rows: int) -> list[Column]:
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    if not names:
        return []
    text = lambda c: f"nullif(trim(CAST({quote_ident(c)} AS VARCHAR)), '')"  # noqa: E731
    agg = ", ".join(f"count({text(c)}), count(DISTINCT {text(c)})" for c in names)
    stats = con.execute(f"SELECT {agg} FROM {rel}").fetchall()[0]
    cols = []
    for i, name in enumerate(names):
        col = Column(name=name, rows=rows, filled=int(stats[2 * i]), distinct=int(stats[2 * i + 1]))
        if 0 < col.distinct <= MAX_CODES:
            col.codes = [(str(v), int(n)) for v, n in con.execute(
                f"SELECT {text(name)} AS v, count(*) FROM {rel} WHERE v IS NOT NULL GROUP BY v ORDER BY 2 DESC, 1").fetchall()]
            col.sample = [v for v, _ in col.codes]
        elif col.distinct:
            col.sample = [r[0] for r in con.execute(
                f"SELECT DISTINCT {text(name)} AS v FROM {rel} WHERE v IS NOT NULL LIMIT {SAMPLE}").fetchall()]
        _classify(con, rel, col)
        cols.append(col)
    return cols


def _share(con: duckdb.DuckDBPyConnection, values: list[str] | Column, cond: str) -> float:
    """Share of the values (weighted by how often each occurs, for a code list) for which `cond` holds."""
    if isinstance(values, Column):
        col = values
        values, weights = col.sample, ([n for _, n in col.codes] if col.codes else [1] * len(col.sample))
    else:
        weights = [1] * len(values)
    if not values:
        return 0.0
    hit, total = con.execute(f"SELECT sum(w) FILTER (WHERE {cond}), sum(w) FROM (SELECT unnest(?) AS v, unnest(?) AS w)",
                             [values, weights]).fetchall()[0]
    return (hit or 0) / total


#: Share of a column's values that must take a shape for the column to have it (a few typing mistakes
#: do not hide a date or a duration column; they are quarantined at load).
MOSTLY = 0.95


def _all_parse(con: duckdb.DuckDBPyConnection, values: list[str] | Column, fmts: tuple[str, ...]) -> list[str]:
    """The formats that read (nearly) every value, best first."""
    shares = [(f, _share(con, values, f"try_strptime(v, {quote_str(f)}) IS NOT NULL")) for f in fmts]
    ok = [(f, sh) for f, sh in shares if sh >= MOSTLY]
    top = max((sh for _, sh in ok), default=0)
    return [f for f, sh in ok if sh >= top - 1e-9] + [f for f, sh in ok if sh < top - 1e-9]


def _classify(con: duckdb.DuckDBPyConnection, rel: str, col: Column) -> None:
    """The column's shape and, for times, the format that reads it, checked over the whole column."""
    vals = col.sample
    if not vals:
        return
    low = {v.lower() for v in vals}
    if low <= {"true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"} and len(low) <= 4 and not low <= {"1", "0"}:
        col.shape = "bool"
        return
    if _share(con, col, r"regexp_full_match(v, '\d{1,3}:\d{2}:\d{2}(\.\d+)?')") >= MOSTLY:
        col.shape, col.fmt = "hms", "hms"  # clock time or duration: the name decides
        return
    if _share(con, col, r"regexp_full_match(v, '\d{1,3}:\d{2}')") >= MOSTLY:
        col.shape, col.fmt = "mmss", "hms"
        return
    if _share(con, col, r"regexp_full_match(v, '(tel:)?\+\d[\d ().-]{6,20}')") >= MOSTLY or (
            _PHONE_NAME.search(col.norm) and _share(
                con, col, r"regexp_matches(v, '\d') AND length(regexp_replace(v, '[^0-9]', '', 'g')) BETWEEN 7 AND 15 "
                          r"AND NOT regexp_full_match(v, '-?\d+\.\d+') AND NOT regexp_matches(v, '\d:\d\d|\d{4}-\d\d-\d\d')")
            >= MOSTLY):
        col.shape = "phone"
        return
    if _share(con, col, "try_cast(v AS DOUBLE) IS NOT NULL") >= MOSTLY:
        col.shape = "integer" if _share(con, col, r"regexp_full_match(v, '-?\d+')") >= MOSTLY else "number"
        if col.shape == "integer" and _share(con, col, "try_cast(v AS BIGINT) BETWEEN 631152000 AND 4102444800") == 1.0 \
                and col.distinct > 1:
            col.shape, col.fmt = "epoch_s", "epoch_s"
        elif col.shape == "integer" and _share(
                con, vals, "try_cast(v AS BIGINT) BETWEEN 631152000000 AND 4102444800000") == 1.0 and col.distinct > 1:
            col.shape, col.fmt = "epoch_ms", "epoch_ms"
        elif col.shape == "integer" and len(_all_parse(con, col, ("%Y%m%d",))) and col.distinct > 1 \
                and _share(con, col, r"regexp_full_match(v, '(19|20)\d{6}')") == 1.0:
            col.shape, col.fmt = "date", "%Y%m%d"
        return
    if _share(con, col, f"regexp_full_match(v, {quote_str(_ISO_ZONED)})") >= MOSTLY:
        col.shape, col.fmt = "datetime", "iso"
        col.parsed = _whole(con, rel, col, "try_cast(v AS TIMESTAMPTZ) IS NOT NULL")
        return
    for shape, fmts in (("datetime", TIME_FORMATS), ("date", DATE_FORMATS), ("clock", CLOCK_FORMATS)):
        ok = _all_parse(con, col, fmts)
        if ok:
            col.shape, col.fmt = shape, ok[0]
            pair = {("%d/%m", "%m/%d"), ("%m/%d", "%d/%m")}
            if len(ok) > 1 and (ok[0][:5], ok[1][:5]) in pair:
                col.ambiguous = (f"day and month order cannot be told apart (every day is 12 or less): "
                                 f"{ok[0]!r} assumed, {ok[1]!r} also reads it")
            col.parsed = _whole(con, rel, col, f"try_strptime(v, {quote_str(col.fmt)}) IS NOT NULL")
            return
    if _share(con, col, f"regexp_full_match(v, {quote_str(_EMAIL)}) OR regexp_matches(v, {quote_str('<' + _EMAIL + '>')})") >= 0.9:
        col.shape = "email"
    elif _share(con, col, f"regexp_full_match(v, {quote_str(_PHONE)}) AND NOT regexp_full_match(v, {quote_str(_DATE_LIKE)})"
                f" AND length(regexp_replace(v, '[^0-9]', '', 'g')) BETWEEN 7 AND 15") >= 0.9:
        col.shape = "phone"


def _whole(con: duckdb.DuckDBPyConnection, rel: str, col: Column, cond: str) -> float:
    """Share of the column's filled values that satisfy `cond` (over `v`), over the whole profiled file."""
    if not col.filled:
        return 1.0
    n = con.execute(f"SELECT count(*) FILTER (WHERE {cond}) FROM (SELECT nullif(trim(CAST({quote_ident(col.name)} "
                    f"AS VARCHAR)), '') AS v FROM {rel}) WHERE v IS NOT NULL").fetchall()[0][0]
    return n / col.filled


# ---------------------------------------------------------------------------------------------- proposing
def _q(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def _name_score(col: Column, names: tuple[str, ...]) -> float:
    """1 for an exact synonym, 0.8 when a synonym is a whole word of the name, else 0."""
    n = col.norm
    if n in names:
        return 1.0
    words = n.split("_")
    for syn in names:
        sw = syn.split("_")
        if len(syn) > 2 and any(words[i:i + len(sw)] == sw for i in range(len(words) - len(sw) + 1)):
            return 0.8
    return 0.0


class _Proposer:
    def __init__(self, con: duckdb.DuckDBPyConnection, rel: str, cols: list[Column], inf: Inference) -> None:
        self.con, self.rel, self.cols, self.inf = con, rel, cols, inf
        self.used: set[str] = set()

    def best(self, field_: str, ok=lambda c: True, used_ok: bool = False) -> tuple[Column, float] | None:
        scored = [(c, _name_score(c, SYNONYMS[field_])) for c in self.cols
                  if (used_ok or c.name not in self.used) and c.filled and ok(c)]
        scored = [(c, s) for c, s in scored if s > 0]
        if not scored:
            return None
        # an exact name first, then the synonym listed earliest
        order: dict[str, int] = {}
        for i, syn in enumerate(SYNONYMS[field_]):
            order.setdefault(syn, i)
        scored.sort(key=lambda cs: (-cs[1], min((order[w] for w in order if w in cs[0].norm), default=99)))
        return scored[0]

    def add(self, field_: str, yaml: str, confidence: float, why: str, *columns: str) -> None:
        self.inf.proposals.append(Proposal(field_, yaml, round(min(max(confidence, 0.05), 0.99), 2), why, columns))
        self.used.update(columns)

    def run(self) -> None:
        self.source_id()
        self.times()
        self.durations()
        self.people()
        self.channel()
        self.direction()
        self.outcome()
        self.simple("language", lambda c: c.shape == "text")
        self.simple("text", lambda c: c.shape == "text" and (c.distinct > MAX_CODES or not c.codes))
        for score, (lo, hi) in (("csat", (1, 5)), ("nps", (0, 10)), ("ces", (1, 7))):
            self.simple(score, lambda c, lo=lo, hi=hi: c.shape in ("integer", "number") and all(
                lo <= float(v) <= hi for v in c.sample[:500]))
        self.rest()

    # -- keys
    def source_id(self) -> None:
        hit = self.best("source_id", lambda c: c.unique)
        if hit:
            c, s = hit
            self.add("source_id", _q(c.name), 0.6 + 0.35 * s, f"column {c.name!r}, every one of {c.rows:,} values unique", c.name)
            return
        unique = [c for c in self.cols if c.unique and c.shape in ("text", "integer") and c.distinct > 1]
        if unique:
            c = unique[0]
            self.add("source_id", _q(c.name), 0.55, f"{c.name!r} is the first column whose values are all unique", c.name)
            return
        combo = self._unique_combination()
        if combo:
            self.add("source_id", "{column: [" + ", ".join(_q(c) for c in combo) + "]}", 0.6,
                     "no column is unique on its own; these together are (joined with a space)", *combo)
            return
        self.add("source_id", "???", 0.0, "REQUIRED: no column or pair of columns is unique: name each record's id")

    def _unique_combination(self) -> tuple[str, ...] | None:
        idish = [c for c in self.cols if c.filled == c.rows and c.distinct > 1 and
                 (re.search(r"id|call|no|num|key|ref|line|seq", c.norm) or c.shape in ("date", "datetime"))]
        idish.sort(key=lambda c: -c.distinct)
        for size in (2, 3):
            for i in range(len(idish)):
                for j in range(i + 1, len(idish)):
                    groups = [(idish[i], idish[j])] if size == 2 else [(idish[i], idish[j], k) for k in idish[j + 1:][:4]]
                    for g in groups:
                        expr = ", ".join(quote_ident(c.name) for c in g)
                        n = self.con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {expr} FROM {self.rel})").fetchall()[0][0]
                        if n == g[0].rows:
                            return tuple(c.name for c in g)
            if size == 2 and len(idish) > 8:
                break
        return None

    # -- times
    def times(self) -> None:
        dates = [c for c in self.cols if c.shape == "date"]
        clocks = [c for c in self.cols if c.shape in ("clock", "hms", "mmss") and not self._is_duration_name(c)]
        stamps = [c for c in self.cols if c.shape in ("datetime", "epoch_s", "epoch_ms")]
        zoned = False
        for fld in ("offered_at", "answered_at", "ended_at"):
            hit = self.best(fld, lambda c: c in stamps)
            if hit:
                c, s = hit
                self.add(fld, f"{{column: {_q(c.name)}, format: {_q(c.fmt or 'iso')}}}", self._time_conf(c, s),
                         self._time_why(c), c.name)
                zoned |= c.fmt == "iso" or "%z" in (c.fmt or "")
                continue
            clock = self.best(fld, lambda c: c in clocks)
            date = self._date_for(dates)
            if clock and date:
                c, s = clock
                fmt = f"{date.fmt} {c.fmt if c.shape == 'clock' else '%H:%M' if c.shape == 'mmss' else '%H:%M:%S'}"
                joined = self._joined_share(date, c, fmt)
                self.add(fld, f"{{column: [{_q(date.name)}, {_q(c.name)}], format: {_q(fmt)}}}",
                         (0.55 + 0.35 * s) * joined * (0.8 if date.ambiguous else 1.0), f"date {date.name!r} and time {c.name!r} combined; "
                         f"{joined:.0%} of rows read with {fmt}" + (f"; {date.ambiguous}" if date.ambiguous else ""),
                         date.name, c.name)
                continue
            if fld == "offered_at" and not any(p.field == "offered_at" for p in self.inf.proposals):
                fallback = stamps[0] if stamps else None
                if fallback and fallback.name not in self.used:
                    self.add(fld, f"{{column: {_q(fallback.name)}, format: {_q(fallback.fmt or 'iso')}}}", 0.4,
                             f"the only timestamp column ({self._time_why(fallback)}); is it when the contact arrived?",
                             fallback.name)
                elif dates and not clocks:
                    d = dates[0]
                    self.add(fld, f"{{column: {_q(d.name)}, format: {_q(d.fmt or '%Y-%m-%d')}}}", 0.35,
                             f"only a date, no time of day ({d.name!r}): contacts fall at midnight", d.name)
        self.inf.timezone_note = ("the times carry their own zone; naive ones are read in the zone set here" if zoned
                                  else "the times carry no zone: set it if they are not the store's zone")

    def _date_for(self, dates: list[Column]) -> Column | None:
        if not dates:
            return None
        named = [d for d in dates if re.search(r"date|day", d.norm)]
        return (named or dates)[0]

    def _joined_share(self, date: Column, clock: Column, fmt: str) -> float:
        d, t = quote_ident(date.name), quote_ident(clock.name)
        n, ok = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE try_strptime(trim({d}) || ' ' || trim({t}), {quote_str(fmt)}) IS NOT NULL) "
            f"FROM {self.rel} WHERE nullif(trim({d}), '') IS NOT NULL AND nullif(trim({t}), '') IS NOT NULL").fetchall()[0]
        return ok / n if n else 0.0

    @staticmethod
    def _time_conf(c: Column, name_score: float) -> float:
        return (0.55 + 0.4 * name_score) * c.parsed * (0.8 if c.ambiguous else 1.0)

    @staticmethod
    def _time_why(c: Column) -> str:
        what = {"iso": "ISO 8601 with a zone", "epoch_s": "seconds since 1970", "epoch_ms": "milliseconds since 1970"}
        why = f"column {c.name!r}, {c.parsed:.0%} read as {what.get(c.fmt or '', c.fmt)}"
        return why + (f"; {c.ambiguous}" if c.ambiguous else "")

    # -- durations
    @staticmethod
    def _is_duration_name(c: Column) -> bool:
        return bool(re.search(r"dur|wait|talk|hold|wrap|acw|handle|queue_time|q_time|ser_time|asa|billsec|"
                              r"ring|conversation_time|service_time|length|secs?$|_s$|ms$|min", c.norm))

    def durations(self) -> None:
        numeric = ("integer", "number", "hms", "mmss")
        for fld in ("wait_s", "talk_s", "hold_s", "wrap_s"):
            hit = self.best(fld, lambda c: c.shape in numeric)
            if not hit:  # a name with a unit (queue_seconds, handle_ms) and a word that says which time
                words = dict(_DURATION_WORDS)[fld]
                units = [c for c in self.cols if c.name not in self.used and c.shape in numeric and _unit(c.norm)
                         and re.search(words, c.norm)]
                hit = (units[0], 0.6) if units else None
            if not hit:
                continue
            c, s = hit
            if c.shape in ("hms", "mmss"):
                spec, how = f"{{column: {_q(c.name)}, format: hms}}", ("H:MM:SS" if c.shape == "hms" else "MM:SS")
                parsed = _whole(self.con, self.rel, c, r"regexp_full_match(v, '(\d+:)?\d{1,2}:\d{1,2}(\.\d+)?')")
            else:
                unit, how = _unit(c.norm) or "seconds", None
                median = self._median(c)
                if unit == "seconds" and median is not None and median > 20_000:
                    unit, how = "ms", f"milliseconds (values too large for seconds: median {median:,.0f})"
                spec = _q(c.name) if unit == "seconds" else f"{{column: {_q(c.name)}, format: {unit}}}"
                how, parsed = how or unit, 1.0
            whole = fld == "talk_s" and c.norm in ("duration", "call_duration")
            why = f"column {c.name!r}, durations in {how}" + (" (the call's whole duration, taken as talk time)" if whole else "")
            self.add(fld, spec, (0.5 + 0.4 * s) * parsed * (0.85 if whole else 1.0) * (0.8 if "values too" in how else 1.0),
                     why, c.name)

    def _median(self, c: Column) -> float | None:
        return self.con.execute(f"SELECT median(try_cast({quote_ident(c.name)} AS DOUBLE)) FROM {self.rel}").fetchall()[0][0]

    # -- people
    def people(self) -> None:
        hit = self.best("agent_id", lambda c: c.shape not in ("hms", "clock", "date", "datetime"))
        if hit:
            c, s = hit
            self.add("agent_id", _q(c.name), 0.5 + 0.4 * s, f"column {c.name!r}", c.name)
        hit = self.best("queue", lambda c: c.shape not in ("hms", "clock", "date", "datetime", "phone", "email")
                        and not c.unique and not (c.shape in ("integer", "number") and _unit(c.norm)))
        if hit:
            c, s = hit
            self.add("queue", _q(c.name), 0.45 + 0.4 * s, f"column {c.name!r} ({c.distinct:,} queues)", c.name)
        cands = [(c, _name_score(c, SYNONYMS["customer_id"])) for c in self.cols
                 if c.name not in self.used and c.filled and c.distinct > 1 and c.shape not in ("hms", "clock", "date", "datetime")
                 and not (_PERSON_NAME.search(c.norm) and c.shape == "text")]
        cands = [(c, s) for c, s in cands if s > 0 or c.shape in ("phone", "email")]
        if not cands:
            return
        # an account or client id beats a phone number, which beats an e-mail address
        rank = {"text": 0, "integer": 0, "number": 1, "phone": 2, "email": 3}
        cands.sort(key=lambda cs: (rank.get(cs[0].shape, 4), not re.search(r"(^|_)(id|number|no|account|key)($|_)", cs[0].norm),
                                   -cs[1]))
        c, s = cands[0]
        personal = c.shape in ("phone", "email")
        if personal:
            kind = "phone numbers" if c.shape == "phone" else "e-mail addresses"
            self.add("customer_id", f"{{column: {_q(c.name)}, hash: true}}", 0.5 + 0.4 * max(s, 0.6),
                     f"column {c.name!r} holds {kind}: stored as a keyed hash (hash: false keeps them)", c.name)
        else:
            self.add("customer_id", _q(c.name), 0.5 + 0.4 * s, f"column {c.name!r} ({c.distinct:,} customers)", c.name)

    # -- channel and direction
    def channel(self) -> None:
        hit = self.best("channel", lambda c: c.codes is not None and len(c.codes) <= 30)
        if hit:
            c, s = hit
            mapped = {v: _channel_of(v) for v, _ in c.codes or []}
            unknown = [v for v, ch in mapped.items() if ch is None]
            values = ", ".join(f"{_q(v)}: {ch or '???'}" for v, ch in mapped.items())
            self.add("channel", f"{{column: {_q(c.name)}, values: {{{values}}}}}",
                     (0.5 + 0.4 * s) * (1 - len(unknown) / max(len(mapped), 1)),
                     f"column {c.name!r}, all {len(mapped)} values mapped" if not unknown else
                     f"column {c.name!r}: say which channel {', '.join(map(repr, unknown[:3]))} is", c.name)
            return
        written = any(re.search(r"ticket|subject|description|body|email", c.norm) for c in self.cols)
        talky = any(self._is_duration_name(c) for c in self.cols if c.shape in ("integer", "number", "hms", "mmss"))
        guess = "email" if written and not talky else "voice"
        self.add("channel", f"{{value: {guess}}}", 0.45 if not written or talky else 0.4,
                 f"no channel column: every row is {guess} (one of voice, chat, email, social, sms, survey)")

    def direction(self) -> None:
        hit = self.best("direction", lambda c: c.codes is not None and len(c.codes) <= 30)
        if not hit:
            return
        c, s = hit
        mapped = {}
        for v, _ in c.codes or []:
            lv = v.lower()
            mapped[v] = "outbound" if re.search(r"out|dial|campaign", lv) else "inbound" if re.search(r"in|recv|receiv", lv) else None
        values = ", ".join(f"{_q(v)}: {d or '???'}" for v, d in mapped.items())
        self.add("direction", f"{{column: {_q(c.name)}, values: {{{values}}}}}", (0.5 + 0.4 * s) * (
            1 - sum(d is None for d in mapped.values()) / max(len(mapped), 1)), f"column {c.name!r}", c.name)

    # -- outcome: abandoned, transferred, disposition
    def outcome(self) -> None:
        codes = lambda c: c.codes is not None and c.shape in ("text", "bool", "integer")  # noqa: E731
        out = self.best("outcome", codes, used_ok=True)
        if out is None or not any(_outcome_of(v) in ("abandoned", "transferred") for v, _ in out[0].codes or []):
            # a code column whose values say abandoned (a "Call Type" of inbound/abandoned/missed)
            said = [c for c in self.cols if c.codes and c.shape == "text" and len(c.codes) <= 30
                    and any(_outcome_of(v) == "abandoned" for v, _ in c.codes)]
            out = (said[0], 0.3) if said else out
        if out:
            c, s = out
            if c.shape == "bool":
                self.add("abandoned", _q(c.name), 0.5 + 0.4 * s, f"column {c.name!r} holds true/false", c.name)
            else:
                meanings = {v: _outcome_of(v) for v, _ in c.codes or []}
                abandon = {v: m for v, m in meanings.items()}
                if any(m == "abandoned" for m in abandon.values()):
                    vals = ", ".join(f"{_q(v)}: {'true' if m == 'abandoned' else 'false' if m in ('answered', 'transferred') else 'null'}"
                                     for v, m in abandon.items())
                    unknown = [v for v, m in meanings.items() if m is None]
                    self.add("abandoned", f"{{column: {_q(c.name)}, values: {{{vals}}}}}",
                             (0.45 + 0.4 * s) * (1 - 0.5 * len(unknown) / max(len(meanings), 1)),
                             f"all {len(meanings)} values of {c.name!r} mapped by their words"
                             + (f"; {', '.join(map(repr, unknown[:4]))} left empty (neither answered nor abandoned)"
                                if unknown else ""), c.name)
                if any(m == "transferred" for m in meanings.values()) and not self.best("transferred"):
                    vals = ", ".join(f"{_q(v)}: {'true' if m == 'transferred' else 'false'}" for v, m in meanings.items())
                    self.add("transferred", f"{{column: {_q(c.name)}, values: {{{vals}}}}}", 0.5 + 0.3 * s,
                             f"values of {c.name!r} that say transfer", c.name)
        hit = self.best("transferred", lambda c: c.shape == "bool" or (c.codes is not None and len(c.codes) <= 4))
        if hit:
            c, s = hit
            self.add("transferred", _q(c.name), 0.5 + 0.4 * s, f"column {c.name!r}", c.name)
        disp = self.best("disposition", lambda c: c.shape == "text" and not c.unique and c.distinct > 1, used_ok=False)
        if disp:
            c, s = disp
            self.add("disposition", _q(c.name), 0.45 + 0.4 * s, f"column {c.name!r} ({c.distinct:,} codes)", c.name)
        elif out and out[0].shape == "text":
            c, s = out
            self.add("disposition", _q(c.name), 0.4 + 0.3 * s, f"the outcome codes of {c.name!r} as they are", c.name)

    def simple(self, fld: str, ok) -> None:
        hit = self.best(fld, ok)
        if hit:
            c, s = hit
            self.add(fld, _q(c.name), 0.45 + 0.4 * s, f"column {c.name!r}", c.name)

    def rest(self) -> None:
        for c in self.cols:
            if c.name in self.used or not c.filled:
                continue
            if c.shape in ("phone", "email") or (_PERSON_NAME.search(c.norm) and c.shape == "text"):
                what = {"phone": "phone numbers", "email": "e-mail addresses"}.get(c.shape, "people's names")
                self.inf.metadata.append(f"{{column: {_q(c.name)}, hash: true}}   # {what}: kept only as a keyed hash")
            else:
                self.inf.metadata.append(_q(c.name))
        if not any(p.field == "offered_at" for p in self.inf.proposals):
            self.inf.notes.append("no time of arrival found: metrics by interval or day need offered_at")


def _unit(norm: str) -> str | None:
    """The time unit a column name gives (queue_seconds, talk_ms, wait_min), if any."""
    return next((unit for pattern, unit in _UNIT if pattern.search(norm)), None)


def _channel_of(value: str) -> str | None:
    low = value.lower().strip()
    for pattern, channel in _CHANNEL_WORDS:
        if re.search(pattern, low):
            return channel
    return None


def _outcome_of(value: str) -> str | None:
    """What an outcome code says: transferred, abandoned or answered (None when its words do not say)."""
    if _TRANSFER.search(value):
        return "transferred"
    if _ABANDON.search(value):
        return "abandoned"
    if _UNSURE.search(value):
        return None
    if _ANSWER.search(value):
        return "answered"
    return None
