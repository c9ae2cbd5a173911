"""Reading the ledger's YAML files with line numbers kept, so every error names its line.

PyYAML's composer gives nodes that carry ``start_mark``; ``Node`` wraps one with the file
name so validators can say ``routing.yaml:12: unknown department 'biling'``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

import yaml

from earful.errors import ConfigError

_PCT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*%\s*$")


class Node:
    """One YAML node and where it sits in its file."""

    def __init__(self, node: yaml.Node, file: str) -> None:
        self.node = node
        self.file = file

    # -- where ---------------------------------------------------------------------------
    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.file}:{self.line}: {message}")

    # -- shape ---------------------------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self.node, yaml.MappingNode)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.node, yaml.SequenceNode)

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag.endswith(":null")

    def items(self, what: str = "this", allowed: set[str] | None = None) -> Iterator[tuple[str, "Node"]]:
        """Key/value pairs of a mapping; duplicate and (when ``allowed`` is given) unknown keys refused."""
        if not self.is_map:
            raise self.error(f"{what} must be a mapping (key: value lines)")
        seen: set[str] = set()
        for k, v in self.node.value:
            key = Node(k, self.file)
            if not isinstance(k, yaml.ScalarNode):
                raise key.error(f"{what}: keys must be plain words")
            name = str(k.value)
            if name in seen:
                raise key.error(f"{what}: key '{name}' given twice")
            if allowed is not None and name not in allowed:
                raise key.error(f"{what}: unknown key '{name}' (expected one of: {', '.join(sorted(allowed))})")
            seen.add(name)
            yield name, Node(v, self.file)

    def mapping(self, what: str = "this", allowed: set[str] | None = None) -> dict[str, "Node"]:
        return dict(self.items(what, allowed))

    def seq(self, what: str = "this", *, scalar_ok: bool = False) -> list["Node"]:
        """Items of a list; with ``scalar_ok`` a single scalar reads as a one-item list."""
        if self.is_seq:
            return [Node(n, self.file) for n in self.node.value]
        if scalar_ok and isinstance(self.node, yaml.ScalarNode) and not self.is_null:
            return [self]
        raise self.error(f"{what} must be a list")

    # -- scalars -------------------------------------------------------------------------
    def text(self, what: str = "this") -> str:
        if not isinstance(self.node, yaml.ScalarNode) or self.is_null or str(self.node.value).strip() == "":
            raise self.error(f"{what} must be a non-empty text")
        return str(self.node.value)

    def texts(self, what: str = "this") -> list[str]:
        """A word or a list of words."""
        return [n.text(what) for n in self.seq(what, scalar_ok=True)]

    def boolean(self, what: str = "this") -> bool:
        if isinstance(self.node, yaml.ScalarNode) and self.node.tag.endswith(":bool"):
            return str(self.node.value).lower() in ("true", "yes", "on")
        raise self.error(f"{what} must be true or false")

    def decimal(self, what: str = "this", *, percent_ok: bool = False, min_value: Decimal | None = None,
                max_value: Decimal | None = None) -> Decimal:
        """An exact decimal read from the scalar's own text (never through a float).

        With ``percent_ok``, ``"80%"`` reads as ``0.80``.
        """
        if not isinstance(self.node, yaml.ScalarNode) or self.is_null:
            raise self.error(f"{what} must be a number")
        raw = str(self.node.value).strip().replace("_", "")
        m = _PCT.match(raw)
        try:
            if m and percent_ok:
                value = Decimal(m.group(1)) / 100
            else:
                value = Decimal(raw)
        except InvalidOperation:
            hint = " (or a percentage like 80%)" if percent_ok else ""
            raise self.error(f"{what} must be a number{hint}, not '{raw}'") from None
        if not value.is_finite():
            raise self.error(f"{what} must be a finite number")
        if min_value is not None and value < min_value:
            raise self.error(f"{what} must be at least {min_value}, not {raw}")
        if max_value is not None and value > max_value:
            raise self.error(f"{what} must be at most {max_value}, not {raw}")
        return value

    def integer(self, what: str = "this", *, min_value: int | None = None) -> int:
        value = self.decimal(what)
        if value != value.to_integral_value():
            raise self.error(f"{what} must be a whole number")
        if min_value is not None and value < min_value:
            raise self.error(f"{what} must be at least {min_value}")
        return int(value)

    def plain(self) -> Any:
        """The node as ordinary Python data (for free-form parts)."""
        return yaml.safe_load(yaml.serialize(self.node))


def load(path: str | Path) -> Node:
    """Compose a YAML file into a ``Node`` tree; syntax errors become one-line ``ConfigError``s."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    return load_text(p.read_text(encoding="utf-8"), p.name)


def load_text(text: str, name: str) -> Node:
    """Compose YAML text (from file ``name``) into a ``Node`` tree, as ``load`` does."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ConfigError(f"{name}:{line}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {exc}") from None
    if root is None:
        raise ConfigError(f"{name}:1: the file is empty")
    node = Node(root, name)
    if not node.is_map:
        raise node.error("the file must be a mapping at the top level")
    return node


def insert_rows(con: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in one statement (through an Arrow table): per-row INSERTs cost ~1 ms each."""
    if not rows:
        return
    import pyarrow as pa

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    name = f"_earful_rows_{table}"
    con.register(name, data)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {name}")
    finally:
        con.unregister(name)
