"""A labelled PII test set built from real customer sentences, and per-type recall/precision.

Real utterances (BANKING77, ABCD chats) carry planted personal data in the phrasings customers
and agents use; every planted value is valid (Luhn cards, mod-97 IBANs, well-formed national
ids) and its character span is known. Hard negatives (amounts, dates, order and tracking
numbers, card numbers that fail Luhn, product and place names) test precision.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from earful.nlp.redact import PiiSpan

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Steven Ashley Andrew
Emily Kevin Michelle Brian Amanda George Melissa Timothy Deborah Ronald Stephanie Jason Rebecca Jeffrey Laura Ryan
Sharon Jacob Cynthia Gary Kathleen Nicholas Amy Eric Angela Priya Mohammed Wei Aisha Oluwaseun Siobhan Mateo Yuki
Fatima Dmitri Ingrid Rahul Chloe Liam Olivia Noah Emma Crystal Joyce Alessandro Nadia Kwame""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Patel Khan Okafor Kowalski Schneider Rossi Tanaka O'Brien MacDonald Fitzgerald Minh Chen Dubois
Novak Haddad Mensah Lindqvist""".split()
STREETS = """Maple Oak Pine Cedar Elm Washington Lake Hill Park Main Church High Station Victoria Mill Kings Queens
Baker Mulberry Riverside Sunset Highland Chestnut Willow 1st 2nd 3rd 5th Lincoln Jefferson""".split()
SUFFIXES = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane", "Drive", "Dr", "Boulevard", "Way", "Court", "Place",
            "Terrace", "Close", "Crescent"]
US_CITIES = [("Springfield", "IL"), ("San Mateo", "CA"), ("Austin", "TX"), ("Portland", "OR"), ("Raleigh", "NC"),
             ("Denver", "CO"), ("Brooklyn", "NY"), ("Columbus", "OH"), ("Tampa", "FL"), ("Madison", "WI")]
UK_CITIES = ["London", "Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "York", "Brighton"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "email.com", "icloud.com", "proton.me", "company.org"]

# Sentences around a planted value, as customers write them. {v} is the value.
TEMPLATES: dict[str, list[str]] = {
    "CARD": ["my card number is {v}", "the card ending was {v}", "Card: {v}", "I used card {v} for this",
             "{v} is the card that got charged", "can you block {v} please", "charged twice on {v}!!",
             "the number on the front is {v}"],
    "PHONE": ["you can call me on {v}", "my number is {v}", "phone: {v}", "text me at {v} when it's done",
              "I tried calling {v} but nobody answered", "reach me at {v} after 5pm", "{v} is my mobile",
              "my new phone number is {v}"],
    "EMAIL": ["my email is {v}", "send it to {v} please", "email: {v}", "I never got the mail at {v}",
              "{v} is the address on file", "please update my email to {v}"],
    "IBAN": ["my IBAN is {v}", "the money should go to {v}", "IBAN: {v}", "I sent it to {v} yesterday",
             "please refund to {v}", "{v} is the account I want to use"],
    "ACCOUNT": ["my account number is {v}", "account no. {v}", "acct #{v}", "it's for account {v}",
                "the account number {v} is wrong", "Account: {v}"],
    "NATIONAL_ID": ["my SSN is {v}", "social security number {v}", "my national insurance number is {v}",
                    "NI number: {v}", "they asked for my social security: {v}", "here is my ssn {v}"],
    "ADDRESS": ["I live at {v}", "please send it to {v}", "my address is {v}", "the card went to {v} instead",
                "I moved to {v} last month", "address: {v}", "deliver to {v}"],
    "NAME": ["my name is {v}", "this is {v}", "{v} here", "the account is in the name of {v}",
             "I sent money to {v} yesterday", "can you check if {v} got the transfer", "Thanks, {v}",
             "I'm {v} and I need help", "hi, I am {v}", "my husband {v} says it never arrived",
             "I'm calling for {v}", "please transfer 50 pounds to {v}", "{v} told me to contact you"],
}
NEGATIVES = ["I was charged $1,250.00 on 12/03/2024", "order #{o} still hasn't arrived", "it took 45 minutes",
             "tracking number 1Z999AA1012345678{d}", "the transaction id was TX{o}", "I paid 3 times in 2023",
             "card number 4929 1234 5678 901{d} doesn't work", "I bought it on Amazon with Apple Pay",
             "I'm in Germany at the moment", "my PIN was blocked after 3 tries", "version 2.3.1 of the app crashes",
             "reference {o}", "I need 200 euros by Friday", "the fee was 2.5%", "call back on Monday at 10:30",
             "it's been 2 weeks", "I want to top up 40 GBP", "Visa says it went through", "I'm at Heathrow Terminal 5"]


@dataclass
class PiiExample:
    text: str
    spans: list[PiiSpan] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def _luhn_complete(body: str) -> str:
    for d in "0123456789":
        from earful.nlp.redact import luhn_valid
        if luhn_valid(body + d):
            return body + d
    raise AssertionError


def _card(r: random.Random) -> str:
    prefix, length = r.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("4", 13)])
    body = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
    n = _luhn_complete(body)
    style = r.random()
    if length == 15:
        return f"{n[:4]} {n[4:10]} {n[10:]}" if style < 0.5 else n
    if length == 13 or style < 0.3:
        return n
    sep = " " if style < 0.75 else "-"
    return sep.join(n[i:i + 4] for i in range(0, len(n), 4))


def _phone(r: random.Random) -> str:
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    k = r.randrange(8)
    return [f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"+1 {a} {b} {c:04d}",
            f"+44 7{r.randint(100, 999)} {r.randint(100000, 999999)}", f"07{r.randint(100, 999)} {r.randint(100000, 999999)}",
            f"020 {r.randint(7000, 8999)} {r.randint(1000, 9999)}", f"+1{a}{b}{c:04d}"][k]


def _email(r: random.Random) -> str:
    f, l = r.choice(FIRST).lower(), r.choice(LAST).lower().replace("'", "")
    user = r.choice([f"{f}.{l}", f"{f}{l}{r.randint(1, 999)}", f"{f[0]}{l}", f"{f}_{l}", f"{l}{r.randint(10, 99)}"])
    return f"{user}@{r.choice(DOMAINS)}"


def _iban(r: random.Random) -> str:
    country, bban = r.choice([
        ("GB", "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + "".join(r.choice("0123456789") for _ in range(14))),
        ("DE", "".join(r.choice("0123456789") for _ in range(18))),
        ("FR", "".join(r.choice("0123456789") for _ in range(23))),
        ("NL", "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + "".join(r.choice("0123456789") for _ in range(10))),
    ])
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - num % 97:02d}{bban}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) if r.random() < 0.5 else iban


def _account(r: random.Random) -> str:
    return "".join(r.choice("0123456789") for _ in range(r.randint(8, 12)))


def _national_id(r: random.Random) -> str:
    if r.random() < 0.5:
        a, b, c = r.randint(1, 665), r.randint(1, 99), r.randint(1, 9999)
        return f"{a:03d}-{b:02d}-{c:04d}" if r.random() < 0.7 else f"{a:03d} {b:02d} {c:04d}"
    first, second = r.choice("ABCEGHJKLMNOPRSTWXYZ"), r.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        second = r.choice("ABCEGHJKLMNPRSTWXYZ")
    d = "".join(r.choice("0123456789") for _ in range(6))
    return (f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {r.choice('ABCD')}" if r.random() < 0.5
            else f"{first}{second}{d}{r.choice('ABCD')}")


def _address(r: random.Random) -> str:
    street = f"{r.randint(1, 9999)} {r.choice(STREETS)} {r.choice(SUFFIXES)}"
    k = r.random()
    if k < 0.4:
        city, st = r.choice(US_CITIES)
        return f"{street}, {city}, {st} {r.randint(10000, 99999)}"
    if k < 0.55:
        city, st = r.choice(US_CITIES)
        return f"{street} {city}, {st} {r.randint(10000, 99999)}".lower()
    if k < 0.8:
        pc = f"{r.choice(['NW', 'SE', 'LS', 'BS', 'M', 'G', 'CF'])}{r.randint(1, 19)} {r.randint(1, 9)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        return f"{street}, {r.choice(UK_CITIES)} {pc}"
    return street


def _name(r: random.Random) -> str:
    return f"{r.choice(FIRST)} {r.choice(LAST)}" if r.random() < 0.75 else r.choice(FIRST)


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "CARD": _card, "PHONE": _phone, "EMAIL": _email, "IBAN": _iban, "ACCOUNT": _account,
    "NATIONAL_ID": _national_id, "ADDRESS": _address, "NAME": _name}
# The kinds this generator plants (the redactor knows more).
PII_TYPES = tuple(MAKERS)


def make_pii_testset(carriers: Sequence[str], n_per_type: int = 500, n_negatives: int = 1000,
                     seed: int = 7) -> list[PiiExample]:
    """Real sentences with planted PII (``n_per_type`` of each kind) plus negatives, shuffled."""
    r = random.Random(seed)
    examples: list[PiiExample] = []
    for kind in PII_TYPES:
        for _ in range(n_per_type):
            value = MAKERS[kind](r)
            clause = r.choice(TEMPLATES[kind])
            carrier = r.choice(carriers).strip()
            at = clause.index("{v}")
            clause_text = clause.replace("{v}", value)
            if r.random() < 0.5:
                prefix = carrier + (" " if carrier[-1:] in ".?!" else ". ")
                text = prefix + clause_text + r.choice([".", "", " thanks", "?"])
                start = len(prefix) + at
            else:
                text = clause_text + ". " + carrier
                start = at
            examples.append(PiiExample(text, [PiiSpan(start, start + len(value), kind)], [value]))
    for i in range(n_negatives):
        carrier = r.choice(carriers).strip()
        if i % 2:
            neg = r.choice(NEGATIVES).format(o=r.randint(10**6, 10**9), d=r.randint(0, 9))
            carrier = f"{carrier} {neg}"
        examples.append(PiiExample(carrier))
    r.shuffle(examples)
    return examples


def score_redaction(examples: Sequence[PiiExample], find: Callable[[str], list[PiiSpan]]) -> dict[str, dict[str, float]]:
    """Per type: recall (planted items found with the right type), any-type recall (redacted at all,
    what matters for leakage), precision (findings of that type that are planted items of that type)."""
    gold_n = {t: 0 for t in PII_TYPES}
    hit = dict.fromkeys(PII_TYPES, 0)
    hit_any = dict.fromkeys(PII_TYPES, 0)
    pred_n = dict.fromkeys(PII_TYPES, 0)
    pred_ok = dict.fromkeys(PII_TYPES, 0)
    for ex in examples:
        pred = find(ex.text)
        for g in ex.spans:
            gold_n[g.type] += 1
            over = [p for p in pred if p.start < g.end and g.start < p.end]
            hit_any[g.type] += any(p.start <= g.start and p.end >= g.end for p in over) or bool(over)
            hit[g.type] += any(p.type == g.type for p in over)
        for p in pred:
            if p.type not in pred_n:  # a kind this set does not plant: a false finding of none of its kinds
                continue
            pred_n[p.type] += 1
            pred_ok[p.type] += any(g.type == p.type and p.start < g.end and g.start < p.end for g in ex.spans)
    out = {}
    for t in PII_TYPES:
        out[t] = {"items": gold_n[t], "recall": hit[t] / gold_n[t] if gold_n[t] else float("nan"),
                  "recall_any_type": hit_any[t] / gold_n[t] if gold_n[t] else float("nan"),
                  "precision": pred_ok[t] / pred_n[t] if pred_n[t] else float("nan"), "found": pred_n[t]}
    return out


def leaked_values(examples: Sequence[PiiExample], redact: Callable[[str], str]) -> list[str]:
    """Planted values (digits-only form for numbers) still readable in the redacted text."""
    leaks = []
    for ex in examples:
        out = redact(ex.text)
        for v in ex.values:
            if v in out:
                leaks.append(v)
    return leaks
