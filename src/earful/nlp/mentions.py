"""Mentions of the organisation's products and competitors (fuzzy), and automatic key phrases.

The lexicon is a YAML file the centre keeps (example: docs/mentions.example.yaml)::

    fuzzy_threshold: 88          # 0-100, rapidfuzz ratio a misspelling must reach
    products:
      - name: Premium Card
        aliases: [premium card, platinum card]
      - Savings Account          # a name alone is its own alias
    competitors:
      - name: Revolut
        aliases: [revolut, revolute]

Key phrases are RAKE-style: runs of content words between stop words and punctuation,
scored by word degree / frequency, optionally weighted by inverse document frequency learned
in ``fit``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from earful.errors import ConfigError

KINDS = {"products": "product", "competitors": "competitor"}
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass(frozen=True)
class LexiconEntry:
    kind: str          # product | competitor
    name: str
    aliases: tuple[str, ...]


@dataclass
class MentionLexicon:
    entries: list[LexiconEntry] = field(default_factory=list)
    fuzzy_threshold: float = 88.0


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _err(path: str, node: yaml.Node | None, message: str) -> ConfigError:
    where = f"{path}:{node.start_mark.line + 1}" if node is not None else path
    return ConfigError(f"{where}: {message}")


def parse_lexicon(text: str, path: str = "<lexicon>") -> MentionLexicon:
    """Read a lexicon from YAML text; mistakes raise ConfigError naming the file and line."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if root is None:
        return MentionLexicon()
    if not isinstance(root, yaml.MappingNode):
        raise _err(path, root, "the lexicon must be a mapping with `products` and/or `competitors`")
    lex = MentionLexicon()
    for key_node, value_node in root.value:
        key = key_node.value
        if key == "fuzzy_threshold":
            try:
                lex.fuzzy_threshold = float(value_node.value)
            except (TypeError, ValueError):
                raise _err(path, value_node, "fuzzy_threshold must be a number from 0 to 100") from None
            if not 0 <= lex.fuzzy_threshold <= 100:
                raise _err(path, value_node, "fuzzy_threshold must be a number from 0 to 100")
            continue
        if key not in KINDS:
            raise _err(path, key_node, f"unknown key {key!r} (expected products, competitors, fuzzy_threshold)")
        if not isinstance(value_node, yaml.SequenceNode):
            raise _err(path, value_node, f"`{key}` must be a list")
        for item in value_node.value:
            lex.entries.append(_entry(path, KINDS[key], item))
    return lex


def _entry(path: str, kind: str, item: yaml.Node) -> LexiconEntry:
    if isinstance(item, yaml.ScalarNode):
        if not str(item.value).strip():
            raise _err(path, item, "an empty name")
        return LexiconEntry(kind, item.value.strip(), (item.value.strip(),))
    if not isinstance(item, yaml.MappingNode):
        raise _err(path, item, "each entry is a name or a mapping with `name` and `aliases`")
    fields = {k.value: (k, v) for k, v in item.value}
    for k, (knode, _) in fields.items():
        if k not in ("name", "aliases"):
            raise _err(path, knode, f"unknown field {k!r} (expected name, aliases)")
    if "name" not in fields or not isinstance(fields["name"][1], yaml.ScalarNode) or not fields["name"][1].value.strip():
        raise _err(path, item, "an entry without a `name`")
    name = fields["name"][1].value.strip()
    aliases = [name]
    if "aliases" in fields:
        node = fields["aliases"][1]
        if not isinstance(node, yaml.SequenceNode) or not all(isinstance(a, yaml.ScalarNode) for a in node.value):
            raise _err(path, node, "`aliases` must be a list of strings")
        aliases += [a.value.strip() for a in node.value if a.value.strip()]
    return LexiconEntry(kind, name, tuple(dict.fromkeys(aliases)))


def load_lexicon(path: str | Path) -> MentionLexicon:
    """Read the lexicon file at ``path`` (ConfigError when missing or invalid)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"lexicon file {p} not found")
    return parse_lexicon(p.read_text(encoding="utf-8"), str(p))


class MentionMatcher:
    """Find lexicon entries in texts: exact token matches, plus rapidfuzz ratio ≥ threshold for
    aliases of at least ``min_fuzzy_chars`` characters (short names only match exactly)."""

    def __init__(self, lexicon: MentionLexicon | None = None, fuzzy_threshold: float | None = None,
                 min_fuzzy_chars: int = 5) -> None:
        self.lexicon = lexicon
        self.fuzzy_threshold = fuzzy_threshold
        self.min_fuzzy_chars = min_fuzzy_chars

    def fit(self, texts: Iterable[str] | None = None, y: object = None) -> "MentionMatcher":
        """Index the aliases by length in tokens."""
        lex = self.lexicon or MentionLexicon()
        self.threshold_ = self.fuzzy_threshold if self.fuzzy_threshold is not None else lex.fuzzy_threshold
        self.terms_: dict[int, list[tuple[str, LexiconEntry]]] = {}
        for entry in lex.entries:
            for alias in entry.aliases:
                toks = _tokens(alias)
                if toks:
                    self.terms_.setdefault(len(toks), []).append((" ".join(toks), entry))
        return self

    def find(self, text: str | None) -> list[dict]:
        """Mentions in one text: ``{"kind", "name", "matched", "score"}``, one per entry, best score."""
        if not hasattr(self, "terms_"):
            self.fit()
        if not text or not self.terms_:
            return []
        from rapidfuzz import fuzz, process

        toks = _tokens(text)
        best: dict[tuple[str, str], dict] = {}
        for n, terms in self.terms_.items():
            grams = [" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)]
            if not grams:
                continue
            gram_set = set(grams)
            fuzzy_terms = []
            for term, entry in terms:
                if term in gram_set:
                    best[(entry.kind, entry.name)] = {"kind": entry.kind, "name": entry.name, "matched": term, "score": 100.0}
                elif len(term) >= self.min_fuzzy_chars:
                    fuzzy_terms.append((term, entry))
            if not fuzzy_terms:
                continue
            scores = process.cdist(grams, [t for t, _ in fuzzy_terms], scorer=fuzz.ratio, score_cutoff=self.threshold_)
            for gi, ti in zip(*scores.nonzero()):
                term, entry = fuzzy_terms[ti]
                key, score = (entry.kind, entry.name), float(scores[gi, ti])
                if key not in best or best[key]["score"] < score:
                    best[key] = {"kind": entry.kind, "name": entry.name, "matched": grams[gi], "score": round(score, 1)}
        return sorted(best.values(), key=lambda m: (m["kind"], m["name"]))

    def transform(self, texts: Sequence[str | None]) -> list[list[dict]]:
        """Mentions of each text."""
        return [self.find(t) for t in texts]


_EXTRA_STOP = frozenset("""hi hello hey thanks thank thx pls please just get got getting want wanted need needed know like
would could should can cant can't will wont won't im i'm ive i've id i'd dont don't didnt didn't doesnt doesn't isnt isn't
ok okay yes yeah sure really still also even one way today yesterday help tell let make made go going able try trying tried
said says say way lot bit much many day days time week weeks month months use using used""".split())


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _EXTRA_STOP


_PHRASE_SPLIT = re.compile(r"[.,;:!?()\[\]{}\"“”/\\|\n\t]+|\s-\s")
_WORD = re.compile(r"[a-z][a-z0-9'’-]*")


class KeyPhraseExtractor:
    """Top ``top_k`` key phrases of each text (RAKE scoring; × idf once fitted on a corpus)."""

    def __init__(self, top_k: int = 3, max_words: int = 3, min_chars: int = 3) -> None:
        self.top_k = top_k
        self.max_words = max_words
        self.min_chars = min_chars

    def _candidates(self, text: str) -> list[tuple[str, ...]]:
        stop = self.stop_
        out = []
        for chunk in _PHRASE_SPLIT.split(text.lower()):
            run: list[str] = []
            for w in _WORD.findall(chunk):
                w = w.strip("'’-")
                if w in stop or len(w) < self.min_chars or w.startswith("[") or w.isdigit():
                    if run:
                        out.append(tuple(run[: self.max_words]))
                    run = []
                else:
                    run.append(w)
            if run:
                out.append(tuple(run[: self.max_words]))
        return out

    def fit(self, texts: Iterable[str] | None = None, y: object = None) -> "KeyPhraseExtractor":
        """Learn document frequencies of words (``idf_``) from ``texts``; none given: plain RAKE."""
        self.stop_ = _stop_words()
        self.idf_: dict[str, float] = {}
        self.n_docs_ = 0
        if texts is not None:
            df: Counter[str] = Counter()
            for t in texts:
                self.n_docs_ += 1
                df.update({w for c in self._candidates(t or "") for w in c})
            self.idf_ = {w: math.log((1 + self.n_docs_) / (1 + n)) + 1 for w, n in df.items()}
        return self

    def phrases(self, text: str | None) -> list[str]:
        """Key phrases of one text, best first."""
        if not hasattr(self, "stop_"):
            self.fit()
        if not text:
            return []
        cands = self._candidates(text)
        freq: Counter[str] = Counter()
        degree: Counter[str] = Counter()
        for c in cands:
            for w in c:
                freq[w] += 1
                degree[w] += len(c)
        default_idf = math.log(1 + self.n_docs_) + 1 if self.n_docs_ else 1.0
        scored: dict[str, float] = {}
        for c in cands:
            s = sum(degree[w] / freq[w] * self.idf_.get(w, default_idf) for w in c)
            phrase = " ".join(c)
            scored[phrase] = max(scored.get(phrase, 0.0), s)
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
        return [p for p, _ in ranked[: self.top_k]]

    def transform(self, texts: Sequence[str | None]) -> list[list[str]]:
        """Key phrases of each text."""
        return [self.phrases(t) for t in texts]
