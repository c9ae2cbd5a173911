"""Metrics benchmark: ``metrics_table`` vs the same figures with pandas groupby, same data, same run.

Data: the real Anonymous Bank month (if $EARFUL_SHARED_DATA or ../shared/data has it) and a
synthetic store of N rows generated with DuckDB SQL over five channels (voice, chat, e-mail,
social, SMS). Every contact is measured against its own service definition (``DEFINITIONS``
below: per-channel thresholds, a queue with its own, e-mail and social waits in business hours
of a calendar with a holiday). Groupings: day × queue and 30-minute intervals. earful is timed
end to end (SQL over the store to an Arrow table, best of 3); pandas is timed from a DataFrame
already in memory (its load from the store is reported apart), computing offered, answered,
abandoned, short abandons, service level, ASA, AHT, abandon rate, transfer rate, FCR, occupancy
and peak hour with the same definitions (business seconds by a search over the open spans, not
earful's day tables); the two answers are compared.

    python bench/metrics.py [--rows 1000000] [--store PATH] [--threads 2]

The 10 M goal, one command (generates the store on first use, ~1 min; DuckDB on 2 threads):

    python bench/metrics.py --rows 10000000 --no-pandas --skip-bank --store /tmp/earful-bench-10m.duckdb

Beside it, the same query with one 20-second threshold for every contact and no business hours
(columns "one threshold"): what measuring each contact against its own definition costs.

Last, the floor: one bare scan and group-by by day × queue of the columns the KPI set reads, best
of 3 in the same process (no query over the same store can do less).

FCR is timed twice: reading each contact's next contact kept at import (``next_contact_at``;
here kept once after generating, as a first import does, and that time is printed), and by the
window metrics fall back to for rows written outside earful's import. Business-hours waits are
likewise kept once after generating (as saving the definitions does; time printed) and read.

``--store PATH`` keeps the synthetic store in PATH and reuses it when it already holds
``--rows`` rows (generating 10 M rows takes a minute or two).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from earful.ingest import ingest_file
from earful.metrics import metrics_table, next_contact_ready, refresh_next_contact
from earful.metrics.business_waits import refresh_business_waits
from earful.metrics.definitions import DEFAULTS, ServiceDefinitions, parse_definitions
from earful.store import connect

FCR_DAYS, STAFF_MIN = 7.0, 30

#: The service definitions both earful and the pandas peer measure against.
DEFINITIONS = """
abandon: {treatment: exclude_short, short_abandon: 5s}
calendars:
  office:
    hours: {mon-fri: "08:00-20:00", sat: "09:00-13:00, 14:00-17:00", sun: closed}
    holidays: [2025-01-06, {date: 2025-02-14, hours: "08:00-12:00"}]
channels:
  voice: {target: 80%, within: 20s}
  chat: {target: 80%, within: 60s, concurrency: 2}
  email: {target: 90%, within: 24h, calendar: office}
  social: {target: 80%, within: 1h, calendar: office}
  sms: {target: 80%, within: 1h}
queues:
  q7: {channel: voice, target: 90%, within: 30s}
"""

SYNTH_SQL = """
INSERT INTO interactions (id, source, source_id, channel, direction, queue, agent_id, customer_id, offered_at,
                          answered_at, ended_at, wait_s, talk_s, hold_s, wrap_s, abandoned, transferred, disposition)
SELECT 'syn:' || i, 'syn', i::VARCHAR, ch, 'inbound',
       'q' || (h1 % 8), CASE WHEN NOT ab THEN 'a' || (h2 % 400) END, 'c' || (h3 % (? // 4)),
       off, CASE WHEN NOT ab THEN off + to_seconds(wait) END,
       off + to_seconds(wait + CASE WHEN ab THEN 0 ELSE talk END),
       wait, CASE WHEN NOT ab THEN talk END, CASE WHEN NOT ab THEN (h2 % 5) * 10.0 END,
       CASE WHEN NOT ab THEN 15 + h3 % 30 END, ab, CASE WHEN NOT ab THEN h1 % 13 = 0 END,
       'reason' || (h3 % 40)
FROM (
    SELECT *, (h2 % 100) < CASE WHEN ch IN ('voice', 'chat') THEN 12 ELSE 1 END AS ab,
           CAST(CASE WHEN ch IN ('voice', 'chat') THEN h1 % 240 ELSE h1 % 172800 END AS DOUBLE) AS wait
    FROM (
        SELECT i, h1, h2, h3,
               TIMESTAMP '2025-01-01' + to_seconds(CAST(i * (90 * 86400.0 / ?) AS BIGINT)) AS off,
               CASE WHEN h3 % 100 < 60 THEN 'voice' WHEN h3 % 100 < 80 THEN 'chat' WHEN h3 % 100 < 92 THEN 'email'
                    WHEN h3 % 100 < 97 THEN 'social' ELSE 'sms' END AS ch,
               30.0 + h3 % 600 AS talk
        FROM (SELECT i, hash(i) AS h1, hash(i * 7 + 1) AS h2, hash(i * 13 + 5) AS h3 FROM range(?) t(i))
    )
)
"""


def _best(fn, n: int = 3, cpu: list | None = None) -> tuple[float, object]:
    """Best wall time of n runs (and, into ``cpu``, the CPU seconds of that run: all threads)."""
    best, out, best_cpu = float("inf"), None, None
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, best_cpu = wall, time.process_time() - c0
    if cpu is not None:
        cpu.append(best_cpu)
    return best, out


def _pandas_frame(con):
    return con.sql("""SELECT id, queue, agent_id, customer_id, related_id, channel,
                             coalesce(offered_at, answered_at, ended_at) AS t, offered_at, answered_at, ended_at,
                             wait_s, talk_s, hold_s, wrap_s, abandoned, transferred FROM interactions""").df()


def _business_seconds(defs: ServiceDefinitions, cal_name: str, t0, t1):
    """Open seconds of calendar ``cal_name`` between t0 and t1 (datetime64 arrays): every open span of
    the days involved, as epoch seconds, searched with NumPy (an independent path to the SQL's)."""
    import pandas as pd

    cal = defs.calendar(cal_name)
    first = pd.Timestamp(np.nanmin(t0.to_numpy(dtype="datetime64[s]").astype("float64")) * 1e9).normalize()
    last = pd.Timestamp(np.nanmax(t1.to_numpy(dtype="datetime64[s]").astype("float64")) * 1e9).normalize()
    opens, closes = [], []
    day = first
    while day <= last:
        base = day.value / 1e9
        for a, b in cal.spans_on(day.date()):
            opens.append(base + a)
            closes.append(base + b)
        day += pd.Timedelta(days=1)
    opens, closes = np.array(opens), np.array(closes)
    cum = np.concatenate([[0.0], np.cumsum(closes - opens)])

    def clock(t):
        x = t.to_numpy(dtype="datetime64[us]").astype("int64") / 1e6
        i = np.searchsorted(opens, x, side="right") - 1
        ii = np.clip(i, 0, len(opens) - 1)
        inside = np.clip(x - opens[ii], 0, closes[ii] - opens[ii])
        return np.where(i >= 0, cum[ii] + inside, 0.0)

    return clock(t1) - clock(t0)


def pandas_metrics(df, by: str, defs: ServiceDefinitions):
    """The same KPI set with pandas: flags per row, each contact's own definition, groupby sums,
    ratios (formulas of docs/metrics.md)."""
    import pandas as pd

    d = pd.DataFrame(index=df.index)
    if by == "day,queue":
        keys = ["day", "queue"]
        d["day"], d["queue"] = df["t"].dt.floor("D"), df["queue"]
    else:
        keys = ["interval_start"]
        d["interval_start"] = df["t"].dt.floor("30min")
    ab = df["abandoned"].fillna(False).astype(bool)
    off = df["offered_at"].notna()
    d["offered"] = off
    d["abandoned"] = off & ab
    d["answered"] = off & ~ab & (df["answered_at"].notna() | df["abandoned"].notna() | df["talk_s"].notna())
    # each contact's definition: its queue's own where there is one, else its channel's
    t_s = pd.Series(np.nan, index=df.index)
    short_s = pd.Series(np.nan, index=df.index)
    conc = pd.Series(1.0, index=df.index)
    wait = df["wait_s"].copy()
    for q, ch, dfn in reversed(defs.rules()):  # channel rules first, queue rules overwrite
        rows = (df["channel"] == ch) & ((df["queue"] == q) if q is not None else True)
        t_s[rows] = dfn.threshold_s
        short_s[rows] = dfn.short_abandon_s
        conc[rows] = dfn.concurrency
        if dfn.business_clock and rows.any():
            end = df.loc[rows, "offered_at"] + pd.to_timedelta(df.loc[rows, "wait_s"], unit="s")
            wait[rows] = _business_seconds(defs, dfn.calendar, df.loc[rows, "offered_at"], end)
    d["short"] = d["abandoned"] & (wait < short_s)
    d["within"] = d["answered"] & (wait <= t_s)
    d["base"] = d["offered"] & ~(d["answered"] & wait.isna()) & ~d["short"]
    d["wait_ans"] = wait.where(d["answered"])
    d["wait_n"] = d["answered"] & wait.notna()
    handle = df["talk_s"] + df["hold_s"].fillna(0) + df["wrap_s"].fillna(0)
    d["handle"] = handle.where(d["answered"])
    d["handle_n"] = d["answered"] & handle.notna()
    d["xfer"] = d["answered"] & df["transferred"].fillna(False).astype(bool)
    d["xfer_n"] = d["answered"] & df["transferred"].notna()
    contact = df["customer_id"].notna() & df["related_id"].isna() & (df["channel"] != "survey")
    order = df.assign(_c=contact).sort_values(["customer_id", "t", "id"])
    nxt = order.groupby(["customer_id", "_c"], dropna=False)["t"].shift(-1)
    next_t = nxt.reindex(df.index)
    elig = contact & d["answered"]
    d["fcr_e"] = elig
    d["fcr_r"] = elig & (next_t.isna() | (next_t > df["t"] + pd.Timedelta(days=FCR_DAYS)))
    has_agent = d["answered"] & df["agent_id"].notna()
    d["busy"] = (handle / conc).where(has_agent)  # an agent on c chats at once: 1/c each
    d["slot"] = (df["agent_id"] + "|" + df["answered_at"].dt.floor(f"{STAFF_MIN}min").astype(str)).where(has_agent)
    d["hour"] = df["t"].dt.hour
    g = d.groupby(keys, dropna=False)
    s = g[["offered", "answered", "abandoned", "short", "within", "base", "wait_ans", "wait_n", "handle", "handle_n",
           "xfer", "xfer_n", "fcr_e", "fcr_r", "busy"]].sum()
    s["staffed"] = g["slot"].nunique() * STAFF_MIN * 60
    per_hour = d[d["offered"]].groupby(keys + ["hour"]).size().rename("n").reset_index()
    per_hour = per_hour.sort_values(keys + ["n", "hour"], ascending=[True] * len(keys) + [False, True])
    s["peak_hour"] = per_hour.groupby(keys).head(1).set_index(keys)["hour"]
    out = pd.DataFrame({
        "offered": s["offered"], "answered": s["answered"], "abandoned": s["abandoned"],
        "service_level": s["within"] / s["base"], "asa_s": s["wait_ans"] / s["wait_n"],
        "aht_s": s["handle"] / s["handle_n"], "abandon_rate": (s["abandoned"] - s["short"]) / (s["offered"] - s["short"]),
        "transfer_rate": s["xfer"] / s["xfer_n"], "fcr_rate": s["fcr_r"] / s["fcr_e"],
        "occupancy": s["busy"] / s["staffed"], "peak_hour": s["peak_hour"]})
    return out.reset_index()


def _agree(earful_tbl, pdf) -> float:
    """Largest absolute difference over the shared numeric columns (rows matched in key order)."""
    e = earful_tbl.to_pandas()
    worst = 0.0
    assert len(e) == len(pdf), (len(e), len(pdf))
    for col in ("offered", "answered", "abandoned", "service_level", "asa_s", "aht_s", "abandon_rate",
                "transfer_rate", "fcr_rate", "occupancy", "peak_hour"):
        a = e[col].to_numpy(dtype=float)
        b = pdf[col].to_numpy(dtype=float)
        both = ~(np.isnan(a) & np.isnan(b))
        worst = max(worst, float(np.nanmax(np.abs(a[both] - b[both]), initial=0.0)))
    return worst


#: The floor beside the 10 M goal: one bare scan and group-by by day × queue of the columns the KPI set reads
#: (no flags, definitions or staffed time), in the same process.
FLOOR_SQL = """SELECT CAST(coalesce(offered_at, answered_at, ended_at) AS DATE) AS day, queue, count(*),
       count_if(abandoned), sum(wait_s), sum(talk_s + coalesce(hold_s, 0) + coalesce(wrap_s, 0)), count_if(transferred),
       count(agent_id), count_if(next_contact_at IS NULL), sum(business_wait_s)
FROM interactions GROUP BY ALL"""


def floor(con) -> str:
    """The floor's best wall time of 3 and its CPU seconds, as a line to print."""
    cpu: list = []
    wall, _ = _best(lambda: con.sql(FLOOR_SQL).fetchall(), cpu=cpu)
    return f"floor (one bare scan and group-by of the same columns by day × queue): {wall:.3f} s wall, {cpu[0]:.2f} CPU s"


def bench(con, label: str, defs: ServiceDefinitions, use_pandas: bool = True) -> None:
    n = con.sql("SELECT count(*) FROM interactions").fetchall()[0][0]
    try:
        import pandas  # noqa: F401
    except ImportError:
        pandas = None
    if not use_pandas:
        pandas = None
    t_load = None
    if pandas is not None:
        t0 = time.perf_counter()
        df = _pandas_frame(con)
        t_load = time.perf_counter() - t0
    if not next_contact_ready(con):  # as an import does (a first import of every row, here)
        t0 = time.perf_counter()
        refresh_next_contact(con)
        print(f"({label}: next contacts kept in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    t0 = time.perf_counter()  # as saving the definitions does (nothing to do when already kept)
    kept = refresh_business_waits(con, defs)
    if kept:
        print(f"({label}: {kept:,} business-hours waits kept in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    one_id, one_is_contact = con.sql("SELECT id, is_contact FROM interactions ORDER BY id LIMIT 1").fetchall()[0]
    for by in ("day,queue", "interval30"):
        def run(fcr_days=FCR_DAYS):
            return metrics_table(con, by=by, fcr_days=fcr_days, occupancy_from="activity", definitions=defs)

        cpu: list = []
        t_e, tbl = _best(run, cpu=cpu)
        t_nofcr, _ = _best(lambda: run(None))
        # FCR by the window, as for rows written outside earful's import (one row unmarked)
        con.execute("UPDATE interactions SET is_contact = NULL WHERE id = ?", [one_id])
        t_win, tbl_win = _best(run)
        con.execute("UPDATE interactions SET is_contact = ? WHERE id = ?", [one_is_contact, one_id])
        assert tbl_win["fcr_rate"].equals(tbl["fcr_rate"]), "FCR from the kept column and from the window differ"
        # the peer inside earful: one 20 s threshold for every contact, no business hours
        cpu_one: list = []
        _best(lambda: metrics_table(con, by=by, fcr_days=FCR_DAYS, occupancy_from="activity", definitions=DEFAULTS,
                                    sl_threshold_s=20, abandon_treatment="exclude_short", short_abandon_s=5), cpu=cpu_one)
        line = (f"| {label} | {n:,} | {by} | {tbl.num_rows:,} | {t_e:.3f} | {cpu[0]:.2f} | {cpu_one[0]:.2f} "
                f"| {cpu[0] / cpu_one[0]:.2f}× | {t_win:.3f} | {t_nofcr:.3f} |")
        if pandas is not None:
            t_p, pdf = _best(lambda: pandas_metrics(df, by, defs), n=2)
            line += f" {t_p:.3f} | {t_load:.2f} | {t_p / t_e:.1f}× | {t_p / t_win:.1f}× | {_agree(tbl, pdf):.1e} |"
        else:
            line += " – | – | – | – | – |"
        line += f" {os.getloadavg()[0]:.1f} |" if hasattr(os, "getloadavg") else " ? |"
        print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-pandas", action="store_true", help="earful only (for sizes pandas cannot hold)")
    ap.add_argument("--store", type=Path, help="keep the synthetic store here and reuse it if it has --rows rows")
    ap.add_argument("--skip-bank", action="store_true", help="leave out the real-data rows")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (the goal is set on 2 cores)")
    args = ap.parse_args()
    defs = parse_definitions(DEFINITIONS, "bench definitions")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, DuckDB on {args.threads} threads, "
          f"Python {platform.python_version()}; load average {load[0]:.2f}; earful best of 3, pandas best of 2")
    print("| data | rows | by | groups | earful s | earful CPU s | one threshold CPU s | CPU ÷ one threshold "
          "| earful s, FCR by window | earful s, no FCR | pandas s "
          "| pandas load s | pandas ÷ earful | pandas ÷ earful by window | max abs diff | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        shared = Path(os.environ.get("EARFUL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
        bank = shared / "anonymous_bank" / "august_calls.csv"
        if args.skip_bank:
            pass
        elif bank.exists():
            with connect(Path(tmp) / "bank.duckdb") as con:
                con.execute(f"SET threads = {int(args.threads)}")
                ingest_file(con, bank, fmt="technion")
                bench(con, "Anonymous Bank, Aug 2010", defs)
        else:
            print(f"(no {bank}: real-data rows skipped)", file=sys.stderr)
        with connect(args.store or Path(tmp) / "synth.duckdb") as con:
            con.execute(f"SET threads = {int(args.threads)}")
            have = con.sql("SELECT count(*) FROM interactions").fetchall()[0][0]
            if have and have != args.rows:
                raise SystemExit(f"{args.store} holds {have:,} rows, not {args.rows:,}: give another --store")
            if not have:
                t0 = time.perf_counter()
                con.execute(SYNTH_SQL, [args.rows, args.rows, args.rows])
                con.execute("CHECKPOINT")
                print(f"(synthetic store of {args.rows:,} rows generated in {time.perf_counter() - t0:.1f} s)",
                      file=sys.stderr)
            else:
                print(f"(synthetic store of {args.rows:,} rows reused from {args.store})", file=sys.stderr)
            bench(con, "synthetic, 90 days, 5 channels", defs, use_pandas=not args.no_pandas)
            load_now = f"; load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
            print(f"\n{floor(con)}{load_now}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the whole run: {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
