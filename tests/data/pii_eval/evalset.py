"""Load and check the independent redaction evaluation set (``dev.jsonl``, ``test.jsonl``,
``test2.jsonl``).

The set follows ``pii_eval_format``: one JSON object per line with ``text``, ``items`` (personal
data that must be masked) and ``negatives`` (look-alikes that must stay visible), every span in
Python character offsets of ``text``.  This module holds what the builder, the scorer
(``bench/pii_independent.py``) and the tests share: the vocabularies, the loader and
``check_record``, which says everything wrong with one record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "test", "test2")
# The splits whose items may be printed, inspected and tuned on (test was, after its first scoring);
# test2 is held out.
TUNABLE = ("dev", "test")

ITEM_KINDS = (
    "CARD", "IBAN", "ACCOUNT", "PHONE", "EMAIL", "NATIONAL_ID", "DOB", "NAME", "ADDRESS",
    "CUSTOMER_NUMBER", "SECRET",
)
NEGATIVE_KINDS = (
    "ORDER_NUMBER", "TRACKING_NUMBER", "INVOICE_NUMBER", "AMOUNT", "DATE", "TIME", "FLIGHT",
    "CARD_LAST4", "REFERENCE", "PRODUCT_CODE", "QUANTITY", "ORDINARY_WORD", "BRAND", "PLACE",
    "PERCENT", "YEAR", "DURATION", "ERROR_CODE", "VERSION", "BANK_CODE",
)
STYLES = ("chat", "transcript", "email", "sms", "social")
SOURCES = ("handwritten", "banking77", "abcd", "clinc150", "uci_sentiment")

# The floors the contract sets for each split: (items, hard negatives).
FLOORS = {"dev": (400, 120), "test": (1000, 300), "test2": (1000, 300)}

# Forms of items that are personal data but not a whole valid number (see ``check_record``).
UNCHECKED_FORMS = ("false-start", "mistyped")

_SPOKEN_DIGITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
                  "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def path_of(split: str) -> Path:
    """The file of a split."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return HERE / f"{split}.jsonl"


def load(split: str) -> list[dict]:
    """The records of a split, checked; raises ``ValueError`` listing every problem found."""
    records = [json.loads(line) for line in path_of(split).read_text(encoding="utf-8").splitlines() if line.strip()]
    problems = [p for r in records for p in check_record(r, split)]
    ids = [r.get("id") for r in records]
    if len(set(ids)) != len(ids):
        problems.append("duplicate record ids")
    if problems:
        raise ValueError(f"{split}: {len(problems)} problem(s): " + "; ".join(problems[:20]))
    return records


def luhn_ok(digits: str) -> bool:
    """True when a digit string passes the Luhn check (cards, Canadian SIN)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return bool(digits) and total % 10 == 0


def iban_ok(iban: str) -> bool:
    """True when an IBAN (any case, any spacing) passes ISO 13616 mod-97."""
    s = re.sub(r"[\s-]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


_TEENS = {w: str(10 + i) for i, w in enumerate("ten eleven twelve thirteen fourteen fifteen sixteen "
                                                  "seventeen eighteen nineteen".split())}
_TENS = {w: str(i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}


def digits_of(surface: str) -> str:
    """The digits a written or spoken number stands for: "double five" -> "55", "oh" -> "0",
    "forty one" -> "41", "nine hundred" -> "900"."""
    out: list[str] = []
    repeat = 1
    toks = re.findall(r"[a-z]+|\d", surface.lower())
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if tok in ("double", "triple"):
            repeat = 2 if tok == "double" else 3
        elif tok.isdigit():
            out.append(tok * repeat)
            repeat = 1
        elif tok in _TENS:
            if nxt in _SPOKEN_DIGITS and nxt not in ("zero", "oh", "o"):
                out.append(_TENS[tok] + _SPOKEN_DIGITS[nxt])
                i += 1
            else:
                out.append(_TENS[tok] + "0")
        elif tok in _TEENS:
            out.append(_TEENS[tok])
        elif tok == "hundred" and out:
            out.append("00")
        elif tok in _SPOKEN_DIGITS:
            out.append(_SPOKEN_DIGITS[tok] * repeat)
            repeat = 1
        i += 1
    return "".join(out)


def letters_and_digits_of(surface: str) -> str:
    """An IBAN said aloud or written, as its characters: "g b eight two" -> "GB82"."""
    out: list[str] = []
    repeat = 1
    for tok in re.findall(r"[A-Za-z]+|\d", surface):
        low = tok.lower()
        if low in ("double", "triple"):
            repeat = 2 if low == "double" else 3
            continue
        if low in _SPOKEN_DIGITS and low != "o":
            out.append(_SPOKEN_DIGITS[low] * repeat)
        elif tok.isdigit():
            out.append(tok * repeat)
        else:
            out.append(tok.upper() * repeat)
        repeat = 1
    return "".join(out)


def check_record(r: dict, split: str | None = None) -> list[str]:
    """Every problem with one record (empty when it is well formed).

    Checks the fields and vocabularies, that each span lies inside the text, is not empty and
    does not start or end in white space, that no two spans overlap, and that planted cards pass
    Luhn and planted IBANs pass mod-97. An item given in pieces (a card read out over two turns)
    carries the same ``group`` on each piece, in order; the pieces are checked together. A wrong
    start the speaker corrects (form ``false-start``) or a number sent wrong and then sent again
    (form ``mistyped``) is personal data too but is not a whole valid number, so it is not checked.
    """
    rid = r.get("id", "?")
    problems: list[str] = []
    for key in ("id", "split", "style", "source", "text", "items", "negatives"):
        if key not in r:
            problems.append(f"{rid}: missing {key}")
    if problems:
        return problems
    if split is not None and r["split"] != split:
        problems.append(f"{rid}: split {r['split']!r} in the {split} file")
    if r["style"] not in STYLES:
        problems.append(f"{rid}: style {r['style']!r}")
    if r["source"] not in SOURCES:
        problems.append(f"{rid}: source {r['source']!r}")
    text = r["text"]
    spans = []
    pieces: dict = {}
    for group, kinds in (("items", ITEM_KINDS), ("negatives", NEGATIVE_KINDS)):
        for s in r[group]:
            start, end, kind = s.get("start"), s.get("end"), s.get("kind")
            if kind not in kinds:
                problems.append(f"{rid}: {group} kind {kind!r}")
            if not s.get("form"):
                problems.append(f"{rid}: {kind} without a form")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                problems.append(f"{rid}: {kind} span {start}-{end} outside the text")
                continue
            surface = text[start:end]
            if surface != surface.strip():
                problems.append(f"{rid}: {kind} span {surface!r} has white space at an edge")
            if "text" in s and s["text"] != surface:
                problems.append(f"{rid}: {kind} text {s['text']!r} != text[{start}:{end}] {surface!r}")
            spans.append((start, end, kind))
            if group == "items" and "group" in s:
                pieces.setdefault(s["group"], []).append((kind, s, surface))
            elif group == "items" and s.get("form") not in UNCHECKED_FORMS:
                problems += _check_value(rid, kind, s, surface)
    for gid, parts in pieces.items():
        if len(parts) < 2 or len({k for k, _, _ in parts}) != 1:
            problems.append(f"{rid}: group {gid!r} needs two or more pieces of one kind")
            continue
        problems += _check_value(rid, parts[0][0], parts[0][1], " ".join(surface for _, _, surface in parts))
    spans.sort()
    for (s1, e1, k1), (s2, e2, k2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(f"{rid}: {k1} {s1}-{e1} overlaps {k2} {s2}-{e2}")
    return problems


def _check_value(rid: str, kind: str, span: dict, surface: str) -> list[str]:
    if kind == "CARD":
        d = digits_of(surface)
        if not (13 <= len(d) <= 19 and luhn_ok(d)):
            return [f"{rid}: card {surface!r} ({d}) fails Luhn"]
    if kind == "IBAN":
        chars = letters_and_digits_of(surface) if span.get("form", "").startswith("spoken") else surface
        if not iban_ok(chars):
            return [f"{rid}: IBAN {surface!r} fails mod-97"]
    if kind == "NATIONAL_ID":
        for tag in span.get("tags", []):
            check = NATIONAL_ID_CHECKS.get(tag)
            if check and not check(letters_and_digits_of(surface) if tag in ("ppsn", "codice-fiscale") else digits_of(surface)):
                return [f"{rid}: {tag} {surface!r} fails its check"]
    return []


def _weighted(digits: str, weights) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def _ppsn_ok(v: str) -> bool:
    if not re.fullmatch(r"\d{7}[A-W][A-IW]?", v):
        return False
    second = 0 if len(v) == 8 or v[8] == "W" else ord(v[8]) - 64
    return "WABCDEFGHIJKLMNOPQRSTUV"[(_weighted(v[:7], range(8, 1, -1)) + 9 * second) % 23] == v[7]


_CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def _codice_fiscale_ok(v: str) -> bool:
    if not re.fullmatch(r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]", v):
        return False
    total = sum(_CF_ODD[int(c) if c.isdigit() else ord(c) - 65] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65)
                for i, c in enumerate(v[:15]))
    return chr(65 + total % 26) == v[15]


def _nhs_ok(d: str) -> bool:
    c = 11 - _weighted(d, range(10, 1, -1)) % 11
    return len(d) == 10 and c != 10 and (0 if c == 11 else c) == int(d[9])


def _cpf_ok(d: str) -> bool:
    if len(d) != 11:
        return False
    for n in (9, 10):
        s = _weighted(d[:n], range(n + 1, 1, -1))
        if (0 if s % 11 < 2 else 11 - s % 11) != int(d[n]):
            return False
    return True


def _pesel_ok(d: str) -> bool:
    return len(d) == 11 and (10 - _weighted(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10) % 10 == int(d[10])


def _be_number_ok(d: str) -> bool:
    return len(d) == 11 and int(d[9:]) in (97 - int(d[:9]) % 97, 97 - int("2" + d[:9]) % 97)


def _nif_ok(d: str) -> bool:
    c = 11 - _weighted(d, range(9, 1, -1)) % 11
    return len(d) == 9 and (0 if c >= 10 else c) == int(d[8])


def _ssn_ok(d: str) -> bool:
    return len(d) == 9 and d[:3] not in ("000", "666") and d[0] != "9" and d[3:5] != "00" and d[5:] != "0000"


# Check digits of the national ids the set plants, by tag (digits, or letters and digits).
NATIONAL_ID_CHECKS = {
    "ssn": _ssn_ok,
    "sin": lambda d: len(d) == 9 and luhn_ok(d),
    "bsn": lambda d: len(d) == 9 and (_weighted(d[:8], range(9, 1, -1)) - int(d[8])) % 11 == 0,
    "nhs": _nhs_ok,
    "tfn": lambda d: len(d) == 9 and _weighted(d, [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 == 0,
    "cpf": _cpf_ok,
    "pesel": _pesel_ok,
    "personnummer": lambda d: len(d) in (10, 12) and luhn_ok(d[-10:]),
    "sa-id": lambda d: len(d) == 13 and luhn_ok(d),
    "be-national-number": _be_number_ok,
    "nif": _nif_ok,
    "ppsn": _ppsn_ok,
    "codice-fiscale": _codice_fiscale_ok,
}


def counts(records: list[dict]) -> dict:
    """Counts of items and negatives per kind, kind/form, kind/tag, style and source."""
    c: dict[str, dict[str, int]] = {k: {} for k in ("kind", "kind_form", "kind_tag", "style", "source",
                                                      "negative_kind", "negative_kind_form")}

    def bump(table: str, key: str) -> None:
        c[table][key] = c[table].get(key, 0) + 1

    for r in records:
        bump("style", r["style"])
        bump("source", r["source"])
        for it in r["items"]:
            bump("kind", it["kind"])
            bump("kind_form", f"{it['kind']}/{it['form']}")
            for t in it.get("tags", []):
                bump("kind_tag", f"{it['kind']}/{t}")
        for ng in r["negatives"]:
            bump("negative_kind", ng["kind"])
            bump("negative_kind_form", f"{ng['kind']}/{ng['form']}")
    return {k: dict(sorted(v.items())) for k, v in c.items()}
