"""The maturity model file: dimensions, practices, levels 1-5 in plain words, and how each
practice is scored (a measured figure against four thresholds, or a question).

The project ships ``model.yaml`` beside this module; a centre may copy it, edit it and pass
its own with ``earful assess --model FILE``. A mistake in the file is one error that names
the dimension and practice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from earful.assess.evidence import MEASURES
from earful.errors import ConfigError

#: Where the money a gap is worth comes from (docs/assess.md).
WORTH_SOURCES = ("drivers", "unconfirmed", "unrouted")
DRIVER_CAUSES = ("handle_time", "repeats", "transfers", "satisfaction")


def default_model_path() -> Path:
    """The model file shipped with earful."""
    return Path(str(files("earful.assess") / "model.yaml"))


@dataclass(frozen=True)
class Benchmark:
    """A published industry figure, with where it was published."""

    figure: float
    label: str
    source: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Practice:
    key: str
    title: str
    dimension: str
    levels: dict[int, str]
    question: str
    measure: str | None = None
    better: str = "higher"
    thresholds: tuple[float, ...] = ()
    too_high: float | None = None
    worth: dict[str, str] | None = None
    recommend_text: str | None = None
    recommend_command: str | None = None
    benchmark: Benchmark | None = None

    def level_for(self, figure: float) -> int:
        """The level a measured figure earns: 1 + the thresholds it reaches (``better: higher``:
        figure ≥ cut-off; ``lower``: figure ≤ cut-off); above ``too_high`` at most 2."""
        if self.better == "higher":
            level = 1 + sum(figure >= t for t in self.thresholds)
        else:
            level = 1 + sum(figure <= t for t in self.thresholds)
        if self.too_high is not None and figure > self.too_high:
            level = min(level, 2)
        return level


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class MaturityModel:
    name: str
    version: str
    dimensions: tuple[Dimension, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    path: str = ""

    @property
    def practices(self) -> list[Practice]:
        return [p for d in self.dimensions for p in d.practices]

    def practice(self, key: str) -> Practice:
        for p in self.practices:
            if p.key == key:
                return p
        raise KeyError(key)


#: Evidence settings a model may override (``settings:`` at the top of the file).
DEFAULT_SETTINGS: dict[str, Any] = {
    "channel": "voice",          # the queue channel whose service level, abandonment and occupancy are read
    "sl_target": 0.8,            # a half-hour meets the target when its service level is at least this
    "sl_threshold_s": 20,        # answered within this many seconds
    "min_offered": 10,           # half-hours (days: × 5) with fewer offered contacts are not judged
    "fcr_days": 7,               # a contact is resolved when the customer does not come back within this
}


def _need(node: dict, key: str, where: str) -> Any:
    if key not in node or node[key] in (None, ""):
        raise ConfigError(f"{where}: '{key}' is missing")
    return node[key]


def _practice(node: Any, dim: str, where: str) -> Practice:
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: a practice must be a mapping")
    key = str(_need(node, "key", where))
    where = f"{where} '{key}'"
    levels_in = _need(node, "levels", where)
    try:
        levels = {int(k): str(v) for k, v in levels_in.items()}
    except (AttributeError, ValueError):
        raise ConfigError(f"{where}: levels must map 1-5 to plain words") from None
    if sorted(levels) != [1, 2, 3, 4, 5]:
        raise ConfigError(f"{where}: levels must be exactly 1, 2, 3, 4 and 5 (got {sorted(levels)})")
    measure = node.get("measure")
    better = str(node.get("better", "higher"))
    thresholds: tuple[float, ...] = ()
    if measure is not None:
        if measure not in MEASURES:
            raise ConfigError(f"{where}: unknown measure '{measure}' (known: {', '.join(MEASURES)})")
        if better not in ("higher", "lower"):
            raise ConfigError(f"{where}: better must be 'higher' or 'lower', not '{better}'")
        try:
            thresholds = tuple(float(t) for t in _need(node, "thresholds", where))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: thresholds must be four numbers") from None
        ordered = sorted(thresholds) if better == "higher" else sorted(thresholds, reverse=True)
        if len(thresholds) != 4 or list(thresholds) != ordered or len(set(thresholds)) != 4:
            raise ConfigError(f"{where}: thresholds must be four distinct numbers, "
                              f"{'rising' if better == 'higher' else 'falling'} from level 2 to level 5")
    worth = node.get("worth")
    if worth is not None:
        if not isinstance(worth, dict) or worth.get("source") not in WORTH_SOURCES:
            raise ConfigError(f"{where}: worth.source must be one of {', '.join(WORTH_SOURCES)}")
        if worth.get("cause") is not None and worth["cause"] not in DRIVER_CAUSES:
            raise ConfigError(f"{where}: worth.cause must be one of {', '.join(DRIVER_CAUSES)}")
        worth = {k: str(v) for k, v in worth.items()}
    bench = node.get("benchmark")
    benchmark = None
    if bench is not None:
        bw = f"{where} benchmark"
        if not str(bench.get("source", "")).strip():
            raise ConfigError(f"{bw}: a benchmark needs its published source (never an invented figure)")
        benchmark = Benchmark(figure=float(_need(bench, "figure", bw)), label=str(_need(bench, "label", bw)),
                              source=str(bench["source"]), url=bench.get("url"), note=bench.get("note"))
    rec = node.get("recommend") or {}
    too_high = node.get("too_high")
    return Practice(key=key, title=str(_need(node, "title", where)), dimension=dim, levels=levels,
                    question=str(_need(node, "question", where)), measure=measure, better=better,
                    thresholds=thresholds, too_high=float(too_high) if too_high is not None else None,
                    worth=worth, recommend_text=rec.get("text"), recommend_command=rec.get("command"),
                    benchmark=benchmark)


def parse_model(text: str, path: str = "model") -> MaturityModel:
    """A maturity model from its YAML text (ConfigError naming the place of any mistake)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: the model must be a mapping with name, version and dimensions")
    name, version = str(_need(doc, "name", path)), str(_need(doc, "version", path))
    settings = {**DEFAULT_SETTINGS, **(doc.get("settings") or {})}
    unknown = set(settings) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {sorted(unknown)} (known: {sorted(DEFAULT_SETTINGS)})")
    dims = []
    seen: set[str] = set()
    for i, d in enumerate(_need(doc, "dimensions", path)):
        where = f"{path}: dimension {i + 1}"
        key = str(_need(d, "key", where))
        practices = tuple(_practice(p, key, f"{path}: {key} practice {j + 1}")
                          for j, p in enumerate(_need(d, "practices", f"{where} '{key}'")))
        for p in practices:
            if p.key in seen:
                raise ConfigError(f"{path}: practice '{p.key}' appears twice")
            seen.add(p.key)
        dims.append(Dimension(key=key, title=str(_need(d, "title", where)), practices=practices))
    if len({d.key for d in dims}) != len(dims):
        raise ConfigError(f"{path}: two dimensions share a key")
    return MaturityModel(name=name, version=version, dimensions=tuple(dims), settings=settings,
                         digest=hashlib.sha256(text.encode()).hexdigest()[:12], path=path)


def load_model(path: str | Path | None = None) -> MaturityModel:
    """The model in ``path``, or the shipped one."""
    p = Path(path) if path is not None else default_model_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the maturity model {p}: {exc.strerror or exc}") from None
    return parse_model(text, str(p) if path is not None else "model.yaml (shipped)")
