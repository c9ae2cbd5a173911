"""Redaction on call-transcript and chat lines: every kind, spoken forms, offsets, placeholders.

The lines below were written by the recognisers' author while building them: they show what the
recognisers must do and guard against regressions, they are not evidence of recall (the
independent set in tests/data/pii_eval is; see test_redact_eval.py and docs/redaction.md).
"""

from __future__ import annotations

import re

import pytest

from earful.nlp.redact import PII_TYPES, Redactor, aba_valid, iban_valid, nir_valid, redact, verhoeff_valid
from earful.nlp.spoken import normalise

# (text, [(item, kind)], [text that must stay visible])
LINES = [
    ("yeah my name is john smith and my card is four one one one one one one one one one one one one one one one",
     [("john smith", "NAME"), ("four one one one one one one one one one one one one one one one", "CARD")], []),
    ("card number 4111.1111.1111.1111 expiry twelve twenty six", [("4111.1111.1111.1111", "CARD")], []),
    ("the long number is 4111 1111 1111 1111 12 26", [("4111 1111 1111 1111", "CARD")], []),
    ("my iban is gb82 west 1234 5698 7654 32 thanks", [("gb82 west 1234 5698 7654 32", "IBAN")], []),
    ("IBAN: DE89370400440532013000", [("DE89370400440532013000", "IBAN")], []),
    ("sort code 20-00-00 account number 31926819", [("20-00-00", "ACCOUNT"), ("31926819", "ACCOUNT")], []),
    ("routing number is 021000021 and account 12345678901", [("021000021", "ACCOUNT"), ("12345678901", "ACCOUNT")], []),
    ("call me on +33 6 12 34 56 78", [("+33 6 12 34 56 78", "PHONE")], []),
    ("my german number is +49 30 1234567", [("+49 30 1234567", "PHONE")], []),
    ("reach me on +91 98765 43210 after six", [("+91 98765 43210", "PHONE")], []),
    ("it's 0033 6 12 34 56 78", [("0033 6 12 34 56 78", "PHONE")], []),
    ("the office is on +44 (0)20 7946 0958", [("+44 (0)20 7946 0958", "PHONE")], []),
    ("mobile 0412 345 678", [("0412 345 678", "PHONE")], []),
    ("call (415) 555-0132 or 1-800-555-0199", [("(415) 555-0132", "PHONE"), ("1-800-555-0199", "PHONE")], []),
    ("mi numero es 612 345 678", [("612 345 678", "PHONE")], []),
    ("ring 06-12345678 please", [("06-12345678", "PHONE")], []),
    ("my phone number is oh seven seven double oh nine double oh one two three",
     [("oh seven seven double oh nine double oh one two three", "PHONE")], []),
    ("email me at john dot smith at gmail dot com", [("john dot smith at gmail dot com", "EMAIL")], []),
    ("it's jane.doe+shop@example.co.uk", [("jane.doe+shop@example.co.uk", "EMAIL")], []),
    ("i live at flat 30, 12 high street, london sw1a 1aa", [("flat 30, 12 high street, london sw1a 1aa", "ADDRESS")], []),
    ("send it to po box 1234, springfield, il 62704", [("po box 1234, springfield, il 62704", "ADDRESS")], []),
    ("my address is rose cottage, mill lane, little snoring, nr21 0ab",
     [("rose cottage, mill lane, little snoring, nr21 0ab", "ADDRESS")], []),
    ("deliver to apartment 4b, 221 baker street", [("apartment 4b, 221 baker street", "ADDRESS")], []),
    ("i was born on the twelfth of march nineteen eighty four",
     [("the twelfth of march nineteen eighty four", "DOB")], []),
    ("my date of birth is 12/03/1984 and my order number is 12345678", [("12/03/1984", "DOB")], ["12345678"]),
    ("dob 1984-03-12", [("1984-03-12", "DOB")], []),
    ("my social is 123456789", [("123456789", "NATIONAL_ID")], []),
    ("ssn 123-45-6789 and ni number ab 12 34 56 c", [("123-45-6789", "NATIONAL_ID"), ("ab 12 34 56 c", "NATIONAL_ID")], []),
    ("my policy number is POL-88213-XZ", [("POL-88213-XZ", "CUSTOMER_NUMBER")], []),
    ("membership number is 7734 2291", [("7734 2291", "CUSTOMER_NUMBER")], []),
    ("my password is hunter2 and my pin is four four two one", [("hunter2", "SECRET"), ("four four two one", "SECRET")], []),
    ("my mother's maiden name is o'connor", [("o'connor", "SECRET")], []),
    ("can you check if aisha clark got the transfer", [("aisha clark", "NAME")], []),
    ("i spoke to priya yesterday", [("priya", "NAME")], []),
    ("my wife rose set it up", [("rose", "NAME")], []),
    ("ok thanks mark.", [("mark", "NAME")], []),
    ("Thanks, Anna. Speak soon", [("Anna", "NAME")], []),
    ("this is sarah o'connor calling about my bill", [("sarah o'connor", "NAME")], ["bill"]),
    # names from titles, sign-offs, e-mail addresses, spelled letters, people who said or told
    ("hi this is miss baker, i spoke to tunde yesterday", [("baker", "NAME"), ("tunde", "NAME")], []),
    ("customer: my surname's featherstonehaugh", [("featherstonehaugh", "NAME")], []),
    ("customer: um yeah i go by tomek usually", [("tomek", "NAME")], []),
    ("running late, sorry, charlotte", [("charlotte", "NAME")], []),
    ("please sort it out asap - dean o'hara", [("dean o'hara", "NAME")], []),
    ("Kind regards,\nMarguerite Osei-Bonsu\n07911 123456", [("Marguerite Osei-Bonsu", "NAME"), ("07911 123456", "PHONE")], []),
    ("Pat Hunter, PATHUNTER@GMAIL.COM, please call back", [("Pat Hunter", "NAME"), ("PATHUNTER@GMAIL.COM", "EMAIL")], []),
    ("customer: it's james khan that's k h a n", [("james khan", "NAME"), ("k h a n", "NAME")], []),
    ("the account holder is Tomasz van der Berg", [("Tomasz van der Berg", "NAME")], []),
    ("customer: yeah so my name is grant um smith", [("grant", "NAME"), ("smith", "NAME")], []),
    ("agent: hi chidi how can i help", [("chidi", "NAME")], []),
    ("ok so destiny said it would be fixed by friday", [("destiny", "NAME")], ["friday"]),
    ("i paid jo bloggs twice for the same invoice INV-4471", [("jo bloggs", "NAME")], ["INV-4471"]),
    ("harry obi, 13/8/1999", [("harry obi", "NAME"), ("13/8/1999", "DOB")], []),
    # one-time codes, CVVs and answers said aloud
    ("the one time code was 808102 but it expired", [("808102", "SECRET")], []),
    ("is 000497 my code? i didnt request it", [("000497", "SECRET")], []),
    ("customer: the code they sent me is three three nine two six nine", [("three three nine two six nine", "SECRET")], []),
    ("and the three digits on the back are nine three nine", [("nine three nine", "SECRET")], []),
    ("I forgot my password. The old one was qwerty123! Please reset it.", [("qwerty123", "SECRET")], []),
    ("agent: and the town you were born in for security\ncustomer: karachi", [("karachi", "SECRET")], []),
    ("agent: the second and fifth characters of your memorable word\ncustomer: uh a and e", [("a and e", "SECRET")], []),
    # bank details, national ids and customer numbers by shape, check digits and cues
    ("can u pay it into 17 66 39 1536 5292", [("17 66 39 1536 5292", "ACCOUNT")], []),
    ("acct no 37970502 / sc 89 34 91", [("37970502", "ACCOUNT"), ("89 34 91", "ACCOUNT")], []),
    ("numéro de sécu: 1 87 11 34 936 599 22", [("1 87 11 34 936 599 22", "NATIONAL_ID")], []),
    ("ni number is OS 28 00 65 B i think", [("OS 28 00 65 B", "NATIONAL_ID")], []),
    ("cust id CUS26985090", [("CUS26985090", "CUSTOMER_NUMBER")], []),
    ("customer: it's p n one two six eight oh two one the membership number",
     [("p n one two six eight oh two one", "CUSTOMER_NUMBER")], []),
    ("I'd like to cancel membership AC1740299 from 23.07.2025", [("AC1740299", "CUSTOMER_NUMBER")], ["23.07.2025"]),
    # addresses given in pieces, e-mails half spoken
    ("zip is 62763", [("62763", "ADDRESS")], []),
    ("agent: and your postcode\ncustomer: g two six 5nr", [("g two six 5nr", "ADDRESS")], []),
    ("deliver to The Willows, Victoria Road, Great Ayton, BN5 5QZ please",
     [("The Willows, Victoria Road, Great Ayton, BN5 5QZ", "ADDRESS")], []),
    ("can you confirm you have 8 the green, cork, t12 r5k3 as my billing address",
     [("8 the green, cork, t12 r5k3", "ADDRESS")], []),
    ("i'm at shanti kunj, linking road, bandra west, bengaluru 560691 now",
     [("shanti kunj, linking road, bandra west, bengaluru 560691", "ADDRESS")], []),
    ("customer: i'm at damrak thirty six one oh three two gj amsterdam",
     [("damrak thirty six one oh three two gj amsterdam", "ADDRESS")], []),
    ("i broke my card my email is weihughes at gmail.com", [("weihughes at gmail.com", "EMAIL")], []),
    ("customer: it's f i n l e y underscore i v a n o v a at hotmail dot com",
     [("f i n l e y underscore i v a n o v a at hotmail dot com", "EMAIL")], []),
    # hard negatives only
    ("the marks & spencer app shows error 0x80070005", [], ["marks & spencer"]),
    ("the Harvey Nichols voucher code didnt work", [], ["Harvey Nichols"]),
    ("Someone used my card at John Lewis on 2nd September", [], ["John Lewis"]),
    ("they charged me 0 point 5 percent interest", [], ["0 point 5 percent"]),
    ("returned 500 GB under CAS-02743, still no refund", [], ["CAS-02743"]),
    ("my account is in 12345 dollars of debt", [], ["in 12345"]),
    ("am i cleared to miss work for vacation", [], ["miss work"]),
    ("i need a hotel room in st louis for november 3rd", [], ["louis"]),
    ("the bill said 40 pounds and the app said 45", [], ["bill", "app"]),
    # hard negatives only (earlier)
    ("the card ending 4242 was declined", [], ["4242"]),
    ("order #123456789 shipped, tracking 1Z999AA10123456784", [], ["123456789", "1Z999AA10123456784"]),
    ("flight BA1234 on 12/03/2024 cost $1,250.00", [], ["BA1234", "12/03/2024", "1,250.00"]),
    ("i will pay the bill in may and mark it as paid", [], ["will", "bill", "may", "mark"]),
    ("the rose gold iphone arrived at 10:30", [], ["rose", "10:30"]),
    ("I'm at Heathrow Terminal 5 flying to Austin", [], ["Heathrow Terminal 5", "Austin"]),
    ("invoice 20240311 for 3 items, reference 88213", [], ["20240311", "88213"]),
    ("my PIN was blocked after 3 tries", [], ["blocked", "3"]),
]


@pytest.fixture(scope="module")
def fast():
    return Redactor(fast=True).fit()


def _masked(text: str, spans, start: int, end: int) -> bool:
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, end) if text[i].isalnum())


@pytest.mark.parametrize("text,items,keep", LINES, ids=[t[:40] for t, _, _ in LINES])
def test_each_item_fully_masked_typed_and_negatives_kept(fast, text, items, keep):
    spans = fast.find(text)
    for item, kind in items:
        a = text.index(item)
        assert _masked(text, spans, a, a + len(item)), (item, spans)
        assert any(s.type == kind for s in spans if s.start < a + len(item) and a < s.end), (item, kind, spans)
    out = fast.redact(text)
    for item, _ in items:
        for run in re.findall(r"[A-Za-z0-9]{3,}", item):
            assert run.lower() not in re.sub(r"\[[A-Z_]+\]", "", out).lower() or run.lower() in text.lower().replace(
                item.lower(), ""), (run, out)
    for word in keep:
        a = text.index(word)
        assert not any(s.start < a + len(word) and a < s.end for s in spans), (word, spans)


def test_placeholders_keep_the_type_and_nothing_of_the_item():
    out = redact("I'm Jane Fowler, born 3 May 1990, call me on +44 (0)20 7946 0958 or jane.f@mail.co.uk", fast=True)
    assert out == "I'm [NAME], born [DOB], call me on [PHONE] or [EMAIL]"
    assert set(PII_TYPES) >= {"DOB", "CUSTOMER_NUMBER", "SECRET", "NAME", "ADDRESS"}


def test_spans_are_in_the_original_offsets_after_normalisation(fast):
    text = "ok so my card is four one one one, one one one one, one one one one, one one one one and pin one two three four"
    spans = fast.find(text)
    assert [(text[s.start:s.end], s.type) for s in spans] == [
        ("four one one one, one one one one, one one one one, one one one one", "CARD"),
        ("one two three four", "SECRET")]


@pytest.mark.parametrize("spoken,written", [
    ("oh seven seven zero zero nine double zero one two three", "07700900123"),
    ("nineteen eighty four", "1984"),
    ("twenty three", "23"),
    ("four hundred and twelve", "412"),
    ("two thousand and five", "2005"),
    ("plus four four triple seven", "+44777"),
    ("john dot smith at gmail dot com", "john.smith@gmail.com"),
    ("sarah underscore lee at hotmail dot co dot uk", "sarah_lee@hotmail.co.uk"),
])
def test_normalise_writes_spoken_forms(spoken, written):
    n = normalise(spoken)
    assert n.text == written
    assert n.original_span(0, len(n.text)) == (0, len(spoken))


def test_normalise_keeps_other_text_and_offsets():
    text = "Oh, I see. My number is 07700 900123, thanks"
    n = normalise(text)
    assert n.text == text and not n.changed
    n = normalise("call me on oh seven seven later")
    i = n.text.index("077")
    assert n.original_span(i, i + 3) == (11, 25)
    assert n.text.endswith(" later") and n.original_span(len(n.text) - 5, len(n.text)) == (26, 31)


def test_check_digits():
    assert iban_valid("gb82 west 1234 5698 7654 32") and not iban_valid("GB82 WEST 1234 5698 7654 3")
    assert aba_valid("021000021") and not aba_valid("021000022")
    assert nir_valid("187113493659922") and not nir_valid("187113493659923") and not nir_valid("587113493659922")
    assert verhoeff_valid("234123412346") and not verhoeff_valid("234123412345")


def test_lowercase_transcript_with_several_kinds(fast):
    text = ("hi yeah it's david okafor i'm calling because my card four nine two nine one two three four five six "
            "seven eight nine zero one two was charged twice my date of birth is fourth of july nineteen ninety "
            "and you can reach me on zero seven seven double zero nine double zero four five six")
    out = fast.redact(text)
    assert "okafor" not in out and "david" not in out
    assert "nineteen ninety" not in out and "double zero four" not in out
    assert "[DOB]" in out and "[PHONE]" in out and "[NAME]" in out
