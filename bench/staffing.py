"""Speed of earful's vectorised Erlang maths against pyworkforce, in the same process.

    PYTHONPATH=src nice -n 10 python bench/staffing.py [--intervals 10000] [--big 100000]

Intervals: 20-400 calls per 30 minutes, AHT 120-600 s, 80 % in 20 s target, 30 % shrinkage.
pyworkforce (ErlangC, one interval at a time) runs on the same intervals; answers are compared.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from earful.staffing import agents_needed, erlang_a, erlang_c


def _timed(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--intervals", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=100_000)
    args = ap.parse_args()
    from pyworkforce.queuing import ErlangC

    rng = np.random.default_rng(11)
    n_iv = args.intervals
    calls = rng.integers(20, 400, n_iv).astype(float)
    aht = rng.uniform(120, 600, n_iv)
    load = calls / 1800 * aht
    agents = np.ceil(load + rng.uniform(0.5, 10, n_iv))

    rows = []
    t_ec, m = _timed(lambda: erlang_c(calls, 1800, aht, agents, threshold_s=20))
    t_ea, _ = _timed(lambda: erlang_a(calls, 1800, aht, agents, 300, threshold_s=20))
    t_an, ours = _timed(lambda: agents_needed(calls, 1800, aht, target_sl=0.8, threshold_s=20, shrinkage=0.3))
    t_aa, _ = _timed(lambda: agents_needed(calls, 1800, aht, target_sl=0.8, threshold_s=20, shrinkage=0.3,
                                           patience_s=300))

    models = [ErlangC(transactions=c, aht=h / 60, asa=20 / 60, interval=30, shrinkage=0.3) for c, h in zip(calls, aht)]
    t = time.perf_counter()
    pw_sl = np.array([mod.service_level(int(n)) for mod, n in zip(models, agents)])
    t_pw_sl = time.perf_counter() - t
    t = time.perf_counter()
    pw = [mod.required_positions(0.8) for mod in models]
    t_pw_an = time.perf_counter() - t

    sl_diff = float(np.max(np.abs(pw_sl - m.service_level)))
    pw_raw = np.array([p["raw_positions"] for p in pw])
    start_above = np.array([round(x + 1) for x in load]) > ours.agents      # pyworkforce's search start
    same = (pw_raw == ours.agents)[~start_above].mean()
    pw_pos_sl = np.array([p["service_level"] for p in pw])
    pos_sl_diff = float(np.max(np.abs(pw_pos_sl - ours.service_level)[~start_above]))

    t_big = None
    if args.big:
        k = args.big
        bc = rng.integers(20, 400, k).astype(float)
        ba = rng.uniform(120, 600, k)
        t_big, _ = _timed(lambda: agents_needed(bc, 1800, ba, target_sl=0.8, threshold_s=20, shrinkage=0.3), repeat=1)

    rows.append(("Erlang C service level at given agents", t_ec, t_pw_sl))
    rows.append(("Erlang A service level at given agents", t_ea, None))
    rows.append(("agents needed, Erlang C (80/20, 30 % shrinkage)", t_an, t_pw_an))
    rows.append(("agents needed, Erlang A (patience 300 s)", t_aa, None))
    print(f"# Staffing maths speed ({n_iv:,} intervals; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()})\n")
    print("Command: `PYTHONPATH=src nice -n 10 python bench/staffing.py`\n")
    print("| operation | earful (s) | pyworkforce (s) | earful faster by |")
    print("|---|---:|---:|---:|")
    for name, ours_t, pw_t in rows:
        ratio = f"{pw_t / ours_t:,.0f}×" if pw_t else "– (pyworkforce has no Erlang A)"
        print(f"| {name} | {ours_t:.4f} | {pw_t:.2f} |  {ratio} |" if pw_t else f"| {name} | {ours_t:.4f} | – | {ratio} |")
    if t_big is not None:
        print(f"| agents needed, Erlang C, {args.big:,} intervals | {t_big:.3f} | – | – |")
    print()
    print(f"Identical answers: Erlang C service level max |earful − pyworkforce| = {sl_diff:.1e}; agents needed "
          f"equal in {100 * same:.2f} % of the {int((~start_above).sum()):,} intervals where pyworkforce's search "
          f"starts at or below the answer (max service-level difference there {pos_sl_diff:.1e}); in the other "
          f"{int(start_above.sum()):,} pyworkforce starts its search at round(load + 1), one agent above the "
          f"smallest count that already meets the target, and returns that one.")


if __name__ == "__main__":
    main()
