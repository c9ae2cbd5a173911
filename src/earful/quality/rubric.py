"""The QA rubric: sections of items, each with a weight, an auto-fail flag, where it applies and
how it is detected, read from a YAML file the QA lead edits.

Every mistake in the file is a ``ConfigError`` naming its line (``rubric.yaml:14: item
'greeting': weight must be a number``). The format, with an example of every detector, is in
docs/quality.md; the default rubric is ``default_rubric.yaml`` beside this module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from earful.errors import ConfigError
from earful.ledger import _config
from earful.store.schema import CHANNELS

#: Where in the conversation a detector looks (docs/quality.md, "Scopes").
SCOPES = ("agent", "replies", "customer", "first_agent", "opening", "last_agent", "closing", "final_agent", "all")
#: Detector kinds and the keys each takes.
KINDS = ("phrases", "similar", "order", "all", "silence", "sentiment", "learnt")
_FINDER_KEYS = {"kind", "in", "turns", "phrases", "except", "examples", "threshold", "fuzzy", "within_words",
                "question", "below", "label"}
_DETECT_KEYS = _FINDER_KEYS | {"pass_if", "first", "then", "groups", "max_gap_s", "announced_by", "base"}
_ITEM_KEYS = {"label", "weight", "auto_fail", "applies", "detect", "description"}
_APPLIES_KEYS = {"channels", "queues", "reasons", "transferred", "hold", "turn_times", "when", "unless"}
_TOP_KEYS = {"rubric", "version", "sets", "sections", "description"}


@dataclass(frozen=True)
class Finder:
    """Finds the first turn in a scope that says one of ``phrases`` (fuzzy), means one of ``examples``
    (MiniLM cosine ≥ ``threshold``), asks a question (``question``), or — for ``sentiment`` — whose
    customer sentiment is below ``below``."""

    kind: str = "phrases"            # phrases | similar | sentiment
    scope: str = "agent"
    turns: int = 2                   # how many agent turns ``opening`` / ``closing`` cover
    phrases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    threshold: float = 0.6
    fuzzy: int = 90                  # rapidfuzz partial ratio a long phrase needs (100: exact only)
    within_words: int | None = None  # the phrase must start within the first N words of the turn
    question: bool = False           # a turn with a question mark counts as found
    below: float | None = None       # sentiment: a customer turn scoring below this
    excluded: tuple[str, ...] = ()   # phrases blanked out first ("thanks" but not "thanks for holding")


@dataclass(frozen=True)
class Detector:
    """How an item's verdict is reached. ``kind``:

    - ``phrases`` / ``similar``: the finder's hit decides (``pass_if`` present or absent);
    - ``order``: ``then`` found and ``first`` found no later → pass; ``then`` found alone → fail;
      ``then`` not found → not applicable (e.g. verify identity before any account detail);
    - ``all``: every finder in ``groups`` must find something;
    - ``silence``: a gap between turns longer than ``max_gap_s`` not announced by ``announced_by``
      in the turn before fails;
    - ``learnt``: a classifier learnt from human scores (``earful qa calibrate --learn``); until one
      is learnt, ``base`` decides.
    """

    kind: str
    finder: Finder | None = None
    pass_if: str = "present"
    first: Finder | None = None
    then: Finder | None = None
    groups: tuple[Finder, ...] = ()
    max_gap_s: float = 30.0
    announced_by: Finder | None = None
    base: "Detector | None" = None


@dataclass(frozen=True)
class Applies:
    """Where an item applies; ``None`` means any."""

    channels: tuple[str, ...] | None = None
    queues: tuple[str, ...] | None = None
    reasons: tuple[str, ...] | None = None
    transferred: bool | None = None
    hold: bool | None = None
    turn_times: bool | None = None
    when: tuple[Finder, ...] = ()     # any of these must find something
    unless: tuple[Finder, ...] = ()   # none of these may find something


@dataclass(frozen=True)
class Item:
    name: str
    section: str
    label: str
    weight: float
    auto_fail: bool
    applies: Applies
    detector: Detector
    description: str = ""


@dataclass(frozen=True)
class Rubric:
    """A parsed rubric; ``version`` is the hash of its text (scores say which rubric made them)."""

    name: str
    items: tuple[Item, ...]
    sections: tuple[tuple[str, str], ...]   # (name, label) in file order
    text: str = field(repr=False)
    version: str = ""

    def item(self, name: str) -> Item:
        for it in self.items:
            if it.name == name:
                return it
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [it.name for it in self.items]


def default_rubric_text() -> str:
    """The YAML of earful's default rubric (docs/qa-scoring-guide.md says how a person applies it)."""
    return resources.files("earful.quality").joinpath("default_rubric.yaml").read_text(encoding="utf-8")


def default_rubric() -> Rubric:
    return parse_rubric(default_rubric_text(), "default_rubric.yaml")


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a rubric file (a ``ConfigError`` with the line on any mistake)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"rubric file not found: {p}")
    return parse_rubric(p.read_text(encoding="utf-8"), p.name)


def parse_rubric(text: str, name: str = "rubric.yaml") -> Rubric:
    """Validate rubric YAML text; ``name`` is what errors call the file."""
    root = _config.load_text(text, name)
    top = root.mapping("rubric", _TOP_KEYS)
    if "sections" not in top:
        raise root.error("'sections' is missing")
    sets: dict[str, tuple[str, ...]] = {}
    if "sets" in top:
        for set_name, node in top["sets"].items("sets"):
            sets[set_name] = tuple(_phrase(n, f"set '{set_name}'") for n in node.seq(f"set '{set_name}'"))
    items: list[Item] = []
    sections: list[tuple[str, str]] = []
    seen: set[str] = set()
    for sec_name, sec_node in top["sections"].items("sections"):
        sec = sec_node.mapping(f"section '{sec_name}'", {"label", "items"})
        if "items" not in sec:
            raise sec_node.error(f"section '{sec_name}': 'items' is missing")
        sections.append((sec_name, sec["label"].text("label") if "label" in sec else sec_name.replace("_", " ")))
        for item_name, node in sec["items"].items(f"section '{sec_name}' items"):
            if item_name in seen:
                raise node.error(f"item '{item_name}' is given twice")
            seen.add(item_name)
            items.append(_item(item_name, sec_name, node, sets))
    if not items:
        raise top["sections"].error("the rubric has no items")
    if sum(it.weight for it in items) <= 0:
        raise top["sections"].error("the item weights add up to zero")
    title = top["rubric"].text("rubric") if "rubric" in top else Path(name).stem
    version = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return Rubric(title, tuple(items), tuple(sections), text, version)


def _phrase(node: _config.Node, what: str) -> str:
    text = " ".join(node.text(what).split())
    if not text:
        raise node.error(f"{what}: an empty phrase")
    return text


def _item(name: str, section: str, node: _config.Node, sets: dict[str, tuple[str, ...]]) -> Item:
    what = f"item '{name}'"
    m = node.mapping(what, _ITEM_KEYS)
    if "detect" not in m:
        raise node.error(f"{what}: 'detect' is missing (how the item is found)")
    weight = float(m["weight"].decimal(f"{what} weight", min_value=Decimal(0))) if "weight" in m else 1.0
    auto_fail = m["auto_fail"].boolean(f"{what} auto_fail") if "auto_fail" in m else False
    applies = _applies(m["applies"], what, sets) if "applies" in m else Applies()
    detector = _detector(m["detect"], what, sets)
    return Item(name, section, m["label"].text("label") if "label" in m else name.replace("_", " "),
                weight, auto_fail, applies, detector, m["description"].text("description") if "description" in m else "")


def _names(node: _config.Node, what: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    out = tuple(node.texts(what))
    if allowed is not None:
        for n, v in zip(node.seq(what, scalar_ok=True), out):
            if v not in allowed:
                raise n.error(f"{what}: unknown '{v}' (expected one of: {', '.join(allowed)})")
    return out


def _applies(node: _config.Node, what: str, sets: dict[str, tuple[str, ...]]) -> Applies:
    m = node.mapping(f"{what} applies", _APPLIES_KEYS)
    kw: dict[str, Any] = {}
    if "channels" in m:
        kw["channels"] = _names(m["channels"], f"{what} channels", CHANNELS)
    for key in ("queues", "reasons"):
        if key in m:
            kw[key] = _names(m[key], f"{what} {key}")
    for key in ("transferred", "hold", "turn_times"):
        if key in m:
            kw[key] = m[key].boolean(f"{what} {key}")
    for key in ("when", "unless"):
        if key in m:
            nodes = m[key].seq(f"{what} {key}") if m[key].is_seq else [m[key]]
            kw[key] = tuple(_finder(n, f"{what} {key}", sets, default_scope="customer" if key == "when" else "final_agent")
                            for n in nodes)
    return Applies(**kw)


def _finder(node: _config.Node, what: str, sets: dict[str, tuple[str, ...]], *,
            default_scope: str = "agent", allowed: set[str] | None = None) -> Finder:
    m = node.mapping(what, allowed or _FINDER_KEYS)
    kind = m["kind"].text(f"{what} kind") if "kind" in m else ("similar" if "examples" in m and "phrases" not in m
                                                               else "sentiment" if "below" in m else "phrases")
    if kind not in ("phrases", "similar", "sentiment"):
        raise (m["kind"] if "kind" in m else node).error(f"{what}: a finder is phrases, similar or sentiment, not '{kind}'")
    scope = m["in"].text(f"{what} in") if "in" in m else default_scope
    if scope not in SCOPES:
        raise m["in"].error(f"{what}: unknown scope '{scope}' (expected one of: {', '.join(SCOPES)})")
    phrases: list[str] = []
    if "phrases" in m:
        for n in m["phrases"].seq(f"{what} phrases", scalar_ok=True):
            p = _phrase(n, f"{what} phrases")
            if p.startswith("@"):
                if p[1:] not in sets:
                    raise n.error(f"{what}: no phrase set '{p[1:]}' under 'sets'")
                phrases.extend(sets[p[1:]])
            else:
                phrases.append(p)
    examples = tuple(_phrase(n, f"{what} examples") for n in m["examples"].seq(f"{what} examples")) if "examples" in m else ()
    excluded = tuple(_phrase(n, f"{what} except") for n in m["except"].seq(f"{what} except", scalar_ok=True)) if "except" in m else ()
    kw: dict[str, Any] = {}
    if "threshold" in m:
        kw["threshold"] = float(m["threshold"].decimal(f"{what} threshold", min_value=Decimal(-1), max_value=Decimal(1)))
    if "fuzzy" in m:
        kw["fuzzy"] = m["fuzzy"].integer(f"{what} fuzzy", min_value=50)
        if kw["fuzzy"] > 100:
            raise m["fuzzy"].error(f"{what}: fuzzy is a score from 50 to 100")
    if "within_words" in m:
        kw["within_words"] = m["within_words"].integer(f"{what} within_words", min_value=1)
    if "turns" in m:
        kw["turns"] = m["turns"].integer(f"{what} turns", min_value=1)
    if "question" in m:
        kw["question"] = m["question"].boolean(f"{what} question")
    if "below" in m:
        kw["below"] = float(m["below"].decimal(f"{what} below", min_value=Decimal(-1), max_value=Decimal(1)))
    if kind == "phrases" and not phrases and not examples and not kw.get("question"):
        raise node.error(f"{what}: give phrases, examples or question: true")
    if kind == "similar" and not examples:
        raise node.error(f"{what}: a similar finder needs examples")
    if kind == "sentiment" and kw.get("below") is None:
        raise node.error(f"{what}: a sentiment finder needs below (e.g. -0.3)")
    if kind == "sentiment" and scope not in ("customer", "all"):
        raise m["in"].error(f"{what}: sentiment is known for customer turns only")
    return Finder(kind=kind, scope=scope, phrases=tuple(phrases), examples=examples, excluded=excluded, **kw)


def _detector(node: _config.Node, what: str, sets: dict[str, tuple[str, ...]]) -> Detector:
    m = node.mapping(f"{what} detect", _DETECT_KEYS)
    kind = m["kind"].text(f"{what} kind") if "kind" in m else "phrases"
    if kind not in KINDS:
        raise m["kind"].error(f"{what}: unknown detector kind '{kind}' (expected one of: {', '.join(KINDS)})")
    pass_if = m["pass_if"].text("pass_if") if "pass_if" in m else "present"
    if pass_if not in ("present", "absent"):
        raise m["pass_if"].error(f"{what}: pass_if must be present or absent")
    finder_keys = {k for k in _FINDER_KEYS}
    if kind in ("phrases", "similar", "sentiment"):
        only = {k: v for k, v in m.items() if k in finder_keys}
        stray = [k for k in m if k not in finder_keys | {"pass_if"}]
        if stray:
            raise m[stray[0]].error(f"{what}: '{stray[0]}' does not belong to a {kind} detector")
        return Detector(kind, finder=_finder(_Sub(node, only), what, sets), pass_if=pass_if)
    if kind == "order":
        for req in ("first", "then"):
            if req not in m:
                raise node.error(f"{what}: an order detector needs '{req}'")
        return Detector(kind, first=_finder(m["first"], f"{what} first", sets),
                        then=_finder(m["then"], f"{what} then", sets))
    if kind == "all":
        if "groups" not in m:
            raise node.error(f"{what}: an all detector needs groups")
        groups = tuple(_finder(n, f"{what} group", sets) for n in m["groups"].seq(f"{what} groups"))
        if not groups:
            raise m["groups"].error(f"{what}: groups is empty")
        return Detector(kind, groups=groups)
    if kind == "silence":
        gap = float(m["max_gap_s"].decimal(f"{what} max_gap_s", min_value=Decimal(1))) if "max_gap_s" in m else 30.0
        ann = _finder(m["announced_by"], f"{what} announced_by", sets, default_scope="all") if "announced_by" in m else None
        return Detector(kind, max_gap_s=gap, announced_by=ann)
    # learnt: a classifier from human scores; until there is one, the base detector decides
    if "base" not in m:
        raise node.error(f"{what}: a learnt detector needs a base detector (used until one is learnt)")
    base = _detector(m["base"], f"{what} base", sets)
    if base.kind == "learnt":
        raise m["base"].error(f"{what}: the base of a learnt detector cannot itself be learnt")
    return Detector(kind, base=base)


class _Sub(_config.Node):
    """A mapping node restricted to some of its keys (a detector's own finder keys)."""

    def __init__(self, parent: _config.Node, only: dict[str, _config.Node]) -> None:
        super().__init__(parent.node, parent.file)
        self._only = only

    def mapping(self, what: str = "this", allowed: set[str] | None = None) -> dict[str, _config.Node]:
        return dict(self._only)
