"""Calibration against people: import human QA evaluations, measure agreement, learn item detectors.

- ``import_evaluations(con, path)`` reads a CSV of ``interaction,evaluator,item,score`` (score:
  1/0/na, pass/fail/na, yes/no); bad rows are quarantined with the reason, the rest load in one
  transaction, and importing the same file again changes nothing.
- ``agreement(con)`` compares every human score with earful's verdict for the same interaction and
  item: Cohen's kappa (pass / fail / not applicable as three categories), accuracy, the confusion
  table, and the correlation of the total scores; items below ``min_kappa`` are flagged.
- ``learn(con)`` fits, for each item with enough human scores, a classifier on the MiniLM embedding of
  the conversation and the rule detector's own verdict, estimates its kappa by cross-validation, and
  keeps it (``qa_models``) only where it agrees with people better than the rule does.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from earful.errors import InputError
from earful.quality.rubric import Item, Rubric
from earful.quality.stats import cohen_kappa, pearson
from earful.store import has_table, transaction

VERDICTS = ("pass", "fail", "na")
_SYNONYMS = {"1": "pass", "pass": "pass", "passed": "pass", "yes": "pass", "y": "pass", "true": "pass", "met": "pass",
             "0": "fail", "fail": "fail", "failed": "fail", "no": "fail", "n": "fail", "false": "fail", "not met": "fail",
             "na": "na", "n/a": "na", "n.a.": "na", "-": "na", "not applicable": "na", "": "na", "none": "na"}
MIN_KAPPA = 0.7
MIN_TO_LEARN = 40


# ------------------------------------------------------------------------------ import
@dataclass
class EvaluationImport:
    file: str
    rows_read: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    import_id: int | None = None


def import_evaluations(con: duckdb.DuckDBPyConnection, path: str | Path, rubric: Rubric | None = None) -> EvaluationImport:
    """Load human QA scores from a CSV (``interaction,evaluator,item,score``); see the module docstring."""
    from earful.quality.run import active_rubric

    from earful.ingest.readers import read_text

    p = Path(path)
    raw, text = read_text(p)
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    need = ("interaction", "evaluator", "item", "score")
    missing = [c for c in need if c not in header]
    if missing:
        raise InputError(f"{p.name} has no column '{missing[0]}' (it needs {', '.join(need)})")
    col = {c: header.index(c) for c in need}
    items = set((rubric or active_rubric(con)).names)
    known = {r[0] for r in con.execute("SELECT id FROM interactions").fetchall()}
    result = EvaluationImport(p.name)
    good: dict[tuple[str, str, str], str] = {}
    bad: list[tuple[int, str, str, str]] = []
    for n, row in enumerate(reader, start=1):
        if not any(c.strip() for c in row):
            continue
        result.rows_read += 1
        line = ",".join(row)
        if len(row) < len(header):
            bad.append((n, "row", f"{len(row)} values, the header has {len(header)}", line))
            continue
        iid, who, item, score = (row[col[c]].strip() for c in need)
        verdict = _SYNONYMS.get(score.lower())
        if not iid:
            bad.append((n, "interaction", "interaction: missing", line))
        elif iid not in known:
            bad.append((n, "interaction", f"interaction: no interaction {iid!r} in the store", line))
        elif not who:
            bad.append((n, "evaluator", "evaluator: missing", line))
        elif item not in items:
            bad.append((n, "item", f"item: {item!r} is not in the rubric ({', '.join(sorted(items))})", line))
        elif verdict is None:
            bad.append((n, "score", f"score: {score!r} is not 1/0/na, pass/fail/na or yes/no", line))
        elif (iid, who, item) in good and good[(iid, who, item)] != verdict:
            bad.append((n, "score", f"score: {iid} {item} by {who} given twice, differently", line))
        else:
            good[(iid, who, item)] = verdict
    sha = hashlib.sha256(raw).hexdigest()
    with transaction(con):
        iid_ = con.execute("SELECT nextval('import_id_seq')").fetchone()[0]
        result.import_id = int(iid_)
        con.execute("INSERT INTO imports (import_id, file, format, sha256, size_bytes, started_at, options) "
                    "VALUES (?, ?, 'qa-evaluations', ?, ?, ?, '{}')", [iid_, str(p), sha, len(raw), datetime.now()])
        if good:
            import pyarrow as pa

            rows = pa.table({"interaction_id": [k[0] for k in good], "evaluator": [k[1] for k in good],
                             "item": [k[2] for k in good], "score": list(good.values())})
            con.register("_earful_eval", rows)
            try:
                before = con.execute("SELECT count(*) FROM qa_evaluations").fetchall()[0][0]
                con.execute(f"INSERT INTO qa_evaluations SELECT interaction_id, evaluator, item, score, {iid_} "
                            "FROM _earful_eval ON CONFLICT DO NOTHING")
                result.loaded = con.execute("SELECT count(*) FROM qa_evaluations").fetchall()[0][0] - before
            finally:
                con.unregister("_earful_eval")
        result.skipped = len(good) - result.loaded
        if bad:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", [(iid_, *b) for b in bad])
        result.quarantined = len(bad)
        con.execute("UPDATE imports SET rows_read = ?, rows_loaded = ?, rows_quarantined = ?, rows_skipped = ?, "
                    "finished_at = ? WHERE import_id = ?",
                    [result.rows_read, result.loaded, result.quarantined, result.skipped, datetime.now(), iid_])
    return result


# ------------------------------------------------------------------------------ agreement
@dataclass
class ItemAgreement:
    item: str
    label: str
    n: int                                  # human scores compared
    kappa: float | None                     # None: not defined (one category on both sides)
    kappa_low: float | None
    kappa_high: float | None
    accuracy: float | None
    human: dict[str, int]                   # human verdict counts
    machine: dict[str, int]
    confusion: dict[str, dict[str, int]]    # human -> machine -> count
    detector: str                           # rule | learnt
    flagged: bool
    note: str = ""


@dataclass
class Agreement:
    items: list[ItemAgreement]
    total_r: float | None                   # Pearson r of human vs earful total scores
    total_n: int
    evaluators: list[str]
    interactions: int
    min_kappa: float
    flagged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def agreement(con: duckdb.DuckDBPyConnection, rubric: Rubric | None = None, *, ids: Sequence[str] | None = None,
              min_kappa: float = MIN_KAPPA) -> Agreement:
    """Agreement of earful's stored verdicts with the imported human scores (optionally on ``ids`` only)."""
    from earful.quality.run import active_rubric

    rubric = rubric or active_rubric(con)
    if not has_table(con, "qa_evaluations"):
        raise InputError("this store has no human evaluations: import some with `earful qa import FILE`")
    where, params = "", []
    if ids is not None:
        where, params = "AND h.interaction_id IN (SELECT unnest(?))", [list(ids)]
    rows = con.execute(f"""
        SELECT h.interaction_id, h.evaluator, h.item, h.score, q.verdict, q.detector
        FROM qa_evaluations h JOIN qa_items q ON q.interaction_id = h.interaction_id AND q.item = h.item
        WHERE true {where} ORDER BY ALL""", params).fetchall()
    if not rows:
        raise InputError("no human score matches an interaction earful has scored: run `earful qa run` first")
    by_item: dict[str, list[tuple[str, str]]] = defaultdict(list)
    detector: dict[str, str] = {}
    per: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    mach: dict[str, dict[str, str]] = defaultdict(dict)
    for iid, who, item, h, m, det in rows:
        by_item[item].append((h, m))
        detector[item] = det or "rule"
        per[(iid, who)][item] = h
        mach[iid][item] = m
    out = []
    for it in rubric.items:
        pairs = by_item.get(it.name, [])
        out.append(_item_agreement(it, pairs, detector.get(it.name, "rule"), min_kappa))
    # total scores, each side with the rubric's weights over the items the person scored
    hs, ms = [], []
    for (iid, _), hv in per.items():
        h_total = _total(rubric, hv)
        m_total = _total(rubric, {k: mach[iid][k] for k in hv if k in mach[iid]})
        if h_total is not None and m_total is not None:
            hs.append(h_total)
            ms.append(m_total)
    r = pearson(hs, ms) if len(hs) >= 3 else None
    flagged = [a.item for a in out if a.flagged]
    return Agreement(out, r, len(hs), sorted({w for _, w in per}), len({i for i, _ in per}), min_kappa, flagged)


def _item_agreement(it: Item, pairs: list[tuple[str, str]], detector: str, min_kappa: float) -> ItemAgreement:
    n = len(pairs)
    conf = {h: {m: 0 for m in VERDICTS} for h in VERDICTS}
    for h, m in pairs:
        conf[h][m] += 1
    human = Counter(h for h, _ in pairs)
    machine = Counter(m for _, m in pairs)
    if n == 0:
        return ItemAgreement(it.name, it.label, 0, None, None, None, None, {}, {}, conf, detector, False,
                             "no human scores")
    k = cohen_kappa([h for h, _ in pairs], [m for _, m in pairs], VERDICTS)
    acc = sum(h == m for h, m in pairs) / n
    note = ""
    if k.kappa is None:
        note = ("people and earful agree on every one" if acc == 1 else "one category only on a side: kappa is "
                "not defined") + f" ({', '.join(f'{v} {c}' for v, c in sorted(human.items()))})"
    flagged = (k.kappa is not None and k.kappa < min_kappa) or (k.kappa is None and acc < 1)
    return ItemAgreement(it.name, it.label, n, k.kappa, k.low, k.high, acc, dict(human), dict(machine), conf,
                         detector, flagged, note)


def _total(rubric: Rubric, verdicts: dict[str, str]) -> float | None:
    """The rubric's score formula over the given items' verdicts."""
    got = passed = 0.0
    auto = False
    for it in rubric.items:
        v = verdicts.get(it.name)
        if v is None or v == "na":
            continue
        got += it.weight
        if v == "pass":
            passed += it.weight
        elif it.auto_fail:
            auto = True
    if got <= 0:
        return None
    return 0.0 if auto else 100 * passed / got


def agreement_markdown(a: Agreement) -> str:
    """The agreement table as Markdown (for docs and the CLI's --format md)."""
    lines = ["| item | human scores | kappa (95 % CI) | accuracy | people: pass / fail / na | earful: pass / fail / na | detector | |",
             "|---|---:|---|---:|---|---|---|---|"]
    for x in a.items:
        kap = "—" if x.kappa is None else f"{x.kappa:.2f} ({x.kappa_low:.2f} to {x.kappa_high:.2f})"
        acc = "—" if x.accuracy is None else f"{x.accuracy:.0%}"
        h = " / ".join(str(x.human.get(v, 0)) for v in VERDICTS)
        m = " / ".join(str(x.machine.get(v, 0)) for v in VERDICTS)
        flag = "**below %.1f**" % a.min_kappa if x.flagged else (x.note or "")
        lines.append(f"| {x.item} | {x.n} | {kap} | {acc} | {h} | {m} | {x.detector} | {flag} |")
    lines.append("")
    lines.append(f"Total score: Pearson r = {a.total_r:.2f} over {a.total_n} scored interactions." if a.total_r is not None
                 else "Total score: too few interactions to correlate.")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ learnt detectors
class ItemClassifier:
    """One item's verdict (pass / fail / na) learnt from human scores.

    Features: the MiniLM embeddings of what the customer said first and of what the agent said,
    and the rule detector's own verdict and confidence. A regularised logistic regression (balanced
    classes) decides; ``revise`` replaces the rule's verdicts with its own."""

    def __init__(self, C: float = 0.5, embedder=None) -> None:
        self.C = C
        self.embedder = embedder

    def _features(self, convs: Sequence, rule: Sequence[tuple]) -> np.ndarray:
        from earful.nlp.embed import default_embedder

        emb = self.embedder or default_embedder()
        cust = [" ".join(c.turns[i].norm for i in c.scope("customer")[:2]) for c in convs]
        agent = [" ".join(c.turns[i].norm for i in c.scope("agent")) for c in convs]
        e1, e2 = emb.encode(cust), emb.encode(agent)
        onehot = np.array([[v == "pass", v == "fail", v == "na", conf or 0.0] for v, _, conf in rule], dtype=np.float32)
        return np.hstack([e1, e2, 2.0 * onehot])

    def fit(self, convs: Sequence, rule: Sequence[tuple], y: Sequence[str]) -> "ItemClassifier":
        from sklearn.linear_model import LogisticRegression

        X = self._features(convs, rule)
        self.model_ = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000).fit(X, list(y))
        self.classes_ = list(self.model_.classes_)
        return self

    def predict(self, convs: Sequence, rule: Sequence[tuple]) -> tuple[list[str], np.ndarray]:
        p = self.model_.predict_proba(self._features(convs, rule))
        return [self.classes_[k] for k in p.argmax(1)], p.max(1)

    def revise(self, item: Item, convs: Sequence, rule: list[tuple]) -> list[tuple]:
        """The item's verdicts for ``convs`` (the rule's evidence turn kept when it agrees)."""
        if not convs:
            return rule
        labels, conf = self.predict(convs, rule)
        out = []
        for c, (v, seq, _), lab, p in zip(convs, rule, labels, conf):
            if lab == v:
                out.append((v, seq, float(p)))
            elif lab == "na":
                out.append(("na", None, float(p)))
            else:
                agent = c.scope("agent")
                out.append((lab, seq if seq is not None else (c.turns[agent[0]].seq if agent else None), float(p)))
        return out

    def __getstate__(self):
        state = dict(self.__dict__)
        state["embedder"] = None
        return state


def cross_validated(convs: Sequence, rule: Sequence[tuple], y: Sequence[str], *, folds: int = 5, seed: int = 0,
                    C: float = 0.5) -> list[str]:
    """Out-of-fold predictions of an ``ItemClassifier`` (each conversation predicted by a model that never saw it)."""
    from sklearn.model_selection import StratifiedKFold

    y = list(y)
    counts = Counter(y)
    k = max(2, min(folds, min(counts.values())))
    pred = [""] * len(y)
    # classes with fewer members than folds are kept in training by StratifiedKFold's warning path
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    idx = np.arange(len(y))
    for tr, te in skf.split(idx, y):
        if len(set(y[i] for i in tr)) < 2:
            for i in te:
                pred[i] = rule[i][0]
            continue
        clf = ItemClassifier(C=C).fit([convs[i] for i in tr], [rule[i] for i in tr], [y[i] for i in tr])
        labels, _ = clf.predict([convs[i] for i in te], [rule[i] for i in te])
        for i, lab in zip(te, labels):
            pred[i] = lab
    return pred


@dataclass
class LearnResult:
    item: str
    n: int
    rule_kappa: float | None
    learnt_kappa: float | None
    kept: bool
    reason: str


def learn(con: duckdb.DuckDBPyConnection, rubric: Rubric | None = None, *, min_scores: int = MIN_TO_LEARN,
          items: Sequence[str] | None = None, seed: int = 0) -> list[LearnResult]:
    """Learn item classifiers from the store's human scores; keep those that beat their rule in cross-validation."""
    import joblib

    from earful.nlp.models import models_dir
    from earful.quality.run import active_rubric, batch_sql
    from earful.quality.scorer import QualityScorer, conversations

    rubric = rubric or active_rubric(con)
    scorer = QualityScorer(rubric).fit()
    humans = con.execute("SELECT interaction_id, item, mode(score) FROM qa_evaluations GROUP BY ALL").fetchall()
    by_item: dict[str, dict[str, str]] = defaultdict(dict)
    for iid, item, score in humans:
        by_item[item][iid] = score
    ids = sorted({i for d in by_item.values() for i in d})
    if not ids:
        raise InputError("no human evaluations to learn from: import some with `earful qa import FILE`")
    table = con.sql(batch_sql(con, "AND i.id IN (SELECT unnest(?))"), params=[ids]).to_arrow_table()
    convs = {c.id: c for c in conversations(table)}
    for m in scorer.matchers_.values():
        m.prepare(list(convs.values()))
    results = []
    folder = models_dir(con)
    for it in rubric.items:
        if items is not None and it.name not in items:
            continue
        scored = [(iid, v) for iid, v in sorted(by_item.get(it.name, {}).items()) if iid in convs]
        n = len(scored)
        if n < min_scores or len({v for _, v in scored}) < 2:
            results.append(LearnResult(it.name, n, None, None, False,
                                       f"{n} human scores" + (", one verdict only" if n >= min_scores else
                                                              f" (needs {min_scores})")))
            continue
        cs = [convs[i] for i, _ in scored]
        y = [v for _, v in scored]
        rule = [scorer._verdict(it, c) for c in cs]
        rk = cohen_kappa(y, [r[0] for r in rule], VERDICTS).kappa
        oof = cross_validated(cs, rule, y, seed=seed)
        lk = cohen_kappa(y, oof, VERDICTS).kappa
        better = lk is not None and (rk is None or lk > rk + 0.02)
        if better:
            clf = ItemClassifier().fit(cs, rule, y)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"qa-{it.name}.joblib"
            joblib.dump(clf, path)
            with transaction(con):
                con.execute("DELETE FROM qa_models WHERE item = ?", [it.name])
                con.execute("INSERT INTO qa_models (item, path, trained_on, metrics) VALUES (?, ?, ?, ?)",
                            [it.name, path.name, n, json.dumps({"cv_kappa": lk, "rule_kappa": rk, "folds": 5})])
        results.append(LearnResult(it.name, n, rk, lk, better,
                                   "kept: agrees with people better than the rule" if better
                                   else "not kept: the rule agrees as well or better"))
    return results


def stored_classifiers(con: duckdb.DuckDBPyConnection, rubric: Rubric) -> dict[str, ItemClassifier]:
    """The store's learnt item classifiers for items the rubric has (files that are gone are skipped)."""
    if not has_table(con, "qa_models"):
        return {}
    import joblib

    from earful.nlp.models import models_dir

    out = {}
    for item, path in con.execute("SELECT item, path FROM qa_models").fetchall():
        if item not in rubric.names:
            continue
        try:
            out[item] = joblib.load(models_dir(con) / path)
        except (OSError, ValueError, EOFError):
            continue
    return out
