"""The SQL that turns raw source text into typed, validated canonical columns.

Everything arrives as text; each canonical field gets a typed expression and, beside it,
an expression naming what is wrong with the row (NULL when nothing is). A row with any
problem is quarantined whole, with every reason listed; nothing is silently coerced.

Every string that comes from a mapping or a setting enters the SQL through ``quote_str`` or
``quote_ident`` (or, for `sql:` expressions, as DuckDB's own rendering of a checked tree:
``earful.ingest._expr``); numbers are formatted from Python floats that were checked finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from earful.ingest.mapping import CANONICAL_FIELDS, DURATION_FORMATS, SCORE_RANGES, FieldSpec, Limits, Mapping
from earful.store.schema import CHANNELS, DIRECTIONS

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
#: [[H:]MM:]SS with optional fractions, or plain seconds.
HMS_PATTERN = r"(\d+:)?\d{1,2}:\d{1,2}(\.\d+)?|\d+(\.\d+)?"
_LOOKS_HMS = r"\d+:\d{1,2}(:\d{1,2})?(\.\d+)?"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_PHONE = r"(tel:)?(\+|00)?[0-9(][0-9 ().\-/]{5,24}[0-9]"
_DATE_LIKE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.*|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}.*|-?\d+\.\d+"
_OFFSET = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([+-])(\d{2}):?(\d{2})"


def quote_ident(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_str(value: object) -> str:
    """A DuckDB string literal (NUL bytes, which DuckDB cannot hold, become U+FFFD)."""
    return "'" + str(value).replace("'", "''").replace("\x00", "\ufffd") + "'"


def _num(x: float) -> str:
    """A finite float as SQL (never 'inf' or 'nan', which SQL would read as names)."""
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    return repr(float(x))


def _one_of(value: str, words: tuple[str, ...]) -> str:
    """`value` is one of `words` (a list lookup: an IN list over a table turns into a join)."""
    return f"list_contains([{', '.join(quote_str(w) for w in words)}], {value})"


@dataclass(frozen=True)
class Rules:
    """What an import checks and how it stores: the centre's zone, the file's zone, limits, hashing key."""

    centre_tz: str = "UTC"
    source_tz: str | None = None
    limits: Limits = field(default_factory=Limits)
    hash_key: str | None = None  # hex HMAC key (settings `ingest.hash_key`); None: nothing is hashed


def hash_sql(value: str, key_hex: str) -> str:
    """HMAC-SHA256 of the normalised value under the store's key, as 'h:' + 32 hex digits.

    Normalised so the same person hashes alike across files: e-mail addresses lower-cased,
    phone numbers reduced to digits (a leading + or 00 kept as +), anything else trimmed.
    """
    key = bytes.fromhex(key_hex).ljust(64, b"\0")
    ipad = quote_str(bytes(b ^ 0x36 for b in key).hex())
    opad = quote_str(bytes(b ^ 0x5C for b in key).hex())
    bare = f"regexp_replace(trim({value}), '^tel:', '')"
    norm = (f"CASE WHEN contains({value}, '@') THEN lower(trim({value})) "
            f"WHEN regexp_full_match(trim({value}), {quote_str(_PHONE)}) THEN "
            f"(CASE WHEN regexp_matches({bare}, '^(\\+|00)') THEN '+' ELSE '' END) || "
            f"regexp_replace(regexp_replace({bare}, '^00', ''), '[^0-9]', '', 'g') ELSE trim({value}) END")
    return f"('h:' || left(sha256(unhex({opad}) || unhex(sha256(unhex({ipad}) || encode({norm})))), 32))"


def personal_sql(value: str) -> str:
    """True when a value looks like an e-mail address or a phone number (7–15 digits, written as one)."""
    return (f"(regexp_full_match({value}, {quote_str(_EMAIL)}) OR (regexp_full_match({value}, {quote_str(_PHONE)}) "
            f"AND length(regexp_replace({value}, '[^0-9]', '', 'g')) BETWEEN 7 AND 15 "
            f"AND (regexp_matches({value}, '^(tel:)?(\\+|0)') OR regexp_matches({value}, '[ ().\\-/]')) "
            f"AND NOT regexp_full_match({value}, {quote_str(_DATE_LIKE)})))")


def _maybe_hash(value: str, spec_hash: bool | None, rules: Rules) -> str:
    """The value as stored: hashed when asked, or (by default) when it looks like an e-mail or phone number."""
    if spec_hash is False or rules.hash_key is None:
        return value
    if spec_hash:
        return f"CASE WHEN {value} IS NOT NULL THEN {hash_sql(value, rules.hash_key)} END"
    return f"CASE WHEN {personal_sql(value)} THEN {hash_sql(value, rules.hash_key)} ELSE {value} END"


def needs_hash_key(mapping: Mapping) -> bool:
    """Whether an import through this mapping may hash anything (customer ids, metadata, asked-for fields)."""
    return ("customer_id" in mapping.fields or bool(mapping.metadata_columns)
            or any(spec.hash for spec in mapping.fields.values()))


def _text(column: str) -> str:
    """A source column's text, empty as NULL, spaces around it trimmed (only values that have any are copied)."""
    v = f"CAST({quote_ident(column)} AS VARCHAR)"
    return (f"(CASE WHEN {v} = '' THEN NULL WHEN starts_with({v}, ' ') OR ends_with({v}, ' ') "
            f"THEN nullif(trim({v}), '') ELSE {v} END)")


def _raw_expr(spec: FieldSpec) -> str:
    """The field's raw text: trimmed, empty as NULL, several columns joined by a space, value map applied."""
    cols = spec.columns
    if len(cols) == 1:
        base = _text(cols[0])
    elif cols:
        base = f"nullif(concat_ws(' ', {', '.join(_text(c) for c in cols)}), '')"
    elif spec.sql is not None:
        base = f"nullif(trim(CAST(({spec.sql}) AS VARCHAR)), '')"
    elif spec.value is None:
        base = "CAST(NULL AS VARCHAR)"
    else:
        base = quote_str(_as_text(spec.value))
    if spec.values:
        cases = " ".join(f"WHEN {quote_str(k)} THEN {quote_str(_as_text(v)) if v is not None else 'NULL'}"
                         for k, v in spec.values.items())
        base = f"(CASE {base} {cases} ELSE {base} END)"
    return base


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _shown(raw: str) -> str:
    """How a bad raw value is quoted in a reason: at most 60 characters."""
    return f"'\"' || left({raw}, 60) || CASE WHEN length({raw}) > 60 THEN '…' ELSE '' END || '\"'"


_NULL_TYPE = {"time": "TIMESTAMP", "duration": "DOUBLE", "score": "DOUBLE", "bool": "BOOLEAN"}


def _time_expr(raw: str, spec: FieldSpec, centre_tz: str, *, same_zone: bool = False) -> str:
    """Parse to the centre's wall-clock TIMESTAMP.

    Naive text is read in the session zone (the source's), zoned text keeps its offset; when
    the source zone is the centre's and the format has no zone, the text is already wall-clock
    time and is parsed directly (no zone arithmetic).
    """
    fmt = spec.format
    if fmt not in (None, "iso", "auto", "epoch_s", "epoch_ms") and same_zone and "%z" not in fmt and "%Z" not in fmt:
        return f"try_strptime({raw}, {quote_str(fmt)})"
    if fmt in (None, "iso", "auto"):
        tstz = f"try_cast({raw} AS TIMESTAMPTZ)"
    elif fmt == "epoch_s":
        tstz = f"to_timestamp(try_cast({raw} AS DOUBLE))"
    elif fmt == "epoch_ms":
        tstz = f"to_timestamp(try_cast({raw} AS DOUBLE) / 1000.0)"
    else:
        tstz = f"CAST(try_strptime({raw}, {quote_str(fmt)}) AS TIMESTAMPTZ)"
    return f"timezone({quote_str(centre_tz)}, {tstz})"


def _duration_expr(r: str, spec: FieldSpec) -> str:
    fmt = spec.format or "seconds"
    if fmt == "hms":
        two_parts = f"length({r}) - length(replace({r}, ':', '')) = 1"
        num = (f"(CASE WHEN regexp_full_match({r}, {quote_str(HMS_PATTERN)}) THEN epoch(try_cast("
               f"CASE WHEN {two_parts} THEN '0:' || {r} ELSE {r} END AS INTERVAL)) END)")
        unit = 1.0
    else:
        num = f"try_cast({r} AS DOUBLE)"
        unit = DURATION_FORMATS[fmt] or 1.0
    factor = unit * (spec.scale if spec.scale is not None else 1.0)
    return num if factor == 1.0 else f"({num} * {_num(factor)})"


def _typed_expr(name: str, spec: FieldSpec, r: str, rules: Rules, same_zone: bool) -> str:
    """The typed value of one canonical field, from its raw text column `r`."""
    kind = CANONICAL_FIELDS[name]
    if kind in ("channel", "direction"):
        return f"lower({r})"
    if kind == "time":
        return _time_expr(r, spec, rules.centre_tz, same_zone=same_zone)
    if kind == "duration":
        return _duration_expr(r, spec)
    if kind == "bool":
        low = f"lower({r})"
        cases = " ".join(f"WHEN {quote_str(w)} THEN {v}" for words, v in ((TRUE_WORDS, "true"), (FALSE_WORDS, "false"))
                         for w in words)
        return f"(CASE {low} {cases} END)"
    if kind == "score":
        return f"try_cast({r} AS DOUBLE)"
    if name == "customer_id" or spec.hash:
        return _maybe_hash(r, spec.hash, rules)
    return r  # key, string, json


def _ts(d: date) -> str:
    return f"TIMESTAMP {quote_str(d.isoformat() + ' 00:00:00')}"


def limit_conditions(name: str, c: str, limits: Limits) -> list[tuple[str, str]]:
    """(condition true for an implausible typed value `c`, SQL text of the reason) for one field."""
    kind = CANONICAL_FIELDS[name]
    label = quote_str(f"{name}: ")
    if kind == "duration" and name in limits.duration_max_s:
        top = limits.duration_max_s[name]
        return [(f"{c} > {_num(top)}", f"{label} || CAST({c} AS VARCHAR) || "
                 f"{quote_str(f' s is more than the plausible {top:,.0f} s (limits.duration_max_s)')}")]
    if kind == "time":
        lo, hi = limits.date_from, limits.date_to_or_default()
        return [(f"({c} < {_ts(lo)} OR {c} >= {_ts(hi)})",
                 f"{label} || CAST({c} AS VARCHAR) || "
                 f"{quote_str(f' is outside the plausible dates {lo.isoformat()} to {hi.isoformat()} (limits.date_from, date_to)')}")]
    return []


def _offset_problem(name: str, spec: FieldSpec, r: str, limits: Limits) -> list[tuple[str, str]]:
    """A written UTC offset beyond the limit (+25:00) is refused: the time it gives would be wrong."""
    if not (spec.format in (None, "iso", "auto") or (spec.format and "%z" in spec.format)):
        return []
    pat = quote_str(_OFFSET + "$")
    sign, hh, mm = (f"regexp_extract({r}, {pat}, {i})" for i in (3, 4, 5))
    cond = (f"{sign} <> '' AND (try_cast({hh} AS INTEGER) * 60 + try_cast({mm} AS INTEGER) > "
            f"{_num(limits.offset_max_h * 60)} OR try_cast({mm} AS INTEGER) >= 60)")
    return [(f"{r} IS NOT NULL AND {cond}", f"{quote_str(name + ': UTC offset ')} || {sign} || {hh} || ':' || {mm} "
             f"|| {quote_str(f' is not a real offset (at most ±{limits.offset_max_h:g} hours: limits.offset_max_h)')}")]


def _problems(name: str, spec: FieldSpec, r: str, c: str, rules: Rules) -> list[tuple[str, str]]:
    """(condition true when the field is wrong, SQL text saying how) for one field, over raw `r`, typed `c`.

    The conditions are cheap and evaluated for every row; the texts only for rows that fail one.
    """
    kind = CANONICAL_FIELDS[name]
    label = quote_str(name + ": ")
    where = quote_str(spec.where(name))
    out: list[tuple[str, str]] = []
    if kind == "channel":
        out.append((f"NOT {_one_of(c, CHANNELS)}", f"{label} || {_shown(r)} || ' is not a channel "
                    f"(one of {', '.join(CHANNELS)}: map it with values: at ' || {where} || ')'"))
    elif kind == "direction":
        out.append((f"NOT {_one_of(c, DIRECTIONS)}", f"{label} || {_shown(r)} || "
                    f"' is not inbound or outbound (map it with values: at ' || {where} || ')'"))
    elif kind == "time":
        want = (f" (expected {spec.format}; see format: at " if spec.format not in (None, "iso", "auto")
                else " (expected an ISO-8601 time; set format: at ")
        out.append((f"{r} IS NOT NULL AND {c} IS NULL",
                    f"{label} || {_shown(r)} || {quote_str(' is not a time' + want)} || {where} || ')'"))
        out += _offset_problem(name, spec, r, rules.limits)
    elif kind == "duration":
        fmt = spec.format or "seconds"
        what = {"hms": "a duration like 1:02:03 or 02:03", "ms": "a number of milliseconds",
                "minutes": "a number of minutes", "hours": "a number of hours"}.get(fmt, "a number of seconds")
        hint = (f"CASE WHEN regexp_full_match({r}, {quote_str(_LOOKS_HMS)}) THEN "
                f"' (durations like ' || {_shown(r)} || ': add format: hms at ' || {where} || ')' ELSE "
                f"' (at ' || {where} || ')' END") if fmt != "hms" else f"' (at ' || {where} || ')'"
        out.append((f"{r} IS NOT NULL AND {c} IS NULL", f"{label} || {_shown(r)} || {quote_str(' is not ' + what)} || {hint}"))
        out.append((f"{c} < 0", f"{label} || 'negative duration ' || {r}"))
        out.append((f"isinf({c}) OR isnan({c})", f"{label} || 'not a finite number'"))
    elif kind == "bool":
        out.append((f"{r} IS NOT NULL AND {c} IS NULL", f"{label} || {_shown(r)} || "
                    f"' is not true/false (map it with values: at ' || {where} || ')'"))
    elif kind == "score":
        lo, hi = SCORE_RANGES[name]
        out.append((f"{r} IS NOT NULL AND {c} IS NULL", f"{label} || {_shown(r)} || ' is not a number'"))
        out.append((f"{c} NOT BETWEEN {lo} AND {hi}", f"{label} || {r} || ' is outside {lo}–{hi}'"))
    elif kind == "json":
        out.append((f"{r} IS NOT NULL AND NOT coalesce(json_valid({r}), false)", f"{label} || 'not valid JSON'"))
        out.append((f"CASE WHEN coalesce(json_valid({r}), false) THEN json_type({r}) <> 'OBJECT' ELSE false END",
                    f"{label} || 'must be a JSON object'"))
    if rules.limits.action == "quarantine":
        out += limit_conditions(name, c, rules.limits)
    return out


def canonical_select(
    mapping: Mapping,
    *,
    source: str,
    from_sql: str,
    row_expr: str,
    raw_columns: list[str],
    centre_tz: str = "UTC",
    source_tz: str | None = None,
    limits: Limits | None = None,
    hash_key: str | None = None,
    source_sql: str | None = None,
    raw_sql: str | None = None,
) -> str:
    """SELECT producing one stage row per source row: _row, source, canonical fields, problems, _raw.

    Three layers so every expression is computed once: raw text per field (trimmed, value
    map applied), typed values, then the list of problems over both. ``raw_columns`` are
    the source columns kept (as JSON) for quarantined rows; ``raw_sql`` instead gives the
    raw record for every row (e.g. the JSON line as read). ``source_sql`` takes the source
    name from the data; a row whose data names none is refused (`source: missing`) unless
    ``source`` is given as the fallback.
    """
    rules = Rules(centre_tz=centre_tz, source_tz=source_tz, limits=limits or mapping.limits or Limits(),
                  hash_key=hash_key)
    same_zone = (source_tz or centre_tz) == centre_tz
    raw_layer: list[str] = [f"{row_expr} AS _row"]
    typed_layer: list[str] = []
    problems: list[tuple[str, str]] = []
    for name, kind in CANONICAL_FIELDS.items():
        spec = mapping.fields.get(name)
        if spec is None and not (name == "metadata" and mapping.metadata_columns):
            typed_layer.append(f"CAST(NULL AS {_NULL_TYPE.get(kind, 'VARCHAR')}) AS __c_{name}")
            continue
        spec = spec or FieldSpec(value=None)
        raw = _raw_expr(spec)
        if name == "metadata" and mapping.metadata_columns:
            extra = "json_object(" + ", ".join(
                f"{quote_str(c)}, {_maybe_hash(_text(c), mapping.metadata_hash.get(c), rules)}"
                for c in mapping.metadata_columns) + ")"
            raw = f"CAST(json_merge_patch(coalesce({raw}, '{{}}'), {extra}) AS VARCHAR)"
        raw_layer.append(f"{raw} AS __r_{name}")
        typed_layer.append(f"{_typed_expr(name, spec, f'__r_{name}', rules, same_zone)} AS __c_{name}")
        problems += _problems(name, spec, f"__r_{name}", f"__c_{name}", rules)
    problems += [(cond, quote_str(reason)) for cond, reason in mapping.checks]
    problems += [(f"__c_{req} IS NULL", quote_str(f"{req}: missing")) for req in ("source_id", "channel")]
    problems.append(("__c_answered_at < __c_offered_at", "'answered_at: before offered_at'"))
    problems.append(("__c_ended_at < coalesce(__c_answered_at, __c_offered_at)", "'ended_at: before the contact started'"))
    if source_sql:
        fallback = quote_str(source) if source else "NULL"
        src = f"coalesce(nullif(trim(CAST(({source_sql}) AS VARCHAR)), ''), {fallback})"
        problems.append(("__source IS NULL", "'source: missing (name the system the record comes from, or pass --source)'"))
    else:
        src = quote_str(source)
    raw_layer.append(f"{src} AS __source")
    if raw_sql:
        raw_layer.append(f"CAST(({raw_sql}) AS VARCHAR) AS __raw")
        raw = "__raw"
    else:
        raw_json = ("CAST(json_object(" + ", ".join(f"{quote_str(c)}, {quote_ident(c)}" for c in raw_columns)
                    + ") AS VARCHAR)" if raw_columns else "NULL")
        raw = f"CASE WHEN NOT __ok THEN {raw_json} END"
    keep_source = bool(mapping.checks) or not raw_sql  # checks and the raw JSON read source columns
    layer1 = f"SELECT {', '.join(raw_layer)}{', *' if keep_source else ''} FROM {from_sql}"
    layer2 = f"SELECT *, {', '.join(typed_layer)} FROM ({layer1})"
    ok = " AND ".join(f"({cond}) IS NOT TRUE" for cond, _ in problems)
    texts = ", ".join(f"CASE WHEN {cond} THEN {text} END" for cond, text in problems)
    layer3 = f"SELECT *, {ok} AS __ok FROM ({layer2})"
    layer4 = (f"SELECT *, CASE WHEN __ok THEN CAST([] AS VARCHAR[]) ELSE list_filter([{texts}], lambda p: p IS NOT NULL) END "
              f"AS __problems FROM ({layer3})")
    final = ["_row", "__source AS source"] + [f"__c_{name} AS {name}" for name in CANONICAL_FIELDS]
    final += ["__ok AS ok", "__problems AS problems", f"{raw} AS _raw"]
    return f"SELECT {', '.join(final)} FROM ({layer4})"
