"""Column mappings: how a source file's columns become earful's canonical fields.

A mapping is a small YAML file the user edits (``earful ingest FILE --infer`` writes a
starting one; docs/formats.md describes every key with an example). Every canonical field is
a source column (or several joined by a space), a constant, or a checked expression over the
source columns; times and durations carry a format, strings may be stored as a keyed hash, and
any field can carry a value map::

    source: acme_pbx               # value of `source` (natural key is source + source_id)
    timezone: Europe/London        # zone of naive times in the file (default: the store's)
    fields:
      source_id: CallID
      channel: {value: voice}
      offered_at: {column: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}
      wait_s: {column: Wait, format: hms}
      abandoned: {column: Result, values: {Abandoned: true, Answered: false}}
      customer_id: {column: Phone, hash: true}

Every string of a mapping reaches SQL as a quoted literal or a quoted identifier, except
``sql:`` expressions, which are parsed by DuckDB and accepted only when they are built from
the file's columns, constants, operators and an allow-list of scalar functions (``_expr``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import yaml

from earful.errors import ConfigError

# canonical field -> kind. The kind decides parsing and validation.
CANONICAL_FIELDS: dict[str, str] = {
    "source_id": "key",
    "channel": "channel",
    "direction": "direction",
    "queue": "string",
    "agent_id": "string",
    "customer_id": "string",
    "offered_at": "time",
    "answered_at": "time",
    "ended_at": "time",
    "wait_s": "duration",
    "talk_s": "duration",
    "hold_s": "duration",
    "wrap_s": "duration",
    "abandoned": "bool",
    "transferred": "bool",
    "disposition": "string",
    "language": "string",
    "text": "string",
    "csat": "score",
    "nps": "score",
    "ces": "score",
    "related_id": "string",
    "metadata": "json",
}
SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
REQUIRED = ("source_id", "channel")

#: Duration formats: name -> seconds per unit (``hms`` is [[H:]MM:]SS, parsed apart).
DURATION_FORMATS: dict[str, float | None] = {
    "seconds": 1.0, "s": 1.0, "ms": 0.001, "milliseconds": 0.001, "minutes": 60.0, "min": 60.0,
    "hours": 3600.0, "h": 3600.0, "hms": None, "h:mm:ss": None, "hh:mm:ss": None, "mm:ss": None,
}
#: Time formats with a name instead of a strptime pattern.
TIME_ALIASES = ("iso", "auto", "epoch_s", "epoch_ms")
#: Java / .NET date patterns, longest first, and their strptime equivalents.
_JAVA_TOKENS = [("yyyy", "%Y"), ("YYYY", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"),
                ("dd", "%d"), ("EEEE", "%A"), ("EEE", "%a"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"),
                ("ss", "%S"), ("SSSSSS", "%f"), ("SSS", "%g"), ("a", "%p"), ("XXX", "%z"), ("XX", "%z"),
                ("X", "%z"), ("ZZZ", "%z"), ("Z", "%z"), ("zzz", "%Z"), ("z", "%Z"), ("M", "%-m"), ("d", "%-d"),
                ("H", "%-H"), ("h", "%-I"), ("m", "%-M"), ("s", "%-S")]


@dataclass(frozen=True)
class FieldSpec:
    """Where one canonical field comes from."""

    column: str | tuple[str, ...] | None = None  # a source column, or several joined by a space
    value: Any = None  # a constant
    sql: str | None = None  # a DuckDB expression over source columns (checked when it comes from a file)
    format: str | None = None  # times: strptime pattern or iso/epoch_s/epoch_ms; durations: seconds/ms/minutes/hms
    scale: float | None = None  # multiply durations (e.g. 0.001 for milliseconds)
    values: dict[str, Any] | None = None  # value map applied to the raw text
    hash: bool | None = None  # True: keyed hash; False: keep as is; None: hash phone numbers and e-mail addresses
    line: int | None = field(default=None, compare=False, repr=False)  # where the mapping file gives it

    @property
    def columns(self) -> tuple[str, ...]:
        if self.column is None:
            return ()
        return self.column if isinstance(self.column, tuple) else (self.column,)

    def where(self, name: str) -> str:
        """How a reason points at this field's definition: 'wait_s, mapping line 7'."""
        return f"{name}, mapping line {self.line}" if self.line else name


@dataclass(frozen=True)
class MetadataColumn:
    """A source column kept in `metadata` under its own name."""

    column: str
    hash: bool | None = None


@dataclass(frozen=True)
class Limits:
    """Plausibility limits: values outside them are quarantined (or, with ``warn``, loaded and counted).

    Durations above ``duration_max_s`` (per field; by default a year for a wait, long enough
    for a late reply to a letter or a post, and a day for talk, hold and wrap-up), times outside
    [``date_from``, ``date_to``) and UTC offsets beyond ``offset_max_h`` hours (real ones lie
    within -12:00 … +14:00).
    """

    duration_max_s: dict[str, float] = field(default_factory=lambda: {
        "wait_s": 366 * 86400.0, "talk_s": 86400.0, "hold_s": 86400.0, "wrap_s": 86400.0})
    date_from: date = date(1990, 1, 1)
    date_to: date | None = None  # None: a year after today
    offset_max_h: float = 14.0
    action: str = "quarantine"  # or "warn"

    def date_to_or_default(self) -> date:
        if self.date_to is not None:
            return self.date_to
        today = date.today()
        return today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29) else date(today.year + 1, 3, 1)


@dataclass
class Mapping:
    """A full mapping: source name, default zone, encoding/delimiter hints and fields."""

    source: str | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    timezone: str | None = None
    encoding: str | None = None  # None = detect
    delimiter: str | None = None  # None = detect
    metadata_columns: list[str] = field(default_factory=list)  # extra columns kept in metadata
    metadata_hash: dict[str, bool] = field(default_factory=dict)  # per metadata column: hash or keep
    limits: Limits | None = None  # None: the store's limits (settings `ingest.limits`) or the defaults
    # (SQL condition over source columns that is true for a bad row, reason) — for adapters
    checks: list[tuple[str, str]] = field(default_factory=list)
    sql_columns: set[str] = field(default_factory=set)  # columns that checked `sql:` expressions read
    text: str | None = field(default=None, repr=False)  # the YAML as written, when parsed from a file
    options: dict[str, Any] = field(default_factory=dict)  # format-specific top-level keys (interval reports)

    def columns_used(self) -> set[str]:
        """Source columns the mapping names directly (checked against the file's header)."""
        cols = {c for spec in self.fields.values() for c in spec.columns}
        return cols | set(self.metadata_columns) | self.sql_columns


def _line_of(node: yaml.Node | None) -> str:
    return f"line {node.start_mark.line + 1}" if node is not None else "top"


def _node_for(root: yaml.MappingNode | None, *path: str) -> yaml.Node | None:
    node: yaml.Node | None = root
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return node
        for k, v in node.value:
            if k.value == key:
                node = v
                break
        else:
            return node
    return node


_SPEC_KEYS = {"column", "value", "sql", "format", "scale", "values", "hash"}
MAX_MAPPING_CHARS = 1_000_000
_TOP_KEYS = ("source", "fields", "timezone", "encoding", "delimiter", "metadata", "limits")


def java_to_strptime(fmt: str) -> str:
    """A Java/.NET date pattern (``yyyy-MM-dd'T'HH:mm:ss``) as a strptime one; quoted text stays literal."""
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "'":
            end = fmt.find("'", i + 1)
            if end < 0:
                raise ValueError("a quote opens literal text that never closes")
            out.append("'" if end == i + 1 else fmt[i + 1:end].replace("%", "%%"))
            i = end + 1
            continue
        for token, repl in _JAVA_TOKENS:
            if fmt.startswith(token, i):
                out.append(repl)
                i += len(token)
                break
        else:
            out.append("%%" if ch == "%" else ch)
            i += 1
    return "".join(out)


def normalise_time_format(fmt: str) -> str:
    """A time format as DuckDB's strptime reads it.

    strptime patterns pass through, with Java-style quoted literals unquoted
    (``%Y-%m-%d'T'%H:%M:%S`` → ``%Y-%m-%dT%H:%M:%S``; ``''`` is a quote); a pattern with no
    ``%`` and Java letters (``yyyy-MM-dd HH:mm``) is translated. Raises ``ValueError`` with the
    reason for anything else.
    """
    if fmt in TIME_ALIASES:
        return fmt
    if "%" not in fmt:
        if not re.search(r"yy|dd|HH|hh|mm|ss|MM", fmt):
            raise ValueError("neither a strptime pattern (%Y-%m-%d %H:%M:%S) nor iso, epoch_s or epoch_ms")
        unquoted = re.sub(r"'[^']*'", "", fmt)
        if "mm" in unquoted and "MM" not in unquoted and re.search(r"(yy|dd)[^Hh]*mm|mm[^Hh]*(yy|dd)", unquoted.split(" ")[0]):
            raise ValueError("in a Java-style pattern mm is minutes: write MM for the month (dd/MM/yyyy)")
        fmt = java_to_strptime(fmt)
    elif "'" in fmt:
        out, quoted, i = [], False, 0
        while i < len(fmt):
            if fmt[i] == "'":
                if i + 1 < len(fmt) and fmt[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                quoted = not quoted
                i += 1
                continue
            out.append(fmt[i])
            i += 1
        if quoted:
            raise ValueError("a quote opens literal text that never closes (write '' for a quote)")
        fmt = "".join(out)
    import duckdb

    try:
        duckdb.connect().execute("SELECT try_strptime('', ?)", [fmt])
    except duckdb.Error as exc:
        text = str(exc).split(":", 1)[-1].strip().splitlines()[0]
        raise ValueError(f"not a strptime pattern ({text})") from None
    return fmt


def _check_timezone(tz: Any, where: str, origin: str) -> str:
    if not isinstance(tz, str) or tz not in _zones():
        raise ConfigError(f"{origin}: {where}: timezone {tz!r} is not a time zone name",
                          hint="e.g. Europe/London, America/New_York or UTC")
    return tz


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(available_timezones()) | {"UTC"}
    return _ZONES


def valid_timezone(tz: str) -> bool:
    """Whether ``tz`` names an IANA time zone."""
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        return False
    return tz in _zones()


def _spec(name: str, spec: Any, where: str, origin: str, line: int | None,
          kind: str | None = None) -> tuple[FieldSpec, set[str]]:
    """One field's specification, checked; returns it and the columns its `sql:` reads. ``kind``: the
    field's kind (default the contact record's)."""
    from earful.ingest._expr import check_expression

    kind = kind or CANONICAL_FIELDS[name]
    if isinstance(spec, str):
        return FieldSpec(column=spec, line=line), set()
    if isinstance(spec, list):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        raise ConfigError(f"{origin}: {where}: `{name}` must be a column name or an object",
                          hint="e.g. `{name}: CallID` or `{name}: {{column: CallID}}`")
    bad = set(spec) - _SPEC_KEYS
    if bad:
        raise ConfigError(f"{origin}: {where}: `{name}` has unknown key `{sorted(map(str, bad))[0]}`",
                          hint="allowed: " + ", ".join(sorted(_SPEC_KEYS)))
    sources = [k for k in ("column", "value", "sql") if k in spec]
    if len(sources) != 1:
        raise ConfigError(f"{origin}: {where}: `{name}` needs exactly one of column, value or sql")
    column = spec.get("column")
    if "column" in spec:
        if isinstance(column, list) and column and all(isinstance(c, str) and c for c in column):
            column = tuple(column) if len(column) > 1 else column[0]
        elif not (isinstance(column, str) and column):
            raise ConfigError(f"{origin}: {where}: `{name}.column` must be a column name or a list of them",
                              hint="a list is joined with a space: [Date, Time]")
    if spec.get("values") is not None and not isinstance(spec["values"], dict):
        raise ConfigError(f"{origin}: {where}: `{name}.values` must map raw values to canonical ones")
    scale = spec.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                              or not math.isfinite(scale) or scale <= 0):
        raise ConfigError(f"{origin}: {where}: `{name}.scale` must be a positive number", hint="e.g. 0.001")
    fmt = spec.get("format")
    if fmt is not None:
        if not isinstance(fmt, str):
            raise ConfigError(f"{origin}: {where}: `{name}.format` must be text")
        if kind in ("time", "date", "clock"):  # date and clock: the parts of an interval report's start
            try:
                fmt = normalise_time_format(fmt)
            except ValueError as exc:
                raise ConfigError(f"{origin}: {where}: `{name}.format` {fmt!r}: {exc}",
                                  hint="e.g. \"%d/%m/%Y %H:%M:%S\", iso, epoch_s or yyyy-MM-dd'T'HH:mm:ss") from None
        elif kind == "duration":
            if fmt.lower() not in DURATION_FORMATS:
                raise ConfigError(f"{origin}: {where}: `{name}.format` {fmt!r} is not a duration format",
                                  hint="one of seconds, ms, minutes, hours, hms (H:MM:SS or MM:SS)")
            fmt = "hms" if DURATION_FORMATS[fmt.lower()] is None else fmt.lower()
        else:
            raise ConfigError(f"{origin}: {where}: `{name}` takes no format (only times and durations do)")
    hashed = spec.get("hash")
    if hashed is not None and not isinstance(hashed, bool):
        raise ConfigError(f"{origin}: {where}: `{name}.hash` must be true or false")
    if hashed and kind not in ("string", "key"):
        raise ConfigError(f"{origin}: {where}: `{name}` cannot be hashed (only text fields can)")
    sql = spec.get("sql")
    used: set[str] = set()
    if sql is not None:
        if not isinstance(sql, str):
            raise ConfigError(f"{origin}: {where}: `{name}.sql` must be text")
        try:
            sql, used = check_expression(sql)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {where}: `{name}.sql`: {exc}") from None
    value = spec.get("value")
    if "value" in spec and isinstance(value, (dict, list)) and kind != "json":
        raise ConfigError(f"{origin}: {where}: `{name}.value` must be a single value")
    return FieldSpec(column=column, value=value, sql=sql, format=fmt, scale=scale,
                     values={str(k): v for k, v in spec["values"].items()} if spec.get("values") else None,
                     hash=hashed, line=line), used


def _limits(data: Any, where: str, origin: str) -> Limits:
    """The `limits:` section (also the shape of the store's `ingest.limits` setting)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: {where}: `limits` must be an object",
                          hint="keys: duration_max_s, date_from, date_to, offset_max_h, action")
    allowed = {"duration_max_s", "date_from", "date_to", "offset_max_h", "action"}
    bad = set(data) - allowed
    if bad:
        raise ConfigError(f"{origin}: {where}: `limits` has unknown key `{sorted(map(str, bad))[0]}`",
                          hint="allowed: " + ", ".join(sorted(allowed)))
    base = Limits()
    durations = dict(base.duration_max_s)
    dm = data.get("duration_max_s")
    if dm is not None:
        if isinstance(dm, (int, float)) and not isinstance(dm, bool):
            durations = {k: float(dm) for k in durations}
        elif isinstance(dm, dict) and set(dm) <= set(durations) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in dm.values()):
            durations.update({k: float(v) for k, v in dm.items()})
        else:
            raise ConfigError(f"{origin}: {where}: `limits.duration_max_s` must be seconds, or seconds per duration field")
        if not all(math.isfinite(v) and v > 0 for v in durations.values()):
            raise ConfigError(f"{origin}: {where}: `limits.duration_max_s` must be positive and finite")

    def day(key: str, default: date | None) -> date | None:
        v = data.get(key, default)
        if v is None or isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v))
        except ValueError:
            raise ConfigError(f"{origin}: {where}: `limits.{key}` must be a date like 2000-01-01") from None

    off = data.get("offset_max_h", base.offset_max_h)
    if isinstance(off, bool) or not isinstance(off, (int, float)) or not 0 <= off <= 24:
        raise ConfigError(f"{origin}: {where}: `limits.offset_max_h` must be hours between 0 and 24")
    action = data.get("action", "quarantine")
    if action not in ("quarantine", "warn"):
        raise ConfigError(f"{origin}: {where}: `limits.action` must be quarantine or warn")
    lim = Limits(duration_max_s=durations, date_from=day("date_from", base.date_from) or base.date_from,
                 date_to=day("date_to", None), offset_max_h=float(off), action=action)
    if lim.date_to is not None and lim.date_to <= lim.date_from:
        raise ConfigError(f"{origin}: {where}: `limits.date_to` must come after `limits.date_from`")
    return lim


def parse_limits(data: Any, *, origin: str = "limits") -> Limits:
    """Limits from a parsed object (the store's setting, or a limits YAML file)."""
    return _limits(data, "top", origin)


def parse_mapping(text: str, *, origin: str = "mapping", fields_known: dict[str, str] = CANONICAL_FIELDS,
                  required: tuple[str, ...] = REQUIRED, options: tuple[str, ...] = ()) -> Mapping:
    """Parse and validate a mapping's YAML text; errors name the file, the line and the fix.

    ``fields_known``/``required``: the fields a mapping may and must give (the contact record's by
    default; interval reports have their own); ``options``: extra top-level keys kept in ``Mapping.options``.
    """
    if len(text) > MAX_MAPPING_CHARS:
        raise ConfigError(f"{origin}: the mapping is longer than {MAX_MAPPING_CHARS:,} characters")
    try:
        for event in yaml.parse(text):
            if isinstance(event, yaml.AliasEvent):
                raise ConfigError(f"{origin}: line {event.start_mark.line + 1}: anchors and aliases (*name) are not "
                                  "allowed in a mapping", hint="write the value out")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise ConfigError(f"{origin}: {where}: not valid YAML ({getattr(exc, 'problem', None) or 'syntax'})",
                          hint="quote values holding : # ' or \" (e.g. format: \"%H:%M\")") from None
    except RecursionError:
        raise ConfigError(f"{origin}: the mapping is nested too deeply to be a mapping") from None
    if data is None:
        raise ConfigError(f"{origin}: the mapping is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: line 1: a mapping must be a YAML object with `fields:`")
    top = (*_TOP_KEYS, *options)
    unknown_top = set(data) - set(top)
    if unknown_top:
        key = sorted(map(str, unknown_top))[0]
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, key))}: unknown key `{key}`",
                          hint="expected " + ", ".join(top))
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'fields'))}: `fields` must map canonical fields to columns")
    fields: dict[str, FieldSpec] = {}
    sql_columns: set[str] = set()
    for name, spec in raw_fields.items():
        node = _node_for(root, "fields", str(name))
        where = _line_of(node)
        line = node.start_mark.line + 1 if node is not None else None
        if name not in fields_known:
            raise ConfigError(f"{origin}: {where}: `{name}` is not a canonical field",
                              hint="one of " + ", ".join(fields_known))
        fields[name], used = _spec(name, spec, where, origin, line, fields_known[name])
        sql_columns |= used
    for req in required:
        if req not in fields:
            raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'fields'))}: `fields` must give `{req}`",
                              hint="a column, or {value: ...} for a constant")
    for key in ("source", "encoding", "delimiter"):
        v = data.get(key)
        if v is not None and not (isinstance(v, str) and v.strip()):
            raise ConfigError(f"{origin}: {_line_of(_node_for(root, key))}: `{key}` must be text")
    delim = data.get("delimiter")
    if delim is not None and delim not in ("auto", "\\t") and len(delim) != 1:
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'delimiter'))}: `delimiter` must be one character",
                          hint="e.g. \",\", \";\", \"|\" or \"\\t\"")
    tz = data.get("timezone")
    if tz is not None:
        _check_timezone(tz, _line_of(_node_for(root, "timezone")), origin)
    meta, meta_hash = _metadata(data.get("metadata"), _line_of(_node_for(root, "metadata")), origin)
    limits = None
    if data.get("limits") is not None:
        limits = _limits(data["limits"], _line_of(_node_for(root, "limits")), origin)
    return Mapping(source=data.get("source"), fields=fields, timezone=tz, encoding=data.get("encoding"),
                   delimiter="\t" if delim == "\\t" else delim, metadata_columns=meta, metadata_hash=meta_hash,
                   limits=limits, sql_columns=sql_columns, text=text,
                   options={k: data[k] for k in options if k in data})


def _metadata(meta: Any, where: str, origin: str) -> tuple[list[str], dict[str, bool]]:
    """`metadata:` is a list of column names, or of `{column: C, hash: true|false}`."""
    if meta is None:
        return [], {}
    if not isinstance(meta, list):
        raise ConfigError(f"{origin}: {where}: `metadata` must be a list of column names")
    cols: list[str] = []
    hashed: dict[str, bool] = {}
    for item in meta:
        if isinstance(item, str) and item:
            cols.append(item)
        elif isinstance(item, dict) and set(item) <= {"column", "hash"} and isinstance(item.get("column"), str) \
                and isinstance(item.get("hash", False), bool):
            cols.append(item["column"])
            if "hash" in item:
                hashed[item["column"]] = item["hash"]
        else:
            raise ConfigError(f"{origin}: {where}: `metadata` must be a list of column names "
                              "or of {column: NAME, hash: true|false}")
    return cols, hashed


def load_mapping(path: str | Path, **kw: Any) -> Mapping:
    """Read a mapping file (``kw`` as for ``parse_mapping``); a missing or unreadable file is a one-line error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"mapping file {p} not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"mapping file {p} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read mapping file {p}: {exc.strerror or exc}") from None
    return parse_mapping(text, origin=str(p), **kw)


def identity_mapping(columns: list[str], source: str | None = None) -> Mapping:
    """The mapping for a file whose columns already carry canonical names."""
    fields = {c: FieldSpec(column=c) for c in columns if c in CANONICAL_FIELDS}
    return Mapping(source=source, fields=fields)
