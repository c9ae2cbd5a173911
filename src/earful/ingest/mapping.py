"""Column mappings: how a source file's columns become earful's canonical fields.

A mapping is a small YAML file the user edits (``earful ingest FILE --infer`` writes a
starting one). Every canonical field is either a source column, a constant, or a SQL
expression over the source columns; times carry a format and a zone, and any field can
carry a value map (``{"Phone": "voice"}``)::

    source: acme_pbx               # value of `source` (natural key is source + source_id)
    timezone: Europe/London        # zone of naive times in the file (default: the store's)
    fields:
      source_id: CallID
      channel: {value: voice}
      offered_at: {column: Start, format: "%d/%m/%Y %H:%M:%S"}
      wait_s: {column: WaitMs, scale: 0.001}
      abandoned: {column: Result, values: {Abandoned: true, Answered: false}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class FieldSpec:
    """Where one canonical field comes from."""

    column: str | None = None  # a source column
    value: Any = None  # a constant
    sql: str | None = None  # a DuckDB expression over source columns (quoted as needed)
    format: str | None = None  # strptime format for times; "iso" or "epoch_s"/"epoch_ms"
    scale: float | None = None  # multiply durations (e.g. 0.001 for milliseconds)
    values: dict[str, Any] | None = None  # value map applied to the raw text


@dataclass
class Mapping:
    """A full mapping: source name, default zone, encoding/delimiter hints and fields."""

    source: str | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    timezone: str | None = None
    encoding: str | None = None  # None = detect
    delimiter: str | None = None  # None = detect
    metadata_columns: list[str] = field(default_factory=list)  # extra columns kept in metadata
    # (SQL condition over source columns that is true for a bad row, reason) — for adapters
    checks: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # format-specific top-level keys (interval reports)

    def columns_used(self) -> set[str]:
        """Source columns the mapping names directly (checked against the file's header)."""
        cols = {spec.column for spec in self.fields.values() if spec.column}
        return cols | set(self.metadata_columns)


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


_SPEC_KEYS = {"column", "value", "sql", "format", "scale", "values"}


def parse_mapping(text: str, *, origin: str = "mapping", fields_known: dict[str, str] = CANONICAL_FIELDS,
                  required: tuple[str, ...] = REQUIRED, options: tuple[str, ...] = ()) -> Mapping:
    """Parse and validate a mapping's YAML text; errors name the file and line.

    ``fields_known``/``required``: the fields a mapping may and must give (the contact record's by
    default; interval reports have their own); ``options``: extra top-level keys kept in ``Mapping.options``.
    """
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise ConfigError(f"{origin}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        raise ConfigError(f"{origin}: the mapping is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: line 1: a mapping must be a YAML object with `fields:`")
    top = ("source", "fields", "timezone", "encoding", "delimiter", "metadata", *options)
    unknown_top = set(data) - set(top)
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, key))}: unknown key `{key}`",
                          hint="expected " + ", ".join(top))
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'fields'))}: `fields` must map canonical fields to columns")
    fields: dict[str, FieldSpec] = {}
    for name, spec in raw_fields.items():
        where = _line_of(_node_for(root, "fields", name))
        if name not in fields_known:
            raise ConfigError(f"{origin}: {where}: `{name}` is not a canonical field",
                              hint="one of " + ", ".join(fields_known))
        if isinstance(spec, str):
            fields[name] = FieldSpec(column=spec)
            continue
        if not isinstance(spec, dict):
            raise ConfigError(f"{origin}: {where}: `{name}` must be a column name or an object")
        bad = set(spec) - _SPEC_KEYS
        if bad:
            raise ConfigError(f"{origin}: {where}: `{name}` has unknown key `{sorted(bad)[0]}`",
                              hint="allowed: " + ", ".join(sorted(_SPEC_KEYS)))
        sources = [k for k in ("column", "value", "sql") if k in spec]
        if len(sources) != 1:
            raise ConfigError(f"{origin}: {where}: `{name}` needs exactly one of column, value or sql")
        if spec.get("values") is not None and not isinstance(spec["values"], dict):
            raise ConfigError(f"{origin}: {where}: `{name}.values` must map raw values to canonical ones")
        if spec.get("scale") is not None and not isinstance(spec["scale"], (int, float)):
            raise ConfigError(f"{origin}: {where}: `{name}.scale` must be a number")
        fields[name] = FieldSpec(
            column=spec.get("column"), value=spec.get("value"), sql=spec.get("sql"),
            format=spec.get("format"), scale=spec.get("scale"),
            values={str(k): v for k, v in spec["values"].items()} if spec.get("values") else None,
        )
    for req in required:
        if req not in fields:
            raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'fields'))}: `fields` must give `{req}`",
                              hint="a column, or {value: ...} for a constant")
    meta = data.get("metadata") or []
    if not isinstance(meta, list) or not all(isinstance(m, str) for m in meta):
        raise ConfigError(f"{origin}: {_line_of(_node_for(root, 'metadata'))}: `metadata` must be a list of column names")
    return Mapping(source=data.get("source"), fields=fields, timezone=data.get("timezone"),
                   encoding=data.get("encoding"), delimiter=data.get("delimiter"), metadata_columns=meta,
                   options={k: data[k] for k in options if k in data})


def load_mapping(path: str | Path, **kw: Any) -> Mapping:
    """Read a mapping file (``kw`` as for ``parse_mapping``); a missing or unreadable file is a one-line error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"mapping file {p} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read mapping file {p}: {exc}") from None
    return parse_mapping(text, origin=str(p), **kw)


def identity_mapping(columns: list[str], source: str | None = None) -> Mapping:
    """The mapping for a file whose columns already carry canonical names."""
    fields = {c: FieldSpec(column=c) for c in columns if c in CANONICAL_FIELDS}
    return Mapping(source=source, fields=fields)
