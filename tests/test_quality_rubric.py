"""The QA rubric: validation with line numbers, and each detector kind on conversations written here."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from earful.errors import ConfigError
from earful.quality import QualityScorer, conversation, default_rubric, parse_rubric
from earful.quality.detectors import PhraseSet, normalise
from earful.quality.scorer import INPUT_SCHEMA, ITEMS_SCHEMA, SCORES_SCHEMA

GOOD = """\
rubric: test
sections:
  opening:
    items:
      greeting:
        weight: 5
        detect: {kind: phrases, in: first_agent, within_words: 4, phrases: [hello, hi, good morning]}
"""


@pytest.mark.parametrize("text, line, words", [
    (GOOD.replace("weight: 5", "weight: five"), 6, "weight must be a number"),
    (GOOD.replace("in: first_agent", "in: first_agnet"), 7, "unknown scope 'first_agnet'"),
    (GOOD.replace("kind: phrases", "kind: magic"), 7, "unknown detector kind 'magic'"),
    (GOOD.replace("weight: 5", "weight: 5\n        wieght: 3"), 7, "unknown key 'wieght'"),
    (GOOD.replace("phrases: [hello, hi, good morning]", "phrases: ['@greetings']"), 7, "no phrase set 'greetings'"),
    (GOOD + "      greeting:\n        detect: {phrases: [x]}\n", 8, "given twice"),
    (GOOD.replace("detect:", "detects:"), 7, "unknown key 'detects'"),
    (GOOD.replace("items:", "items: [a, b"), 5, "not valid YAML"),
    ("rubric: x\nsections:\n  s:\n    items:\n      a:\n        detect: {kind: order, first: {phrases: [x]}}\n", 6,
     "needs 'then'"),
    ("rubric: x\nsections:\n  s:\n    items:\n      a:\n        applies: {channels: [fax]}\n        detect: {phrases: [x]}\n", 6,
     "unknown 'fax'"),
    ("rubric: x\nsections:\n  s:\n    items:\n      a:\n        detect: {kind: similar}\n", 6, "needs examples"),
])
def test_mistakes_are_refused_with_their_line(text, line, words):
    with pytest.raises(ConfigError) as e:
        parse_rubric(text, "rubric.yaml")
    assert f"rubric.yaml:{line}:" in str(e.value) and words in str(e.value), str(e.value)


def test_the_default_rubric_parses_and_says_what_it_holds():
    r = default_rubric()
    assert r.names == ["greeting", "recording_notice", "verification", "empathy", "resolution", "hold_etiquette",
                       "dead_air", "anything_else", "closing", "courtesy", "profanity"]
    assert {it.name for it in r.items if it.auto_fail} == {"recording_notice", "verification", "courtesy", "profanity"}
    assert r.item("recording_notice").applies.channels == ("voice",)
    assert len(r.version) == 12 and r.version == default_rubric().version


def test_phrases_match_whole_words_fuzzily_with_wildcards_and_masks():
    ps = PhraseSet(["hi", "anything else", "frustrat*", "f***"], fuzzy=88)
    assert ps.find("hi there") and not PhraseSet(["hi"]).find("this is it")       # whole words only
    assert ps.find("is there anythin else i can do")                                # a typo, fuzzily
    assert ps.find("that must be so frustrating") and ps.find("i'm frustrated")     # a word ending
    assert ps.find("what the f*** is this") and not PhraseSet(["f***"]).find("for the")  # a masked word is literal
    assert PhraseSet(["oh no"]).find("oh, no! sorry")                               # punctuation between words
    assert normalise("@115712 Hello there! See https://t.co/x ^JK") == "hello there! see link"


def _score(turns, item, **facts):
    conv = conversation(turns, **facts)
    return QualityScorer(default_rubric()).score(conv)[item]


def test_each_detector_kind_decides_and_names_the_turn():
    call = [("agent", "Good morning, thank you for calling. This call is recorded for quality purposes."),
            ("customer", "My card was declined and I'm really annoyed."),
            ("agent", "I'm sorry to hear that. For security, can you confirm your date of birth?"),
            ("customer", "Sure, done."),
            ("agent", "Thanks. Let me look at your account. I've fixed the block on your card."),
            ("agent", "Is there anything else I can help you with?"),
            ("customer", "No, thanks."),
            ("agent", "Thanks for calling, have a great day.")]
    got = QualityScorer(default_rubric()).score(conversation(call, channel="voice", transferred=False))
    assert {k: v[0] for k, v in got.items()} == {
        "greeting": "pass", "recording_notice": "pass", "verification": "pass", "empathy": "pass", "resolution": "pass",
        "hold_etiquette": "na", "dead_air": "na", "anything_else": "pass", "closing": "pass", "courtesy": "pass",
        "profanity": "pass"}
    assert got["verification"][1] == 3 and got["anything_else"][1] == 6 and got["closing"][1] == 8
    # order: an account detail before any check fails on the turn that disclosed it
    skip = [call[0], call[1], ("agent", "Let me look at your account. Your balance is 40 pounds."), ("customer", "ok")]
    assert _score(skip, "verification", channel="voice") == ("fail", 3, 1.0)
    # no account detail at all: verification does not apply
    assert _score([("customer", "What are your opening hours?"), ("agent", "Hi! We open at 9.")], "verification")[0] == "na"
    # absence detectors fail on the offending turn; a chat has no recording notice
    rude = [("customer", "Where is my refund?"), ("agent", "Calm down, I'm checking."), ("agent", "Bloody hell, what a mess.")]
    assert _score(rude, "courtesy") == ("fail", 2, 1.0)
    assert _score(rude, "profanity")[:2] == ("fail", 3)
    assert _score(rude, "recording_notice")[0] == "na"
    # "thanks for holding" is not a closing; a conversation handed to a DM has none to judge
    assert _score([("customer", "help"), ("agent", "Thanks for holding. Is there anything else?"), ("customer", "no")],
                  "closing")[0] == "fail"
    assert _score([("customer", "my order is late"), ("agent", "Sorry! Please DM us your order number.")], "closing")[0] == "na"


def test_hold_etiquette_and_dead_air_read_the_record_and_the_turn_times():
    t0 = datetime(2025, 8, 1, 9)
    at = lambda s: t0 + timedelta(seconds=s)  # noqa: E731
    turns = [{"speaker": "agent", "text": "Hello, this call is recorded.", "at": at(0)},
             {"speaker": "customer", "text": "My transfer has not arrived.", "at": at(5)},
             {"speaker": "agent", "text": "May I put you on a short hold while I check?", "at": at(60)},
             {"speaker": "customer", "text": "Yes.", "at": at(66)},
             {"speaker": "agent", "text": "Thank you for holding, it is on its way.", "at": at(150)}]
    scorer = QualityScorer(default_rubric())
    got = scorer.score(conversation(turns, channel="voice", hold_s=80))
    assert got["hold_etiquette"][0] == "pass"
    assert got["dead_air"][:2] == ("fail", 3)  # 55 s of silence after the customer, unannounced
    turns[2]["at"], turns[3]["at"] = at(12), at(18)  # the agent answers at once; the long gap is the announced hold
    got = scorer.score(conversation(turns, channel="voice", hold_s=80))
    assert got["dead_air"][0] == "pass"
    assert scorer.score(conversation(turns, channel="voice", hold_s=0))["hold_etiquette"][0] == "na"


def test_transform_is_a_pure_function_over_an_arrow_batch():
    rows = {"id": ["a", "b", "c"], "channel": ["chat", "voice", "email"], "queue": [None, None, None],
            "reason": [None, None, None], "transferred": [False, False, None], "hold_s": [None, 0.0, None],
            "turns": [[{"seq": 1, "speaker": "agent", "text": "Hi there!", "at": None, "sentiment": None},
                       {"seq": 2, "speaker": "customer", "text": "thanks", "at": None, "sentiment": None}],
                      [{"seq": 1, "speaker": "agent", "text": "Whatever, not my problem.", "at": None, "sentiment": None}],
                      []]}
    batch = pa.RecordBatch.from_pydict(rows, schema=INPUT_SCHEMA)
    scorer = QualityScorer().fit()
    scores, items = scorer.transform(batch)
    assert scores.schema == SCORES_SCHEMA and items.schema == ITEMS_SCHEMA
    again = QualityScorer().fit().transform(batch)
    assert scores.equals(again[0]) and items.equals(again[1])
    s = {r["interaction_id"]: r for r in scores.to_pylist()}
    assert s["b"]["score"] == 0.0 and s["b"]["auto_failed"]           # courtesy is auto-fail
    assert s["c"]["score"] is None and s["c"]["items_applicable"] == 0  # no agent words: nothing applies
    # a chat: greeting, courtesy and profanity pass (15), "anything else" and the closing are missing (10)
    assert s["a"]["score"] == 60.0
    assert items.num_rows == 3 * len(scorer.rubric_.items)
