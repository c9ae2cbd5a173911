"""Load test of the dashboard: 50 concurrent users on the overview and insights pages of a
1,000,000-contact store, from a second process over loopback. Prints latency percentiles,
throughput and errors.

    PYTHONPATH=src python bench/web_load.py [--contacts 1000000] [--users 50] [--seconds 60] [--think-s 1.0]

The store is generated with DuckDB SQL (seeded, 90 days, 8 queues, 300 agents, 40 reasons,
600 insights over 8 departments) and kept at --db for re-runs. The server is `earful serve`
in its own process; this process runs the users with httpx on asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "load test password"
DEPARTMENTS = ("cards", "payments", "lending", "digital", "fraud", "savings", "mortgages", "complaints")


def build_store(path: Path, contacts: int) -> None:
    """A synthetic 90-day centre in one SQL statement per table (seeded, repeatable)."""
    from earful.store import connect
    from earful.web.auth import add_user

    con = connect(path)
    con.execute("SELECT setseed(0.42)")
    t0 = time.perf_counter()
    con.execute(f"""
        INSERT INTO interactions (id, source, source_id, import_id, channel, direction, queue, agent_id, customer_id,
                                  offered_at, answered_at, ended_at, wait_s, talk_s, hold_s, wrap_s, abandoned,
                                  transferred, disposition, csat)
        WITH g AS (
            SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4
            FROM range({contacts}) t(i)),
        s AS (
            SELECT i, r1, r2, r3, r4,
                   TIMESTAMP '2025-06-01 07:00:00' + INTERVAL (CAST(floor(r1 * 90) AS INTEGER)) DAY
                       + INTERVAL (CAST(floor(13 * 3600 * sqrt(r2)) AS INTEGER)) SECOND AS offered_at,
                   -ln(1 - r3 * 0.999) * 35 AS wait_s,
                   r4 < 0.08 AS abandoned
            FROM g)
        SELECT 'load:' || i, 'load', CAST(i AS VARCHAR), 1,
               CASE WHEN i % 10 < 7 THEN 'voice' WHEN i % 10 < 9 THEN 'chat' ELSE 'email' END, 'inbound',
               'Q' || (i % 8), CASE WHEN abandoned THEN NULL ELSE 'A' || (i % 300) END, 'C' || (i % 250000),
               offered_at,
               CASE WHEN abandoned THEN NULL ELSE offered_at + INTERVAL (CAST(wait_s AS INTEGER)) SECOND END,
               offered_at + INTERVAL (CAST(wait_s + 200 AS INTEGER)) SECOND,
               wait_s,
               CASE WHEN abandoned THEN NULL ELSE 60 + 400 * r2 * r1 END,
               CASE WHEN abandoned THEN NULL ELSE 30 * r3 END,
               CASE WHEN abandoned THEN NULL ELSE 20 + 30 * r4 END,
               abandoned, NOT abandoned AND r2 < 0.1,
               'reason_' || (CAST(floor(40 * r1 * r1) AS INTEGER)),
               CASE WHEN NOT abandoned AND i % 7 = 0 THEN 1 + (i % 5) END
        FROM s""")
    con.execute("INSERT INTO imports (import_id, file, format, sha256, started_at, finished_at, rows_loaded) "
                "VALUES (1, 'bench', 'sql', 'bench', now(), now(), ?)", [contacts])
    con.execute(f"""
        INSERT INTO insights (id, kind, title, summary, period_start, period_end, reason, metrics, evidence,
                              suggested_department, confidence, created_at)
        SELECT 'load-' || i, CASE WHEN i % 3 = 0 THEN 'emerging_issue' ELSE 'driver' END,
               'Reason ' || (i % 40) || ' up ' || (5 + i % 30) || '% in week ' || (i % 13),
               'Contacts about reason ' || (i % 40) || ' rose against the four weeks before.',
               DATE '2025-06-01' + CAST(i % 90 AS INTEGER), DATE '2025-06-01' + CAST(i % 90 AS INTEGER) + 6,
               'reason_' || (i % 40), '{{"contacts": ' || (100 + i) || '}}',
               '{{"quotes": [{{"interaction_id": "load:' || (i * 997) || '", "text": "call me on 0612345678"}}]}}',
               {list(DEPARTMENTS)!r}[1 + i % {len(DEPARTMENTS)}], 0.7, TIMESTAMP '2025-09-01' + INTERVAL (i) MINUTE
        FROM range(600) t(i)""")
    for k in range(50):
        dept = DEPARTMENTS[k % len(DEPARTMENTS)]
        add_user(con, f"user{k}", PASSWORD, "department" if k % 2 else "analyst", dept if k % 2 else None)
    con.close()
    print(f"built {contacts:,} contacts and 600 insights in {time.perf_counter() - t0:.1f} s at {path}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _login(c, k: int, errors: list) -> bool:
    # password checks are taken one at a time: a sign-in told "busy" (429) comes back as told
    for _ in range(60):
        r = await c.post("/login", data={"username": f"user{k}", "password": PASSWORD, "next": "/"})
        if r.status_code != 429:
            break
        await asyncio.sleep(float(r.headers.get("retry-after", 1)))
    if r.status_code != 303:
        errors.append(f"login user{k}: {r.status_code}")
    return r.status_code == 303


async def _user(c, k: int, stop_at: float, think_s: float, lat: dict, errors: list) -> None:
    rng = random.Random(k)
    if True:
        await asyncio.sleep(rng.random() * max(think_s, 0.05))
        pages = ["/", "/insights"]
        i = rng.randrange(2)
        while time.perf_counter() < stop_at:
            path = pages[i % 2]
            i += 1
            t = time.perf_counter()
            try:
                r = await c.get(path)
                dt = time.perf_counter() - t
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")
                else:
                    lat[path].append(dt)
            except Exception as exc:  # a refused or dropped connection is an error to count, not a crash
                errors.append(f"{path}: {type(exc).__name__}")
            if think_s:
                await asyncio.sleep(rng.expovariate(1 / think_s))


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000 if xs else float("nan")


async def _run(base: str, users: int, seconds: float, think_s: float) -> dict:
    import httpx

    lat: dict[str, list[float]] = {"/": [], "/insights": []}
    errors: list[str] = []
    clients = [httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False, headers={"origin": base})
               for _ in range(users)]
    try:  # everyone signs in first (argon2 is slow on purpose), then the measured period starts
        ok = await asyncio.gather(*(_login(c, k, errors) for k, c in enumerate(clients)))
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(_user(c, k, stop_at, think_s, lat, errors)
                               for k, c in enumerate(clients) if ok[k]))
    finally:
        for c in clients:
            await c.aclose()
    return {"lat": lat, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "earful-web-bench.duckdb")
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think-s", type=float, default=1.0, help="mean pause between a user's page views (0: none)")
    args = ap.parse_args()
    if not args.db.exists():
        build_store(args.db, args.contacts)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                        os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen([sys.executable, "-m", "earful.cli", "serve", "--db", str(args.db), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=120, headers={"origin": base}) as c:  # the first overview computes the aggregates
            c.post("/login", data={"username": "user0", "password": PASSWORD})
            t = time.perf_counter()
            c.get("/")
            cold = time.perf_counter() - t
        out = asyncio.run(_run(base, args.users, args.seconds, args.think_s))
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    lat, errors = out["lat"], out["errors"]
    every = lat["/"] + lat["/insights"]
    n = len(every) + len(errors)
    print(f"store: {args.db} ({args.contacts:,} contacts); {args.users} users for {args.seconds:.0f} s, "
          f"mean think time {args.think_s} s")
    print(f"first overview (cold, aggregates computed): {cold * 1000:.0f} ms")
    print(f"{'page':<12}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, xs in (("overview", lat["/"]), ("insights", lat["/insights"]), ("all", every)):
        print(f"{name:<12}{len(xs):>10,}{_pct(xs, 50):>9.0f}{_pct(xs, 95):>9.0f}{_pct(xs, 99):>9.0f}"
              f"{(max(xs) * 1000 if xs else float('nan')):>9.0f}")
    print(f"throughput {len(every) / args.seconds:.1f} pages/s; errors {len(errors)} of {n}"
          + (f" (first: {errors[:3]})" if errors else ""))
    if every:
        print(f"mean {statistics.mean(every) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
