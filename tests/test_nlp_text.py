"""Redaction, sentiment, abuse, feedback type, mentions, key phrases and `earful enrich`, on real text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _nlp_text import banking77_texts, chat_rows, write_canonical
from earful.errors import ConfigError, InputError
from earful.nlp.feedback import FeedbackClassifier
from earful.nlp.mentions import KeyPhraseExtractor, MentionMatcher, load_lexicon, parse_lexicon
from earful.nlp.pii_eval import PII_TYPES, leaked_values, make_pii_testset, score_redaction
from earful.nlp.redact import Redactor, iban_valid, luhn_valid, redact
from earful.nlp.sentiment import SentimentScorer, default_scorer, end_text, is_abusive, load_uci_sentiment

REPO = Path(__file__).resolve().parents[1]


# --- validation ----------------------------------------------------------------------------

def test_luhn_and_iban_checks():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112") and not luhn_valid("79927398710") and not luhn_valid("")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and iban_valid("DE89370400440532013000")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33") and not iban_valid("DE8937040044053201300")


def test_cards_failing_luhn_are_kept_and_passing_ones_redacted():
    fast = Redactor(fast=True).fit()
    assert fast.redact("my card is 4111 1111 1111 1111 ok") == "my card is [CARD] ok"
    assert "4111 1111 1111 1112" in fast.redact("my card is 4111 1111 1111 1112 ok")


# --- redaction on the labelled set --------------------------------------------------------------

@pytest.fixture(scope="module")
def pii_set(shared_data):
    return make_pii_testset(banking77_texts(shared_data), n_per_type=500, n_negatives=1000, seed=11)


def test_fast_redaction_recall_and_precision_floors(pii_set):
    assert sum(len(e.spans) for e in pii_set) >= 8 * 500
    scores = score_redaction(pii_set, Redactor(fast=True).fit().find)
    for kind in PII_TYPES:
        if kind == "NAME":
            continue
        assert scores[kind]["recall"] >= 0.97, (kind, scores[kind])
        assert scores[kind]["precision"] >= 0.95, (kind, scores[kind])
    assert scores["NAME"]["recall"] >= 0.5 and scores["NAME"]["precision"] >= 0.95


def test_no_structured_pii_survives_fast_redaction(pii_set):
    structured = [e for e in pii_set if e.spans and e.spans[0].type != "NAME"]
    assert len(structured) >= 3500
    assert leaked_values(structured, Redactor(fast=True).fit().redact) == []


def test_full_redaction_finds_names_without_cues(pii_set):
    names = [e for e in pii_set if e.spans and e.spans[0].type == "NAME"][:120]
    negatives = [e for e in pii_set if not e.spans][:100]
    full = score_redaction(names + negatives, Redactor(fast=False).fit().find)
    fast = score_redaction(names + negatives, Redactor(fast=True).fit().find)
    assert full["NAME"]["recall"] >= 0.9 and full["NAME"]["precision"] >= 0.93, full["NAME"]
    assert full["NAME"]["recall"] >= fast["NAME"]["recall"]
    # names in no list and after no cue: only the NER finds them
    invented = ["Yesterday Brannoc Velthaus sent me the wrong invoice.",
                "I asked about the refund but Tamsk Orrin never replied."]
    assert all("[NAME]" in Redactor(fast=False).fit().redact(t) for t in invented)
    assert not any("[NAME]" in Redactor(fast=True).fit().redact(t) for t in invented)


def test_module_level_redact_uses_typed_placeholders():
    out = redact("I'm Jane Fowler, call me on +44 7700 900123 or jane.f@mail.co.uk; IBAN GB82 WEST 1234 5698 7654 32",
                 fast=True)
    assert out == "I'm [NAME], call me on [PHONE] or [EMAIL]; IBAN [IBAN]"


# --- sentiment ------------------------------------------------------------------------------

def test_sentiment_blend_beats_vader_on_held_out_uci():
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    texts, y = load_uci_sentiment()
    assert len(texts) == 2000
    train, test = train_test_split(np.arange(len(texts)), test_size=0.3, stratify=y, random_state=7)
    vader_acc = accuracy_score(y[test], SentimentScorer("vader").fit().predict([texts[i] for i in test]))
    blend = SentimentScorer("blend").fit([texts[i] for i in train], y[train])
    blend_acc = accuracy_score(y[test], blend.predict([texts[i] for i in test]))
    assert vader_acc >= 0.72
    assert blend_acc >= 0.80 and blend_acc > vader_acc + 0.03, (blend_acc, vader_acc)


def test_sentiment_on_customer_tweets_orders_thanks_above_complaints(shared_data):
    import csv

    with open(shared_data / "twcs" / "twcs_first5000.csv", encoding="utf-8", newline="") as f:
        tweets = [r["text"] for r in csv.DictReader(f) if r["inbound"] == "True"]
    thanks = [t for t in tweets if re.search(r"(?i)\bthank", t)][:200]
    angry = [t for t in tweets if re.search(r"(?i)\b(worst|terrible|ridiculous|awful)\b", t)][:200]
    assert len(thanks) >= 50 and len(angry) >= 30
    s = default_scorer()
    assert np.nanmean(s.score(thanks)) > 0.2 > -0.2 > np.nanmean(s.score(angry))
    scores = s.score(tweets[:1000])
    assert np.all((scores >= -1) & (scores <= 1) | np.isnan(scores))


def test_end_text_is_the_last_customer_words():
    assert end_text(["I am furious", "it broke again", "ok that worked, thanks"]) == "ok that worked, thanks"
    assert end_text(["Terrible start. Then fine. Now great!"]) == "Then fine. Now great!"


def test_abuse_flag():
    for t in ["you are useless idiots", "this is f*cking ridiculous", "what the fuck", "stfu", "you people are a joke"]:
        assert is_abusive(t), t
    for t in ["my card was stolen", "I assume the fee is wrong", "Scunthorpe branch", "thanks for the help", None]:
        assert not is_abusive(t), t


# --- feedback type --------------------------------------------------------------------------

FEEDBACK_EXAMPLES = [
    ("I'm going to close my account and move to another bank", "churn_threat"),
    ("If this isn't fixed today I'm cancelling my subscription", "churn_threat"),
    ("I'll take my business elsewhere, done with you", "churn_threat"),
    ("I'm switching to Monzo, they actually answer", "churn_threat"),
    ("I've been charged twice for the same purchase", "complaint"),
    ("Still waiting for my card after 3 weeks, this is unacceptable", "complaint"),
    ("Your app keeps crashing every time I log in", "complaint"),
    ("The parcel arrived damaged and nobody answers", "complaint"),
    ("My transfer never arrived and no one is helping", "complaint"),
    ("It would be great if you added Apple Pay support", "request"),
    ("Please add a dark mode to the app", "request"),
    ("You should offer joint accounts", "request"),
    ("I wish there was a way to freeze my card from the website", "request"),
    ("Any plans to support Google Pay?", "request"),
    ("Thank you so much, Anna was brilliant!", "praise"),
    ("Great service today, really appreciate the quick help", "praise"),
    ("Love the new app, well done", "praise"),
    ("You guys are amazing", "praise"),
    ("How do I change my PIN?", "question"),
    ("What is the exchange rate for euros?", "question"),
    ("Can I top up with a credit card?", "question"),
    ("Where can I find my statements", "question"),
    ("Is there a fee for ATM withdrawals?", "question"),
    ("ok", "other"),
    ("I moved house last month.", "other"),
]


def test_feedback_type_on_hand_written_examples():
    texts = [t for t, _ in FEEDBACK_EXAMPLES]
    sent = default_scorer().score(texts)
    got = FeedbackClassifier().fit().predict(texts, sent)
    right = sum(g == want for g, (_, want) in zip(got, FEEDBACK_EXAMPLES))
    wrong = [(t, want, g) for g, (t, want) in zip(got, FEEDBACK_EXAMPLES) if g != want]
    assert right / len(texts) >= 0.88, wrong
    assert {g for g, (_, w) in zip(got, FEEDBACK_EXAMPLES) if w == "churn_threat"} == {"churn_threat"}


# --- mentions and key phrases ---------------------------------------------------------------

def test_example_lexicon_and_fuzzy_mentions():
    lex = load_lexicon(REPO / "docs" / "mentions.example.yaml")
    m = MentionMatcher(lex).fit()
    found = m.find("My premuim card was declined, thinking of moving to Revolute or Monzo")
    names = {(x["kind"], x["name"]) for x in found}
    assert ("product", "Premium Card") in names
    assert ("competitor", "Revolut") in names and ("competitor", "Monzo") in names
    assert m.find("the card arrived") == [] and m.find(None) == []


@pytest.mark.parametrize("text,line", [
    ("products:\n  - name: A\n  - aliases: [x]\n", 3),
    ("products:\n  - A\ncompetitor:\n  - B\n", 3),
    ("fuzzy_threshold: 130\n", 1),
    ("products:\n  - name: A\n    aliases: x\n", 3),
    ("products: [\n", 2),
])
def test_lexicon_errors_name_the_line(text, line):
    with pytest.raises(ConfigError, match=rf"lex.yaml:{line}:"):
        parse_lexicon(text, "lex.yaml")


def test_key_phrases_skip_stop_words_and_placeholders():
    kp = KeyPhraseExtractor(top_k=3).fit()
    out = kp.phrases("Hi, my [NAME] here. The exchange rate on my cash withdrawal was wrong and the ATM fee is too high")
    assert out and all("name" not in p and p.split()[0] not in ("the", "my") for p in out)
    assert any("exchange rate" in p or "cash withdrawal" in p for p in out)


# --- enrich on a real small store ----------------------------------------------------------

def test_enrich_is_incremental_idempotent_and_redacts(con, shared_data, tmp_path):
    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich

    texts = banking77_texts(shared_data)[:60]
    ingest_file(con, shared_data / "abcd" / "abcd_sample.json", "abcd")
    ingest_file(con, write_canonical(tmp_path / "a.jsonl", chat_rows(texts[:40])), "earful")
    calls = []
    assert enrich(con, progress=lambda d, t: calls.append((d, t)), batch_size=16) == 43
    assert calls[0] == (0, 43) and calls[-1] == (43, 43)
    assert enrich(con) == 0
    con.execute("UPDATE enrichment SET reason = 'card_arrival', topic_id = 4 WHERE interaction_id = 'chat:c1'")
    ingest_file(con, write_canonical(tmp_path / "b.jsonl", chat_rows(texts[40:], start=40)), "earful")
    assert enrich(con, fast=True) == 20
    assert enrich(con, all=True, fast=True) == 63
    assert con.execute("SELECT reason, topic_id FROM enrichment WHERE interaction_id = 'chat:c1'").fetchone() == ("card_arrival", 4)
    assert con.execute("SELECT count(*) FROM enrichment").fetchone()[0] == 63
    # no raw PII in what may be shown: planted card/e-mail and the ABCD customers' own details
    shown = "\n".join(r[0] for r in con.execute(
        "SELECT redacted_text FROM enrichment UNION ALL SELECT redacted_text FROM enrichment_turns").fetchall() if r[0])
    assert "4111" not in shown and "pat.doe@example.com" not in shown and "[CARD]" in shown
    for convo in json.loads((shared_data / "abcd" / "abcd_sample.json").read_text()):
        p = convo["scenario"]["personal"]
        for value in (p.get("email"), p.get("phone"), p.get("username"), *p["customer_name"].split()):
            if value:
                assert value.lower() not in shown.lower(), value
    rows = con.execute("SELECT feedback_type, sentiment, end_sentiment, key_phrases FROM enrichment").fetchall()
    assert all(-1 <= s <= 1 and -1 <= e <= 1 for _, s, e, _ in rows)
    assert len({f for f, *_ in rows}) >= 2 and all(json.loads(k) is not None for *_, k in rows)
    # a conversation that ends with thanks ends better than it started
    ends = con.execute("SELECT avg(end_sentiment - sentiment) FROM enrichment WHERE interaction_id IN "
                       "('chat:c4', 'chat:c8', 'chat:c16', 'chat:c20')").fetchone()[0]
    assert ends > 0


def test_enrich_in_worker_processes_writes_what_one_process_writes(con, shared_data, tmp_path):
    """Two spawned worker processes transform the batches; the store ends up exactly as with one."""
    from earful.ingest import ingest_file
    from earful.nlp.enrich import enrich

    ingest_file(con, write_canonical(tmp_path / "a.jsonl", chat_rows(banking77_texts(shared_data)[:90])), "earful")
    calls = []
    assert enrich(con, fast=True, batch_size=20, workers=2, progress=lambda d, t: calls.append(d)) == 90
    assert calls == [0, 20, 40, 60, 80, 90]
    stored = ("SELECT * EXCLUDE (enriched_at) FROM enrichment ORDER BY ALL", "SELECT * FROM enrichment_turns ORDER BY ALL")
    two = [con.execute(q).fetchall() for q in stored]
    assert len(two[0]) == 90 and len(two[1]) > 180
    assert enrich(con, all=True, fast=True, batch_size=20, workers=1) == 90
    assert [con.execute(q).fetchall() for q in stored] == two
    with pytest.raises(InputError):
        enrich(con, all=True, workers=0)


def test_cli_enrich_and_bad_lexicon(tmp_path, shared_data):
    db = tmp_path / "s.duckdb"
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "earful.cli", *a, "--db", str(db)],  # noqa: E731
                                    capture_output=True, text=True, env=env, timeout=120)
    assert run("ingest", str(shared_data / "abcd" / "abcd_sample.json"), "--format", "abcd").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("products:\n  - name: X\n    colour: red\n")
    r = run("enrich", "--fast", "--lexicon", str(bad))
    assert r.returncode == 2 and "bad.yaml:3" in r.stderr and "Traceback" not in r.stderr
    r = run("enrich", "--fast", "--lexicon", str(REPO / "docs" / "mentions.example.yaml"))
    assert r.returncode == 0 and "enriched 3 interactions" in r.stdout
    assert "enriched 0 interactions" in run("enrich", "--fast").stdout


def test_enricher_is_a_pure_function_over_arrow_batches():
    import pyarrow as pa

    from earful.nlp.enrich import Enricher

    batch = pa.RecordBatch.from_pylist([
        {"id": "a", "text": "Worst bank ever, I'm closing my account. Call me on 020 7946 0958.", "turns": None},
        {"id": "b", "text": None, "turns": [
            {"seq": 1, "speaker": "agent", "text": "May I have your name?"},
            {"seq": 2, "speaker": "customer", "text": "Olga Petrova"},
            {"seq": 3, "speaker": "customer", "text": "My Revolut transfer is stuck and you are useless idiots"},
            {"seq": 4, "speaker": "agent", "text": "Sorry Olga, it is released now."},
            {"seq": 5, "speaker": "customer", "text": "Thank you so much, that was brilliant!"}]},
    ], schema=pa.schema([("id", pa.string()), ("text", pa.string()), ("turns", pa.list_(pa.struct(
        [("seq", pa.int32()), ("speaker", pa.string()), ("text", pa.string())])))]))
    lex = parse_lexicon("competitors:\n  - Revolut\n")
    enr = Enricher(fast=True, lexicon=lex).fit()
    rows, turns = enr.transform(batch)
    again, _ = enr.transform(batch)
    assert rows.drop(["sentiment"]).equals(again.drop(["sentiment"]))
    a, b = rows.to_pylist()
    assert a["feedback_type"] == "churn_threat" and "[PHONE]" in a["redacted_text"] and a["sentiment"] < 0
    assert "Olga" not in b["redacted_text"] and "Petrova" not in b["redacted_text"]
    assert b["abusive"] and not a["abusive"] and json.loads(b["mentions"])[0]["name"] == "Revolut"
    assert b["end_sentiment"] > 0.5 and b["end_sentiment"] > b["sentiment"]
    assert turns.num_rows == 5 and turns.column("sentiment").null_count == 2


def test_lexicon_kept_in_the_store_is_used_by_later_runs(con):
    from earful.nlp.enrich import save_lexicon, stored_lexicon

    assert stored_lexicon(con) is None
    save_lexicon(con, (REPO / "docs" / "mentions.example.yaml").read_text())
    lex = stored_lexicon(con)
    assert {e.name for e in lex.entries} >= {"Premium Card", "Revolut", "Monzo"} and lex.fuzzy_threshold == 88
    with pytest.raises(ConfigError):
        save_lexicon(con, "products: 3\n")
    assert stored_lexicon(con) is not None
