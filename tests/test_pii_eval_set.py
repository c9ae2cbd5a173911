"""The independent redaction evaluation set is well formed, big enough, kept apart between its
splits, reproducible from its builder, and scored the way the contract says."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / "tests" / "data" / "pii_eval"
sys.path.insert(0, str(EVAL_DIR))

import evalset  # noqa: E402


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {s: evalset.load(s) for s in evalset.SPLITS}


@pytest.fixture(scope="module")
def build():
    return _module(EVAL_DIR / "build.py", "pii_eval_build")


@pytest.fixture(scope="module")
def scorer():
    return _module(REPO / "bench" / "pii_independent.py", "pii_independent")


@pytest.mark.parametrize("split", evalset.SPLITS)
def test_every_record_is_well_formed(splits, split):
    # load() already raised on any problem; check again here so a failure names the records.
    problems = [p for r in splits[split] for p in evalset.check_record(r, split)]
    assert problems == []
    for r in splits[split]:
        for span in r["items"] + r["negatives"]:
            assert r["text"][span["start"]:span["end"]].strip() != ""


# The least items of each kind, and the carrier sources, each split holds (test2 takes no
# BANKING77 sentence: dev and test between them draw on all its categories).
KIND_FLOORS = {"dev": 20, "test": 40, "test2": 50}
SOURCES = {"dev": {"banking77", "clinc150", "uci_sentiment", "abcd", "handwritten"},
           "test": {"banking77", "clinc150", "uci_sentiment", "abcd", "handwritten"},
           "test2": {"clinc150", "uci_sentiment", "abcd", "handwritten"}}


@pytest.mark.parametrize("split", evalset.SPLITS)
def test_sizes_meet_the_floors_and_cover_every_kind(splits, split):
    c = evalset.counts(splits[split])
    n_items, n_negatives = sum(c["kind"].values()), sum(c["negative_kind"].values())
    floor_items, floor_negatives = evalset.FLOORS[split]
    assert n_items >= floor_items and n_negatives >= floor_negatives
    assert set(c["kind"]) == set(evalset.ITEM_KINDS)
    assert min(c["kind"].values()) >= KIND_FLOORS[split]
    assert set(c["style"]) == set(evalset.STYLES)
    assert SOURCES[split] <= set(c["source"])
    for needed in ("ORDER_NUMBER", "TRACKING_NUMBER", "INVOICE_NUMBER", "AMOUNT", "DATE", "TIME", "FLIGHT",
                   "CARD_LAST4", "ORDINARY_WORD", "BRAND", "PLACE"):
        assert c["negative_kind"].get(needed, 0) >= 3, needed


@pytest.mark.parametrize("split", evalset.SPLITS)
def test_planted_cards_pass_luhn_and_ibans_mod97(splits, split):
    # whole values only: a value read out in two pieces is checked joined, a wrong start not at all
    whole: dict = {}
    for r in splits[split]:
        for i in r["items"]:
            if i["form"] not in evalset.UNCHECKED_FORMS:
                key = (r["id"], i["group"]) if "group" in i else (r["id"], i["start"])
                surface = r["text"][i["start"]:i["end"]]
                kind, form, text = whole.get(key, (i["kind"], i["form"], ""))
                whole[key] = (kind, form, f"{text} {surface}".strip())
    cards = [text for kind, _, text in whole.values() if kind == "CARD"]
    ibans = [(text, form) for kind, form, text in whole.values() if kind == "IBAN"]
    assert cards and ibans
    for card in cards:
        digits = evalset.digits_of(card)
        assert 13 <= len(digits) <= 19 and evalset.luhn_ok(digits), card
    for iban, form in ibans:
        assert evalset.iban_ok(evalset.letters_and_digits_of(iban) if form.startswith("spoken") else iban), iban


@pytest.mark.parametrize("split", ["test", "test2"])
def test_forms_the_contract_asks_for_are_present(splits, split):
    c = evalset.counts(splits[split])
    forms, tags = c["kind_form"], c["kind_tag"]
    for kf in ("CARD/dotted", "CARD/spoken", "CARD/spoken-double", "PHONE/e164", "PHONE/intl-00",
               "PHONE/with-trunk-0", "PHONE/spoken", "EMAIL/spoken", "EMAIL/spelled", "EMAIL/plus-tag",
               "IBAN/lowercase", "IBAN/grouped", "ADDRESS/po-box", "ADDRESS/house-name", "ADDRESS/flat-prefix",
               "NAME/lowercase", "NAME/capitalised", "NAME/uppercase", "NATIONAL_ID/digits", "DOB/spoken-dmy",
               "DOB/iso", "SECRET/pin-spoken"):
        assert forms.get(kf, 0) >= 3, kf
    # test2 takes its phones mostly from other countries (asserted in its own test below)
    countries = ("uk", "us", "in") + (("fr", "de", "es", "it", "nl", "au") if split == "test" else ())
    for kt in (*(f"PHONE/{country}" for country in countries), "NAME/first-only", "NAME/title", "NAME/word-name", "NAME/non-english",
               "NATIONAL_ID/ssn", "NATIONAL_ID/nino", "ACCOUNT/sort-code", "ACCOUNT/us-routing"):
        assert tags.get(kt, 0) >= 3, kt


def test_test2_holds_the_variety_it_was_written_for(splits):
    records = splits["test2"]
    c = evalset.counts(records)
    forms, tags = c["kind_form"], c["kind_tag"]
    names = [i for r in records for i in r["items"] if i["kind"] == "NAME"]
    assert len(names) >= 200 and sum(i["form"] == "lowercase" for i in names) >= 0.4 * len(names)
    # wrong starts taken back and numbers sent wrong then again, in every kind that is read out
    for kind in ("CARD", "PHONE", "ACCOUNT", "SECRET", "NATIONAL_ID"):
        assert forms.get(f"{kind}/false-start", 0) + forms.get(f"{kind}/mistyped", 0) >= 6, kind
    # numbers broken over two lines: pieces of one value, each group checked whole
    groups = {(r["id"], i["group"]) for r in records for i in r["items"] if "group" in i}
    assert len(groups) >= 15
    assert sum(n for kt, n in tags.items() if kt.endswith("/read-back")) >= 9
    for kf in ("NAME/phonetic", "CARD/spoken-pairs", "CARD/irregular", "PHONE/spoken-pairs", "PHONE/intl-no-plus",
               "EMAIL/asr-split", "EMAIL/spoken-symbols", "IBAN/spoken-double", "ADDRESS/multi-line",
               "ADDRESS/block", "ADDRESS/landmark", "ADDRESS/rural-route", "DOB/ymd-slash", "DOB/roman-month",
               "DOB/compact-month", "DOB/spoken-ordinal-numeric", "DOB/spoken-month-the", "DOB/spoken-hesitant",
               "SECRET/password-spelled", "CUSTOMER_NUMBER/spaced-alnum"):
        assert forms.get(kf, 0) >= 2, kf
    for kt in ("NAME/surname-first", "NAME/title", "NAME/third-party", "NAME/word-name", "NAME/agent",
               "CARD/jcb", "CARD/diners", "CARD/unionpay", "ACCOUNT/ca-transit", "ACCOUNT/nz-account",
               "ACCOUNT/in-ifsc", "SECRET/favourite-film", "SECRET/first-car", "SECRET/childhood-street"):
        assert tags.get(kt, 0) >= 3, kt
    for country in ("ie", "be", "ch", "at", "pt", "pl", "se", "nz", "za", "sg", "br", "mx", "ng", "ph"):
        assert tags.get(f"PHONE/{country}", 0) >= 2, country
    for country in ("pt", "pl", "at", "ch", "se", "lu", "dk", "fi", "no"):
        assert tags.get(f"IBAN/{country}", 0) >= 1, country
    for sub in ("nhs", "ppsn", "codice-fiscale", "nif", "pesel", "personnummer", "tfn", "cpf", "sa-id",
                "be-national-number"):
        assert tags.get(f"NATIONAL_ID/{sub}", 0) >= 3, sub
    negatives = c["negative_kind_form"]
    for kf in ("AMOUNT/words", "REFERENCE/clause", "DATE/holiday", "VERSION/code", "BANK_CODE/bic",
               "TIME/timestamp", "BRAND/person-named", "PLACE/place"):
        assert negatives.get(kf, 0) >= 3, kf


def test_the_validator_checks_pieces_together_and_leaves_wrong_starts(splits):
    r = next(x for x in splits["test2"] if any(i["kind"] == "CARD" and "group" in i for i in x["items"]))
    assert evalset.check_record(r, "test2") == []
    pieces = [i for i in r["items"] if i["kind"] == "CARD" and "group" in i]
    alone = copy.deepcopy(r)
    alone["items"] = [i for i in alone["items"] if i is not None and i != pieces[1]]
    assert any("two or more pieces" in p for p in evalset.check_record(alone, "test2"))
    # a digit changed in one piece breaks the card the two pieces make
    last = pieces[1]
    surface = r["text"][last["start"]:last["end"]]
    bad = copy.deepcopy(r)
    if surface[-1].isdigit():
        bad["text"] = r["text"][:last["end"] - 1] + str((int(surface[-1]) + 1) % 10) + r["text"][last["end"]:]
    else:
        word = surface.split()[-1]
        other = "two" if word != "two" else "three"
        bad["text"] = r["text"][:last["end"] - len(word)] + other + r["text"][last["end"]:]
        shift = len(other) - len(word)
        for span in bad["items"] + bad["negatives"]:
            if span["start"] >= last["end"]:
                span["start"] += shift
            if span["end"] >= last["end"]:
                span["end"] += shift
    assert any("Luhn" in p for p in evalset.check_record(bad, "test2"))
    # a wrong start is not a whole number and is not checked as one
    wrong = next(x for x in splits["test2"] if any(i["form"] in evalset.UNCHECKED_FORMS and i["kind"] == "CARD"
                                                    for i in x["items"]))
    assert evalset.check_record(wrong, "test2") == []
    # national ids carry their check digits
    assert evalset.NATIONAL_ID_CHECKS["nhs"]("9434765919") and not evalset.NATIONAL_ID_CHECKS["nhs"]("9434765918")
    assert evalset.NATIONAL_ID_CHECKS["cpf"]("52998224725") and not evalset.NATIONAL_ID_CHECKS["cpf"]("52998224724")
    assert evalset.NATIONAL_ID_CHECKS["ppsn"]("1234567T") and not evalset.NATIONAL_ID_CHECKS["ppsn"]("1234567A")


def test_the_validator_catches_broken_records(splits):
    r = next(x for x in splits["dev"] if any(i["kind"] == "CARD" for i in x["items"]) and len(x["items"]) >= 1)
    assert evalset.check_record(r, "dev") == []
    shifted = copy.deepcopy(r)
    shifted["items"][0]["start"] += 1
    shifted["items"][0]["text"] = r["text"][r["items"][0]["start"]:r["items"][0]["end"]]
    assert evalset.check_record(shifted, "dev")
    overlapping = copy.deepcopy(r)
    overlapping["negatives"].append(dict(overlapping["items"][0], kind="AMOUNT"))
    assert any("overlaps" in p for p in evalset.check_record(overlapping, "dev"))
    unknown = copy.deepcopy(r)
    unknown["items"][0]["kind"] = "PERSON"
    assert evalset.check_record(unknown, "dev")
    card = next(i for i in r["items"] if i["kind"] == "CARD")
    surface = r["text"][card["start"]:card["end"]]
    last = surface.rstrip()[-1]
    bad = copy.deepcopy(r)
    bad["text"] = r["text"][:card["end"] - 1] + ("1" if last != "1" else "2") + r["text"][card["end"]:]
    if last.isdigit():
        assert any("Luhn" in p for p in evalset.check_record(bad, "dev"))
    assert not evalset.iban_ok("GB82 WEST 1234 5698 7654 33") and evalset.iban_ok("gb82 west 1234 5698 7654 32")


def test_splits_share_no_frames_pools_or_carriers(build):
    dev = build._load_module(EVAL_DIR / "frames" / "dev.py")
    test = build._load_module(EVAL_DIR / "frames" / "test.py")
    frames = [{f for fs in m.FRAMES.values() for f in fs} | {f for _, _, f, _ in m.CARRIER_FRAMES} for m in (dev, test)]
    assert not frames[0] & frames[1]
    for pool in ("SURNAMES", "AGENTS", "UK_STREETS", "US_STREETS", "HOUSE_NAMES", "PASSWORDS", "MAIDEN_NAMES",
                 "PET_NAMES", "SCHOOLS", "MEMORABLE_WORDS", "BRANDS", "PERSON_BRANDS", "PLACES", "PRODUCTS",
                 "WORK_DOMAINS"):
        assert not set(getattr(dev, pool)) & set(getattr(test, pool)), pool
    first = [{n for g in m.FIRST_NAMES.values() for n in g} for m in (dev, test)]
    assert not first[0] & first[1]
    towns = [{t for t, _ in m.UK_TOWNS} for m in (dev, test)]
    assert not towns[0] & towns[1]
    assert not set(dev.ABCD_DIALOGUES) & set(test.ABCD_DIALOGUES)


# What a frames module holds beside its pools: settings, forms, countries, spelling aids, frames.
_NOT_POOLS = re.compile(r"^(SEED|REPEAT|.*_FORMS|.*_COUNTRIES|EXTRA_GIVEN_NAMES|SPELLING_WORDS|CARD_BRANDS|ORDER_PREFIXES|"
                        r"NANP_AREAS|CARRIER_.*|ABCD_.*|.*_INTENTS|CORRECTIONS_.*|ASR_SPLITS|UNITS|PLUS_TAGS|"
                        r"CUSTNO_PREFIXES|GB_BANKS|REF_FORMS|FRAMES|CHAT|SMS|EMAIL|SOCIAL|TRANSCRIPT)$")


def _pool_values(pool) -> set[str]:
    """A pool's values, lower-cased: a town's name (not its postcode prefix), a domain, a password."""
    if isinstance(pool, dict):
        pool = [v for vs in pool.values() for v in (vs if isinstance(vs, (list, tuple, set)) else [vs])]
    return {(v[0] if isinstance(v, tuple) else v).lower() for v in pool if isinstance(v, (str, tuple))}


def test_test2_shares_no_pool_value_frame_or_carrier_with_dev_or_test(build, splits):
    modules = {s: build._load_module(EVAL_DIR / "frames" / f"{s}.py") for s in evalset.SPLITS}
    test2 = modules["test2"]
    pools = [k for k, v in vars(test2).items()
             if k.isupper() and isinstance(v, (list, tuple, set, dict)) and not _NOT_POOLS.match(k)]
    for needed in ("FIRST_NAMES", "SURNAMES", "UK_STREETS", "UK_TOWNS", "HOUSE_NAMES", "BRANDS", "EMAIL_DOMAINS",
                   "WORK_DOMAINS", "PASSWORDS", "MAIDEN_NAMES", "PET_NAMES", "MEMORABLE_WORDS", "PLACES"):
        assert needed in pools, needed
    # every value anywhere in dev's or test's frames modules, pools and settings alike
    seen = set()
    for s in ("dev", "test"):
        for k, v in vars(modules[s]).items():
            if k.isupper() and isinstance(v, (list, tuple, set, dict)):
                seen |= _pool_values(v)
    for pool in pools:
        assert not _pool_values(getattr(test2, pool)) & seen, pool
    frames = {s: {f for fs in m.FRAMES.values() for f in fs} | {f for _, _, f, _ in m.CARRIER_FRAMES}
              for s, m in modules.items()}
    assert not frames["test2"] & (frames["dev"] | frames["test"])
    assert not test2.TEST2_INTENTS & (modules["dev"].DEV_INTENTS | modules["test"].TEST_INTENTS)
    assert test2.CARRIER_FILES["uci_sentiment"] != "yelp_labelled.txt"     # dev and test take the Yelp rows
    assert not set(test2.ABCD_DIALOGUES) & (set(modules["dev"].ABCD_DIALOGUES) | set(modules["test"].ABCD_DIALOGUES))
    carriers = {s: {r["text"] for r in splits[s] if r["source"] != "handwritten"} for s in evalset.SPLITS}
    assert not carriers["test2"] & (carriers["dev"] | carriers["test"])
    names = {s: {r["text"][i["start"]:i["end"]].lower() for r in splits[s] for i in r["items"]
                 if i["kind"] == "NAME" and " " in r["text"][i["start"]:i["end"]]} for s in evalset.SPLITS}
    assert not {n for n in names["test2"] & (names["dev"] | names["test"]) if n.count(" ") < 3 and len(n) > 7}


def test_carrier_sentences_differ_between_splits(splits):
    def carriers(records):
        return {r["text"] for r in records if r["source"] != "handwritten"}
    dev_names = {r["text"][i["start"]:i["end"]].lower() for r in splits["dev"] for i in r["items"] if i["kind"] == "NAME"}
    test_names = {r["text"][i["start"]:i["end"]].lower() for r in splits["test"] for i in r["items"] if i["kind"] == "NAME"}
    assert not carriers(splits["dev"]) & carriers(splits["test"])
    # Spelled-out names ("s m i t h") are letters, not pool entries; full names never repeat across splits.
    assert not {n for n in dev_names & test_names if " " in n and len(n.replace(" ", "")) > 3 and n.count(" ") < 3}


def test_files_are_what_the_builder_writes(build, shared_data):
    for split in evalset.SPLITS:
        rebuilt = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in build.build_split(split))
        assert rebuilt == evalset.path_of(split).read_text(encoding="utf-8"), f"rerun build.py: {split} differs"


# ---- the scorer ----------------------------------------------------------------------------------
@dataclass
class _Span:
    start: int
    end: int
    type: str


class _Oracle:
    """Finds exactly the planted items (and redacts them): what a perfect redactor would do."""

    def __init__(self, records, drop_kind=None, trim=0):
        self.by_text = {r["text"]: r for r in records}
        self.drop_kind, self.trim = drop_kind, trim

    def find(self, text):
        r = self.by_text[text]
        return [_Span(i["start"] + self.trim, i["end"], i["kind"]) for i in r["items"] if i["kind"] != self.drop_kind]

    def redact(self, text):
        out = text
        for s in sorted(self.find(text), key=lambda s: -s.start):
            out = out[:s.start] + f"[{s.type}]" + out[s.end:]
        return out


class _Nothing:
    def find(self, text):
        return []

    def redact(self, text):
        return text


def test_scorer_gives_a_perfect_redactor_full_marks(splits, scorer):
    records = splits["dev"]
    f = scorer.score(records, _Oracle(records))
    overall = f["items"]["overall"]["all"]
    assert overall["recall"] == overall["full_mask"] == overall["typed"] == 1.0
    assert overall["leaks"] == 0 and f["leaked_runs"] == 0
    assert f["negatives"]["overall"]["all"]["kept"] == 1.0
    assert f["span_precision"]["overall"]["all"]["precision"] == 1.0


def test_scorer_counts_misses_partial_masks_and_leaks(splits, scorer):
    records = splits["dev"]
    nothing = scorer.score(records, _Nothing())
    assert nothing["items"]["overall"]["all"]["recall"] == 0.0
    assert nothing["items"]["overall"]["all"]["leaks"] == nothing["items"]["overall"]["all"]["n"]
    assert nothing["negatives"]["overall"]["all"]["kept"] == 1.0
    no_names = scorer.score(records, _Oracle(records, drop_kind="NAME"))
    assert no_names["items"]["kind"]["NAME"]["recall"] == 0.0
    assert no_names["items"]["kind"]["PHONE"]["recall"] == 1.0
    assert no_names["items"]["kind"]["NAME"]["leaks"] == no_names["items"]["kind"]["NAME"]["n"]
    # Spans that leave the first two characters visible are found but not fully masked.
    trimmed = scorer.score(records, _Oracle(records, trim=2))
    card = trimmed["items"]["kind"]["CARD"]
    assert card["recall"] == 1.0 and card["full_mask"] == 0.0


def test_scorer_runs_on_the_current_redactor(splits, scorer):
    from earful.nlp.redact import Redactor

    records = splits["dev"][:120]
    f = scorer.score(records, Redactor(fast=True))
    overall = f["items"]["overall"]["all"]
    assert overall["n"] == sum(len(r["items"]) for r in records)
    assert 0.0 <= overall["full_mask"] <= overall["recall"] <= 1.0
    assert 0.0 <= f["negatives"]["overall"]["all"]["kept"] <= 1.0
