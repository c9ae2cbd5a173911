"""How well `earful ingest --infer` maps exports it has never seen: fields wrong with no edit, and after one.

Two sets: the exports the inference rules were developed on (tests/_exports.py) and a held-out
set written after the rules were frozen and never tuned on (tests/_heldout.py). Each file is
inferred, loaded unedited into a fresh store, and every truth value compared with what was
stored, record by record in file order. Prints one line per export.

    python bench/infer.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import _exports  # noqa: E402
import _heldout  # noqa: E402

from earful.errors import EarfulError  # noqa: E402
from earful.ingest import ingest_file  # noqa: E402
from earful.ingest.infer import infer  # noqa: E402
from earful.ingest.mapping import parse_mapping  # noqa: E402
from earful.store import connect  # noqa: E402


def _same(want, have) -> bool:
    if isinstance(want, float) and have is not None:
        return abs(have - want) < 1e-6
    if isinstance(want, datetime):
        return have == want
    return have == want


def measure(export, folder: Path, edited: bool) -> tuple[int, int, list[str], float]:
    """(rows loaded, rows quarantined, fields with any wrong value, seconds to infer)."""
    t = time.perf_counter()
    text = infer(export.path, export.fmt).yaml()
    took = time.perf_counter() - t
    if edited and export.edit:
        text = text.replace(*export.edit)
    con = connect(folder / f"{export.path.stem}-{edited}.duckdb")
    try:
        r = ingest_file(con, export.path, export.fmt, parse_mapping(text))
    except EarfulError as exc:
        return 0, 0, [f"refused: {exc}"], took
    fields = sorted({k for v in export.truth.values() for k in v})
    stored = con.execute(f"SELECT {', '.join(fields)} FROM interactions ORDER BY rowid").fetchall()
    wanted = list(export.truth.values())
    wrong = sorted({f for i, want in enumerate(wanted) for j, f in enumerate(fields)
                    if i >= len(stored) or not _same(want.get(f), stored[i][j])})
    con.close()
    return r.loaded, r.quarantined, wrong, took


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for title, builders, edited in (("developed on (after its one edit, if any)", _exports.builders(), True),
                                        ("held out (no edit)", _heldout.builders(), False)):
            print(f"\n{title}")
            print(f"{'export':<64}{'rows':>6}{'loaded':>8}{'quar.':>7}{'infer s':>9}  fields wrong")
            for build in builders:
                export = build(folder)
                loaded, quarantined, wrong, took = measure(export, folder, edited)
                edit = " (1 edit)" if edited and export.edit else ""
                print(f"{(export.name + edit)[:63]:<64}{export.rows:>6}{loaded:>8}{quarantined:>7}{took:>9.2f}  "
                      f"{', '.join(wrong) or 'none'}")


if __name__ == "__main__":
    main()
