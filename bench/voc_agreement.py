"""Agreement between the two readers of the voice-of-the-customer hand labels (held-out half).

Joins ``bench/data/voc_labels.csv`` (first reader) and ``bench/data/voc_labels_second.csv``
(second reader, blind to the first) on the row key (source, id, cue, name) over the ``heldout``
rows and prints, per cue, raw agreement and Cohen's kappa, overall and per source (tweets,
simulator). Churn is scored twice: on its three classes (yes / hedged / no) and as leaving at
all (yes or hedged) against no. Then the keys of the rows the readers disagree on (ids only:
the tweets' licence keeps their text out of the project).

    python bench/voc_agreement.py
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

DATA = Path(__file__).parent / "data"
FIRST = DATA / "voc_labels.csv"
SECOND = DATA / "voc_labels_second.csv"
KEY = ("source", "id", "cue", "name")


def _labels(path: Path) -> dict[tuple[str, ...], str]:
    """Held-out labels by key; a simulated record with several texts under one key is told apart
    by its place among them (both files keep the sampler's order)."""
    out: dict[tuple[str, ...], str] = {}
    for r in csv.DictReader(open(path, encoding="utf-8")):
        if r["split"] == "heldout":
            key = tuple(r[k] for k in KEY)
            nth = sum(k[:4] == key for k in out)
            out[key + ((f"#{nth + 1}",) if nth else ())] = r["label"]
    return out


def _leaving(label: str) -> str:
    return "no" if label == "no" else "yes"


def agreement(first: list[str], second: list[str]) -> tuple[int, float, float]:
    """(rows, share of rows with the same label, Cohen's kappa) of two readers' labels."""
    same = sum(a == b for a, b in zip(first, second))
    kappa = cohen_kappa_score(first, second) if len(set(first) | set(second)) > 1 else float("nan")
    return len(first), same / len(first), float(kappa)


def pairs(first: Path = FIRST, second: Path = SECOND) -> list[tuple[tuple[str, ...], str, str]]:
    """(key, first label, second label) for every held-out row both readers labelled."""
    a, b = _labels(first), _labels(second)
    missing = sorted(set(a) ^ set(b))
    if missing:
        raise SystemExit(f"the two files do not hold the same held-out rows: {len(missing)} differ, e.g. {missing[0]}")
    return [(k, a[k], b[k]) for k in a]


def _fmt(kappa: float) -> str:
    return "n/a (one class)" if kappa != kappa else f"{kappa:.3f}"


def report(rows: list[tuple[tuple[str, ...], str, str]]) -> list[str]:
    out = [f"{'cue':<22}{'rows':>6}{'agree':>8}{'kappa':>8}   {'tweets: rows agree kappa':<28}simulated: rows agree kappa"]
    # Kappa is undefined where both readers used a single class (nothing to agree beyond chance).
    scorings = [("churn, 3 classes", "churn", str), ("churn, leaving or not", "churn", _leaving),
                ("testimonial", "testimonial", str), ("competitor", "competitor", str)]
    for title, cue, score in scorings:
        cells = []
        for source in (None, "twcs", "sim"):
            sel = [(score(x), score(y)) for k, x, y in rows if k[2] == cue and source in (None, k[0])]
            n, agree, kappa = agreement([x for x, _ in sel], [y for _, y in sel])
            cells.append((n, agree, kappa))
        (n, agree, kappa), *by_source = cells
        line = f"{title:<22}{n:>6}{agree:>8.3f}{kappa:>8.3f}   "
        line += "".join(f"{f'{m:>5} {g:.3f} ' + _fmt(k):<28}" for m, g, k in by_source)
        out.append(line.rstrip())
    out.append("")
    out.append("rows the readers disagree on (source, id, cue, name: first -> second)")
    for k, x, y in sorted(rows, key=lambda r: (r[0][2], r[0][0], int(r[0][1]) if r[0][1].isdigit() else 0, r[0])):
        if x != y:
            out.append("  " + ",".join(k).rstrip(",") + f": {x} -> {y}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=Path, default=FIRST)
    ap.add_argument("--second", type=Path, default=SECOND)
    args = ap.parse_args(argv)
    print("\n".join(report(pairs(args.first, args.second))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
