"""Spoken forms to written ones, with every character traceable to the original text.

Speech-to-text output says "four one one one", "double five", "oh seven seven", "plus four
four" and "john dot smith at gmail dot com"; a chat says "4111", "55", "077", "+44" and
"john.smith@gmail.com". :func:`normalise` rewrites the first into the second so that one set of
recognisers reads both, and keeps, for each character of the rewritten text, the span of the
original it came from (:meth:`Normalised.original_span`), so findings are reported in the
original text's offsets (a voice pipeline beeps the same spans in the audio).

Rules:
- number words become digits and a run of them is written without spaces: "oh seven seven
  zero zero nine double zero" -> "07700900"; "nineteen eighty four" -> "1984"; "twenty three"
  -> "23"; "four hundred and twelve" -> "412"; "two thousand and five" -> "2005";
- "double X" / "triple X" repeat the digit; "oh" and "o" are zero only next to another digit;
- "plus" before a spoken run is "+";
- an ordinal next to a month name or after a tens word is written "12th", "21st";
- a spoken e-mail address ("… at gmail dot com", "at sign", "underscore", "dash") is written
  without spaces with "@", ".", "_", "-".
Everything else is left as it is (case too).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

UNITS = {"zero": 0, "nought": 0, "nil": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
         "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
REPEAT = {"double": 2, "triple": 3, "treble": 3}
FILLERS = frozenset(("um", "uh", "erm", "er", "ehm"))
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
            "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
            "twentieth": 20, "thirtieth": 30}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
_MONTH_SET = frozenset(MONTHS)
_ZEROISH = frozenset(("oh", "o"))
_NUMBERISH = frozenset((*UNITS, *TEENS, *TENS, *REPEAT, "hundred", "thousand"))

_TRIGGER = re.compile(
    r"(?i)\b(?:zero|nought|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"fou?rty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|double|triple|treble|dot)\b")
_TOKEN = re.compile(r"[A-Za-z]+|\d+|\+")
# A run of number words / digit groups may be separated by spaces, commas, hyphens or full stops.
_RUN_GAP = re.compile(r"[\s,.\-]{1,3}")
_ORD_SUFFIX = {1: "st", 2: "nd", 3: "rd"}

# Spoken e-mail: "<local> at <domain> dot <tld>", separators spoken or written.
_SEP_WORDS = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "dash": "-", "hyphen": "-", "plus": "+"}
_TLD = r"(?:com|net|org|co|uk|io|me|edu|gov|ac|de|fr|es|it|nl|in|au|ca|ie|us|info|biz|email|mail|online)"
_SPOKEN_EMAIL = re.compile(
    r"(?i)(?<![\w@.+'])((?:[a-z0-9]+(?:'[a-z]+)?(?:[ ]+|[ ]*(?:\.|_|-|\+)[ ]*))*?[a-z0-9]+(?:'[a-z]+)?)"  # local part
    r"[ ]+(?:at|at[ ]+sign|at[ ]+symbol)[ ]+"
    r"([a-z0-9]+(?:[ ]*(?:\.|[ ]dot[ ]|[ ]point[ ]|-|[ ]dash[ ]|[ ]hyphen[ ])[ ]*[a-z0-9]+)*?"
    r"(?:[ ]*\.[ ]*|[ ]+dot[ ]+)" + _TLD + r"(?:(?:[ ]*\.[ ]*|[ ]+dot[ ]+)(?:uk|au|in|nz|za|fr|es|it|de|nl|ie))?)\b")
# "name at gmail.com": the "at" said, the domain written.
_AT_DOMAIN = re.compile(r"(?i)\sat\s+[a-z0-9-]+\s*\.\s*[a-z]{2,}")
_EMAIL_CUE = re.compile(r"(?i)\b(?:e-?mail|mail)(?:\s+address)?(?:\s+is|'s|:|\s+it's|\s+would\s+be)\s*$")


@dataclass
class Normalised:
    """The rewritten text and, per rewritten stretch, where it came from in the original."""

    original: str
    text: str
    # Sorted, non-overlapping rewrites: (start in text, end in text, start in original, end in original).
    _pieces: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self._pieces)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind ``text[start:end]`` (a rewritten stretch that is only
        partly inside counts whole)."""
        if not self._pieces:
            return start, end
        return self._map(start, False), self._map(end, True)

    def __post_init__(self) -> None:
        self._starts = [p[0] for p in self._pieces]

    def _map(self, pos: int, is_end: bool) -> int:
        if not is_end:  # a span starting where words were dropped ("double") starts with them
            k = bisect_left(self._starts, pos)
            if k < len(self._starts) and self._starts[k] == pos:
                return self._pieces[k][2]
        i = bisect_right(self._starts, pos - 1 if is_end else pos) - 1
        if i < 0:
            return pos
        ns, ne, os_, oe = self._pieces[i]
        if is_end:
            return oe if pos <= ne else pos - ne + oe
        return os_ if pos < ne else pos - ne + oe



def _run_pieces(text: str, toks: list[re.Match], i0: int, i1: int) -> list[tuple[int, int, str]]:
    """Rewrites (original start, original end, replacement) for the number-word run toks[i0:i1]."""
    out: list[tuple[int, int, str]] = []
    words = [t.group().lower() for t in toks[i0:i1]]
    n = len(words)
    # separators between tokens of the run: dropped between spoken tokens, one space next to digits
    for k in range(n):
        t = toks[i0 + k]
        w = words[k]
        nxt = words[k + 1] if k + 1 < n else None
        nxt2 = words[k + 2] if k + 2 < n else None
        if w.isdigit():
            rep = t.group()
        elif w == "+" or w == "plus":
            rep = "+"
        elif w in REPEAT:
            rep = ""
        elif w in UNITS:
            prev = words[k - 1] if k else None
            times = REPEAT.get(prev, 1) if prev else 1
            rep = str(UNITS[w]) * times
        elif w in TEENS:
            rep = str(TEENS[w])
        elif w in TENS:
            unit_next = (nxt in UNITS and UNITS[nxt] and nxt not in _ZEROISH) or (nxt in ORDINALS and ORDINALS[nxt] < 10)
            rep = str(TENS[w] // 10) if unit_next else str(TENS[w])
        elif w == "hundred":
            if nxt == "and":
                nxt, nxt2 = nxt2, None
            if nxt in TEENS or nxt in TENS:
                rep = ""
            elif nxt in UNITS and nxt not in _ZEROISH and (k + 1 < n and words[k + 1] == "and"):
                rep = "0"
            else:
                rep = "00"
        elif w == "thousand":
            if nxt == "and":
                nxt = nxt2
            if nxt in TEENS or nxt in TENS:
                rep = "0"
            elif nxt in UNITS and nxt not in _ZEROISH:
                rep = "00" if not (k + 2 < n and words[k + 2] == "hundred") else ""
            else:
                rep = "000"
        elif w == "and" or w in FILLERS:
            rep = ""
        else:  # ordinal after a tens word
            v = ORDINALS[w]
            rep = f"{v}{_ORD_SUFFIX.get(v if v < 4 else 0, 'th')}"
        if k:
            prev_t = toks[i0 + k - 1]
            gap_start = prev_t.end()
            digits_side = w.isdigit() or words[k - 1].isdigit()
            # a year said after a day ("april eight nineteen forty three") stays apart from it
            year_next = w in ("nineteen", "twenty") and nxt in TENS and k == 1 and words[0] in UNITS | TEENS
            out.append((gap_start, t.start(), " " if digits_side or year_next else ""))
        if rep != t.group():
            out.append((t.start(), t.end(), rep))
    return out


def _is_run_word(words: list[str], k: int) -> bool:
    w = words[k]
    if w in _NUMBERISH or w.isdigit():
        return True
    return False


def _digit_runs(text: str, toks: list[re.Match], skip: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    words = [t.group().lower() for t in toks]
    n = len(words)
    pieces: list[tuple[int, int, str]] = []
    k = 0
    while k < n:
        if not (_is_run_word(words, k) or words[k] in ("plus", "+")) or any(a <= toks[k].start() < b for a, b in skip):
            k += 1
            continue
        if words[k] == "o" and k and len(words[k - 1]) == 1 and words[k - 1].isalpha() \
                and text[toks[k - 1].end():toks[k].start()] == " ":
            k += 1  # a letter among spelled letters ("y o one six"), not a zero
            continue
        j = k
        spoken = 0
        while j < n:
            w = words[j]
            if j > k and _RUN_GAP.fullmatch(text[toks[j - 1].end():toks[j].start()]) is None:
                break
            if w in ("plus", "+"):
                if j != k:
                    break
            elif w == "and":
                if not (j > k and words[j - 1] in ("hundred", "thousand") and j + 1 < n and
                        (words[j + 1] in UNITS or words[j + 1] in TEENS or words[j + 1] in TENS)):
                    break
            elif w in FILLERS:  # "four five three two um zero one ...": the hesitation is dropped
                if not (j > k and j + 1 < n and _is_run_word(words, j + 1)):
                    break
                j += 1
                continue
            elif w in ORDINALS:
                if not (j > k and words[j - 1] in TENS):
                    break
                spoken += 1
                j += 1
                break
            elif not _is_run_word(words, j):
                break
            elif w in REPEAT and not (j + 1 < n and words[j + 1] in UNITS):
                break
            elif w in _ZEROISH:
                near = (j > k and words[j - 1] not in ("plus", "+")) or (j + 1 < n and (_is_run_word(words, j + 1)))
                if not near:
                    break
            if not w.isdigit() and w not in ("+",):
                spoken += 1
            j += 1
        # trim a trailing "plus"/"and"/"double" and a lone leading "oh"
        while j > k and (words[j - 1] in ("plus", "+", "and", "double", "triple", "treble") or words[j - 1] in FILLERS):
            j -= 1
        if j - k == 1 and words[k] in _ZEROISH | {"plus", "+"}:
            k += 1
            continue
        if spoken == 0 or j == k:
            k = max(j, k + 1)
            continue
        pieces.extend(_run_pieces(text, toks, k, j))
        k = j
    return pieces


def _ordinal_dates(toks: list[re.Match], words: list[str], taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """'the twelfth of march', 'march twelfth' -> '12th'."""
    out = []
    for k, w in enumerate(words):
        if w not in ORDINALS or any(a <= toks[k].start() < b for a, b in taken):
            continue
        near = words[max(0, k - 2):k] + words[k + 1:k + 3]
        if any(x in _MONTH_SET for x in near):
            v = ORDINALS[w]
            out.append((toks[k].start(), toks[k].end(), f"{v}{_ORD_SUFFIX.get(v % 10 if v not in (11, 12, 13) else 0, 'th')}"))
    return out


def _spoken_emails(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _SPOKEN_EMAIL.finditer(text):
        whole = m.group()
        if "@" in whole:
            continue
        spoken_sep = re.search(r"(?i)\b(?:dot|at|underscore|dash|hyphen)\b", whole[m.start(2) - m.start():])
        if not spoken_sep and " at " not in whole.lower():
            continue
        local_start = _local_part_start(text, m.start(1), m.end(1))
        pieces = []
        for tok in re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[._+-]|@", text[local_start:m.end()]):
            a, b = local_start + tok.start(), local_start + tok.end()
            w = tok.group().lower()
            if a >= m.end(1) and w == "at" and not any(p[2] == "@" for p in pieces):
                pieces.append((a, b, "@"))
            elif w in ("sign", "symbol") and pieces and pieces[-1][2] == "@":
                pieces[-1] = (pieces[-1][0], b, "@")
            elif w in _SEP_WORDS and a > local_start:
                pieces.append((a, b, _SEP_WORDS[w]))
            elif w in UNITS and w not in _ZEROISH or w in ("zero",):
                pieces.append((a, b, str(UNITS[w])))
            elif w in _ZEROISH and pieces and pieces[-1][2].isdigit():
                pieces.append((a, b, "0"))
            elif w in REPEAT:
                pieces.append((a, b, ""))
            elif w in TEENS:
                pieces.append((a, b, str(TEENS[w])))
            elif w in TENS:
                rest = text[b:m.end()].split(None, 1)
                unit = bool(rest) and UNITS.get(rest[0].lower(), 0) > 0
                pieces.append((a, b, str(TENS[w] // 10) if unit else str(TENS[w])))
            else:
                pieces.append((a, b, tok.group()))
        # repeat words apply to the next digit
        fixed: list[tuple[int, int, str]] = []
        for i, p in enumerate(pieces):
            if p[2] == "" and i + 1 < len(pieces) and pieces[i + 1][2].isdigit():
                times = REPEAT[text[p[0]:p[1]].lower()]
                nxt = pieces[i + 1]
                pieces[i + 1] = (nxt[0], nxt[1], nxt[2] * times)
            fixed.append(p)
        # the e-mail becomes one stretch written without spaces
        out.append((local_start, m.end(), "".join(p[2] for p in fixed)))
    return out


def _local_part_start(text: str, start: int, end: int) -> int:
    """Shorten the local part to what belongs to the address: joined by spoken or written
    separators, or spoken digits; after an e-mail cue, everything after the cue (at most 4 words)."""
    words = list(re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text[start:end]))
    if not words:
        return start
    keep = len(words) - 1
    while keep > 0:
        prev, cur = words[keep - 1], words[keep]
        gap = text[start + prev.end():start + cur.start()]
        pw = prev.group().lower()
        if pw in _SEP_WORDS or any(c in gap for c in "._-+") or cur.group().lower() in _SEP_WORDS:
            keep -= 1
        elif (pw in UNITS or pw in TEENS or pw in TENS or pw.isdigit() or pw in REPEAT) and pw not in _ZEROISH:
            keep -= 1
        else:
            break
    # digits said after a handle belong to it ("smith eighty four"), and so do initials before it
    if keep > 0 and words[keep].group().lower() in _NUMBERISH:
        keep -= 1
    def initial(k: int) -> bool:
        w = words[k].group()
        if len(w) != 1 or text[start + words[k].start() - 1:start + words[k].start()] == "'":
            return False
        return w.lower() not in ("a", "i") or (k > 0 and len(words[k - 1].group()) == 1) \
            or (k + 1 < len(words) and len(words[k + 1].group()) == 1)

    while keep > 0:
        prev, cur = words[keep - 1], words[keep]
        gap = text[start + prev.end():start + cur.start()]
        if initial(keep - 1) or prev.group().lower() in _SEP_WORDS or cur.group().lower() in _SEP_WORDS \
                or any(c in gap for c in "._-+"):
            keep -= 1
        else:
            break
    # after "my email is", the words up to the address are part of it
    cue_from = max(0, start - 40)
    for j in range(max(0, keep - 4), keep):
        if words[j].group().lower() not in ("is", "address", "its", "it", "s", "me", "at", "to", "on") and \
                _EMAIL_CUE.search(text[cue_from:start + words[j].start()]):
            return start + words[j].start()
    return start + words[keep].start()


_PHONETIC = re.compile(r"(?i)\b([a-z]) (?:for|as in) ([a-z]+(?:-[a-z]+)?)\b")
# Letters said one by one, with or without digits among them: "p l three five", "s m i t h".
_SPELLED = re.compile(r"(?i)(?<![\w'])(?:(?:[a-z]|\d+)(?: |-)){2,}(?:[a-z]|\d+)(?![\w'])")


_TWO_LETTERS = re.compile(r"(?i)(?<![\w'])[a-z][ -][a-z](?![\w'])")


def _phonetic(text: str) -> list[tuple[int, int, str]]:
    """"m for mike" -> "m" (the letter, when the word starts with it)."""
    return [(m.start(), m.end(), m.group(1)) for m in _PHONETIC.finditer(text)
            if m.group(2)[0].lower() == m.group(1).lower()]


def _spelled(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Runs of three or more single letters or digits ("s a t o", "c b 1 2 7 e q") written together."""
    out = []
    for m in _SPELLED.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        parts = re.split(r"[ -]", m.group())
        letters = sum(p.isalpha() for p in parts)
        if letters < 2 or (letters == len(parts) and letters < 3):
            continue
        chars = "".join(parts)
        out.append((m.start(), m.end(), chars))
    return out


def normalise(text: str) -> Normalised:
    """``text`` with spoken digits, e-mails and ordinals written out (see the module doc)."""
    if not text:
        return Normalised(text, text)
    spelled = _TWO_LETTERS.search(text) is not None
    phon = " for " in text or " as in " in text
    if not spelled and not phon and not _TRIGGER.search(text) and not _AT_DOMAIN.search(text):
        return Normalised(text, text)
    pieces = _spoken_emails(text) if re.search(r"(?i)\bdot\b|\bat\b", text) else []
    taken = [(a, b) for a, b, _ in pieces]
    if phon:
        pieces += [p for p in _phonetic(text) if not any(a < p[1] and p[0] < b for a, b in taken)]
    if pieces and phon:  # letters said with a word ("m for mike") then read as spelled letters
        return _respell(text, pieces)
    toks = list(_TOKEN.finditer(text))
    words = [t.group().lower() for t in toks]
    pieces += _digit_runs(text, toks, taken)
    taken = [(a, b) for a, b, _ in pieces]
    pieces += _ordinal_dates(toks, words, taken)
    if spelled:
        first = _assemble(text, pieces)
        more = _spelled(first.text, [])
        if more:
            second = _assemble(first.text, more)
            return _compose(text, first, second)
        return first
    return _assemble(text, pieces)


def _respell(text: str, pieces: list[tuple[int, int, str]]) -> Normalised:
    first = _assemble(text, pieces)
    second = normalise(first.text)
    return _compose(text, first, second) if second.changed else first


def _compose(original: str, first: Normalised, second: Normalised) -> Normalised:
    """Two rewrites one after the other, mapped straight to the original."""
    mapped = []
    for ns, ne, os_, oe in second._pieces:
        a, b = first.original_span(os_, oe) if oe > os_ else (first.original_span(os_, os_ + 1)[0],) * 2
        mapped.append((ns, ne, a, b))
    # stretches the second rewrite left alone keep the first one's mapping
    pos_pieces = []
    for ns, ne, os_, oe in first._pieces:
        # where does the first piece land in the second text?
        inside = any((p[2] < ne and ns < p[3]) or (ns == ne and p[2] <= ns < p[3]) for p in second._pieces)
        if not inside:
            pos_pieces.append((_shift(second._pieces, ns), _shift(second._pieces, ne), os_, oe))
    allp = sorted(mapped + pos_pieces)
    return Normalised(original, second.text, allp)


def _shift(pieces: list[tuple[int, int, int, int]], pos: int) -> int:
    """Position in the rewritten text of position ``pos`` of the text it was rewritten from."""
    delta = 0
    for ns, ne, os_, oe in pieces:
        if oe <= pos:
            delta = ne - oe
    return pos + delta


def _assemble(text: str, pieces: list[tuple[int, int, str]]) -> Normalised:
    if not pieces:
        return Normalised(text, text)
    pieces.sort()
    out, mapped, last, pos = [], [], 0, 0
    for a, b, rep in pieces:
        if a < last:  # overlapping rewrite: keep the first
            continue
        out.append(text[last:a])
        pos += a - last
        out.append(rep)
        mapped.append((pos, pos + len(rep), a, b))
        pos += len(rep)
        last = b
    out.append(text[last:])
    return Normalised(text, "".join(out), mapped)
