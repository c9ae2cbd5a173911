"""Audio redaction: personal data found in the transcript is beeped out of the recording.

Each turn's text is searched by ``earful.nlp.redact`` (``Redactor.find`` gives character spans);
the words under a span are marked with its type, and the audio under those words (padded by
``pad_s`` each side, as word times are approximate) is replaced by a tone. A number read out
(eight digits or more, a short misheard word allowed between digit groups) counts as personal
data (``NUMBER``) even when no pattern validates it: a card read aloud and misheard by one digit
no longer passes the Luhn check, but is still a card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from earful.voice.audio import SAMPLE_RATE
from earful.voice.transcribe import Word

_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){7,}")


@lru_cache(maxsize=1)
def _redactor():
    from earful.nlp.redact import Redactor

    try:
        return Redactor(fast=False).fit()
    except (ImportError, OSError):  # the nlp extra or its language model is not installed
        return Redactor(fast=True).fit()


def join_words(words: Sequence[Word]) -> tuple[str, list[tuple[int, int]]]:
    """The turn's text and each word's character span in it."""
    parts, offsets, pos = [], [], 0
    for w in words:
        if parts:
            parts.append(" ")
            pos += 1
        parts.append(w.word)
        offsets.append((pos, pos + len(w.word)))
        pos += len(w.word)
    return "".join(parts), offsets


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Personal data in a transcript: the redactor's spans plus long spoken digit runs."""
    spans = [(s.start, s.end, s.type) for s in _redactor().find(text)]
    for m in _DIGIT_RUN.finditer(text):
        if not any(a < m.end() and m.start() < b for a, b, _ in spans):
            spans.append((m.start(), m.end(), "NUMBER"))
    return sorted(spans)


def _digit_windows(words: Sequence[Word], min_digits: int = 8, max_filler: int = 1) -> list[tuple[int, int]]:
    """Word ranges [i, j) that read out a long number: digit words, allowing ``max_filler`` short
    non-digit words between them (a misheard digit: "4539, run 488, 0343 6467"), with at least
    ``min_digits`` digits in all."""
    digits = [sum(c.isdigit() for c in w.word) for w in words]
    out, i = [], 0
    while i < len(words):
        if not digits[i]:
            i += 1
            continue
        j, gap, total, last = i, 0, 0, i
        while j < len(words):
            if digits[j]:
                total += digits[j]
                last, gap = j, 0
            elif len(words[j].word.strip(".,;:!?")) <= 5 and gap < max_filler:
                gap += 1
            else:
                break
            j += 1
        if total >= min_digits:
            out.append((i, last + 1))
        i = last + 1
    return out


def mark_words(words: Sequence[Word]) -> tuple[str, str, list[str | None]]:
    """(text, redacted text, the PII type of each word or None)."""
    text, offsets = join_words(words)
    spans = find_pii(text)
    for i, j in _digit_windows(words):
        a, b = offsets[i][0], offsets[j - 1][1]
        inside = [sp for sp in spans if sp[0] < b and a < sp[1]]
        if any(s <= a and b <= e for s, e, _ in inside):
            continue
        # the read-out number, joined with what the patterns found in it (their kind, when one was found)
        kind = max(inside, key=lambda sp: sp[1] - sp[0])[2] if inside else "NUMBER"
        a, b = min([a, *(sp[0] for sp in inside)]), max([b, *(sp[1] for sp in inside)])
        spans = [sp for sp in spans if sp not in inside] + [(a, b, kind)]
    spans.sort()
    types: list[str | None] = [None] * len(words)
    for i, (a, b) in enumerate(offsets):
        for s, e, kind in spans:
            if a < e and s < b:
                types[i] = kind
                break
    out, last = [], 0
    for s, e, kind in spans:
        out.append(text[last:s])
        out.append(f"[{kind}]")
        last = e
    out.append(text[last:])
    return text, "".join(out), types


def beep(samples: np.ndarray, stretches: Sequence[tuple[float, float]], *, pad_s: float = 0.12,
         tone_hz: float = 1000.0, level: float = 0.2) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A copy of ``samples`` with each stretch (padded, merged when close) replaced by a tone."""
    out = samples.copy()
    merged: list[list[float]] = []
    for a, b in sorted(stretches):
        a, b = max(0.0, a - pad_s), min(len(samples) / SAMPLE_RATE, b + pad_s)
        if merged and a <= merged[-1][1] + 0.3:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        i, j = int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)
        t = np.arange(j - i) / SAMPLE_RATE
        out[i:j] = (level * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
    return out, [(a, b) for a, b in merged]
