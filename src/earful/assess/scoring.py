"""Scores and a plan: a level per practice (from its measured figure, else the director's answer),
per dimension and overall, the gaps ranked by what closing them is worth, and recommendations.

Rules (docs/assess.md):
    practice level = 1 + the thresholds its figure reaches (measured), else the answer (self-reported)
    dimension level = mean of its practices' known levels, to one decimal
    overall = mean of the dimensions' levels, to one decimal
    gaps = practices below level 5, ranked by money at stake (largest first; none last), then by
           levels missing, then by the model's order
    recommendations = the first 3-5 gaps that carry one, each with its first earful command
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

from earful.assess.evidence import Evidence, measure, period_of, worth
from earful.assess.model import MaturityModel, Practice, load_model
from earful.errors import ConfigError

MAX_RECOMMENDATIONS = 5


@dataclass
class Answer:
    """A director's answer to a practice's question: a level 1-5, self-reported."""

    level: int
    note: str | None = None


@dataclass
class Answers:
    answers: dict[str, Answer] = field(default_factory=dict)
    answered_by: str | None = None
    answered_on: str | None = None
    source: str | None = None


def parse_answers(doc: Any, model: MaturityModel, source: str = "answers") -> Answers:
    """Answers from a parsed YAML document: ``answers: {practice: level | {level, note}}``."""
    if doc is None:
        return Answers(source=source)
    if not isinstance(doc, dict) or not isinstance(doc.get("answers", {}), dict):
        raise ConfigError(f"{source}: expected a mapping with 'answers: {{practice: level}}'")
    known = {p.key for p in model.practices}
    out: dict[str, Answer] = {}
    for key, v in (doc.get("answers") or {}).items():
        if key not in known:
            raise ConfigError(f"{source}: '{key}' is not a practice of the model (known: {', '.join(sorted(known))})")
        level, note = (v.get("level"), v.get("note")) if isinstance(v, dict) else (v, None)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise ConfigError(f"{source}: the answer for '{key}' must be a level from 1 to 5, not {level!r}")
        out[key] = Answer(level, None if note is None else str(note))
    by, on = doc.get("answered_by"), doc.get("answered_on")
    return Answers(out, None if by is None else str(by), None if on is None else str(on), source)


def load_answers(path: str | Path, model: MaturityModel) -> Answers:
    """The answers file (YAML); a missing file or a wrong key is one clear error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the answers file {path}: {exc.strerror or exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_answers(doc, model, str(path))


@dataclass
class PracticeResult:
    key: str
    title: str
    dimension: str
    level: int | None
    basis: str                        # measured | self-reported | unanswered
    reason: str
    description: str | None           # the level's plain words
    next_level: str | None            # what the next level takes
    question: str
    evidence: dict[str, Any] | None = None
    answer: dict[str, Any] | None = None
    benchmark: dict[str, Any] | None = None
    worth: dict[str, Any] | None = None
    recommend: dict[str, str] | None = None


@dataclass
class DimensionResult:
    key: str
    title: str
    level: float | None
    measured: int
    self_reported: int
    unanswered: int
    reason: str


@dataclass
class Assessment:
    """A whole assessment: levels, reasons, gaps, recommendations and the open questions."""

    model: dict[str, str]
    period_start: date
    period_end: date
    overall: float | None
    dimensions: list[DimensionResult]
    practices: list[PracticeResult]
    gaps: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    questions: list[dict[str, str]]
    answered_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["period_start"], d["period_end"] = str(self.period_start), str(self.period_end)
        return d

    def practice(self, key: str) -> PracticeResult:
        return next(p for p in self.practices if p.key == key)

    def dimension(self, key: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.key == key)


def _cut(p: Practice, level: int) -> str:
    """The cut-off of ``level`` (2-5) in the figure's own units."""
    t = p.thresholds[level - 2]
    return f"{'≥' if p.better == 'higher' else '≤'} {_show(t, p)}"


def _show(value: float, p: Practice) -> str:
    shares = {"sl_intervals_met", "abandon_rate", "fcr_rate", "occupancy", "survey_coverage", "churn_risk_actioned",
              "words_analysed", "reason_coverage", "insights_routed", "insights_acknowledged", "insights_actioned",
              "value_confirmed_share", "sla_terms_met", "calls_transcribed", "qa_coverage", "forecast_error"}
    if p.measure in shares:
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:.1%}"
    if p.measure == "sl_daily_spread":
        return f"{value * 100:g} points"
    if p.measure == "days_to_action":
        return f"{value:g} days"
    return f"{value:g}"


def _measured(p: Practice, ev: Evidence) -> tuple[int, str, str | None]:
    level = p.level_for(ev.value)  # type: ignore[arg-type]
    reason = f"{ev.title}: {ev.shown}"
    if p.too_high is not None and ev.value > p.too_high:  # type: ignore[operator]
        reason += f", over {_show(p.too_high, p)} (too high to sustain: at most level 2)"
    elif level > 1:
        reason += f", level {level} needs {_cut(p, level)}"
    else:
        reason += f", under level 2's {_cut(p, 2)}"
    nxt = f"level {level + 1} needs {_cut(p, level + 1)}" if level < 5 and not (
        p.too_high is not None and ev.value > p.too_high) else None  # type: ignore[operator]
    return level, reason, nxt


class _Blanks(dict):
    """Placeholders a recommendation's command may use; an unknown one is left as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def score(model: MaturityModel, evidence: dict[str, Evidence], answers: Answers, *, start: date, end: date,
          worths: dict[str, tuple[float | None, str, str]] | None = None,
          facts: dict[str, Any] | None = None) -> Assessment:
    """Levels, reasons, gaps and recommendations from evidence and answers (pure: no store).

    ``facts`` fill the placeholders of the recommendations' commands ({from}, {to}, {month},
    {channel}, {busiest_calls}, {busiest_aht_s})."""
    worths = worths or {}
    blanks = _Blanks({"from": str(start), "to": str(end), "month": f"{end:%Y-%m}", **model.settings, **(facts or {})})
    practices: list[PracticeResult] = []
    for p in model.practices:
        ev = evidence.get(p.measure) if p.measure else None
        ans = answers.answers.get(p.key)
        level: int | None
        nxt: str | None = None
        if ev is not None and ev.value is not None:
            level, reason, nxt = _measured(p, ev)
            basis = "measured"
            if ans is not None:
                reason += f" (the answer given, level {ans.level}, is kept beside it but the figure decides)"
        elif ans is not None:
            level, basis = ans.level, "self-reported"
            reason = f"answered level {ans.level}" + (f": {ans.note}" if ans.note else "") + (
                f" (not measurable here: {ev.reason})" if ev is not None else "")
        else:
            level, basis = None, "unanswered"
            reason = (f"unknown: {ev.reason}; answer the question instead" if ev is not None
                      else "the store cannot speak for this practice; answer the question")
        if level is not None and nxt is None and level < 5:
            nxt = p.levels[level + 1]
        w = None
        if p.worth is not None and p.key in worths:
            amount, currency, how = worths[p.key]
            w = {"amount": None if amount is None else round(amount, 2), "currency": currency, "how": how}
        practices.append(PracticeResult(
            key=p.key, title=p.title, dimension=p.dimension, level=level, basis=basis, reason=reason,
            description=p.levels.get(level) if level else None, next_level=nxt, question=p.question,
            evidence=ev.to_dict() if ev is not None else None,
            answer=asdict(ans) if ans is not None else None,
            benchmark=asdict(p.benchmark) if p.benchmark else None, worth=w,
            recommend={"text": p.recommend_text, "command": (p.recommend_command or "").format_map(blanks)}
            if p.recommend_text else None))

    dims: list[DimensionResult] = []
    for d in model.dimensions:
        rs = [r for r in practices if r.dimension == d.key]
        known = [r.level for r in rs if r.level is not None]
        n_m = sum(r.basis == "measured" for r in rs)
        n_s = sum(r.basis == "self-reported" for r in rs)
        n_u = len(rs) - n_m - n_s
        level = round(sum(known) / len(known), 1) if known else None
        reason = (f"mean of {len(known)} practice level(s) ({n_m} measured, {n_s} self-reported)"
                  + (f"; {n_u} unanswered, not counted" if n_u else "")) if known else "no practice could be scored"
        dims.append(DimensionResult(d.key, d.title, level, n_m, n_s, n_u, reason))
    known_dims = [d.level for d in dims if d.level is not None]
    overall = round(sum(known_dims) / len(known_dims), 1) if known_dims else None

    order = {p.key: i for i, p in enumerate(model.practices)}
    open_ = [r for r in practices if r.level is not None and r.level < 5]
    open_.sort(key=lambda r: (r.worth is None or r.worth["amount"] is None,
                              -((r.worth or {}).get("amount") or 0.0), -(5 - r.level), order[r.key]))  # type: ignore[operator]
    gaps = [{"practice": r.key, "title": r.title, "dimension": r.dimension, "level": r.level,
             "levels_missing": 5 - r.level, "worth": r.worth, "basis": r.basis} for r in open_]  # type: ignore[operator]
    recs = [{"practice": r.key, "title": r.title, "level": r.level, "text": r.recommend["text"],
             "command": r.recommend["command"], "worth": r.worth}
            for r in open_ if r.recommend][:MAX_RECOMMENDATIONS]
    questions = [{"practice": r.key, "title": r.title, "question": r.question}
                 for r in practices if r.basis == "unanswered"]
    return Assessment(model={"name": model.name, "version": model.version, "digest": model.digest},
                      period_start=start, period_end=end, overall=overall, dimensions=dims, practices=practices,
                      gaps=gaps, recommendations=recs, questions=questions, answered_by=answers.answered_by)


def assess(con: duckdb.DuckDBPyConnection, *, start: date | None = None, end: date | None = None,
           model: MaturityModel | str | Path | None = None, answers: Answers | str | Path | None = None,
           contracts: list[str | Path] | None = None) -> Assessment:
    """The assessment of the store's period: evidence measured, answers read, levels and plan."""
    m = model if isinstance(model, MaturityModel) else load_model(model)
    a = answers if isinstance(answers, Answers) else load_answers(answers, m) if answers is not None else Answers()
    start, end = period_of(con, start, end)
    ev = measure(con, start, end, [p.measure for p in m.practices if p.measure], settings=m.settings,
                 contracts=contracts)
    worths = {p.key: worth(con, start, end, p.worth["source"], p.worth.get("cause"))
              for p in m.practices if p.worth is not None}
    return score(m, ev, a, start=start, end=end, worths=worths, facts=_facts(con, m))


def _facts(con: duckdb.DuckDBPyConnection, model: MaturityModel) -> dict[str, Any]:
    """The centre's own figures the recommended commands start from: its busiest half-hour."""
    from earful.metrics.workload import busiest_interval

    calls, aht_s = busiest_interval(con, 1800, channel=model.settings["channel"])
    return {"busiest_calls": f"{calls:.0f}" if calls else "100", "busiest_aht_s": f"{aht_s:.0f}" if aht_s else "300"}
