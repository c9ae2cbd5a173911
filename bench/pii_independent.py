"""Redaction measured on the independent evaluation set (``tests/data/pii_eval``).

The set was written apart from the recognisers (see ``tests/data/pii_eval/README.md``). This
scorer calls only the public contract of ``earful.nlp.redact``: ``Redactor(fast=...).find(text)``
(spans with ``start``, ``end``, ``type`` in offsets of the original text) and ``.redact(text)``.

Per planted item:
- found (recall): some predicted span overlaps the item;
- fully masked: every letter and digit of the item lies inside predicted spans;
- typed: a predicted span overlapping the item has the item's kind, with two equivalences:
  ``CUSTOMER_NUMBER`` may be reported as ``ACCOUNT``, and ``SECRET`` as ``PIN`` or ``PASSWORD``;
  a type the redactor does not know is simply not typed;
- leaked: an alphanumeric run of 3 or more characters of the item is still readable in the
  output of ``redact()`` (case-insensitive, as a whole run), more often than the same run occurs
  in the text outside every item (so a word like "for" in "c for charlie" does not count as
  leaked because it also appears elsewhere); an item written only in pieces shorter than 3
  ("37-51-77", "s m i t h") counts as leaked when its letters and digits run together are found
  in the output with everything else removed;
Per hard negative: kept when no predicted span overlaps it.
Span precision: predicted spans that overlap an item / all predicted spans.

Reported overall and per kind, kind/form, kind/tag, style and source; hard negatives per kind
and per style. The default split is ``dev``: the ``test`` split is scored once, at the end, and
its figures published whatever they are. ``dev`` and ``test`` are development data (tuned on);
``test2`` is the held-out split, scored once and published whatever it shows; ``--misses``
(which prints the missed items) refuses it.

Run: PYTHONPATH=src python bench/pii_independent.py [--split dev|test] [--mode fast|full|both]
     [--json OUT] [--misses N]   (split: dev, test or the held-out test2)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests" / "data" / "pii_eval"))

import evalset  # noqa: E402

# The types a predicted span may carry for an item to count as typed (besides the kind itself).
EQUIVALENT_TYPES = {"CUSTOMER_NUMBER": {"CUSTOMER_NUMBER", "ACCOUNT"}, "SECRET": {"SECRET", "PIN", "PASSWORD"}}
# Splits that are scored once and never inspected (their items are never printed).
HELD_OUT = ("test2",)
_RUN = re.compile(r"[^\W_]{3,}")


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _fully_masked(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> bool:
    covered = [False] * (end - start)
    for s, e, _ in spans:
        for i in range(max(s, start), min(e, end)):
            covered[i - start] = True
    return all(covered[i - start] or not text[i].isalnum() for i in range(start, end))


def _count_run(run: str, text: str) -> int:
    return len(re.findall(rf"(?<![^\W_]){re.escape(run)}(?![^\W_])", text))


def _leaked(text: str, redacted: str, item: dict, items: list[dict]) -> list[str]:
    """The item's runs still readable in the redacted text (beyond their use elsewhere).

    An item written only in short pieces (a sort code "37-51-77", an NI number "AB 12 34 56 C",
    a name spelled "s m i t h") is checked as its letters and digits run together, against the
    redacted text with everything but letters and digits removed."""
    outside = list(text.lower())
    for it in items:
        for i in range(it["start"], it["end"]):
            outside[i] = " "
    outside_text = "".join(outside)
    red = redacted.lower()
    surface = text[item["start"]:item["end"]].lower()
    runs = list(dict.fromkeys(m.group(0) for m in _RUN.finditer(surface)))
    if runs:
        return [r for r in runs if _count_run(r, red) > _count_run(r, outside_text)]
    joined = _compact(surface)
    if len(joined) < 3:
        return []
    return [joined] if _compact(red).count(joined) > _compact(outside_text).count(joined) else []


def _compact(s: str) -> str:
    return "".join(ch for ch in s if ch.isalnum())


class _Tally:
    """Counts for one group of items (a kind, a form, a style, ...)."""

    __slots__ = ("n", "found", "full", "typed", "leaked")

    def __init__(self) -> None:
        self.n = self.found = self.full = self.typed = self.leaked = 0

    def add(self, found: bool, full: bool, typed: bool, leaked: bool) -> None:
        self.n += 1
        self.found += found
        self.full += full
        self.typed += typed
        self.leaked += leaked

    def as_dict(self) -> dict:
        n = self.n or 1
        return {"n": self.n, "recall": self.found / n, "full_mask": self.full / n, "typed": self.typed / n,
                "leaks": self.leaked}


def score(records: list[dict], redactor, misses: list | None = None) -> dict:
    """Score a redactor on records; returns the figures (see the module docstring)."""
    items: dict[str, dict[str, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    negs: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    precision: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    leaked_runs = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for r in records:
        text = r["text"]
        spans = [(int(s.start), int(s.end), str(s.type)) for s in redactor.find(text)]
        redacted = redactor.redact(text)
        for it in r["items"]:
            over = [s for s in spans if _overlaps(s[0], s[1], it["start"], it["end"])]
            found = bool(over)
            full = found and _fully_masked(text, it["start"], it["end"], spans)
            typed = any(t in EQUIVALENT_TYPES.get(it["kind"], {it["kind"]}) for _, _, t in over)
            leaks = _leaked(text, redacted, it, r["items"])
            leaked_runs += len(leaks)
            keys = {"overall": "all", "kind": it["kind"], "kind_form": f"{it['kind']}/{it['form']}",
                    "style": r["style"], "source": r["source"]}
            for table, key in keys.items():
                items[table][key].add(found, full, typed, bool(leaks))
            for tag in it.get("tags", []):
                items["kind_tag"][f"{it['kind']}/{tag}"].add(found, full, typed, bool(leaks))
            if misses is not None and not full:
                misses.append({"id": r["id"], "kind": it["kind"], "form": it["form"],
                               "item": text[it["start"]:it["end"]], "found": found,
                               "predicted": [(text[s:e], t) for s, e, t in over], "text": text})
        for ng in r["negatives"]:
            kept = not any(_overlaps(s[0], s[1], ng["start"], ng["end"]) for s in spans)
            for table, key in (("overall", "all"), ("kind", ng["kind"]), ("kind_form", f"{ng['kind']}/{ng['form']}"),
                               ("style", r["style"])):
                negs[table][key][0] += kept
                negs[table][key][1] += 1
            if misses is not None and not kept:
                misses.append({"id": r["id"], "negative": ng["kind"], "item": text[ng["start"]:ng["end"]],
                               "predicted": [(text[s:e], t) for s, e, t in spans
                                             if _overlaps(s, e, ng["start"], ng["end"])], "text": text})
        for s, e, t in spans:
            hit = any(_overlaps(s, e, it["start"], it["end"]) for it in r["items"])
            for table, key in (("overall", "all"), ("style", r["style"]), ("type", t)):
                precision[table][key][0] += hit
                precision[table][key][1] += 1
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    out = {"items": {t: {k: v.as_dict() for k, v in sorted(g.items())} for t, g in items.items()},
           "negatives": {t: {k: {"n": v[1], "kept": v[0] / v[1] if v[1] else 1.0} for k, v in sorted(g.items())}
                         for t, g in negs.items()},
           "span_precision": {t: {k: {"n": v[1], "precision": v[0] / v[1] if v[1] else 1.0} for k, v in sorted(g.items())}
                              for t, g in precision.items()},
           "leaked_runs": leaked_runs, "records": len(records), "cpu_s": cpu_s, "wall_s": wall_s,
           "texts_per_s": len(records) / wall_s if wall_s else 0.0}
    return out


def _table(title: str, rows: dict, columns: list[tuple[str, str]]) -> str:
    head = f"| {title} | " + " | ".join(c for c, _ in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for key, row in rows.items():
        lines.append(f"| {key} | " + " | ".join(
            (f"{row[k]:,}" if isinstance(row[k], int) else f"{row[k]:.3f}") if k in row else "" for _, k in columns) + " |")
    return "\n".join(lines)


def print_report(split: str, figures: dict[str, dict]) -> None:
    modes = list(figures)
    print(f"## Redaction on the independent set, split `{split}`\n")
    print("| figure | " + " | ".join(modes) + " |")
    print("|---|" + "---:|" * len(modes))
    rows = [("items", lambda f: f"{f['items']['overall']['all']['n']:,}"),
            ("recall", lambda f: f"{f['items']['overall']['all']['recall']:.3f}"),
            ("fully masked", lambda f: f"{f['items']['overall']['all']['full_mask']:.3f}"),
            ("typed", lambda f: f"{f['items']['overall']['all']['typed']:.3f}"),
            ("items with a leak in redact()", lambda f: f"{f['items']['overall']['all']['leaks']:,}"),
            ("hard negatives", lambda f: f"{f['negatives']['overall']['all']['n']:,}"),
            ("hard negatives kept", lambda f: f"{f['negatives']['overall']['all']['kept']:.3f}"),
            ("span precision", lambda f: f"{f['span_precision']['overall']['all']['precision']:.3f}"),
            ("texts/s (find + redact)", lambda f: f"{f['texts_per_s']:,.0f}"),
            ("CPU s", lambda f: f"{f['cpu_s']:.1f}")]
    for name, fn in rows:
        print(f"| {name} | " + " | ".join(fn(figures[m]) for m in modes) + " |")
    cols = [("n", "n"), ("recall", "recall"), ("fully masked", "full_mask"), ("typed", "typed"), ("leaks", "leaks")]
    for table, title in (("kind", "kind"), ("kind_form", "kind / form"), ("kind_tag", "kind / tag"),
                         ("style", "style"), ("source", "source")):
        for m in modes:
            print(f"\n### Items per {title} ({m})\n")
            print(_table(title, figures[m]["items"][table], cols))
    for m in modes:
        print(f"\n### Hard negatives kept ({m})\n")
        rows = {f"kind {k}": v for k, v in figures[m]["negatives"]["kind"].items()}
        rows.update({f"style {k}": v for k, v in figures[m]["negatives"]["style"].items()})
        print(_table("negatives", rows, [("n", "n"), ("kept", "kept")]))
        print(f"\n### Span precision ({m})\n")
        rows = {f"style {k}": v for k, v in figures[m]["span_precision"]["style"].items()}
        rows.update({f"type {k}": v for k, v in figures[m]["span_precision"]["type"].items()})
        print(_table("predicted spans", rows, [("n", "n"), ("precision", "precision")]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score earful's redactor on the independent evaluation set.")
    ap.add_argument("--split", choices=evalset.SPLITS, default="dev",
                    help="dev (default) or test: development data; test2: held out, scored once at the end")
    ap.add_argument("--mode", choices=("fast", "full", "both"), default="both")
    ap.add_argument("--json", metavar="OUT", help="write the figures as JSON to OUT")
    ap.add_argument("--misses", type=int, metavar="N", default=0,
                    help="print up to N missed items and touched negatives (not on the held-out split)")
    args = ap.parse_args(argv)
    if args.misses and args.split in HELD_OUT:
        print(f"error: --misses prints items of the split; the held-out split {args.split} is never inspected",
              file=sys.stderr)
        return 2
    try:
        records = evalset.load(args.split)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from earful.nlp.redact import Redactor

    figures: dict[str, dict] = {}
    missed: list = []
    for mode in (("fast", "full") if args.mode == "both" else (args.mode,)):
        redactor = Redactor(fast=(mode == "fast"))
        t0 = time.perf_counter()
        if hasattr(redactor, "fit"):
            redactor.fit()
        load_s = time.perf_counter() - t0
        print(f"scoring {mode} on {len(records):,} {args.split} texts (engine load {load_s:.1f} s) ...", file=sys.stderr)
        mode_missed: list = []
        figures[mode] = score(records, redactor, mode_missed if args.misses else None)
        missed += [{"mode": mode, **m} for m in mode_missed]
        figures[mode]["load_s"] = load_s
    print_report(args.split, figures)
    try:
        load = os.getloadavg()
        print(f"\nmachine load (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    except OSError:
        load = None
    if args.misses:
        print(f"\n### First {args.misses} misses\n")
        for m in missed[:args.misses]:
            print(json.dumps(m, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps({"split": args.split, "counts": evalset.counts(records),
                                               "load_avg": load, "modes": figures}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
