"""Floors per kind on the independent evaluation set's development split (tests/data/pii_eval).

The set was written apart from the recognisers (see its README); the recognisers were tuned on
this split, so these floors guard against regressions and are not the published figures, which
come from the test split (docs/redaction.md). The test split is never read here.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from earful.nlp.redact import Redactor

SET = Path(__file__).resolve().parent / "data" / "pii_eval"

# kind: (recall, fully masked) floors for the fast recognisers
FLOORS = {
    "CARD": (0.99, 0.99), "IBAN": (0.95, 0.95), "ACCOUNT": (0.97, 0.95), "PHONE": (0.98, 0.98),
    "EMAIL": (0.97, 0.92), "NATIONAL_ID": (0.95, 0.95), "DOB": (0.97, 0.97), "NAME": (0.95, 0.95),
    "ADDRESS": (0.95, 0.93), "CUSTOMER_NUMBER": (0.94, 0.88), "SECRET": (0.97, 0.97),
}


@pytest.fixture(scope="module")
def dev():
    sys.path.insert(0, str(SET))
    import evalset

    return evalset.load("dev")


def _masked(text, spans, a, b):
    return all(any(s.start <= i < s.end for s in spans) for i in range(a, b) if text[i].isalnum())


def test_dev_split_floors_per_kind_and_negatives_kept(dev):
    red = Redactor(fast=True).fit()
    found, full, n = defaultdict(int), defaultdict(int), defaultdict(int)
    neg, kept = 0, 0
    for rec in dev:
        spans = red.find(rec["text"])
        for it in rec["items"]:
            k = it["kind"]
            n[k] += 1
            found[k] += any(s.start < it["end"] and it["start"] < s.end for s in spans)
            full[k] += _masked(rec["text"], spans, it["start"], it["end"])
        for ng in rec["negatives"]:
            neg += 1
            kept += not any(s.start < ng["end"] and ng["start"] < s.end for s in spans)
    assert set(n) == set(FLOORS) and sum(n.values()) >= 400 and neg >= 120
    low = {k: (round(found[k] / n[k], 3), round(full[k] / n[k], 3)) for k in FLOORS
           if found[k] / n[k] < FLOORS[k][0] or full[k] / n[k] < FLOORS[k][1]}
    assert low == {}
    assert kept / neg >= 0.97, kept / neg


def test_dev_split_lowercase_transcripts_names(dev):
    """Names in speech-to-text lower case, the form the redactor missed entirely before."""
    red = Redactor(fast=True).fit()
    items = [(r["text"], it) for r in dev if r["style"] == "transcript" for it in r["items"] if it["kind"] == "NAME"]
    assert len(items) >= 20
    hit = sum(_masked(t, red.find(t), it["start"], it["end"]) for t, it in items)
    assert hit / len(items) >= 0.95, hit / len(items)
