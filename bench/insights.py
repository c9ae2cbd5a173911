"""Insights benchmark: detection recall, delay and false alarms on simulator months; driver ranks;
customers at risk; run time on a generated 1,000,000-contact month.

    PYTHONPATH=src nice -n 10 python bench/insights.py --seeds 7 11 23 [--sim-dir DIR] [--big 1000000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from earful.ingest import ingest_file
from earful.insights import InsightsConfig, find_insights
from earful.store import connect


def sim_month(seed: int, work: Path, sim_dir: Path | None) -> tuple[Path, dict]:
    """A simulated month's store and truth (reusing SIM_DIR/sim<seed> and sim<seed>.duckdb if there)."""
    if sim_dir and (sim_dir / f"sim{seed}" / "truth.json").exists():
        out = sim_dir / f"sim{seed}"
    else:
        from earful.sim import simulate, write_simulation

        out = work / f"sim{seed}"
        write_simulation(simulate(days=30, seed=seed, start=date(2025, 8, 1)), out)
    db = (sim_dir / f"sim{seed}.duckdb") if sim_dir and (sim_dir / f"sim{seed}.duckdb").exists() else work / f"s{seed}.duckdb"
    if not db.exists():
        con = connect(db)
        ingest_file(con, out / "interactions.jsonl", fmt="earful")
        con.close()
    return db, json.loads((out / "truth.json").read_text())


def score(found, truth) -> dict:
    events = {e["reason"]: e for e in truth["events"]}
    em = [i for i in found if i.kind == "emerging_issue"]
    res = {"events": {}, "false_alarms": 0}
    for i in em:
        if i.reason not in events:
            res["false_alarms"] += 1
    for reason, e in events.items():
        hits = sorted(date.fromisoformat(i.metrics["first_day"]) for i in em if i.reason == reason)
        start = date.fromisoformat(e["start"])
        hits = [h for h in hits if h >= start]
        res["events"][e["kind"]] = {"found": bool(hits), "delay_days": (hits[0] - start).days + 1 if hits else None}
    dr = [i.reason for i in found if i.kind == "driver"]
    res["driver_ranks"] = {x["reason"]: (dr.index(x["reason"]) + 1 if x["reason"] in dr else None)
                           for x in truth["reason_effects"]}
    risk = next((i for i in found if i.kind == "churn_risk"), None)
    for kind, ins_kind in (("churn_threat", "churn_risk"), ("praise", "testimonial")):
        planted = {f"{truth['source']}:{x}" for x in truth["customers"][kind]}
        hit = next((i for i in found if i.kind == ins_kind), None)
        got = set(hit.evidence["interaction_ids"]) if hit else set()
        res[kind] = {"planted": len(planted), "flagged": len(got), "hit": len(planted & got)}
    return res


def big_month(db: Path, n: int) -> None:
    """A synthetic month of n contacts (77 reasons, weekday shape, surveys, one customer turn each)."""
    con = connect(db)
    con.execute(f"""
        INSERT INTO interactions (id, source, source_id, channel, direction, queue, agent_id, customer_id,
            offered_at, answered_at, ended_at, wait_s, talk_s, hold_s, wrap_s, abandoned, transferred, disposition)
        SELECT 'big:' || i, 'big', CAST(i AS VARCHAR), CASE WHEN i % 5 = 0 THEN 'chat' ELSE 'voice' END, 'inbound',
               'q' || (i % 4), 'A' || (i % 300), 'C' || (hash(i) % 400000),
               ts, ts + INTERVAL 20 SECOND, ts + INTERVAL 400 SECOND, 20, 300 + (hash(i * 7) % 200), 0, 30,
               false, hash(i * 3) % 100 < 7,
               'reason_' || CAST(floor(pow(hash(i * 11) % 1000000 / 1000000.0, 2) * 77) AS INT)
        FROM (SELECT i, TIMESTAMP '2025-08-01 08:00:00' + to_seconds(CAST(i * (30 * 86400.0 / {n}) AS BIGINT) % (30 * 86400)) AS ts
              FROM range({n}) t(i))
    """)
    con.execute("""INSERT INTO turns SELECT id, 1, 'customer', 'I need help with ' || disposition || ' please', offered_at
                   FROM interactions WHERE source = 'big'""")
    con.execute("""INSERT INTO interactions (id, source, source_id, channel, offered_at, related_id, csat, nps, text)
                   SELECT 'big:s' || source_id, 'big', 's' || source_id, 'survey', ended_at, id,
                          1 + hash(id) % 5, hash(id) % 11, 'great service thank you'
                   FROM interactions WHERE source = 'big' AND hash(id || 's') % 10 = 0""")
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="*", default=[7, 11, 23])
    ap.add_argument("--sim-dir", type=Path)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--fdr", type=float, nargs="*", default=[0.02, 0.05])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in a.seeds:
            db, truth = sim_month(seed, work, a.sim_dir)
            con = connect(db)
            for fdr in a.fdr:
                t = time.perf_counter()
                found = find_insights(con, config=InsightsConfig(fdr=fdr), store=False)
                s = score(found, truth)
                print(json.dumps({"seed": seed, "fdr": fdr, "seconds": round(time.perf_counter() - t, 2), **s}))
            con.close()
        if a.big:
            db = work / "big.duckdb"
            t = time.perf_counter()
            big_month(db, a.big)
            gen = time.perf_counter() - t
            con = connect(db)
            t = time.perf_counter()
            found = find_insights(con)
            print(json.dumps({"big_contacts": a.big, "generate_s": round(gen, 1),
                              "find_insights_s": round(time.perf_counter() - t, 1), "insights": len(found),
                              "emerging_false_alarms": sum(i.kind == "emerging_issue" for i in found)}))
            con.close()


if __name__ == "__main__":
    main()
