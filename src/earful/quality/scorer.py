"""``QualityScorer``: a rubric applied to a batch of interactions, as a pure function over Arrow.

``transform(batch)`` takes an Arrow record batch (or table) of interactions — ``id``, ``channel``,
``queue``, ``reason``, ``transferred``, ``hold_s`` and ``turns`` (a list of ``{seq, speaker, text,
at, sentiment}``) — and returns two Arrow tables: one row per interaction (its score) and one per
(interaction, item) (the verdict, the turn that decided it, a confidence). Nothing is read from or
written to a store, so any engine that maps record batches (Spark ``mapInArrow``, Daft) can run it.

Score = 100 × Σ weight(passed) ÷ Σ weight(applicable); 0 when an auto-fail item failed; null when no
item applies (an interaction with no agent words).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from earful.quality.detectors import Conversation, Matcher, Turn, applies_facts, normalise
from earful.quality.rubric import Detector, Finder, Item, Rubric, default_rubric

SCORES_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("rubric_version", pa.string()), ("score", pa.float64()),
    ("auto_failed", pa.bool_()), ("items_applicable", pa.int32()), ("items_failed", pa.int32()),
])
ITEMS_SCHEMA = pa.schema([
    ("interaction_id", pa.string()), ("item", pa.string()), ("verdict", pa.string()),
    ("evidence_seq", pa.int32()), ("confidence", pa.float64()), ("detector", pa.string()),
])
TURN_TYPE = pa.struct([("seq", pa.int32()), ("speaker", pa.string()), ("text", pa.string()),
                       ("at", pa.timestamp("us")), ("sentiment", pa.float64())])
#: The columns ``transform`` reads (``turns`` of TURN_TYPE); others are ignored, missing ones are null.
INPUT_SCHEMA = pa.schema([
    ("id", pa.string()), ("channel", pa.string()), ("queue", pa.string()), ("reason", pa.string()),
    ("transferred", pa.bool_()), ("hold_s", pa.float64()), ("turns", pa.list_(TURN_TYPE)),
])

PASS, FAIL, NA = "pass", "fail", "na"


class QualityScorer:
    """Score interactions against a rubric. ``learnt`` maps item names to classifiers learnt from
    human scores (``earful.quality.calibration.ItemClassifier``), used in place of the item's rule
    detector; ``embedder`` is the sentence embedder for meaning-based finders (MiniLM by default)."""

    def __init__(self, rubric: Rubric | None = None, learnt: Mapping[str, Any] | None = None, embedder=None) -> None:
        self.rubric = rubric
        self.learnt = learnt
        self.embedder = embedder

    def fit(self, X: object = None, y: object = None) -> "QualityScorer":
        """Compile the rubric's finders (phrases, example embeddings); nothing is learnt here."""
        self.rubric_ = self.rubric or default_rubric()
        self.learnt_ = dict(self.learnt or {})
        self.matchers_: dict[Finder, Matcher] = {}
        for item in self.rubric_.items:
            for f in _finders(item):
                if f not in self.matchers_:
                    self.matchers_[f] = Matcher(f, self.embedder)
        return self

    # ------------------------------------------------------------------------ batches
    def transform(self, batch: pa.RecordBatch | pa.Table) -> tuple[pa.Table, pa.Table]:
        """(scores, items) for a batch of interactions."""
        if not hasattr(self, "rubric_"):
            self.fit()
        convs = conversations(batch)
        for m in self.matchers_.values():
            m.prepare(convs)
        verdicts = {it.name: [self._verdict(it, c) for c in convs] for it in self.rubric_.items}
        for name, model in self.learnt_.items():
            if name in verdicts:
                verdicts[name] = model.revise(self.rubric_.item(name), convs, verdicts[name])
        return self._tables(convs, verdicts)

    def score(self, conv: Conversation) -> dict[str, tuple[str, int | None, float]]:
        """Every item's (verdict, evidence seq, confidence) for one conversation (for tests and tools)."""
        if not hasattr(self, "rubric_"):
            self.fit()
        for m in self.matchers_.values():
            m.prepare([conv])
        out = {}
        for it in self.rubric_.items:
            v = [self._verdict(it, conv)]
            if it.name in self.learnt_:
                v = self.learnt_[it.name].revise(it, [conv], v)
            out[it.name] = v[0]
        return out

    def _tables(self, convs: list[Conversation], verdicts: dict[str, list]) -> tuple[pa.Table, pa.Table]:
        items = self.rubric_.items
        rows: dict[str, list] = {k: [] for k in ITEMS_SCHEMA.names}
        s_rows: dict[str, list] = {k: [] for k in SCORES_SCHEMA.names}
        for k, conv in enumerate(convs):
            got = passed = 0.0
            n_app = n_fail = 0
            auto = False
            for it in items:
                verdict, seq, conf = verdicts[it.name][k]
                rows["interaction_id"].append(conv.id)
                rows["item"].append(it.name)
                rows["verdict"].append(verdict)
                rows["evidence_seq"].append(seq)
                rows["confidence"].append(None if conf is None else round(float(conf), 4))
                rows["detector"].append("learnt" if it.name in self.learnt_ else "rule")
                if verdict == NA:
                    continue
                n_app += 1
                got += it.weight
                if verdict == PASS:
                    passed += it.weight
                else:
                    n_fail += 1
                    auto = auto or it.auto_fail
            s_rows["interaction_id"].append(conv.id)
            s_rows["rubric_version"].append(self.rubric_.version)
            s_rows["score"].append(None if n_app == 0 or got <= 0 else (0.0 if auto else round(100 * passed / got, 2)))
            s_rows["auto_failed"].append(auto)
            s_rows["items_applicable"].append(n_app)
            s_rows["items_failed"].append(n_fail)
        return pa.table(s_rows, schema=SCORES_SCHEMA), pa.table(rows, schema=ITEMS_SCHEMA)

    # ------------------------------------------------------------------------ one item
    def applies(self, item: Item, conv: Conversation) -> bool:
        a = item.applies
        if not conv.has_agent or not applies_facts(a, conv):
            return False
        if a.when and not any(self.matchers_[f].first(conv) for f in a.when):
            return False
        if a.unless and any(self.matchers_[f].first(conv) for f in a.unless):
            return False
        return True

    def _verdict(self, item: Item, conv: Conversation) -> tuple[str, int | None, float | None]:
        if not self.applies(item, conv):
            return NA, None, None
        return self.detect(item.detector, conv)

    def detect(self, d: Detector, conv: Conversation) -> tuple[str, int | None, float | None]:
        """(verdict, evidence seq, confidence) of one detector on an applicable conversation."""
        turns = conv.turns
        if d.kind == "learnt":
            return self.detect(d.base, conv)  # type: ignore[arg-type]
        if d.kind in ("phrases", "similar", "sentiment"):
            m = self.matchers_[d.finder]  # type: ignore[index]
            scope = conv.scope(d.finder.scope, d.finder.turns)  # type: ignore[union-attr]
            if not scope:
                return NA, None, None
            hit = m.first(conv)
            if d.pass_if == "present":
                if hit:
                    return PASS, turns[hit[0]].seq, hit[1]
                return FAIL, turns[scope[0] if d.finder.scope != "last_agent" else scope[-1]].seq, 1.0  # type: ignore[union-attr]
            if hit:
                return FAIL, turns[hit[0]].seq, hit[1]
            return PASS, None, 1.0
        if d.kind == "order":
            then = self.matchers_[d.then].first(conv)  # type: ignore[index]
            if not then:
                return NA, None, None
            first = self.matchers_[d.first].first(conv)  # type: ignore[index]
            if first and first[0] <= then[0]:
                return PASS, turns[first[0]].seq, first[1]
            return FAIL, turns[then[0]].seq, then[1]
        if d.kind == "all":
            hits = [self.matchers_[g].first(conv) for g in d.groups]
            missing = [g for g, h in zip(d.groups, hits) if not h]
            if not missing:
                return PASS, turns[hits[0][0]].seq, min(h[1] for h in hits)  # type: ignore[index]
            scope = conv.scope(missing[0].scope, missing[0].turns)
            return (FAIL, turns[scope[0]].seq, 1.0) if scope else (NA, None, None)
        if d.kind == "silence":
            return self._silence(d, conv)
        raise ValueError(f"unknown detector kind {d.kind!r}")  # pragma: no cover - parser forbids it

    def _silence(self, d: Detector, conv: Conversation) -> tuple[str, int | None, float | None]:
        """A gap longer than ``max_gap_s`` after a turn (time to say the turn, 2.5 words a second,
        subtracted) that neither that turn nor the one before announced."""
        timed = [t for t in conv.turns if t.at is not None and t.speaker in ("agent", "customer")]
        if len(timed) < 2:
            return NA, None, None
        ann = self.matchers_[d.announced_by] if d.announced_by is not None else None
        worst = 0.0
        for k in range(len(timed) - 1):
            a, b = timed[k], timed[k + 1]
            gap = (b.at - a.at).total_seconds() - len(a.text.split()) / 2.5  # type: ignore[operator]
            if gap <= d.max_gap_s:
                continue
            announced = ann is not None and any(ann.turn_hit(t) is not None for t in timed[max(0, k - 1):k + 1])
            if not announced:
                return FAIL, b.seq, min(1.0, gap / (2 * d.max_gap_s))
            worst = max(worst, gap)
        return PASS, None, 1.0


def _finders(item: Item) -> list[Finder]:
    out = list(item.applies.when) + list(item.applies.unless)
    stack: list[Detector] = [item.detector]
    while stack:
        d = stack.pop()
        out += [f for f in (d.finder, d.first, d.then, d.announced_by) if f is not None] + list(d.groups)
        if d.base is not None:
            stack.append(d.base)
    return out


def conversations(batch: pa.RecordBatch | pa.Table) -> list[Conversation]:
    """The batch's interactions as ``Conversation``s (turns sorted by seq; text normalised once)."""
    cols = batch.to_pydict() if isinstance(batch, (pa.RecordBatch, pa.Table)) else batch
    n = len(cols["id"])
    get = lambda k: cols.get(k) or [None] * n  # noqa: E731
    norm_cache: dict[str, str] = {}
    out = []
    for iid, ch, qu, rs, tr, hold, turns in zip(cols["id"], get("channel"), get("queue"), get("reason"),
                                                get("transferred"), get("hold_s"), get("turns")):
        ts = []
        for t in sorted(turns or [], key=lambda t: t.get("seq") or 0):
            text = t.get("text") or ""
            norm = norm_cache.get(text)
            if norm is None:
                norm = norm_cache[text] = normalise(text)
            ts.append(Turn(int(t.get("seq") or 0), t.get("speaker") or "", text, norm, t.get("at"), t.get("sentiment")))
        out.append(Conversation(iid, ch, qu, rs, tr, hold, ts))
    return out


def conversation(turns: Sequence[tuple[str, str]] | Sequence[dict], *, id: str = "x", channel: str = "chat",
                 **facts: Any) -> Conversation:
    """A conversation from ``[(speaker, text), ...]`` or turn dicts (handy for tests and for trying a rubric)."""
    rows = []
    for k, t in enumerate(turns, 1):
        if isinstance(t, dict):
            rows.append({"seq": t.get("seq", k), "speaker": t["speaker"], "text": t.get("text"),
                         "at": t.get("at"), "sentiment": t.get("sentiment")})
        else:
            rows.append({"seq": k, "speaker": t[0], "text": t[1], "at": None, "sentiment": None})
    cols = {"id": [id], "channel": [channel], "queue": [facts.get("queue")], "reason": [facts.get("reason")],
            "transferred": [facts.get("transferred")], "hold_s": [facts.get("hold_s")], "turns": [rows]}
    return conversations(cols)[0]
