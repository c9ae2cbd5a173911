"""The SQL that turns raw source text into typed, validated canonical columns.

Everything arrives as text; each canonical field gets a typed expression and, beside it,
an expression naming what is wrong with the row (NULL when nothing is). A row with any
problem is quarantined whole, with every reason listed; nothing is silently coerced.
"""

from __future__ import annotations

from earful.ingest.mapping import CANONICAL_FIELDS, SCORE_RANGES, FieldSpec, Mapping
from earful.store.schema import CHANNELS, DIRECTIONS

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")


def quote_ident(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _in_list(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_str(w) for w in words) + ")"


def _raw_expr(spec: FieldSpec) -> str:
    """The field's raw text: trimmed, empty as NULL, value map applied."""
    if spec.column is not None:
        base = f"nullif(trim(CAST({quote_ident(spec.column)} AS VARCHAR)), '')"
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


def _time_expr(raw: str, spec: FieldSpec, centre_tz: str) -> str:
    """Parse to a TIMESTAMPTZ (naive text read in the session zone), then to centre wall-clock."""
    fmt = spec.format
    if fmt in (None, "iso", "auto"):
        tstz = f"try_cast({raw} AS TIMESTAMPTZ)"
    elif fmt == "epoch_s":
        tstz = f"to_timestamp(try_cast({raw} AS DOUBLE))"
    elif fmt == "epoch_ms":
        tstz = f"to_timestamp(try_cast({raw} AS DOUBLE) / 1000.0)"
    else:
        tstz = f"CAST(try_strptime({raw}, {quote_str(fmt)}) AS TIMESTAMPTZ)"
    return f"timezone({quote_str(centre_tz)}, {tstz})"


def field_exprs(name: str, spec: FieldSpec, centre_tz: str) -> tuple[str, list[str]]:
    """(typed expression, [problem expressions]) for one canonical field."""
    kind = CANONICAL_FIELDS[name]
    raw = _raw_expr(spec)
    problems: list[str] = []
    label = quote_str(name + ": ")
    if kind in ("key", "string"):
        typed = raw
    elif kind == "channel":
        typed = f"lower({raw})"
        problems.append(f"CASE WHEN {typed} NOT IN {_in_list(CHANNELS)} THEN {label} || {_shown(raw)} || "
                        f"' is not a channel (one of {', '.join(CHANNELS)})' END")
    elif kind == "direction":
        typed = f"lower({raw})"
        problems.append(f"CASE WHEN {typed} NOT IN {_in_list(DIRECTIONS)} THEN {label} || {_shown(raw)} || "
                        f"' is not inbound or outbound' END")
    elif kind == "time":
        typed = _time_expr(raw, spec, centre_tz)
        want = f" (expected {spec.format})" if spec.format not in (None, "iso", "auto") else " (expected an ISO-8601 time)"
        problems.append(f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN {label} || {_shown(raw)} || "
                        f"' is not a time{want}' END")
    elif kind == "duration":
        num = f"try_cast({raw} AS DOUBLE)"
        typed = f"({num} * {float(spec.scale)})" if spec.scale is not None else num
        problems.append(f"CASE WHEN {raw} IS NOT NULL AND {num} IS NULL THEN {label} || {_shown(raw)} || "
                        f"' is not a number of seconds' "
                        f"WHEN {num} < 0 THEN {label} || 'negative duration ' || {raw} END")
        problems.append(f"CASE WHEN isinf({num}) OR isnan({num}) THEN {label} || 'not a finite number' END")
    elif kind == "bool":
        low = f"lower({raw})"
        typed = (f"(CASE WHEN {low} IN {_in_list(TRUE_WORDS)} THEN true "
                 f"WHEN {low} IN {_in_list(FALSE_WORDS)} THEN false END)")
        problems.append(f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN {label} || {_shown(raw)} || "
                        f"' is not true/false' END")
    elif kind == "score":
        lo, hi = SCORE_RANGES[name]
        typed = f"try_cast({raw} AS DOUBLE)"
        problems.append(f"CASE WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN {label} || {_shown(raw)} || "
                        f"' is not a number' WHEN {typed} NOT BETWEEN {lo} AND {hi} THEN {label} || {raw} || "
                        f"' is outside {lo}–{hi}' END")
    elif kind == "json":
        typed = raw
        problems.append(f"CASE WHEN {raw} IS NOT NULL AND NOT coalesce(json_valid({raw}), false) THEN {label} || "
                        f"'not valid JSON' WHEN {raw} IS NOT NULL AND json_type({raw}) <> 'OBJECT' THEN "
                        f"{label} || 'must be a JSON object' END")
    else:  # pragma: no cover - CANONICAL_FIELDS is closed
        raise AssertionError(kind)
    return typed, problems


def canonical_select(
    mapping: Mapping,
    *,
    source: str,
    from_sql: str,
    row_expr: str,
    raw_columns: list[str],
    centre_tz: str,
    source_sql: str | None = None,
    raw_sql: str | None = None,
) -> str:
    """SELECT producing one stage row per source row: _row, problems, _raw, canonical fields.

    ``raw_columns`` are the source columns kept (as JSON) for quarantined rows; ``raw_sql``
    instead gives the raw record for every row (e.g. the JSON line as read). ``source_sql``
    takes the source name from the data rather than the constant ``source``.
    """
    inner: list[str] = [f"{row_expr} AS _row"]
    problems: list[str] = []
    typed_of: dict[str, str] = {}
    for name in CANONICAL_FIELDS:
        spec = mapping.fields.get(name)
        if spec is None:
            if name == "metadata" and mapping.metadata_columns:
                spec = FieldSpec(value=None)
            else:
                inner.append(f"NULL AS __c_{name}")
                typed_of[name] = "NULL"
                continue
        typed, probs = field_exprs(name, spec, centre_tz)
        if name == "metadata" and mapping.metadata_columns:
            extra = "json_object(" + ", ".join(
                f"{quote_str(c)}, {quote_ident(c)}" for c in mapping.metadata_columns) + ")"
            typed = f"CAST(json_merge_patch(coalesce({typed}, '{{}}'), {extra}) AS VARCHAR)"
        inner.append(f"{typed} AS __c_{name}")
        typed_of[name] = typed
        problems.extend(probs)
    for cond, reason in mapping.checks:
        problems.append(f"CASE WHEN {cond} THEN {quote_str(reason)} END")
    for req in ("source_id", "channel"):
        problems.append(f"CASE WHEN {typed_of[req]} IS NULL THEN '{req}: missing' END")
    problems.append(f"CASE WHEN {typed_of['answered_at']} < {typed_of['offered_at']} THEN "
                    "'answered_at: before offered_at' END")
    problems.append(f"CASE WHEN {typed_of['ended_at']} < coalesce({typed_of['answered_at']}, {typed_of['offered_at']}) "
                    "THEN 'ended_at: before the contact started' END")
    src = f"coalesce(nullif(trim(CAST(({source_sql}) AS VARCHAR)), ''), {quote_str(source)})" if source_sql else quote_str(source)
    inner.append(f"{src} AS __source")
    inner.append("list_filter([" + ", ".join(problems) + "], lambda p: p IS NOT NULL) AS __problems")
    if raw_sql:
        inner.append(f"CAST(({raw_sql}) AS VARCHAR) AS __raw")
        raw = "__raw"
    else:
        inner.extend(quote_ident(c) for c in raw_columns)
        raw_json = ("CAST(json_object(" + ", ".join(f"{quote_str(c)}, {quote_ident(c)}" for c in raw_columns)
                    + ") AS VARCHAR)" if raw_columns else "NULL")
        raw = f"CASE WHEN len(__problems) > 0 THEN {raw_json} END"
    outer = ["_row", "__source AS source"]
    outer += [f"__c_{name} AS {name}" for name in CANONICAL_FIELDS]
    outer += ["__problems AS problems", f"{raw} AS _raw"]
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {from_sql})"
