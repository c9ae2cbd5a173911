"""Floors per kind on the independent evaluation set's development splits (tests/data/pii_eval).

The set was written apart from the recognisers (see its README), but the recognisers have since
been tuned on both ``dev`` and ``test``: these floors guard against regressions and are not
evidence of how the rules generalise. The published figures come from the held-out split
``test2`` (docs/redaction.md), which is never read here.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from earful.nlp.redact import Redactor

SET = Path(__file__).resolve().parent / "data" / "pii_eval"

# kind: (recall, fully masked) floors for the fast recognisers, on each development split
FLOORS = {
    "CARD": (0.99, 0.99), "IBAN": (0.99, 0.99), "ACCOUNT": (0.98, 0.98), "PHONE": (0.98, 0.98),
    "EMAIL": (0.98, 0.98), "NATIONAL_ID": (0.98, 0.98), "DOB": (0.98, 0.98), "NAME": (0.97, 0.97),
    "ADDRESS": (0.97, 0.97), "CUSTOMER_NUMBER": (0.97, 0.96), "SECRET": (0.97, 0.96),
}
NEGATIVES_KEPT = 0.99


@pytest.fixture(scope="module")
def splits():
    sys.path.insert(0, str(SET))
    import evalset

    return {s: evalset.load(s) for s in ("dev", "test")}


@pytest.fixture(scope="module")
def fast():
    return Redactor(fast=True).fit()


def _masked(text, spans, a, b):
    return all(any(s.start <= i < s.end for s in spans) for i in range(a, b) if text[i].isalnum())


@pytest.mark.parametrize("split", ["dev", "test"])
def test_floors_per_kind_and_negatives_kept(splits, fast, split):
    found, full, n = defaultdict(int), defaultdict(int), defaultdict(int)
    neg, kept = 0, 0
    for rec in splits[split]:
        spans = fast.find(rec["text"])
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
    assert kept / neg >= NEGATIVES_KEPT, kept / neg


@pytest.mark.parametrize("split", ["dev", "test"])
def test_lowercase_transcript_names(splits, fast, split):
    """Names in speech-to-text lower case, the form the redactor missed entirely at first."""
    items = [(r["text"], it) for r in splits[split] if r["style"] == "transcript" for it in r["items"]
             if it["kind"] == "NAME"]
    assert len(items) >= 20
    hit = sum(_masked(t, fast.find(t), it["start"], it["end"]) for t, it in items)
    assert hit / len(items) >= 0.97, hit / len(items)
