"""Text hygiene for social posts and chats before topics are found and labelled.

Customer tweets and chat lines carry words that say nothing about why the customer wrote:
``@handles`` (the centre's own and anonymised user ids), links, and the brand's own name
("@SpotifyCares spotify keeps skipping" is about skipping, not about Spotify). Clustered as they
are, such texts group by whom they addressed, and the labels read "115888 / songs / spotifycares".
:class:`TextCleaner` takes them out; the centre's own handles are given (``brands``) and also
learnt from the texts: a handle that a share of at least ``own_share`` of the texts address is
the centre's own, and its name without the support words ("Cares", "Help", "Support" ...) is a
brand word removed wherever it is written.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Iterable, Sequence

HANDLE = re.compile(r"(?<![\w.])[@＠]\w{1,30}")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|co|ly|net|org|io|me|gl|uk)/\S*", re.I)
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")  # redaction placeholders such as [PHONE]
_SIGN_OFF = re.compile(r"\^[A-Z]{1,3}\b|(?:^|\s)[-–—~][A-Z]{2,3}\s*$")  # agents' initials: "^JK", " -AB" at the end
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# words support accounts add to the brand's name; they are not brand words themselves
SUPPORT_WORDS = frozenset("""ask help helps support supports care cares team service services tweets tweet assist
official hq uk us usa news app info desk customer customers cs the air""".split())
_STOP = frozenset("""a an the and or but if to of in on at for with from by is are was were be been am i me my we our
you your it its this that these those have has had do does did not no so just can could would should will
what why how when where who which there their they them he she his her hi hello hey please thanks thank okay
ok yes yeah get got im i'm dont don't cant can't much lol""".split())


def brand_words(handle: str) -> list[str]:
    """The brand's name in a handle, lowercase, without support words: ``SpotifyCares`` →
    ``['spotify']``, ``British_Airways`` → ``['british airways']``, ``comcastcares`` → ``['comcast']``."""
    name = handle.lstrip("@＠")
    parts = [p.lower() for chunk in re.split(r"[_\W]+", name) for p in _CAMEL.findall(chunk)]
    core = [p for p in parts if p not in SUPPORT_WORDS and not p.isdigit()]
    out = []
    if core and len(parts) > 1:
        out.append(" ".join(core))
    if len(parts) == 1:  # one lowercase run: strip known support words from either end
        word = parts[0]
        changed = True
        while changed:
            changed = False
            for s in SUPPORT_WORDS:
                if word.endswith(s) and len(word) - len(s) >= 3:
                    word, changed = word[: -len(s)], True
                if word.startswith(s) and len(word) - len(s) >= 3:
                    word, changed = word[len(s):], True
        if word and not word.isdigit():
            out.append(word)
    return [w for w in out if len(w) >= 2]


def content_words(text: str) -> list[str]:
    """Words of two letters or more that are not stop words (what a topic can be about)."""
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if len(w) >= 2 and w not in _STOP]


class TextCleaner:
    """Remove handles, links, redaction placeholders, agents' sign-offs and the brand's own name.

    ``brands``: the centre's handles or brand names (``"@SpotifyCares"``, ``"Spotify"``);
    ``own_share``: a handle addressed by at least this share of the texts given to :meth:`fit` is
    taken as the centre's own (None: only ``brands``). ``min_words``: a cleaned text with fewer
    words, or with no word but stop words and greetings, is *short* (one word, an emoji,
    "thanks!"), for the outlier topic.
    """

    def __init__(self, *, brands: Iterable[str] = (), own_share: float | None = 0.005, min_words: int = 2) -> None:
        self.brands = tuple(brands)
        self.own_share = own_share
        self.min_words = min_words

    def fit(self, texts: Sequence[str]) -> "TextCleaner":
        names: set[str] = set()
        for b in self.brands:
            names.update(brand_words(b) if b.lstrip("@＠") == b.lstrip("@＠").replace(" ", "") else [b.lower()])
        self.own_handles_: list[str] = []
        if self.own_share is not None and texts:
            counts = Counter(h.lower() for t in texts for h in {m.group(0)[1:] for m in HANDLE.finditer(str(t or ""))})
            cut = max(2, self.own_share * len(texts))
            self.own_handles_ = sorted(h for h, n in counts.items() if n >= cut and not h.isdigit())
            for h in self.own_handles_:
                names.update(brand_words(h))
        self.brand_words_ = sorted(names, key=lambda w: (-len(w), w))
        self._brand_re = (re.compile(r"(?<!\w)(?:" + "|".join(
            r"[\s_-]?".join(re.escape(p) for p in w.split()) for w in self.brand_words_) + r")(?:'s|’s)?(?!\w)", re.I)
            if self.brand_words_ else None)
        return self

    def clean(self, text: str) -> str:
        """One text without handles, links, placeholders, sign-offs and brand words (spaces closed up)."""
        if not hasattr(self, "brand_words_"):
            self.fit([])
        raw = str(text or "")
        t = html.unescape(raw)
        t = URL.sub(" ", t)
        t = HANDLE.sub(" ", t)
        t = _PLACEHOLDER.sub(" ", t)
        t = _SIGN_OFF.sub(" ", t)
        t = t.replace("#", " ")
        if self._brand_re is not None:
            t = self._brand_re.sub(" ", t)
        return raw if t == raw else " ".join(t.split())  # untouched text stays byte for byte (its stored vector too)

    def transform(self, texts: Iterable[str]) -> list[str]:
        return [self.clean(t) for t in texts]

    def fit_transform(self, texts: Sequence[str]) -> list[str]:
        return self.fit(texts).transform(texts)

    def is_short(self, cleaned: str) -> bool:
        """Nothing to cluster once cleaned: fewer than ``min_words`` words (one word, an emoji),
        or only stop words and greetings ("thank you", "hi there")."""
        words = [m.group(0) for m in _WORD.finditer(cleaned)]
        return len(words) < self.min_words or not content_words(cleaned)
