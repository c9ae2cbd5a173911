"""Draw the hand-labelled sample for voice-of-the-customer precision (run once, before tuning).

Candidates come from wide recall nets that are deliberately broader than any cue of earful
(a word list per cue, not earful's rules), over

* the customer tweets of the Twitter support threads in ``$EARFUL_SHARED_DATA/twcs`` (licence
  CC BY-NC-SA: only tweet ids and labels are written, never the text), and
* one simulated month (``earful.sim.simulate(days=30, seed=23)``), distinct texts only (the
  simulator writes its churn and praise lines from a handful of templates).

Each candidate gets a split from a hash of its key (``tune`` or ``heldout``, about half each).
Writes ``bench/data/voc_labels.csv`` with an empty ``label`` column that a person fills in by
reading each text (``python bench/voc_sample.py --show`` prints them, with no file written).
``--fresh`` draws the second sample (``fresh_candidates``: tweets the first one left out) into
``bench/data/voc_labels_fresh.csv`` the same way. ``--yelp`` draws a third, from text of another
kind (``fresh_yelp_candidates``: review sentences, testimonial only) into
``bench/data/voc_labels_yelp.csv``.

    PYTHONPATH=src EARFUL_SHARED_DATA=../shared/data python bench/voc_sample.py
    EARFUL_SHARED_DATA=../shared/data python bench/voc_sample.py --fresh
    EARFUL_SHARED_DATA=../shared/data python bench/voc_sample.py --yelp
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import re
import sys
from pathlib import Path

SEED = 23
PER_CUE = 150
OUT = Path(__file__).parent / "data" / "voc_labels.csv"
FRESH_SEED = 2323
FRESH_PER_CUE = 80
FRESH_OUT = Path(__file__).parent / "data" / "voc_labels_fresh.csv"
YELP_OUT = Path(__file__).parent / "data" / "voc_labels_yelp.csv"
COLUMNS = ["source", "id", "cue", "name", "split", "label"]

CHURN_NET = re.compile(
    r"(?i)\b(cancel\w*|unsubscrib\w*|leav(e|ing)|switch\w*|mov(e|ing) (my|to)|clos(e|ing) my|done with|"
    r"go(ing)? elsewhere|another (provider|carrier|bank|company|airline)|never (use|fly|buy|order|shop)|"
    r"last time|quit\w*|drop(ping)? you|get rid of|goodbye|customer for|terminat\w*|had enough)\b")
PRAISE_NET = re.compile(
    r"(?i)\b(thank\w*|thanx|thx|great|love\w*|awesome|amazing|excellent|brilliant|fantastic|helpful|best|"
    r"appreciate\w*|perfect|wonderful|kudos|shout ?out|well done|impressed|superb|happy|lovely|quick)\b")
NAME_NET = re.compile(r"(?<![@#\w])([A-Z][A-Za-z0-9&'’]*[a-z0-9][A-Za-z0-9&'’]*(?:\s+[A-Z][A-Za-z0-9&'’]+){0,2})")
CONTEXT_NET = re.compile(r"(?i)\b(switch\w*|mov(e|ing)|leav(e|ing)|than|unlike|instead|better|worse|over to|"
                         r"go(ing)? (back )?to|compared?|cheaper|rather|why (does|can)|competitor)\b")
_NOT_NAMES = {"I'm", "I’m", "I've", "I’ve", "I'll", "I’ll", "I'd", "I’d"}


def split_of(key: str) -> str:
    return "heldout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 else "tune"


def twcs_tweets(data: Path, file: str = "twcs_first5000.csv") -> list[dict]:
    rows = list(csv.DictReader(open(data / "twcs" / file, encoding="utf-8")))
    brand_of = {x["tweet_id"]: x["author_id"] for x in rows if x["inbound"] == "False"}
    out = []
    for x in rows:
        if x["inbound"] != "True":
            continue
        replies = [brand_of[t] for t in (x["response_tweet_id"] or "").split(",") if t in brand_of]
        out.append({"id": x["tweet_id"], "text": x["text"], "brand": replies[0] if replies else ""})
    return out


def sim_texts() -> list[dict]:
    from earful.sim import simulate

    seen, out = set(), []
    for r in simulate(days=30, seed=SEED, scale=0.5).records:
        words = [t["text"] for t in r.get("turns") or [] if t.get("speaker") == "customer"]
        for text in words + ([r["text"]] if r.get("text") else []):
            if text and text not in seen:
                seen.add(text)
                out.append({"id": r["source_id"], "text": text, "brand": "(simulated bank)"})
    return out


def _names(text: str, brand: str) -> list[str]:
    own = re.sub(r"(?i)(cares|help|support|assist|helpers|_)", "", brand).lower()
    text = re.sub(r"@\w+|https?://\S+", " ", text)
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        lead = len(sentence) - len(sentence.lstrip())
        for m in NAME_NET.finditer(sentence):
            name = m.group(1)
            if m.start() == lead or name in _NOT_NAMES or (own and own in name.lower().replace(" ", "")):
                continue
            out.append(name)
    return list(dict.fromkeys(out))


def _nets(texts: list[dict]) -> tuple[list[dict], list[dict], list[tuple], list[tuple]]:
    """The texts each net catches: churn, praise, (text, name) pairs in context and the other pairs."""
    churn = [t for t in texts if CHURN_NET.search(t["text"])]
    praise = [t for t in texts if PRAISE_NET.search(t["text"])]
    pairs = [(t, n) for t in texts for n in _names(t["text"], t["brand"])]
    in_context = [p for p in pairs if CONTEXT_NET.search(p[0]["text"])]
    others = [p for p in pairs if not CONTEXT_NET.search(p[0]["text"])]
    return churn, praise, in_context, others


def _row(source: str, t: dict, cue: str, name: str = "") -> dict:
    return {"source": source, "id": t["id"], "cue": cue, "name": name, "brand": t["brand"], "text": t["text"]}


def candidates(data: Path) -> list[dict]:
    rng = random.Random(SEED)
    out: list[dict] = []
    for source, texts in (("twcs", twcs_tweets(data)), ("sim", sim_texts())):
        churn, praise, in_context, others = _nets(texts)
        picked = {
            "churn": rng.sample(churn, min(PER_CUE, len(churn))),
            "testimonial": rng.sample(praise, min(PER_CUE, len(praise))),
        }
        comp = rng.sample(in_context, min(PER_CUE // 2, len(in_context)))
        comp += rng.sample(others, min(PER_CUE - len(comp), len(others)))
        for cue, items in picked.items():
            out += [_row(source, t, cue) for t in items]
        out += [_row(source, t, "competitor", n) for t, n in comp]
    for c in out:
        c["split"] = split_of(f"{c['source']}|{c['id']}|{c['cue']}|{c['name']}")
    return out


def _key(c: dict) -> tuple[str, str, str, str]:
    return (c["source"], c["id"], c["cue"], c["name"] if c["cue"] == "competitor" else "")


def fresh_candidates(data: Path, first: Path = OUT) -> list[dict]:
    """A second sample nobody tuned on: the same nets over the tweets the first sample left out.

    Customer tweets of ``twcs_first5000.csv`` (source ``twcs``) and of the corpus's own
    ``kaggle_sample.csv`` (source ``kaggle``), never the simulator. A candidate whose key
    (source, id, cue, and name for competitor rows) is in ``first`` is left out. Kept: every
    remaining praise-net tweet, up to ``FRESH_PER_CUE`` churn-net tweets and up to
    ``FRESH_PER_CUE`` competitor (name, tweet) pairs, pairs in a comparing context first, drawn
    with ``FRESH_SEED``. Split ``fresh``.
    """
    taken = {_key(c) for c in csv.DictReader(open(first, encoding="utf-8"))}
    churn, praise, in_context, others = [], [], [], []
    for source, file in (("twcs", "twcs_first5000.csv"), ("kaggle", "kaggle_sample.csv")):
        nets = _nets(twcs_tweets(data, file))
        churn += [_row(source, t, "churn") for t in nets[0]]
        praise += [_row(source, t, "testimonial") for t in nets[1]]
        in_context += [_row(source, t, "competitor", n) for t, n in nets[2]]
        others += [_row(source, t, "competitor", n) for t, n in nets[3]]
    rng = random.Random(FRESH_SEED)
    churn, praise, in_context, others = ([c for c in cs if _key(c) not in taken]
                                         for cs in (churn, praise, in_context, others))
    out = praise + rng.sample(churn, min(FRESH_PER_CUE, len(churn)))
    comp = rng.sample(in_context, min(FRESH_PER_CUE, len(in_context)))
    out += comp + rng.sample(others, min(FRESH_PER_CUE - len(comp), len(others)))
    for c in out:
        c["split"] = "fresh"
    return out


def fresh_yelp_candidates(data: Path) -> list[dict]:
    """Testimonial candidates from restaurant reviews nobody working on the cues has read.

    Every sentence of ``uci_sentiment/yelp_labelled.txt`` (Kotzias et al. 2015, one sentence a
    line, a tab and a 0/1 sentiment label) that the praise net catches, whatever its sentiment
    label, so sarcastic and mixed sentences are in. Source ``yelp``, id the 1-based line number,
    split ``yelp``.
    """
    out = []
    with open(data / "uci_sentiment" / "yelp_labelled.txt", encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            text = line.rstrip("\n").rsplit("\t", 1)[0]
            if PRAISE_NET.search(text):
                t = {"id": str(line_no), "text": text, "brand": "(restaurant review)"}
                out.append(_row("yelp", t, "testimonial") | {"split": "yelp"})
    return out


def _write(path: Path, cands: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for c in cands:
            w.writerow([c["source"], c["id"], c["cue"], c["name"], c["split"], ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print the candidates with their text (nothing written)")
    ap.add_argument("--force", action="store_true", help="overwrite an existing (labelled) file")
    ap.add_argument("--fresh", action="store_true", help=f"the second sample, tweets only, into {FRESH_OUT.name}")
    ap.add_argument("--yelp", action="store_true", help=f"Yelp review sentences, testimonial only, into {YELP_OUT.name}")
    args = ap.parse_args(argv)
    data = Path(os.environ.get("EARFUL_SHARED_DATA", "../shared/data"))
    if args.yelp:
        cands, out = fresh_yelp_candidates(data), YELP_OUT
    elif args.fresh:
        cands, out = fresh_candidates(data), FRESH_OUT
    else:
        cands, out = candidates(data), OUT
    if args.show:
        for i, c in enumerate(cands):
            print(i, c["source"], c["cue"], c["split"], c["brand"], repr(c["name"]), "|", " ".join(c["text"].split()))
        return 0
    if out.exists() and not args.force:
        print(f"{out} exists (it holds the hand labels); --force writes a blank one", file=sys.stderr)
        return 1
    _write(out, cands)
    print(f"{len(cands)} candidates written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
