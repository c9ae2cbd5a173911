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
from html import unescape as html_unescape
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
                if w in stop or re.split(r"['’]", w)[0] in stop or len(w) < self.min_chars or w.startswith("[") or w.isdigit():
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


# ---------------------------------------------------------------- competitor names to review

# Names a customer writes that are platforms, devices, payment methods or networks the centre's
# product runs on or through, not rivals: never proposed unless the lexicon lists them.
PLATFORMS = frozenset("""windows|windows mobile|windows phone|windows 10|ios|android|iphone|ipad|ipod|mac|macbook|macos|pc|
linux|chrome|chromecast|firefox|safari|edge|google|google play|play store|app store|apple pay|google pay|samsung pay|
samsung|galaxy|pixel|alexa|echo|fire tv|fire tv stick|roku|apple tv|smart tv|apple watch|visa|mastercard|amex|
american express|facebook|twitter|instagram|whatsapp|snapchat|gmail|hotmail|outlook|wifi|wi-fi|bluetooth|ethernet|
internet|sonos|airpods|bose|carplay|android auto""".replace("\n", "").split("|"))
# Where a customer sets one company against another: "switching to X", "left you for X",
# "X is cheaper", "better than X", "unlike X", "with X instead".
_RIVAL_BEFORE = re.compile(
    r"(?:\b(?:switch(?:ed|ing)?|mov(?:e|ed|ing)|port(?:ed|ing)?|run(?:ning)?|jump(?:ed|ing)?|defect(?:ed|ing)?)"
    r"[ \t]+(?:(?:my[ \t]+\w+|over|back|right)[ \t]+)?(?:to|from)|\bgo(?:ing)?[ \t]+(?:back|over)[ \t]+to|"
    r"\bleav(?:e|ing)[ \t]+(?:you[ \t]+|\w+[ \t]+)?for|\bleft[ \t]+(?:you[ \t]+)?for|"
    r"\b(?:better|cheaper|faster|worse|quicker|easier|nicer|more[ \t]+\w+|less[ \t]+\w+)[ \t]+than|\bunlike|"
    r"\bcompared[ \t]+(?:to|with)|\binstead[ \t]+of|\bover[ \t]+at|\b(?:currently|already|still)[ \t]+(?:with|on|use|using)|"
    r"\bhave[ \t]+with|\bsign(?:ed|ing)?[ \t]+up[ \t]+(?:with|for|to)|\b(?:go|gone|went)[ \t]+with)[ \t]+(?:the[ \t]+)?$", re.I)
_RIVAL_AFTER = re.compile(
    r"^[ \t]*(?:is|are|was|were)\s+(?:(?:so|much|way|a\s+lot|far)\s+)?(?:better|cheaper|faster|quicker|easier|nicer)\b|"
    r"^[ \t]*(?:does|do|did|has|have|had|offers?|gives?|lets?|charges?)\s+(?:it|this|that|them)\s+(?:better|cheaper|for\s+free|free)\b|"
    r"^[ \t]*instead\b|^(?:'s|’s)[ \t]+(?:better|cheaper|way[ \t]+better)", re.I)
_CAP_NAME = re.compile(r"(?<![@#\w])([A-Z][\w&'’.-]*[a-z0-9][\w&'’.-]*|[A-Z]{2,}[\w&'’-]*)((?:\s+(?:[A-Z][\w&'’-]*|\d+))*)")
_NAME_WORD = re.compile(r"[A-Za-z0-9][\w&'’-]*[\w&]|[A-Za-z0-9]")
_FUNCTION = frozenset("""a an the my our your their his her this that these those another other some any every each
no one it them him us me you i we they he she there here again back now then today tomorrow tonight yesterday get got
be see use using pay buy help why what how who when where which whose will would can could should is are was and or
of to for with""".split())
_GENERIC = frozenset("""home work school town store stores office airport station bed sleep bank banks provider providers
company companies carrier carriers service services app apps website phone phones card cards account accounts""".split())
_JOINERS = frozenset("of and & de".split())
_BARRIER = re.compile(r"[@＠]\w+|https?://\S+|#\w+")  # handles, links and hashtags end a phrase
_CODE = re.compile(r"^[a-z]{1,2}\d+[a-z\d]*$")  # seat, gate, flight and fare codes: A1, BA293
_DAYS = frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun january february
march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
christmas halloween easter""".split())


@dataclass
class ProposedName:
    """A name customers set against the centre: proposed for a reviewer, counted only once confirmed."""

    name: str
    mentions: int = 0
    ids: list[str] = field(default_factory=list)


def _strip_case(name: str) -> str:
    return " ".join(re.sub(r"[-_]", " ", name.lower().replace("’", "'")).split())


class CompetitorFinder:
    """Propose competitor names from customers' own words, for a person to confirm or reject.

    A name is proposed where a customer sets it against the centre (``switching to X``, ``left
    you for X``, ``X is cheaper``, ``better than X``); written in lower case ("apple music") it
    counts only when the texts also write it capitalised somewhere. Never proposed: the centre's
    own brand words (``brands``, e.g. from :class:`earful.nlp.hygiene.TextCleaner`), the
    lexicon's products, platforms and payment methods (``PLATFORMS``), days and months. Names
    the lexicon lists as competitors are always found (they need no review).
    """

    def __init__(self, lexicon: MentionLexicon | None = None, brands: Iterable[str] = (),
                 platforms: Iterable[str] = PLATFORMS, min_mentions: int = 1) -> None:
        self.lexicon = lexicon
        self.brands = tuple(brands)
        self.platforms = tuple(platforms)
        self.min_mentions = min_mentions

    def fit(self, texts: Sequence[str | None], y: object = None) -> "CompetitorFinder":
        """Learn which names the texts write capitalised (so a lower-case mention can be trusted)."""
        lex = self.lexicon or MentionLexicon()
        self.products_ = {_strip_case(a) for e in lex.entries if e.kind == "product" for a in e.aliases}
        self.known_ = {_strip_case(a): e.name for e in lex.entries if e.kind == "competitor" for a in e.aliases}
        self.brand_words_ = {_strip_case(b) for b in self.brands if b}
        self.platforms_ = {_strip_case(p) for p in self.platforms} - set(self.known_)
        self.capitalised_: set[str] = set()
        for t in texts:
            t = _BARRIER.sub("\n", str(t or ""))
            for m in _CAP_NAME.finditer(t):
                before = t[:m.start()].rstrip(" \t")
                if not before or before[-1] in ".!?:;\n\"“(*-–—":  # a sentence's first word says nothing
                    continue
                words = (m.group(1) + m.group(2)).split()
                for n in range(1, len(words) + 1):
                    self.capitalised_.add(_strip_case(" ".join(words[:n])))
        return self

    def _own(self, key: str) -> bool:
        """The centre's own brand (or a part of its name) or one of its products."""
        squashed, words = key.replace(" ", ""), f" {key} "
        return key in self.products_ or any(
            b and (b in key or b.replace(" ", "") in squashed or words in f" {b} "
                   or (len(squashed) >= 4 and squashed in b.replace(" ", ""))) for b in self.brand_words_)

    def _name(self, words: list[str]) -> str | None:
        """``words`` as a competitor name, or None when they are not one a person would write."""
        if any(w[-1] in ".,!?;:" for w in words[:-1]):
            return None
        name = " ".join(words).strip(".,!?;:'’\"")
        key = _strip_case(name)
        parts = key.split()
        if (not parts or parts[0] in _FUNCTION or parts[-1] in _FUNCTION or any(w in _DAYS or w.isdigit() for w in parts)
                or all(w in _GENERIC for w in parts) or key.isdigit() or len(key) < 2):
            return None
        inner = name.split()[1:-1]
        capital = (name[:1].isupper() and all(w[:1].isupper() or w[:1].isdigit() for w in name.split()[-1:])
                   and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _JOINERS for w in inner))
        if any(w in _FUNCTION and w not in _JOINERS for w in parts[1:-1]) or (not capital and any(w in _JOINERS for w in parts)):
            return None
        if not capital and key not in self.capitalised_ and key not in self.known_:
            return None
        if key in self.platforms_ or self._own(key) or _CODE.match(key.replace(" ", "")) and key not in self.known_:
            return None
        return self.known_.get(key, name if capital else name.title())

    def find(self, text: str | None) -> list[str]:
        """Competitor names one text sets against the centre (lexicon competitors anywhere in it)."""
        if not hasattr(self, "capitalised_"):
            self.fit([])
        if not text:
            return []
        t = _BARRIER.sub("\n", html_unescape(text))
        low = " " + " ".join(_tokens(t)) + " "
        out = [name for key, name in self.known_.items() if f" {key} " in low]
        words = [(m.start(), m.end(), m.group(0)) for m in _NAME_WORD.finditer(t)]
        for i, (start, _, _) in enumerate(words):
            before = bool(_RIVAL_BEFORE.search(t[max(0, start - 60):start]))
            for n in (3, 2, 1):
                if i + n > len(words):
                    continue
                end = words[i + n - 1][1]
                if any(t[words[j][1]:words[j + 1][0]].strip(" \t") or "\n" in t[words[j][1]:words[j + 1][0]]
                       for j in range(i, i + n - 1)):
                    continue  # a name does not run over punctuation or a line
                if not (before or _RIVAL_AFTER.search(t[end:end + 40])):
                    continue
                name = self._name([w for _, _, w in words[i:i + n]])
                if name:
                    out.append(name)
                    break
        return list(dict.fromkeys(out))

    def transform(self, texts: Sequence[str | None]) -> list[list[str]]:
        """Competitor names of each text."""
        return [self.find(t) for t in texts]

    def propose(self, texts: Sequence[str | None], ids: Sequence[str] | None = None) -> list[ProposedName]:
        """Names found in ``texts`` with their mentions, most mentioned first (at least ``min_mentions``)."""
        ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
        found: dict[str, ProposedName] = {}
        for i, t in zip(ids, texts):
            for name in self.find(t):
                key = _strip_case(name)
                p = found.setdefault(key, ProposedName(name))
                p.mentions += 1
                p.ids.append(i)
        return sorted((p for p in found.values() if p.mentions >= self.min_mentions), key=lambda p: (-p.mentions, p.name))
