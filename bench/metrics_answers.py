"""Freeze ``metrics_table``'s answers and compare them after a change: every KPI, every convention.

A change meant to make the metrics faster must not change one figure. This script dumps
``metrics_table`` for a simulated month (30 days, seed 7, the example service definitions, with QA
scores, satisfaction predictions, reasons and a staffing table added so that every branch runs)
and, when given, the synthetic store of ``bench/metrics.py`` (its own definitions), by day × queue,
30-minute interval, channel and more, under every abandon treatment and option; then compares a
later dump with an earlier one: the same groups, columns and types, integers equal and floats
within 1e-9 (relative to the figure's size).

    python bench/metrics_answers.py dump before.pkl [--bench-store /tmp/earful-bench-10m.duckdb]
    python bench/metrics_answers.py dump after.pkl [--bench-store ...]
    python bench/metrics_answers.py compare before.pkl after.pkl

The simulated month is built once into ``--month-store`` (default in the temporary folder) and
reused, so both dumps read the same rows.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import tempfile
import time
from pathlib import Path

from earful.metrics import metrics_table
from earful.metrics.kpis import ABANDON_TREATMENTS

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "earful" / "metrics" / "examples" / "service.yaml"
TREATMENTS = (None, *ABANDON_TREATMENTS)


def _build_month(path: Path) -> None:
    """The simulated month with every table metrics read filled (deterministically)."""
    from earful.ingest import ingest_file
    from earful.metrics.definitions import save_definitions
    from earful.sim import simulate, write_simulation
    from earful.store import connect

    folder = path.parent / (path.stem + "-files")
    folder.mkdir(parents=True, exist_ok=True)
    paths = write_simulation(simulate(days=30, seed=7), folder)
    with connect(path) as con:
        ingest_file(con, paths["interactions"], "earful")
        save_definitions(con, EXAMPLE.read_text(encoding="utf-8"))
        # every third answered contact scored, every second predicted, every fifth given a classified reason
        con.execute("""INSERT INTO qa_scores (interaction_id, rubric_version, score, auto_failed, items_applicable,
                                              items_failed)
                       SELECT id, 'v1', CASE WHEN hash(id) % 11 = 0 THEN NULL ELSE hash(id) % 101 END,
                              hash(id) % 7 = 0, 5, 1
                       FROM interactions WHERE answered_at IS NOT NULL AND hash(id) % 3 = 0""")
        con.execute("""INSERT INTO satisfaction_predictions (interaction_id, predicted_csat, p_dissatisfied, model)
                       SELECT id, 1 + (hash(id) % 400) / 100.0, 0.1, 'm'
                       FROM interactions WHERE answered_at IS NOT NULL AND hash(id) % 2 = 0""")
        con.execute("""INSERT INTO enrichment (interaction_id, reason)
                       SELECT id, 'reason ' || (hash(id) % 6) FROM interactions WHERE hash(id) % 5 = 0""")
        con.execute("""INSERT INTO staffing (interval_start, interval_s, queue, agents, source)
                       SELECT time_bucket(INTERVAL 30 MINUTE, offered_at) AS t, 1800, queue, count(*) / 3.0, 'test'
                       FROM interactions WHERE offered_at IS NOT NULL AND channel = 'voice' GROUP BY ALL""")


def _month_cases() -> list[tuple[str, dict]]:
    cases: list[tuple[str, dict]] = []
    for by in ("day,queue", "interval30", "channel", "interval15,channel", "agent", "reason", "week,channel",
               "hour", "weekday", "month,queue", ""):
        for t in TREATMENTS:
            cases.append((f"by={by} treatment={t}", {"by": by, "abandon_treatment": t}))
    for by in ("day,queue", "channel"):
        cases += [
            (f"by={by} threshold=30", {"by": by, "sl_threshold_s": 30}),
            (f"by={by} short=10", {"by": by, "short_abandon_s": 10, "abandon_treatment": "exclude_short"}),
            (f"by={by} no fcr", {"by": by, "fcr_days": None}),
            (f"by={by} fcr 2 days", {"by": by, "fcr_days": 2}),
            (f"by={by} fcr same reason", {"by": by, "fcr_same": "reason"}),
            (f"by={by} activity", {"by": by, "occupancy_from": "activity"}),
            (f"by={by} range", {"by": by, "start": "2025-08-05", "end": "2025-08-20"}),
            (f"by={by} range time", {"by": by, "start": "2025-08-05T10:30", "end": "2025-08-20T16:00"}),
            (f"by={by} voice+chat", {"by": by, "channel": "voice,chat"}),
            (f"by={by} one queue", {"by": by, "queue": ["cards"]}),
            (f"by={by} defaults", {"by": by, "definitions": "defaults"}),
        ]
    cases += [
        ("by=day,queue staffing", {"by": "day,queue", "occupancy_from": "staffing"}),
        ("by=interval30 staffing", {"by": "interval30", "occupancy_from": "staffing", "queue": "cards,loans"}),
        ("by=interval60 staffing minutes 60", {"by": "interval60", "staffing_minutes": 60, "occupancy_from": "activity"}),
        ("by=day range fcr window", {"by": "day", "start": "2025-08-03", "end": "2025-08-09", "fcr_same": "reason"}),
    ]
    return cases


def _bench_cases() -> list[tuple[str, dict]]:
    cases = [(f"by={by} treatment={t}", {"by": by, "abandon_treatment": t})
             for by in ("day,queue", "interval30", "channel") for t in TREATMENTS]
    cases += [("by=day,queue threshold 20 (the bench's peer)",
               {"by": "day,queue", "definitions": "defaults", "sl_threshold_s": 20,
                "abandon_treatment": "exclude_short", "short_abandon_s": 5}),
              ("by=day,queue range + channel", {"by": "day,queue", "start": "2025-02-10", "end": "2025-02-20",
                                                 "channel": "email,social"})]
    return [(n, {**kw, "fcr_days": kw.get("fcr_days", 7), "occupancy_from": "activity"}) for n, kw in cases]


def _run(con, cases, defs) -> dict[str, dict]:
    from earful.metrics.definitions import DEFAULTS

    out = {}
    for name, kw in cases:
        kw = dict(kw)
        if kw.get("definitions") == "defaults":
            kw["definitions"] = DEFAULTS
        elif defs is not None:
            kw.setdefault("definitions", defs)
        t0 = time.perf_counter()
        tbl = metrics_table(con, **kw)
        out[name] = {"schema": [(f.name, str(f.type)) for f in tbl.schema], "rows": tbl.to_pylist()}
        print(f"  {name}: {tbl.num_rows} rows, {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return out


def dump(target: Path, month_store: Path, bench_store: Path | None) -> None:
    from earful.store import connect

    answers: dict[str, dict] = {}
    if not month_store.exists():
        _build_month(month_store)
    with connect(month_store, read_only=True) as con:
        print(f"simulated month ({month_store})", file=sys.stderr)
        answers.update({f"month {k}": v for k, v in _run(con, _month_cases(), None).items()})
        # the same with business waits counted on the fly (rows written outside an import) and FCR by window
    tmp_copy = month_store.with_name(month_store.stem + "-raw.duckdb")
    if not tmp_copy.exists():
        import shutil

        shutil.copy(month_store, tmp_copy)
        with connect(tmp_copy) as con:
            con.execute("UPDATE interactions SET business_wait_s = NULL, business_clock = NULL "
                        "WHERE hash(id) % 2 = 0")
            con.execute("UPDATE interactions SET is_contact = NULL WHERE hash(id) % 97 = 0")
    with connect(tmp_copy, read_only=True) as con:
        print("simulated month, waits counted on the fly, FCR by window", file=sys.stderr)
        answers.update({f"raw {k}": v for k, v in _run(con, _month_cases()[:24], None).items()})
    if bench_store is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from metrics import DEFINITIONS  # the bench's own definitions

        from earful.metrics.definitions import parse_definitions

        with connect(bench_store, read_only=True) as con:
            con.execute("SET threads = 2")
            print(f"bench store ({bench_store})", file=sys.stderr)
            defs = parse_definitions(DEFINITIONS, "bench definitions")
            answers.update({f"bench {k}": v for k, v in _run(con, _bench_cases(), defs).items()})
    target.write_bytes(pickle.dumps(answers))
    print(f"{len(answers)} tables written to {target}", file=sys.stderr)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def compare(before: Path, after: Path) -> int:
    a, b = pickle.loads(before.read_bytes()), pickle.loads(after.read_bytes())
    bad = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"{name}: only in {'after' if name not in a else 'before'}")
            bad += 1
            continue
        x, y = a[name], b[name]
        if x["schema"] != y["schema"]:
            print(f"{name}: columns differ\n  {x['schema']}\n  {y['schema']}")
            bad += 1
            continue
        if len(x["rows"]) != len(y["rows"]):
            print(f"{name}: {len(x['rows'])} rows before, {len(y['rows'])} after")
            bad += 1
            continue
        diffs = [(i, k, r[k], s[k]) for i, (r, s) in enumerate(zip(x["rows"], y["rows"]))
                 for k in r if not _same(r[k], s[k])]
        if diffs:
            bad += 1
            print(f"{name}: {len(diffs)} values differ, e.g. " + "; ".join(f"row {i} {k}: {u!r} -> {v!r}"
                                                                          for i, k, u, v in diffs[:3]))
    print(f"{len(set(a) | set(b))} tables compared, {bad} differ")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("target", type=Path)
    d.add_argument("--month-store", type=Path, default=Path(tempfile.gettempdir()) / "earful-answers-month.duckdb")
    d.add_argument("--bench-store", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.target, args.month_store, args.bench_store)
    else:
        raise SystemExit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
