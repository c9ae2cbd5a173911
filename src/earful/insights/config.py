"""The insight engine's settings: cost model, detection thresholds, departments, competitor names.

Read from a YAML file the director edits (example: docs/insights-config.yaml); every mistake is a
ConfigError naming the file and line.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from earful.errors import ConfigError

_CHANNELS = ("voice", "chat", "email", "social", "sms", "survey")


@dataclass(frozen=True)
class InsightsConfig:
    """Cost model and detection settings; defaults are a mid-size European centre."""

    currency: str = "EUR"
    cost_per_minute: dict[str, float] = field(
        default_factory=lambda: {"default": 0.90, "voice": 1.00, "chat": 0.70, "email": 0.60,
                                 "social": 0.60, "sms": 0.50})
    cost_per_transfer: float = 2.0
    cost_per_csat_point: float = 4.0
    repeat_window_days: int = 7
    fdr: float = 0.02
    baseline_days: int = 56
    min_history_days: int = 7
    windows: tuple[int, ...] = (1, 3, 7)
    min_ratio: float = 1.3
    min_excess: float = 5.0
    trend_windows: tuple[int, ...] = (3, 5, 8, 13)   # onsets the gradual-rise test looks back to; [] = off
    reason_counts: str = "label"   # what the detector counts: each contact's reason, or "posterior" (its classifier probabilities)
    top_drivers: int = 10
    competitors: tuple[str, ...] = ()
    departments: dict[str, str] = field(default_factory=dict)
    default_department: str = "Operations"
    labels: dict[str, str] = field(default_factory=dict)   # reason or topic code → the words titles use

    def minute_cost(self, channel: str | None) -> float:
        """Cost of one handled minute on `channel` (falls back to `default`)."""
        return float(self.cost_per_minute.get(channel or "", self.cost_per_minute.get("default", 0.9)))

    def department_for(self, reason: str | None) -> str:
        """First `departments` glob pattern matching the reason, else `default_department`."""
        for pattern, dept in self.departments.items():
            if reason and fnmatch.fnmatch(reason, pattern):
                return dept
        return self.default_department


_NUMBER_KEYS = {"cost_per_transfer", "cost_per_csat_point", "fdr", "min_ratio", "min_excess"}
REASON_COUNTS = ("label", "posterior")
_INT_KEYS = {"repeat_window_days", "baseline_days", "min_history_days", "top_drivers"}


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def load_config(path: str | Path | None) -> InsightsConfig:
    """Read and check a YAML cost/detection config; None gives the defaults."""
    if path is None:
        return InsightsConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_config(text, str(path))


def parse_config(text: str, name: str = "config") -> InsightsConfig:
    """Parse YAML text into an InsightsConfig; errors say `name:line: what`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{name}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return InsightsConfig()
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{name}:1: expected a mapping of settings")
    nodes = {k.value: v for k, v in root.value}
    known = {f.name for f in fields(InsightsConfig)}
    out: dict[str, Any] = {}
    for key, value in data.items():
        node = nodes.get(key)
        where = f"{name}:{_line(node)}"
        if key not in known:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        if key in _NUMBER_KEYS or key in _INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: {key} must be a number ≥ 0, not {value!r}")
            if key in _INT_KEYS and int(value) != value:
                raise ConfigError(f"{where}: {key} must be a whole number, not {value!r}")
            if key == "fdr" and not 0 < value < 1:
                raise ConfigError(f"{where}: fdr must be between 0 and 1, not {value!r}")
            out[key] = int(value) if key in _INT_KEYS else float(value)
        elif key == "cost_per_minute":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = {"default": value}
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: cost_per_minute must be a number or a channel → number mapping")
            for ch, v in value.items():
                if ch != "default" and ch not in _CHANNELS:
                    raise ConfigError(f"{where}: cost_per_minute: unknown channel {ch!r}")
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise ConfigError(f"{where}: cost_per_minute.{ch} must be a number ≥ 0, not {v!r}")
            out[key] = {**InsightsConfig().cost_per_minute, **{k: float(v) for k, v in value.items()}}
        elif key == "reason_counts":
            if value not in REASON_COUNTS:
                raise ConfigError(f"{where}: reason_counts must be one of {', '.join(REASON_COUNTS)}, not {value!r}")
            out[key] = value
        elif key in ("currency", "default_department"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: {key} must be text")
            out[key] = value.strip()
        elif key in ("competitors", "windows", "trend_windows"):
            if not isinstance(value, list):
                raise ConfigError(f"{where}: {key} must be a list")
            if key == "trend_windows":
                if any(isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 28 for v in value):
                    raise ConfigError(f"{where}: trend_windows must be whole numbers of days from 2 to 28")
                out[key] = tuple(sorted(set(value)))
            elif key == "windows":
                if not value or any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 28 for v in value):
                    raise ConfigError(f"{where}: windows must be whole numbers of days from 1 to 28")
                out[key] = tuple(sorted(set(value)))
            else:
                out[key] = tuple(str(v) for v in value)
        elif key in ("departments", "labels"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                what = "reason patterns to department names" if key == "departments" else "reason codes to words"
                raise ConfigError(f"{where}: {key} must map {what}")
            out[key] = {str(k): v for k, v in value.items()}
    return InsightsConfig(**out)
