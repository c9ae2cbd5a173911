"""Commands beside a running server, and an API call under a flood of wrong sign-ins.

    PYTHONPATH=src python bench/serve_commands.py [--days 14] [--repeat 5] [--flood-s 8]

1. Builds a store from the simulator (seeded) with one admin and an API token.
2. Times `earful status`, `earful metrics --by day,queue` and `earful users list` as separate
   processes, first with no server (they open the store read-only) and then while
   `earful serve` runs (they are sent to it): median wall seconds of --repeat runs, and the
   CPU seconds of the calling process and of the server for them.
3. Times a token-authenticated `GET /api/v1/interactions?q=card&limit=20` (median of 15)
   without, then with, 128 connections guessing passwords as fast as they are answered
   (bench/login_flood.py), and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
EARFUL = [sys.executable, "-m", "earful.cli"]
COMMANDS = {"status": ["status", "--json"], "metrics": ["metrics", "--by", "day,queue", "-f", "csv"],
            "users list": ["users", "list"]}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _time(db: Path, args: list[str], repeat: int) -> tuple[float, float]:
    walls, cpu0 = [], _cpu_children()
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run([*EARFUL, *args, "--db", str(db)], capture_output=True, text=True)
        walls.append(time.perf_counter() - t)
        if r.returncode:
            raise SystemExit(f"earful {' '.join(args)} failed: {r.stderr}")
    return statistics.median(walls), (_cpu_children() - cpu0) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--flood-s", type=float, default=8)
    a = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cpus)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        subprocess.run([*EARFUL, "simulate", "--days", str(a.days), "--seed", "7", "--out", tmp], check=True,
                       capture_output=True)
        subprocess.run([*EARFUL, "ingest", str(Path(tmp) / "interactions.jsonl"), "--format", "earful", "--db",
                        str(db)], check=True, capture_output=True)
        subprocess.run([*EARFUL, "users", "add", "admin", "--role", "admin", "--password", "bench password 1",
                        "--db", str(db)], check=True, capture_output=True)
        token = subprocess.run([*EARFUL, "token", "create", "admin", "--db", str(db)], check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
        alone = {name: _time(db, args, a.repeat) for name, args in COMMANDS.items()}
        port = _port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*EARFUL, "serve", "--db", str(db), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if httpx.get(url + "/login", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            served = {}
            for name, args in COMMANDS.items():
                before = _proc_cpu(server.pid)
                served[name] = (*_time(db, args, a.repeat), (_proc_cpu(server.pid) - before) / a.repeat)
            print("\n| command | alone: median s | alone: CPU s | through the server: median s | caller CPU s "
                  "| server CPU s | ratio (wall) |\n|---|---|---|---|---|---|---|")
            for name in COMMANDS:
                (w0, c0), (w1, c1, s1) = alone[name], served[name]
                print(f"| `earful {name}` | {w0:.2f} | {c0:.2f} | {w1:.2f} | {c1:.2f} | {s1:.2f} | {w1 / w0:.2f} |")
            api = httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=120)

            def call() -> float:
                t = time.perf_counter()
                api.get("/api/v1/interactions", params={"q": "card", "limit": 20}).raise_for_status()
                return time.perf_counter() - t

            for _ in range(3):
                call()
            normal = statistics.median(call() for _ in range(15))
            flood = subprocess.Popen([sys.executable, str(HERE / "login_flood.py"), url, str(a.flood_s), "128"],
                                     stdout=subprocess.PIPE, text=True)
            time.sleep(min(2.0, a.flood_s / 4))
            during = []
            while flood.poll() is None and len(during) < 15:
                during.append(call())
            answers = json.loads(flood.communicate()[0])
            flooded = statistics.median(during)
            print(f"\nAPI call (token, /api/v1/interactions?q=card): median {normal * 1000:.0f} ms alone, "
                  f"{flooded * 1000:.0f} ms under 128 connections of wrong sign-ins: x{flooded / normal:.2f}")
            print(f"sign-in answers during the flood: {answers}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
