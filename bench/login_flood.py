"""Wrong sign-ins as fast as they are answered, from many loopback addresses at once.

    python bench/login_flood.py URL SECONDS [CONNECTIONS]

Each connection comes from its own address (127.0.2.x), keeps its HTTP/1.1 connection open and
sends the next guess (a new name each time, with the Origin a browser would send) as soon as
the last one is answered. Prints one JSON line: answers by status, and how long the refusals
and the checked guesses took (median, 90th percentile)."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

URL, SECONDS = sys.argv[1], float(sys.argv[2])
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 128
parts = urlsplit(URL)
HOST, PORT = parts.hostname, parts.port


def _request(n: int) -> bytes:
    body = f"username=flood{n}&password=not-the-password&next=%2F".encode()
    head = (f"POST /login HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nOrigin: {URL}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _one(k: int, stop: float, seen: dict) -> None:
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=(f"127.0.2.{k % 250 + 1}", 0))
    n = 0
    while time.perf_counter() < stop:
        n += 1
        t = time.perf_counter()
        writer.write(_request(k * 1_000_000 + n))
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        seen.setdefault(status, []).append(time.perf_counter() - t)
    writer.close()


async def main() -> None:
    seen: dict[int, list[float]] = {}
    stop = time.perf_counter() + SECONDS
    await asyncio.gather(*(_one(k, stop, seen) for k in range(CONNECTIONS)))

    def q(v: list[float], p: float) -> float:
        return round(sorted(v)[min(len(v) - 1, int(p * len(v)))], 4) if v else None

    print(json.dumps({str(s): {"n": len(v), "median_s": q(v, 0.5), "p90_s": q(v, 0.9),
                               "mean_s": round(statistics.fmean(v), 4)} for s, v in sorted(seen.items())}))


asyncio.run(main())
