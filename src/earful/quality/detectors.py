"""What the QA detectors look at and how they find it: conversations, scopes, phrase and meaning finders.

A ``Conversation`` is one interaction's turns (speaker, text, time, customer sentiment) plus the
facts applicability needs (channel, queue, reason, transferred, hold). Finders work on a whole
batch at once: ``prepare`` matches each distinct turn text once (phrases with rapidfuzz, meaning
with the MiniLM embeddings of ``earful.nlp.embed``), then ``first`` answers per conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase

import numpy as np

from earful.quality.rubric import Applies, Finder

_HANDLE = re.compile(r"(?:^|(?<=\s))[@.]?@\w+")
_URL = re.compile(r"https?://\S+")
_SIGNATURE = re.compile(r"(?:\s[\^*~\-–]\s?[A-Za-z]{1,14}\.{0,3})+\s*(?:\d/\d)?\s*$")
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "\u00a0": " "})
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def normalise(text: str | None) -> str:
    """Lower-case text with @handles and a trailing signature (``^JK``, ``-AA``) removed and each web
    address replaced by the word ``link`` (a link is something a phrase can name)."""
    if not text:
        return ""
    t = text.translate(_APOS)
    t = _URL.sub(" link ", t)
    t = _HANDLE.sub(" ", t)
    t = _SIGNATURE.sub("", " " + t)
    return _SPACE.sub(" ", t).strip().lower()


@dataclass
class Turn:
    seq: int
    speaker: str
    text: str
    norm: str
    at: datetime | None = None
    sentiment: float | None = None


@dataclass
class Conversation:
    """One interaction as the detectors see it."""

    id: str
    channel: str | None
    queue: str | None
    reason: str | None
    transferred: bool | None
    hold_s: float | None
    turns: list[Turn]
    _scopes: dict = field(default_factory=dict, repr=False)

    def scope(self, name: str, n: int = 2) -> list[int]:
        """Indices into ``turns`` a scope covers, in conversation order."""
        key = (name, n)
        hit = self._scopes.get(key)
        if hit is not None:
            return hit
        agent = [i for i, t in enumerate(self.turns) if t.speaker == "agent"]
        if name == "agent":
            out = agent
        elif name == "replies":  # what the agent said once the customer had spoken
            first = next((i for i, t in enumerate(self.turns) if t.speaker == "customer"), len(self.turns))
            out = [i for i in agent if i > first]
        elif name == "customer":
            out = [i for i, t in enumerate(self.turns) if t.speaker == "customer"]
        elif name == "all":
            out = [i for i, t in enumerate(self.turns) if t.speaker in ("agent", "customer")]
        elif name == "opening":
            out = agent[:n]
        elif name == "closing":
            out = agent[-n:] if agent else []
        elif name in ("first_agent", "last_agent", "final_agent"):
            groups = self._agent_groups()
            if not groups:
                out = []
            elif name == "first_agent":
                out = groups[0]
            else:
                out = groups[-1]
                if name == "final_agent" and any(t.speaker == "customer" for t in self.turns[out[-1] + 1:]):
                    out = []
        else:  # pragma: no cover - the rubric parser allows only SCOPES
            raise ValueError(name)
        self._scopes[key] = out
        return out

    def _agent_groups(self) -> list[list[int]]:
        """Runs of agent turns with no customer turn between them (system lines do not break a run)."""
        groups: list[list[int]] = []
        current: list[int] = []
        for i, t in enumerate(self.turns):
            if t.speaker == "agent":
                current.append(i)
            elif t.speaker == "customer" and current:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
        return groups

    @property
    def has_agent(self) -> bool:
        return any(t.speaker == "agent" for t in self.turns)

    @property
    def has_times(self) -> bool:
        return sum(t.at is not None for t in self.turns) >= 2


def applies_facts(a: Applies, conv: Conversation) -> bool:
    """The facts part of applicability (channel, queue, reason, transfer, hold, turn times)."""
    if a.channels is not None and conv.channel not in a.channels:
        return False
    if a.queues is not None and not any(fnmatchcase(conv.queue or "", q) for q in a.queues):
        return False
    if a.reasons is not None and not any(fnmatchcase(conv.reason or "", r) for r in a.reasons):
        return False
    if a.transferred is not None and bool(conv.transferred) != a.transferred:
        return False
    if a.hold is not None and ((conv.hold_s or 0) > 0) != a.hold:
        return False
    if a.turn_times is not None and conv.has_times != a.turn_times:
        return False
    return True


# ---------------------------------------------------------------------------------- phrases
def _phrase_regex(phrase: str) -> tuple[str, bool]:
    """A regex for one phrase on normalised text, and whether it may also be matched fuzzily.

    A trailing ``*`` after a letter matches any word ending (``frustrat*``); any other ``*`` is a
    literal (masked swear words); a space matches any run of spaces and punctuation ("oh no" finds
    "oh, no!"); words match whole words only."""
    p = " ".join(phrase.lower().translate(_APOS).split())
    prefix = len(p) > 1 and p.endswith("*") and p[-2].isalnum()
    body = p[:-1] if prefix else p
    pattern = r"[\s,;:.!?\-]+".join(re.escape(w) for w in body.split(" "))
    start = r"(?<![\w*])" if body[:1].isalnum() or body[:1] == "'" else ""
    end = r"[\w*']*" if prefix else (r"(?![\w*])" if body[-1:].isalnum() or body[-1:] in "*'" else "")
    fuzzy_ok = not prefix and "*" not in body and len(body) >= 10 and " " in body
    return start + pattern + end, fuzzy_ok


class PhraseSet:
    """Whole-word phrase matching, exact first, then fuzzy (rapidfuzz partial ratio) for long phrases."""

    def __init__(self, phrases: Sequence[str], fuzzy: int = 90) -> None:
        self.phrases = tuple(phrases)
        self.fuzzy = fuzzy
        parts, self._fuzzy = [], []
        for p in self.phrases:
            rx, fz = _phrase_regex(p)
            parts.append(f"(?:{rx})")
            if fz and fuzzy < 100:
                self._fuzzy.append(" ".join(p.lower().split()))
        self._rx = re.compile("|".join(parts)) if parts else None
        self._cache: dict[str, tuple[int, float] | None] = {}

    def find(self, norm: str) -> tuple[int, float] | None:
        """(character offset, score 0-1) of the first phrase in ``norm``, or None."""
        hit = self._cache.get(norm, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        out = None
        if self._rx is not None and norm:
            m = self._rx.search(norm)
            if m:
                out = (m.start(), 1.0)
            elif self._fuzzy and len(norm) >= 8:
                from rapidfuzz import fuzz

                best = None
                for p in self._fuzzy:
                    r = fuzz.partial_ratio_alignment(p, norm, score_cutoff=self.fuzzy)
                    if r is not None and (best is None or r.score > best[1] * 100):
                        best = (r.dest_start, r.score / 100)
                out = best
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[norm] = out
        return out


# ---------------------------------------------------------------------------------- finders
class Matcher:
    """A rubric ``Finder`` made ready: phrases compiled, examples embedded; results per batch."""

    def __init__(self, spec: Finder, embedder=None) -> None:
        self.spec = spec
        self.phrases = PhraseSet(spec.phrases, spec.fuzzy) if spec.phrases else None
        self._except = (re.compile("|".join(f"(?:{_phrase_regex(p)[0]})" for p in spec.excluded))
                        if spec.excluded else None)
        self._embedder = embedder
        self._examples: np.ndarray | None = None
        self._sim: dict[str, float] = {}

    # -- meaning ------------------------------------------------------------------------
    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            from earful.nlp.embed import default_embedder

            self._embedder = default_embedder()
        return self._embedder.encode(texts)

    def prepare(self, convs: Sequence[Conversation]) -> None:
        """Work out the meaning scores of every sentence this finder may need in ``convs``, at once."""
        if not self.spec.examples:
            return
        if self._examples is None:
            self._examples = self._embed(list(self.spec.examples))
        todo: set[str] = set()
        for conv in convs:
            for i in conv.scope(self.spec.scope, self.spec.turns):
                t = conv.turns[i]
                if self._phrase_hit(t) is None:
                    todo.update(s for s in _sentences(t.norm) if s not in self._sim)
        if todo:
            units = sorted(todo)
            vecs = self._embed(units)
            sims = (vecs @ self._examples.T).max(axis=1)
            if len(self._sim) > 200_000:
                self._sim.clear()
            self._sim.update(zip(units, (float(s) for s in sims)))

    def _phrase_hit(self, t: Turn) -> tuple[int, float] | None:
        if self.spec.kind == "sentiment":
            return None
        norm = self._except.sub(" ~ ", t.norm) if self._except is not None else t.norm
        hit = self.phrases.find(norm) if self.phrases is not None else None
        if hit is not None and self.spec.within_words is not None:
            if len(norm[: hit[0]].split()) >= self.spec.within_words:
                hit = None
        if hit is None and self.spec.question and "?" in t.text:
            hit = (t.text.index("?"), 1.0)
        return hit

    def turn_hit(self, t: Turn) -> float | None:
        """The score (0-1) with which turn ``t`` says what this finder looks for, or None."""
        if self.spec.kind == "sentiment":
            if t.speaker == "customer" and t.sentiment is not None and t.sentiment < (self.spec.below or 0):
                return 1.0
            return None
        hit = self._phrase_hit(t)
        if hit is not None:
            return hit[1]
        if self.spec.examples:
            best = max((self._sim.get(s, -1.0) for s in _sentences(t.norm)), default=-1.0)
            if best >= self.spec.threshold:
                return best
        return None

    def first(self, conv: Conversation) -> tuple[int, float] | None:
        """(index into conv.turns, score) of the first turn in scope that this finder finds."""
        for i in conv.scope(self.spec.scope, self.spec.turns):
            s = self.turn_hit(conv.turns[i])
            if s is not None:
                return i, s
        return None


def _sentences(norm: str) -> list[str]:
    return [s for s in _SENTENCE.split(norm) if len(s) > 2][:6] or ([norm] if norm else [])
