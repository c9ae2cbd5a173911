"""Simulator benchmark: time to simulate and write a month, and contacts per second.

    python bench/sim.py [--days 30] [--seed 7] [--scale 1.0 2.0]

Each run is timed in this process (simulate, then write_simulation to a temporary folder);
prints records per channel, seconds and contacts/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

from earful.sim import simulate, write_simulation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, nargs="+", default=[1.0])
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    print("| days | scale | records | voice | chat | email | social | sms | survey | simulate s | write s | total s | contacts/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale in a.scale:
        t0 = time.perf_counter()
        sim = simulate(days=a.days, seed=a.seed, scale=scale)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            write_simulation(sim, tmp)
        t2 = time.perf_counter()
        c = sim.counts()
        n = len(sim.records)
        cols = " | ".join(f"{c.get(ch, 0):,}" for ch in ("voice", "chat", "email", "social", "sms", "survey"))
        print(f"| {a.days} | {scale:g} | {n:,} | {cols} | {t1 - t0:.1f} | {t2 - t1:.1f} | {t2 - t0:.1f} | {n / (t2 - t0):,.0f} |")


if __name__ == "__main__":
    main()
