"""Build the independent redaction evaluation set: ``dev.jsonl`` and ``test.jsonl``.

Run from the repository root (needs ``../shared/data`` or ``$EARFUL_SHARED_DATA`` for the carrier
sentences)::

    python tests/data/pii_eval/build.py            # writes both splits
    python tests/data/pii_eval/build.py --check    # rebuilds in memory, compares with the files

Each split has its own hand-written frames, carrier sentences and pools of names, streets, towns,
brands, passwords and so on (``frames/dev.py``, ``frames/test.py``); this file holds only what
renders a value in the many ways people write and say it (the surface forms) and assembles a
record from pieces, so every span's offsets are known by construction and checked afterwards.

Frame mini-language (in the frames files):

- ``{slot}`` or ``{slot:arg:arg}``: a value from a renderer below, e.g. ``{name}``, ``{first}``,
  ``{phone:fr}``, ``{card:spoken}``, ``{-order}`` (a leading ``-`` marks a hard negative). An
  argument is a country, a form or a sub-type the renderer knows.
- ``[[KIND/form:text]]``: a hand-written item at this place (``[[-KIND/form:text]]``: a hand-written
  hard negative), e.g. ``[[-ORDINARY_WORD/will:will]]``.
- ``{um}``: a filler ("um ", "uh ", "erm ", or nothing) in call transcripts.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import evalset  # noqa: E402

REPO = HERE.parents[2]
SHARED = Path(os.environ.get("EARFUL_SHARED_DATA", REPO.parent / "shared" / "data"))

# --------------------------------------------------------------------------------------------
# Numbers in words
# --------------------------------------------------------------------------------------------
ONES = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD_ONES = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
ORD_TEENS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
             "seventeenth", "eighteenth", "nineteenth"]
PHONETIC = {c: w for c, w in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey x-ray yankee zulu").split())}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def words(n: int) -> str:
    """0..9999 in words, British style ("one hundred and twelve")."""
    if n < 10:
        return ONES[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + words(rest))
    rest = n % 1000
    return words(n // 1000) + " thousand" + ("" if rest == 0 else (" and " if rest < 100 else " ") + words(rest))


def ordinal(n: int) -> str:
    """1..31 as an ordinal word ("twenty first")."""
    if n < 10:
        return ORD_ONES[n]
    if n < 20:
        return ORD_TEENS[n - 10]
    if n % 10 == 0:
        return TENS[n // 10][:-1] + "ieth"
    return TENS[n // 10] + " " + ORD_ONES[n % 10]


def ordinal_suffix(n: int) -> str:
    """1 -> "1st", 22 -> "22nd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def year_words(y: int, rng: random.Random) -> str:
    """A year as people say it: "nineteen eighty five", "two thousand and three", "twenty twelve"."""
    if y < 2000:
        hi, lo = divmod(y, 100)
        return words(hi) + " " + ("hundred" if lo == 0 else ("oh " + ONES[lo] if lo < 10 else words(lo)))
    if y < 2010:
        return "two thousand" + rng.choice([" and ", " "]) + ONES[y - 2000] if y > 2000 else "two thousand"
    return rng.choice(["twenty " + words(y - 2000), "two thousand and " + words(y - 2000)])


def say_digits(ds: str, rng: random.Random, doubles: bool = True, zero: str | None = None) -> tuple[str, bool]:
    """Digits read out one by one, groups kept apart by spaces: "07700 900" -> "oh seven seven oh
    oh nine oh oh" (or "oh double seven double oh nine double oh"). Returns (words, used double)."""
    zero = zero or rng.choice(["oh", "oh", "zero"])
    names = [zero] + ONES[1:]
    out: list[str] = []
    used = False
    for group in ds.split():
        i = 0
        while i < len(group):
            d = int(group[i])
            run = 1
            while i + run < len(group) and group[i + run] == group[i]:
                run += 1
            if doubles and run >= 3 and run != 4:
                out.append("triple " + names[d])
                i += 3
                used = True
            elif doubles and run >= 2:
                out.append("double " + names[d])
                i += 2
                used = True
            else:
                out.append(names[d])
                i += 1
    return " ".join(out), used


def say_chars(s: str, rng: random.Random, zero: str | None = None) -> str:
    """Letters spelled and digits read out: "LS6 2AB" -> "l s six two a b"."""
    zero = zero or rng.choice(["oh", "zero"])
    out = []
    for ch in s:
        if ch.isdigit():
            out.append(zero if ch == "0" else ONES[int(ch)])
        elif ch.isalpha():
            out.append(ch.lower())
    return " ".join(out)


def say_mixed(groups: list[str], rng: random.Random) -> str:
    """Groups said the way people mix them: some digit by digit, some as numbers ("nine hundred",
    "forty two"), some left as digits the recogniser of speech wrote down."""
    out = []
    for i, g in enumerate(groups):
        choice = rng.random()
        # (a pair ending in 0 is said as digits: "twenty" then "seven" would be heard as 27)
        if len(g) == 2 and g[0] != "0" and g[1] != "0" and choice < 0.5:
            out.append(words(int(g)))
        elif len(g) == 3 and g.endswith("00") and g[0] != "0":
            out.append(ONES[int(g[0])] + " hundred")
        elif len(g) == 4 and g[0] != "0" and g[2] != "0" and g[3] != "0" and choice < 0.4:
            out.append(words(int(g[:2])) + " " + words(int(g[2:])))
        elif choice < 0.7 and i:
            out.append(g)
        else:
            out.append(say_digits(g, rng, doubles=rng.random() < 0.5)[0])
    return " ".join(out)


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A Luhn-valid number of ``length`` digits starting with ``prefix``."""
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        if evalset.luhn_ok(body + check):
            return body + check
    raise AssertionError("unreachable")


def not_luhn(digits: str) -> str:
    """The same digits, last one changed if needed so the number fails Luhn (for negatives)."""
    if evalset.luhn_ok(digits):
        digits = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    return digits


def iban_with_check(country: str, bban: str) -> str:
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - num % 97:02d}{bban}"


def verhoeff_check(num: str) -> str:
    d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
         [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
         [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
         [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
    p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
         [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
         [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
    inv = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]
    c = 0
    for i, ch in enumerate(reversed(num)):
        c = d[c][p[(i + 1) % 8][int(ch)]]
    return str(inv[c])


def rdigits(rng: random.Random, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def group(s: str, sizes: list[int], sep: str = " ") -> str:
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(x for x in out if x)


# --------------------------------------------------------------------------------------------
# Pieces and records
# --------------------------------------------------------------------------------------------
@dataclass
class Piece:
    """A rendered slot: its text, and for an item or negative its kind, form and tags."""
    text: str
    kind: str | None = None
    form: str | None = None
    tags: tuple[str, ...] = ()
    negative: bool = False
    group: int | None = None



@dataclass
class Person:
    first: str
    last: str
    gender: str
    country: str
    tags: tuple[str, ...] = ()
    dob: tuple[int, int, int] = (1980, 1, 1)


SPOKEN = ("transcript",)
_SLOT = re.compile(r"\{(-?[a-z_0-9]+)((?::[a-z0-9_-]+)*)\}|\[\[(-?)([A-Z_0-9]+)/([a-z0-9-]+):(.*?)\]\]")


@dataclass
class Context:
    """What one record's slots share: the split's pools, the style, the people in it."""
    pools: object
    rng: random.Random
    cycles: dict
    style: str
    people: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)

    @property
    def spoken(self) -> bool:
        return self.style in SPOKEN

    def cycle(self, key, options):
        """Options taken in turn per key, so every form appears in proportion (not at random)."""
        i = self.cycles.get(key, 0)
        self.cycles[key] = i + 1
        return options[i % len(options)]

    def person(self, which: str = "", gender: str | None = None) -> Person:
        """The record's person ``which`` ("" the writer or caller, "2" someone else), drawn on
        first use; ``gender`` ("m" or "f") where the frame says "husband", "mum", ..."""
        if which not in self.people:
            taken = {(p.first, p.last) for p in self.people.values()}
            while True:
                p = self.pools.person(self.rng, self.cycles)
                if (p.first, p.last) not in taken and gender in (None, p.gender):
                    break
            self.people[which] = p
        return self.people[which]

    def person_of(self, args) -> Person:
        """The person a slot names: ``p2`` for the second one, ``m``/``f`` to fix the gender."""
        return self.person("2" if "p2" in args else "", "m" if "m" in args else "f" if "f" in args else None)


def render_frame(frame: str, ctx: Context, renderers: dict) -> tuple[str, list[dict], list[dict]]:
    """Assemble a record's text from a frame; returns (text, items, negatives) with exact offsets.

    A renderer returns a piece, a (lead text, piece) pair, or a list of pieces (plain text where a
    piece has no kind). A slot with the argument ``head`` renders its value and keeps only the
    first part of it; the next slot of the same name with ``tail`` gives the rest (a number read
    out over two turns); both pieces carry the same ``group``. ``correct`` renders the value after
    a wrong start the speaker takes back (see ``_with_correction``); ``again`` repeats the slot's
    last value (an agent reading it back)."""
    text = ""
    items: list[dict] = []
    negatives: list[dict] = []
    pos = 0
    for m in _SLOT.finditer(frame):
        text += frame[pos:m.start()]
        pos = m.end()
        if m.group(1):
            slot = m.group(1)
            args = [a for a in m.group(2).split(":") if a]
            if slot == "um":
                text += ctx.rng.choice(["um ", "uh ", "erm ", "", "", "um "]) if ctx.spoken else ""
                continue
            name = slot.lstrip("-")
            if name not in renderers:
                raise KeyError(f"unknown slot {slot!r} in frame {frame!r}")
            pieces = _render_slot(ctx, renderers[name], name, args)
            if slot.startswith("-"):
                for piece in pieces:
                    piece.negative = piece.kind is not None
        else:
            neg, kind, form, surface = m.group(3) == "-", m.group(4), m.group(5), m.group(6)
            pieces = [Piece(surface, kind, form, (), neg)]
        for piece in pieces:
            if piece.kind is None:
                text += piece.text
                continue
            start = len(text)
            text += piece.text
            span = {"start": start, "end": len(text), "kind": piece.kind, "form": piece.form}
            if piece.tags:
                span["tags"] = list(dict.fromkeys(piece.tags))
            if piece.group is not None:
                span["group"] = piece.group
            (negatives if piece.negative else items).append(span)
    text += frame[pos:]
    return text, items, negatives


def _render_slot(ctx: Context, renderer, name: str, args: list[str]) -> list[Piece]:
    """The pieces one slot renders to (see ``render_frame``)."""
    if "tail" in args:
        return [ctx.memo.pop(("tail", name))]
    if "again" in args:
        last = ctx.memo[("last", name)]
        return [Piece(last.text, last.kind, last.form, last.tags + ("read-back",))]
    plain = [a for a in args if a not in ("head", "correct")]
    out = renderer(ctx, plain)
    pieces = list(out) if isinstance(out, (tuple, list)) else [out]
    if "correct" in args:
        pieces = pieces[:-1] + _with_correction(ctx, pieces[-1])
    if "head" in args:
        head, tail = _split_piece(pieces[-1])
        head.group = tail.group = ctx.memo["groups"] = ctx.memo.get("groups", 0) + 1
        ctx.memo[("tail", name)] = tail
        pieces[-1] = head
        ctx.memo[("last", name)] = Piece(head.text + " " + tail.text, head.kind, head.form, head.tags)
    else:
        ctx.memo[("last", name)] = pieces[-1]
    return pieces


def _decoded(kind: str, surface: str) -> str:
    """What a surface stands for, to check a split keeps it whole: digits, or for IBANs and
    customer numbers letters and digits."""
    if kind in ("IBAN", "CUSTOMER_NUMBER"):
        return evalset.letters_and_digits_of(surface)
    return evalset.digits_of(surface)


def _split_piece(piece: Piece) -> tuple[Piece, Piece]:
    """A value cut in two near its middle, at a space, dash or dot (dropped) where both halves
    still read as the two halves of the value (never inside "double five" or "forty two"), else
    in the middle of a number written without separators."""
    t, whole = piece.text, _decoded(piece.kind, piece.text)
    cuts = [i for i, ch in enumerate(t) if ch in " -."
            and _decoded(piece.kind, t[:i]) + _decoded(piece.kind, t[i + 1:]) == whole
            and not t[:i].endswith(("double", "triple"))]
    if " " in t:
        cuts = [i for i in cuts if t[i] == " "]
    if cuts:
        cut = min(cuts, key=lambda i: abs(i - len(t) / 2))
        head, tail = t[:cut], t[cut + 1:]
    elif len(t) >= 8:
        head, tail = t[:len(t) // 2], t[len(t) // 2:]
    else:
        raise ValueError(f"cannot split {t!r}")
    tags = piece.tags + ("split",)
    return Piece(head, piece.kind, piece.form, tags), Piece(tail, piece.kind, piece.form, tags)


_DIGIT_WORDS = ("oh", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _with_correction(ctx: Context, piece: Piece) -> list[Piece]:
    """A value given after a wrong start: said aloud, the first few digits with the last of them
    wrong, a phrase taking it back, then the whole value ("four one no sorry four two ..."); typed,
    the whole value with one digit wrong, a correction, then the value again. The wrong start is
    personal data too: an item of the same kind, form ``false-start`` or ``mistyped``."""
    rng, tags = ctx.rng, piece.tags + ("self-correction",)
    if ctx.spoken:
        toks = piece.text.split()
        ends = [i for i in range(1, min(len(toks), 7)) if toks[i] in _DIGIT_WORDS]
        if ends:
            end = rng.choice(ends)
            wrong = rng.choice([w for w in ONES if w != toks[end] and not (toks[end] in ("oh", "zero") and w == "zero")])
        elif toks[0].isdigit():         # digits as speech-to-text wrote them: the last digit of a group is wrong
            end = rng.randrange(min(2, len(toks)))
            wrong = toks[end][:-1] + rng.choice([d for d in "0123456789" if d != toks[end][-1]])
        else:
            raise ValueError(f"no wrong start for {piece.text!r}")
        false = " ".join(toks[:end] + [wrong])
        phrase = ctx.cycle("correction-spoken", ctx.pools.CORRECTIONS_SPOKEN)
        return [Piece(false, piece.kind, "false-start", tags), Piece(f" {phrase} "), Piece(piece.text, piece.kind, piece.form, tags)]
    digits = [i for i, ch in enumerate(piece.text) if ch.isdigit()]
    i = rng.choice(digits[len(digits) // 3:])
    wrong = piece.text[:i] + rng.choice([d for d in "0123456789" if d != piece.text[i]]) + piece.text[i + 1:]
    phrase = ctx.cycle("correction-written", ctx.pools.CORRECTIONS_WRITTEN)
    return [Piece(wrong, piece.kind, "mistyped", tags), Piece(phrase), Piece(piece.text, piece.kind, piece.form, tags)]


# --------------------------------------------------------------------------------------------
# Renderers: one value, many surface forms
# --------------------------------------------------------------------------------------------
def _case(ctx: Context, s: str, key: str) -> tuple[str, str]:
    """The case a name or address is typed in, by style: transcripts are lower case; chat and SMS
    are mostly lower case; e-mails mostly capitalised."""
    if ctx.spoken:
        return strip_accents(s).lower(), "lowercase"
    options = {"chat": ["lowercase", "capitalised", "lowercase", "capitalised", "uppercase", "lowercase"],
               "sms": ["lowercase", "lowercase", "capitalised", "uppercase", "lowercase"],
               "social": ["capitalised", "lowercase", "capitalised", "lowercase", "uppercase"],
               "email": ["capitalised", "capitalised", "lowercase", "capitalised", "uppercase", "capitalised"]}
    form = ctx.memo.get(("case", key)) or ctx.cycle((key, ctx.style), options[ctx.style])
    ctx.memo[("case", key)] = form       # one person types one way within a message
    if form == "lowercase":
        return s.lower(), form
    if form == "uppercase":
        return s.upper(), form
    return s, form


def _name_tags(ctx: Context, *parts: str) -> tuple[str, ...]:
    tags = []
    for p in parts:
        if p.lower() in ctx.pools.WORD_NAMES:
            tags.append("word-name")
        if p in ctx.pools.NON_ENGLISH:
            tags.append("non-english")
        if "-" in p:
            tags.append("hyphenated")
        if "'" in p:
            tags.append("apostrophe")
    return tuple(tags)


def r_name(ctx: Context, args) -> Piece:
    """A full name (``{name}``, ``{name2}`` is a second person; ``:title`` adds Mr/Mrs before the
    surname, outside the span; ``:initial`` gives "J. Smith")."""
    who = "2" if "p2" in args else ""
    if "rev" in args:
        return _name_surname_first(ctx, who)
    p = ctx.person_of(args)
    if "titlefull" in args:
        title = ctx.cycle(("title", p.gender), {"m": ["Mr", "mr", "Mr."], "f": ["Mrs", "Miss", "mrs", "Ms"]}[p.gender])
        full, form = _case(ctx, f"{p.first} {p.last}", "NAME")
        title = title.lower() if ctx.spoken or form == "lowercase" else title.upper() if form == "uppercase" else title
        return Piece(title + " ", None), Piece(full, "NAME", form, ("title", "full") + _name_tags(ctx, p.first, p.last)
                                                + (("third-party",) if who else ()))
    if "title" in args:
        titles = {"m": ["Mr", "Mr.", "mr", "Dr", "Mr"], "f": ["Mrs", "Ms", "Miss", "Mrs.", "Dr", "ms"]}[p.gender]
        title = ctx.cycle(("title", p.gender), titles)
        surname, form = _case(ctx, p.last, "NAME")
        title = title.lower() if ctx.spoken or form == "lowercase" else title.upper() if form == "uppercase" else title
        return Piece(title + " ", None), Piece(surname, "NAME", form, ("title", "surname-only") + _name_tags(ctx, p.last))
    if "initial" in args and not ctx.spoken:
        full, form = _case(ctx, f"{p.first[0]}. {p.last}", "NAME")
        return Piece(full, "NAME", form, ("initial",) + _name_tags(ctx, p.last))
    full, form = _case(ctx, f"{p.first} {p.last}", "NAME")
    return Piece(full, "NAME", form, ("full",) + _name_tags(ctx, p.first, p.last) + ((("third-party",) if who else ())))


def r_first(ctx: Context, args) -> Piece:
    p = ctx.person_of(args)
    s, form = _case(ctx, p.first, "NAME")
    return Piece(s, "NAME", form, ("first-only",) + _name_tags(ctx, p.first) + (("third-party",) if "p2" in args else ()))


def r_last(ctx: Context, args) -> Piece:
    p = ctx.person_of(args)
    s, form = _case(ctx, p.last, "NAME")
    return Piece(s, "NAME", form, ("surname-only",) + _name_tags(ctx, p.last))


def r_spell(ctx: Context, args) -> Piece:
    """The surname (or ``:first`` name) spelled out letter by letter."""
    p = ctx.person("")
    word = strip_accents(p.first if "first" in args else p.last)
    letters = [c for c in word if c.isalpha()]
    if "phonetic" in args:
        return _spell_phonetic(ctx, letters, "first-only" if "first" in args else "surname-only")
    if ctx.spoken and "doubles" in args:
        return _spell_with_doubles(ctx, letters, "first-only" if "first" in args else "surname-only")
    if ctx.spoken:
        text = " ".join(c.lower() for c in letters)
    else:
        sep = ctx.cycle(("spell", ctx.style), ["-", " ", "-", ". "])
        text = sep.join(c.upper() for c in letters)
    return Piece(text, "NAME", "spelled", ("first-only" if "first" in args else "surname-only",))


def r_agent(ctx: Context, args) -> Piece:
    if "agent" not in ctx.memo:
        ctx.memo["agent"] = ctx.cycle("agent", ctx.pools.AGENTS)
    s, form = _case(ctx, ctx.memo["agent"], "NAME")
    return Piece(s, "NAME", form, ("first-only", "agent") + _name_tags(ctx, ctx.memo["agent"]))


# ---- phones ------------------------------------------------------------------------------
def _phone_number(ctx: Context, country: str) -> dict:
    """A phone number: its country code, national digits (with trunk 0 where the country has one)
    and the groups it is usually written in."""
    rng = ctx.rng
    if country == "uk":
        kind = ctx.cycle("uk-phone", ["mobile", "london", "geo", "mobile", "geo6"])
        if kind == "mobile":
            nat = "07" + rng.choice("3456789") + rdigits(rng, 8)
            groups = [nat[:5], nat[5:]] if rng.random() < 0.6 else [nat[:5], nat[5:8], nat[8:]]
        elif kind == "london":
            nat = "020" + rng.choice("378") + rdigits(rng, 7)
            groups = [nat[:3], nat[3:7], nat[7:]]
        elif kind == "geo":
            nat = "01" + rng.choice(["13", "61", "17", "31", "21", "14", "15"]) + rdigits(rng, 7, "2345678")
            groups = [nat[:4], nat[4:7], nat[7:]]
        else:
            nat = "01" + rng.choice(["603", "224", "392", "865", "752"]) + rdigits(rng, 6, "2345678")
            groups = [nat[:5], nat[5:]]
        return {"cc": "44", "trunk": True, "nat": nat, "groups": groups}
    if country in ("us", "ca"):
        area = rng.choice(ctx.pools.NANP_AREAS[country])
        nat = area + rdigits(rng, 3, "23456789") + rdigits(rng, 4)
        return {"cc": "1", "trunk": False, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]]}
    if country == "fr":
        nat = "0" + rng.choice("1234567") + rdigits(rng, 8)
        return {"cc": "33", "trunk": True, "nat": nat, "groups": [nat[i:i + 2] for i in range(0, 10, 2)]}
    if country == "de":
        if rng.random() < 0.5:
            nat = "01" + rng.choice(["51", "52", "57", "60", "62", "70", "71", "73", "76"]) + rdigits(rng, rng.choice([7, 8]))
            groups = [nat[:4], nat[4:]]
        else:
            area = rng.choice(["030", "089", "040", "0221", "069", "0711"])
            nat = area + rdigits(rng, rng.choice([7, 8]) if len(area) == 3 else 7, "2345678")
            groups = [area, nat[len(area):]]
        return {"cc": "49", "trunk": True, "nat": nat, "groups": groups}
    if country == "es":
        if rng.random() < 0.6:
            nat = rng.choice("67") + rdigits(rng, 8)
            groups = [nat[:3], nat[3:6], nat[6:]]
        else:
            nat = rng.choice(["91", "93", "96", "95"]) + rdigits(rng, 7)
            groups = [nat[:2], nat[2:5], nat[5:7], nat[7:]]
        return {"cc": "34", "trunk": False, "nat": nat, "groups": groups}
    if country == "it":
        if rng.random() < 0.6:
            nat = "3" + rng.choice(["20", "28", "33", "35", "38", "40", "45", "47", "49", "66", "88", "93"]) + rdigits(rng, 7)
            groups = [nat[:3], nat[3:6], nat[6:]]
        else:
            area = rng.choice(["06", "02", "011", "055", "081"])
            nat = area + rdigits(rng, 8 if len(area) == 2 else 7, "2345678")
            groups = [area, nat[len(area):len(area) + 4], nat[len(area) + 4:]]
        return {"cc": "39", "trunk": False, "nat": nat, "groups": groups}
    if country == "nl":
        if rng.random() < 0.6:
            nat = "06" + rdigits(rng, 8, "123456789")
            groups = [nat[:2], nat[2:]]
        else:
            area = rng.choice(["020", "010", "030", "070", "040"])
            nat = area + rdigits(rng, 7, "2345678")
            groups = [area, nat[3:6], nat[6:]]
        return {"cc": "31", "trunk": True, "nat": nat, "groups": groups}
    if country == "in":
        if rng.random() < 0.7:
            nat = rng.choice("6789") + rdigits(rng, 9)
            groups = [nat[:5], nat[5:]]
            return {"cc": "91", "trunk": True, "nat": "0" + nat, "groups": ["0" + groups[0], groups[1]], "mobile": True}
        area = rng.choice(["011", "022", "080", "044", "033"])
        nat = area + rdigits(rng, 8, "2345679")
        return {"cc": "91", "trunk": True, "nat": nat, "groups": [area, nat[3:7], nat[7:]]}
    if country == "au":
        if rng.random() < 0.6:
            nat = "04" + rdigits(rng, 8)
            groups = [nat[:4], nat[4:7], nat[7:]]
        else:
            area = rng.choice(["02", "03", "07", "08"])
            nat = area + rdigits(rng, 8, "3456789")
            groups = [area, nat[2:6], nat[6:]]
        return {"cc": "61", "trunk": True, "nat": nat, "groups": groups}
    return _phone_number_more(ctx, country)


PHONE_COUNTRIES = ("uk", "us", "ca", "fr", "de", "es", "it", "nl", "in", "au",
                   "ie", "be", "ch", "at", "pt", "pl", "se", "nz", "za", "sg", "br", "mx", "ng", "ph")


def _phone_forms(country: str, ph: dict) -> list[str]:
    forms = ["national", "e164", "intl-spaced", "intl-00"]
    if ph["trunk"]:
        forms.append("with-trunk-0")
    forms += {"us": ["dashed", "dotted", "parens", "intl-dashed"], "ca": ["dashed", "parens"],
              "fr": ["dotted", "compact"], "de": ["slash", "dashed"], "nl": ["dashed"],
              "in": ["compact", "intl-dashed"], "au": ["parens"] if len(ph["groups"][0]) == 2 else ["compact"],
              "uk": ["compact"],
              "es": ["compact"], "it": ["compact"], **_PHONE_FORMS_MORE}[country]
    return forms


def r_phone(ctx: Context, args) -> Piece:
    rng = ctx.rng
    country = next((a for a in args if a in PHONE_COUNTRIES), None) or ctx.cycle(
        ("phone-country", ctx.style), ctx.pools.PHONE_COUNTRIES)
    ph = _phone_number(ctx, country)
    nat, cc, groups = ph["nat"], ph["cc"], ph["groups"]
    intl_nat = nat[1:] if ph["trunk"] else nat          # the number after the country code
    intl_groups = [g for g in ([groups[0][1:]] + groups[1:] if ph["trunk"] else groups) if g]
    if ctx.spoken:
        forced = next((a for a in args if a.startswith("spoken") or a in ("mixed-spoken", "asr-digits")), None)
        form = forced or ctx.cycle(("phone-spoken", ctx.style), getattr(ctx.pools, "PHONE_SPOKEN_FORMS", None) or
                                   ["spoken", "spoken-double", "mixed-spoken", "spoken", "asr-digits", "spoken-intl",
                                    "spoken-double"])
        if form == "spoken-pairs":
            text = _say_pairs(groups, rng)
        elif form == "asr-digits":
            text = " ".join(groups)
        elif form == "mixed-spoken":
            text = say_mixed(groups, rng)
        elif form == "spoken-intl":
            lead = rng.choice(["plus ", "plus ", "oh oh ", "zero zero "])
            text = lead + say_digits(cc, rng, doubles=False)[0] + " " + say_digits(" ".join(intl_groups), rng, doubles=rng.random() < 0.5)[0]
        else:
            text, used = say_digits(" ".join(groups), rng, doubles=(form == "spoken-double"))
            form = "spoken-double" if used else "spoken"
        return Piece(text, "PHONE", form, (country,))
    forms = _phone_forms(country, ph) + [f for f in getattr(ctx.pools, "PHONE_EXTRA_FORMS", ())
                                         if f != "intl-parens" or country in ("us", "ca")]
    form = next((a for a in args if a in forms), None) or ctx.cycle(("phone-form", country), forms)
    if form == "national":
        text = " ".join(groups)
    elif form == "compact":
        text = nat
    elif form == "e164":
        text = "+" + cc + intl_nat
    elif form == "intl-spaced":
        text = f"+{cc} " + " ".join(intl_groups)
    elif form == "intl-dashed":
        text = f"+{cc}-" + "-".join(intl_groups)
    elif form == "intl-00":
        text = f"00{cc} " + " ".join(intl_groups)
    elif form == "with-trunk-0":
        text = f"+{cc} (0)" + " ".join(intl_groups)
    elif form == "dotted":
        text = ".".join(groups)
    elif form == "dashed":
        text = groups[0] + "-" + "".join(groups[1:]) if country in ("de", "nl") else "-".join(groups)
    elif form == "slash":
        text = groups[0] + "/" + "".join(groups[1:])
    elif form == "parens":
        text = f"({groups[0]}) " + (f"{groups[1]}-{groups[2]}" if country in ("us", "ca", "br") else " ".join(groups[1:]))
    elif form == "intl-no-plus":
        text = cc + " " + " ".join(intl_groups)
    elif form == "intl-parens":
        text = f"+{cc} ({groups[0]}) {groups[1]}-{groups[2]}"
    else:
        raise KeyError(form)
    return Piece(text, "PHONE", form, (country,))


# ---- e-mail ------------------------------------------------------------------------------
def _email_parts(ctx: Context, args) -> tuple[str, str, str]:
    """(local part, domain, pattern) derived from the record's person, as people pick them."""
    p = ctx.person_of(args)
    f = re.sub(r"[^a-z]", "", strip_accents(p.first).lower())
    last = re.sub(r"[^a-z]", "", strip_accents(p.last).lower())
    yy = str(p.dob[0])[2:]
    pattern = next((a for a in args if a in ("plus-tag", "digits", "underscore", "hyphen", "work", "initial")), None)
    pattern = pattern or ctx.cycle(("email-pattern", ctx.spoken),
                                   ["dot", "digits", "initial", "plus-tag", "concat", "underscore", "dot", "work",
                                    "digits", "hyphen", "initial"])
    local = {"dot": f"{f}.{last}", "concat": f"{f}{last}", "initial": f"{f[0]}{last}",
             "digits": rng_pick(ctx, [f"{f}{last}{yy}", f"{f}.{last}{yy}", f"{f}{yy}", f"{last}{f[0]}{rdigits(ctx.rng, 3)}", f"{f}_{rdigits(ctx.rng, 2)}"]),
             "underscore": f"{f}_{last}", "hyphen": f"{f}-{last}",
             "plus-tag": f"{f}.{last}+{ctx.cycle('plus', ctx.pools.PLUS_TAGS)}",
             "work": f"{f}.{last}"}[pattern]
    domain = ctx.cycle(("work-domain",), ctx.pools.WORK_DOMAINS) if pattern == "work" else \
        ctx.cycle(("email-domain", p.country), ctx.pools.EMAIL_DOMAINS.get(p.country, ctx.pools.EMAIL_DOMAINS["uk"]))
    return local, domain, pattern


def rng_pick(ctx: Context, options: list[str]) -> str:
    return options[ctx.rng.randrange(len(options))]


def _say_email_part(part: str, ctx: Context, spell: bool) -> str:
    out = []
    for tok in re.findall(r"[a-z]+|\d+|[._+-]", part):
        if tok == ".":
            out.append("dot")
        elif tok == "_":
            out.append("underscore")
        elif tok == "-":
            out.append(rng_pick(ctx, ["dash", "hyphen"]))
        elif tok == "+":
            out.append("plus")
        elif tok.isdigit():
            out.append(rng_pick(ctx, [say_digits(tok, ctx.rng, doubles=False)[0], words(int(tok)) if len(tok) == 2 and tok[0] != "0" else tok]))
        else:
            out.append(" ".join(tok) if spell else tok)
    return " ".join(out)


def r_email(ctx: Context, args) -> Piece:
    local, domain, pattern = _email_parts(ctx, args)
    if ctx.spoken:
        form = next((a for a in args if a in ("spoken", "spelled", "asr-written", "spoken-symbols", "asr-split")), None) \
            or ctx.cycle(("email-spoken",), getattr(ctx.pools, "EMAIL_SPOKEN_FORMS", None) or
                         ["spoken", "spelled", "spoken", "asr-written", "spoken"])
        if form == "asr-written":
            return Piece(f"{local}@{domain}", "EMAIL", form, (pattern,))
        if form in ("spoken-symbols", "asr-split"):
            return Piece(_say_email_more(ctx, local, domain, form), "EMAIL", form, (pattern,))
        dom = " dot ".join(domain.split("."))
        text = _say_email_part(local, ctx, spell=(form == "spelled")) + " at " + dom
        return Piece(text, "EMAIL", form, (pattern,))
    forms = ["plain", "plain", "capitalised", "plain", "obfuscated", "plain", "uppercase"] if ctx.style in ("chat", "social", "sms") \
        else ["plain", "capitalised", "plain"]
    forms = getattr(ctx.pools, "EMAIL_WRITTEN_FORMS", {}).get(ctx.style, forms)
    form = ctx.cycle(("email-written", ctx.style), forms)
    if form == "capitalised":
        local = ".".join(x[:1].upper() + x[1:] for x in local.split("."))
    text = f"{local}@{domain}"
    if form == "uppercase":
        text = text.upper()
    if form == "obfuscated":
        text = rng_pick(ctx, [f"{local} [at] {domain.replace('.', ' [dot] ')}", f"{local}(at){domain}",
                              f"{local} at {domain}"])
    return Piece(text, "EMAIL", pattern if form == "plain" and pattern in ("plus-tag", "digits", "work") else form, (pattern,))


# ---- cards and bank details -----------------------------------------------------------------
CARD_BRANDS = {"visa": (["4"], 16), "mastercard": (["51", "52", "53", "54", "55", "2221", "2720", "23"], 16),
               "amex": (["34", "37"], 15), "discover": (["6011", "65"], 16), "maestro": (["6759", "5018"], 16),
               "visa19": (["4"], 19), "jcb": (["3528", "3540", "3566", "3589"], 16), "diners": (["36", "38"], 14),
               "unionpay": (["62"], 16)}
_CARD_GROUPS = {"amex": [4, 6, 5], "diners": [4, 6, 4]}


def r_card(ctx: Context, args) -> Piece:
    rng = ctx.rng
    brand = ctx.cycle("card-brand", ctx.pools.CARD_BRANDS)
    prefixes, length = CARD_BRANDS[brand]
    num = luhn_complete(rng.choice(prefixes), length, rng)
    sizes = _CARD_GROUPS.get(brand, [4, 4, 4, 4, 3])
    groups = group(num, sizes).split()
    if ctx.spoken:
        form = next((a for a in args if a.startswith("spoken") or a in ("mixed-spoken", "asr-digits")), None) or ctx.cycle(
            "card-spoken", getattr(ctx.pools, "CARD_SPOKEN_FORMS", None) or
            ["spoken", "spoken-double", "asr-digits", "mixed-spoken", "spoken", "spoken-double"])
        if form == "spoken-pairs":
            return Piece(_say_pairs(groups, rng), "CARD", form, (brand.rstrip("19"),))
        if form == "asr-digits":
            text = " ".join(groups)
        elif form == "mixed-spoken":
            text = say_mixed(groups, rng)
        else:
            text, used = say_digits(" ".join(groups), rng, doubles=(form == "spoken-double"))
            form = "spoken-double" if used else "spoken"
        return Piece(text, "CARD", form, (brand.rstrip("19"),))
    form = next((a for a in args if a in ("digits", "spaced", "dashed", "dotted", "irregular")), None) or ctx.cycle(
        ("card-form", ctx.style), getattr(ctx.pools, "CARD_FORMS", None) or ["spaced", "digits", "dashed", "dotted", "spaced", "digits"])
    if form == "irregular":
        cut = rng.choice([6, 7, 8, 9])
        return Piece(group(num, [cut, rng.choice([3, 4, 5])]), "CARD", form, (brand.rstrip("19"),))
    sep = {"digits": "", "spaced": " ", "dashed": "-", "dotted": "."}[form]
    return Piece(sep.join(groups), "CARD", form, (brand.rstrip("19"),))


def _iban(ctx: Context, country: str) -> str:
    rng = ctx.rng
    if country == "gb":
        bban = rng.choice(ctx.pools.GB_BANKS) + rdigits(rng, 14)
    elif country == "ie":
        bban = rng.choice(["AIBK", "BOFI", "IPBS"]) + rdigits(rng, 14)
    elif country == "de":
        bban = rdigits(rng, 18, "123456789")
    elif country == "fr":
        bank, branch, acct = rdigits(rng, 5, "123"), rdigits(rng, 5), rdigits(rng, 11)
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97
        bban = f"{bank}{branch}{acct}{key:02d}"
    elif country == "es":
        bank, branch, acct = rdigits(rng, 4, "0123"), rdigits(rng, 4), rdigits(rng, 10)
        w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

        def dc(s: str) -> str:
            v = 11 - sum(int(c) * w[i] for i, c in enumerate(s.rjust(10, "0"))) % 11
            return str({10: 1, 11: 0}.get(v, v))
        bban = f"{bank}{branch}{dc('00' + bank + branch)}{dc(acct)}{acct}"
    elif country == "it":
        bban = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + rdigits(rng, 10) + rdigits(rng, 12)
    elif country == "nl":
        bban = rng.choice(["ABNA", "INGB", "RABO", "SNSB", "TRIO"]) + rdigits(rng, 10)
    elif country == "be":
        first = rdigits(rng, 10)
        check = int(first) % 97 or 97
        bban = f"{first}{check:02d}"
    elif country in _IBAN_MORE:
        bban = _IBAN_MORE[country](rng)
    else:
        raise KeyError(country)
    return iban_with_check(country.upper(), bban)


def r_iban(ctx: Context, args) -> Piece:
    country = next((a for a in args if len(a) == 2), None) or ctx.cycle("iban-country", ctx.pools.IBAN_COUNTRIES)
    iban = _iban(ctx, country)
    if ctx.spoken:
        form = ctx.cycle("iban-spoken", getattr(ctx.pools, "IBAN_SPOKEN_FORMS", None) or ["spoken", "asr-written", "spoken"])
        if form == "asr-written":
            return Piece(group(iban, [4] * 8).lower(), "IBAN", form, (country,))
        if form == "spoken-double":
            return Piece(_say_iban_doubles(ctx, iban), "IBAN", form, (country,))
        zero = rng_pick(ctx, ["oh", "zero"])
        text = " ".join(say_chars(g, ctx.rng, zero) for g in group(iban, [4] * 8).split())
        return Piece(text, "IBAN", "spoken", (country,))
    form = next((a for a in args if a in ("compact", "grouped", "lowercase", "lowercase-grouped", "irregular")), None) \
        or ctx.cycle(("iban-form", ctx.style), getattr(ctx.pools, "IBAN_FORMS", None) or
                     ["grouped", "compact", "lowercase", "lowercase-grouped", "irregular", "grouped"])
    if form == "compact":
        text = iban
    elif form == "grouped":
        text = group(iban, [4] * 8)
    elif form == "lowercase":
        text = iban.lower()
    elif form == "lowercase-grouped":
        text = group(iban, [4] * 8).lower()
    else:
        text = group(iban, [2, 2] + [ctx.rng.choice([3, 4, 6]) for _ in range(8)])
        text = text if ctx.rng.random() < 0.5 else text.lower()
    return Piece(text, "IBAN", form, (country,))


def _say_number(ctx: Context, ds: str, pairs_ok: bool = False) -> tuple[str, str]:
    if pairs_ok and ctx.rng.random() < 0.4 and all(g[0] != "0" for g in ds.split()):
        return " ".join(words(int(g)) for g in ds.split()), "spoken-pairs"
    text, used = say_digits(ds, ctx.rng, doubles=ctx.rng.random() < 0.6)
    return text, "spoken-double" if used else "spoken"


def r_sort(ctx: Context, args) -> Piece:
    """A UK sort code."""
    sc = rdigits(ctx.rng, 6, "1234678")
    pairs = [sc[:2], sc[2:4], sc[4:]]
    if ctx.spoken:
        text, form = _say_number(ctx, " ".join(pairs), pairs_ok=True)
        return Piece(text, "ACCOUNT", form, ("sort-code", "uk"))
    form = ctx.cycle(("sort", ctx.style), ["dashed", "digits", "spaced", "dashed"])
    sep = {"dashed": "-", "digits": "", "spaced": " "}[form]
    return Piece(sep.join(pairs), "ACCOUNT", form, ("sort-code", "uk"))


def _acct(ctx: Context, args, digits: str, tags: tuple[str, ...], spaced: list[int]) -> Piece:
    if ctx.spoken:
        text, form = _say_number(ctx, group(digits, spaced))
        return Piece(text, "ACCOUNT", form, tags)
    form = ctx.cycle(("acct", tags[0], ctx.style), ["digits", "spaced", "digits"])
    return Piece(digits if form == "digits" else group(digits, spaced), "ACCOUNT", form, tags)


def r_ukacc(ctx: Context, args) -> Piece:
    return _acct(ctx, args, rdigits(ctx.rng, 8, "1234567"), ("uk-account", "uk"), [4, 4])


def r_usacc(ctx: Context, args) -> Piece:
    n = ctx.rng.choice([9, 10, 10, 11, 12])
    return _acct(ctx, args, rdigits(ctx.rng, n, "123456789"), ("us-account", "us"), [4, 4, 4])


def r_routing(ctx: Context, args) -> Piece:
    rng = ctx.rng
    while True:
        d = rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "21", "22", "26", "31", "32"]) + rdigits(rng, 6)
        w = [3, 7, 1, 3, 7, 1, 3, 7]
        check = (10 - sum(int(c) * w[i] for i, c in enumerate(d)) % 10) % 10
        num = d + str(check)
        break
    return _acct(ctx, args, num, ("us-routing", "us"), [3, 3, 3])


def r_bsb(ctx: Context, args) -> Piece:
    bsb = rdigits(ctx.rng, 6, "0123456789")
    if ctx.spoken:
        text, form = _say_number(ctx, bsb[:3] + " " + bsb[3:])
        return Piece(text, "ACCOUNT", form, ("au-bsb", "au"))
    form = ctx.cycle(("bsb", ctx.style), ["dashed", "digits", "spaced"])
    sep = {"dashed": "-", "digits": "", "spaced": " "}[form]
    return Piece(bsb[:3] + sep + bsb[3:], "ACCOUNT", form, ("au-bsb", "au"))


def r_auacc(ctx: Context, args) -> Piece:
    return _acct(ctx, args, rdigits(ctx.rng, 9, "123456789"), ("au-account", "au"), [3, 3, 3])


# ---- national ids ------------------------------------------------------------------------------
def _ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def _nino(rng: random.Random) -> str:
    ok1 = "ABCEGHJKLMNOPRSTWXYZ"
    ok2 = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        pre = rng.choice(ok1) + rng.choice(ok2)
        if pre not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            return pre + rdigits(rng, 6) + rng.choice("ABCD")


def r_ssn(ctx: Context, args) -> Piece:
    s = _ssn(ctx.rng)
    if ctx.spoken:
        text, form = _say_number(ctx, f"{s[:3]} {s[3:5]} {s[5:]}")
        return Piece(text, "NATIONAL_ID", form, ("ssn", "us"))
    form = next((a for a in args if a in ("dashed", "digits", "spaced")), None) or ctx.cycle(
        ("ssn", ctx.style), ["dashed", "digits", "spaced", "dashed", "digits"])
    sep = {"dashed": "-", "digits": "", "spaced": " "}[form]
    return Piece(sep.join([s[:3], s[3:5], s[5:]]), "NATIONAL_ID", form, ("ssn", "us"))


def r_nino(ctx: Context, args) -> Piece:
    n = _nino(ctx.rng)
    if ctx.spoken:
        zero = rng_pick(ctx, ["oh", "zero"])
        if ctx.rng.random() < 0.5:
            text = say_chars(n, ctx.rng, zero)
        else:
            text = f"{n[0].lower()} {n[1].lower()} " + say_digits(f"{n[2:4]} {n[4:6]} {n[6:8]}", ctx.rng, zero=zero)[0] + f" {n[8].lower()}"
        return Piece(text, "NATIONAL_ID", "spoken", ("nino", "uk"))
    form = ctx.cycle(("nino", ctx.style), ["spaced", "compact", "lowercase", "spaced", "lowercase-spaced"])
    text = {"spaced": f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}", "compact": n, "lowercase": n.lower(),
            "lowercase-spaced": f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}".lower()}[form]
    return Piece(text, "NATIONAL_ID", form, ("nino", "uk"))


def r_sin(ctx: Context, args) -> Piece:
    s = luhn_complete(ctx.rng.choice("1234567"), 9, ctx.rng)
    if ctx.spoken:
        text, form = _say_number(ctx, f"{s[:3]} {s[3:6]} {s[6:]}")
        return Piece(text, "NATIONAL_ID", form, ("sin", "ca"))
    form = ctx.cycle(("sin", ctx.style), ["spaced", "dashed", "digits"])
    sep = {"dashed": "-", "digits": "", "spaced": " "}[form]
    return Piece(sep.join([s[:3], s[3:6], s[6:]]), "NATIONAL_ID", form, ("sin", "ca"))


def r_aadhaar(ctx: Context, args) -> Piece:
    body = rdigits(ctx.rng, 11, "23456789")
    a = body + verhoeff_check(body)
    if ctx.spoken:
        text, form = _say_number(ctx, group(a, [4, 4, 4]))
        return Piece(text, "NATIONAL_ID", form, ("aadhaar", "in"))
    form = ctx.cycle(("aadhaar", ctx.style), ["spaced", "digits", "dashed"])
    sep = {"dashed": "-", "digits": "", "spaced": " "}[form]
    return Piece(group(a, [4, 4, 4], sep), "NATIONAL_ID", form, ("aadhaar", "in"))


def r_dni(ctx: Context, args) -> Piece:
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    if ctx.rng.random() < 0.7:
        n = rdigits(ctx.rng, 8)
        v, sub = n + letters[int(n) % 23], "dni"
    else:
        lead = ctx.rng.choice("XYZ")
        n = rdigits(ctx.rng, 7)
        v, sub = lead + n + letters[int(str("XYZ".index(lead)) + n) % 23], "nie"
    if ctx.spoken:
        return Piece(say_chars(v, ctx.rng), "NATIONAL_ID", "spoken", (sub, "es"))
    form = ctx.cycle(("dni", ctx.style), ["compact", "dashed", "lowercase"])
    text = {"compact": v, "dashed": v[:-1] + "-" + v[-1], "lowercase": v.lower()}[form]
    return Piece(text, "NATIONAL_ID", form, (sub, "es"))


def r_bsn(ctx: Context, args) -> Piece:
    while True:
        d = rdigits(ctx.rng, 8, "123456789")
        s = sum(int(c) * w for c, w in zip(d, range(9, 1, -1)))
        last = s % 11
        if last < 10:
            b = d + str(last)
            break
    if ctx.spoken:
        text, form = _say_number(ctx, group(b, [3, 3, 3]))
        return Piece(text, "NATIONAL_ID", form, ("bsn", "nl"))
    form = ctx.cycle(("bsn", ctx.style), ["digits", "dotted", "spaced"])
    sep = {"digits": "", "dotted": ".", "spaced": " "}[form]
    return Piece(group(b, [4, 2, 3], sep) if form == "dotted" else group(b, [3, 3, 3], sep), "NATIONAL_ID", form, ("bsn", "nl"))


def r_nir(ctx: Context, args) -> Piece:
    """A French social security number (NIR) with its key."""
    rng = ctx.rng
    p = ctx.person("")
    body = ("1" if p.gender == "m" else "2") + f"{p.dob[0] % 100:02d}{p.dob[1]:02d}" + rdigits(rng, 2, "1234789") + rdigits(rng, 3) + rdigits(rng, 3)
    key = 97 - int(body) % 97
    nir = body + f"{key:02d}"
    if ctx.spoken:
        text, form = _say_number(ctx, group(nir, [1, 2, 2, 2, 3, 3, 2]))
        return Piece(text, "NATIONAL_ID", form, ("nir", "fr"))
    form = ctx.cycle(("nir", ctx.style), ["spaced", "digits"])
    return Piece(group(nir, [1, 2, 2, 2, 3, 3, 2], " " if form == "spaced" else ""), "NATIONAL_ID", form, ("nir", "fr"))


# ---- dates of birth ------------------------------------------------------------------------------
def _date_text(ctx: Context, y: int, m: int, d: int, form: str, us: bool) -> str:
    rng = ctx.rng
    mon = MONTHS[m - 1]
    if form == "numeric-slash":
        a, b = (m, d) if us else (d, m)
        pad = rng.random() < 0.7
        return f"{a:02d}/{b:02d}/{y}" if pad else f"{a}/{b}/{y}"
    if form == "numeric-dash":
        a, b = (m, d) if us else (d, m)
        return f"{a:02d}-{b:02d}-{y}"
    if form == "numeric-dot":
        return f"{d:02d}.{m:02d}.{y}"
    if form == "short-year":
        a, b = (m, d) if us else (d, m)
        return f"{a}/{b}/{y % 100:02d}"
    if form == "iso":
        return f"{y}-{m:02d}-{d:02d}"
    if form == "long-dmy":
        return rng.choice([f"{d} {mon} {y}", f"{ordinal_suffix(d)} {mon} {y}", f"{ordinal_suffix(d)} of {mon} {y}", f"{d} {mon}, {y}"])
    if form == "long-mdy":
        return rng.choice([f"{mon} {d}, {y}", f"{mon} {ordinal_suffix(d)} {y}", f"{mon} {d} {y}"])
    if form == "month-abbrev":
        return rng.choice([f"{d} {mon[:3]} {y}", f"{mon[:3]} {d} {y}", f"{d}-{mon[:3]}-{y % 100:02d}", f"{d:02d} {mon[:3].upper()} {y}", f"{mon[:3]}. {d}, {y}"])
    if form == "day-month":
        return rng.choice([f"{ordinal_suffix(d)} {mon}", f"{mon} {ordinal_suffix(d)}", f"{d} {mon}"])
    return _date_text_more(ctx, y, m, d, form, us)


def _date_spoken(ctx: Context, y: int, m: int, d: int, form: str, us: bool) -> str:
    rng = ctx.rng
    mon = MONTHS[m - 1].lower()
    if form == "spoken-dmy":
        return rng.choice([f"{ordinal(d)} of {mon} {year_words(y, rng)}", f"{ordinal(d)} {mon} {year_words(y, rng)}",
                           f"{words(d)} {mon} {year_words(y, rng)}"])
    if form == "spoken-mdy":
        return rng.choice([f"{mon} {ordinal(d)} {year_words(y, rng)}", f"{mon} {words(d)} {year_words(y, rng)}"])
    if form == "spoken-digits":
        a, b = (m, d) if us else (d, m)
        return say_digits(f"{a:02d} {b:02d} {y % 100:02d}", rng, doubles=False)[0]
    if form == "spoken-numeric":
        a, b = (m, d) if us else (d, m)
        return f"{words(a)} {words(b)} {words(y % 100) if y % 100 >= 10 else 'oh ' + ONES[y % 100]}"
    if form == "spoken-day-month":
        return rng.choice([f"{ordinal(d)} of {mon}", f"{mon} {ordinal(d)}"])
    if form == "asr-written":
        return rng.choice([f"{d} {mon} {y}", f"{mon} {d} {y}", f"{ordinal_suffix(d)} of {mon} {y}"])
    return _date_spoken_more(ctx, y, m, d, form, us)


def r_dob(ctx: Context, args) -> Piece:
    p = ctx.person_of(args)
    y, m, d = p.dob
    us = "us" in args or ("dmy" not in args and p.country in ("us", "ca"))
    if ctx.spoken:
        forms = getattr(ctx.pools, "DOB_SPOKEN_FORMS", None) or \
            ["spoken-dmy", "spoken-mdy", "spoken-digits", "spoken-dmy", "spoken-numeric", "asr-written", "spoken-dmy"]
        if "nodate" in args or "no-year" in args:
            form = "spoken-day-month"
        else:
            form = next((a for a in args if a in forms), None) or ctx.cycle("dob-spoken", forms)
        text = _date_spoken(ctx, y, m, d, form, us)
    else:
        forms = getattr(ctx.pools, "DOB_FORMS", None) or \
            ["numeric-slash", "long-dmy", "numeric-dash", "iso", "long-mdy", "numeric-dot", "short-year",
             "month-abbrev", "numeric-slash", "long-dmy"]
        if "no-year" in args:
            form = "day-month"
        else:
            form = next((a for a in args if a in forms), None) or ctx.cycle(("dob", ctx.style), forms)
        text = _date_text(ctx, y, m, d, form, us)
        if ctx.style in ("chat", "sms") and ctx.rng.random() < 0.5:
            text = text.lower()
    order = "ymd" if form in _YMD_FORMS else "mdy" if us and form not in ("iso", "numeric-dot") else "dmy"
    return Piece(text, "DOB", form, (order,))


# ---- addresses ------------------------------------------------------------------------------
def _uk_postcode(rng: random.Random, area: str) -> str:
    district = str(rng.randint(1, 28 if len(area) == 1 else 20))
    return f"{area}{district} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


# Continental addresses: (cities pool, streets pool, digits after the pool's postcode stem,
# the flat or apartment before the postcode, the PO box).
_CONTINENTAL = {
    "fr": ("FR_CITIES", "FR_STREETS", 3, "Appt {u}, {line}", "BP {box}"),
    "de": ("DE_CITIES", "DE_STREETS", 3, "{line}, Wohnung {u}", "Postfach {box}"),
    "es": ("ES_CITIES", "ES_STREETS", 3, "{line}, {u}º {letter}", "Apartado de Correos {box}"),
    "it": ("IT_CITIES", "IT_STREETS", 2, "{line}, int. {u}", "Casella Postale {box}"),
    "nl": ("NL_CITIES", "NL_STREETS", 2, "{line}-{roman}", "Postbus {box}"),
}


def _continental_address(ctx: Context, country: str, form: str, n: int) -> str:
    """An address written the continental way: street and number (number first in France),
    then postcode and town."""
    rng, P = ctx.rng, ctx.pools
    cities, streets, pc_digits, flat, box = _CONTINENTAL[country]
    city, stem = rng.choice(getattr(P, cities))
    pc = stem + rdigits(rng, pc_digits)
    if country == "nl":
        pc += " " + "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
    street = rng.choice(getattr(P, streets))
    line = f"{n} {street}" if country == "fr" else f"{street} {n}{rng.choice(['', '', 'a']) if country == 'de' else ''}"
    tail = f"{pc} {city}"
    if form == "house-number":
        return f"{line}, {tail}"
    if form in ("apartment", "flat-prefix"):
        unit = flat.format(line=line, u=rng.randint(1, 20), letter=rng.choice("ABCD"), roman=rng.choice(["I", "II", "III", "hs"]))
        return f"{unit}, {tail}"
    if form == "po-box":
        return box.format(box=rng.randint(10, 9999)) + f", {tail}" + (" Cedex" if country == "fr" else "")
    if form == "postcode":
        return pc
    raise KeyError((country, form))


def _address_parts(ctx: Context, country: str, form: str) -> str:
    """A written, capitalised address of a country in a form."""
    rng, P = ctx.rng, ctx.pools
    n = rng.choice([rng.randint(1, 40), rng.randint(1, 240), rng.randint(1, 9)])
    if country == "uk":
        town, area = rng.choice(P.UK_TOWNS)
        pc = _uk_postcode(rng, area)
        street = rng.choice(P.UK_STREETS)
        sep = rng.choice([", ", ", ", " "])
        if form == "house-number":
            return rng.choice([f"{n} {street}{sep}{town} {pc}", f"{n} {street}, {town}, {pc}", f"{n}{rng.choice('ab')} {street}, {town}"])
        if form == "flat-prefix":
            flat = rng.choice([str(rng.randint(1, 40)), f"{rng.randint(1, 9)}{rng.choice('ABC')}"])
            return rng.choice([f"Flat {flat}, {n} {street}, {town} {pc}", f"Flat {flat} {n} {street} {town}", f"Flat {flat}, {rng.choice(P.BUILDINGS)}, {street}, {town} {pc}"])
        if form == "house-name":
            return rng.choice([f"{rng.choice(P.HOUSE_NAMES)}, {street}, {rng.choice(P.VILLAGES)}, {pc}", f"{rng.choice(P.HOUSE_NAMES)}, {street}, {town} {pc}"])
        if form == "po-box":
            return rng.choice([f"PO Box {rng.randint(10, 9999)}, {town} {pc}", f"P.O. Box {rng.randint(10, 999)}, {town}, {pc}"])
        if form == "postcode":
            return pc
        if form == "street-only":
            return f"{n} {street}"
    if country in ("us", "ca"):
        city, state, zipbase = rng.choice(P.US_CITIES if country == "us" else P.CA_CITIES)
        zipc = zipbase + rdigits(rng, 5 - len(zipbase)) if country == "us" else \
            f"{zipbase}{rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')} {rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')}{rng.randint(0, 9)}"
        if country == "us" and rng.random() < 0.2:
            zipc += "-" + rdigits(rng, 4)
        street = rng.choice(P.US_STREETS)
        num = rng.choice([str(rng.randint(100, 9999)), str(rng.randint(10, 99))])
        if form == "house-number":
            return rng.choice([f"{num} {street}, {city}, {state} {zipc}", f"{num} {street} {city} {state} {zipc}"])
        if form in ("apartment", "flat-prefix"):
            apt = rng.choice([f"Apt {rng.randint(1, 30)}{rng.choice(['', 'B', 'C'])}", f"Unit {rng.randint(100, 999)}", f"#{rng.randint(2, 40)}", f"Suite {rng.randint(100, 900)}"])
            return rng.choice([f"{num} {street}, {apt}, {city}, {state} {zipc}", f"{apt}, {num} {street}, {city} {state} {zipc}"])
        if form == "po-box":
            return rng.choice([f"PO Box {rng.randint(10, 99999)}, {city}, {state} {zipc}", f"P.O. Box {rng.randint(10, 9999)}, {city} {state} {zipc}"])
        if form in ("zip", "postcode"):
            return zipc
        if form == "street-only":
            return f"{num} {street}"
    if country in _CONTINENTAL:
        return _continental_address(ctx, country, form, n)
    if country == "au":
        suburb, state, pcode = rng.choice(P.AU_SUBURBS)
        street = rng.choice(P.AU_STREETS)
        if form == "house-number":
            return f"{n} {street}, {suburb} {state} {pcode}"
        if form in ("apartment", "flat-prefix"):
            u = rng.randint(1, 30)
            return rng.choice([f"Unit {u}, {n} {street}, {suburb} {state} {pcode}", f"{u}/{n} {street}, {suburb} {state} {pcode}"])
        if form == "po-box":
            return f"PO Box {rng.randint(10, 9999)}, {suburb} {state} {pcode}"
        if form == "postcode":
            return pcode
    if country == "in":
        city, pin = rng.choice(P.IN_CITIES)
        pincode = pin + rdigits(rng, 6 - len(pin))
        if form == "house-number":
            return f"{rng.randint(1, 400)}, {rng.choice(P.IN_STREETS)}, {city} {pincode}"
        if form in ("apartment", "flat-prefix"):
            return f"Flat {rng.randint(101, 905)}, {rng.choice(P.BUILDINGS)}, {rng.choice(P.IN_STREETS)}, {city} - {pincode}"
        if form == "house-name":
            return f"{rng.choice(P.IN_HOUSE_NAMES)}, {rng.choice(P.IN_STREETS)}, {city} {pincode}"
        if form == "po-box":
            return f"PO Box {rng.randint(100, 9999)}, {city} {pincode}"
    if country == "ie":
        town, key = rng.choice(P.IE_TOWNS)
        eir = f"{key} {rng.choice('ACDEFHKNPRTVWXY')}{rng.randint(1, 9)}{rng.choice('ACDEFHKNPRTVWXY')}{rng.randint(1, 9)}"
        street = rng.choice(P.UK_STREETS)
        if form == "house-number":
            return f"{n} {street}, {town}, {eir}"
        if form in ("apartment", "flat-prefix"):
            return f"Apt {rng.randint(1, 40)}, {rng.choice(P.BUILDINGS)}, {street}, {town} {eir}"
        if form == "house-name":
            return f"{rng.choice(P.HOUSE_NAMES)}, {street}, {town}, {eir}"
    raise KeyError((country, form))


_ADDRESS_FORMS = {"uk": ["house-number", "flat-prefix", "house-name", "po-box", "house-number", "flat-prefix"],
                  "us": ["house-number", "apartment", "po-box", "house-number"],
                  "ca": ["house-number", "apartment"], "fr": ["house-number", "apartment", "po-box"],
                  "de": ["house-number", "apartment", "po-box"], "es": ["house-number", "apartment", "po-box"],
                  "it": ["house-number", "apartment", "po-box"], "nl": ["house-number", "apartment", "po-box"],
                  "au": ["house-number", "apartment", "po-box"], "in": ["apartment", "house-name", "house-number"],
                  "ie": ["house-number", "apartment", "house-name"]}


def _speak_address(ctx: Context, s: str) -> str:
    """An address as speech-to-text writes it: lower case, no punctuation, numbers often in words,
    postcodes sometimes spelled out."""
    rng = ctx.rng
    s = strip_accents(s).lower().replace("º", "")
    s = re.sub(r"[,./#]", " ", s)
    out = []
    for tok in s.split():
        if tok.isdigit() and len(tok) <= 4 and rng.random() < 0.6:
            v = int(tok)
            out.append(words(v) if v < 100 or len(tok) == 3 and rng.random() < 0.5 else
                       (words(v // 100) + " " + (words(v % 100) if v % 100 >= 10 else "oh " + ONES[v % 100]) if len(tok) >= 3 and v % 100 else say_digits(tok, rng, doubles=False)[0]))
        elif re.fullmatch(r"[a-z]{1,2}\d{1,2}[a-z]?|\d[a-z]{2}", tok) and rng.random() < 0.5:
            out.append(say_chars(tok, rng))
        elif tok.isdigit() and rng.random() < 0.5:
            out.append(say_digits(tok, rng, doubles=False)[0])
        else:
            out.append(tok)
    return " ".join(out)


def r_address(ctx: Context, args) -> Piece:
    forced = next((a for a in args if a in ("house-number", "flat-prefix", "apartment", "house-name", "po-box",
                                            "postcode", "zip", "street-only") + _ADDRESS_FORMS_MORE), None)
    table = getattr(ctx.pools, "ADDRESS_FORMS", None) or _ADDRESS_FORMS
    country = next((a for a in args if a in table or a in _ADDRESS_FORMS), None)
    if country is None:
        countries = ctx.pools.ADDRESS_COUNTRIES
        if forced in ("po-box", "house-name") + _ADDRESS_FORMS_MORE:
            countries = [c for c in countries if forced in table[c]]
        country = ctx.cycle(("addr-country", ctx.style, forced), countries)
    form = forced or ctx.cycle(("addr-form", country), table[country])
    if form == "flat-prefix" and country not in ("uk",):
        form = "apartment"
    if form == "apartment" and country == "uk":
        form = "flat-prefix"
    if form in _ADDRESS_FORMS_MORE or country not in _ADDRESS_FORMS:
        text = _address_more(ctx, country, form)
    else:
        text = _address_parts(ctx, country, form)
    if ctx.spoken:
        return Piece(_speak_address(ctx, text), "ADDRESS", form, (country, "spoken"))
    text, case = _case(ctx, text, "ADDRESS")
    return Piece(text, "ADDRESS", form, (country, case))


def r_postcode(ctx: Context, args) -> Piece:
    country = next((a for a in args if a in ("uk", "us", "nl", "au", "fr", "de", "ca")), "uk")
    return r_address(ctx, [country, "zip" if country == "us" else "postcode"])


def r_street(ctx: Context, args) -> Piece:
    country = next((a for a in args if a in ("uk", "us")), "uk")
    return r_address(ctx, [country, "street-only"])


# ---- customer numbers and secrets ----------------------------------------------------------------
def r_custno(ctx: Context, args) -> Piece:
    rng = ctx.rng
    forms = getattr(ctx.pools, "CUSTNO_FORMS", None) or ["digits", "alnum", "dashed", "digits", "alnum", "slashed", "lowercase-alnum"]
    form = next((a for a in args if a in forms + ["username"]), None) or ctx.cycle(("custno", ctx.style), forms)
    prefix = rng.choice(ctx.pools.CUSTNO_PREFIXES)
    if form == "username":
        p = ctx.person("")
        f = re.sub(r"[^a-z]", "", strip_accents(p.first).lower())
        last = re.sub(r"[^a-z]", "", strip_accents(p.last).lower())
        v = rng.choice([f"{f[0]}{last}{rdigits(rng, 3)}", f"{f}{last[:3]}{rdigits(rng, 2)}", f"{f}_{last}", f"{last}{f[0]}{rdigits(rng, 3)}"])
        return Piece(v, "CUSTOMER_NUMBER", "username", ("username",))
    if form == "digits":
        v = rdigits(rng, rng.choice([7, 8, 9, 10]), "123456789")
    elif form == "alnum":
        v = prefix + rdigits(rng, rng.choice([6, 7, 8]))
    elif form == "lowercase-alnum":
        v = (prefix + rdigits(rng, 7)).lower()
    elif form == "dashed":
        v = f"{prefix}-{rdigits(rng, 3)}-{rdigits(rng, 4)}" if rng.random() < 0.5 else f"{rdigits(rng, 4)}-{rdigits(rng, 4)}-{rdigits(rng, 2)}"
    elif form == "spaced-alnum":
        v = f"{prefix} {rdigits(rng, 3)} {rdigits(rng, 3)}" + rng.choice(["", f" {rng.choice('ABCDEFGHJKLMNPRSTWXYZ')}"])
    else:
        v = f"{prefix}/{rdigits(rng, 4)}/{rdigits(rng, 2)}"
    if ctx.spoken:
        spoken_form = ctx.cycle("custno-spoken", getattr(ctx.pools, "CUSTNO_SPOKEN_FORMS", None) or
                                ["spoken", "spoken", "phonetic", "asr-digits"])
        if spoken_form == "as-in" and re.search(r"[A-Za-z]", v):
            return Piece(_say_as_in(ctx, v), "CUSTOMER_NUMBER", "phonetic", ("as-in",))
        if spoken_form == "phonetic" and re.search(r"[A-Za-z]", v):
            letters = re.match(r"[A-Za-z]+", v)
            head = " ".join(f"{c.lower()} for {PHONETIC[c.upper()]}" for c in letters.group(0)) if letters else ""
            rest = say_digits(re.sub(r"\D", " ", v[len(letters.group(0)) if letters else 0:]).strip(), rng)[0]
            return Piece((head + " " + rest).strip(), "CUSTOMER_NUMBER", "phonetic", ())
        if spoken_form == "asr-digits":
            return Piece(v.lower().replace("/", " ").replace("-", " "), "CUSTOMER_NUMBER", "asr-digits", ())
        text = " ".join(say_chars(part, rng) if re.search(r"[A-Za-z]", part) else say_digits(part, rng, doubles=rng.random() < 0.5)[0]
                        for part in re.findall(r"[A-Za-z]+|\d+", v))
        return Piece(text, "CUSTOMER_NUMBER", "spoken", ())
    return Piece(v, "CUSTOMER_NUMBER", form, ())


def r_pin(ctx: Context, args) -> Piece:
    n = 6 if "six" in args else 4
    pin = rdigits(ctx.rng, n) if "easy" not in args else ctx.cycle("easy-pin", ctx.pools.EASY_PINS)
    if ctx.spoken:
        text, used = say_digits(pin, ctx.rng, doubles=ctx.rng.random() < 0.6)
        return Piece(text, "SECRET", "pin-spoken-double" if used else "pin-spoken", ("pin",))
    return Piece(pin, "SECRET", "pin-digits", ("pin",))


def r_otp(ctx: Context, args) -> Piece:
    code = rdigits(ctx.rng, 6)
    if ctx.spoken:
        text, used = say_digits(code[:3] + " " + code[3:], ctx.rng, doubles=ctx.rng.random() < 0.5)
        return Piece(text, "SECRET", "otp-spoken", ("otp",))
    return Piece(code if ctx.rng.random() < 0.7 else code[:3] + " " + code[3:], "SECRET", "otp-digits", ("otp",))


def r_cvv(ctx: Context, args) -> Piece:
    code = rdigits(ctx.rng, 3)
    if ctx.spoken:
        return Piece(say_digits(code, ctx.rng)[0], "SECRET", "cvv-spoken", ("cvv",))
    return Piece(code, "SECRET", "cvv-digits", ("cvv",))


def r_password(ctx: Context, args) -> Piece:
    pw = ctx.cycle("password", ctx.pools.PASSWORDS)
    if ctx.spoken and "spelled" in args:
        return Piece(_spell_password(ctx, pw), "SECRET", "password-spelled", ("password",))
    if ctx.spoken:
        out = []
        for tok in re.findall(r"[A-Z]|[a-z]+|\d+|[^A-Za-z\d]", pw):
            if tok.isdigit():
                out.append(rng_pick(ctx, [say_digits(tok, ctx.rng, doubles=False)[0], words(int(tok)) if len(tok) <= 2 else year_words(int(tok), ctx.rng) if len(tok) == 4 and tok[0] in "12" else say_digits(tok, ctx.rng)[0]]))
            elif len(tok) == 1 and tok.isupper():
                out.append(rng_pick(ctx, ["capital ", "big "]) + tok.lower())
            elif tok.isalpha():
                out.append(tok)
            else:
                out.append({"!": "exclamation mark", "#": "hash", "@": "at sign", "$": "dollar sign", "_": "underscore", "*": "star", ".": "dot", "&": "and sign"}.get(tok, "symbol"))
        return Piece(" ".join(out), "SECRET", "password-spoken", ("password",))
    return Piece(pw, "SECRET", "password", ("password",))


def _answer(ctx: Context, pool: str, form: str, tag: str) -> Piece:
    v = ctx.cycle(pool, getattr(ctx.pools, pool))
    v = strip_accents(v).lower() if ctx.spoken or ctx.style in ("chat", "sms") and ctx.rng.random() < 0.6 else v
    return Piece(v, "SECRET", form, (tag,))


def r_maiden(ctx: Context, args) -> Piece:
    return _answer(ctx, "MAIDEN_NAMES", "security-answer", "maiden-name")


def r_pet(ctx: Context, args) -> Piece:
    return _answer(ctx, "PET_NAMES", "security-answer", "pet-name")


def r_school(ctx: Context, args) -> Piece:
    return _answer(ctx, "SCHOOLS", "security-answer", "first-school")


def r_memword(ctx: Context, args) -> Piece:
    return _answer(ctx, "MEMORABLE_WORDS", "memorable-word", "memorable-word")


def r_birthtown(ctx: Context, args) -> Piece:
    return _answer(ctx, "BIRTH_TOWNS", "security-answer", "birth-town")


def r_memchars(ctx: Context, args) -> Piece:
    """Characters of a memorable word given one by one: "r and t"."""
    word = ctx.cycle("MEMORABLE_WORDS", ctx.pools.MEMORABLE_WORDS).lower()
    a, b = ctx.rng.sample(range(len(word)), 2)
    return Piece(f"{word[min(a, b)]} and {word[max(a, b)]}", "SECRET", "memorable-chars", ("memorable-word",))


# ---- hard negatives ------------------------------------------------------------------------------
def _spoken_or(ctx: Context, written: str, kind: str, form: str, digits_only: str | None = None) -> Piece:
    if ctx.spoken:
        s = digits_only if digits_only is not None else written
        text = " ".join(say_chars(t, ctx.rng) if re.search(r"[A-Za-z]", t) and len(t) <= 4 else
                        say_digits(t, ctx.rng, doubles=ctx.rng.random() < 0.5)[0] if t.isdigit() else t.lower()
                        for t in re.findall(r"[A-Za-z]+|\d+", s))
        return Piece(text, kind, "spoken")
    return Piece(written, kind, form)


def n_order(ctx: Context, args) -> Piece:
    rng = ctx.rng
    form = next((a for a in args if a in ("amazon", "hash", "alnum", "digits", "abcd")), None) or ctx.cycle(
        "order", ctx.pools.ORDER_FORMS)
    if form == "amazon":
        v = f"{rng.choice(['111', '112', '113', '114', '026', '202', '203', '204', '205', '701', '702'])}-{rdigits(rng, 7)}-{rdigits(rng, 7)}"
    elif form == "hash":
        v = "#" + rdigits(rng, rng.choice([5, 6, 7]), "123456789")
    elif form == "alnum":
        v = rng.choice(ctx.pools.ORDER_PREFIXES) + rdigits(rng, rng.choice([6, 8]))
    elif form == "abcd":
        v = rdigits(rng, 10, "123456789")
    else:
        v = rdigits(rng, rng.choice([6, 7, 8, 9]), "123456789")
    if ctx.spoken:
        return _spoken_or(ctx, v, "ORDER_NUMBER", form, re.sub(r"[#-]", " ", v))
    return Piece(v, "ORDER_NUMBER", form)


def n_tracking(ctx: Context, args) -> Piece:
    rng = ctx.rng
    form = ctx.cycle("tracking", ["ups", "royal-mail", "usps", "fedex", "dhl", "evri", "ups"])
    if form == "ups":
        v = "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRTUVWXY") for _ in range(6)) + rdigits(rng, 10)
        v = v if rng.random() < 0.6 else f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:10]} {v[10:14]} {v[14:]}"
    elif form == "royal-mail":
        v = f"{rng.choice(['AB', 'JV', 'RM', 'TT', 'ZW', 'FB'])}{rdigits(rng, 9)}GB"
        v = v if rng.random() < 0.6 else f"{v[:2]} {v[2:6]} {v[6:10]} {v[10]}GB"
    elif form == "usps":
        v = not_luhn("9" + rng.choice(["400", "205", "407", "303"]) + rdigits(rng, 18))
        v = v if rng.random() < 0.5 else group(v, [4, 4, 4, 4, 4, 2])
    elif form == "fedex":
        v = not_luhn(rdigits(rng, 12, "1234567"))
        v = v if rng.random() < 0.5 else group(v, [4, 4, 4])
    elif form == "dhl":
        v = rdigits(rng, 10, "123456789")
    else:
        v = "H" + rdigits(rng, 2) + rng.choice(["HYA", "PFA", "LLA", "ABA"]) + rdigits(rng, 10)
    if ctx.spoken:
        return _spoken_or(ctx, v, "TRACKING_NUMBER", form)
    return Piece(v, "TRACKING_NUMBER", form)


def n_invoice(ctx: Context, args) -> Piece:
    rng = ctx.rng
    v = rng.choice([f"INV-{rng.randint(2019, 2025)}-{rdigits(rng, 5)}", f"INV{rdigits(rng, 6)}", rdigits(rng, 6, "123456789"),
                    f"{rng.choice(['SI', 'IN', 'BL'])}{rdigits(rng, 7)}", f"{rdigits(rng, 4)}/{rng.randint(2020, 2025)}"])
    if ctx.spoken:
        return _spoken_or(ctx, v, "INVOICE_NUMBER", "alnum")
    return Piece(v, "INVOICE_NUMBER", "digits" if v.isdigit() else "alnum")


def n_amount(ctx: Context, args) -> Piece:
    rng = ctx.rng
    big = rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 25000)])
    pence = rng.randint(0, 99)
    if ctx.spoken:
        cur = rng.choice(["pounds", "quid", "dollars", "euros", "pounds"])
        text = rng.choice([f"{words(big)} {cur}", f"{words(big)} {cur} {words(pence) if pence else ''}".strip(),
                           f"{words(big)} {cur} and {words(pence) if pence else 'fifty'} p" if cur in ("pounds",) else f"{words(big)} {cur}"])
        return Piece(text, "AMOUNT", "spoken")
    form = ctx.cycle("amount", ["gbp", "usd", "eur", "gbp", "plain", "eur-comma", "other"])
    bigs = f"{big:,}"
    text = {"gbp": rng.choice([f"£{bigs}.{pence:02d}", f"£{big}", f"£{bigs}"]),
            "usd": rng.choice([f"${bigs}.{pence:02d}", f"${big}", f"US${big}"]),
            "eur": rng.choice([f"€{big}", f"{big} EUR", f"€{bigs}.{pence:02d}"]),
            "eur-comma": f"{bigs.replace(',', '.')},{pence:02d} €",
            "plain": rng.choice([f"{big} quid", f"{big} pounds", f"{big}.{pence:02d}", f"{big} dollars"]),
            "other": rng.choice([f"Rs {big:,}", f"A${big}", f"CA${big}.{pence:02d}", f"₹{big:,}", f"{big} CHF"])}[form]
    return Piece(text, "AMOUNT", form)


def n_date(ctx: Context, args) -> Piece:
    """A date that is not a birth date (payment, delivery, appointment), recent or ahead."""
    rng = ctx.rng
    y, m, d = rng.choice([2023, 2024, 2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)
    if ctx.spoken:
        form = ctx.cycle("date-spoken", ["spoken-dmy", "spoken-day-month", "spoken-mdy", "spoken-day-month"])
        return Piece(_date_spoken(ctx, y, m, d, form, False), "DATE", form)
    form = ctx.cycle(("date", ctx.style), ["numeric-slash", "long-dmy", "day-month", "iso", "long-mdy", "numeric-dot",
                                           "day-month", "month-abbrev", "short-year"])
    text = _date_text(ctx, y, m, d, form, "us" in args)
    return Piece(text.lower() if ctx.style in ("chat", "sms") and rng.random() < 0.5 else text, "DATE", form)


def n_time(ctx: Context, args) -> Piece:
    rng = ctx.rng
    h, mi = rng.randint(1, 12), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
    if ctx.spoken:
        text = rng.choice([f"{words(h)} o'clock" if not mi else f"{words(h)} {words(mi)}", f"half past {words(h)}",
                           f"quarter to {words(h)}", f"{words(h)} {rng.choice(['am', 'pm', 'in the morning', 'this afternoon'])}" if not mi else f"{words(h)} {words(mi)}"])
        return Piece(text, "TIME", "spoken")
    text = rng.choice([f"{h}:{mi:02d}{rng.choice(['pm', 'am', ' pm', 'PM', ''])}", f"{h + 12 if h < 12 else h}:{mi:02d}", f"{h}{rng.choice(['pm', 'am', 'ish'])}",
                       f"{h}.{mi:02d}"])
    return Piece(text, "TIME", "written")


def n_flight(ctx: Context, args) -> Piece:
    code = ctx.cycle("airline", ctx.pools.AIRLINES)
    num = str(ctx.rng.randint(1, 2999))
    if ctx.spoken:
        return Piece(say_chars(code, ctx.rng) + " " + rng_pick(ctx, [say_digits(num, ctx.rng, doubles=False)[0], words(int(num)) if int(num) < 100 else " ".join(words(int(x)) for x in (num[:-2], num[-2:]) if int(x))]), "FLIGHT", "spoken")
    return Piece(rng_pick(ctx, [f"{code}{num}", f"{code} {num}", f"{code.lower()}{num}"]), "FLIGHT", "written")


def n_last4(ctx: Context, args) -> Piece:
    v = rdigits(ctx.rng, 4)
    if ctx.spoken:
        return Piece(say_digits(v, ctx.rng)[0], "CARD_LAST4", "spoken")
    return Piece(v, "CARD_LAST4", "digits")


def n_ref(ctx: Context, args) -> Piece:
    rng = ctx.rng
    form = ctx.cycle("ref", ctx.pools.REF_FORMS)
    if form == "case":
        v = rng.choice([rdigits(rng, 8, "0"), f"CS{rdigits(rng, 7)}", f"{rng.choice(['CR', 'CAS', 'INC'])}-{rdigits(rng, 5)}"])
    elif form == "pnr":
        v = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    elif form == "ticket":
        v = "#" + rdigits(rng, 5, "123456789")
    elif form in _REF_FORMS_MORE:
        v = _REF_FORMS_MORE[form](rng)
    else:
        v = f"{rng.choice(['REF', 'ref', 'RMA', 'CLM'])}{rng.choice(['-', '', ' '])}{rdigits(rng, 6)}"
    if ctx.spoken:
        return _spoken_or(ctx, v, "REFERENCE", form)
    return Piece(v, "REFERENCE", form)


def n_product(ctx: Context, args) -> Piece:
    v = ctx.cycle("product", ctx.pools.PRODUCTS)
    return Piece(v.lower() if ctx.spoken else v, "PRODUCT_CODE", "model")


def n_qty(ctx: Context, args) -> Piece:
    rng = ctx.rng
    n = rng.choice([2, 3, 4, 5, 6, 10, 12, 20, 24, 50, 100, 500])
    unit = ctx.cycle("unit", ctx.pools.UNITS)
    return Piece(f"{words(n) if ctx.spoken or rng.random() < 0.3 else n} {unit}", "QUANTITY", "count")


def _pooled(kind: str, pool: str, form: str):
    def render(ctx: Context, args) -> Piece:
        v = ctx.cycle(pool, getattr(ctx.pools, pool))
        if ctx.spoken:
            v = strip_accents(v).lower().replace("&", "and").replace("'", "").replace(".", "")
        elif ctx.style in ("chat", "sms") and ctx.rng.random() < 0.5:
            v = v.lower()
        return Piece(v, kind, form)
    return render


def n_year(ctx: Context, args) -> Piece:
    y = ctx.rng.randint(2008, 2025)
    return Piece(year_words(y, ctx.rng) if ctx.spoken else str(y), "YEAR", "spoken" if ctx.spoken else "digits")


def n_duration(ctx: Context, args) -> Piece:
    rng = ctx.rng
    n = rng.choice([2, 3, 5, 10, 14, 20, 30, 45, 90])
    unit = rng.choice(["minutes", "days", "hours", "weeks", "working days"])
    return Piece(f"{words(n) if ctx.spoken else n} {unit}", "DURATION", "count")


def n_percent(ctx: Context, args) -> Piece:
    v = ctx.rng.choice(["3.9%", "20%", "0.5%", "12.5 %", "2.99%", "50%", "18.9% APR"])
    if ctx.spoken:
        return Piece(v.replace("%", "").replace(" APR", "").replace(".", " point ").replace("  ", " ").strip() + " percent", "PERCENT", "spoken")
    return Piece(v, "PERCENT", "written")


def n_error(ctx: Context, args) -> Piece:
    v = ctx.cycle("errors", ctx.pools.ERROR_CODES)
    return Piece(v.lower() if ctx.spoken else v, "ERROR_CODE", "code")


def n_version(ctx: Context, args) -> Piece:
    v = ctx.cycle("versions", ctx.pools.VERSIONS)
    return Piece(v.lower() if ctx.spoken else v, "VERSION", "code")


# --------------------------------------------------------------------------------------------
# Further countries and surface forms: more phone countries, IBAN countries, national ids and
# addresses; numbers said in pairs; e-mails as speech-to-text splits them; names given surname
# first or spelled with a word for each letter; dates written year first or with a Roman month.
# --------------------------------------------------------------------------------------------
def _phone_number_more(ctx: Context, country: str) -> dict:
    """Phone numbers of further countries, in their own numbering and usual grouping."""
    rng = ctx.rng
    mobile = rng.random() < 0.65
    if country == "ie":
        nat = ("08" + rng.choice("35679") + rdigits(rng, 7)) if mobile else ("01" + rdigits(rng, 7, "2345678"))
        return {"cc": "353", "trunk": True, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]] if mobile else [nat[:2], nat[2:5], nat[5:]]}
    if country == "be":
        nat = ("04" + rng.choice("5679") + rdigits(rng, 7)) if mobile else ("02" + rdigits(rng, 7, "2345678"))
        groups = [nat[:4], nat[4:6], nat[6:8], nat[8:]] if mobile else [nat[:2], nat[2:5], nat[5:7], nat[7:]]
        return {"cc": "32", "trunk": True, "nat": nat, "groups": groups}
    if country == "ch":
        nat = ("07" + rng.choice("5689") + rdigits(rng, 7)) if mobile else (rng.choice(["044", "022", "031", "061"]) + rdigits(rng, 7, "2345678"))
        return {"cc": "41", "trunk": True, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:8], nat[8:]]}
    if country == "at":
        nat = ("06" + rng.choice(["64", "76", "60", "99", "50"]) + rdigits(rng, 7)) if mobile else ("01" + rdigits(rng, 7, "2345678"))
        return {"cc": "43", "trunk": True, "nat": nat, "groups": [nat[:4], nat[4:]] if mobile else [nat[:2], nat[2:]]}
    if country == "pt":
        nat = ("9" + rng.choice("1236") + rdigits(rng, 7)) if mobile else ("21" + rdigits(rng, 7, "2345678"))
        return {"cc": "351", "trunk": False, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]]}
    if country == "pl":
        nat = rng.choice("5678") + rdigits(rng, 8) if mobile else rng.choice(["22", "12", "58", "71"]) + rdigits(rng, 7, "2345678")
        return {"cc": "48", "trunk": False, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]] if mobile else [nat[:2], nat[2:5], nat[5:7], nat[7:]]}
    if country == "se":
        nat = ("07" + rng.choice("0236") + rdigits(rng, 7)) if mobile else ("08" + rdigits(rng, 7, "2345678"))
        return {"cc": "46", "trunk": True, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:8], nat[8:]] if mobile else [nat[:2], nat[2:5], nat[5:7], nat[7:]]}
    if country == "nz":
        nat = ("02" + rng.choice("127") + rdigits(rng, 7)) if mobile else ("09" + rdigits(rng, 7, "2345678"))
        return {"cc": "64", "trunk": True, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]] if mobile else [nat[:2], nat[2:5], nat[5:]]}
    if country == "za":
        nat = ("0" + rng.choice(["82", "83", "72", "76", "61"]) + rdigits(rng, 7)) if mobile else ("0" + rng.choice(["11", "21", "31"]) + rdigits(rng, 7, "2345678"))
        return {"cc": "27", "trunk": True, "nat": nat, "groups": [nat[:3], nat[3:6], nat[6:]]}
    if country == "sg":
        nat = rng.choice("89") + rdigits(rng, 7) if mobile else "6" + rdigits(rng, 7)
        return {"cc": "65", "trunk": False, "nat": nat, "groups": [nat[:4], nat[4:]]}
    if country == "br":
        area = rng.choice(["11", "21", "31", "41", "51", "61"])
        nat = area + ("9" + rdigits(rng, 8) if mobile else rdigits(rng, 8, "2345"))
        return {"cc": "55", "trunk": False, "nat": nat, "groups": [area, nat[2:-4], nat[-4:]]}
    if country == "mx":
        area = rng.choice(["55", "33", "81"])
        nat = area + rdigits(rng, 8, "123456789")
        return {"cc": "52", "trunk": False, "nat": nat, "groups": [area, nat[2:6], nat[6:]]}
    if country == "ng":
        nat = "0" + rng.choice(["803", "806", "813", "703", "805", "902"]) + rdigits(rng, 7)
        return {"cc": "234", "trunk": True, "nat": nat, "groups": [nat[:4], nat[4:7], nat[7:]]}
    if country == "ph":
        nat = "09" + rng.choice(["17", "18", "27", "98", "05"]) + rdigits(rng, 7)
        return {"cc": "63", "trunk": True, "nat": nat, "groups": [nat[:4], nat[4:7], nat[7:]]}
    raise KeyError(country)


_PHONE_FORMS_MORE = {"ie": ["compact"], "be": ["slash"], "ch": ["compact"], "at": ["slash"], "pt": ["compact"],
                     "pl": ["dashed"], "se": ["dashed"], "nz": ["dashed"], "za": ["compact"], "sg": ["compact"],
                     "br": ["parens"], "mx": ["compact"], "ng": ["compact"], "ph": ["dashed"]}


def _say_pair(pair: str, rng: random.Random) -> str:
    # A pair with a 0 in it is said digit by digit: "twenty" then "five" would be heard as 25.
    if len(pair) == 1 or "0" in pair:
        return say_digits(pair, rng, doubles=False, zero=rng.choice(["oh", "zero"]))[0]
    return words(int(pair))


def _say_pairs(groups: list[str], rng: random.Random) -> str:
    """Each group said in pairs, as the French and many others read numbers ("oh six twelve
    thirty four ..."); a group of odd length starts with one digit."""
    out = []
    for g in groups:
        head = g[:len(g) % 2]
        out += ([_say_pair(head, rng)] if head else []) + [_say_pair(g[i:i + 2], rng) for i in range(len(head), len(g), 2)]
    return " ".join(out)


def _say_email_more(ctx: Context, local: str, domain: str, form: str) -> str:
    """An e-mail said with its symbols named ("full stop", "at sign"), or as speech-to-text writes
    it down, the provider's name broken in two ("g mail", "proton mail")."""
    def part(p: str, dot: str) -> str:
        out = []
        for tok in re.findall(r"[a-z]+|\d+|[._+-]", p):
            if tok == ".":
                out.append(dot)
            elif tok in "_+-":
                out.append({"_": "underscore", "+": "plus", "-": rng_pick(ctx, ["dash", "hyphen"])}[tok])
            elif tok.isdigit():
                out.append(words(int(tok)) if len(tok) == 2 and tok[0] != "0" else say_digits(tok, ctx.rng, doubles=False)[0])
            else:
                out.append(tok)
        return " ".join(out)
    if form == "spoken-symbols":
        dot = rng_pick(ctx, ["full stop", "point"])
        at = rng_pick(ctx, ["at sign", "the at symbol"])
        return f"{part(local, dot)} {at} " + f" {dot} ".join(domain.split("."))
    labels = [label.replace("-", " ") for label in domain.split(".")]
    splits = getattr(ctx.pools, "ASR_SPLITS", {})
    labels[0] = splits.get(labels[0], " ".join(labels[0]) if len(labels[0]) <= 3 else labels[0])
    return f"{part(local, 'dot')} at " + " dot ".join(labels)


def _say_iban_doubles(ctx: Context, iban: str) -> str:
    """An IBAN read out in fours, with "double" and "triple" for repeated characters."""
    out = []
    zero = rng_pick(ctx, ["oh", "zero"])
    for g in group(iban, [4] * 8).split():
        i = 0
        while i < len(g):
            ch, n = g[i], 1
            while i + n < len(g) and g[i + n] == ch and n < 3:
                n += 1
            word = (zero if ch == "0" else ONES[int(ch)]) if ch.isdigit() else ch.lower()
            out.append({1: word, 2: "double " + word, 3: "triple " + word}[n])
            i += n
    return " ".join(out)


_IBAN_MORE = {"pt": lambda rng: rdigits(rng, 21), "pl": lambda rng: rdigits(rng, 24), "at": lambda rng: rdigits(rng, 16, "123456789"),
              "ch": lambda rng: rdigits(rng, 5, "0") + rdigits(rng, 12), "se": lambda rng: rdigits(rng, 20, "123456789"),
              "lu": lambda rng: rdigits(rng, 3, "0") + rdigits(rng, 13), "dk": lambda rng: rdigits(rng, 14), "fi": lambda rng: rdigits(rng, 14, "123456789"),
              "no": lambda rng: rdigits(rng, 11, "123456789")}


def _name_surname_first(ctx: Context, who: str) -> Piece:
    """A name given family name first, as in Chinese, Vietnamese, Korean and Hungarian."""
    full = ctx.cycle("surname-first", ctx.pools.SURNAME_FIRST_NAMES)
    text, form = _case(ctx, strip_accents(full) if ctx.spoken else full, "NAME")
    return Piece(text, "NAME", form, ("full", "surname-first", "non-english") + (("third-party",) if who else ()))


def _spell_phonetic(ctx: Context, letters: list[str], which: str) -> Piece:
    """A name spelled with a word for each letter ("p for peter a for apple", "b as in bravo")."""
    joiner = ctx.cycle("phonetic-joiner", [" for ", " as in ", " for "])
    sep = " " if ctx.spoken else ", "
    parts = []
    for c in letters:
        word = ctx.cycle(("phonetic-word", c.lower()), ctx.pools.SPELLING_WORDS[c.lower()])
        parts.append(f"{c.lower()}{joiner}{word}" if ctx.spoken else f"{c.upper()}{joiner}{word.capitalize()}")
    return Piece(sep.join(parts), "NAME", "phonetic", (which,))


def _spell_with_doubles(ctx: Context, letters: list[str], which: str) -> Piece:
    """A name spelled aloud, repeated letters said as "double" ("m c d o double n e l l")."""
    out, i = [], 0
    while i < len(letters):
        if i + 1 < len(letters) and letters[i].lower() == letters[i + 1].lower():
            out.append("double " + letters[i].lower())
            i += 2
        else:
            out.append(letters[i].lower())
            i += 1
    return Piece(" ".join(out), "NAME", "spelled", (which,) + (("double-letters",) if len(out) < len(letters) else ()))


_ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
_YMD_FORMS = ("ymd-slash", "ymd-dot")


def _date_text_more(ctx: Context, y: int, m: int, d: int, form: str, us: bool) -> str:
    rng = ctx.rng
    mon = MONTHS[m - 1]
    if form == "ymd-slash":
        return f"{y}/{m:02d}/{d:02d}"
    if form == "ymd-dot":
        return f"{y}.{m:02d}.{d:02d}"
    if form == "roman-month":
        return rng.choice([f"{d}.{_ROMAN[m]}.{y}", f"{d} {_ROMAN[m]} {y}"])
    if form == "compact-month":
        return f"{d:02d}{mon[:3].upper()}{y}"
    if form == "apostrophe-year":
        return rng.choice([f"{ordinal_suffix(d)} {mon} '{y % 100:02d}", f"{mon[:3]} {d} '{y % 100:02d}"])
    if form == "numeric-space":
        a, b = (m, d) if us else (d, m)
        return f"{a:02d} {b:02d} {y}"
    raise KeyError(form)


def _date_spoken_more(ctx: Context, y: int, m: int, d: int, form: str, us: bool) -> str:
    rng = ctx.rng
    mon = MONTHS[m - 1].lower()
    if form == "spoken-month-the":
        return f"{mon} the {ordinal(d)} {year_words(y, rng)}"
    if form == "spoken-ordinal-numeric":
        return f"{ordinal(d)} of the {ordinal(m)} {rng.choice([words(y % 100) if y % 100 >= 10 else 'oh ' + ONES[y % 100], year_words(y, rng)])}"
    if form == "spoken-hesitant":
        a, b = (m, d) if us else (d, m)
        filler = rng.choice(["uh", "um", "er"])
        return f"{say_digits(f'{a:02d}', rng, doubles=False)[0]} {filler} {say_digits(f'{b:02d}', rng, doubles=False)[0]} {filler} {year_words(y, rng)}"
    raise KeyError(form)


# Address forms beyond the common ones, and how each further country writes its addresses.
_ADDRESS_FORMS_MORE = ("multi-line", "rural-route", "block", "landmark")


def _address_more(ctx: Context, country: str, form: str) -> str:
    rng, P = ctx.rng, ctx.pools
    n = rng.choice([rng.randint(1, 60), rng.randint(1, 9), rng.randint(100, 300)])
    if form == "multi-line":
        if country == "uk":
            town, area = rng.choice(P.UK_TOWNS)
            return f"{n} {rng.choice(P.UK_STREETS)}\n{town}\n{_uk_postcode(rng, area)}"
        if country == "us":
            city, state, zipbase = rng.choice(P.US_CITIES)
            return f"{rng.randint(100, 9999)} {rng.choice(P.US_STREETS)}\n{city}, {state} {zipbase}{rdigits(rng, 5 - len(zipbase))}"
        if country == "au":
            suburb, state, pcode = rng.choice(P.AU_SUBURBS)
            return f"{n} {rng.choice(P.AU_STREETS)}\n{suburb} {state} {pcode}"
    if form == "rural-route":
        city, state, zipbase = rng.choice(P.US_CITIES)
        return rng.choice([f"RR {rng.randint(1, 9)} Box {rng.randint(10, 400)}, {city}, {state} {zipbase}{rdigits(rng, 5 - len(zipbase))}",
                           f"HC {rng.randint(60, 80)} Box {rng.randint(10, 400)}, {city} {state} {zipbase}{rdigits(rng, 5 - len(zipbase))}"])
    if form == "landmark":
        city, pin = rng.choice(P.IN_CITIES)
        return (f"H.No. {rng.randint(1, 20)}-{rng.randint(1, 12)}-{rng.randint(10, 99)}, {rng.choice(P.IN_LANDMARKS)}, "
                f"{rng.choice(P.IN_STREETS)}, {city} {pin}{rdigits(rng, 6 - len(pin))}")
    if country == "sg":
        street = rng.choice(P.SG_STREETS)
        pc = rng.choice(["56", "15", "31", "46", "52"]) + rdigits(rng, 4)
        unit = f"#{rng.randint(2, 25):02d}-{rng.randint(1, 150):02d}"
        if form in ("block", "apartment"):
            return f"Blk {rng.randint(100, 999)} {street}, {unit}, Singapore {pc}"
        if form == "house-number":
            return f"{n} {street}, Singapore {pc}"
        if form == "postcode":
            return pc
    if country == "nz":
        suburb, city, pcode = rng.choice(P.NZ_SUBURBS)
        street = rng.choice(P.NZ_STREETS)
        if form == "house-number":
            return f"{n} {street}, {suburb}, {city} {pcode}"
        if form == "apartment":
            return f"{rng.randint(1, 12)}/{n} {street}, {suburb}, {city} {pcode}"
        if form == "po-box":
            return f"PO Box {rng.randint(100, 99999)}, {city} {pcode}"
        if form == "postcode":
            return pcode
    if country in _CONTINENTAL_MORE:
        cities, streets, pc_fmt, flat, box = _CONTINENTAL_MORE[country]
        city, stem = rng.choice(getattr(P, cities))
        pc = pc_fmt(stem, rng)
        line = f"{rng.choice(getattr(P, streets))} {n}"
        if form == "house-number":
            return f"{line}, {pc} {city}"
        if form == "apartment":
            return f"{flat.format(line=line, a=rng.randint(1, 9), b=rng.randint(1, 30), side=rng.choice(['Esq.', 'Dto.']))}, {pc} {city}"
        if form == "po-box":
            return f"{box.format(box=rng.randint(10, 9999))}, {pc} {city}"
        if form == "postcode":
            return pc
    raise KeyError((country, form))


_CONTINENTAL_MORE = {
    "be": ("BE_CITIES", "BE_STREETS", lambda stem, rng: stem + rdigits(rng, 2, "0"), "{line} bus {a}", "Postbus {box}"),
    "ch": ("CH_CITIES", "CH_STREETS", lambda stem, rng: stem + rdigits(rng, 2, "0"), "{line}, Wohnung {b}", "Postfach {box}"),
    "at": ("AT_CITIES", "AT_STREETS", lambda stem, rng: stem + "0", "{line}/{a}/{b}", "Postfach {box}"),
    "pt": ("PT_CITIES", "PT_STREETS", lambda stem, rng: f"{stem}-{rdigits(rng, 3)}", "{line}, {a}.º {side}", "Apartado {box}"),
    "pl": ("PL_CITIES", "PL_STREETS", lambda stem, rng: f"{stem}-{rdigits(rng, 3)}", "{line} m. {b}", "Skrytka pocztowa {box}"),
    "se": ("SE_CITIES", "SE_STREETS", lambda stem, rng: f"{stem} {rdigits(rng, 2)}", "{line}, lgh {a}{b:02d}", "Box {box}"),
}


def _say_as_in(ctx: Context, v: str) -> str:
    """Letters given with "as in" ("b as in bravo"), digits read out."""
    out = []
    for part in re.findall(r"[A-Za-z]+|\d+", v):
        if part.isdigit():
            out.append(say_digits(part, ctx.rng, doubles=ctx.rng.random() < 0.5)[0])
        else:
            out += [f"{c.lower()} as in {PHONETIC[c.upper()]}" for c in part]
    return " ".join(out)


def _spell_password(ctx: Context, pw: str) -> str:
    """A password spelled character by character ("capital r o s e seven seven exclamation mark")."""
    out = []
    for ch in pw:
        if ch.isdigit():
            out.append(ONES[int(ch)])
        elif ch.isupper():
            out.append(rng_pick(ctx, ["capital ", "upper case ", "big "]) + ch.lower())
        elif ch.isalpha():
            out.append(ch)
        else:
            out.append({"!": "exclamation mark", "#": "hash", "@": "at sign", "$": "dollar sign", "_": "underscore",
                        "*": "star", ".": "dot", "&": "ampersand", "?": "question mark", "-": "dash"}.get(ch, "symbol"))
    return " ".join(out)


# ---- further bank details -------------------------------------------------------------------
def r_catransit(ctx: Context, args) -> Piece:
    """A Canadian branch transit number (five digits)."""
    return _acct(ctx, args, rdigits(ctx.rng, 5), ("ca-transit", "ca"), [5])


def r_caacc(ctx: Context, args) -> Piece:
    return _acct(ctx, args, rdigits(ctx.rng, 7, "123456789"), ("ca-account", "ca"), [3, 4])


def r_nzacc(ctx: Context, args) -> Piece:
    """A New Zealand account: bank, branch, account and suffix ("02-0500-0123456-00")."""
    rng = ctx.rng
    parts = [rng.choice(["01", "02", "03", "06", "12", "38"]), rdigits(rng, 4), rdigits(rng, 7), rdigits(rng, 2, "0")]
    if ctx.spoken:
        text, form = _say_number(ctx, " ".join(parts))
        return Piece(text, "ACCOUNT", form, ("nz-account", "nz"))
    form = ctx.cycle(("nzacc", ctx.style), ["dashed", "spaced", "digits"])
    return Piece({"dashed": "-", "spaced": " ", "digits": ""}[form].join(parts), "ACCOUNT", form, ("nz-account", "nz"))


def r_inacc(ctx: Context, args) -> Piece:
    return _acct(ctx, args, rdigits(ctx.rng, ctx.rng.choice([11, 12, 14]), "123456789"), ("in-account", "in"), [4, 4, 4])


def r_ifsc(ctx: Context, args) -> Piece:
    """An Indian branch code (IFSC), the counterpart of a sort code."""
    v = ctx.rng.choice(["HDFC", "SBIN", "ICIC", "UTIB", "KKBK", "PUNB"]) + "0" + rdigits(ctx.rng, 6)
    if ctx.spoken:
        return Piece(say_chars(v, ctx.rng), "ACCOUNT", "spoken", ("in-ifsc", "in"))
    return Piece(v if ctx.rng.random() < 0.7 else v.lower(), "ACCOUNT", "alnum", ("in-ifsc", "in"))


# ---- further national ids ---------------------------------------------------------------------
def _id_piece(ctx: Context, value: str, tags: tuple[str, ...], written: dict[str, str], spoken_groups: str | None = None) -> Piece:
    """A national id: said aloud (digits read out, letters spelled) or written in one of its forms."""
    if ctx.spoken:
        if re.search(r"[A-Za-z]", value):
            return Piece(say_chars(value, ctx.rng), "NATIONAL_ID", "spoken", tags)
        text, form = _say_number(ctx, spoken_groups or value)
        return Piece(text, "NATIONAL_ID", form, tags)
    form = ctx.cycle(("id-form", tags[0], ctx.style), list(written))
    return Piece(written[form], "NATIONAL_ID", form, tags)


def r_ppsn(ctx: Context, args) -> Piece:
    """An Irish PPS number: seven digits and a check letter (mod 23), sometimes a second letter."""
    d = rdigits(ctx.rng, 7)
    second = ctx.rng.choice(["", "", "A"])
    total = sum(int(c) * w for c, w in zip(d, range(8, 1, -1))) + (9 * 1 if second == "A" else 0)
    v = d + "WABCDEFGHIJKLMNOPQRSTUV"[total % 23] + second
    return _id_piece(ctx, v, ("ppsn", "ie"), {"compact": v, "lowercase": v.lower(), "spaced": f"{d} {v[7:]}"})


_CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def r_codfisc(ctx: Context, args) -> Piece:
    """An Italian codice fiscale from the person's names, birth date and sex, with its check letter."""
    p, rng = ctx.person(""), ctx.rng

    def code(word: str, first: bool) -> str:
        w = re.sub(r"[^A-Z]", "", strip_accents(word).upper())
        cons = [c for c in w if c not in "AEIOU"]
        vows = [c for c in w if c in "AEIOU"]
        if first and len(cons) > 3:
            cons = [cons[0], cons[2], cons[3]]
        return ("".join(cons + vows) + "XXX")[:3]
    y, m, d = p.dob
    body = code(p.last, False) + code(p.first, True) + f"{y % 100:02d}" + "ABCDEHLMPRST"[m - 1] + \
        f"{d + (40 if p.gender == 'f' else 0):02d}" + rng.choice("ABCDEFGHILM") + rdigits(rng, 3)
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else ord(c) - 65
        total += _CF_ODD[v] if i % 2 == 0 else v
    cf = body + chr(65 + total % 26)
    return _id_piece(ctx, cf, ("codice-fiscale", "it"), {"compact": cf, "lowercase": cf.lower()})


def r_nif(ctx: Context, args) -> Piece:
    """A Portuguese NIF (nine digits, mod-11 check)."""
    d = rdigits(ctx.rng, 8, "123")
    c = 11 - sum(int(x) * w for x, w in zip(d, range(9, 1, -1))) % 11
    v = d + str(0 if c >= 10 else c)
    return _id_piece(ctx, v, ("nif", "pt"), {"digits": v, "spaced": group(v, [3, 3, 3])}, group(v, [3, 3, 3]))


def r_pesel(ctx: Context, args) -> Piece:
    """A Polish PESEL: the birth date, a serial whose last digit is odd for men, a check digit."""
    p, rng = ctx.person(""), ctx.rng
    y, m, d = p.dob
    serial = rdigits(rng, 3) + rng.choice("13579" if p.gender == "m" else "02468")
    body = f"{y % 100:02d}{m + (20 if y >= 2000 else 0):02d}{d:02d}{serial}"
    check = (10 - sum(int(x) * w for x, w in zip(body, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3])) % 10) % 10
    v = body + str(check)
    return _id_piece(ctx, v, ("pesel", "pl"), {"digits": v}, group(v, [2, 2, 2, 5]))


def r_persnr(ctx: Context, args) -> Piece:
    """A Swedish personnummer: birth date, three digits, a Luhn check digit."""
    p, rng = ctx.person(""), ctx.rng
    y, m, d = p.dob
    body = f"{y % 100:02d}{m:02d}{d:02d}" + rdigits(rng, 3)
    check = next(c for c in "0123456789" if evalset.luhn_ok(body + c))
    v = body + check
    return _id_piece(ctx, v, ("personnummer", "se"), {"dashed": f"{v[:6]}-{v[6:]}", "long": f"{y}{v[2:6]}-{v[6:]}", "digits": v},
                     f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:]}")


def r_tfn(ctx: Context, args) -> Piece:
    """An Australian tax file number (nine digits, weighted mod 11)."""
    w = [1, 4, 3, 7, 5, 8, 6, 9, 10]
    while True:
        v = rdigits(ctx.rng, 9, "123456789")
        if sum(int(x) * k for x, k in zip(v, w)) % 11 == 0:
            break
    return _id_piece(ctx, v, ("tfn", "au"), {"spaced": group(v, [3, 3, 3]), "digits": v}, group(v, [3, 3, 3]))


def r_nhs(ctx: Context, args) -> Piece:
    """An NHS number (ten digits, mod-11 check)."""
    while True:
        d = rdigits(ctx.rng, 9, "3456789")
        c = 11 - sum(int(x) * w for x, w in zip(d, range(10, 1, -1))) % 11
        if c != 10:
            v = d + str(0 if c == 11 else c)
            break
    return _id_piece(ctx, v, ("nhs", "uk"), {"spaced": group(v, [3, 3, 4]), "digits": v, "dashed": group(v, [3, 3, 4], "-")},
                     group(v, [3, 3, 4]))


def r_cpf(ctx: Context, args) -> Piece:
    """A Brazilian CPF with its two check digits ("123.456.789-09")."""
    d = rdigits(ctx.rng, 9, "123456789")
    for n in (10, 11):
        s = sum(int(x) * w for x, w in zip(d, range(n, 1, -1)))
        d += str(0 if s % 11 < 2 else 11 - s % 11)
    return _id_piece(ctx, d, ("cpf", "br"), {"dotted": f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}", "digits": d}, group(d, [3, 3, 3, 2]))


def r_zaid(ctx: Context, args) -> Piece:
    """A South African identity number: birth date, sex digits, citizenship, Luhn check."""
    p, rng = ctx.person(""), ctx.rng
    y, m, d = p.dob
    body = f"{y % 100:02d}{m:02d}{d:02d}" + (str(rng.randint(5000, 9999)) if p.gender == "m" else f"{rng.randint(0, 4999):04d}") + "08"
    v = body + next(c for c in "0123456789" if evalset.luhn_ok(body + c))
    return _id_piece(ctx, v, ("sa-id", "za"), {"digits": v, "spaced": f"{v[:6]} {v[6:10]} {v[10:]}"}, f"{v[:6]} {v[6:10]} {v[10:]}")


def r_benn(ctx: Context, args) -> Piece:
    """A Belgian national register number: birth date, serial, mod-97 check ("85.07.30-033.28")."""
    p, rng = ctx.person(""), ctx.rng
    y, m, d = p.dob
    serial = f"{rng.randint(1, 997):03d}"
    body = f"{y % 100:02d}{m:02d}{d:02d}{serial}"
    check = 97 - int(("2" if y >= 2000 else "") + body) % 97
    v = body + f"{check:02d}"
    return _id_piece(ctx, v, ("be-national-number", "be"), {"dotted": f"{v[:2]}.{v[2:4]}.{v[4:6]}-{v[6:9]}.{v[9:]}", "digits": v},
                     f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:9]} {v[9:]}")


# ---- further security answers and look-alikes ---------------------------------------------------
def r_film(ctx: Context, args) -> Piece:
    return _answer(ctx, "FAVOURITE_FILMS", "security-answer", "favourite-film")


def r_firstcar(ctx: Context, args) -> Piece:
    return _answer(ctx, "FIRST_CARS", "security-answer", "first-car")


def r_childstreet(ctx: Context, args) -> Piece:
    return _answer(ctx, "CHILDHOOD_STREETS", "security-answer", "childhood-street")


def n_amountw(ctx: Context, args) -> Piece:
    """An amount in words, written or said ("two hundred and fifty pounds", "three grand")."""
    rng = ctx.rng
    form = ctx.cycle("amount-words", ["number", "hundreds", "grand", "price"])
    cur = rng.choice(["pounds", "quid", "dollars", "euros", "bucks"])
    if form == "number":
        text = f"{words(rng.choice([15, 40, 60, 75, 99, 250, 120, 350]))} {cur}"
    elif form == "hundreds":
        text = f"{rng.choice(['twelve', 'fifteen', 'eighteen', 'twenty five'])} hundred {cur}"
    elif form == "grand":
        text = rng.choice(["three grand", "a couple of grand", "five grand", "ten grand"])
    else:
        text = f"{rng.choice(['nine', 'twelve', 'nineteen', 'forty'])} ninety nine"
    return Piece(text, "AMOUNT", "words")


def n_clause(ctx: Context, args) -> Piece:
    """A clause or section of a policy or of terms ("clause 4.2", "section 7(b)")."""
    v = ctx.cycle("clauses", ctx.pools.CLAUSES)
    if ctx.spoken:
        v = re.sub(r"[()]", " ", v.lower()).replace(".", " point ")
        v = " ".join(words(int(t)) if t.isdigit() else t for t in v.split())
    return Piece(v, "REFERENCE", "clause")


def n_bic(ctx: Context, args) -> Piece:
    v = ctx.cycle("bics", ctx.pools.BICS)
    if ctx.spoken:
        return Piece(say_chars(v, ctx.rng), "BANK_CODE", "bic")
    return Piece(v if ctx.rng.random() < 0.7 else v.lower(), "BANK_CODE", "bic")


def n_holiday(ctx: Context, args) -> Piece:
    """A date named by its day ("Boxing Day", "Black Friday"): a date, not a birth date."""
    v = ctx.cycle("holidays", ctx.pools.HOLIDAYS)
    return Piece(v.lower() if ctx.spoken or ctx.style in ("chat", "sms") and ctx.rng.random() < 0.5 else v, "DATE", "holiday")


_REF_FORMS_MORE = {
    "complaint": lambda rng: f"{rng.choice(['CMP', 'COMP', 'CX'])}-{rng.randint(2022, 2025)}-{rdigits(rng, 5)}",
    "claim": lambda rng: f"{rng.choice(['CLM', 'CL', 'MTR'])}/{rdigits(rng, 2)}/{rdigits(rng, 5)}",
    "incident": lambda rng: f"{rng.choice(['INC', 'IR', 'SR'])}{rdigits(rng, 7, '0')}",
}


RENDERERS = {
    "name": r_name, "first": r_first, "last": r_last, "spell": r_spell, "agent": r_agent,
    "phone": r_phone, "email": r_email, "card": r_card, "iban": r_iban,
    "sort": r_sort, "ukacc": r_ukacc, "usacc": r_usacc, "routing": r_routing, "bsb": r_bsb, "auacc": r_auacc,
    "ssn": r_ssn, "nino": r_nino, "sin": r_sin, "aadhaar": r_aadhaar, "dni": r_dni, "bsn": r_bsn, "nir": r_nir,
    "dob": r_dob, "address": r_address, "postcode": r_postcode, "street": r_street,
    "custno": r_custno, "pin": r_pin, "otp": r_otp, "cvv": r_cvv, "password": r_password,
    "maiden": r_maiden, "pet": r_pet, "school": r_school, "memword": r_memword, "birthtown": r_birthtown,
    "memchars": r_memchars,
    "order": n_order, "tracking": n_tracking, "invoice": n_invoice, "amount": n_amount, "date": n_date,
    "time": n_time, "flight": n_flight, "last4": n_last4, "ref": n_ref, "product": n_product, "qty": n_qty,
    "brand": _pooled("BRAND", "BRANDS", "brand"), "pbrand": _pooled("BRAND", "PERSON_BRANDS", "person-named"),
    "place": _pooled("PLACE", "PLACES", "place"),
    "year": n_year, "duration": n_duration, "percent": n_percent, "error": n_error, "version": n_version,
    "catransit": r_catransit, "caacc": r_caacc, "nzacc": r_nzacc, "inacc": r_inacc, "ifsc": r_ifsc,
    "ppsn": r_ppsn, "codfisc": r_codfisc, "nif": r_nif, "pesel": r_pesel, "persnr": r_persnr, "tfn": r_tfn,
    "nhs": r_nhs, "cpf": r_cpf, "zaid": r_zaid, "benn": r_benn,
    "film": r_film, "firstcar": r_firstcar, "childstreet": r_childstreet,
    "amountw": n_amountw, "clause": n_clause, "bic": n_bic, "holiday": n_holiday,
}


# --------------------------------------------------------------------------------------------
# Carriers: real sentences from the shared data sets
# --------------------------------------------------------------------------------------------
def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"pii_eval_frames_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


_CAPS_OK = {"I", "I'm", "I've", "I'll", "I'd", "ATM", "PIN", "UK", "US", "EU", "USA", "Apple", "Google", "Pay", "Visa",
            "Mastercard", "SEPA", "ID", "OK", "App", "Euro", "Euros", "GBP", "USD", "EUR", "SWIFT", "IBAN", "Amex"}


def clean_carrier(text: str, given_names: set[str]) -> str | None:
    """A carrier sentence fit to plant personal data in: none of its own (no digits, no
    capitalised word inside the sentence that might be a name, no given name), not too long."""
    text = " ".join(text.split())
    if not (12 <= len(text) <= 160) or re.search(r"\d|@|http|www|#|\$|£|€", text):
        return None
    toks = re.findall(r"[A-Za-z']+", text)
    if any(t.lower() in given_names for t in toks):
        return None
    for i, t in enumerate(toks):
        prev = text[:text.find(t)].rstrip()
        if t[0].isupper() and i and t not in _CAPS_OK and not prev.endswith((".", "!", "?")):
            return None
    return text


def to_transcript(text: str) -> str:
    """A written sentence as speech-to-text output: lower case, no punctuation."""
    t = text.lower().replace("&", " and ")
    t = re.sub(r"[^\w\s']", " ", t)
    return " ".join(t.split())


def load_carriers(sources: dict, given_names: set[str], files: dict | None = None) -> dict[str, list[str]]:
    """Carrier sentences per source, chosen by the split's rule (its categories, intents, rows);
    ``files`` names another file of a source (the IMDb sentences of ``uci_sentiment``)."""
    files = files or {}
    out: dict[str, list[str]] = {}
    if "banking77" in sources:
        keep = sources["banking77"]
        rows = list(csv.DictReader(open(SHARED / "banking77" / "train.csv", encoding="utf-8")))
        cats = sorted({r["category"] for r in rows})
        texts = [r["text"] for r in rows if keep(cats.index(r["category"]), r["category"])]
        out["banking77"] = [t for t in (clean_carrier(x, given_names) for x in texts) if t]
    if "clinc150" in sources:
        keep = sources["clinc150"]
        data = json.load(open(SHARED / "clinc150" / "data_train_val.json", encoding="utf-8"))
        texts = [t for t, intent in data["train"] + data["val"] if keep(intent)]
        out["clinc150"] = [t for t in (clean_carrier(x, given_names) for x in texts) if t]
    if "uci_sentiment" in sources:
        keep = sources["uci_sentiment"]
        lines = (SHARED / "uci_sentiment" / files.get("uci_sentiment", "yelp_labelled.txt")).read_text(encoding="utf-8").splitlines()
        texts = [ln.rsplit("\t", 1)[0] for i, ln in enumerate(lines) if "\t" in ln and keep(i, ln.rsplit("\t", 1)[1].strip())]
        out["uci_sentiment"] = [t for t in (clean_carrier(x, given_names) for x in texts) if t]
    for name in out:
        seen: set[str] = set()
        out[name] = [t for t in out[name] if not (t.lower() in seen or seen.add(t.lower()))]
    return out


def abcd_frames(keep: list[int], replace: dict) -> list[str]:
    """ABCD dialogues (MIT) as chat frames: delexicalised turns with their slots turned into this
    builder's slots and the scenario's customer name into ``{name}`` / ``{first}``."""
    data = json.load(open(SHARED / "abcd" / "abcd_sample.json", encoding="utf-8"))
    frames = []
    for i in keep:
        convo = data[i]
        full = convo["scenario"]["personal"]["customer_name"].lower()
        first = full.split()[0]
        lines = []
        for turn in convo["delexed"]:
            if turn["speaker"] == "action":
                continue
            t = turn["text"].replace("{", "(").replace("}", ")")
            t = t.replace(full, "{name}")
            t = re.sub(rf"\b{re.escape(first)}\b", "{first}", t)
            for k, v in replace.items():
                t = t.replace(k, v)
            lines.append(f"{turn['speaker']}: {t}")
        frames.append("\n".join(lines))
    return frames


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
class Pools:
    """A split's pools (from its frames module) and how people are drawn from them."""

    def __init__(self, mod):
        self.__dict__.update({k: v for k, v in vars(mod).items() if k.isupper()})

    def person(self, rng: random.Random, cycles: dict) -> Person:
        i = cycles.get("person", 0)
        cycles["person"] = i + 1
        country = self.PERSON_COUNTRIES[i % len(self.PERSON_COUNTRIES)]
        gender = rng.choice("mf")
        first = rng.choice(self.FIRST_NAMES[gender])
        last = rng.choice(self.SURNAMES)
        y = rng.randint(1938, 2006)
        m = rng.randint(1, 12)
        d = rng.randint(1, 28 if m == 2 else 30)
        return Person(first, last, gender, country, (), (y, m, d))


ID_PREFIX = {"dev": "d", "test": "t"}


def build_split(split: str) -> list[dict]:
    mod = _load_module(HERE / "frames" / f"{split}.py")
    pools = Pools(mod)
    rng = random.Random(mod.SEED)
    cycles: dict = {}
    given = {n.lower() for g in ("m", "f") for n in pools.FIRST_NAMES[g]} | {n.lower() for n in mod.EXTRA_GIVEN_NAMES}
    carriers = load_carriers(mod.CARRIER_SOURCES, given, getattr(mod, "CARRIER_FILES", {}))
    records: list[dict] = []

    def emit(style: str, frame: str, source: str, carrier: str | None = None) -> None:
        ctx = Context(pools, rng, cycles, style)
        f = frame
        if carrier is not None:
            c = to_transcript(carrier) if style == "transcript" else carrier
            if style in ("chat", "sms") and rng.random() < 0.5:
                c = c.lower()
            f = frame.replace("{carrier}", c.replace("{", "(").replace("}", ")"))
        text, items, negatives = render_frame(f, ctx, RENDERERS)
        records.append({"id": f"{ID_PREFIX.get(split, split)}-{len(records) + 1:04d}", "split": split, "style": style, "source": source,
                        "text": text, "items": items, "negatives": negatives})

    for style, frames in mod.FRAMES.items():
        for frame in frames:
            for _ in range(mod.REPEAT.get(style, 1) if isinstance(mod.REPEAT, dict) else mod.REPEAT):
                emit(style, frame, "handwritten")
    for source, style, frame, n in mod.CARRIER_FRAMES:
        pool = carriers[source]
        for _ in range(n):
            emit(style, frame, source, pool[rng.randrange(len(pool))])
    for frame in abcd_frames(mod.ABCD_DIALOGUES, mod.ABCD_SLOTS):
        for _ in range(mod.ABCD_REPEAT):
            emit("chat", frame, "abcd")
    return records


def write(split: str, records: list[dict]) -> None:
    with open(evalset.path_of(split), "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def counts_markdown() -> str:
    """Markdown tables of what each split holds, per kind, kind/form, kind/tag, style, source."""
    per = {s: evalset.counts(evalset.load(s)) for s in evalset.SPLITS}
    out = []
    for table, title in (("kind", "items per kind"), ("negative_kind", "hard negatives per kind"),
                         ("style", "records per style"), ("source", "records per source"),
                         ("kind_form", "items per kind / form"), ("kind_tag", "items per kind / tag"),
                         ("negative_kind_form", "hard negatives per kind / form")):
        keys = sorted(set().union(*(per[s][table] for s in evalset.SPLITS)))
        out.append(f"| {title} | " + " | ".join(evalset.SPLITS) + " |\n|---|" + "---:|" * len(evalset.SPLITS))
        out += [f"| {k} | " + " | ".join(f"{per[s][table].get(k, 0):,}" for s in evalset.SPLITS) + " |" for k in keys]
        if table in ("kind", "negative_kind", "style", "source"):
            out.append("| **total** | " + " | ".join(f"**{sum(per[s][table].values()):,}**" for s in evalset.SPLITS) + " |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="rebuild in memory and compare with the files")
    ap.add_argument("--split", choices=evalset.SPLITS, action="append")
    ap.add_argument("--counts", action="store_true", help="print the counts tables of the written files (README)")
    args = ap.parse_args(argv)
    if args.counts:
        print(counts_markdown())
        return 0
    status = 0
    for split in args.split or evalset.SPLITS:
        records = build_split(split)
        problems = [p for r in records for p in evalset.check_record(r, split)]
        if problems:
            print(f"{split}: {len(problems)} problems, first: " + "; ".join(problems[:10]), file=sys.stderr)
            return 1
        if args.check:
            same = evalset.path_of(split).read_text(encoding="utf-8") == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            print(f"{split}: {'matches' if same else 'DIFFERS FROM'} {evalset.path_of(split).name}")
            status |= not same
        else:
            write(split, records)
            c = evalset.counts(records)
            print(f"{split}: {len(records)} records, {sum(c['kind'].values())} items, {sum(c['negative_kind'].values())} hard negatives")
    return status


if __name__ == "__main__":
    sys.exit(main())
