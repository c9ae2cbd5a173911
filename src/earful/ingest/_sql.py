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


def _typed_expr(name: str, spec: FieldSpec, r: str, centre_tz: str, same_zone: bool) -> str:
    """The typed value of one canonical field, from its raw text column `r`."""
    kind = CANONICAL_FIELDS[name]
    if kind in ("channel", "direction"):
        return f"lower({r})"
    if kind == "time":
        return _time_expr(r, spec, centre_tz, same_zone=same_zone)
    if kind == "duration":
        num = f"try_cast({r} AS DOUBLE)"
        return f"({num} * {float(spec.scale)})" if spec.scale is not None else num
    if kind == "bool":
        low = f"lower({r})"
        return f"(CASE WHEN {low} IN {_in_list(TRUE_WORDS)} THEN true WHEN {low} IN {_in_list(FALSE_WORDS)} THEN false END)"
    if kind == "score":
        return f"try_cast({r} AS DOUBLE)"
    return r  # key, string, json


def _problem_exprs(name: str, spec: FieldSpec, r: str, c: str) -> list[str]:
    """Expressions naming what is wrong with one field (NULL when nothing), over raw `r`, typed `c`."""
    kind = CANONICAL_FIELDS[name]
    label = quote_str(name + ": ")
    if kind == "channel":
        return [f"CASE WHEN {c} NOT IN {_in_list(CHANNELS)} THEN {label} || {_shown(r)} || "
                f"' is not a channel (one of {', '.join(CHANNELS)})' END"]
    if kind == "direction":
        return [f"CASE WHEN {c} NOT IN {_in_list(DIRECTIONS)} THEN {label} || {_shown(r)} || ' is not inbound or outbound' END"]
    if kind == "time":
        want = f" (expected {spec.format})" if spec.format not in (None, "iso", "auto") else " (expected an ISO-8601 time)"
        return [f"CASE WHEN {r} IS NOT NULL AND {c} IS NULL THEN {label} || {_shown(r)} || ' is not a time{want}' END"]
    if kind == "duration":
        return [f"CASE WHEN {r} IS NOT NULL AND {c} IS NULL THEN {label} || {_shown(r)} || ' is not a number of seconds' "
                f"WHEN {c} < 0 THEN {label} || 'negative duration ' || {r} "
                f"WHEN isinf({c}) OR isnan({c}) THEN {label} || 'not a finite number' END"]
    if kind == "bool":
        return [f"CASE WHEN {r} IS NOT NULL AND {c} IS NULL THEN {label} || {_shown(r)} || ' is not true/false' END"]
    if kind == "score":
        lo, hi = SCORE_RANGES[name]
        return [f"CASE WHEN {r} IS NOT NULL AND {c} IS NULL THEN {label} || {_shown(r)} || ' is not a number' "
                f"WHEN {c} NOT BETWEEN {lo} AND {hi} THEN {label} || {r} || ' is outside {lo}–{hi}' END"]
    if kind == "json":
        return [f"CASE WHEN {r} IS NOT NULL AND NOT coalesce(json_valid({r}), false) THEN {label} || 'not valid JSON' "
                f"WHEN {r} IS NOT NULL AND json_type({r}) <> 'OBJECT' THEN {label} || 'must be a JSON object' END"]
    return []


def canonical_select(
    mapping: Mapping,
    *,
    source: str,
    from_sql: str,
    row_expr: str,
    raw_columns: list[str],
    centre_tz: str,
    source_tz: str | None = None,
    source_sql: str | None = None,
    raw_sql: str | None = None,
) -> str:
    """SELECT producing one stage row per source row: _row, source, canonical fields, problems, _raw.

    Three layers so every expression is computed once: raw text per field (trimmed, value
    map applied), typed values, then the list of problems over both. ``raw_columns`` are
    the source columns kept (as JSON) for quarantined rows; ``raw_sql`` instead gives the
    raw record for every row (e.g. the JSON line as read). ``source_sql`` takes the source
    name from the data rather than the constant ``source``.
    """
    same_zone = (source_tz or centre_tz) == centre_tz
    raw_layer: list[str] = [f"{row_expr} AS _row"]
    typed_layer: list[str] = []
    problems: list[str] = []
    for name, kind in CANONICAL_FIELDS.items():
        spec = mapping.fields.get(name)
        if spec is None and not (name == "metadata" and mapping.metadata_columns):
            typed_layer.append(f"CAST(NULL AS {_NULL_TYPE.get(kind, 'VARCHAR')}) AS __c_{name}")
            continue
        spec = spec or FieldSpec(value=None)
        raw = _raw_expr(spec)
        if name == "metadata" and mapping.metadata_columns:
            extra = "json_object(" + ", ".join(f"{quote_str(c)}, {quote_ident(c)}" for c in mapping.metadata_columns) + ")"
            raw = f"CAST(json_merge_patch(coalesce({raw}, '{{}}'), {extra}) AS VARCHAR)"
        raw_layer.append(f"{raw} AS __r_{name}")
        typed_layer.append(f"{_typed_expr(name, spec, f'__r_{name}', centre_tz, same_zone)} AS __c_{name}")
        problems += _problem_exprs(name, spec, f"__r_{name}", f"__c_{name}")
    for cond, reason in mapping.checks:
        problems.append(f"CASE WHEN {cond} THEN {quote_str(reason)} END")
    for req in ("source_id", "channel"):
        problems.append(f"CASE WHEN __c_{req} IS NULL THEN '{req}: missing' END")
    problems.append("CASE WHEN __c_answered_at < __c_offered_at THEN 'answered_at: before offered_at' END")
    problems.append("CASE WHEN __c_ended_at < coalesce(__c_answered_at, __c_offered_at) "
                    "THEN 'ended_at: before the contact started' END")
    src = (f"coalesce(nullif(trim(CAST(({source_sql}) AS VARCHAR)), ''), {quote_str(source)})"
           if source_sql else quote_str(source))
    raw_layer.append(f"{src} AS __source")
    if raw_sql:
        raw_layer.append(f"CAST(({raw_sql}) AS VARCHAR) AS __raw")
        raw = "__raw"
    else:
        raw_json = ("CAST(json_object(" + ", ".join(f"{quote_str(c)}, {quote_ident(c)}" for c in raw_columns)
                    + ") AS VARCHAR)" if raw_columns else "NULL")
        raw = f"CASE WHEN len(__problems) > 0 THEN {raw_json} END"
    keep_source = bool(mapping.checks) or not raw_sql  # checks and the raw JSON read source columns
    layer1 = f"SELECT {', '.join(raw_layer)}{', *' if keep_source else ''} FROM {from_sql}"
    layer2 = f"SELECT *, {', '.join(typed_layer)} FROM ({layer1})"
    layer3 = f"SELECT *, list_filter([{', '.join(problems)}], lambda p: p IS NOT NULL) AS __problems FROM ({layer2})"
    final = ["_row", "__source AS source"] + [f"__c_{name} AS {name}" for name in CANONICAL_FIELDS]
    final += ["__problems AS problems", f"{raw} AS _raw"]
    return f"SELECT {', '.join(final)} FROM ({layer3})"
